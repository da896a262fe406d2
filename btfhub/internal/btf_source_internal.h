/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Internal to btf_source*.c: the BTF source scanner, one layer at a time.
 *
 * src_dispatch() looks at the content (never at the name) and hands it to the layer that
 * knows it: compressed stream, tar, .deb, bzImage, arm64 Image, EFI zboot, ELF, raw BTF.
 * Each layer unpacks what it can, records what it learned in a struct src_meta (release,
 * arch, how the data was packed) and dispatches the inner data again; raw BTF ends in
 * src_emit(), which validates it and calls ops->found.
 */
#ifndef EUCC_BTF_SOURCE_INTERNAL_H
#define EUCC_BTF_SOURCE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "btfhub.h"

struct btf;

/* Cap on a file, a decompressed stream or an archive member (debug vmlinux files reach 1 GiB). */
#define SRC_MAX_SIZE ((size_t)2 << 30)
/* Layers of packing followed (deb > data.tar.xz > vmlinuz > lz4 > ELF is 4). */
#define SRC_MAX_DEPTH 6
/*
 * What the scan of one input may decompress, all layers together: SRC_UNPACK_RATIO times the
 * input's size, at least SRC_UNPACK_FLOOR, at most SRC_MAX_SIZE (docs/security.md). Real
 * inputs stay below 11 times (a BTFHub tarball of BTF that was never deduplicated); kernel
 * images and packages below 5.
 */
#define SRC_UNPACK_RATIO 32
#define SRC_UNPACK_FLOOR ((size_t)64 << 20)

/* Bytes that may still be unpacked, and the rule they come from (for the message). */
struct src_room {
	size_t left;
	size_t limit; /* left at the start */
	size_t input; /* size of the input the limit was computed from; 0: a fixed cap */
};

struct src_scan {
	const struct btf_source_ops *ops;
	struct eucc_error *err;
	int found;
	bool stopped; /* ops->found returned an error: stop everything */
	struct src_room room;
};

/* What is known about the data being looked at. */
struct src_meta {
	char origin[PATH_MAX + 256]; /* "file" or "file:member" */
	const char *disk_path;	     /* the data is exactly this file on disk, or NULL */
	char release[256];
	char arch[16];	    /* from the content (ELF e_machine, image kind): wins */
	char arch_hint[16]; /* from the tree path or the package */
	char distro[64];
	char version[64];
	char prefix[16]; /* "deb/" */
	char kind[48];	 /* set by the outermost layer that names the format: "bzimage/zstd" */
	char comp[16];	 /* compression of the stream the data came out of */
	int depth;
};

/* btf_source.c */
int src_dispatch(struct src_scan *sc, const struct src_meta *m, const void *data, size_t size);
int src_emit(struct src_scan *sc, const struct src_meta *m, const char *kind, const void *data,
	     size_t size);
/* A copy of @parent one layer down; @member (or NULL) is appended to the origin. */
void src_meta_child(struct src_meta *child, const struct src_meta *parent, const char *member);
void src_meta_kind(struct src_meta *m, const char *kind);
/* The release a file or member name spells: <r>.btf, <r>.btf.tar.xz, vmlinuz-<r>, vmlinux-<r>. */
bool src_release_from_name(const char *name, char *out, size_t size);
/* The release in the kernel banner "Linux version <release> (". */
bool src_release_from_banner(const void *data, size_t size, char *out, size_t outsz);
/* Check a BTF header: sizes fit in @size; *total is the size the header describes. */
int src_btf_header_check(const void *data, size_t size, uint64_t *total, struct eucc_error *err);
/* Prepend "@origin: " to the message of @e. */
void src_error_prefix(struct eucc_error *e, const char *origin);
/* "1f 8b 08 00 ..." */
void src_hex_prefix(const void *data, size_t size, char *out, size_t outsz);

/* btf_source_kernel.c */
bool src_is_elf(const void *data, size_t size);
bool src_is_bzimage(const void *data, size_t size);
bool src_is_arm64_image(const void *data, size_t size);
bool src_is_zboot(const void *data, size_t size);
int src_elf(struct src_scan *sc, const struct src_meta *m, const void *data, size_t size);
int src_bzimage(struct src_scan *sc, const struct src_meta *m, const void *data, size_t size);
int src_arm64_image(struct src_scan *sc, const struct src_meta *m, const void *data, size_t size);
int src_zboot(struct src_scan *sc, const struct src_meta *m, const void *data, size_t size);
/* Any other kernel image (has a banner): look for a BTF header in it. */
int src_kernel_image(struct src_scan *sc, const struct src_meta *m, const void *data, size_t size);
/* The largest valid BTF inside @data (an image keeps its .BTF section as is). */
bool src_btf_find(const void *data, size_t size, size_t *off, size_t *len);
/* Normalized arch from the registers struct pt_regs has, or NULL. */
const char *src_arch_from_btf(const struct btf *btf);

/* btf_source_archive.c */
/* "gzip", "xz", "zstd", "lz4", "bzip2", "lzma", "lzo" by magic, or NULL. */
const char *src_compression(const void *data, size_t size);
/* The room of a scan of @input bytes. */
void src_room_init(struct src_room *r, size_t input);
/* Decompress one stream, taking its size from @room; @expect (0: unknown) sizes the buffer.
 * *out is malloc'd. */
int src_decompress(const void *data, size_t size, size_t expect, struct src_room *room, void **out,
		   size_t *outlen, const char *origin, struct eucc_error *err);
int src_decompressed(struct src_scan *sc, const struct src_meta *m, const char *comp,
		     const void *data, size_t size);
bool src_is_tar(const void *data, size_t size);
bool src_is_ar(const void *data, size_t size);
int src_tar(struct src_scan *sc, const struct src_meta *m, const void *data, size_t size);
int src_deb(struct src_scan *sc, const struct src_meta *m, const void *data, size_t size);

static inline uint16_t src_le16(const void *p)
{
	const uint8_t *b = p;

	return (uint16_t)(b[0] | b[1] << 8);
}

static inline uint32_t src_rd32(const void *p, bool big_endian)
{
	const uint8_t *b = p;

	if (big_endian)
		return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
	return (uint32_t)b[3] << 24 | (uint32_t)b[2] << 16 | (uint32_t)b[1] << 8 | b[0];
}

static inline uint32_t src_le32(const void *p)
{
	return src_rd32(p, false);
}

#endif
