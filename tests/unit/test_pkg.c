/* SPDX-License-Identifier: Apache-2.0 */
/* The package format: round trip, determinism, system tar, and every refusal of the reader. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <cmocka.h>
#include <zlib.h>

#include "common.h"
#include "pkg_internal.h"

/* ---- helpers ---------------------------------------------------------------------------- */

struct buf {
	unsigned char *p;
	size_t len;
};

static const char long_path[] =
    "btf/x86_64/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/"
    "4.19.90-2107.6.0.0248.35.oe1.bclinux.x86_64.with.a.rather.long.name.btf";

static void add_members(struct pkg_writer *w, bool reverse)
{
	static const unsigned char bin[] = {0, 1, 2, 0xff, 0x7f, 0x80};
	struct {
		const char *path;
		const void *data;
		size_t size;
	} m[] = {
	    {"probe.bpf.o", "\177ELF object", 11},
	    {"btf/x86_64/5.10.0-32-cloud-amd64.btf", bin, sizeof(bin)},
	    {"report.json", "{\"ok\":true}", 11},
	    {"empty", "", 0},
	    {long_path, "long", 4},
	    {"Z-upper", "Z", 1},
	};
	size_t n = sizeof(m) / sizeof(m[0]);

	for (size_t i = 0; i < n; i++) {
		size_t j = reverse ? n - 1 - i : i;

		assert_int_equal(pkg_writer_add(w, m[j].path, m[j].data, m[j].size), 0);
	}
}

static cJSON *sample_manifest(void)
{
	cJSON *m = cJSON_CreateObject();

	cJSON_AddStringToObject(m, "name", "probe");
	cJSON_AddStringToObject(m, "arch", "x86_64");
	return m;
}

/* The sample package, signed with @key when not NULL. */
static struct buf build_with(bool reverse, const struct eucc_key *key)
{
	struct pkg_writer *w;
	cJSON *m = sample_manifest();
	struct buf b;
	void *out;

	assert_int_equal(pkg_writer_new(&w), 0);
	add_members(w, reverse);
	assert_int_equal(pkg_writer_add(w, PKG_SIGNATURE, "x", 1), -EINVAL);
	if (key)
		pkg_writer_sign(w, key);
	assert_int_equal(pkg_writer_finish(w, m, &out, &b.len), 0);
	b.p = out;
	pkg_writer_free(w);
	cJSON_Delete(m);
	return b;
}

static struct buf build_sample(bool reverse)
{
	return build_with(reverse, NULL);
}

static struct buf gunzip(struct buf in)
{
	z_stream z = {0};
	struct buf out = {malloc(64 << 20), 0};

	assert_int_equal(inflateInit2(&z, 31), Z_OK);
	z.next_in = in.p;
	z.avail_in = (uInt)in.len;
	z.next_out = out.p;
	z.avail_out = 64 << 20;
	assert_int_equal(inflate(&z, Z_FINISH), Z_STREAM_END);
	out.len = z.total_out;
	inflateEnd(&z);
	return out;
}

static struct buf gzip(struct buf in)
{
	z_stream z = {0};
	struct buf out;

	assert_int_equal(deflateInit2(&z, 6, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY), Z_OK);
	out.p = malloc(deflateBound(&z, in.len));
	z.next_in = in.p;
	z.avail_in = (uInt)in.len;
	z.next_out = out.p;
	z.avail_out = (uInt)deflateBound(&z, in.len);
	assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
	out.len = z.total_out;
	deflateEnd(&z);
	return out;
}

/* Open @b; expect a refusal whose message contains @want. */
static void expect_refused(struct buf b, const char *want)
{
	struct eucc_error err = {0};
	struct pkg *p = (struct pkg *)1;
	int ret = pkg_open(b.p, b.len, &p, &err);

	if (ret == 0 || !strstr(err.message, want))
		fail_msg("expected a refusal with '%s', got %d '%s'", want, ret, err.message);
	assert_null(p);
	assert_string_equal(eucc_code_name(err.code), "bad_package");
}

/* ---- hand-made tars --------------------------------------------------------------------- */

struct tarb {
	unsigned char *p;
	size_t len;
};

static void tar_add(struct tarb *t, const char *path, const void *data, size_t size)
{
	t->p = realloc(t->p, t->len + pkg_tar_span(size));
	memset(t->p + t->len, 0, pkg_tar_span(size));
	assert_int_equal(pkg_tar_header(t->p + t->len, path, size), 0);
	memcpy(t->p + t->len + PKG_BLOCK, data, size);
	t->len += pkg_tar_span(size);
}

static struct buf tar_end(struct tarb *t)
{
	t->p = realloc(t->p, t->len + 2 * PKG_BLOCK);
	memset(t->p + t->len, 0, 2 * PKG_BLOCK);
	return (struct buf){t->p, t->len + 2 * PKG_BLOCK};
}

/* A manifest listing "a" (content "AAA") and, if @extra, also @extra_path with "BBB". */
static void tar_manifest(struct tarb *t, int format, const char *extra_path)
{
	char json[1024], sha[EUCC_SHA256_HEX], shb[EUCC_SHA256_HEX], more[512] = "";

	eucc_sha256_hex("AAA", 3, sha);
	eucc_sha256_hex("BBB", 3, shb);
	if (extra_path)
		snprintf(more, sizeof(more), ",\"%s\":{\"sha256\":\"%s\",\"size\":3}", extra_path,
			 shb);
	snprintf(json, sizeof(json),
		 "{\"format\":%d,\"files\":{\"a\":{\"sha256\":\"%s\",\"size\":3}%s}}", format, sha,
		 more);
	tar_add(t, "manifest.json", json, strlen(json));
}

/* ---- tests ------------------------------------------------------------------------------ */

static void test_round_trip(void **state)
{
	struct buf b = build_sample(false);
	struct eucc_error err = {0};
	const cJSON *m, *files;
	const void *data;
	struct pkg *p;
	size_t size;

	(void)state;
	assert_int_equal(pkg_open(b.p, b.len, &p, &err), 0);
	m = pkg_manifest(p);
	assert_int_equal(cJSON_GetObjectItem(m, "format")->valueint, PKG_FORMAT_UNSIGNED);
	assert_string_equal(cJSON_GetObjectItem(m, "name")->valuestring, "probe");
	assert_string_equal(m->child->string, "format");
	files = cJSON_GetObjectItem(m, "files");
	assert_int_equal(cJSON_GetArraySize(files), 6);
	assert_int_equal(pkg_member_count(p), 6);
	for (size_t i = 1; i < pkg_member_count(p); i++)
		assert_true(strcmp(pkg_member_path(p, i - 1), pkg_member_path(p, i)) < 0);
	assert_string_equal(pkg_member_path(p, 0), "Z-upper");
	assert_null(pkg_member_path(p, 6));
	assert_int_equal(pkg_member(p, "btf/x86_64/5.10.0-32-cloud-amd64.btf", &data, &size), 0);
	assert_int_equal(size, 6);
	assert_memory_equal(data, "\0\1\2\xff\x7f\x80", 6);
	assert_int_equal(pkg_member(p, long_path, &data, &size), 0);
	assert_memory_equal(data, "long", 4);
	assert_int_equal(pkg_member(p, "empty", &data, &size), 0);
	assert_int_equal(size, 0);
	assert_int_equal(pkg_member(p, "manifest.json", &data, &size), -ENOENT);
	assert_int_equal(pkg_member(p, "nope", &data, &size), -ENOENT);
	pkg_close(p);
	free(b.p);
}

static void test_writer_refusals(void **state)
{
	static const char *bad[] = {"",	   "/abs", "../x",	    "a/../b", "a//b",	  "a/",
				    "./a", "a/.",  "manifest.json", "a\\b",   "tab\there"};
	char longname[300];
	struct pkg_writer *w;

	(void)state;
	assert_int_equal(pkg_writer_new(&w), 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(pkg_writer_add(w, bad[i], "x", 1), -EINVAL);
	memset(longname, 'a', sizeof(longname));
	longname[256] = '\0';
	assert_int_equal(pkg_writer_add(w, longname, "x", 1), -EINVAL);
	longname[120] = '\0'; /* no '/' to split at: cannot be a ustar name */
	assert_int_equal(pkg_writer_add(w, longname, "x", 1), -EINVAL);
	assert_int_equal(pkg_writer_add(w, "a", "x", 1), 0);
	assert_int_equal(pkg_writer_add(w, "a", "y", 1), -EEXIST);
	assert_int_equal(pkg_writer_add(w, "b", NULL, 1), -EINVAL);
	pkg_writer_free(w);
}

/* The most members a package may have: the writer stops there, the reader takes them all. */
static void test_max_members(void **state)
{
	struct eucc_error err = {0};
	struct pkg_writer *w;
	char path[32];
	struct pkg *p;
	void *out;
	size_t len;
	int n = 0, ret;

	(void)state;
	assert_int_equal(pkg_writer_new(&w), 0);
	do {
		snprintf(path, sizeof(path), "m/%05d", n);
		ret = pkg_writer_add(w, path, path, strlen(path));
	} while (!ret && ++n);
	assert_int_equal(ret, -E2BIG);
	assert_int_equal(n, PKG_MAX_MEMBERS - 1); /* and manifest.json */
	assert_int_equal(pkg_writer_finish(w, NULL, &out, &len), 0);
	pkg_writer_free(w);
	assert_int_equal(pkg_open(out, len, &p, &err), 0);
	assert_int_equal(pkg_member_count(p), PKG_MAX_MEMBERS - 1);
	assert_string_equal(pkg_member_path(p, PKG_MAX_MEMBERS - 2), "m/04094");
	pkg_close(p);
	free(out);
}

/* The manifest given to the writer gets "format" and "files" (and keeps the caller's fields). */
static void test_writer_manifest(void **state)
{
	struct pkg_writer *w;
	cJSON *m = sample_manifest();
	char *text;
	void *out;
	size_t len;

	(void)state;
	cJSON_AddNumberToObject(m, "format", 99); /* replaced */
	assert_int_equal(pkg_writer_new(&w), 0);
	assert_int_equal(pkg_writer_add(w, "b", "B", 1), 0);
	assert_int_equal(pkg_writer_add(w, "a", "A", 1), 0);
	assert_int_equal(pkg_writer_finish(w, m, &out, &len), 0);
	text = cJSON_PrintUnformatted(m);
	assert_string_equal(
	    text,
	    "{\"format\":1,\"name\":\"probe\",\"arch\":\"x86_64\",\"files\":{"
	    "\"a\":{\"sha256\":"
	    "\"559aead08264d5795d3909718cdd05abd49572e84fe55590eef31a88a08fdffd\",\"size\":1},"
	    "\"b\":{\"sha256\":"
	    "\"df7e70e5021544f4834bbee64a9e3789febc4be81470df629cad6ddb03320a5c\",\"size\":1}}}");
	free(text);
	free(out);
	pkg_writer_free(w);
	cJSON_Delete(m);
	/* no manifest at all: the writer makes one */
	assert_int_equal(pkg_writer_new(&w), 0);
	assert_int_equal(pkg_writer_finish(w, NULL, &out, &len), 0);
	pkg_writer_free(w);
	free(out);
}

static void write_file(const char *path, struct buf b)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(b.p, 1, b.len, f), b.len);
	assert_int_equal(fclose(f), 0);
}

static struct buf read_whole(const char *path)
{
	struct buf b;
	void *data;

	assert_int_equal(fs_read_file(path, 1 << 20, &data, &b.len), 0);
	b.p = data;
	return b;
}

static void test_determinism(void **state)
{
	struct buf a = build_sample(false), b = build_sample(true), c;
	char path[] = "/tmp/eucc-pkg-XXXXXX";
	int fd = mkstemp(path), status;
	pid_t pid;

	(void)state;
	assert_int_equal(a.len, b.len);
	assert_memory_equal(a.p, b.p, a.len);
	/* another process (a fresh exec: other addresses, other heap) */
	assert_true(fd >= 0);
	close(fd);
	pid = fork();
	if (pid == 0) {
		execl("/proc/self/exe", "test_pkg", "--emit", path, (char *)NULL);
		_exit(127);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	c = read_whole(path);
	assert_int_equal(a.len, c.len);
	assert_memory_equal(a.p, c.p, a.len);
	/* gzip header: no name, mtime 0 */
	assert_memory_equal(a.p, "\x1f\x8b\x08\x00\x00\x00\x00\x00", 8);
	unlink(path);
	free(a.p);
	free(b.p);
	free(c.p);
}

static void test_system_tar(void **state)
{
	static const char *want[] = {
	    "manifest.json", "Z-upper", "btf/x86_64/5.10.0-32-cloud-amd64.btf",
	    long_path,	     "empty",	"probe.bpf.o",
	    "report.json"};
	struct buf b = build_sample(false), x;
	char dir[] = "/tmp/eucc-pkg-XXXXXX", cmd[512], line[512];
	size_t n = 0;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(cmd, sizeof(cmd), "%s/p.eucc", dir);
	write_file(cmd, b);
	snprintf(cmd, sizeof(cmd), "tar -tzf %s/p.eucc", dir);
	f = popen(cmd, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		assert_true(n < 7);
		assert_string_equal(line, want[n++]);
	}
	assert_int_equal(pclose(f), 0);
	assert_int_equal(n, 7);
	snprintf(cmd, sizeof(cmd),
		 "tar -tvzf %s/p.eucc | grep -vc '^-rw-r--r-- root/root .* 1970-01-01 00:00 '",
		 dir);
	f = popen(cmd, "r");
	assert_non_null(fgets(line, sizeof(line), f));
	assert_string_equal(line, "0\n"); /* every member: 0644, root, mtime 0 */
	pclose(f);
	snprintf(cmd, sizeof(cmd), "cd %s && tar -xzf p.eucc && gzip -t p.eucc", dir);
	assert_int_equal(system(cmd), 0);
	snprintf(cmd, sizeof(cmd), "%s/%s", dir, long_path);
	x = read_whole(cmd);
	assert_memory_equal(x.p, "long", 4);
	free(x.p);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
	free(b.p);
}

static void test_plain_tar_and_file(void **state)
{
	struct buf gz = build_sample(false), tar = gunzip(gz);
	char path[] = "/tmp/eucc-pkg-XXXXXX";
	struct eucc_error err = {0};
	struct pkg *p;

	(void)state;
	assert_int_equal(pkg_open(tar.p, tar.len, &p, &err), 0);
	assert_int_equal(pkg_member_count(p), 6);
	pkg_close(p);
	close(mkstemp(path));
	write_file(path, gz);
	assert_int_equal(pkg_open_file(path, &p, &err), 0);
	pkg_close(p);
	unlink(path);
	assert_int_equal(pkg_open_file(path, &p, &err), -ENOENT);
	assert_string_equal(eucc_code_name(err.code), "bad_input");
	free(gz.p);
	free(tar.p);
}

/* Change one byte of a member inside the tar, re-gzip: the reader sees the sha256 mismatch. */
static void test_tampered_member(void **state)
{
	struct buf gz = build_sample(false), tar = gunzip(gz), re;
	unsigned char *at = memmem(tar.p, tar.len, "\177ELF object", 11);

	(void)state;
	assert_non_null(at);
	at[5] ^= 1;
	expect_refused(
	    tar, "member probe.bpf.o: sha256 mismatch: the package is damaged or was altered");
	re = gzip(tar);
	expect_refused(re, "member probe.bpf.o: sha256 mismatch");
	free(re.p);
	/* the manifest lies about a size: the tar header disagrees */
	at[5] ^= 1;
	at = memmem(tar.p, tar.len, "\"size\":11", 9);
	assert_non_null(at);
	at[8] = '2';
	expect_refused(tar, "size mismatch");
	free(gz.p);
	free(tar.p);
}

static void test_truncated(void **state)
{
	struct buf gz = build_sample(false), tar = gunzip(gz);

	(void)state;
	for (size_t n = 0; n < gz.len; n++)
		expect_refused((struct buf){gz.p, n},
			       n < 2 ? "not an eucc package" : "truncated package");
	for (size_t n = 0; n < tar.len; n += 97)
		expect_refused((struct buf){tar.p, n},
			       n < PKG_BLOCK ? "not an eucc package" : "truncated package");
	for (size_t n = tar.len - 2 * PKG_BLOCK; n < tar.len; n += PKG_BLOCK / 2)
		expect_refused((struct buf){tar.p, n}, "truncated package");
	free(gz.p);
	free(tar.p);
}

static void test_format_newer(void **state)
{
	struct tarb t = {0};
	struct eucc_error err = {0};
	struct pkg *p;
	struct buf b;

	(void)state;
	tar_manifest(&t, 3, NULL);
	tar_add(&t, "a", "AAA", 3);
	b = tar_end(&t);
	assert_int_equal(pkg_open(b.p, b.len, &p, &err), -EPROTONOSUPPORT);
	assert_string_equal(
	    err.message,
	    "package format 3 is newer than this client (knows 2): update eucc-remote");
	assert_string_equal(eucc_code_name(err.code), "bad_package");
	free(b.p);
	/* format 1 of the same shape opens */
	memset(&t, 0, sizeof(t));
	tar_manifest(&t, 1, NULL);
	tar_add(&t, "a", "AAA", 3);
	b = tar_end(&t);
	assert_int_equal(pkg_open(b.p, b.len, &p, &err), 0);
	pkg_close(p);
	free(b.p);
	memset(&t, 0, sizeof(t));
	tar_manifest(&t, 0, NULL);
	b = tar_end(&t);
	expect_refused(b, "no valid \"format\"");
	free(b.p);
	/* format 2 is a signed package: signature.json must follow the manifest */
	memset(&t, 0, sizeof(t));
	tar_manifest(&t, 2, NULL);
	tar_add(&t, "a", "AAA", 3);
	b = tar_end(&t);
	expect_refused(b, "format 2 has signature.json after manifest.json, this one has a");
	free(b.p);
}

/* ---- signatures ------------------------------------------------------------------------- */

static struct buf build_signed(const struct eucc_key *key)
{
	return build_with(false, key);
}

/* A keyring of the public half of @k, read back from its PEM. */
static void ring_of(struct eucc_keyring *r, const struct eucc_key *k)
{
	struct eucc_error err = {0};
	char *pem;

	assert_int_equal(eucc_key_pem(k, false, &pem), 0);
	assert_int_equal(eucc_keyring_add_pem(r, pem, strlen(pem), "test", &err), 0);
	free(pem);
	assert_int_equal(r->n, 1);
	assert_false(eucc_key_is_private(r->keys[0]));
	assert_string_equal(eucc_key_id(r->keys[0]), eucc_key_id(k));
	assert_string_equal(eucc_key_name(r->keys[0]), eucc_key_name(k));
}

static void test_signed(void **state)
{
	struct eucc_keyring mine = {0}, other = {0}, bad = {0};
	struct eucc_key *k, *k2, *back;
	struct eucc_error err = {0};
	struct pkg_signer who;
	struct buf a, b, tar;
	struct pkg *p;
	char *pem;
	unsigned char *at;

	(void)state;
	assert_int_equal(eucc_key_generate("team build", &k), 0);
	assert_int_equal(eucc_key_generate("someone else", &k2), 0);
	assert_true(eucc_is_sha256_hex(eucc_key_id(k)));
	ring_of(&mine, k);
	ring_of(&other, k2);
	/* the private PEM reads back as the same key */
	assert_int_equal(eucc_key_pem(k, true, &pem), 0);
	assert_int_equal(eucc_keyring_add_pem(&bad, pem, strlen(pem), "priv", &err), 0);
	back = bad.keys[0];
	assert_true(eucc_key_is_private(back));
	assert_string_equal(eucc_key_id(back), eucc_key_id(k));
	free(pem);
	eucc_keyring_free(&bad);
	assert_int_equal(eucc_keyring_add_pem(&bad, "hello", 5, "junk", &err), -ENOKEY);
	assert_non_null(strstr(err.message, "junk: no key in it"));

	a = build_signed(k);
	b = build_signed(k);
	assert_int_equal(a.len, b.len); /* ed25519 is deterministic: the same bytes */
	assert_memory_equal(a.p, b.p, a.len);
	assert_int_equal(pkg_open(a.p, a.len, &p, &err), 0);
	assert_int_equal(cJSON_GetObjectItem(pkg_manifest(p), "format")->valueint, 2);
	assert_int_equal(pkg_member_count(p), 6); /* signature.json is not a member */
	assert_int_equal(pkg_signer(p, &who), 0);
	assert_string_equal(who.key_id, eucc_key_id(k));
	assert_string_equal(who.name, "team build");
	assert_int_equal(pkg_verify(p, &mine, &err), 0);
	assert_int_equal(pkg_verify(p, &other, &err), -ENOKEY);
	assert_string_equal(eucc_code_name(err.code), "untrusted");
	assert_non_null(strstr(err.message, "which is not among the 1 trusted keys"));
	pkg_close(p);

	/* the manifest altered after signing: the members still match, the signature does not */
	tar = gunzip(a);
	at = memmem(tar.p, tar.len, "\"probe\"", 7);
	assert_non_null(at);
	at[3] = 'O';
	assert_int_equal(pkg_open(tar.p, tar.len, &p, &err), 0);
	assert_int_equal(pkg_verify(p, &mine, &err), -EKEYREJECTED);
	assert_non_null(strstr(err.message, "does not verify"));
	pkg_close(p);
	free(tar.p);

	/* unsigned: refused by a keyring, no signer */
	free(b.p);
	b = build_sample(false);
	assert_int_equal(pkg_open(b.p, b.len, &p, &err), 0);
	assert_int_equal(pkg_signer(p, &who), -ENOENT);
	assert_int_equal(pkg_verify(p, &mine, &err), -ENOKEY);
	assert_non_null(strstr(err.message, "not signed"));
	pkg_close(p);
	free(a.p);
	free(b.p);
	eucc_keyring_free(&mine);
	eucc_keyring_free(&other);
	eucc_key_free(k);
	eucc_key_free(k2);
}

/* A tar made by a test case: manifest (with @extra listed), then the members. */
struct shape {
	const char *extra;	/* listed in the manifest besides "a" */
	const char *members[3]; /* in the tar after the manifest ("a" is "AAA") */
	const char *want;
};

static void check_shape(const struct shape *s)
{
	struct tarb t = {0};
	struct buf b;

	tar_manifest(&t, 1, s->extra);
	for (size_t i = 0; i < 3 && s->members[i]; i++)
		tar_add(&t, s->members[i], strcmp(s->members[i], "a") ? "BBB" : "AAA", 3);
	b = tar_end(&t);
	expect_refused(b, s->want);
	free(b.p);
}

static void test_bad_shapes(void **state)
{
	static const struct shape shapes[] = {
	    {NULL, {"a", "extra"}, "member extra is not listed in the manifest"},
	    {"b", {"a"}, "member b is listed in the manifest but missing"},
	    {NULL, {"a", "a"}, "duplicate member a"},
	    {NULL, {"a", "manifest.json"}, "duplicate member manifest.json"},
	    {"/abs", {"a", "/abs"}, "manifest.json lists a bad path '/abs': absolute path"},
	    {"../up", {"a", "../up"}, "bad path '../up'"},
	    {NULL, {"a", "/abs"}, "bad member path '/abs': absolute path"},
	    {NULL, {"a", "x/../../y"}, "bad member path 'x/../../y'"},
	    {NULL, {"a", "x//y"}, "bad member path 'x//y'"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++)
		check_shape(&shapes[i]);
}

static void test_not_a_package(void **state)
{
	struct tarb t = {0};
	struct buf b;
	char sha[EUCC_SHA256_HEX], json[256];

	(void)state;
	expect_refused((struct buf){(unsigned char *)"hello", 5}, "not an eucc package");
	expect_refused((struct buf){(unsigned char *)"", 0}, "not an eucc package: it is empty");
	/* manifest.json not first */
	tar_add(&t, "a", "AAA", 3);
	tar_manifest(&t, 1, NULL);
	b = tar_end(&t);
	expect_refused(b, "not an eucc package: its first member is 'a', not manifest.json");
	free(b.p);
	/* no manifest at all */
	memset(&t, 0, sizeof(t));
	tar_add(&t, "a", "AAA", 3);
	b = tar_end(&t);
	expect_refused(b, "not manifest.json");
	free(b.p);
	/* empty tar, manifest not JSON, duplicate key in "files" */
	memset(&t, 0, sizeof(t));
	b = tar_end(&t);
	expect_refused(b, "an empty tar archive");
	free(b.p);
	memset(&t, 0, sizeof(t));
	tar_add(&t, "manifest.json", "[1,2]", 5);
	b = tar_end(&t);
	expect_refused(b, "manifest.json is not a JSON object");
	free(b.p);
	memset(&t, 0, sizeof(t));
	eucc_sha256_hex("AAA", 3, sha);
	snprintf(json, sizeof(json),
		 "{\"format\":1,\"files\":{\"a\":{\"sha256\":\"%s\",\"size\":3},"
		 "\"a\":{\"sha256\":\"%s\",\"size\":3}}}",
		 sha, sha);
	tar_add(&t, "manifest.json", json, strlen(json));
	tar_add(&t, "a", "AAA", 3);
	b = tar_end(&t);
	expect_refused(b, "manifest.json lists a twice");
	free(b.p);
}

/* Anything at all: refused or read, never a crash. */
static void try_open(const unsigned char *p, size_t len)
{
	struct eucc_error err = {0};
	struct pkg *pkg;

	if (pkg_open(p, len, &pkg, &err) == 0)
		pkg_close(pkg);
	else
		assert_string_equal(eucc_code_name(err.code), "bad_package");
}

static void test_garbage(void **state)
{
	struct buf gz = build_sample(false), tar = gunzip(gz);
	unsigned char *r = malloc(8192);
	unsigned int seed = 1;

	(void)state;
	for (int i = 0; i < 2000; i++) {
		size_t len = (size_t)rand_r(&seed) % 8192;

		for (size_t j = 0; j < len; j++)
			r[j] = (unsigned char)rand_r(&seed);
		if (i % 2 && len >= 2)
			memcpy(r, "\x1f\x8b", 2);
		expect_refused((struct buf){r, len}, "package");
	}
	/* every single byte of a good package flipped: refused or read, never a crash */
	for (size_t i = 0; i < gz.len; i++) {
		gz.p[i] ^= 0x20;
		try_open(gz.p, gz.len);
		gz.p[i] ^= 0x20;
	}
	for (size_t i = 0; i < tar.len; i += 7) {
		tar.p[i] ^= 0x41;
		try_open(tar.p, tar.len);
		tar.p[i] ^= 0x41;
	}
	free(r);
	free(gz.p);
	free(tar.p);
}

/* gzip @head followed by @zeros zero bytes, streamed (never held in memory). */
static struct buf gzip_bomb(struct buf head, size_t zeros)
{
	static unsigned char zero[1 << 20];
	z_stream z = {0};
	size_t cap = 64 << 20;
	struct buf out = {malloc(cap), 0};

	assert_int_equal(deflateInit2(&z, 1, Z_DEFLATED, 31, 9, Z_DEFAULT_STRATEGY), Z_OK);
	z.next_out = out.p;
	z.avail_out = (uInt)cap;
	z.next_in = head.p;
	z.avail_in = (uInt)head.len;
	assert_int_equal(deflate(&z, Z_NO_FLUSH), Z_OK);
	while (zeros) {
		size_t n = zeros < sizeof(zero) ? zeros : sizeof(zero);

		z.next_in = zero;
		z.avail_in = (uInt)n;
		assert_int_equal(deflate(&z, Z_NO_FLUSH), Z_OK);
		zeros -= n;
	}
	assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
	out.len = z.total_out;
	deflateEnd(&z);
	return out;
}

static void test_gzip_bomb(void **state)
{
	struct buf gz = build_sample(false), tar = gunzip(gz), bomb;
	struct tarb t = {0};
	unsigned char hdr[PKG_BLOCK];

	(void)state;
	/* 600 MiB of zeros (more than PKG_MAX_SIZE): an empty tar, refused at the first block */
	bomb = gzip_bomb((struct buf){NULL, 0}, (size_t)600 << 20);
	assert_true(bomb.len < (4 << 20));
	expect_refused(bomb, "an empty tar archive");
	free(bomb.p);
	/* a good package followed by 64 MiB of zero "padding": the trailer cap stops it */
	bomb = gzip_bomb(tar, (size_t)64 << 20);
	expect_refused(bomb, "data after the end of the archive");
	free(bomb.p);
	/* a member header announcing 600 MiB that the manifest does not list */
	tar_manifest(&t, 1, NULL);
	tar_add(&t, "a", "AAA", 3);
	assert_int_equal(pkg_tar_header(hdr, "big", (size_t)600 << 20), 0);
	t.p = realloc(t.p, t.len + PKG_BLOCK);
	memcpy(t.p + t.len, hdr, PKG_BLOCK);
	bomb = gzip_bomb((struct buf){t.p, t.len + PKG_BLOCK}, (size_t)64 << 20);
	expect_refused(bomb, "member big is not listed in the manifest");
	free(bomb.p);
	free(t.p);
	free(gz.p);
	free(tar.p);
}

/* --emit FILE: write the sample package (for the determinism test across processes). */
/* A package whose manifest's object and kernel BTF say what the arguments say. */
static struct buf build_refs(const char *obj_sha, double obj_size, const char *btf_path,
			     const char *btf_sha)
{
	struct pkg_writer *w;
	cJSON *m = sample_manifest(), *o, *k, *b;
	char sha[EUCC_SHA256_HEX], bsha[EUCC_SHA256_HEX];
	struct buf out;
	void *data;

	eucc_sha256_hex("\177ELF object", 11, sha);
	eucc_sha256_hex("BTF", 3, bsha);
	o = cJSON_AddObjectToObject(m, "object");
	cJSON_AddStringToObject(o, "path", "probe.bpf.o");
	cJSON_AddStringToObject(o, "sha256", obj_sha ? obj_sha : sha);
	cJSON_AddNumberToObject(o, "size", obj_size);
	k = cJSON_CreateObject();
	cJSON_AddItemToArray(cJSON_AddArrayToObject(m, "kernels"), k);
	cJSON_AddStringToObject(k, "release", "6.1.0-47-cloud-amd64");
	b = cJSON_AddObjectToObject(k, "btf");
	cJSON_AddStringToObject(b, "path", btf_path);
	cJSON_AddStringToObject(b, "sha256", btf_sha ? btf_sha : bsha);
	cJSON_AddNumberToObject(b, "size", 3);
	assert_int_equal(pkg_writer_new(&w), 0);
	assert_int_equal(pkg_writer_add(w, "probe.bpf.o", "\177ELF object", 11), 0);
	assert_int_equal(pkg_writer_add(w, "btf/x86_64/6.1.0-47-cloud-amd64.btf", "BTF", 3), 0);
	assert_int_equal(pkg_writer_finish(w, m, &data, &out.len), 0);
	out.p = data;
	pkg_writer_free(w);
	cJSON_Delete(m);
	return out;
}

/* The manifest's object and kernels[].btf must be the members they name, digest and size. */
static void test_manifest_refs(void **state)
{
	static const char other[] =
	    "0000000000000000000000000000000000000000000000000000000000000000";
	const char *btf = "btf/x86_64/6.1.0-47-cloud-amd64.btf";
	struct eucc_error err = {0};
	char sha[EUCC_SHA256_HEX], want[512];
	struct pkg *p;
	struct buf b;

	(void)state;
	eucc_sha256_hex("\177ELF object", 11, sha);
	b = build_refs(NULL, 11, btf, NULL);
	assert_int_equal(pkg_open(b.p, b.len, &p, &err), 0);
	pkg_close(p);
	free(b.p);

	b = build_refs(other, 11, btf, NULL);
	snprintf(want, sizeof(want),
		 "member probe.bpf.o: the manifest's object says sha256 %s, the member's is %s: "
		 "the package is damaged or was altered",
		 other, sha);
	expect_refused(b, want);
	assert_int_equal(pkg_open(b.p, b.len, &p, &err), -EBADMSG);
	assert_non_null(strstr(err.hint, "eucc-remote pull DIGEST"));
	free(b.p);

	b = build_refs(NULL, 12, btf, NULL);
	expect_refused(b, "member probe.bpf.o: the manifest's object says size 12, the member "
			  "has 11 bytes");
	free(b.p);

	eucc_sha256_hex("BTF", 3, sha);
	b = build_refs(NULL, 11, btf, other);
	snprintf(want, sizeof(want),
		 "member %s: the manifest's kernels[0].btf says sha256 %s, the member's is %s", btf,
		 other, sha);
	expect_refused(b, want);
	free(b.p);

	b = build_refs(NULL, 11, "btf/x86_64/other.btf", NULL);
	expect_refused(b, "manifest.json: kernels[0].btf names btf/x86_64/other.btf, which is "
			  "not a member");
	free(b.p);
}

static int emit(const char *path)
{
	struct buf b = build_sample(true);

	write_file(path, b);
	free(b.p);
	return 0;
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_round_trip),
	    cmocka_unit_test(test_writer_refusals),
	    cmocka_unit_test(test_writer_manifest),
	    cmocka_unit_test(test_max_members),
	    cmocka_unit_test(test_determinism),
	    cmocka_unit_test(test_system_tar),
	    cmocka_unit_test(test_plain_tar_and_file),
	    cmocka_unit_test(test_tampered_member),
	    cmocka_unit_test(test_truncated),
	    cmocka_unit_test(test_format_newer),
	    cmocka_unit_test(test_signed),
	    cmocka_unit_test(test_bad_shapes),
	    cmocka_unit_test(test_not_a_package),
	    cmocka_unit_test(test_garbage),
	    cmocka_unit_test(test_gzip_bomb),
	    cmocka_unit_test(test_manifest_refs),
	};

	if (argc == 3 && !strcmp(argv[1], "--emit"))
		return emit(argv[2]);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
