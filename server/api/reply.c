/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Every answer of the API goes out here: counted by endpoint and status, timed, logged.
 * Errors become {"error":{"code","message","hint"}} with the status their code has; an
 * internal error's text may name server paths, so it goes to the log and the answer says
 * only that the server failed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <cjson/cJSON.h>
#include <microhttpd.h>

#include "api.h"

static void access_log(struct request_state *r, unsigned int status, uint64_t ns)
{
	struct server *s = r->server;
	char method[64], url[4 * sizeof(r->url)];

	if (!s->access_log)
		return;
	/* the URL as the client sent it, decoded: no raw control characters into the log */
	str_escape_line(r->method ? r->method : "-", method, sizeof(method));
	str_escape_line(r->url, url, sizeof(url));
	pthread_mutex_lock(&s->log_lock);
	fprintf(s->access_log, "%s %s %u %.3f ms %s\n", method, url, status, (double)ns / 1e6,
		api_endpoint_name(r->route.endpoint));
	fflush(s->access_log);
	pthread_mutex_unlock(&s->log_lock);
}

/* Count, time and log an answer. */
static void account(struct request_state *r, unsigned int status)
{
	struct api_metrics *m = &r->server->metrics;
	enum api_endpoint ep = r->route.endpoint;
	uint64_t ns = eucc_now_ns() - r->start_ns;

	if (status < 600)
		atomic_fetch_add(&m->requests[ep][status], 1);
	histogram_observe(&m->latency[ep], ns);
	access_log(r, status, ns);
}

int reply_queue(struct request_state *r, unsigned int status, struct MHD_Response *resp)
{
	int ret;

	account(r, status);
	/* refused before the body: whatever the client still sends is not read */
	if (r->first_call)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "close");
	ret = MHD_queue_response(r->conn, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

int reply_now(struct request_state *r, const struct eucc_error *e)
{
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_CONNECTION_FD);
	unsigned int status;
	char *body = reply_error_body(e, NULL, &status), *text = NULL;
	int len, ret = 0;

	if (!body || !ci)
		ret = -ENOMEM;
	len = ret ? -1
		  : asprintf(&text,
			     "HTTP/1.1 %u %s\r\nContent-Type: application/json\r\n"
			     "Content-Length: %zu\r\nConnection: close\r\n\r\n%s",
			     status, MHD_get_reason_phrase_for(status), strlen(body), body);
	free(body);
	if (len < 0)
		return -ENOMEM;
	account(r, status);
	/* small, and nothing else was sent on this connection: the socket buffer takes it */
	if (send(ci->connect_fd, text, (size_t)len, MSG_NOSIGNAL | MSG_DONTWAIT) != len)
		ret = -EIO;
	else
		shutdown(ci->connect_fd, SHUT_WR);
	free(text);
	return ret;
}

int reply_text(struct request_state *r, unsigned int status, const char *type, const char *text,
	       size_t len)
{
	struct MHD_Response *resp;

	resp = MHD_create_response_from_buffer(len, (void *)text, MHD_RESPMEM_MUST_COPY);
	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	if (status == MHD_HTTP_SERVICE_UNAVAILABLE)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, "2");
	return reply_queue(r, status, resp);
}

int reply_json(struct request_state *r, unsigned int status, cJSON *json)
{
	char *text = cJSON_PrintUnformatted(json);
	int ret;

	cJSON_Delete(json);
	if (!text)
		return MHD_NO;
	ret = reply_text(r, status, "application/json", text, strlen(text));
	free(text);
	return ret;
}

static void add_text(cJSON *o, const char *name, const char *text)
{
	char *safe = str_escape(text);

	cJSON_AddStringToObject(o, name, safe ? safe : "");
	free(safe);
}

char *reply_error_body(const struct eucc_error *e, const struct compile_answer *a,
		       unsigned int *status)
{
	cJSON *o = cJSON_CreateObject(), *j = cJSON_AddObjectToObject(o, "error");
	char *text;

	*status = eucc_code_http(e->code);
	if (*status >= 500 && e->code != EUCC_E_BUSY) {
		eucc_warn("%s: %s", eucc_code_name(e->code), e->message);
		cJSON_AddStringToObject(j, "code", "internal");
		cJSON_AddStringToObject(j, "message", "the server failed on this request");
		cJSON_AddStringToObject(j, "hint", "the server's log says why");
	} else {
		/* messages may quote the request: never its invalid UTF-8 or control bytes */
		cJSON_AddStringToObject(j, "code", eucc_code_name(e->code));
		add_text(j, "message", e->message);
		if (e->hint[0])
			add_text(j, "hint", e->hint);
	}
	if (a && a->diagnostics)
		cJSON_AddItemToObject(o, "diagnostics", cJSON_Duplicate(a->diagnostics, 1));
	if (a && a->diagnostics_dropped) {
		cJSON_AddBoolToObject(o, "diagnostics_truncated", 1);
		cJSON_AddNumberToObject(o, "diagnostics_dropped", (double)a->diagnostics_dropped);
	}
	text = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return text;
}

int reply_error(struct request_state *r, const struct eucc_error *e)
{
	unsigned int status;
	char *text = reply_error_body(e, NULL, &status);
	int ret;

	if (!text)
		return MHD_NO;
	ret = reply_text(r, status, "application/json", text, strlen(text));
	free(text);
	return ret;
}

void http_resume(struct request_state *r)
{
	MHD_resume_connection(r->conn);
}
