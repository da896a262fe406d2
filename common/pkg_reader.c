/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The package reader: streams the tar out of the gzip data block by block and checks it
 * against the manifest as it goes, so that nothing the manifest does not announce is ever
 * unpacked (a gzip bomb stops at its first unexpected block).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <zlib.h>

#include "common.h"
#include "pkg_internal.h"

struct pkg_member {
	char *path;
	char sha256[EUCC_SHA256_HEX];
	size_t size;
	void *data;
	bool present;
};

struct pkg {
	cJSON *manifest;
	char manifest_sha256[EUCC_SHA256_HEX];
	cJSON *signature;     /* format 2: signature.json; NULL: unsigned */
	struct pkg_member *m; /* sorted by path */
	size_t n;
};

/* Where the tar bytes come from: the input itself or its gzip stream. */
struct pkg_src {
	const unsigned char *in;
	size_t len, pos;
	bool gz, gz_end;
	z_stream z;
	size_t out;   /* tar bytes produced */
	size_t limit; /* tar bytes it may produce (unpack_limit) */
};

struct pkg_rd {
	struct pkg_src src;
	struct pkg *p;
	struct eucc_error *err;
	unsigned char blk[PKG_BLOCK];
};

static int bad(struct pkg_rd *rd, int err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int bad(struct pkg_rd *rd, int err, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return eucc_error_set(rd->err, err, EUCC_E_BAD_PACKAGE, "%s", msg);
}

static int damaged(struct pkg_rd *rd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int damaged(struct pkg_rd *rd, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	eucc_error_set(rd->err, -EBADMSG, EUCC_E_BAD_PACKAGE, "%s", msg);
	eucc_error_hint(rd->err, "fetch the package again (eucc-remote pull DIGEST) and compare "
				 "its sha256 with the digest the server gave");
	return -EBADMSG;
}

/* The tar bytes a package of @size may hold: see PKG_UNPACK_RATIO. */
static size_t unpack_limit(size_t size)
{
	size_t limit = size > PKG_MAX_SIZE / PKG_UNPACK_RATIO ? PKG_MAX_SIZE + PKG_TRAIL_MAX
							      : size * PKG_UNPACK_RATIO;

	return limit < PKG_UNPACK_FLOOR ? PKG_UNPACK_FLOOR : limit;
}

/* The package unpacks to more than @limit bytes (or its manifest says it would). */
static int too_big(struct pkg_rd *rd, size_t limit)
{
	if (limit > PKG_MAX_SIZE)
		return bad(rd, -EFBIG, "package too large: it unpacks to more than %zu MiB",
			   PKG_MAX_SIZE >> 20);
	bad(rd, -EFBIG,
	    "bad package: it unpacks to more than %zu MiB, more than %d times its %zu bytes "
	    "(packages eucc makes unpack to a few times their size)",
	    limit >> 20, PKG_UNPACK_RATIO, rd->src.len);
	eucc_error_hint(rd->err, "this is not a package eucc-server made: fetch it again "
				 "(eucc-remote pull DIGEST)");
	return -EFBIG;
}

static int gz_inflate(struct pkg_src *s, unsigned char *buf, size_t n, size_t *got)
{
	int ret = 0;

	s->z.next_out = buf;
	s->z.avail_out = (uInt)n;
	while (!ret && s->z.avail_out && !s->gz_end) {
		int zr = inflate(&s->z, Z_NO_FLUSH);

		if (zr == Z_STREAM_END)
			s->gz_end = true;
		else if (zr == Z_BUF_ERROR && !s->z.avail_in)
			ret = -EPIPE;
		else if (zr == Z_MEM_ERROR)
			ret = -ENOMEM;
		else if (zr != Z_OK)
			ret = -EBADMSG;
	}
	*got = n - s->z.avail_out;
	return ret;
}

/* Read up to @n tar bytes; *got < n only where the stream ends. */
static int src_read(struct pkg_src *s, unsigned char *buf, size_t n, size_t *got)
{
	int ret = 0;

	if (s->out + n > s->limit)
		return -EFBIG;
	if (s->gz) {
		ret = gz_inflate(s, buf, n, got);
	} else {
		*got = n < s->len - s->pos ? n : s->len - s->pos;
		memcpy(buf, s->in + s->pos, *got);
		s->pos += *got;
	}
	s->out += *got;
	return ret;
}

/* Read exactly @n bytes; @where says what was being read, for the error. */
static int rd_read(struct pkg_rd *rd, void *buf, size_t n, const char *where)
{
	size_t got = 0;
	int ret = src_read(&rd->src, buf, n, &got);

	if (ret == -EBADMSG && rd->src.out == 0)
		return bad(rd, ret, "not an eucc package: bad gzip data (%s)",
			   rd->src.z.msg ? rd->src.z.msg : "corrupt");
	if (ret == -EBADMSG)
		return damaged(rd, "damaged package: bad gzip data (%s)",
			       rd->src.z.msg ? rd->src.z.msg : "corrupt");
	if (ret == -EFBIG)
		return too_big(rd, rd->src.limit);
	if (ret == -ENOMEM)
		return eucc_error_set(rd->err, ret, EUCC_E_INTERNAL, "out of memory");
	if (ret || got < n)
		return damaged(rd, "truncated package: it ends %s", where);
	return 0;
}

/* Read a member's data and the padding after it. */
static int rd_data(struct pkg_rd *rd, const char *path, size_t size, void **out)
{
	unsigned char pad[PKG_BLOCK];
	size_t padn = (PKG_BLOCK - size % PKG_BLOCK) % PKG_BLOCK;
	char where[PKG_PATH_MAX + 32];
	void *data = malloc(size ? size : 1);
	int ret;

	if (!data)
		return eucc_error_set(rd->err, -ENOMEM, EUCC_E_INTERNAL, "out of memory");
	snprintf(where, sizeof(where), "inside member %s", path);
	ret = rd_read(rd, data, size, where);
	if (!ret)
		ret = rd_read(rd, pad, padn, where);
	if (ret) {
		free(data);
		return ret;
	}
	*out = data;
	return 0;
}

/* The next header, or 1 at the end-of-archive marker. */
static int rd_header(struct pkg_rd *rd, struct pkg_tar_entry *e)
{
	const char *why;
	int ret = rd_read(rd, rd->blk, PKG_BLOCK, "before the end-of-archive marker");

	if (ret)
		return ret;
	if (pkg_block_is_zero(rd->blk, PKG_BLOCK))
		return 1;
	why = pkg_tar_parse(rd->blk, e);
	if (why)
		return damaged(rd, "damaged package: %s", why);
	if (e->type != '0' && e->type != '\0')
		return bad(rd, -EBADMSG,
			   "bad package: member %s is not a regular file (tar type '%c')", e->path,
			   e->type);
	why = pkg_path_problem(e->path);
	if (why)
		return bad(rd, -EBADMSG, "bad package: bad member path '%s': %s", e->path, why);
	return 0;
}

/* The first block: tells a tar (maybe in gzip) from anything else. */
static int rd_first(struct pkg_rd *rd, struct pkg_tar_entry *e)
{
	const char *what =
	    rd->src.gz ? "the gzip data is not a tar archive" : "neither gzip nor tar";
	const char *why;
	int ret;

	if (!rd->src.gz && rd->src.len < PKG_BLOCK)
		return bad(rd, -EBADMSG, "not an eucc package: %s (only %zu bytes)", what,
			   rd->src.len);
	ret = rd_read(rd, rd->blk, PKG_BLOCK, "before its first member");
	if (ret)
		return ret;
	if (pkg_block_is_zero(rd->blk, PKG_BLOCK))
		return bad(rd, -EBADMSG, "not an eucc package: an empty tar archive");
	why = pkg_tar_parse(rd->blk, e);
	if (why)
		return bad(rd, -EBADMSG, "not an eucc package: %s (%s)", what, why);
	if (strcmp(e->path, PKG_MANIFEST))
		return bad(rd, -EBADMSG,
			   "not an eucc package: its first member is '%s', not manifest.json",
			   e->path);
	if (e->type != '0' && e->type != '\0')
		return bad(rd, -EBADMSG,
			   "not an eucc package: manifest.json is not a regular file");
	if (e->size > PKG_MANIFEST_MAX)
		return bad(rd, -EBADMSG, "bad package: manifest.json is larger than %zu MiB",
			   PKG_MANIFEST_MAX >> 20);
	if (rd->src.out + pkg_tar_span(e->size) > rd->src.limit)
		return too_big(rd, rd->src.limit);
	return 0;
}

/* "format": a positive integer this code knows. */
static int check_format(struct pkg_rd *rd, const cJSON *m)
{
	const cJSON *f = cJSON_GetObjectItemCaseSensitive(m, "format");
	double d = cJSON_IsNumber(f) ? f->valuedouble : 0;

	if (!(d >= 1 && d <= 1e9) || (double)(long)d != d)
		return bad(rd, -EBADMSG,
			   "not an eucc package: manifest.json has no valid \"format\"");
	if ((long)d > PKG_FORMAT_VERSION) {
		bad(rd, -EPROTONOSUPPORT,
		    "package format %ld is newer than this client (knows %d): update eucc-remote",
		    (long)d, PKG_FORMAT_VERSION);
		eucc_error_hint(rd->err, "install an eucc-remote that reads package format %ld",
				(long)d);
		return -EPROTONOSUPPORT;
	}
	return 0;
}

/* One entry of "files": {"sha256": hex, "size": N}. */
static int parse_file(struct pkg_rd *rd, const cJSON *f, struct pkg_member *m)
{
	const cJSON *sha = cJSON_GetObjectItemCaseSensitive(f, "sha256");
	const cJSON *size = cJSON_GetObjectItemCaseSensitive(f, "size");
	const char *why = pkg_path_problem(f->string);
	double d = cJSON_IsNumber(size) ? size->valuedouble : -1;

	if (!why && (!strcmp(f->string, PKG_MANIFEST) || !strcmp(f->string, PKG_SIGNATURE)))
		why = "reserved name";
	if (why)
		return bad(rd, -EBADMSG, "bad package: manifest.json lists a bad path '%s': %s",
			   f->string, why);
	if (!cJSON_IsString(sha) || !eucc_is_sha256_hex(sha->valuestring) ||
	    !(d >= 0 && d <= (double)PKG_MAX_SIZE) || (double)(size_t)d != d)
		return bad(rd, -EBADMSG,
			   "bad package: manifest.json: files.%s needs \"sha256\" and \"size\"",
			   f->string);
	m->path = strdup(f->string);
	if (!m->path)
		return eucc_error_set(rd->err, -ENOMEM, EUCC_E_INTERNAL, "out of memory");
	memcpy(m->sha256, sha->valuestring, EUCC_SHA256_HEX);
	m->size = (size_t)d;
	return 0;
}

static int member_cmp(const void *a, const void *b)
{
	return strcmp(((const struct pkg_member *)a)->path, ((const struct pkg_member *)b)->path);
}

/* "files" becomes the sorted member table, still without data. */
static int parse_files(struct pkg_rd *rd, const cJSON *m)
{
	const cJSON *files = cJSON_GetObjectItemCaseSensitive(m, "files"), *f;
	size_t n = (size_t)cJSON_GetArraySize(files), total = 0;
	struct pkg *p = rd->p;
	int ret;

	if (!cJSON_IsObject(files))
		return bad(rd, -EBADMSG, "not an eucc package: manifest.json has no \"files\"");
	if (n >= PKG_MAX_MEMBERS)
		return bad(rd, -EBADMSG, "bad package: more than %d members", PKG_MAX_MEMBERS - 1);
	p->m = calloc(n ? n : 1, sizeof(*p->m));
	if (!p->m)
		return eucc_error_set(rd->err, -ENOMEM, EUCC_E_INTERNAL, "out of memory");
	cJSON_ArrayForEach(f, files) {
		ret = parse_file(rd, f, &p->m[p->n]);
		if (ret)
			return ret;
		total += pkg_tar_span(p->m[p->n++].size);
		if (total > PKG_MAX_SIZE)
			return bad(rd, -EFBIG, "package too large: its members exceed %zu MiB",
				   PKG_MAX_SIZE >> 20);
		if (rd->src.out + total > rd->src.limit) /* refused before any is read */
			return too_big(rd, rd->src.limit);
	}
	qsort(p->m, p->n, sizeof(*p->m), member_cmp);
	for (size_t i = 1; i < p->n; i++)
		if (!strcmp(p->m[i - 1].path, p->m[i].path))
			return bad(rd, -EBADMSG, "bad package: manifest.json lists %s twice",
				   p->m[i].path);
	return 0;
}

static int rd_manifest(struct pkg_rd *rd)
{
	struct pkg_tar_entry e;
	void *text;
	int ret = rd_first(rd, &e);

	if (ret)
		return ret;
	ret = rd_data(rd, PKG_MANIFEST, e.size, &text);
	if (ret)
		return ret;
	rd->p->manifest = cJSON_ParseWithLength(text, e.size);
	eucc_sha256_hex(text, e.size, rd->p->manifest_sha256);
	free(text);
	if (!cJSON_IsObject(rd->p->manifest))
		return bad(rd, -EBADMSG, "not an eucc package: manifest.json is not a JSON object");
	ret = check_format(rd, rd->p->manifest);
	return ret ? ret : parse_files(rd, rd->p->manifest);
}

/* Format 2: signature.json right after the manifest, well formed (checked against keys later). */
static int rd_signature(struct pkg_rd *rd)
{
	const cJSON *f = cJSON_GetObjectItemCaseSensitive(rd->p->manifest, "format");
	unsigned char raw[EUCC_SIG_BYTES];
	char manifest[EUCC_SHA256_HEX];
	struct pkg_signer who;
	struct pkg_tar_entry e;
	const char *why;
	void *text;
	int ret;

	if (f->valuedouble < 2)
		return 0;
	ret = rd_header(rd, &e);
	if (ret == 1 || (!ret && strcmp(e.path, PKG_SIGNATURE)))
		return bad(rd, -EBADMSG,
			   "bad package: format 2 has signature.json after manifest.json, this "
			   "one has %s",
			   ret == 1 ? "nothing" : e.path);
	if (ret)
		return ret;
	if (e.size > PKG_SIGNATURE_MAX)
		return bad(rd, -EBADMSG, "bad package: signature.json is larger than %zu KiB",
			   PKG_SIGNATURE_MAX >> 10);
	ret = rd_data(rd, PKG_SIGNATURE, e.size, &text);
	if (ret)
		return ret;
	rd->p->signature = cJSON_ParseWithLength(text, e.size);
	free(text);
	why = pkg_signature_parse(rd->p->signature, &who, manifest, raw);
	if (why)
		return bad(rd, -EBADMSG, "bad package: %s", why);
	return 0;
}

static struct pkg_member *find(const struct pkg *p, const char *path)
{
	struct pkg_member key = {.path = (char *)path};

	return p->n ? bsearch(&key, p->m, p->n, sizeof(*p->m), member_cmp) : NULL;
}

/* One member: listed, not seen before, same size and sha256 as the manifest says. */
static int rd_member(struct pkg_rd *rd, const struct pkg_tar_entry *e)
{
	struct pkg_member *m = find(rd->p, e->path);
	char hex[EUCC_SHA256_HEX];
	int ret;

	if (!strcmp(e->path, PKG_MANIFEST) || (m && m->present))
		return bad(rd, -EBADMSG, "bad package: duplicate member %s", e->path);
	if (!m)
		return bad(rd, -EBADMSG, "bad package: member %s is not listed in the manifest",
			   e->path);
	if (m->size != e->size)
		return damaged(rd,
			       "member %s: size mismatch (manifest %zu, archive %zu): the package "
			       "is damaged or was altered",
			       e->path, m->size, e->size);
	ret = rd_data(rd, e->path, e->size, &m->data);
	if (ret)
		return ret;
	m->present = true;
	eucc_sha256_hex(m->data, m->size, hex);
	if (strcmp(hex, m->sha256))
		return damaged(rd,
			       "member %s: sha256 mismatch: the package is damaged or was altered",
			       e->path);
	return 0;
}

/* After the first zero block: a second one, then only zero padding up to the stream's end. */
static int rd_end(struct pkg_rd *rd)
{
	size_t got = 0, trail = 0;
	int ret = rd_read(rd, rd->blk, PKG_BLOCK, "inside the end-of-archive marker");

	if (ret)
		return ret;
	if (!pkg_block_is_zero(rd->blk, PKG_BLOCK))
		return bad(rd, -EBADMSG, "bad package: a lone zero block inside the archive");
	do {
		ret = src_read(&rd->src, rd->blk, PKG_BLOCK, &got);
		if (ret == -EPIPE)
			return damaged(rd, "truncated package: the gzip stream ends early");
		if (ret == -EBADMSG)
			return damaged(rd, "damaged package: bad gzip data (%s)",
				       rd->src.z.msg ? rd->src.z.msg : "corrupt");
		if (ret || !pkg_block_is_zero(rd->blk, got) || (trail += got) > PKG_TRAIL_MAX)
			return bad(rd, -EBADMSG, "bad package: data after the end of the archive");
	} while (got == PKG_BLOCK);
	if (rd->src.gz && rd->src.z.avail_in)
		return bad(rd, -EBADMSG, "bad package: data after the end of the gzip stream");
	return 0;
}

static int rd_package(struct pkg_rd *rd)
{
	struct pkg_tar_entry e;
	int ret = rd_manifest(rd);

	if (!ret)
		ret = rd_signature(rd);

	while (!ret) {
		ret = rd_header(rd, &e);
		if (ret == 1) {
			ret = rd_end(rd);
			break;
		}
		if (!ret)
			ret = rd_member(rd, &e);
	}
	for (size_t i = 0; !ret && i < rd->p->n; i++)
		if (!rd->p->m[i].present)
			ret = damaged(rd,
				      "member %s is listed in the manifest but missing from the "
				      "package",
				      rd->p->m[i].path);
	return ret ? ret : pkg_check_refs(rd->p, rd->err);
}

int pkg_open(const void *data, size_t size, struct pkg **out, struct eucc_error *err)
{
	struct pkg_rd rd = {.err = err,
			    .src = {.in = data, .len = size, .limit = unpack_limit(size)}};
	int ret;

	*out = NULL;
	if (!data || !size)
		return bad(&rd, -EBADMSG, "not an eucc package: it is empty");
	if (size > PKG_MAX_SIZE)
		return bad(&rd, -EFBIG, "package too large: more than %zu MiB", PKG_MAX_SIZE >> 20);
	rd.p = calloc(1, sizeof(*rd.p));
	if (!rd.p)
		return eucc_error_set(err, -ENOMEM, EUCC_E_INTERNAL, "out of memory");
	rd.src.gz = size >= 2 && rd.src.in[0] == 0x1f && rd.src.in[1] == 0x8b;
	if (rd.src.gz) {
		rd.src.z.next_in = (unsigned char *)data;
		rd.src.z.avail_in = (uInt)size;
		if (inflateInit2(&rd.src.z, 15 + 16) != Z_OK) {
			free(rd.p);
			return eucc_error_set(err, -ENOMEM, EUCC_E_INTERNAL, "out of memory");
		}
	}
	ret = rd_package(&rd);
	if (rd.src.gz)
		inflateEnd(&rd.src.z);
	if (ret) {
		pkg_close(rd.p);
		return ret;
	}
	*out = rd.p;
	return 0;
}

int pkg_open_file(const char *path, struct pkg **out, struct eucc_error *err)
{
	void *data;
	size_t len;
	int ret = fs_read_file(path, PKG_MAX_SIZE, &data, &len);

	*out = NULL;
	if (ret == -EFBIG)
		return eucc_error_set(err, ret, EUCC_E_BAD_PACKAGE,
				      "%s: package too large (over %zu MiB)", path,
				      PKG_MAX_SIZE >> 20);
	if (ret)
		return eucc_error_set(err, ret, EUCC_E_BAD_INPUT, "cannot read %s: %s", path,
				      strerror(-ret));
	ret = pkg_open(data, len, out, err);
	free(data);
	if (ret && err) {
		char msg[sizeof(err->message)];

		snprintf(msg, sizeof(msg), "%s: %s", path, err->message);
		memcpy(err->message, msg, sizeof(msg));
	}
	return ret;
}

const struct cJSON *pkg_manifest(const struct pkg *p)
{
	return p->manifest;
}

int pkg_member(const struct pkg *p, const char *path, const void **data, size_t *size)
{
	const struct pkg_member *m = find(p, path);

	if (!m)
		return -ENOENT;
	*data = m->data;
	*size = m->size;
	return 0;
}

int pkg_member_digest(const struct pkg *p, const char *path, const char **sha256, size_t *size)
{
	const struct pkg_member *m = find(p, path);

	if (!m)
		return -ENOENT;
	*sha256 = m->sha256;
	*size = m->size;
	return 0;
}

size_t pkg_member_count(const struct pkg *p)
{
	return p->n;
}

const char *pkg_member_path(const struct pkg *p, size_t i)
{
	return i < p->n ? p->m[i].path : NULL;
}

void pkg_close(struct pkg *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n; i++) {
		free(p->m[i].path);
		free(p->m[i].data);
	}
	free(p->m);
	cJSON_Delete(p->manifest);
	cJSON_Delete(p->signature);
	free(p);
}

const char *pkg_manifest_sha256(const struct pkg *p)
{
	return p->manifest_sha256;
}

const struct cJSON *pkg_signature_json(const struct pkg *p)
{
	return p->signature;
}

int pkg_signer(const struct pkg *p, struct pkg_signer *out)
{
	unsigned char raw[EUCC_SIG_BYTES];
	char manifest[EUCC_SHA256_HEX];

	if (!p->signature)
		return -ENOENT;
	return pkg_signature_parse(p->signature, out, manifest, raw) ? -EBADMSG : 0;
}
