/* SPDX-License-Identifier: Apache-2.0 */
/* Internals of the package format shared by the writer and the reader (common/pkg_*.c). */
#ifndef EUCC_PKG_INTERNAL_H
#define EUCC_PKG_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "common.h"

#define PKG_BLOCK	  512
#define PKG_PATH_MAX	  255 /* ustar: 155 prefix + '/' + 100 name */
#define PKG_MANIFEST	  "manifest.json"
#define PKG_MANIFEST_MAX  ((size_t)16 << 20)
#define PKG_SIGNATURE	  "signature.json" /* format 2: the second member */
#define PKG_SIGNATURE_MAX ((size_t)64 << 10)
#define PKG_TRAIL_MAX	  ((size_t)1 << 20) /* zero padding allowed after the end marker */
/* zlib's default: level 9 took 8 times as long for 1-2 % fewer bytes (docs/package-format.md) */
#define PKG_GZIP_LEVEL 6
/*
 * What a package may unpack to: PKG_UNPACK_RATIO times its own size, at least
 * PKG_UNPACK_FLOOR, at most PKG_MAX_SIZE (docs/security.md). The packages eucc makes unpack to
 * 3 to 6 times their size (tar padding of small members is most of it).
 */
#define PKG_UNPACK_RATIO 32
#define PKG_UNPACK_FLOOR ((size_t)16 << 20)

/* Bytes a member of @size takes in the tar, header included. */
static inline size_t pkg_tar_span(size_t size)
{
	return PKG_BLOCK + (size + PKG_BLOCK - 1) / PKG_BLOCK * PKG_BLOCK;
}

/* NULL if @path may name a member, else why not. */
const char *pkg_path_problem(const char *path);
/* Fill a 512-byte ustar header for a regular file (0644, root, mtime 0); -ENAMETOOLONG. */
int pkg_tar_header(unsigned char hdr[PKG_BLOCK], const char *path, size_t size);

struct pkg_tar_entry {
	char path[PKG_PATH_MAX + 2];
	char type;
	size_t size;
};
/* Parse a header block; NULL or why it is not a valid ustar header. */
const char *pkg_tar_parse(const unsigned char hdr[PKG_BLOCK], struct pkg_tar_entry *e);
bool pkg_block_is_zero(const unsigned char *block, size_t len);

struct pkg;
struct eucc_error;
/* The listed (and, once read, verified) sha256 and size of member @path, or -ENOENT. */
int pkg_member_digest(const struct pkg *p, const char *path, const char **sha256, size_t *size);
/* The manifest's `object` and `kernels[].btf` agree with the members they name (pkg_refs.c). */
int pkg_check_refs(const struct pkg *p, struct eucc_error *err);

struct cJSON;
struct eucc_key;

/* signature.json for the manifest.json text @manifest, signed with @key (malloc'd). */
int pkg_signature_make(const struct eucc_key *key, const char *manifest, size_t len, char **out);
/* The package's signature.json, parsed (NULL: unsigned). */
const struct cJSON *pkg_signature_json(const struct pkg *p);
/* NULL if @sig (signature.json parsed) has the fields of docs/package-format.md, else why not;
 * @signer and the raw signature are filled when it has. */
const char *pkg_signature_parse(const struct cJSON *sig, struct pkg_signer *signer,
				char manifest[EUCC_SHA256_HEX], unsigned char raw[EUCC_SIG_BYTES]);

#endif
