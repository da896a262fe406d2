/* SPDX-License-Identifier: Apache-2.0 */
/*
 * oci: a client of OCI registries (distribution spec v1.1) over libcurl, and the artifacts
 * eucc keeps in them.
 *
 *  - references: [oci://|oci+http://]REGISTRY/REPO[:TAG|@sha256:HEX] (oci+http: no TLS);
 *  - blobs: HEAD to skip one the registry has, monolithic upload (POST, then PUT with the
 *    digest), GET into memory or into a file, resumed with a Range;
 *  - manifests: PUT under a tag, GET by tag or digest (the digest of the bytes is returned);
 *  - auth: a 401 with `WWW-Authenticate: Basic` is answered with the credentials, one with
 *    `Bearer realm=...,service=...,scope=...` by fetching a token from the realm (with the
 *    credentials, if any); the token is kept for later requests;
 *  - the eucc package artifact (artifactType application/vnd.eucc.package.v1, one layer of the
 *    .eucc bytes, the empty config, annotations from the package's manifest) and the cache
 *    artifacts replicas share (one blob and its JSON metadata under the tag <ns>-<key>).
 *
 * Functions return 0 or a negative errno and fill a struct eucc_error; nothing here prints.
 */
#ifndef EUCC_OCI_H
#define EUCC_OCI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <curl/curl.h>

#include "common.h"

struct cJSON;

#define OCI_MANIFEST_TYPE      "application/vnd.oci.image.manifest.v1+json"
#define OCI_EMPTY_TYPE	       "application/vnd.oci.empty.v1+json"
#define OCI_PACKAGE_TYPE       "application/vnd.eucc.package.v1"
#define OCI_PACKAGE_LAYER_TYPE "application/vnd.eucc.package.v1.tar+gzip"
#define OCI_CACHE_TYPE	       "application/vnd.eucc.cache.v1"
#define OCI_CACHE_LAYER_TYPE   "application/vnd.eucc.cache.blob.v1"
/* "sha256:" and 64 hex digits, with the NUL */
#define OCI_DIGEST_MAX 72

/* ---- references ------------------------------------------------------------------------- */

struct oci_ref {
	bool plain_http;    /* oci+http:// given: no TLS (a registry on a trusted network) */
	char registry[256]; /* HOST[:PORT] */
	char repo[256];	    /* "team/probes" */
	char tag[129];	    /* "" when by digest */
	char digest[OCI_DIGEST_MAX]; /* "sha256:<hex>" or "" */
};

/* True if @text starts like a registry reference for pull (oci:// or oci+http://). */
bool oci_is_ref(const char *text);
/*
 * Parse [oci://|oci+http://]REGISTRY/REPO[:TAG|@sha256:HEX]. @need_ref: a tag or a
 * digest is required (else neither is allowed: a registry URL with its repository, as
 * `serve --registry` takes). Errors name the part that is wrong.
 */
int oci_ref_parse(const char *text, bool need_ref, struct oci_ref *out, struct eucc_error *err);
/* "oci://REGISTRY/REPO@sha256:..." or "...:TAG" (oci+http:// without TLS). */
void oci_ref_format(const struct oci_ref *ref, char *buf, size_t size);

/* ---- the client ------------------------------------------------------------------------- */

struct oci_opts {
	size_t sz;		  /* sizeof(struct oci_opts) */
	const char *cacert;	  /* PEM CA bundle for https; NULL: the host's */
	bool insecure;		  /* https without checking the certificate */
	const char *credentials;  /* "USER:PASSWORD" for Basic auth and token requests; NULL */
	unsigned int timeout_sec; /* one request; 0: 600 */
	bool progress;		  /* a progress bar on stderr for downloads */
};

struct oci_client;

/* Once per process, before threads use the module (libcurl's global init); 0 or -ENOMEM. A
 * program that already called curl_global_init (eucc-remote) need not. */
int oci_init(void);

/* A client of @ref's registry and repository (its tag and digest are not used). */
int oci_client_new(const struct oci_ref *ref, const struct oci_opts *opts, struct oci_client **out,
		   struct eucc_error *err);
void oci_client_free(struct oci_client *c);

/* Does the repository hold blob @digest ("sha256:<hex>")? */
int oci_blob_exists(struct oci_client *c, const char *digest, bool *exists, struct eucc_error *err);
/* Upload @data as blob @digest unless the registry has it (*@skipped then, may be NULL). */
int oci_blob_push(struct oci_client *c, const void *data, size_t len, const char *digest,
		  bool *skipped, struct eucc_error *err);
/* Blob @digest into memory (at most @max bytes), checked against the digest. */
int oci_blob_get(struct oci_client *c, const char *digest, size_t max, void **data, size_t *len,
		 struct eucc_error *err);
/* Blob @digest appended to @file, resuming the bytes @file already has with a Range (a
 * registry that ignores it starts the file again). Not checked: the caller hashes the file. */
int oci_blob_download(struct oci_client *c, const char *digest, const char *file,
		      struct eucc_error *err);
/* PUT the image manifest @data under @reference (a tag); its digest goes to @digest. */
int oci_manifest_put(struct oci_client *c, const char *reference, const void *data, size_t len,
		     char digest[OCI_DIGEST_MAX], struct eucc_error *err);
/* GET the image manifest @reference (a tag or a digest; at most 4 MiB) and the digest of its
 * bytes. A digest reference must match those bytes (else -EBADMSG). -ENOENT: no such one. */
int oci_manifest_get(struct oci_client *c, const char *reference, char **data, size_t *len,
		     char digest[OCI_DIGEST_MAX], struct eucc_error *err);

/* A download's progress bar on stderr, as a libcurl CURLOPT_XFERINFOFUNCTION whose
 * CURLOPT_XFERINFODATA is a struct oci_progress (last_pct -1 at the start; the bytes a resumed
 * file already had in resumed). Ends with no newline: print one if last_pct >= 0 after. */
struct oci_progress {
	curl_off_t resumed;
	int last_pct;
};
int oci_curl_progress(void *p, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
		      curl_off_t ulnow);

/* The TLS settings of the client for a libcurl handle (void *: a CURL *): the CA bundle asked
 * for, else the host's (the static build looks in the distributions' usual places). */
void oci_curl_tls(void *curl, const char *cacert, bool insecure);

/* ---- the eucc package artifact ---------------------------------------------------------- */

/* The image manifest of package @pkg (@len bytes, already verified; @manifest its
 * manifest.json): deterministic, so the same package gives the same manifest digest. */
int oci_package_manifest(const void *pkg, size_t len, const struct cJSON *manifest, char **out,
			 size_t *out_len, struct eucc_error *err);
/* Check that @data is an eucc package artifact; its layer's digest and size. */
int oci_package_layer(const char *data, size_t len, char digest[OCI_DIGEST_MAX], uint64_t *size,
		      struct eucc_error *err);
/* Push package @pkg as @tag: the empty config, the layer (each skipped if present), the
 * manifest. The manifest digest goes to @digest. */
int oci_package_push(struct oci_client *c, const char *tag, const void *pkg, size_t len,
		     char digest[OCI_DIGEST_MAX], struct eucc_error *err);

/* ---- shared cache entries ---------------------------------------------------------------- */

/* The tag of cache key @key (64 hex digits) in namespace @ns ("object", "kernel"). */
void oci_cache_tag(const char *ns, const char *key, char *buf, size_t size);
/* Store @blob with @meta (JSON text, may be NULL) under the tag of (@ns, @key). */
int oci_cache_put(struct oci_client *c, const char *ns, const char *key, const void *blob,
		  size_t len, const char *meta, struct eucc_error *err);
/* The blob and the malloc'd meta (NULL if none) of (@ns, @key); -ENOENT when not stored. */
int oci_cache_get(struct oci_client *c, const char *ns, const char *key, void **blob, size_t *len,
		  char **meta, struct eucc_error *err);

#endif
