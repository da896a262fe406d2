/* SPDX-License-Identifier: Apache-2.0 */
/*
 * btfhub: the BTF store.
 *
 *  - btf_source_*: find raw BTF in whatever a fleet operator has (raw BTF, ELF vmlinux,
 *    bzImage, arm64 Image, BTFHub tarballs and trees, Debian .deb, DWARF via pahole);
 *  - btf_store_*: keep it in the data dir in BTFHub's layout, indexed in SQLite;
 *  - btf_store_match: answer kernel specs ("4.19", "debian/12", a release) from the index;
 *  - btf_store_features: what a kernel offers (helpers, map, program and attach types), read
 *    with core.h's btf_features_read at import and kept in the index;
 *  - btf_header_*: vmlinux.h and single type/function definitions, with libbpf's dumper.
 */
#ifndef EUCC_BTFHUB_H
#define EUCC_BTFHUB_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "common.h"
#include "core.h" /* struct btf_features: the store reads and keeps them, the checker uses them */

struct cJSON;

struct btf;

/* ---- sources ---------------------------------------------------------------------------- */

/* One BTF found in a source, with what the source tells about its kernel ("" = unknown). */
struct btf_blob {
	const void *data;
	size_t size;
	char release[256];
	char arch[16];	 /* normalized */
	char distro[64]; /* from a BTFHub path or a .deb */
	char version[64];
	char format[64]; /* how it was found: "raw", "elf", "bzimage/zstd", "btfhub-tar", ... */
	char origin[PATH_MAX + 256]; /* file it came from, "file:member" inside archives */
};

struct btf_source_ops {
	/* Called for every BTF found; a negative return stops the scan with that error. */
	int (*found)(const struct btf_blob *blob, void *ctx);
	/* Called, inside a directory tree only, for a file that looked importable but failed. */
	void (*failed)(const char *path, const struct eucc_error *e, void *ctx);
	void *ctx;
};

/*
 * Find the BTF in @path: a file of any supported kind, or a directory (a BTFHub archive tree,
 * walked recursively; distro/version/arch come from <distro>/<version>/<arch>/<file>).
 * Returns the number of BTF found (>= 1) or a negative errno with @err set. A directory with
 * nothing importable is an error.
 */
int btf_source_scan(const char *path, const struct btf_source_ops *ops, struct eucc_error *err);
/* The same for one file's content in memory; @name (or NULL) is what its file name would say. */
int btf_source_scan_buffer(const void *data, size_t size, const char *name,
			   const struct btf_source_ops *ops, struct eucc_error *err);

/*
 * Check raw BTF fully before anything reads it: header and section bounds, known kinds and flags,
 * vlen that fits the data, string offsets and names, type ids and the kinds they may name, sizes
 * (members inside their struct), and a type graph without cycles except through pointers to
 * named structs or unions (or forward declarations) and without chains deeper than libbpf's
 * dumper can follow. @err says what is wrong and where (code bad_input).
 */
int btf_source_validate(const void *data, size_t size, struct eucc_error *err);

/* ---- the store -------------------------------------------------------------------------- */

struct btf_store;

/* A stored kernel, as indexed. */
struct btf_kernel {
	int64_t id;
	char release[256];
	char distro[64];
	char version[64];
	char arch[16];
	char sha256[EUCC_SHA256_HEX];
	int64_t size;
	char source[64];     /* format it was imported from */
	int64_t imported_at; /* unix time */
	int64_t types;	     /* number of BTF types */
	int64_t funcs;	     /* number of FUNC records (0: made without them) */
	char path[PATH_MAX]; /* the .btf file in the store */
	char build_id[2 * KERNEL_BUILD_ID_MAX + 1]; /* hex; "" where unknown */
	int header_version; /* BTF_HEADER_VERSION its vmlinux.h was written with; 0: unknown */
};

/* The one JSON form of a stored kernel, for answers and --json: release, distro, version,
 * arch, build_id (where known); with @full also sha256, size, types, funcs, source and
 * imported_at. */
struct cJSON *btf_kernel_json(const struct btf_kernel *k, bool full);

/* Open (creating if needed) the store in @data_dir. */
int btf_store_open(const char *data_dir, struct btf_store **store, struct eucc_error *err);
void btf_store_close(struct btf_store *store);
const char *btf_store_dir(const struct btf_store *store);

struct btf_import_opts {
	size_t sz;	    /* sizeof(struct btf_import_opts) */
	const char *distro; /* override what the source says */
	const char *version;
	const char *arch;
	const char *release;
	bool replace;	      /* replace a stored kernel of the same release and arch */
	const char *build_id; /* the kernel's build id (hex); NULL: unknown */
};

enum btf_import_result { BTF_IMPORT_ADDED, BTF_IMPORT_UNCHANGED, BTF_IMPORT_REPLACED };

/* Called for each kernel imported (or already there). */
typedef void (*btf_import_fn)(const struct btf_kernel *k, enum btf_import_result r,
			      const char *format, void *ctx);
/* Called for each file of a tree that failed; the import of the others goes on. */
typedef void (*btf_import_fail_fn)(const char *path, const struct eucc_error *e, void *ctx);

struct btf_import_cbs {
	btf_import_fn done;
	btf_import_fail_fn failed;
	void *ctx;
};

/*
 * Import every BTF in @path. Returns the number of kernels imported or unchanged, or a
 * negative errno. A source that fails leaves the store unchanged; in a tree, the files that
 * failed are reported through cbs->failed and the call returns -EINVAL after importing the rest.
 */
int btf_store_import(struct btf_store *store, const char *path, const struct btf_import_opts *opts,
		     const struct btf_import_cbs *cbs, struct eucc_error *err);

/* A kernel spec's grammar: "4.19", a release, "distro[/version[/arch]]" (or "local", which
 * callers resolve): letters, digits, "._+~-", at most three '/'-separated parts, no empty
 * part, no "..", at most BTF_SPEC_MAX_LEN characters. */
#define BTF_SPEC_MAX_LEN 200
bool btf_spec_is_valid(const char *spec);

/*
 * Kernels matching @spec ("4.19", an exact release, "distro[/version[/arch]]", "" or NULL for
 * all), optionally of @arch, sorted by arch then release. *out is malloc'd. No match is not an
 * error here (*count = 0); see btf_store_explain_miss.
 */
int btf_store_match(struct btf_store *store, const char *spec, const char *arch,
		    struct btf_kernel **out, size_t *count, struct eucc_error *err);

/* Fill @err with "no stored kernel matches SPEC", naming the closest kernels and how to import. */
int btf_store_explain_miss(struct btf_store *store, const char *spec, const char *arch,
			   struct eucc_error *err);

/* One kernel by exact release (and @arch, NULL for any; ambiguous without it is an error). */
int btf_store_get(struct btf_store *store, const char *release, const char *arch,
		  struct btf_kernel *out, struct eucc_error *err);
/*
 * The same, and of build id @build_id (NULL: any): that build, else the release's build of
 * unknown id. A release stored as two builds needs @build_id (else an error naming both).
 */
int btf_store_get_build(struct btf_store *store, const char *release, const char *arch,
			const char *build_id, struct btf_kernel *out, struct eucc_error *err);

/* A kernel by the sha256 of its BTF, or -ENOENT. */
int btf_store_find_sha(struct btf_store *store, const char *sha256, struct btf_kernel *out,
		       struct eucc_error *err);

/* Remove a kernel (index row, feature rows, files). */
int btf_store_remove(struct btf_store *store, const struct btf_kernel *k, struct eucc_error *err);

/* Parse a stored kernel's BTF. Free with btf__free. */
int btf_store_load(struct btf_store *store, const struct btf_kernel *k, struct btf **btf,
		   struct eucc_error *err);

/* Path of the kernel's vmlinux.h, written (once) if not there yet. */
int btf_store_header(struct btf_store *store, const struct btf_kernel *k, char *path, size_t size,
		     struct eucc_error *err);

struct btf_refresh_stats {
	unsigned int checked; /* kernels in the store */
	unsigned int remade;  /* headers written again */
	unsigned int failed;  /* headers that could not be (each logged; the old one stays) */
};

/*
 * Write again the vmlinux.h of every stored kernel whose header is older than
 * BTF_HEADER_VERSION (or of unknown version, or missing), each atomically (a reader sees the
 * old file or the new one), remove the precompiled headers made from the old one
 * (<release>.h.*), and record the version in the index. A kernel that fails keeps its old
 * header and is counted in stats->failed. Returns 0, or a negative errno (with @err) when the
 * index cannot be read.
 */
int btf_store_refresh_headers(struct btf_store *store, struct btf_refresh_stats *stats,
			      struct eucc_error *err);

/* ---- feature tables --------------------------------------------------------------------- */

/* Stored feature tables of a kernel (from the index). */
int btf_store_features(struct btf_store *store, const struct btf_kernel *k,
		       struct btf_features *out, struct eucc_error *err);

/* ---- headers and definitions ------------------------------------------------------------- */

/*
 * The format of the vmlinux.h btf_header_write writes. Bump it with every change of what the
 * writer prints (btf_header.c, btf_kfuncs.c): the store records it per kernel and a server that
 * opens a store writes again the headers of an older format (btf_store_refresh_headers), and
 * it is part of the compile pipeline's version (cache keys). 1: types and the UAPI
 * completion; 2: kfunc declarations; 3: kfuncs outside the types' guard, "(void)" for those
 * without parameters; 4: bool, true and false renamed under C23.
 */
#define BTF_HEADER_VERSION 4

/*
 * Write a vmlinux.h for @btf: every type, CO-RE's preserve_access_index on records, and the BPF
 * UAPI constants that old kernels' BTF lacks (BPF_ANY, BPF_F_CURRENT_CPU, ...).
 */
int btf_header_write(const struct btf *btf, FILE *out, struct eucc_error *err);

/*
 * Declare the kfuncs of @btf (FUNCs with the BTF decl tag "bpf_kfunc", which pahole writes for
 * kernels built with it, 6.x) with @d, a dumper of @btf that has already emitted the types they
 * name: `extern PROTOTYPE __weak __ksym;` each, unless BPF_NO_KFUNC_PROTOTYPES or
 * BTF_HEADER_PCH_MACRO is defined, in a block of its own after the types' include guard.
 * clang leaves an extern known only from a precompiled header out of the object's BTF when the
 * program calls it from a cleanup attribute (bpf_for's bpf_iter_num_destroy), so a PCH is made
 * with the macro defined and the program's #include of vmlinux.h declares the kfuncs.
 * Only those @want keeps (NULL: all; a header per program keeps the ones it names).
 * Returns how many, or a negative errno.
 */
#define BTF_HEADER_PCH_MACRO "__EUCC_VMLINUX_PCH__"
struct btf_dump;
typedef bool (*btf_header_want_fn)(const char *name, void *ctx);
int btf_header_write_kfuncs(const struct btf *btf, struct btf_dump *d, btf_header_want_fn want,
			    void *ctx, FILE *out);

/* Print the C definition of type @name ("task_struct", "struct task_struct", a typedef...). */
int btf_header_print_type(const struct btf *btf, const char *name, FILE *out,
			  struct eucc_error *err);
/* Print the prototype of kernel function @name (an error says when the BTF has no FUNCs). */
int btf_header_print_func(const struct btf *btf, const char *name, FILE *out,
			  struct eucc_error *err);

/* ---- a header per program ------------------------------------------------------------- */

/* The identifiers of a preprocessed C source (clang -E), as btf_header_write_min reads them. */
struct btf_header_names;

int btf_header_names_scan(const char *text, size_t len, struct btf_header_names **out);
void btf_header_names_free(struct btf_header_names *names);

/*
 * Which types of @btf the full vmlinux.h prints under a suffixed name (a name held twice:
 * ___2, ___3 in the order libbpf's dumper meets them). Made once per kernel (it dumps the whole
 * BTF, about as long as btf_header_write takes without writing) for btf_header_write_min.
 */
struct btf_header_dups;

int btf_header_dups_new(const struct btf *btf, struct btf_header_dups **out);
void btf_header_dups_free(struct btf_header_dups *dups);

struct btf_header_min_stats {
	unsigned int roots;    /* types the program names */
	unsigned int defined;  /* types with their definition, the roots' own included */
	unsigned int declared; /* records only declared (struct X;) */
};

/*
 * Write a vmlinux.h that holds only what a program with @names can use of @btf: the types
 * it names, what they hold by value, the records it reaches through pointers it follows
 * (task->mm->...), declarations for records it only points to, and the UAPI constants of
 * btf_header_write it names; the same prologue, pragmas and dumper as btf_header_write. The
 * same program compiles to the same CO-RE relocations against either header.
 * @dups (btf_header_dups_new of @btf) says how the full header names what @btf holds twice.
 * -EAGAIN (code "conflict"): the header would hold a type that the full header prints under a
 * suffixed name (or an enumerator held twice), which a part of the BTF cannot reproduce; use
 * the full vmlinux.h then.
 */
int btf_header_write_min(const struct btf *btf, const struct btf_header_dups *dups,
			 const struct btf_header_names *names, FILE *out,
			 struct btf_header_min_stats *stats, struct eucc_error *err);

#endif
