/* SPDX-License-Identifier: Apache-2.0 */
/* The HTTP side: libmicrohttpd daemon, request bodies, auth, routing and replies. */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <microhttpd.h>

#include "serve.h"

static void count_reply(struct request_state *r, unsigned int status)
{
	unsigned int cls = status / 100;

	if (cls >= 1 && cls <= 5)
		atomic_fetch_add(&r->server->metrics.requests[r->endpoint][cls], 1);
}

int http_reply_text(struct request_state *r, unsigned int status, const char *type,
		    const char *text, size_t len)
{
	struct MHD_Response *resp;
	int ret;

	resp = MHD_create_response_from_buffer(len, (void *)text, MHD_RESPMEM_MUST_COPY);
	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	if (status == MHD_HTTP_SERVICE_UNAVAILABLE)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, "2");
	count_reply(r, status);
	ret = MHD_queue_response(r->conn, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

int http_reply_json(struct request_state *r, unsigned int status, cJSON *json)
{
	char *text = cJSON_PrintUnformatted(json);
	int ret;

	cJSON_Delete(json);
	if (!text)
		return MHD_NO;
	ret = http_reply_text(r, status, "application/json", text, strlen(text));
	free(text);
	return ret;
}

char *http_error_body(const char *code, const char *message, const char *hint)
{
	cJSON *o = cJSON_CreateObject(), *e = cJSON_AddObjectToObject(o, "error");
	char *text;

	cJSON_AddStringToObject(e, "code", code);
	cJSON_AddStringToObject(e, "message", message);
	if (hint && *hint)
		cJSON_AddStringToObject(e, "hint", hint);
	text = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return text;
}

int http_reply_error(struct request_state *r, unsigned int status, const char *code,
		     const char *message, const char *hint)
{
	char *text = http_error_body(code, message, hint);
	int ret;

	if (!text)
		return MHD_NO;
	ret = http_reply_text(r, status, "application/json", text, strlen(text));
	free(text);
	return ret;
}

int http_reply_eucc_error(struct request_state *r, unsigned int status, const struct eucc_error *e)
{
	/* An internal error's text may name server paths: it goes to the log, not the answer. */
	if (status >= 500) {
		eucc_warn("%s: %s", eucc_code_name(e->code), e->message);
		return http_reply_error(r, status, "internal", "the server failed on this request",
					"the server's log says why");
	}
	return http_reply_error(r, status, eucc_code_name(e->code), e->message, e->hint);
}

/* Scope a route needs; SCOPE_NONE for /healthz. */
static unsigned int route_scope(const char *method, const char *url)
{
	if (!strcmp(url, "/healthz"))
		return SCOPE_NONE;
	if (!strcmp(method, "POST"))
		return SCOPE_COMPILE;
	return SCOPE_READ;
}

static int check_auth(struct request_state *r, const char *method, const char *url)
{
	unsigned int need = route_scope(method, url), have;
	const char *authz;

	if (!r->server->auth_required || need == SCOPE_NONE)
		return 0;
	authz =
	    MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
	have = auth_scopes(&r->server->tokens, authz);
	if (!have) {
		http_reply_error(r, MHD_HTTP_UNAUTHORIZED, "unauthorized",
				 authz ? "the token was not accepted" : "this server needs a token",
				 "pass a token with --token or EUCC_TOKEN (Authorization: Bearer)");
		return -EACCES;
	}
	if (!(have & need)) {
		http_reply_error(r, MHD_HTTP_FORBIDDEN, "forbidden",
				 "the token lacks the scope this request needs",
				 need == SCOPE_COMPILE
				     ? "compiling needs a token with scope compile"
				     : "this needs a token with scope read");
		return -EACCES;
	}
	return 0;
}

/* Split "/v1/kernels/R/types/N" into at most @max segments (in @buf). */
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

static enum metric_endpoint endpoint_of(int n, char **seg)
{
	if (n == 1 && !strcmp(seg[0], "healthz"))
		return EP_HEALTH;
	if (n == 1 && !strcmp(seg[0], "metrics"))
		return EP_METRICS;
	if (n < 2 || strcmp(seg[0], "v1"))
		return EP_OTHER;
	if (!strcmp(seg[1], "compile"))
		return EP_COMPILE;
	if (!strcmp(seg[1], "artifacts"))
		return EP_ARTIFACT;
	if (!strcmp(seg[1], "kernels"))
		return EP_KERNELS;
	if (!strcmp(seg[1], "btf"))
		return EP_BTF;
	if (!strcmp(seg[1], "info"))
		return EP_INFO;
	return EP_OTHER;
}

static enum metric_endpoint endpoint_of_url(const char *url)
{
	char buf[1024], *seg[8];
	int n = split_path(url, buf, sizeof(buf), seg, 8);

	return n < 0 ? EP_OTHER : endpoint_of(n, seg);
}

/* 405 with the Allow header RFC 9110 asks for ("GET, HEAD" from "GET or HEAD"). */
static int method_not_allowed(struct request_state *r, const char *allowed)
{
	char msg[128], allow[64], *text;
	struct MHD_Response *resp;
	int ret;

	snprintf(msg, sizeof(msg), "this endpoint takes %s", allowed);
	text = http_error_body("method_not_allowed", msg, NULL);
	if (!text)
		return MHD_NO;
	resp = MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE);
	if (!resp) {
		free(text);
		return MHD_NO;
	}
	snprintf(allow, sizeof(allow), "%s", allowed);
	for (char *p = strstr(allow, " or "); p; p = strstr(allow, " or "))
		memmove(p + 1, p + 3, strlen(p + 3) + 1), *p = ',';
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
	MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, allow);
	count_reply(r, MHD_HTTP_METHOD_NOT_ALLOWED);
	ret = MHD_queue_response(r->conn, MHD_HTTP_METHOD_NOT_ALLOWED, resp);
	MHD_destroy_response(resp);
	return ret;
}

static int route(struct request_state *r, const char *method, const char *url)
{
	/* HEAD is GET without the body, which libmicrohttpd leaves out by itself. */
	bool head = !strcmp(method, "HEAD"), get = !strcmp(method, "GET") || head;
	char buf[1024], *seg[8];
	int n = split_path(url, buf, sizeof(buf), seg, 8);

	r->endpoint = endpoint_of(n, seg);
	switch (r->endpoint) {
	case EP_HEALTH:
		if (!get)
			return method_not_allowed(r, "GET or HEAD");
		return http_reply_text(r, MHD_HTTP_OK, "application/json", "{\"status\":\"ok\"}",
				       15);
	case EP_METRICS:
		return get ? api_metrics(r) : method_not_allowed(r, "GET or HEAD");
	case EP_INFO:
		return get && n == 2 ? api_info(r) : method_not_allowed(r, "GET or HEAD");
	case EP_COMPILE:
		return !strcmp(method, "POST") && n == 2 ? api_compile(r)
							 : method_not_allowed(r, "POST");
	case EP_ARTIFACT:
		if (n != 3)
			break;
		return get ? api_artifact(r, method, seg[2]) : method_not_allowed(r, "GET or HEAD");
	case EP_BTF:
		if (n == 2)
			return !strcmp(method, "POST") ? api_btf_upload(r)
						       : method_not_allowed(r, "POST");
		if (n != 3)
			break;
		return get ? api_btf(r, seg[2]) : method_not_allowed(r, "GET or HEAD");
	case EP_KERNELS:
		if (!get)
			return method_not_allowed(r, "GET or HEAD");
		if (n == 2)
			return api_kernels(r);
		if (n == 5 && (!strcmp(seg[3], "types") || !strcmp(seg[3], "funcs")))
			return api_kernel_def(r, seg[2], seg[3], seg[4]);
		break;
	default:
		break;
	}
	return http_reply_error(r, MHD_HTTP_NOT_FOUND, "not_found", "no such endpoint",
				"see docs/api.md for the endpoints of API v1");
}

/* BTF uploads are larger than any compile request. */
static size_t body_limit(const struct request_state *r)
{
	return r->btf_upload ? r->server->opts.btf_body_max : r->server->opts.body_max;
}

static int take_upload(struct request_state *r, const char *data, size_t *size)
{
	size_t max = body_limit(r);

	if (!r->body_too_large && r->body_len + *size <= max) {
		char *n = realloc(r->body, r->body_len + *size + 1);

		if (!n)
			return MHD_NO;
		memcpy(n + r->body_len, data, *size);
		r->body = n;
		r->body_len += *size;
		r->body[r->body_len] = '\0';
	} else {
		r->body_too_large = true;
	}
	*size = 0;
	return MHD_YES;
}

static int reply_too_large(struct request_state *r)
{
	char msg[128];

	snprintf(msg, sizeof(msg), "the request body is larger than the limit of %zu bytes",
		 body_limit(r));
	return http_reply_error(r, MHD_HTTP_CONTENT_TOO_LARGE, "too_large", msg,
				"send fewer or smaller files");
}

/* A declared Content-Length over the limit is refused before the body is read. */
static bool refuse_large_body(struct request_state *r)
{
	const char *len =
	    MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);

	if (!len || strtoull(len, NULL, 10) <= body_limit(r))
		return false;
	reply_too_large(r);
	return true;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version, const char *upload_data,
				  size_t *upload_data_size, void **con_cls)
{
	struct request_state *r = *con_cls;

	(void)version;
	if (!r) {
		r = calloc(1, sizeof(*r));
		if (!r)
			return MHD_NO;
		r->server = cls;
		r->conn = conn;
		r->endpoint = endpoint_of_url(url);
		r->btf_upload = r->endpoint == EP_BTF && !strcmp(method, "POST") &&
				r->server->opts.allow_btf_upload;
		*con_cls = r;
		/* Refused before any body is read: no token, or a body over the limit. */
		r->replied = check_auth(r, method, url) != 0 || refuse_large_body(r);
		return MHD_YES;
	}
	if (r->replied) { /* answered at the first call: drop whatever body follows */
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (*upload_data_size)
		return take_upload(r, upload_data, upload_data_size) ? MHD_YES : MHD_NO;
	if (r->answered) /* resumed: a worker left the answer */
		return http_reply_text(r, r->status, "application/json", r->answer, r->answer_len)
			   ? MHD_YES
			   : MHD_NO;
	if (r->body_too_large)
		return reply_too_large(r) ? MHD_YES : MHD_NO;
	return route(r, method, url) ? MHD_YES : MHD_NO;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct request_state *r = *con_cls;

	(void)cls;
	(void)conn;
	(void)toe;
	if (!r)
		return;
	free(r->body);
	free(r->answer);
	free(r);
	*con_cls = NULL;
}

void http_resume(struct request_state *r)
{
	MHD_resume_connection(r->conn);
}

int http_start(struct server *s, const struct sockaddr *addr, struct eucc_error *err)
{
	unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL |
			     MHD_ALLOW_SUSPEND_RESUME | MHD_USE_TURBO;

	if (addr->sa_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	s->daemon = MHD_start_daemon(
	    flags, 0, NULL, NULL, on_request, s, MHD_OPTION_SOCK_ADDR, addr,
	    MHD_OPTION_THREAD_POOL_SIZE, s->opts.http_threads, MHD_OPTION_NOTIFY_COMPLETED,
	    on_completed, s, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)120,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned int)1024, MHD_OPTION_LISTEN_BACKLOG_SIZE,
	    (unsigned int)1024, MHD_OPTION_END);
	if (!s->daemon)
		return eucc_error_set(err, -EADDRINUSE, EUCC_E_LISTEN_FAILED,
				      "cannot listen on %s:%u (address in use or not available)",
				      s->opts.listen_host, s->opts.listen_port);
	return 0;
}

void http_stop(struct server *s)
{
	if (s->daemon)
		MHD_stop_daemon(s->daemon);
	s->daemon = NULL;
}
