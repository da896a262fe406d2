/* SPDX-License-Identifier: Apache-2.0 */
/*
 * btf_source: every kind of source with real data (the BTF fixtures, real Debian kernels and
 * packages, this host's own BTF), and bad inputs that must fail with a useful message.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <glob.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cmocka.h>

#include <bpf/btf.h>

#include "btfhub.h"

#define BTF_TREE EUCC_FIXTURES "/btf"
#define KERNELS	 EUCC_FIXTURES "/kernels"
#define MAX_SEEN 16

/* ---- helpers ---------------------------------------------------------------------------- */

struct seen {
	struct btf_blob blob; /* data == NULL: see copy */
	char sha[EUCC_SHA256_HEX];
	void *copy;
	size_t size;
};

struct collect {
	struct seen items[MAX_SEEN];
	int n;
	bool keep;   /* keep a copy of the data */
	int stop_rc; /* returned by on_found */
	char failed[4][PATH_MAX];
	char failed_msg[4][1024];
	int nfailed;
};

static int on_found(const struct btf_blob *b, void *ctx)
{
	struct collect *c = ctx;
	struct seen *s;

	assert_true(c->n < MAX_SEEN);
	s = &c->items[c->n++];
	s->blob = *b;
	s->blob.data = NULL;
	eucc_sha256_hex(b->data, b->size, s->sha);
	assert_int_equal(btf_source_validate(b->data, b->size, NULL), 0);
	if (c->keep) {
		s->copy = malloc(b->size);
		assert_non_null(s->copy);
		memcpy(s->copy, b->data, b->size);
		s->size = b->size;
	}
	return c->stop_rc;
}

static void on_failed(const char *path, const struct eucc_error *e, void *ctx)
{
	struct collect *c = ctx;

	assert_true(c->nfailed < 4);
	snprintf(c->failed[c->nfailed], PATH_MAX, "%s", path);
	snprintf(c->failed_msg[c->nfailed], 1024, "%s", e->message);
	c->nfailed++;
}

static void collect_free(struct collect *c)
{
	for (int i = 0; i < c->n; i++)
		free(c->items[i].copy);
	memset(c, 0, sizeof(*c));
}

static int scan(const char *path, struct collect *c, struct eucc_error *err)
{
	struct btf_source_ops ops = {.found = on_found, .failed = on_failed, .ctx = c};

	eucc_error_clear(err);
	return btf_source_scan(path, &ops, err);
}

/* Scan a file that must give exactly one BTF. */
static const struct seen *scan_one(const char *path, struct collect *c)
{
	struct eucc_error err;
	int rc = scan(path, c, &err);

	if (rc != 1)
		fail_msg("%s: scan returned %d: %s (%s)", path, rc, err.message, err.hint);
	assert_int_equal(c->n, 1);
	return &c->items[0];
}

/* Scan a source that must fail; returns the error message. */
static const char *scan_fails(const char *path, struct eucc_error *err)
{
	struct collect c = {0};
	int rc = scan(path, &c, err);

	if (rc >= 0)
		fail_msg("%s: scan should fail, returned %d", path, rc);
	assert_int_equal(err->err, rc);
	assert_string_equal(eucc_code_name(err->code), "bad_input");
	collect_free(&c);
	return err->message;
}

static void assert_contains(const char *haystack, const char *needle)
{
	if (!strstr(haystack, needle))
		fail_msg("\"%s\" does not mention \"%s\"", haystack, needle);
}

static void sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void sh(const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;
	int rc;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	rc = system(cmd);
	if (rc != 0)
		fail_msg("command failed (%d): %s", rc, cmd);
}

static void tmpdir_make(char *dir, size_t size)
{
	snprintf(dir, size, "/tmp/eucc-test-source-XXXXXX");
	assert_non_null(mkdtemp(dir));
}

static void tmpdir_remove(const char *dir)
{
	assert_int_equal(strncmp(dir, "/tmp/eucc-test-source-", 22), 0);
	sh("rm -rf '%s'", dir);
}

static void file_read(const char *path, void **buf, size_t *len)
{
	int rc = fs_read_file(path, (size_t)1 << 31, buf, len);

	if (rc)
		fail_msg("%s: %s", path, strerror(-rc));
}

static void file_write(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static void file_sha(const char *path, char sha[EUCC_SHA256_HEX])
{
	void *buf;
	size_t len;

	file_read(path, &buf, &len);
	eucc_sha256_hex(buf, len, sha);
	free(buf);
}

/* The tarball of a fixture, by its <distro>/<version>/<dir>/<release>. */
static void fixture_tarball(const char *rel, char *out, size_t size)
{
	snprintf(out, size, "%s/%s.btf.tar.xz", BTF_TREE, rel);
}

/* Extract a fixture's raw BTF into @dir; @out gets its path. */
static void fixture_raw(const char *rel, const char *dir, char *out, size_t size)
{
	char tarball[PATH_MAX];
	const char *release = strrchr(rel, '/') + 1;

	fixture_tarball(rel, tarball, sizeof(tarball));
	sh("tar -xJf '%s' -C '%s'", tarball, dir);
	snprintf(out, size, "%s/%s.btf", dir, release);
}

static void fixture_sha(const char *rel, char sha[EUCC_SHA256_HEX])
{
	char dir[64], raw[PATH_MAX];

	tmpdir_make(dir, sizeof(dir));
	fixture_raw(rel, dir, raw, sizeof(raw));
	file_sha(raw, sha);
	tmpdir_remove(dir);
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put_le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t rnd_state = 0x9e3779b97f4a7c15ull;

static void fill_random(uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		rnd_state ^= rnd_state << 13;
		rnd_state ^= rnd_state >> 7;
		rnd_state ^= rnd_state << 17;
		p[i] = (uint8_t)rnd_state;
	}
}

static const struct fixture {
	const char *rel; /* path under the tree, without .btf.tar.xz */
	const char *distro, *version, *arch, *release;
} fixtures[] = {
    {"bclinux/21.10U3/x86_64/4.19.90-2107.6.0.0248.35.oe1.bclinux.x86_64", "bclinux", "21.10U3",
     "x86_64", "4.19.90-2107.6.0.0248.35.oe1.bclinux.x86_64"},
    {"centos/8/aarch64/4.18.0-147.5.1.el8_1.aarch64", "centos", "8", "arm64",
     "4.18.0-147.5.1.el8_1.aarch64"},
    {"debian/11/x86_64/5.10.0-32-cloud-amd64", "debian", "11", "x86_64", "5.10.0-32-cloud-amd64"},
    {"debian/12/arm64/6.1.0-47-cloud-arm64", "debian", "12", "arm64", "6.1.0-47-cloud-arm64"},
    {"debian/12/x86_64/6.1.0-47-cloud-amd64", "debian", "12", "x86_64", "6.1.0-47-cloud-amd64"},
    {"debian/12/x86_64/6.12.100+deb12-cloud-amd64", "debian", "12", "x86_64",
     "6.12.100+deb12-cloud-amd64"},
    {"kylin/V10/aarch64/4.19.90-24.4.v2101.ky10.aarch64", "kylin", "V10", "arm64",
     "4.19.90-24.4.v2101.ky10.aarch64"},
    {"kylin/V10/aarch64/4.19.90-52.22.v2207.ky10.aarch64", "kylin", "V10", "arm64",
     "4.19.90-52.22.v2207.ky10.aarch64"},
};

#define FIX_DEB11   2
#define FIX_ARM64   3
#define FIX_DEB12_1 4

/* ---- BTFHub trees and tarballs ---------------------------------------------------------- */

static void test_tree(void **state)
{
	struct collect c = {0};
	struct eucc_error err;
	char suffix[300];

	(void)state;
	assert_int_equal(scan(BTF_TREE, &c, &err), 8);
	assert_int_equal(c.nfailed, 0);
	assert_int_equal(c.n, 8);
	/* The walk is sorted: the order is the fixtures' order. */
	for (int i = 0; i < 8; i++) {
		const struct btf_blob *b = &c.items[i].blob;

		assert_string_equal(b->release, fixtures[i].release);
		assert_string_equal(b->distro, fixtures[i].distro);
		assert_string_equal(b->version, fixtures[i].version);
		assert_string_equal(b->arch, fixtures[i].arch);
		assert_string_equal(b->format, "btfhub-tar");
		snprintf(suffix, sizeof(suffix), ".btf.tar.xz:%s.btf", fixtures[i].release);
		assert_contains(b->origin, suffix);
	}
	collect_free(&c);
}

static void test_tarball(void **state)
{
	char tarball[PATH_MAX], sha[EUCC_SHA256_HEX];
	const struct fixture *f = &fixtures[FIX_DEB11];
	struct collect c = {0};
	const struct seen *s;

	(void)state;
	fixture_tarball(f->rel, tarball, sizeof(tarball));
	s = scan_one(tarball, &c);
	assert_string_equal(s->blob.release, f->release);
	assert_string_equal(s->blob.arch, "x86_64"); /* from the release's -amd64 */
	assert_string_equal(s->blob.distro, "");     /* a lone file: no tree to say */
	assert_string_equal(s->blob.format, "btfhub-tar");
	fixture_sha(f->rel, sha);
	assert_string_equal(s->sha, sha);
	collect_free(&c);
}

/* ---- raw BTF ---------------------------------------------------------------------------- */

static void test_raw(void **state)
{
	char dir[64], raw[PATH_MAX], neutral[PATH_MAX + 16], sha[EUCC_SHA256_HEX];
	const struct fixture *f = &fixtures[FIX_ARM64];
	struct collect c = {0};
	const struct seen *s;

	(void)state;
	tmpdir_make(dir, sizeof(dir));
	fixture_raw(f->rel, dir, raw, sizeof(raw));
	file_sha(raw, sha);

	s = scan_one(raw, &c);
	assert_string_equal(s->blob.format, "raw");
	assert_string_equal(s->blob.release, f->release);
	assert_string_equal(s->blob.arch, "arm64");
	assert_string_equal(s->blob.origin, raw);
	assert_string_equal(s->sha, sha);
	collect_free(&c);

	/* No name to go by: no release, arch from struct pt_regs. */
	snprintf(neutral, sizeof(neutral), "%s/blob.bin", dir);
	sh("cp '%s' '%s'", raw, neutral);
	s = scan_one(neutral, &c);
	assert_string_equal(s->blob.release, "");
	assert_string_equal(s->blob.arch, "arm64");
	collect_free(&c);

	/* Compressed raw BTF. */
	sh("xz -k '%s'", raw);
	snprintf(neutral, sizeof(neutral), "%s.xz", raw);
	s = scan_one(neutral, &c);
	assert_string_equal(s->blob.format, "raw/xz");
	assert_string_equal(s->blob.release, f->release);
	assert_string_equal(s->sha, sha);
	collect_free(&c);

	/* An x86_64 kernel's BTF under a neutral name: r15 in pt_regs. */
	fixture_raw(fixtures[FIX_DEB11].rel, dir, raw, sizeof(raw));
	snprintf(neutral, sizeof(neutral), "%s/other", dir);
	sh("cp '%s' '%s'", raw, neutral);
	s = scan_one(neutral, &c);
	assert_string_equal(s->blob.arch, "x86_64");
	collect_free(&c);
	tmpdir_remove(dir);
}

static void test_sys_btf(void **state)
{
	struct collect c = {0};
	const struct seen *s;
	struct utsname u;

	(void)state;
	assert_int_equal(access("/sys/kernel/btf/vmlinux", R_OK), 0);
	s = scan_one("/sys/kernel/btf/vmlinux", &c);
	assert_string_equal(s->blob.format, "raw");
	assert_string_equal(s->blob.arch, arch_host()); /* guessed from struct pt_regs */
	assert_int_equal(uname(&u), 0);
	assert_string_equal(s->blob.release, u.release);
	collect_free(&c);
}

/* ---- kernel images ---------------------------------------------------------------------- */

static const struct kernel {
	const char *file;
	int fixture;
	const char *format;
} kernels[] = {
    {"vmlinuz-5.10.0-32-cloud-amd64", FIX_DEB11, "bzimage/lz4"},
    {"vmlinuz-6.1.0-47-cloud-amd64", FIX_DEB12_1, "bzimage/lz4"},
    {"vmlinuz-6.12.100+deb12-cloud-amd64", FIX_DEB12_1 + 1, "bzimage/zstd"},
};

static void test_bzimage_real(void **state)
{
	char path[PATH_MAX], dir[64], copy[PATH_MAX], sha[EUCC_SHA256_HEX];
	struct collect c = {0};
	const struct seen *s;

	(void)state;
	tmpdir_make(dir, sizeof(dir));
	for (size_t i = 0; i < sizeof(kernels) / sizeof(kernels[0]); i++) {
		const struct fixture *f = &fixtures[kernels[i].fixture];

		snprintf(path, sizeof(path), "%s/%s", KERNELS, kernels[i].file);
		fixture_sha(f->rel, sha);
		s = scan_one(path, &c);
		assert_string_equal(s->blob.format, kernels[i].format);
		assert_string_equal(s->blob.release, f->release); /* from the name */
		assert_string_equal(s->blob.arch, "x86_64");
		assert_string_equal(s->sha, sha); /* the very BTF BTFHub-style fixtures hold */
		collect_free(&c);

		/* A neutral name: the release comes from the kernel banner. */
		snprintf(copy, sizeof(copy), "%s/kernel.img", dir);
		sh("cp '%s' '%s'", path, copy);
		s = scan_one(copy, &c);
		assert_string_equal(s->blob.release, f->release);
		assert_string_equal(s->blob.format, kernels[i].format);
		collect_free(&c);
	}
	tmpdir_remove(dir);
}

/* The vmlinux ELF of a real zstd bzImage, decompressed with the zstd tool into @dir. */
static void bzimage_unpack(const char *image, const char *dir, char *vmlinux, size_t size,
			   void **img, size_t *img_len, size_t *payload_at)
{
	char payload[PATH_MAX];
	uint8_t *p;
	uint32_t off, len;

	file_read(image, img, img_len);
	p = *img;
	assert_memory_equal(p + 0x202, "HdrS", 4);
	off = le32(p + 0x248);
	len = le32(p + 0x24c);
	*payload_at = (size_t)((p[0x1f1] ? p[0x1f1] : 4) + 1) * 512 + off;
	assert_true(*payload_at + len <= *img_len);
	snprintf(payload, sizeof(payload), "%s/payload.zst", dir);
	file_write(payload, p + *payload_at, len - 4); /* without the appended size */
	snprintf(vmlinux, size, "%s/vmlinux", dir);
	sh("zstd -q -d '%s' -o '%s'", payload, vmlinux);
}

/* A bzImage like @img with its payload replaced by the file @payload. */
static void bzimage_repack(const uint8_t *img, size_t img_len, size_t payload_at,
			   const char *payload, bool append_size, uint32_t raw_size,
			   const char *out)
{
	uint32_t old_len = le32(img + 0x24c), new_len;
	size_t tail = img_len - payload_at - old_len, len;
	uint8_t *buf, *pl;
	void *data;

	file_read(payload, &data, &len);
	new_len = (uint32_t)len + (append_size ? 4 : 0);
	buf = malloc(payload_at + new_len + tail);
	assert_non_null(buf);
	memcpy(buf, img, payload_at);
	pl = buf + payload_at;
	memcpy(pl, data, len);
	if (append_size)
		put_le32(pl + len, raw_size);
	memcpy(pl + new_len, img + payload_at + old_len, tail);
	put_le32(buf + 0x24c, new_len);
	file_write(out, buf, payload_at + new_len + tail);
	free(buf);
	free(data);
}

static void test_bzimage_repacked_and_elf(void **state)
{
	char image[PATH_MAX], dir[64], vmlinux[PATH_MAX], packed[PATH_MAX], out[PATH_MAX];
	const struct fixture *f = &fixtures[kernels[2].fixture];
	char sha[EUCC_SHA256_HEX];
	struct collect c = {0};
	const struct seen *s;
	size_t img_len, at;
	struct stat st;
	void *img;

	(void)state;
	tmpdir_make(dir, sizeof(dir));
	fixture_sha(f->rel, sha);
	snprintf(image, sizeof(image), "%s/%s", KERNELS, kernels[2].file);
	bzimage_unpack(image, dir, vmlinux, sizeof(vmlinux), &img, &img_len, &at);
	assert_int_equal(stat(vmlinux, &st), 0);

	/* The ELF vmlinux itself: its .BTF section. */
	s = scan_one(vmlinux, &c);
	assert_string_equal(s->blob.format, "elf");
	assert_string_equal(s->blob.arch, "x86_64");
	assert_string_equal(s->blob.release, f->release); /* banner */
	assert_string_equal(s->sha, sha);
	collect_free(&c);

	/* gzip (no size appended, as the kernel does) and xz (size appended) payloads. */
	snprintf(packed, sizeof(packed), "%s/payload.gz", dir);
	sh("gzip -9 -n -c '%s' > '%s'", vmlinux, packed);
	snprintf(out, sizeof(out), "%s/kernel-gzip.img", dir);
	bzimage_repack(img, img_len, at, packed, false, 0, out);
	s = scan_one(out, &c);
	assert_string_equal(s->blob.format, "bzimage/gzip");
	assert_string_equal(s->blob.release, f->release);
	assert_string_equal(s->sha, sha);
	collect_free(&c);

	snprintf(packed, sizeof(packed), "%s/payload.xz", dir);
	sh("xz -T1 -3 --check=crc32 -c '%s' > '%s'", vmlinux, packed);
	snprintf(out, sizeof(out), "%s/kernel-xz.img", dir);
	bzimage_repack(img, img_len, at, packed, true, (uint32_t)st.st_size, out);
	s = scan_one(out, &c);
	assert_string_equal(s->blob.format, "bzimage/xz");
	assert_string_equal(s->blob.arch, "x86_64");
	assert_string_equal(s->sha, sha);
	collect_free(&c);
	free(img);
	tmpdir_remove(dir);
}

/* An arm64 Image: header, a banner, a decoy BTF header, the real BTF, trailing code. */
static void arm64_image_write(const char *raw, const char *release, const char *out)
{
	static const uint8_t decoy[24] = {0x9f, 0xeb, 1,    0,	  24, 0, 0, 0, 0, 0, 0, 0,
					  0xff, 0xff, 0xff, 0x0f, 0,  0, 0, 0, 1, 0, 0, 0};
	size_t len, at = 0, cap;
	char banner[256];
	uint8_t *img;
	void *btf;

	file_read(raw, &btf, &len);
	snprintf(banner, sizeof(banner),
		 "Linux version %s (debian-kernel@lists.debian.org) (gcc-12) #1 SMP Debian",
		 release);
	cap = 64 + 8192 + sizeof(banner) + 4096 + sizeof(decoy) + 3 + len + 16384;
	img = calloc(1, cap);
	assert_non_null(img);
	fill_random(img, 64);
	memset(img + 0x30, 0, 8);
	memcpy(img + 0x38, "ARM\x64", 4);
	at = 64;
	fill_random(img + at, 8192);
	at += 8192;
	memcpy(img + at, banner, strlen(banner) + 1);
	at += sizeof(banner);
	fill_random(img + at, 4096);
	at += 4096;
	memcpy(img + at, decoy, sizeof(decoy));
	at += sizeof(decoy) + 3; /* the real BTF needs no alignment */
	memcpy(img + at, btf, len);
	at += len;
	fill_random(img + at, 16384);
	file_write(out, img, at + 16384);
	free(img);
	free(btf);
}

/* An EFI zboot image around a compressed Image: "MZ", "zimg", offset, size, method. */
static void zboot_write(const char *payload, const char *out)
{
	size_t len, hdr = 512;
	uint8_t *img;
	void *data;

	file_read(payload, &data, &len);
	img = calloc(1, hdr + len + 512);
	assert_non_null(img);
	memcpy(img, "MZ\0\0zimg", 8);
	put_le32(img + 8, (uint32_t)hdr);
	put_le32(img + 12, (uint32_t)len);
	memcpy(img + 0x18, "gzip", 5);
	memcpy(img + hdr, data, len);
	fill_random(img + hdr + len, 512);
	file_write(out, img, hdr + len + 512);
	free(img);
	free(data);
}

static void test_arm64_image(void **state)
{
	char dir[64], raw[PATH_MAX], image[PATH_MAX + 16], other[PATH_MAX + 16];
	const struct fixture *f = &fixtures[FIX_ARM64];
	char sha[EUCC_SHA256_HEX];
	struct collect c = {0};
	const struct seen *s;

	(void)state;
	tmpdir_make(dir, sizeof(dir));
	fixture_raw(f->rel, dir, raw, sizeof(raw));
	file_sha(raw, sha);
	snprintf(image, sizeof(image), "%s/Image", dir);
	arm64_image_write(raw, f->release, image);

	s = scan_one(image, &c);
	assert_string_equal(s->blob.format, "arm64-image");
	assert_string_equal(s->blob.arch, "arm64");
	assert_string_equal(s->blob.release, f->release);
	assert_string_equal(s->sha, sha);
	collect_free(&c);

	sh("gzip -n -k '%s'", image);
	snprintf(other, sizeof(other), "%s.gz", image);
	s = scan_one(other, &c);
	assert_string_equal(s->blob.format, "arm64-image/gzip");
	assert_string_equal(s->blob.arch, "arm64");
	assert_string_equal(s->blob.release, f->release);
	assert_string_equal(s->sha, sha);
	collect_free(&c);

	snprintf(image, sizeof(image), "%s/vmlinuz.efi", dir);
	zboot_write(other, image);
	s = scan_one(image, &c);
	assert_string_equal(s->blob.format, "zboot/gzip");
	assert_string_equal(s->blob.arch, "arm64");
	assert_string_equal(s->sha, sha);
	collect_free(&c);
	tmpdir_remove(dir);
}

/* ---- a real Debian kernel package ------------------------------------------------------- */

static bool deb_cached(char *out, size_t size)
{
	glob_t g;
	bool ok;

	if (glob(EUCC_TEST_CACHE "/linux-image-*-cloud-amd64_*_amd64.deb", 0, NULL, &g))
		return false;
	ok = g.gl_pathc > 0;
	if (ok)
		snprintf(out, size, "%s", g.gl_pathv[g.gl_pathc - 1]);
	globfree(&g);
	return ok;
}

static bool deb_package_name(char *out, size_t size)
{
	FILE *p =
	    popen("apt-cache depends linux-image-cloud-amd64 2>/dev/null | "
		  "sed -n 's/^ *Depends: \\(linux-image-[^ ]*-cloud-amd64\\)$/\\1/p' | head -1",
		  "r");
	bool ok;

	assert_non_null(p);
	ok = fgets(out, (int)size, p) != NULL;
	pclose(p);
	out[strcspn(out, "\n")] = '\0';
	return ok && *out;
}

/* A real linux-image .deb, downloaded once into EUCC_TEST_CACHE. */
static void deb_fetch(char *out, size_t size)
{
	char name[256];

	assert_int_equal(fs_mkdir_p(EUCC_TEST_CACHE, 0755), 0);
	if (deb_cached(out, size))
		return;
	if (!deb_package_name(name, sizeof(name))) {
		sh("apt-get update -qq");
		if (!deb_package_name(name, sizeof(name)))
			fail_msg("apt-cache knows no linux-image-cloud-amd64: cannot get a .deb");
	}
	/* Download into a private dir, then move: no half-downloaded file in the cache. */
	sh("set -e; d=$(mktemp -d '%s/.dl-XXXXXX'); cd \"$d\"; "
	   "apt-get download -q -o APT::Sandbox::User=root '%s' >/dev/null; "
	   "mv ./*.deb '%s/'; cd /; rmdir \"$d\"",
	   EUCC_TEST_CACHE, name, EUCC_TEST_CACHE);
	if (!deb_cached(out, size))
		fail_msg("apt-get download %s left no .deb in %s", name, EUCC_TEST_CACHE);
}

static void test_deb(void **state)
{
	char deb[PATH_MAX], release[256], *end;
	struct collect c = {.keep = true};
	const struct seen *s;
	struct btf *btf;
	const char *base;

	(void)state;
	deb_fetch(deb, sizeof(deb));
	/* linux-image-<release>_<version>_amd64.deb */
	base = strrchr(deb, '/') + 1;
	snprintf(release, sizeof(release), "%s", base + strlen("linux-image-"));
	end = strchr(release, '_');
	assert_non_null(end);
	*end = '\0';

	s = scan_one(deb, &c);
	assert_string_equal(s->blob.release, release);
	assert_string_equal(s->blob.distro, "debian");
	assert_string_equal(s->blob.arch, "x86_64");
	assert_int_equal(strncmp(s->blob.format, "deb/bzimage/", 12), 0);
	assert_contains(s->blob.origin, ":boot/vmlinuz-");
	assert_contains(s->blob.origin, release);
	btf = btf__new(s->copy, (uint32_t)s->size);
	assert_non_null(btf);
	assert_true(btf__type_cnt(btf) > 10000);
	assert_true(btf__find_by_name_kind(btf, "task_struct", BTF_KIND_STRUCT) > 0);
	btf__free(btf);
	collect_free(&c);
}

/* ---- DWARF via pahole ------------------------------------------------------------------- */

static void test_dwarf(void **state)
{
	char dir[64], src[PATH_MAX], obj[PATH_MAX];
	struct collect c = {.keep = true};
	const struct seen *s;
	struct btf *btf;
	FILE *f;

	(void)state;
	tmpdir_make(dir, sizeof(dir));
	snprintf(src, sizeof(src), "%s/probe.c", dir);
	snprintf(obj, sizeof(obj), "%s/probe.o", dir);
	f = fopen(src, "w");
	assert_non_null(f);
	fputs("struct eucc_dwarf_probe { int id; unsigned long flags; char name[16]; };\n"
	      "struct eucc_dwarf_probe eucc_probe;\n",
	      f);
	assert_int_equal(fclose(f), 0);
	sh("cc -g -c '%s' -o '%s'", src, obj);

	s = scan_one(obj, &c);
	assert_string_equal(s->blob.format, "pahole");
	assert_string_equal(s->blob.arch, arch_host()); /* the ELF's e_machine */
	btf = btf__new(s->copy, (uint32_t)s->size);
	assert_non_null(btf);
	assert_true(btf__find_by_name_kind(btf, "eucc_dwarf_probe", BTF_KIND_STRUCT) > 0);
	btf__free(btf);
	collect_free(&c);
	tmpdir_remove(dir);
}

/* ---- trees with failures, callbacks ----------------------------------------------------- */

static void test_tree_partial(void **state)
{
	char dir[64], raw[PATH_MAX], path[PATH_MAX + 64];
	const struct fixture *f = &fixtures[FIX_ARM64];
	struct collect c = {0};
	struct eucc_error err;

	(void)state;
	tmpdir_make(dir, sizeof(dir));
	fixture_raw(f->rel, dir, raw, sizeof(raw));
	sh("mkdir -p '%s/tree/acme/7.1/aarch64' && mv '%s' '%s/tree/acme/7.1/aarch64/'", dir, raw,
	   dir);
	snprintf(path, sizeof(path), "%s/tree/acme/7.1/aarch64/broken.btf", dir);
	file_write(path, "this is not BTF", 15);
	sh("cd '%s/tree' && echo hi > README.md && echo x > SHA256SUMS && echo x > vmlinux.h && "
	   "ln -s /etc/passwd acme/7.1/aarch64/passwd.btf",
	   dir);

	snprintf(path, sizeof(path), "%s/tree", dir);
	assert_int_equal(scan(path, &c, &err), 1);
	assert_string_equal(c.items[0].blob.distro, "acme");
	assert_string_equal(c.items[0].blob.version, "7.1");
	assert_string_equal(c.items[0].blob.arch, "arm64");
	assert_string_equal(c.items[0].blob.release, f->release);
	assert_int_equal(c.nfailed, 1); /* broken.btf; the symlink out of the tree is skipped */
	assert_contains(c.failed[0], "broken.btf");
	assert_contains(c.failed_msg[0], "not BTF");
	collect_free(&c);

	/* ops->found can stop the scan. */
	c.stop_rc = -ECANCELED;
	assert_int_equal(scan(BTF_TREE, &c, &err), -ECANCELED);
	assert_int_equal(c.n, 1);
	assert_int_equal(err.err, -ECANCELED);
	collect_free(&c);
	tmpdir_remove(dir);
}

/* ---- bad inputs ------------------------------------------------------------------------- */

static void test_validate(void **state)
{
	uint8_t hdr[24] = {0x9f, 0xeb, 1, 0, 24, 0, 0, 0, 0, 0, 0, 0,
			   16,	 0,    0, 0, 16, 0, 0, 0, 4, 0, 0, 0};
	struct eucc_error err;

	(void)state;
	assert_int_equal(btf_source_validate("", 0, &err), -EINVAL);
	assert_contains(err.message, "empty");
	assert_int_equal(btf_source_validate("\x7f"
					     "ELF",
					     4, &err),
			 -EINVAL);
	assert_contains(err.message, "not BTF");
	assert_int_equal(btf_source_validate(hdr, 10, &err), -EINVAL);
	assert_contains(err.message, "truncated BTF");
	assert_int_equal(btf_source_validate(hdr, sizeof(hdr), &err), -EINVAL);
	assert_contains(err.message, "header says 44 bytes, file has 24");
}

static void test_bad_files(void **state)
{
	char dir[64], path[PATH_MAX + 64], raw[PATH_MAX];
	struct eucc_error err;
	uint8_t junk[4096];
	size_t len;
	void *btf;

	(void)state;
	tmpdir_make(dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/empty.btf", dir);
	file_write(path, "", 0);
	assert_contains(scan_fails(path, &err), "empty file");

	snprintf(path, sizeof(path), "%s/vmlinux-random", dir);
	fill_random(junk, sizeof(junk));
	junk[0] = 'Q';
	file_write(path, junk, sizeof(junk));
	assert_contains(scan_fails(path, &err), "not BTF, ELF, a kernel image");
	assert_contains(err.message, "first bytes: 51");

	fixture_raw(fixtures[FIX_DEB11].rel, dir, raw, sizeof(raw));
	file_read(raw, &btf, &len);
	snprintf(path, sizeof(path), "%s/truncated.btf", dir);
	file_write(path, btf, len / 2);
	assert_contains(scan_fails(path, &err), "truncated BTF: header says");
	assert_contains(err.message, "truncated.btf");

	/* A good header, garbage types. */
	memset((uint8_t *)btf + 24 + 64, 0xff, 4096);
	snprintf(path, sizeof(path), "%s/corrupt.btf", dir);
	file_write(path, btf, len);
	assert_contains(scan_fails(path, &err),
			"invalid BTF: type [5] at offset 64 has unknown kind");
	free(btf);

	snprintf(path, sizeof(path), "%s/vmlinuz-truncated", dir);
	sh("head -c 65536 '%s/vmlinuz-6.1.0-47-cloud-amd64' > '%s'", KERNELS, path);
	assert_contains(scan_fails(path, &err), "truncated bzImage");

	snprintf(path, sizeof(path), "%s/cut.btf.tar.xz", dir);
	sh("head -c 300000 '%s/%s.btf.tar.xz' > '%s'", BTF_TREE, fixtures[FIX_DEB11].rel, path);
	assert_contains(scan_fails(path, &err), "cut.btf.tar.xz");
	tmpdir_remove(dir);
}

static void test_bad_containers(void **state)
{
	char dir[64], path[PATH_MAX + 64];
	struct eucc_error err;

	(void)state;
	tmpdir_make(dir, sizeof(dir));
	sh("cd '%s' && echo 'no BTF here' > README && tar -cJf nothing.btf.tar.xz README", dir);
	snprintf(path, sizeof(path), "%s/nothing.btf.tar.xz", dir);
	assert_contains(scan_fails(path, &err), "no .btf member");

	sh("cd '%s' && echo 'int eucc_nodebug(int x) { return x + 1; }' > nd.c && "
	   "cc -c nd.c -o vmlinux-nodebug && strip vmlinux-nodebug",
	   dir);
	snprintf(path, sizeof(path), "%s/vmlinux-nodebug", dir);
	assert_contains(scan_fails(path, &err), "no .BTF section and no DWARF");
	assert_contains(err.message, "CONFIG_DEBUG_INFO_BTF=y");

	sh("cd '%s' && echo 'x' > control && tar -cJf control.tar.xz control && "
	   "tar -cJf data.tar.xz README && echo 2.0 > debian-binary && "
	   "ar rc linux-headers.deb debian-binary control.tar.xz data.tar.xz",
	   dir);
	snprintf(path, sizeof(path), "%s/linux-headers.deb", dir);
	assert_contains(scan_fails(path, &err), "no boot/vmlinuz-* or boot/vmlinux-*");

	sh("mkdir '%s/docs' && cd '%s/docs' && echo hi > README.md && echo x > SHA256SUMS", dir,
	   dir);
	snprintf(path, sizeof(path), "%s/docs", dir);
	assert_contains(scan_fails(path, &err), "nothing importable");

	snprintf(path, sizeof(path), "%s/does-not-exist.btf", dir);
	assert_int_equal(btf_source_scan(path, NULL, &err), -ENOENT);
	assert_contains(err.message, "does-not-exist.btf");
	tmpdir_remove(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_tree),
	    cmocka_unit_test(test_tarball),
	    cmocka_unit_test(test_raw),
	    cmocka_unit_test(test_sys_btf),
	    cmocka_unit_test(test_bzimage_real),
	    cmocka_unit_test(test_bzimage_repacked_and_elf),
	    cmocka_unit_test(test_arm64_image),
	    cmocka_unit_test(test_deb),
	    cmocka_unit_test(test_dwarf),
	    cmocka_unit_test(test_tree_partial),
	    cmocka_unit_test(test_validate),
	    cmocka_unit_test(test_bad_files),
	    cmocka_unit_test(test_bad_containers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
