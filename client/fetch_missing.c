/* SPDX-License-Identifier: Apache-2.0 */
/*
 * run --fetch-missing: a package that lacks this host's kernel gets it from the server that
 * made it (POST /v1/packages/{digest}/kernels, docs/api.md): the server checks the package's
 * own object for this kernel and answers with a new package, which is pulled and run.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "remote.h"

/* The package has this kernel: its release and arch, and its build id where both know it. */
static bool has_kernel(const struct pkg *pkg, const struct local_kernel *lk)
{
	const cJSON *k;

	cJSON_ArrayForEach(k, cJSON_GetObjectItem(pkg_manifest(pkg), "kernels")) {
		const char *id = json_str(k, "build_id");

		if (!strcmp(json_str(k, "release"), lk->release) &&
		    !strcmp(arch_normalize(json_str(k, "arch")) ?: "", lk->arch) &&
		    (!*id || !lk->build_id[0] || !strcmp(id, lk->build_id)))
			return true;
	}
	return false;
}

static char *request_body(const struct local_kernel *lk)
{
	cJSON *o = cJSON_CreateObject();
	char *text;

	cJSON_AddStringToObject(o, "release", lk->release);
	cJSON_AddStringToObject(o, "arch", lk->arch);
	if (lk->build_id[0])
		cJSON_AddStringToObject(o, "build_id", lk->build_id);
	if (!lk->btf_error)
		cJSON_AddStringToObject(o, "btf_sha256", lk->btf_sha256);
	text = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return text;
}

/* One ask: 0 and the new digest in @digest, or an error (code btf_needed: offer, ask again). */
static int ask(const struct remote_config *cfg, const char *hex, const char *body, char *digest,
	       size_t size, struct eucc_error *err)
{
	struct http_answer ans;
	const cJSON *cache, *kernels;
	char path[128];
	cJSON *a;
	int ret;

	snprintf(path, sizeof(path), "/v1/packages/%s/kernels", hex);
	ret = http_request(cfg, "POST", path, body, &ans, err);
	if (ret)
		return ret;
	if (ans.status != 200) {
		ret = http_error(&ans, err);
		http_answer_free(&ans);
		return ret ? ret : -EPROTO;
	}
	a = cJSON_Parse(ans.body);
	http_answer_free(&ans);
	snprintf(digest, size, "%s", json_str(cJSON_GetObjectItem(a, "package"), "digest"));
	cache = cJSON_GetObjectItem(a, "cache");
	kernels = cJSON_GetObjectItem(cache, "kernels");
	eucc_info("the server added this kernel to the package: object %s, kernel check %s",
		  json_str(cache, "object"),
		  kernels && kernels->child ? cJSON_GetStringValue(kernels->child) : "?");
	cJSON_Delete(a);
	if (strncmp(digest, "sha256:", 7) || !eucc_is_sha256_hex(digest + 7))
		return eucc_error_set(err, -EPROTO, EUCC_E_UNREACHABLE,
				      "the server's answer names no package");
	return 0;
}

int fetch_missing_kernel(const struct remote_config *cfg, const char *path, const struct pkg *pkg,
			 char *out, size_t size, struct eucc_error *err)
{
	char hex[EUCC_SHA256_HEX], digest[96];
	struct local_kernel lk;
	void *data;
	size_t len;
	char *body;
	int ret;

	local_kernel_identify(&lk, NULL, NULL);
	if (has_kernel(pkg, &lk))
		return 1;
	ret = fs_read_file(path, PKG_MAX_SIZE, &data, &len);
	if (ret)
		return eucc_error_set(err, ret, EUCC_E_IO, "cannot read %s: %s", path,
				      strerror(-ret));
	eucc_sha256_hex(data, len, hex);
	free(data);
	if (!cfg->quiet)
		fprintf(stderr,
			"eucc-remote: this package lacks this host's kernel %s%s%s; asking %s to "
			"add it\n",
			lk.release, lk.build_id[0] ? ", build id " : "", lk.build_id, cfg->server);
	body = request_body(&lk);
	if (!body)
		return eucc_error_set(err, -ENOMEM, EUCC_E_INTERNAL, "out of memory");
	ret = ask(cfg, hex, body, digest, sizeof(digest), err);
	if (ret && err->code == EUCC_E_BTF_NEEDED) {
		eucc_error_clear(err);
		ret = local_kernel_offer(cfg, cfg->quiet, err);
		if (!ret)
			ret = ask(cfg, hex, body, digest, sizeof(digest), err);
	}
	free(body);
	if (ret && err->code == EUCC_E_UNREACHABLE)
		eucc_error_hint(err, "without the server, run it with this kernel's BTF: "
				     "eucc-remote run PKG --btf PATH");
	return ret ? ret : pull_cached(cfg, digest, out, size, err);
}
