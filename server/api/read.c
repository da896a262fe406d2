/* SPDX-License-Identifier: Apache-2.0 */
/* The read-only endpoints: kernels, definitions, info, metrics. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <microhttpd.h>

#include "api.h"

static const char *query(struct request_state *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
}

/* ?arch=A, normalized; false (and the answer sent) if it names no architecture. */
static bool query_arch(struct request_state *r, const char **arch, int *ret)
{
	const char *a = query(r, "arch");
	struct eucc_error err;

	*arch = a ? arch_normalize(a) : NULL;
	if (!a || *arch)
		return true;
	eucc_error_set(&err, -EINVAL, EUCC_E_BAD_REQUEST, "unknown architecture '%.64s'", a);
	eucc_error_hint(&err, "use x86_64, arm64, s390x, ppc64le or riscv64");
	*ret = reply_error(r, &err);
	return false;
}

int api_kernels(struct request_state *r)
{
	struct btf_store *store = r->server->svc.store;
	const char *spec = query(r, "match"), *arch;
	struct eucc_error err = {0};
	struct btf_kernel *ks = NULL;
	size_t n = 0;
	cJSON *o, *arr;
	int ret;

	if (!query_arch(r, &arch, &ret))
		return ret;
	if (spec && !strcmp(spec, "local")) {
		eucc_error_set(&err, -EINVAL, EUCC_E_BAD_REQUEST,
			       "'local' is the client's kernel, which the server cannot know");
		eucc_error_hint(&err, "send its release (uname -r); eucc-remote does that");
		return reply_error(r, &err);
	}
	if (btf_store_match(store, spec, arch, &ks, &n, &err))
		return reply_error(r, &err);
	if (n == 0 && spec && *spec) {
		free(ks);
		btf_store_explain_miss(store, spec, arch, &err);
		return reply_error(r, &err);
	}
	o = cJSON_CreateObject();
	arr = cJSON_AddArrayToObject(o, "kernels");
	for (size_t i = 0; i < n; i++)
		cJSON_AddItemToArray(arr, btf_kernel_json(&ks[i], true));
	free(ks);
	return reply_json(r, MHD_HTTP_OK, o);
}

int api_kernel_def(struct request_state *r)
{
	const char *release = r->route.args[0], *name = r->route.args[2], *arch;
	bool type = !strcmp(r->route.args[1], "types");
	struct eucc_error err = {0};
	struct btf_kernel k;
	char *text;
	cJSON *o;
	int ret;

	if (!query_arch(r, &arch, &ret))
		return ret;
	if (service_kernel_def(&r->server->svc, release, arch, type, name, &k, &text, &err))
		return reply_error(r, &err);
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "release", k.release);
	cJSON_AddStringToObject(o, "arch", k.arch);
	cJSON_AddStringToObject(o, type ? "type" : "func", name);
	cJSON_AddStringToObject(o, "definition", text);
	free(text);
	return reply_json(r, MHD_HTTP_OK, o);
}

int api_info(struct request_state *r)
{
	return reply_json(r, MHD_HTTP_OK, service_info(&r->server->svc));
}

/* Requests by endpoint and exact status, and their latency, beside the service's metrics. */
static void http_metrics(const struct api_metrics *m, struct http_guard *g, FILE *out)
{
	char labels[64];

	fprintf(out, "# HELP eucc_http_requests_total HTTP requests answered.\n"
		     "# TYPE eucc_http_requests_total counter\n");
	for (int ep = 0; ep < EP_COUNT; ep++)
		for (int c = 100; c < 600; c++) {
			unsigned long v = atomic_load(&m->requests[ep][c]);

			if (v)
				fprintf(
				    out,
				    "eucc_http_requests_total{endpoint=\"%s\",code=\"%d\"} %lu\n",
				    api_endpoint_name(ep), c, v);
		}
	fprintf(out, "# HELP eucc_http_request_duration_seconds Time from a request's first "
		     "byte to its answer.\n"
		     "# TYPE eucc_http_request_duration_seconds histogram\n");
	for (int ep = 0; ep < EP_COUNT; ep++) {
		if (!atomic_load(&m->latency[ep].count))
			continue;
		snprintf(labels, sizeof(labels), "endpoint=\"%s\"", api_endpoint_name(ep));
		histogram_format(&m->latency[ep], out, "eucc_http_request_duration_seconds",
				 labels);
	}
	fprintf(out,
		"# HELP eucc_http_timeouts_total Connections closed for sending their headers or "
		"body too slowly.\n"
		"# TYPE eucc_http_timeouts_total counter\n"
		"eucc_http_timeouts_total{phase=\"headers\"} %lu\n"
		"eucc_http_timeouts_total{phase=\"body\"} %lu\n"
		"# HELP eucc_http_connections Open client connections.\n"
		"# TYPE eucc_http_connections gauge\n"
		"eucc_http_connections %lu\n",
		atomic_load(&g->timed_out[GUARD_HEADERS]), atomic_load(&g->timed_out[GUARD_BODY]),
		guard_open(g));
	fprintf(out,
		"# HELP eucc_artifact_bytes_sent_total Artifact bytes served.\n"
		"# TYPE eucc_artifact_bytes_sent_total counter\n"
		"eucc_artifact_bytes_sent_total %lu\n",
		atomic_load(&m->bytes_sent));
}

int api_metrics(struct request_state *r)
{
	char *text = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&text, &len);
	int ret;

	if (!mem)
		return MHD_NO;
	http_metrics(&r->server->metrics, &r->server->guard, mem);
	service_metrics_format(&r->server->svc, mem);
	fclose(mem);
	ret = reply_text(r, MHD_HTTP_OK, "text/plain; version=0.0.4", text, len);
	free(text);
	return ret;
}
