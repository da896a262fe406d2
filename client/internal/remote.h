/* SPDX-License-Identifier: Apache-2.0 */
/*
 * eucc-remote: its commands (each an entry of the command table in main.c), the HTTP client
 * they share, and the collection of a program's sources.
 */
#ifndef EUCC_CLIENT_REMOTE_H
#define EUCC_CLIENT_REMOTE_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "common.h"

struct cJSON;

/* Configuration of one invocation: flags, then EUCC_SERVER / EUCC_TOKEN, then defaults. */
struct remote_config {
	char server[512];	 /* base URL, "http://127.0.0.1:8639" */
	char token[256];	 /* "" for none */
	char cacert[PATH_MAX];	 /* CA bundle for https: --cacert, CURL_CA_BUNDLE, SSL_CERT_FILE */
	bool insecure;		 /* https without verifying the server's certificate */
	char registry_user[512]; /* USER:PASSWORD for registries: --registry-user,
				    EUCC_REGISTRY_USER */
	bool json;
	bool quiet;
	unsigned int timeout_sec;	  /* whole request; compiles can take a while */
	struct cli_list trust;		  /* --trust FILE|DIR, in the order given */
	char source_key[EUCC_SHA256_HEX]; /* sent as X-Eucc-Key when set (compile requests) */
};

/* The commands, each an entry of the one command table (main.c) with its do_* function, its
 * summary, its help and its options; the parsing is common/cli.c's. */
extern const struct cli_cmd remote_cmd_compile, remote_cmd_check, remote_cmd_pull, remote_cmd_run,
    remote_cmd_inspect, remote_cmd_kernels, remote_cmd_export, remote_cmd_push, remote_cmd_mirror;

/* The configuration a command runs with (the global options went into it). */
static inline struct remote_config *remote_config(const struct cli_call *call)
{
	return call->cfg;
}

/* Report @e and return its exit code. */
int remote_fail(const struct eucc_error *e);

/* ---- HTTP (libcurl) --------------------------------------------------------------------- */

/* Once per process, around everything else; http_init fails only when the HTTP library does. */
int http_init(void);
void http_cleanup(void);
/* @s percent-encoded for a URL (malloc'd, free with http_escape_free); NULL if out of memory. */
char *http_escape(const char *s);
void http_escape_free(char *s);

struct http_answer {
	long status;
	char *body; /* NUL-terminated */
	size_t size;
};

/* GET or POST (when @body) @path on the server; JSON in, JSON out. Network failures are
 * errors with code "unreachable"; HTTP statuses are left to the caller (see http_error). */
int http_request(const struct remote_config *cfg, const char *method, const char *path,
		 const char *body, struct http_answer *ans, struct eucc_error *err);
/* The same with a body of @len bytes (any content). */
int http_request_data(const struct remote_config *cfg, const char *method, const char *path,
		      const void *body, size_t len, struct http_answer *ans,
		      struct eucc_error *err);
void http_answer_free(struct http_answer *ans);
/* Turn a non-2xx answer's {"error":{...}} into @err (codes: unauthorized, forbidden, ... ). */
int http_error(const struct http_answer *ans, struct eucc_error *err);
/* Download @path to @file, resuming a partial @file with Range; progress on a terminal. */
int http_download(const struct remote_config *cfg, const char *path, const char *file,
		  bool progress, struct eucc_error *err);

/* ---- pull ---------------------------------------------------------------------------------- */

/* True if @ref names a package to pull: "sha256:<hex>", "<hex>", or an http(s) URL. */
bool pull_is_ref(const char *ref);
/* The package @ref names, from the package cache (<data dir>/packages/sha256/<hex>.eucc) if it
 * holds it intact, else downloaded there (resuming a partial file) and verified: the file's
 * digest equals the one asked for, then the package checks. Its path goes to @out. */
int pull_cached(const struct remote_config *cfg, const char *ref, char *out, size_t size,
		struct eucc_error *err);

/* ---- this host's kernel (local_kernel.c) ----------------------------------------------------- */

struct local_kernel {
	char release[256];			    /* uname -r */
	char arch[16];				    /* normalized */
	char build_id[2 * KERNEL_BUILD_ID_MAX + 1]; /* hex; "" if /sys/kernel/notes has none */
	char btf_sha256[EUCC_SHA256_HEX]; /* of /sys/kernel/btf/vmlinux, if btf_error is 0 */
	int btf_error;			  /* why there is no BTF (-ENOENT ...), or 0 */
};

/* Fill @lk; with @btf, also the BTF itself (malloc'd) when there is one. */
int local_kernel_identify(struct local_kernel *lk, void **btf, size_t *btf_len);
/* Offer this host's BTF to the server (by digest, then the BTF): 0 when the server has it. */
int local_kernel_offer(const struct remote_config *cfg, bool quiet, struct eucc_error *err);

/*
 * run --fetch-missing: the package at @path lacks this host's kernel; ask the server to add it
 * (offering this host's BTF when the server does not know it), pull the new package into the
 * package cache and put its path in @out. 1: the package has this kernel, nothing asked.
 */
int fetch_missing_kernel(const struct remote_config *cfg, const char *path, const struct pkg *pkg,
			 char *out, size_t size, struct eucc_error *err);
/* Verify a downloaded file: it hashes to @hex, then the package checks; @name gets its name. */
int pull_verify_file(const char *path, const char *hex, char *name, size_t size,
		     struct eucc_error *err);

/* ---- registries (registry.c, pull_oci.c, cmd_push.c, cmd_mirror.c) ------------------------- */

struct oci_client;

/* A registry package being pulled: its reference, the manifest's digest, the layer's. */
struct oci_pull {
	struct oci_client *client;
	char ref[1024];		   /* as given */
	char manifest_digest[72];  /* sha256:<hex> of the manifest the registry sent */
	char hex[EUCC_SHA256_HEX]; /* the layer: the package's own digest */
	unsigned long long size;
	bool pinned; /* by digest (else by tag) */
};

/* A registry client with the invocation's TLS settings and credentials. */
int remote_oci_client(const struct remote_config *cfg, const char *text, bool need_ref,
		      struct oci_client **client, char *reference, size_t size,
		      struct eucc_error *err);
/* The package oci://@text names: the manifest (its digest checked against a pinned one) and
 * its one layer. */
int pull_oci_resolve(const struct remote_config *cfg, const char *text, struct oci_pull *p,
		     struct eucc_error *err);
/* Download the layer to @part (resuming what it has) and verify it (the layer's digest, then
 * the package checks); the package's name goes to @name. */
int pull_oci_fetch(struct oci_pull *p, const char *part, char *name, size_t size,
		   struct eucc_error *err);
void pull_oci_done(struct oci_pull *p);

/* ---- trust (trust.c) ------------------------------------------------------------------------ */

#ifndef EUCC_TRUST_DIR
#define EUCC_TRUST_DIR "/etc/eucc/trust.d"
#endif

/* The pinned public keys: --trust, $EUCC_TRUST, EUCC_TRUST_DIR (none at all: an empty ring). */
int trust_load(const struct remote_config *cfg, struct eucc_keyring *ring, struct eucc_error *err);

struct trust_verdict {
	bool signed_pkg;	  /* it has a signature.json */
	struct pkg_signer signer; /* who, when signed */
	size_t keys;		  /* pinned keys; 0: not checked */
	bool verified;		  /* signed by a pinned key, and the signature verifies */
};
/* With keys pinned, @pkg must verify against them (code "untrusted" otherwise). */
int trust_check(const struct remote_config *cfg, const struct pkg *pkg, struct trust_verdict *v,
		struct eucc_error *err);
/* "verified" or "not checked". */
const char *trust_verdict_text(const struct trust_verdict *v);
/* "signature": "verified"|"not checked" and "signer": {"key_id", "name"} or null, into @o. */
void trust_verdict_json(struct cJSON *o, const struct trust_verdict *v);
/* pkg_open_file, then trust_check; @v may be NULL. */
int trust_open_file(const struct remote_config *cfg, const char *path, struct pkg **out,
		    struct trust_verdict *v, struct eucc_error *err);

/* ---- eunomia-bpf packages (import_eunomia.c) ------------------------------------------------ */

/* An eunomia-bpf package.json: named *.json, or its first character is '{'. */
bool eunomia_is_package(const char *path);
/* It as an unsigned eucc package in memory ("imported" in its manifest). */
int eunomia_import(const char *path, struct pkg **out, struct eucc_error *err);
/* What run and inspect open: an eunomia-bpf package.json imported, else an eucc package; then
 * trust_check (an imported package is unsigned). */
int remote_open_package(const struct remote_config *cfg, const char *path, struct pkg **out,
			struct trust_verdict *v, struct eucc_error *err);

/* ---- export (cmd_export.c, export_*.c, oci_layout.c) ------------------------------------------
 */

#define OCI_INDEX    "application/vnd.oci.image.index.v1+json"
#define OCI_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define OCI_EMPTY    "application/vnd.oci.empty.v1+json"

/* An OCI image layout being written: DIR/oci-layout, DIR/index.json, DIR/blobs/sha256/<hex>. */
struct oci_layout {
	char dir[PATH_MAX];
};
/* @dir must not exist or be empty. */
int oci_layout_open(struct oci_layout *l, const char *dir, struct eucc_error *err);
/* {"mediaType", "digest": "sha256:@hex", "size"}. */
struct cJSON *oci_descriptor(const char *media_type, const char *hex, size_t size);
/* Store a blob (a JSON document printed compactly) and make its descriptor. */
int oci_layout_blob(struct oci_layout *l, const char *media_type, const void *data, size_t len,
		    struct cJSON **desc, struct eucc_error *err);
int oci_layout_json(struct oci_layout *l, const char *media_type, const struct cJSON *doc,
		    struct cJSON **desc, struct eucc_error *err);
/* index.json naming the manifests @entries (consumed) under @tag: the one manifest itself, or
 * (with @index, or more than one) an image index of them titled @title; then oci-layout. */
int oci_layout_tag(struct oci_layout *l, struct cJSON *entries, bool index, const char *tag,
		   const char *title, struct eucc_error *err);
/* One package's image manifest, stored, and its descriptor for an index (with "platform"). */
typedef int (*oci_manifest_fn)(struct oci_layout *l, struct pkg *pkg, struct cJSON **entry,
			       struct eucc_error *err);
/* The layout @out of one manifest per package, tagged (oci_layout_tag). */
int oci_layout_write(struct pkg *const *pkgs, size_t n, const char *out, const char *tag,
		     oci_manifest_fn manifest, bool index, struct eucc_error *err);
/* index.json listing @manifests (consumed) and oci-layout. */
int oci_layout_finish(struct oci_layout *l, struct cJSON *manifests, struct eucc_error *err);
/* An arch as OCI platforms name it ("amd64"), and as `uname -m` does ("aarch64"). */
const char *oci_arch(const char *arch);
const char *uname_machine(const char *arch);
/* The packages' minimized BTF (of the kernels not "incompatible") as a gzip'd tar of
 * @prefix ID/VERSION_ID/<uname -m>/RELEASE.btf; paths over @name_max bytes (0: no limit) are
 * refused; @count (may be NULL) gets how many. */
int export_btf_archive(struct pkg *const *pkgs, size_t npkgs, const char *prefix, size_t name_max,
		       void **out, size_t *len, size_t *count, struct eucc_error *err);
/* The image formats, into the layout dir @out tagged @tag; one package per arch. */
int export_ig(struct pkg *const *pkgs, size_t n, const char *out, const char *tag,
	      struct eucc_error *err);
int export_bpfman(struct pkg *const *pkgs, size_t n, const char *out, const char *tag,
		  struct eucc_error *err);

/* ---- sources ------------------------------------------------------------------------------ */

struct source_set {
	char root[PATH_MAX]; /* the dir all upload paths are relative to */
	char cwd[PATH_MAX];  /* the working dir (real path) */
	char **paths;	     /* relative upload paths, main first */
	char **shown;	     /* each as the user names it: main as typed, the others from cwd */
	char **data;
	size_t *sizes;
	size_t count;
	bool absolute; /* main was typed as an absolute path: show absolute paths */
	char **notes;  /* what was left out and why ("vmlinux.h: the server's replaces it") */
	size_t nnotes;
	char **system; /* <names> found under no -I dir: left to the server's headers */
	size_t nsystem;
};

/*
 * Collect @main and the headers it includes (recursively): quoted ones looked up next to the
 * including file and in @incdirs, angle-bracket ones in @incdirs (a libbpf of the user's own,
 * -I /usr/include/x86_64-linux-gnu); never vmlinux.h, never files outside the main file's dir
 * and the -I dirs (those are left out with a note, as are, in one note, the angle-bracket
 * includes found under no -I dir). Paths are made relative to the dir that holds them all.
 */
int sources_collect(const char *main, const char *const *incdirs, size_t nincdirs,
		    struct source_set *out, struct eucc_error *err);
void sources_free(struct source_set *s);
/* @dir relative to the upload root, for -I ("." for the root itself); -EINVAL if outside. */
int sources_relative_dir(const struct source_set *s, const char *dir, char *out, size_t size);
/* The file of upload path @path (a "./" prefix and a lone base name are taken): its index, or
 * -1 for a file that was not uploaded (vmlinux.h, the server's headers). */
int sources_find(const struct source_set *s, const char *path);
/* The real path @abs relative to the working dir ("../" where needed). */
void sources_from_cwd(const struct source_set *s, const char *abs, char *out, size_t size);

/* ---- diagnostics (diag.c, sarif.c) ---------------------------------------------------------- */

/* Upload path @file as the user names it (@file itself for a file not uploaded). */
const char *diag_shown_path(const struct source_set *s, const char *file);
/* Line @line (from 1) of uploaded file @file: its text, without the newline. */
bool diag_source_line(const struct source_set *s, const char *file, int line, const char **text,
		      size_t *len);
/* The server's diagnostics as clang prints them: include stacks, "file:line:col: severity:
 * message", the source line and a caret under the column (a fix-it under that). */
void diag_print_all(FILE *out, const struct source_set *s, const struct cJSON *diags);
/* A finding ("file", "line", "kind", "severity", "message"), each line after @indent, with its
 * source line and a caret under what it is about where that line shows it. */
void diag_print_finding(FILE *out, const struct source_set *s, const struct cJSON *finding,
			const char *indent);
/* The column of what @finding is about in its source line ("task_struct.__state: ..." is
 * about __state), 0 when the line does not show it. */
unsigned int diag_finding_column(const struct source_set *s, const struct cJSON *finding);
/* SARIF 2.1.0 of a compile answer (HTTP @status 200 or 422). */
struct cJSON *diag_sarif(const struct source_set *s, const struct cJSON *answer, long status);

#endif
