/* SPDX-License-Identifier: Apache-2.0 */
/* The package writer: a deterministic ustar archive in a gzip stream, both written by hand. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <zlib.h>

#include "common.h"
#include "pkg_internal.h"

struct pkg_wmember {
	char *path;
	void *data;
	size_t size;
};

struct pkg_writer {
	struct pkg_wmember *m;
	size_t n, cap;
	size_t bytes; /* tar bytes of the members so far */
	const struct eucc_key *key;
};

void pkg_writer_sign(struct pkg_writer *w, const struct eucc_key *key)
{
	w->key = key;
}

int pkg_writer_new(struct pkg_writer **out)
{
	*out = calloc(1, sizeof(**out));
	return *out ? 0 : -ENOMEM;
}

void pkg_writer_free(struct pkg_writer *w)
{
	if (!w)
		return;
	for (size_t i = 0; i < w->n; i++) {
		free(w->m[i].path);
		free(w->m[i].data);
	}
	free(w->m);
	free(w);
}

static int writer_grow(struct pkg_writer *w)
{
	size_t ncap = w->cap ? w->cap * 2 : 16;
	struct pkg_wmember *m;

	if (w->n < w->cap)
		return 0;
	m = realloc(w->m, ncap * sizeof(*m));
	if (!m)
		return -ENOMEM;
	w->m = m;
	w->cap = ncap;
	return 0;
}

int pkg_writer_add(struct pkg_writer *w, const char *path, const void *data, size_t size)
{
	struct pkg_wmember *m;
	int ret;

	if (!path || (!data && size) || pkg_path_problem(path) || !strcmp(path, PKG_MANIFEST) ||
	    !strcmp(path, PKG_SIGNATURE))
		return -EINVAL;
	for (size_t i = 0; i < w->n; i++)
		if (!strcmp(w->m[i].path, path))
			return -EEXIST;
	/* the manifest is a member too */
	if (w->n + 1 >= PKG_MAX_MEMBERS)
		return -E2BIG;
	if (size > PKG_MAX_SIZE || w->bytes + pkg_tar_span(size) > PKG_MAX_SIZE)
		return -EFBIG;
	ret = writer_grow(w);
	if (ret)
		return ret;
	m = &w->m[w->n];
	m->path = strdup(path);
	m->data = malloc(size ? size : 1);
	if (!m->path || !m->data) {
		free(m->path);
		free(m->data);
		return -ENOMEM;
	}
	if (size)
		memcpy(m->data, data, size);
	m->size = size;
	w->n++;
	w->bytes += pkg_tar_span(size);
	return 0;
}

static int member_cmp(const void *a, const void *b)
{
	const struct pkg_wmember *x = a, *y = b;

	return strcmp(x->path, y->path); /* bytewise: strcmp compares unsigned chars */
}

/* "format" first, the caller's fields, "files" last: {path: {sha256, size}} in path order. */
static int manifest_complete(struct pkg_writer *w, cJSON *manifest)
{
	cJSON *files, *format;

	cJSON_DeleteItemFromObjectCaseSensitive(manifest, "format");
	cJSON_DeleteItemFromObjectCaseSensitive(manifest, "files");
	format = cJSON_AddNumberToObject(manifest, "format",
					 w->key ? PKG_FORMAT_VERSION : PKG_FORMAT_UNSIGNED);
	if (!format)
		return -ENOMEM;
	cJSON_DetachItemViaPointer(manifest, format);
	cJSON_InsertItemInArray(manifest, 0, format);
	files = cJSON_AddObjectToObject(manifest, "files");
	if (!files)
		return -ENOMEM;
	for (size_t i = 0; i < w->n; i++) {
		char hex[EUCC_SHA256_HEX];
		cJSON *f = cJSON_AddObjectToObject(files, w->m[i].path);

		eucc_sha256_hex(w->m[i].data, w->m[i].size, hex);
		if (!f || !cJSON_AddStringToObject(f, "sha256", hex) ||
		    !cJSON_AddNumberToObject(f, "size", (double)w->m[i].size))
			return -ENOMEM;
	}
	return 0;
}

/* The files in the order given, then two zero blocks. */
static int tar_build(const struct eucc_tar_file *f, size_t n, unsigned char **out, size_t *len)
{
	size_t total = 2 * PKG_BLOCK;
	unsigned char *tar, *p;

	for (size_t i = 0; i < n; i++) {
		if (f[i].size > PKG_MAX_SIZE || total > PKG_MAX_SIZE)
			return -EFBIG;
		total += pkg_tar_span(f[i].size);
	}
	if (total > PKG_MAX_SIZE)
		return -EFBIG;
	tar = calloc(1, total);
	if (!tar)
		return -ENOMEM;
	p = tar;
	for (size_t i = 0; i < n; i++) {
		if (pkg_tar_header(p, f[i].path, f[i].size)) {
			free(tar);
			return -ENAMETOOLONG;
		}
		if (f[i].size)
			memcpy(p + PKG_BLOCK, f[i].data, f[i].size);
		p += pkg_tar_span(f[i].size); /* padding: the buffer is zeroed */
	}
	*out = tar;
	*len = total;
	return 0;
}

static void put_le32(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

/* gzip by hand: a fixed 10-byte header (no name, mtime 0, no level flag, OS unknown), raw
 * deflate, trailer. */
static int gzip_build(const unsigned char *in, size_t len, void **out, size_t *out_len)
{
	static const unsigned char head[10] = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff};
	z_stream z = {0};
	unsigned char *buf;
	size_t cap;
	int ret;

	if (deflateInit2(&z, PKG_GZIP_LEVEL, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return -ENOMEM;
	cap = sizeof(head) + deflateBound(&z, len) + 8;
	buf = malloc(cap);
	if (!buf) {
		deflateEnd(&z);
		return -ENOMEM;
	}
	memcpy(buf, head, sizeof(head));
	z.next_in = (unsigned char *)in;
	z.avail_in = (uInt)len;
	z.next_out = buf + sizeof(head);
	z.avail_out = (uInt)(cap - sizeof(head) - 8);
	ret = deflate(&z, Z_FINISH);
	deflateEnd(&z);
	if (ret != Z_STREAM_END) {
		free(buf);
		return -EIO;
	}
	put_le32(buf + sizeof(head) + z.total_out, (uint32_t)crc32(0, in, (uInt)len));
	put_le32(buf + sizeof(head) + z.total_out + 4, (uint32_t)len);
	*out = buf;
	*out_len = sizeof(head) + z.total_out + 8;
	return 0;
}

int eucc_tar_build(const struct eucc_tar_file *files, size_t n, bool gz, void **out, size_t *size)
{
	unsigned char *tar;
	size_t len;
	int ret = tar_build(files, n, &tar, &len);

	if (ret)
		return ret;
	if (!gz) {
		*out = tar;
		*size = len;
		return 0;
	}
	ret = gzip_build(tar, len, out, size);
	free(tar);
	return ret;
}

/* manifest.json, signature.json when signed, the members. */
static int package_build(struct pkg_writer *w, const char *json, const char *sig, void **out,
			 size_t *size)
{
	struct eucc_tar_file *f = calloc(w->n + 2, sizeof(*f));
	size_t n = 0;
	int ret;

	if (!f)
		return -ENOMEM;
	if (strlen(json) > PKG_MANIFEST_MAX) {
		free(f);
		return -EFBIG;
	}
	f[n++] = (struct eucc_tar_file){PKG_MANIFEST, json, strlen(json)};
	if (sig)
		f[n++] = (struct eucc_tar_file){PKG_SIGNATURE, sig, strlen(sig)};
	for (size_t i = 0; i < w->n; i++)
		f[n++] = (struct eucc_tar_file){w->m[i].path, w->m[i].data, w->m[i].size};
	ret = eucc_tar_build(f, n, true, out, size);
	free(f);
	return ret;
}

int pkg_writer_finish(struct pkg_writer *w, struct cJSON *manifest, void **out, size_t *size)
{
	cJSON *own = NULL;
	char *json = NULL, *sig = NULL;
	int ret;

	if (!manifest)
		manifest = own = cJSON_CreateObject();
	if (!manifest)
		return -ENOMEM;
	if (!cJSON_IsObject(manifest)) {
		ret = -EINVAL;
		goto out;
	}
	if (w->n)
		qsort(w->m, w->n, sizeof(*w->m), member_cmp);
	ret = manifest_complete(w, manifest);
	if (ret)
		goto out;
	json = cJSON_PrintUnformatted(manifest);
	if (!json) {
		ret = -ENOMEM;
		goto out;
	}
	if (w->key) {
		ret = pkg_signature_make(w->key, json, strlen(json), &sig);
		if (ret)
			goto out;
	}
	ret = package_build(w, json, sig, out, size);
out:
	free(json);
	free(sig);
	cJSON_Delete(own);
	return ret;
}
