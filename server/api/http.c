/* SPDX-License-Identifier: Apache-2.0 */
/* The HTTP side: libmicrohttpd daemon, request bodies, auth, dispatch to the endpoints. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>
#include <microhttpd.h>

#include "api.h"

static int refuse(struct request_state *r, int err, enum eucc_code code, const char *message,
		  const char *hint)
{
	struct eucc_error e;

	eucc_error_set(&e, err, code, "%s", message);
	if (hint)
		eucc_error_hint(&e, "%s", hint);
	return reply_error(r, &e);
}

/* 405 with the Allow header RFC 9110 asks for. */
static int method_not_allowed(struct request_state *r)
{
	struct eucc_error e;
	struct MHD_Response *resp;
	unsigned int status;
	char *text;

	eucc_error_set(&e, -EINVAL, EUCC_E_METHOD_NOT_ALLOWED, "this endpoint takes %s",
		       r->route.allow);
	text = reply_error_body(&e, NULL, &status);
	if (!text)
		return MHD_NO;
	resp = MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE);
	if (!resp) {
		free(text);
		return MHD_NO;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
	MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, r->route.allow);
	return reply_queue(r, status, resp);
}

static int check_auth(struct request_state *r)
{
	const struct service *svc = &r->server->svc;
	unsigned int need = r->route.scope, have;
	const char *authz;

	if (!svc->auth_required || need == SCOPE_NONE)
		return 0;
	authz =
	    MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
	have = auth_scopes(&svc->tokens, authz);
	if (!have) {
		refuse(r, -EACCES, EUCC_E_UNAUTHORIZED,
		       authz ? "the token was not accepted" : "this server needs a token",
		       "pass a token with --token or EUCC_TOKEN (Authorization: Bearer)");
		return -EACCES;
	}
	if (!(have & need)) {
		refuse(r, -EACCES, EUCC_E_FORBIDDEN, "the token lacks the scope this request needs",
		       need == SCOPE_COMPILE ? "compiling needs a token with scope compile"
					     : "this needs a token with scope read");
		return -EACCES;
	}
	return 0;
}

/* A mirror answers artifacts, its index, health, info and metrics; nothing else. */
static bool mirror_serves(enum api_endpoint ep)
{
	return ep == EP_ARTIFACT || ep == EP_INDEX || ep == EP_HEALTH || ep == EP_INFO ||
	       ep == EP_METRICS || ep == EP_OTHER;
}

static int dispatch(struct request_state *r)
{
	if (!r->route.method_ok)
		return method_not_allowed(r);
	if (r->server->svc.opts.mirror_dir && !mirror_serves(r->route.endpoint))
		return refuse(r, -EACCES, EUCC_E_FORBIDDEN,
			      "this server is a read-only mirror: it compiles nothing and takes "
			      "no uploads",
			      "compile on an eucc server; a mirror serves /v1/artifacts/<hex> and "
			      "/v1/index.json");
	switch (r->route.endpoint) {
	case EP_INDEX:
		return api_index(r);
	case EP_HEALTH:
		return reply_text(r, MHD_HTTP_OK, "application/json", "{\"status\":\"ok\"}", 15);
	case EP_METRICS:
		return api_metrics(r);
	case EP_INFO:
		return api_info(r);
	case EP_COMPILE:
		return api_compile(r);
	case EP_ARTIFACT:
		return api_artifact(r);
	case EP_BTF:
		return api_btf(r);
	case EP_BTF_UPLOAD:
		return api_btf_upload(r);
	case EP_PACKAGE_KERNELS:
		return api_package_kernels(r);
	case EP_KERNELS:
		return api_kernels(r);
	case EP_KERNEL_DEF:
		return api_kernel_def(r);
	default:
		return refuse(r, -ENOENT, EUCC_E_NOT_FOUND, "no such endpoint",
			      "see docs/api.md for the endpoints of API v1");
	}
}

/* The request headers that must not be repeated or mixed (request smuggling, confusion). */
struct header_count {
	unsigned int content_length, authorization, transfer_encoding;
	const char *length; /* the first Content-Length */
	bool lengths_differ, other_coding;
};

static enum MHD_Result count_header(void *cls, enum MHD_ValueKind kind, const char *key,
				    const char *value)
{
	struct header_count *h = cls;

	(void)kind;
	value = value ? value : "";
	if (!strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH)) {
		h->lengths_differ |= h->length && strcmp(h->length, value);
		h->length = h->length ? h->length : value;
		h->content_length++;
	} else if (!strcasecmp(key, MHD_HTTP_HEADER_AUTHORIZATION)) {
		h->authorization++;
	} else if (!strcasecmp(key, MHD_HTTP_HEADER_TRANSFER_ENCODING)) {
		h->transfer_encoding++;
		h->other_coding |= strcasecmp(value, "chunked") != 0;
	}
	return MHD_YES;
}

/* Headers that say two things at once: 400 before anything else (auth, body). */
static bool refuse_bad_headers(struct request_state *r)
{
	struct header_count h = {0};
	const char *why = NULL;

	MHD_get_connection_values(r->conn, MHD_HEADER_KIND, count_header, &h);
	if (h.lengths_differ)
		why = "the request has Content-Length headers with different values";
	else if (h.authorization > 1)
		why = "the request has more than one Authorization header";
	else if (h.transfer_encoding > 1 || h.other_coding)
		why = "the only Transfer-Encoding this server takes is one 'chunked'";
	else if (h.transfer_encoding && h.content_length)
		why = "the request has both Transfer-Encoding and Content-Length";
	if (!why)
		return false;
	refuse(r, -EINVAL, EUCC_E_BAD_REQUEST, why, "send each of these headers once");
	return true;
}

/* BTF uploads are larger than any compile request. */
static size_t body_limit(const struct request_state *r)
{
	const struct serve_opts *o = &r->server->opts;

	return r->route.endpoint == EP_BTF_UPLOAD && o->allow_btf_upload ? o->btf_body_max
									 : o->body_max;
}

static void too_large_error(struct request_state *r, struct eucc_error *e)
{
	eucc_error_set(e, -E2BIG, EUCC_E_TOO_LARGE,
		       "the request body is larger than the limit of %zu bytes", body_limit(r));
	eucc_error_hint(e, "send fewer or smaller files");
}

static int reply_too_large(struct request_state *r)
{
	struct eucc_error e;

	too_large_error(r, &e);
	return reply_error(r, &e);
}

/*
 * A body without Content-Length (chunked) passed the limit: answer 413 now rather than after
 * reading it to its end. libmicrohttpd takes no answer while a body is coming in, so the
 * answer goes straight to the socket (reply_now), then at most BODY_LINGER_BYTES more are read
 * and dropped for BODY_LINGER_NS, so that a client still sending sees the answer and stops
 * (rather than a reset), and the connection is closed.
 */
#define BODY_LINGER_BYTES ((size_t)1 << 20)
#define BODY_LINGER_NS	  (2000 * EUCC_NS_PER_MS)

static int refuse_chunked(struct request_state *r, size_t size)
{
	struct eucc_error e;

	if (!r->body_too_large) {
		r->body_too_large = true;
		r->refused_ns = eucc_now_ns();
		free(r->body);
		r->body = NULL;
		r->body_len = r->body_cap = 0;
		too_large_error(r, &e);
		if (reply_now(r, &e))
			return MHD_NO;
		return MHD_YES;
	}
	r->lingered += size;
	return r->lingered <= BODY_LINGER_BYTES && eucc_now_ns() - r->refused_ns < BODY_LINGER_NS
		   ? MHD_YES
		   : MHD_NO;
}

static int take_upload(struct request_state *r, const char *data, size_t *size)
{
	size_t max = body_limit(r), n = *size;

	*size = 0;
	if (r->body_too_large || r->body_len + n > max)
		return refuse_chunked(r, n);
	if (r->body_len + n + 1 > r->body_cap) { /* doubling: no copy of the whole per piece */
		size_t cap = r->body_cap ? r->body_cap : 64 * 1024;
		char *b;

		while (cap < r->body_len + n + 1)
			cap *= 2;
		cap = cap > max + 1 ? max + 1 : cap; /* never more than the limit */
		b = realloc(r->body, cap);
		if (!b)
			return MHD_NO;
		r->body = b;
		r->body_cap = cap;
	}
	memcpy(r->body + r->body_len, data, n);
	r->body_len += n;
	r->body[r->body_len] = '\0';
	return MHD_YES;
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

static struct request_state *request_new(struct server *s, struct MHD_Connection *conn,
					 const char *url, const char *method)
{
	struct request_state *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->start_ns = eucc_now_ns();
	r->server = s;
	r->conn = conn;
	r->method = method;
	snprintf(r->url, sizeof(r->url), "%s", url);
	api_route(method, url, &r->route);
	return r;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version, const char *upload_data,
				  size_t *upload_data_size, void **con_cls)
{
	struct request_state *r = *con_cls;
	struct server *s = cls;

	(void)version;
	if (!r) {
		r = request_new(s, conn, url, method);
		if (!r)
			return MHD_NO;
		*con_cls = r;
		guard_phase(&s->guard, conn, GUARD_BODY);
		/* Refused before any body is read (and the connection closed after the answer):
		 * contradicting headers, no token, or a body over the limit. */
		r->first_call = true;
		r->replied = refuse_bad_headers(r) || check_auth(r) != 0 || refuse_large_body(r);
		r->first_call = false;
		return MHD_YES;
	}
	if (r->replied) { /* answered at the first call: drop whatever body follows */
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (*upload_data_size)
		return take_upload(r, upload_data, upload_data_size) ? MHD_YES : MHD_NO;
	guard_phase(&s->guard, conn, GUARD_NONE); /* the whole request is in */
	if (r->answered)			  /* resumed: a worker left the answer */
		return reply_text(r, r->status, "application/json", r->answer, r->answer_len)
			   ? MHD_YES
			   : MHD_NO;
	if (r->body_too_large) /* answered already (chunked): close */
		return MHD_NO;
	return dispatch(r) ? MHD_YES : MHD_NO;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct request_state *r = *con_cls;
	struct server *s = cls;

	(void)toe;
	/* kept alive: the next request's headers are due from now */
	guard_phase(&s->guard, conn, GUARD_HEADERS);
	if (!r)
		return;
	free(r->body);
	free(r->answer);
	free(r);
	*con_cls = NULL;
}

int http_start(struct server *s, const struct sockaddr *addr, struct eucc_error *err)
{
	const struct serve_opts *o = &s->opts;
	unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL |
			     MHD_ALLOW_SUSPEND_RESUME | MHD_USE_TURBO;
	int ret;

	if (addr->sa_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	/* a slot for every connection the daemon may hold, and some for those being closed */
	ret = guard_start(&s->guard, o->max_connections + 64, o->header_timeout, o->body_timeout);
	if (ret)
		return eucc_error_set(err, ret, EUCC_E_INTERNAL, "cannot start the HTTP watchdog");
	s->daemon = MHD_start_daemon(
	    flags, 0, NULL, NULL, on_request, s, MHD_OPTION_SOCK_ADDR, addr,
	    MHD_OPTION_THREAD_POOL_SIZE, o->http_threads, MHD_OPTION_NOTIFY_COMPLETED, on_completed,
	    s, MHD_OPTION_NOTIFY_CONNECTION, guard_notify, &s->guard, MHD_OPTION_CONNECTION_TIMEOUT,
	    o->idle_timeout, MHD_OPTION_CONNECTION_LIMIT, o->max_connections,
	    MHD_OPTION_PER_IP_CONNECTION_LIMIT, o->per_ip_connections,
	    MHD_OPTION_LISTEN_BACKLOG_SIZE, (unsigned int)1024, MHD_OPTION_END);
	if (!s->daemon) {
		guard_stop(&s->guard);
		return eucc_error_set(err, -EADDRINUSE, EUCC_E_LISTEN_FAILED,
				      "cannot listen on %s:%u (address in use or not available)",
				      o->listen_host, o->listen_port);
	}
	return 0;
}

void http_stop(struct server *s)
{
	if (s->daemon)
		MHD_stop_daemon(s->daemon);
	s->daemon = NULL;
	guard_stop(&s->guard);
}
