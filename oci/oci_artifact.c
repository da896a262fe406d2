/* SPDX-License-Identifier: Apache-2.0 */
/* What eucc keeps in a registry: packages (one layer, the empty config, annotations) and the
 * cache entries replicas share (a blob and its metadata under a tag derived from the key). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "oci_internal.h"

/* The empty config of the image spec 1.1: "{}" (its digest is fixed). */
static const char empty_config[] = "{}";
#define EMPTY_DIGEST	"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"
#define META_ANNOTATION "dev.eucc.cache.meta"

static cJSON *descriptor(const char *media_type, const char *digest, uint64_t size)
{
	cJSON *d = cJSON_CreateObject();

	cJSON_AddStringToObject(d, "mediaType", media_type);
	cJSON_AddStringToObject(d, "digest", digest);
	cJSON_AddNumberToObject(d, "size", (double)size);
	return d;
}

/* An image manifest of @artifact_type with the empty config and one layer. */
static cJSON *manifest_new(const char *artifact_type, const char *layer_type,
			   const char *layer_digest, uint64_t size, cJSON **layer)
{
	cJSON *m = cJSON_CreateObject(), *cfg, *layers;

	cJSON_AddNumberToObject(m, "schemaVersion", 2);
	cJSON_AddStringToObject(m, "mediaType", OCI_MANIFEST_TYPE);
	cJSON_AddStringToObject(m, "artifactType", artifact_type);
	cfg = descriptor(OCI_EMPTY_TYPE, EMPTY_DIGEST, 2);
	cJSON_AddStringToObject(cfg, "data", "e30=");
	cJSON_AddItemToObject(m, "config", cfg);
	layers = cJSON_AddArrayToObject(m, "layers");
	*layer = descriptor(layer_type, layer_digest, size);
	cJSON_AddItemToArray(layers, *layer);
	return m;
}

static int manifest_text(cJSON *m, char **out, size_t *len, struct eucc_error *err)
{
	*out = cJSON_PrintUnformatted(m);
	cJSON_Delete(m);
	if (!*out)
		return eucc_error_set(err, -ENOMEM, EUCC_E_INTERNAL, "out of memory");
	*len = strlen(*out);
	return 0;
}

/* "5.10.0-32-cloud-amd64,6.1.0-47-cloud-amd64" and "...=ok,...=warning" */
static void kernel_lists(const cJSON *manifest, char **releases, char **statuses)
{
	const cJSON *k;
	size_t rn = 1, sn = 1;

	cJSON_ArrayForEach(k, cJSON_GetObjectItem(manifest, "kernels")) {
		rn += strlen(json_str(k, "release")) + 1;
		sn += strlen(json_str(k, "release")) + strlen(json_str(k, "status")) + 2;
	}
	*releases = calloc(1, rn);
	*statuses = calloc(1, sn);
	if (!*releases || !*statuses)
		return;
	cJSON_ArrayForEach(k, cJSON_GetObjectItem(manifest, "kernels")) {
		const char *sep = (*releases)[0] ? "," : "";

		sprintf(*releases + strlen(*releases), "%s%s", sep, json_str(k, "release"));
		sprintf(*statuses + strlen(*statuses), "%s%s=%s", sep, json_str(k, "release"),
			json_str(k, "status"));
	}
}

int oci_package_manifest(const void *pkg, size_t len, const struct cJSON *manifest, char **out,
			 size_t *out_len, struct eucc_error *err)
{
	char hex[EUCC_SHA256_HEX], digest[OCI_DIGEST_MAX], title[160], *rel = NULL, *st = NULL;
	const char *name = json_str(manifest, "name");
	cJSON *m, *layer, *la, *a;

	eucc_sha256_hex(pkg, len, hex);
	snprintf(digest, sizeof(digest), "sha256:%s", hex);
	snprintf(title, sizeof(title), "%s.eucc", name[0] ? name : "package");
	m = manifest_new(OCI_PACKAGE_TYPE, OCI_PACKAGE_LAYER_TYPE, digest, len, &layer);
	la = cJSON_AddObjectToObject(layer, "annotations");
	cJSON_AddStringToObject(la, "org.opencontainers.image.title", title);
	kernel_lists(manifest, &rel, &st);
	a = cJSON_AddObjectToObject(m, "annotations");
	cJSON_AddStringToObject(a, "org.opencontainers.image.title", name);
	cJSON_AddStringToObject(a, "dev.eucc.package.name", name);
	cJSON_AddStringToObject(a, "dev.eucc.package.arch", json_str(manifest, "arch"));
	cJSON_AddStringToObject(a, "dev.eucc.package.kernels", rel ? rel : "");
	cJSON_AddStringToObject(a, "dev.eucc.package.statuses", st ? st : "");
	snprintf(title, sizeof(title), "%.0f", json_num(manifest, "format"));
	cJSON_AddStringToObject(a, "dev.eucc.package.format", title);
	free(rel);
	free(st);
	return manifest_text(m, out, out_len, err);
}

/* The one layer of an artifact of @type with layers of @layer_type (its descriptor). */
static const cJSON *artifact_layer(const cJSON *m, const char *type, const char *layer_type,
				   struct eucc_error *err)
{
	const cJSON *layers = cJSON_GetObjectItem(m, "layers"), *l = cJSON_GetArrayItem(layers, 0);
	const char *d = json_str(l, "digest");

	if (!m || strcmp(json_str(m, "mediaType"), OCI_MANIFEST_TYPE)) {
		eucc_error_set(err, -EBADMSG, EUCC_E_BAD_PACKAGE,
			       "the registry's manifest is not an OCI image manifest (%s)",
			       m ? json_str(m, "mediaType") : "not JSON");
		return NULL;
	}
	if (strcmp(json_str(m, "artifactType"), type)) {
		eucc_error_set(err, -EBADMSG, EUCC_E_BAD_PACKAGE,
			       "the artifact is of type '%s', not an eucc package (%s)",
			       json_str(m, "artifactType"), type);
		eucc_error_hint(err, "name an artifact that `eucc-remote push` stored");
		return NULL;
	}
	if (cJSON_GetArraySize(layers) != 1 || strcmp(json_str(l, "mediaType"), layer_type) ||
	    strncmp(d, "sha256:", 7) || !eucc_is_sha256_hex(d + 7) || json_num(l, "size") < 0) {
		eucc_error_set(err, -EBADMSG, EUCC_E_BAD_PACKAGE,
			       "the artifact does not have the one %s layer with a sha256 digest "
			       "it should have",
			       layer_type);
		return NULL;
	}
	return l;
}

int oci_package_layer(const char *data, size_t len, char digest[OCI_DIGEST_MAX], uint64_t *size,
		      struct eucc_error *err)
{
	cJSON *m = cJSON_ParseWithLength(data, len);
	const cJSON *l = artifact_layer(m, OCI_PACKAGE_TYPE, OCI_PACKAGE_LAYER_TYPE, err);

	if (l && json_num(l, "size") > (double)PKG_MAX_SIZE) {
		eucc_error_set(err, -EFBIG, EUCC_E_TOO_LARGE,
			       "the package layer is %.0f bytes, more than a package may be",
			       json_num(l, "size"));
		l = NULL;
	}
	if (l) {
		snprintf(digest, OCI_DIGEST_MAX, "%s", json_str(l, "digest"));
		*size = (uint64_t)json_num(l, "size");
	}
	cJSON_Delete(m);
	return l ? 0 : err->err;
}

/* The config, the layer and the manifest (text @m) under @tag. */
static int push_artifact(struct oci_client *c, const char *tag, const void *blob, size_t len,
			 char *m, size_t mlen, char digest[OCI_DIGEST_MAX], struct eucc_error *err)
{
	char hex[EUCC_SHA256_HEX], layer[OCI_DIGEST_MAX];
	int ret;

	eucc_sha256_hex(blob, len, hex);
	snprintf(layer, sizeof(layer), "sha256:%s", hex);
	ret = oci_blob_push(c, empty_config, 2, EMPTY_DIGEST, NULL, err);
	if (!ret)
		ret = oci_blob_push(c, blob, len, layer, NULL, err);
	if (!ret)
		ret = oci_manifest_put(c, tag, m, mlen, digest, err);
	return ret;
}

int oci_package_push(struct oci_client *c, const char *tag, const void *pkg, size_t len,
		     char digest[OCI_DIGEST_MAX], struct eucc_error *err)
{
	struct pkg *p;
	size_t mlen = 0;
	char *m;
	int ret;

	ret = pkg_open(pkg, len, &p, err);
	if (ret)
		return ret;
	ret = oci_package_manifest(pkg, len, pkg_manifest(p), &m, &mlen, err);
	pkg_close(p);
	if (ret)
		return ret;
	ret = push_artifact(c, tag, pkg, len, m, mlen, digest, err);
	free(m);
	return ret;
}

/* ---- cache entries ------------------------------------------------------------------------ */

void oci_cache_tag(const char *ns, const char *key, char *buf, size_t size)
{
	snprintf(buf, size, "%s-%s", ns, key);
}

int oci_cache_put(struct oci_client *c, const char *ns, const char *key, const void *blob,
		  size_t len, const char *meta, struct eucc_error *err)
{
	char hex[EUCC_SHA256_HEX], digest[OCI_DIGEST_MAX], tag[160], *text;
	cJSON *m, *layer, *a;
	size_t mlen = 0;
	int ret;

	eucc_sha256_hex(blob, len, hex);
	snprintf(digest, sizeof(digest), "sha256:%s", hex);
	oci_cache_tag(ns, key, tag, sizeof(tag));
	m = manifest_new(OCI_CACHE_TYPE, OCI_CACHE_LAYER_TYPE, digest, len, &layer);
	a = cJSON_AddObjectToObject(m, "annotations");
	cJSON_AddStringToObject(a, "dev.eucc.cache.ns", ns);
	cJSON_AddStringToObject(a, "dev.eucc.cache.key", key);
	if (meta)
		cJSON_AddStringToObject(a, META_ANNOTATION, meta);
	ret = manifest_text(m, &text, &mlen, err);
	if (ret)
		return ret;
	ret = push_artifact(c, tag, blob, len, text, mlen, digest, err);
	free(text);
	return ret;
}

int oci_cache_get(struct oci_client *c, const char *ns, const char *key, void **blob, size_t *len,
		  char **meta, struct eucc_error *err)
{
	char digest[OCI_DIGEST_MAX], tag[160], *text;
	const cJSON *l, *a;
	size_t tlen;
	cJSON *m;
	int ret;

	*meta = NULL;
	oci_cache_tag(ns, key, tag, sizeof(tag));
	ret = oci_manifest_get(c, tag, &text, &tlen, digest, err);
	if (ret)
		return ret;
	m = cJSON_ParseWithLength(text, tlen);
	free(text);
	l = artifact_layer(m, OCI_CACHE_TYPE, OCI_CACHE_LAYER_TYPE, err);
	a = cJSON_GetObjectItem(m, "annotations");
	if (!l || strcmp(json_str(a, "dev.eucc.cache.key"), key) ||
	    strcmp(json_str(a, "dev.eucc.cache.ns"), ns)) {
		cJSON_Delete(m);
		return eucc_error_set(
		    err, -EBADMSG, EUCC_E_CACHE,
		    "the registry's entry %s is not the eucc cache entry it names", tag);
	}
	ret = oci_blob_get(c, json_str(l, "digest"), PKG_MAX_SIZE, blob, len, err);
	if (!ret && cJSON_IsString(cJSON_GetObjectItem(a, META_ANNOTATION))) {
		*meta = strdup(json_str(a, META_ANNOTATION));
		if (!*meta) {
			free(*blob);
			ret = eucc_error_set(err, -ENOMEM, EUCC_E_INTERNAL, "out of memory");
		}
	}
	cJSON_Delete(m);
	return ret;
}
