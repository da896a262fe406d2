/* SPDX-License-Identifier: Apache-2.0 */
/*
 * btf_source_archive: BTF inside compressed streams, tarballs and Debian packages, all read
 * with libarchive. Compressed streams are told apart by their magic; libarchive's raw format
 * with every filter decompresses them (gzip, xz, lzma, lz4 including the kernel's legacy
 * frame, zstd, bzip2, lzo).
 */
#include <archive.h>
#include <archive_entry.h>
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "btf_source_internal.h"

#define CONTROL_MAX (1 << 20)
#define SLURP_FIRST ((size_t)256 << 20)

/* ---- compressed streams ----------------------------------------------------------------- */

const char *src_compression(const void *data, size_t size)
{
	static const struct {
		const char *name;
		size_t len;
		const char *magic;
	} magics[] = {
	    {"gzip", 2, "\x1f\x8b"},
	    {"xz", 6, "\xfd\x37\x7a\x58\x5a\x00"},
	    {"zstd", 4, "\x28\xb5\x2f\xfd"},
	    {"lz4", 4, "\x02\x21\x4c\x18"}, /* legacy frame, what the kernel uses */
	    {"lz4", 4, "\x04\x22\x4d\x18"},
	    {"lzma", 3, "\x5d\x00\x00"},
	    {"lzo", 4, "\x89LZO"},
	};
	const char *p = data;

	for (size_t i = 0; i < sizeof(magics) / sizeof(magics[0]); i++)
		if (size >= magics[i].len && !memcmp(p, magics[i].magic, magics[i].len))
			return magics[i].name;
	if (size >= 4 && !memcmp(p, "BZh", 3) && p[3] >= '1' && p[3] <= '9')
		return "bzip2";
	return NULL;
}

void src_room_init(struct src_room *r, size_t input)
{
	size_t limit =
	    input > SRC_MAX_SIZE / SRC_UNPACK_RATIO ? SRC_MAX_SIZE : input * SRC_UNPACK_RATIO;

	r->limit = limit < SRC_UNPACK_FLOOR ? SRC_UNPACK_FLOOR : limit;
	r->left = r->limit;
	r->input = r->limit == SRC_MAX_SIZE ? 0 : input;
}

static int src_too_big(const struct src_room *r, const char *origin, struct eucc_error *err)
{
	if (!r->input)
		return eucc_error_set(err, -EFBIG, EUCC_E_BAD_INPUT,
				      "%s: unpacks to more than %zu MiB", origin, r->limit >> 20);
	eucc_error_set(err, -EFBIG, EUCC_E_BAD_INPUT,
		       "%s: unpacks to more than %zu MiB, more than %d times the %zu bytes it came "
		       "from (at least %zu MiB are allowed)",
		       origin, r->limit >> 20, SRC_UNPACK_RATIO, r->input, SRC_UNPACK_FLOOR >> 20);
	eucc_error_hint(err, "kernels, BTFHub files and packages unpack to far less: this looks "
			     "like a decompression bomb; if it is real, unpack it first and import "
			     "what it holds");
	return -EFBIG;
}

/*
 * Read the current entry of @a into a malloc'd buffer, at most @room's bytes. An error after
 * some data was read ends the data there when @lenient (trailing bytes after a stream).
 */
static int src_slurp(struct archive *a, size_t hint, bool lenient, struct src_room *room,
		     void **out, size_t *outlen, const char *origin, struct eucc_error *err)
{
	/* Headers can lie about sizes: start at most at 256 MiB, grow when the data is there. */
	size_t cap = !hint ? 1 << 20 : hint < SLURP_FIRST ? hint : SLURP_FIRST, len = 0;
	char *buf, *n;
	la_ssize_t got;

	cap = (cap < room->left ? cap : room->left) + 1;
	buf = malloc(cap);
	if (!buf)
		return eucc_error_set(err, -ENOMEM, EUCC_E_INTERNAL, "out of memory");
	for (;;) {
		if (len == cap) {
			if (cap > room->left)
				goto too_big;
			cap = cap * 2 > room->left + 1 ? room->left + 1 : cap * 2;
			n = realloc(buf, cap);
			if (!n) {
				free(buf);
				return eucc_error_set(err, -ENOMEM, EUCC_E_INTERNAL,
						      "out of memory");
			}
			buf = n;
		}
		got = archive_read_data(a, buf + len, cap - len);
		if (got == 0)
			break;
		if (got < 0 && lenient && len) {
			eucc_debug("%s: data ends after %zu bytes: %s", origin, len,
				   archive_error_string(a));
			break;
		}
		if (got < 0) {
			free(buf);
			eucc_error_set(err, -EINVAL, EUCC_E_BAD_INPUT,
				       "%s: corrupt or cut short: %s", origin,
				       archive_error_string(a));
			eucc_error_hint(err, "the archive is damaged or incomplete: get it again");
			return -EINVAL;
		}
		len += (size_t)got;
	}
	if (len > room->left) /* the last read filled the byte kept for the NUL */
		goto too_big;
	buf[len] = '\0';
	room->left -= len;
	eucc_debug("%s: unpacked %zu bytes (%zu of %zu MiB left)", origin, len, room->left >> 20,
		   room->limit >> 20);
	*out = buf;
	*outlen = len;
	return 0;
too_big:
	free(buf);
	return src_too_big(room, origin, err);
}

int src_decompress(const void *data, size_t size, size_t expect, struct src_room *room, void **out,
		   size_t *outlen, const char *origin, struct eucc_error *err)
{
	struct archive_entry *entry;
	struct archive *a;
	int rc;

	a = archive_read_new();
	if (!a)
		return eucc_error_set(err, -ENOMEM, EUCC_E_INTERNAL, "out of memory");
	archive_read_support_filter_all(a);
	archive_read_support_format_raw(a);
	if (archive_read_open_memory(a, data, size) != ARCHIVE_OK ||
	    archive_read_next_header(a, &entry) != ARCHIVE_OK) {
		rc = eucc_error_set(err, -EINVAL, EUCC_E_BAD_INPUT, "%s: cannot decompress: %s",
				    origin, archive_error_string(a));
	} else {
		if (!expect)
			expect = size * 4;
		rc = src_slurp(a, expect, true, room, out, outlen, origin, err);
	}
	archive_read_free(a);
	if (!rc && !*outlen) {
		free(*out);
		rc = eucc_error_set(err, -EINVAL, EUCC_E_BAD_INPUT, "%s: decompresses to nothing",
				    origin);
	}
	return rc;
}

int src_decompressed(struct src_scan *sc, const struct src_meta *pm, const char *comp,
		     const void *data, size_t size)
{
	struct src_meta m;
	size_t len = 0;
	void *out = NULL;
	int rc;

	rc = src_decompress(data, size, 0, &sc->room, &out, &len, pm->origin, sc->err);
	if (rc)
		return rc;
	src_meta_child(&m, pm, NULL);
	snprintf(m.comp, sizeof(m.comp), "%s", comp);
	rc = src_dispatch(sc, &m, out, len);
	free(out);
	return rc;
}

/* ---- tarballs --------------------------------------------------------------------------- */

bool src_is_tar(const void *data, size_t size)
{
	return size >= 512 && !memcmp((const char *)data + 257, "ustar", 5);
}

bool src_is_ar(const void *data, size_t size)
{
	return size >= 8 && !memcmp(data, "!<arch>\n", 8);
}

static bool str_suffix(const char *s, const char *suffix)
{
	size_t ls = strlen(s), lx = strlen(suffix);

	return ls >= lx && !strcmp(s + ls - lx, suffix);
}

static int src_entry_read(struct archive *a, struct archive_entry *e, struct src_room *room,
			  void **buf, size_t *len, const char *origin, struct eucc_error *err)
{
	int64_t size = archive_entry_size_is_set(e) ? archive_entry_size(e) : 0;

	if (size < 0 || (uint64_t)size > room->left)
		return src_too_big(room, origin, err);
	return src_slurp(a, (size_t)size, false, room, buf, len, origin, err);
}

/*
 * A member of a tar in memory: a copy of part of it, so no larger than the tar (sparse members
 * could claim more); what the tar came out of was counted already.
 */
static int src_tar_member(struct src_scan *sc, const struct src_meta *pm, struct archive *a,
			  struct archive_entry *e, size_t tar_size)
{
	struct src_room room = {.left = tar_size, .limit = tar_size};
	struct src_meta m;
	void *buf = NULL;
	size_t len = 0;
	int rc;

	src_meta_child(&m, pm, archive_entry_pathname(e));
	m.comp[0] = '\0';
	src_meta_kind(&m, "btfhub-tar");
	rc = src_entry_read(a, e, &room, &buf, &len, m.origin, sc->err);
	if (rc)
		return rc;
	rc = src_emit(sc, &m, "btfhub-tar", buf, len);
	free(buf);
	return rc;
}

/* A BTFHub tarball: every <release>.btf member in it. */
int src_tar(struct src_scan *sc, const struct src_meta *pm, const void *data, size_t size)
{
	struct archive_entry *e;
	int r, rc = 0, members = 0;
	struct archive *a;

	a = archive_read_new();
	if (!a)
		return eucc_error_set(sc->err, -ENOMEM, EUCC_E_INTERNAL, "out of memory");
	archive_read_support_format_tar(a);
	r = archive_read_open_memory(a, data, size);
	while (r == ARCHIVE_OK && (r = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
		const char *name = archive_entry_pathname(e);

		if (!name || archive_entry_filetype(e) != AE_IFREG || !str_suffix(name, ".btf"))
			continue;
		members++;
		rc = src_tar_member(sc, pm, a, e, size);
		if (rc < 0)
			break;
	}
	if (rc >= 0 && r != ARCHIVE_EOF) {
		rc =
		    eucc_error_set(sc->err, -EINVAL, EUCC_E_BAD_INPUT, "%s: broken tar archive: %s",
				   pm->origin, archive_error_string(a));
		eucc_error_hint(sc->err, "the archive is damaged or incomplete: get it again");
	} else if (rc >= 0 && !members) {
		rc = eucc_error_set(sc->err, -EINVAL, EUCC_E_BAD_INPUT,
				    "%s: a tarball with no .btf member: a BTFHub tarball holds "
				    "<release>.btf",
				    pm->origin);
		eucc_error_hint(sc->err, "BTFHub tarballs are made with "
					 "`tar -cJf <release>.btf.tar.xz <release>.btf`");
	}
	archive_read_free(a);
	return rc < 0 ? rc : members;
}

/* ---- Debian packages -------------------------------------------------------------------- */

/* A tar inside the .deb's ar archive, read as a stream from the outer archive. */
struct src_nested {
	struct archive *outer;
	char buf[1 << 16];
};

static la_ssize_t src_nested_read(struct archive *inner, void *ctx, const void **buf)
{
	struct src_nested *n = ctx;
	la_ssize_t got = archive_read_data(n->outer, n->buf, sizeof(n->buf));

	*buf = n->buf;
	if (got < 0) {
		archive_set_error(inner, EIO, "%s", archive_error_string(n->outer));
		return -1;
	}
	return got;
}

static struct archive *src_nested_open(struct src_nested *n)
{
	struct archive *a = archive_read_new();

	if (!a)
		return NULL;
	archive_read_support_filter_all(a);
	archive_read_support_format_tar(a);
	if (archive_read_open(a, n, NULL, src_nested_read, NULL) != ARCHIVE_OK) {
		archive_read_free(a);
		return NULL;
	}
	return a;
}

struct src_deb_info {
	char version[128]; /* Version: of the package */
	char arch[16];
	bool ubuntu;
};

static void src_control_field(const char *text, const char *field, char *out, size_t size)
{
	size_t fl = strlen(field), n = 0;
	const char *p = text;

	for (; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		if (strncmp(p, field, fl) || p[fl] != ':')
			continue;
		p += fl + 1;
		while (*p == ' ' || *p == '\t')
			p++;
		while (p[n] && p[n] != '\n' && n < size - 1)
			n++;
		snprintf(out, size, "%.*s", (int)n, p);
		return;
	}
}

static void src_control_parse(const char *text, struct src_deb_info *info)
{
	char maint[256] = "", arch[64] = "";
	const char *a;

	src_control_field(text, "Version", info->version, sizeof(info->version));
	src_control_field(text, "Maintainer", maint, sizeof(maint));
	src_control_field(text, "Architecture", arch, sizeof(arch));
	info->ubuntu = strcasestr(maint, "ubuntu") || strcasestr(info->version, "ubuntu");
	a = arch_normalize(arch);
	snprintf(info->arch, sizeof(info->arch), "%s", a ? a : "");
}

/* What control.tar says; a package whose control cannot be read still gets scanned. */
static void src_deb_control(struct archive *outer, struct src_deb_info *info, const char *origin)
{
	struct src_nested *n = calloc(1, sizeof(*n));
	struct archive_entry *e;
	struct archive *a;
	size_t len = 0;
	void *buf;

	if (!n)
		return;
	n->outer = outer;
	a = src_nested_open(n);
	while (a && archive_read_next_header(a, &e) == ARCHIVE_OK) {
		struct src_room room = {.left = CONTROL_MAX, .limit = CONTROL_MAX};
		const char *name = archive_entry_pathname(e);

		if (!name || (strcmp(name, "./control") && strcmp(name, "control")) ||
		    src_entry_read(a, e, &room, &buf, &len, origin, NULL))
			continue;
		src_control_parse(buf, info);
		free(buf);
		break;
	}
	if (a)
		archive_read_free(a);
	free(n);
}

/* "12" from "6.12.100+deb12-cloud-amd64" or "6.12.100-1~deb12u1", "10" from "~bpo10+1". */
static bool src_debian_version(const char *s, char *out, size_t size)
{
	static const char *const marks[] = {"deb", "bpo"};

	for (size_t i = 0; i < 2; i++) {
		for (const char *p = s; (p = strstr(p, marks[i])); p++) {
			size_t n = 0;

			if (p > s && isalpha((unsigned char)p[-1]))
				continue;
			while (isdigit((unsigned char)p[3 + n]) && n < 4)
				n++;
			if (!n)
				continue;
			snprintf(out, size, "%.*s", (int)n, p + 3);
			return true;
		}
	}
	return false;
}

/* "20.04" from an Ubuntu HWE version such as "5.15.0-91.101~20.04.1". */
static bool src_ubuntu_version(const char *s, char *out, size_t size)
{
	const char *p = strchr(s, '~');

	if (!p || !isdigit((unsigned char)p[1]) || !isdigit((unsigned char)p[2]) || p[3] != '.' ||
	    !isdigit((unsigned char)p[4]) || !isdigit((unsigned char)p[5]))
		return false;
	snprintf(out, size, "%.5s", p + 1);
	return true;
}

static void src_deb_meta(struct src_meta *m, const struct src_deb_info *info)
{
	bool ubuntu = info->ubuntu || strcasestr(m->release, "ubuntu");

	if (!m->arch_hint[0])
		snprintf(m->arch_hint, sizeof(m->arch_hint), "%s", info->arch);
	if (m->distro[0])
		return; /* the tree path said it */
	snprintf(m->distro, sizeof(m->distro), "%s", ubuntu ? "ubuntu" : "debian");
	if (ubuntu)
		src_ubuntu_version(info->version, m->version, sizeof(m->version));
	else if (!src_debian_version(m->release, m->version, sizeof(m->version)))
		src_debian_version(info->version, m->version, sizeof(m->version));
}

/* boot/vmlinuz-<release>, boot/vmlinux-<release>, usr/lib/debug/boot/vmlinux-<release>. */
static bool src_deb_kernel_path(const char *path)
{
	const char *base = strrchr(path, '/');

	if (!base || base - path < 4 || strncmp(base - 4, "boot", 4) ||
	    (base - path > 4 && base[-5] != '/'))
		return false;
	return !strncmp(base + 1, "vmlinuz-", 8) || !strncmp(base + 1, "vmlinux-", 8);
}

static int src_deb_kernel(struct src_scan *sc, const struct src_meta *pm,
			  const struct src_deb_info *info, struct archive *a,
			  struct archive_entry *e)
{
	struct src_meta m;
	void *buf = NULL;
	size_t len = 0;
	int rc;

	src_meta_child(&m, pm, archive_entry_pathname(e));
	src_deb_meta(&m, info);
	rc = src_entry_read(a, e, &sc->room, &buf, &len, m.origin, sc->err);
	if (rc)
		return rc;
	m.disk_path = NULL;
	rc = src_dispatch(sc, &m, buf, len);
	free(buf);
	return rc;
}

static int src_deb_data(struct src_scan *sc, const struct src_meta *m,
			const struct src_deb_info *info, struct archive *outer)
{
	struct src_nested *n = calloc(1, sizeof(*n));
	struct archive_entry *e;
	struct archive *a;
	int r = ARCHIVE_FATAL, rc = 1;

	if (!n)
		return eucc_error_set(sc->err, -ENOMEM, EUCC_E_INTERNAL, "out of memory");
	n->outer = outer;
	a = src_nested_open(n);
	while (a && (r = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
		const char *name = archive_entry_pathname(e);

		if (name && archive_entry_filetype(e) == AE_IFREG && src_deb_kernel_path(name)) {
			rc = src_deb_kernel(sc, m, info, a, e);
			break;
		}
	}
	if (r == ARCHIVE_EOF) {
		rc = eucc_error_set(sc->err, -EINVAL, EUCC_E_BAD_INPUT,
				    "%s: no boot/vmlinuz-* or boot/vmlinux-* in this package",
				    m->origin);
		eucc_error_hint(sc->err, "give a linux-image-<release> package (or its -dbg "
					 "package), not a headers or meta package");
	} else if (r != ARCHIVE_OK) {
		rc = eucc_error_set(sc->err, -EINVAL, EUCC_E_BAD_INPUT, "%s: broken data.tar: %s",
				    m->origin, a ? archive_error_string(a) : "cannot open");
	}
	if (a)
		archive_read_free(a);
	free(n);
	return rc;
}

/* A Debian or Ubuntu kernel package: the kernel in its data.tar. */
int src_deb(struct src_scan *sc, const struct src_meta *pm, const void *data, size_t size)
{
	struct src_deb_info info = {0};
	struct archive_entry *e;
	struct src_meta m;
	struct archive *a;
	int rc = -EINVAL;
	bool seen = false;

	a = archive_read_new();
	if (!a)
		return eucc_error_set(sc->err, -ENOMEM, EUCC_E_INTERNAL, "out of memory");
	archive_read_support_format_ar(a);
	src_meta_child(&m, pm, NULL);
	snprintf(m.prefix, sizeof(m.prefix), "deb/");
	if (archive_read_open_memory(a, data, size) == ARCHIVE_OK) {
		while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
			const char *name = archive_entry_pathname(e);

			if (name && !strncmp(name, "control.tar", 11))
				src_deb_control(a, &info, m.origin);
			if (!name || strncmp(name, "data.tar", 8))
				continue;
			seen = true;
			rc = src_deb_data(sc, &m, &info, a);
			break;
		}
	}
	if (!seen)
		rc = eucc_error_set(sc->err, -EINVAL, EUCC_E_BAD_INPUT,
				    "%s: an ar archive with no data.tar: not a .deb package",
				    pm->origin);
	archive_read_free(a);
	return rc;
}
