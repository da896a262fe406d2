/* SPDX-License-Identifier: Apache-2.0 */
/*
 * POST /v1/packages/{digest}/kernels: a host whose kernel a package lacks asks for it to be
 * added; body {"release", "arch", "build_id", "btf_sha256"} (docs/api.md). Scope compile.
 */
#include <errno.h>

#include <cjson/cJSON.h>
#include <microhttpd.h>

#include "api.h"

/* A string member of @o, or NULL if it is missing, null or empty. */
static const char *field(const cJSON *o, const char *key)
{
	const char *v = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, key));

	return v && *v ? v : NULL;
}

int api_package_kernels(struct request_state *r)
{
	struct eucc_error err = {0};
	struct kernel_want want;
	cJSON *body, *answer;
	int ret;

	if (service_parse_json(r->body, r->body_len, &body, &err))
		return reply_error(r, &err);
	if (!cJSON_IsObject(body)) {
		cJSON_Delete(body);
		eucc_error_set(&err, -EINVAL, EUCC_E_BAD_REQUEST, "the body is not a JSON object");
		eucc_error_hint(&err, "{\"release\":\"$(uname -r)\",\"build_id\":\"<hex>\","
				      "\"btf_sha256\":\"<hex>\"}");
		return reply_error(r, &err);
	}
	want = (struct kernel_want){.release = field(body, "release"),
				    .arch = field(body, "arch"),
				    .build_id = field(body, "build_id"),
				    .btf_sha256 = field(body, "btf_sha256")};
	ret = service_package_add_kernel(&r->server->svc, r->route.args[0], &want, &answer, &err);
	cJSON_Delete(body);
	if (ret)
		return reply_error(r, &err);
	return reply_json(r, MHD_HTTP_OK, answer);
}
