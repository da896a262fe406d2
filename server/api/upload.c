/* SPDX-License-Identifier: Apache-2.0 */
/*
 * POST /v1/btf?release=R&arch=A&sha256=S[&build_id=HEX]: a client offers its running kernel's BTF,
 * first by digest (empty body: the server may hold that BTF already), then with the BTF as the
 * body. Needs scope compile and a server started with --allow-btf-upload.
 */
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

int api_btf_upload(struct request_state *r)
{
	const char *release = query(r, "release"), *arch = query(r, "arch"),
		   *sha = query(r, "sha256"), *build_id = query(r, "build_id");
	struct eucc_error err = {0};
	struct btf_kernel k;
	bool added;
	cJSON *o;

	if (!r->server->opts.allow_btf_upload) {
		eucc_error_set(&err, -EPERM, EUCC_E_BTF_UPLOAD_DISABLED,
			       "this server does not take kernel BTF from clients");
		eucc_error_hint(&err, "ask its operator to import it (eucc-server btf import) or "
				      "to start the server with --allow-btf-upload");
		return reply_error(r, &err);
	}
	if (!release || !release_is_valid(release) || !arch || !arch_normalize(arch) || !sha ||
	    !eucc_is_sha256_hex(sha) || (build_id && !build_id_is_valid(build_id))) {
		eucc_error_set(&err, -EINVAL, EUCC_E_BAD_REQUEST,
			       "release, arch and sha256 are needed and must be valid, and so must "
			       "build_id if given");
		eucc_error_hint(&err, "POST /v1/btf?release=$(uname -r)&arch=x86_64&sha256=<hex>");
		return reply_error(r, &err);
	}
	if (service_btf_offer(&r->server->svc, release, arch_normalize(arch), build_id, sha,
			      r->body_len ? r->body : NULL, r->body_len, &k, &added, &err))
		return reply_error(r, &err);
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "result", added ? "added" : "present");
	cJSON_AddItemToObject(o, "kernel", btf_kernel_json(&k, true));
	return reply_json(r, added ? MHD_HTTP_CREATED : MHD_HTTP_OK, o);
}
