/* SPDX-License-Identifier: Apache-2.0 */
/* The read-only endpoints: kernels, definitions, BTF, artifacts, info, metrics. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/btf.h>
#include <cjson/cJSON.h>
#include <microhttpd.h>

#include "serve.h"

static const char *query(struct request_state *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
}

cJSON *kernel_to_json(const struct btf_kernel *k)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "release", k->release);
	cJSON_AddStringToObject(o, "distro", k->distro);
	cJSON_AddStringToObject(o, "version", k->version);
	cJSON_AddStringToObject(o, "arch", k->arch);
	cJSON_AddStringToObject(o, "sha256", k->sha256);
	cJSON_AddNumberToObject(o, "size", (double)k->size);
	cJSON_AddNumberToObject(o, "types", (double)k->types);
	cJSON_AddNumberToObject(o, "funcs", (double)k->funcs);
	cJSON_AddStringToObject(o, "source", k->source);
	cJSON_AddNumberToObject(o, "imported_at", (double)k->imported_at);
	return o;
}

static int bad_arch(struct request_state *r, const char *arch)
{
	char msg[160];

	snprintf(msg, sizeof(msg), "unknown architecture '%.64s'", arch);
	return http_reply_error(r, MHD_HTTP_BAD_REQUEST, "bad_request", msg,
				"use x86_64, arm64, s390x, ppc64le or riscv64");
}

int api_kernels(struct request_state *r)
{
	const char *spec = query(r, "match"), *arch = query(r, "arch");
	struct eucc_error err = {0};
	struct btf_kernel *ks = NULL;
	size_t n = 0;
	cJSON *o, *arr;

	if (arch && !arch_normalize(arch))
		return bad_arch(r, arch);
	if (spec && !strcmp(spec, "local"))
		return http_reply_error(
		    r, MHD_HTTP_BAD_REQUEST, "bad_request",
		    "'local' is the client's kernel, which the server cannot know",
		    "send its release (uname -r); eucc-remote does that");
	if (btf_store_match(r->server->store, spec, arch, &ks, &n, &err))
		return http_reply_eucc_error(r, MHD_HTTP_BAD_REQUEST, &err);
	if (n == 0 && spec && *spec) {
		free(ks);
		btf_store_explain_miss(r->server->store, spec, arch ? arch_normalize(arch) : NULL,
				       &err);
		return http_reply_eucc_error(r, MHD_HTTP_NOT_FOUND, &err);
	}
	o = cJSON_CreateObject();
	arr = cJSON_AddArrayToObject(o, "kernels");
	for (size_t i = 0; i < n; i++)
		cJSON_AddItemToArray(arr, kernel_to_json(&ks[i]));
	free(ks);
	return http_reply_json(r, MHD_HTTP_OK, o);
}

int api_kernel_def(struct request_state *r, const char *release, const char *what, const char *name)
{
	const char *arch = query(r, "arch");
	bool type = !strcmp(what, "types");
	struct eucc_error err = {0};
	struct kernel_entry *e;
	struct btf_kernel k;
	char *text = NULL;
	size_t len = 0;
	FILE *mem;
	int ret;

	if (arch && !arch_normalize(arch))
		return bad_arch(r, arch);
	if (btf_store_get(r->server->store, release, arch ? arch_normalize(arch) : NULL, &k, &err))
		return http_reply_eucc_error(
		    r, err.err == -ENOENT ? MHD_HTTP_NOT_FOUND : MHD_HTTP_BAD_REQUEST, &err);
	if (kernel_cache_get(&r->server->kernels, r->server->store, &k, &e, &err))
		return http_reply_eucc_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, &err);
	mem = open_memstream(&text, &len);
	ret = type ? btf_header_print_type(e->btf, name, mem, &err)
		   : btf_header_print_func(e->btf, name, mem, &err);
	fclose(mem);
	kernel_cache_put(&r->server->kernels, e);
	if (ret) {
		free(text);
		return http_reply_eucc_error(r, MHD_HTTP_NOT_FOUND, &err);
	}
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "release", k.release);
	cJSON_AddStringToObject(o, "arch", k.arch);
	cJSON_AddStringToObject(o, type ? "type" : "func", name);
	cJSON_AddStringToObject(o, "definition", text);
	free(text);
	return http_reply_json(r, MHD_HTTP_OK, o);
}

int api_info(struct request_state *r)
{
	cJSON *o = cJSON_CreateObject();
	struct btf_kernel *ks = NULL;
	size_t n = 0;

	btf_store_match(r->server->store, NULL, NULL, &ks, &n, NULL);
	free(ks);
	cJSON_AddStringToObject(o, "api", "v1");
	cJSON_AddStringToObject(o, "server", EUCC_VERSION);
	cJSON_AddStringToObject(o, "pipeline", EUCC_PIPELINE_VERSION);
	cJSON_AddStringToObject(o, "clang", compile_clang_version());
	cJSON_AddStringToObject(o, "libbpf", r->server->libbpf_version);
	cJSON_AddNumberToObject(o, "kernels", (double)n);
	cJSON_AddBoolToObject(o, "btf_upload", r->server->opts.allow_btf_upload);
	cJSON_AddBoolToObject(o, "auth", r->server->auth_required);
	return http_reply_json(r, MHD_HTTP_OK, o);
}

int api_metrics(struct request_state *r)
{
	char *text = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&text, &len);
	int ret;

	if (!mem)
		return MHD_NO;
	metrics_format(&r->server->metrics, mem);
	fclose(mem);
	ret = http_reply_text(r, MHD_HTTP_OK, "text/plain; version=0.0.4", text, len);
	free(text);
	return ret;
}
