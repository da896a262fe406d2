/* SPDX-License-Identifier: Apache-2.0 */
/* Blobs and manifests of one repository (distribution spec: HEAD, POST+PUT uploads, GET). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "oci_internal.h"

#define MANIFEST_MAX ((size_t)4 << 20)

static bool digest_ok(const char *d)
{
	return d && !strncmp(d, "sha256:", 7) && eucc_is_sha256_hex(d + 7);
}

static void digest_of(const void *data, size_t len, char out[OCI_DIGEST_MAX])
{
	char hex[EUCC_SHA256_HEX];

	eucc_sha256_hex(data, len, hex);
	snprintf(out, OCI_DIGEST_MAX, "sha256:%s", hex);
}

int oci_blob_exists(struct oci_client *c, const char *digest, bool *exists, struct eucc_error *err)
{
	struct oci_answer ans;
	char path[128];
	int ret;

	if (!digest_ok(digest))
		return eucc_error_set(err, -EINVAL, EUCC_E_INTERNAL, "bad blob digest");
	snprintf(path, sizeof(path), "/blobs/%s", digest);
	ret = oci_perform(c, &(struct oci_request){.method = "HEAD", .url = path}, &ans, err);
	if (ret)
		return ret;
	*exists = ans.status == 200;
	if (ans.status != 200 && ans.status != 404)
		ret = oci_status_error(c, "checking a blob", &ans, err);
	oci_answer_free(&ans);
	return ret;
}

/* The upload URL with ?digest= (or &digest= after the registry's own query). */
static void put_url(const char *location, const char *digest, char *out, size_t size)
{
	snprintf(out, size, "%s%sdigest=%s", location, strchr(location, '?') ? "&" : "?", digest);
}

int oci_blob_push(struct oci_client *c, const void *data, size_t len, const char *digest,
		  bool *skipped, struct eucc_error *err)
{
	char url[2200], location[2048];
	struct oci_answer ans;
	bool exists = false;
	int ret;

	ret = oci_blob_exists(c, digest, &exists, err);
	if (skipped)
		*skipped = exists;
	if (ret || exists)
		return ret;
	ret = oci_perform(c, &(struct oci_request){.method = "POST", .url = "/blobs/uploads/"},
			  &ans, err);
	if (ret)
		return ret;
	if (ans.status != 202 || !ans.location[0]) {
		ret = oci_status_error(c, "starting a blob upload", &ans, err);
		oci_answer_free(&ans);
		return ret;
	}
	snprintf(location, sizeof(location), "%s", ans.location);
	oci_answer_free(&ans);
	put_url(location, digest, url, sizeof(url));
	ret = oci_perform(c,
			  &(struct oci_request){.method = "PUT",
						.url = url,
						.content_type = "application/octet-stream",
						.body = data,
						.len = len},
			  &ans, err);
	if (!ret && ans.status != 201)
		ret = oci_status_error(c, "uploading a blob", &ans, err);
	oci_answer_free(&ans);
	return ret;
}

int oci_blob_get(struct oci_client *c, const char *digest, size_t max, void **data, size_t *len,
		 struct eucc_error *err)
{
	char path[128], got[OCI_DIGEST_MAX];
	struct oci_answer ans;
	int ret;

	if (!digest_ok(digest))
		return eucc_error_set(err, -EINVAL, EUCC_E_INTERNAL, "bad blob digest");
	snprintf(path, sizeof(path), "/blobs/%s", digest);
	ret = oci_perform(c, &(struct oci_request){.method = "GET", .url = path, .max = max}, &ans,
			  err);
	if (ret)
		return ret;
	if (ans.status != 200) {
		ret = oci_status_error(c, "fetching a blob", &ans, err);
		oci_answer_free(&ans);
		return ret;
	}
	digest_of(ans.body ? ans.body : "", ans.size, got);
	if (strcmp(got, digest)) {
		oci_answer_free(&ans);
		return eucc_error_set(
		    err, -EBADMSG, EUCC_E_BAD_PACKAGE,
		    "the registry %s sent blob %.19s... with the wrong bytes (they "
		    "hash to %.19s...)",
		    c->ref.registry, digest, got);
	}
	*data = ans.body ? ans.body : calloc(1, 1);
	*len = ans.size;
	return *data ? 0 : eucc_error_set(err, -ENOMEM, EUCC_E_INTERNAL, "out of memory");
}

int oci_blob_download(struct oci_client *c, const char *digest, const char *file,
		      struct eucc_error *err)
{
	struct oci_request rq = {.method = "GET"};
	struct oci_answer ans;
	char path[128];
	struct stat st;
	int ret;

	if (!digest_ok(digest))
		return eucc_error_set(err, -EINVAL, EUCC_E_INTERNAL, "bad blob digest");
	snprintf(path, sizeof(path), "/blobs/%s", digest);
	rq.url = path;
	if (!stat(file, &st))
		rq.resume = st.st_size;
	rq.file = fopen(file, "ab");
	if (!rq.file)
		return eucc_error_set(err, -errno, EUCC_E_IO, "cannot write %s: %s", file,
				      strerror(errno));
	ret = oci_perform(c, &rq, &ans, err);
	if (fclose(rq.file) && !ret)
		ret = eucc_error_set(err, -EIO, EUCC_E_IO, "cannot write %s", file);
	if (!ret && ans.status != 200 && ans.status != 206 && ans.status != 416)
		ret = oci_status_error(c, "fetching the package", &ans, err);
	if (!ret && ans.restarted)
		eucc_info("the registry ignored the range: %s was fetched again from the start",
			  file);
	oci_answer_free(&ans);
	return ret;
}

int oci_manifest_put(struct oci_client *c, const char *reference, const void *data, size_t len,
		     char digest[OCI_DIGEST_MAX], struct eucc_error *err)
{
	struct oci_answer ans;
	char path[256];
	int ret;

	digest_of(data, len, digest);
	snprintf(path, sizeof(path), "/manifests/%s", reference);
	ret = oci_perform(c,
			  &(struct oci_request){.method = "PUT",
						.url = path,
						.content_type = OCI_MANIFEST_TYPE,
						.body = data,
						.len = len},
			  &ans, err);
	if (!ret && ans.status != 201)
		ret = oci_status_error(c, "storing the manifest", &ans, err);
	if (!ret && ans.digest[0] && strcmp(ans.digest, digest))
		ret = eucc_error_set(err, -EBADMSG, EUCC_E_SERVER_ERROR,
				     "the registry %s stored the manifest as %s, not as %s",
				     c->ref.registry, ans.digest, digest);
	oci_answer_free(&ans);
	return ret;
}

int oci_manifest_get(struct oci_client *c, const char *reference, char **data, size_t *len,
		     char digest[OCI_DIGEST_MAX], struct eucc_error *err)
{
	struct oci_answer ans;
	char path[256];
	int ret;

	snprintf(path, sizeof(path), "/manifests/%s", reference);
	ret = oci_perform(
	    c,
	    &(struct oci_request){
		.method = "GET", .url = path, .accept = OCI_MANIFEST_TYPE, .max = MANIFEST_MAX},
	    &ans, err);
	if (ret)
		return ret;
	if (ans.status != 200) {
		ret = oci_status_error(c, "fetching the manifest", &ans, err);
		oci_answer_free(&ans);
		return ret;
	}
	digest_of(ans.body ? ans.body : "", ans.size, digest);
	if (!strncmp(reference, "sha256:", 7) && strcmp(reference, digest)) {
		eucc_error_set(err, -EBADMSG, EUCC_E_BAD_PACKAGE,
			       "the registry %s sent a manifest that hashes to %.19s..., not to "
			       "the pinned %.19s...",
			       c->ref.registry, digest, reference);
		eucc_error_hint(err, "the registry (or something on the way) altered it: do not "
				     "use it");
		oci_answer_free(&ans);
		return -EBADMSG;
	}
	*data = ans.body;
	*len = ans.size;
	if (!*data)
		return eucc_error_set(err, -EBADMSG, EUCC_E_SERVER_ERROR,
				      "the registry %s sent an empty manifest", c->ref.registry);
	return 0;
}
