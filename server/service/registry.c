/* SPDX-License-Identifier: Apache-2.0 */
/* Replicas that share: cache entries looked up in, and pushed to, an OCI registry. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "oci.h"
#include "service.h"

/* http(s)://HOST[:PORT][/REPO] as a registry reference (oci+http:// or oci://); the
 * repository defaults to eucc/cache. */
static int registry_ref(const char *url, struct oci_ref *ref, struct eucc_error *err)
{
	const char *rest = url, *scheme = "oci://";
	char text[1100];

	if (!strncmp(url, "http://", 7))
		rest = url + 7, scheme = "oci+http://";
	else if (!strncmp(url, "https://", 8))
		rest = url + 8;
	else if (!strncmp(url, "oci+http://", 11))
		rest = url + 11, scheme = "oci+http://";
	else if (!strncmp(url, "oci://", 6))
		rest = url + 6;
	else if (strstr(url, "://")) {
		eucc_error_set(err, -EINVAL, EUCC_E_USAGE,
			       "--registry '%s': the scheme is not http:// or https://", url);
		eucc_error_hint(err, "--registry takes http(s)://HOST[:PORT][/REPO]");
		return -EINVAL;
	}
	snprintf(text, sizeof(text), "%s%.*s%s", scheme, (int)strcspn(rest, "?#"), rest,
		 strchr(rest, '/') && strchr(rest, '/')[1] ? "" : "/eucc/cache");
	/* "HOST/" ends in a slash: the default repository */
	if (text[strlen(text) - 1] == '/')
		snprintf(text + strlen(text) - 1, sizeof(text) - strlen(text) + 1, "/eucc/cache");
	if (oci_ref_parse(text, false, ref, err)) {
		eucc_error_hint(err, "--registry takes http(s)://HOST[:PORT][/REPO] (REPO: "
				     "lowercase, default eucc/cache)");
		return -EINVAL;
	}
	return 0;
}

int registry_open(struct service *s, struct eucc_error *err)
{
	struct oci_opts o = {.sz = sizeof(o),
			     .cacert = s->opts.registry_cacert,
			     .credentials = s->opts.registry_credentials,
			     .timeout_sec = 60};
	struct oci_ref ref;
	int ret;

	if (!s->opts.registry)
		return 0;
	if (oci_init())
		return eucc_error_set(err, -ENOMEM, EUCC_E_INTERNAL, "cannot start libcurl");
	ret = registry_ref(s->opts.registry, &ref, err);
	if (!ret)
		ret = oci_client_new(&ref, &o, &s->registry, err);
	if (!ret)
		eucc_info("sharing compiled results through %s%s/%s",
			  ref.plain_http ? "http://" : "https://", ref.registry, ref.repo);
	return ret;
}

void registry_close(struct service *s)
{
	oci_client_free(s->registry);
	s->registry = NULL;
}

bool registry_fetch(struct service *s, const char *ns, const char *key)
{
	struct eucc_error err = {0};
	char digest[EUCC_SHA256_HEX], *meta = NULL;
	void *blob = NULL;
	size_t len = 0;
	int ret;

	if (!s->registry)
		return false;
	ret = oci_cache_get(s->registry, ns, key, &blob, &len, &meta, &err);
	if (ret == -ENOENT) {
		atomic_fetch_add(&s->metrics.registry_misses, 1);
		return false;
	}
	if (ret) {
		atomic_fetch_add(&s->metrics.registry_errors, 1);
		eucc_warn("registry: cannot look up %s %.12s: %s", ns, key, err.message);
		return false;
	}
	ret = cache_blob_put(s->cache, blob, len, digest);
	if (!ret)
		ret = cache_key_put(s->cache, ns, key, digest, meta);
	free(blob);
	free(meta);
	if (ret) {
		eucc_warn("registry: cannot keep %s %.12s in the cache: %s", ns, key,
			  strerror(-ret));
		return false;
	}
	atomic_fetch_add(&s->metrics.registry_hits, 1);
	return true;
}

bool registry_push(struct service *s, const char *ns, const char *key, const void *blob, size_t len,
		   const char *meta)
{
	struct eucc_error err = {0};

	if (!s->registry)
		return false;
	if (oci_cache_put(s->registry, ns, key, blob, len, meta, &err)) {
		atomic_fetch_add(&s->metrics.registry_errors, 1);
		eucc_warn("registry: cannot push %s %.12s: %s", ns, key, err.message);
		return false;
	}
	atomic_fetch_add(&s->metrics.registry_pushes, 1);
	return true;
}
