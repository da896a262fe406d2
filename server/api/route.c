/* SPDX-License-Identifier: Apache-2.0 */
/* Which endpoint a request is for, which methods it takes, which scope it needs. */
#include <string.h>

#include "api.h"

static const char *const names[EP_COUNT] = {
    [EP_COMPILE] = "compile",
    [EP_ARTIFACT] = "artifact",
    [EP_KERNELS] = "kernels",
    [EP_KERNEL_DEF] = "kernel_def",
    [EP_BTF] = "btf",
    [EP_BTF_UPLOAD] = "btf_upload",
    [EP_PACKAGE_KERNELS] = "package_kernels",
    [EP_INFO] = "info",
    [EP_HEALTH] = "healthz",
    [EP_METRICS] = "metrics",
    [EP_INDEX] = "index",
    [EP_OTHER] = "other",
};

const char *api_endpoint_name(enum api_endpoint ep)
{
	return (unsigned int)ep < EP_COUNT ? names[ep] : "other";
}

/* Split "/v1/kernels/R/types/N" into at most @max segments (in @buf); -1 if more. */
static int split_path(const char *url, char *buf, size_t size, char **seg, int max)
{
	char *save = NULL;
	int n = 0;

	snprintf(buf, size, "%s", url);
	for (char *p = strtok_r(buf, "/", &save); p; p = strtok_r(NULL, "/", &save)) {
		if (n == max)
			return -1;
		seg[n++] = p;
	}
	return n;
}

static enum api_endpoint endpoint_of(int n, char **seg)
{
	if (n == 1 && !strcmp(seg[0], "healthz"))
		return EP_HEALTH;
	if (n == 1 && !strcmp(seg[0], "metrics"))
		return EP_METRICS;
	if (n < 2 || strcmp(seg[0], "v1"))
		return EP_OTHER;
	if (!strcmp(seg[1], "compile") && n == 2)
		return EP_COMPILE;
	if (!strcmp(seg[1], "artifacts") && n == 3)
		return EP_ARTIFACT;
	if (!strcmp(seg[1], "kernels") && n == 2)
		return EP_KERNELS;
	if (!strcmp(seg[1], "kernels") && n == 5 &&
	    (!strcmp(seg[3], "types") || !strcmp(seg[3], "funcs")))
		return EP_KERNEL_DEF;
	if (!strcmp(seg[1], "btf") && n == 2)
		return EP_BTF_UPLOAD;
	if (!strcmp(seg[1], "btf") && n == 3)
		return EP_BTF;
	if (!strcmp(seg[1], "packages") && n == 4 && !strcmp(seg[3], "kernels"))
		return EP_PACKAGE_KERNELS;
	if (!strcmp(seg[1], "info") && n == 2)
		return EP_INFO;
	if (!strcmp(seg[1], "index.json") && n == 2)
		return EP_INDEX;
	return EP_OTHER;
}

void api_route(const char *method, const char *url, struct api_route *r)
{
	bool post = !strcmp(method, "POST");
	/* HEAD is GET without the body, which libmicrohttpd leaves out by itself. */
	bool get = !strcmp(method, "GET") || !strcmp(method, "HEAD");
	char *seg[8];
	int n = split_path(url, r->buf, sizeof(r->buf), seg, 8);

	r->endpoint = n < 0 ? EP_OTHER : endpoint_of(n, seg);
	r->args[0] = r->args[1] = r->args[2] = NULL;
	switch (r->endpoint) {
	case EP_COMPILE:
	case EP_BTF_UPLOAD:
	case EP_PACKAGE_KERNELS:
		r->allow = "POST";
		r->method_ok = post;
		break;
	default:
		r->allow = "GET, HEAD";
		r->method_ok = get || r->endpoint == EP_OTHER;
		break;
	}
	if (r->endpoint == EP_ARTIFACT || r->endpoint == EP_BTF ||
	    r->endpoint == EP_PACKAGE_KERNELS)
		r->args[0] = seg[2];
	if (r->endpoint == EP_KERNEL_DEF) {
		r->args[0] = seg[2];
		r->args[1] = seg[3]; /* "types" or "funcs" */
		r->args[2] = seg[4];
	}
	if (r->endpoint == EP_HEALTH)
		r->scope = SCOPE_NONE;
	else
		r->scope = post ? SCOPE_COMPILE : SCOPE_READ;
}
