/* SPDX-License-Identifier: Apache-2.0 */
/*
 * POST /v1/btf?release=R&arch=A&sha256=S: a client offers its running kernel's BTF, first by
 * digest (empty body: the server may hold that BTF already), then with the BTF as the body.
 * Needs scope compile and a server started with --allow-btf-upload.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <microhttpd.h>

#include "serve.h"

struct upload_args {
	const char *release, *arch, *sha;
};

static int upload_reply(struct request_state *r, unsigned int status, const char *result,
			const struct btf_kernel *k)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "result", result);
	cJSON_AddItemToObject(o, "kernel", kernel_to_json(k));
	return http_reply_json(r, status, o);
}

static void upload_done(const struct btf_kernel *k, enum btf_import_result res, const char *fmt,
			void *ctx)
{
	(void)fmt;
	*(struct btf_kernel *)ctx = *k;
	((struct btf_kernel *)ctx)->imported_at = res == BTF_IMPORT_UNCHANGED ? -1 : 0;
}

/* Import @path under the offered name: 201 added, 200 already there, else the error. */
static int import_offered(struct request_state *r, const struct upload_args *a, const char *path)
{
	struct btf_import_opts o = {.sz = sizeof(o), .release = a->release, .arch = a->arch};
	struct btf_kernel k = {0};
	struct btf_import_cbs cbs = {.done = upload_done, .ctx = &k};
	struct eucc_error err = {0};

	if (btf_store_import(r->server->store, path, &o, &cbs, &err) < 0) {
		eucc_warn("BTF offered for %s refused: %s", a->release, err.message);
		if (err.err == -EEXIST)
			return http_reply_error(
			    r, MHD_HTTP_CONFLICT, "conflict",
			    "this server holds other BTF under that release",
			    "ask its operator; eucc-server btf import --replace");
		return http_reply_error(r, MHD_HTTP_BAD_REQUEST, "bad_request",
					"the upload is not BTF this server can use",
					"send the raw BTF of /sys/kernel/btf/vmlinux");
	}
	if (k.imported_at == -1)
		return upload_reply(r, MHD_HTTP_OK, "present", &k);
	eucc_info("stored BTF of %s (%s) offered by a client", k.release, k.arch);
	return upload_reply(r, MHD_HTTP_CREATED, "added", &k);
}

/* Empty body: do we know this BTF, under this name or another? */
static int offer_by_digest(struct request_state *r, const struct upload_args *a)
{
	struct eucc_error err = {0};
	struct btf_kernel k;

	if (btf_store_find_sha(r->server->store, a->sha, &k, &err))
		return http_reply_error(r, MHD_HTTP_NOT_FOUND, "btf_needed",
					"this server does not have that BTF",
					"send it as the body of the same request");
	if (!strcmp(k.release, a->release) && !strcmp(k.arch, a->arch))
		return upload_reply(r, MHD_HTTP_OK, "present", &k);
	return import_offered(r, a, k.path);
}

static int offer_body(struct request_state *r, const struct upload_args *a)
{
	char hex[EUCC_SHA256_HEX], path[PATH_MAX];
	int fd, ret;

	/* Raw BTF only (its magic, sizes, libbpf parses it): no archives, images or DWARF here. */
	if (btf_source_validate(r->body, r->body_len, NULL))
		return http_reply_error(r, MHD_HTTP_BAD_REQUEST, "bad_request",
					"the upload is not raw BTF",
					"send the raw BTF of /sys/kernel/btf/vmlinux");
	eucc_sha256_hex(r->body, r->body_len, hex);
	if (strcmp(hex, a->sha))
		return http_reply_error(r, MHD_HTTP_BAD_REQUEST, "bad_request",
					"the body does not match the sha256 given",
					"send the raw BTF of /sys/kernel/btf/vmlinux");
	snprintf(path, sizeof(path), "%s/tmp", r->server->opts.data_dir);
	fs_mkdir_p(path, 0700);
	snprintf(path, sizeof(path), "%s/tmp/upload-XXXXXX", r->server->opts.data_dir);
	fd = mkstemp(path);
	if (fd < 0)
		return http_reply_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal",
					"cannot store the upload", NULL);
	ret = write(fd, r->body, r->body_len) == (ssize_t)r->body_len ? 0 : -EIO;
	close(fd);
	ret = ret ? http_reply_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal",
				     "cannot store the upload", NULL)
		  : import_offered(r, a, path);
	unlink(path);
	return ret;
}

int api_btf_upload(struct request_state *r)
{
	struct upload_args a = {
	    MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, "release"),
	    MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, "arch"),
	    MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, "sha256"),
	};

	if (!r->server->opts.allow_btf_upload)
		return http_reply_error(
		    r, MHD_HTTP_FORBIDDEN, "btf_upload_disabled",
		    "this server does not take kernel BTF from clients",
		    "ask its operator to import it (eucc-server btf import) or to "
		    "start the server with --allow-btf-upload");
	if (!a.release || !release_is_valid(a.release) || !a.arch || !arch_normalize(a.arch) ||
	    !a.sha || !eucc_is_sha256_hex(a.sha))
		return http_reply_error(
		    r, MHD_HTTP_BAD_REQUEST, "bad_request",
		    "release, arch and sha256 are needed and must be valid",
		    "POST /v1/btf?release=$(uname -r)&arch=x86_64&sha256=<hex>");
	a.arch = arch_normalize(a.arch);
	return r->body_len ? offer_body(r, &a) : offer_by_digest(r, &a);
}
