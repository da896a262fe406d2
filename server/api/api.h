/* SPDX-License-Identifier: Apache-2.0 */
/*
 * api: the HTTP API v1 of eucc-server (docs/api.md) over the service (server/service). It
 * routes requests, checks tokens and sizes, runs the endpoints, and is the only layer that
 * makes HTTP answers: every error goes through one reply path, which maps an error's code to
 * its status (common.h's table) and keeps internal details out of answers.
 */
#ifndef EUCC_SERVER_API_H
#define EUCC_SERVER_API_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "service.h"

#include <microhttpd.h>

struct cJSON;

/* ---- routing (route.c): pure, no connection needed --------------------------------------------
 */

enum api_endpoint {
	EP_COMPILE,
	EP_ARTIFACT,
	EP_KERNELS,
	EP_KERNEL_DEF, /* /v1/kernels/R/types/N and /v1/kernels/R/funcs/N */
	EP_BTF,
	EP_BTF_UPLOAD,
	EP_PACKAGE_KERNELS, /* POST /v1/packages/{digest}/kernels */
	EP_INFO,
	EP_HEALTH,
	EP_METRICS,
	EP_INDEX, /* /v1/index.json of a mirror */
	EP_OTHER, /* no such endpoint */
	EP_COUNT,
};

struct api_route {
	enum api_endpoint endpoint;
	bool method_ok;	    /* else 405 with Allow: allow */
	const char *allow;  /* "GET, HEAD" or "POST" */
	unsigned int scope; /* enum auth_scope the request needs */
	const char *args[3];
	char buf[1024]; /* the path's segments, args point here */
};

/* Route @method @url (no query string). Never fails: an unknown path is EP_OTHER. */
void api_route(const char *method, const char *url, struct api_route *r);
/* The endpoint's label in metrics and the access log ("compile", "kernels", ...). */
const char *api_endpoint_name(enum api_endpoint ep);

/* ---- the server ------------------------------------------------------------------------------ */

struct serve_opts {
	char listen_host[256];
	unsigned short listen_port;
	const char *data_dir;
	unsigned int workers;	/* compile workers; default: the core count */
	unsigned int queue_max; /* jobs waiting for a worker; beyond: 503 */
	unsigned int http_threads;
	const char *tokens_file;  /* NULL: no auth, loopback only */
	uint64_t cache_max;	  /* bytes; 0: no cap */
	size_t body_max;	  /* request bodies beyond: 413 */
	size_t btf_body_max;	  /* the same for POST /v1/btf */
	bool allow_btf_upload;	  /* clients may offer their kernel's BTF */
	bool full_header;	  /* never a program's own kernel header (docs/kernel-header.md) */
	const char *eucc_include; /* dir holding eucc.h, offered to programs as <eucc/eucc.h> */
	bool no_warm;		  /* --no-warm: no warm tools even if the library is there */
	const char *warm_preload; /* libeucc-warm.so, or NULL: clang starts afresh each time */
	const char *access_log;	  /* a file, "-" for stderr, NULL: none */
	const struct eucc_key *signing_key; /* NULL: packages are not signed */
	struct compile_limits limits;
	/* Connections (docs/operations.md, "Connections"); 0 takes the default (server_init). */
	unsigned int max_connections;	 /* all clients together */
	unsigned int per_ip_connections; /* one client address */
	unsigned int idle_timeout;	 /* s without a byte either way: closed */
	unsigned int header_timeout;	 /* s from connecting (or the last answer) to the headers */
	unsigned int body_timeout;	 /* s from the headers to the body's end */
	const char *registry;		 /* share compiled results: service_opts.registry */
	const char *registry_cacert;
	const char *registry_credentials;
	const char *mirror_dir; /* a read-only mirror of this dir: service_opts.mirror_dir */
};

#define SERVE_MAX_CONNECTIONS	 1024
#define SERVE_PER_IP_CONNECTIONS 64
#define SERVE_IDLE_TIMEOUT	 15
#define SERVE_HEADER_TIMEOUT	 10
#define SERVE_BODY_TIMEOUT	 60

struct api_metrics {
	atomic_ulong requests[EP_COUNT][600]; /* by endpoint and exact status */
	struct histogram latency[EP_COUNT];   /* seconds from first byte to the answer queued */
	atomic_ulong bytes_sent;
};

/* ---- deadlines of the phases a client controls (guard.c) ----------------------------------- */

enum guard_phase { GUARD_HEADERS, GUARD_BODY, GUARD_NONE };

struct guard_slot {
	int fd;
	bool used;
	enum guard_phase phase;
	uint64_t since_ns;
};

struct http_guard {
	pthread_mutex_t lock;
	pthread_cond_t wake;
	pthread_t thread;
	bool running, stop;
	struct guard_slot *slots;
	size_t nslots;
	unsigned long open; /* connections now */
	uint64_t header_ns, body_ns;
	atomic_ulong timed_out[2]; /* by phase: headers, body */
};

int guard_start(struct http_guard *g, size_t slots, unsigned int header_s, unsigned int body_s);
void guard_stop(struct http_guard *g);
/* MHD_OPTION_NOTIFY_CONNECTION: a slot per connection, from its start to its close. */
void guard_notify(void *cls, struct MHD_Connection *conn, void **socket_context,
		  enum MHD_ConnectionNotificationCode code);
/* The connection enters @phase now (its deadline starts). */
void guard_phase(struct http_guard *g, struct MHD_Connection *conn, enum guard_phase phase);
unsigned long guard_open(struct http_guard *g);

struct server {
	struct serve_opts opts;
	struct service svc;
	struct api_metrics metrics;
	struct http_guard guard;
	struct MHD_Daemon *daemon;
	FILE *access_log;
	pthread_mutex_t log_lock;
};

int server_init(struct server *s, const struct serve_opts *opts, struct eucc_error *err);
/* Listen (refused on a non-loopback address without tokens) and serve. */
int server_listen(struct server *s, struct eucc_error *err);
/* Finish the jobs in flight, stop serving, close everything. */
void server_fini(struct server *s);

/* ---- inside: one request ----------------------------------------------------------------------
 */

struct request_state {
	struct server *server;
	struct MHD_Connection *conn;
	struct api_route route;
	const char *method;
	char url[256];	   /* for the access log */
	uint64_t start_ns; /* first byte */
	char *body;
	size_t body_len, body_cap;
	bool body_too_large; /* chunked past the limit: answered with reply_now */
	uint64_t refused_ns; /* when, and the bytes dropped since */
	size_t lingered;
	bool replied;	 /* refused at the first call (headers, auth, size) */
	bool first_call; /* an answer queued now closes the connection after it */
	/* set by a worker for a suspended request */
	unsigned int status;
	char *answer;
	size_t answer_len;
	bool answered;
};

/* Replies (reply.c), each counted, timed and logged. A JSON answer (cJSON consumed): */
int reply_json(struct request_state *r, unsigned int status, struct cJSON *json);
int reply_text(struct request_state *r, unsigned int status, const char *type, const char *text,
	       size_t len);
/* An error: its status from the code; "internal" details go to the log only. */
int reply_error(struct request_state *r, const struct eucc_error *e);
/* The same as a body, for answers made off the HTTP threads; *status is set. @a (may be NULL)
 * adds a compile error's diagnostics, and whether the cap cut them. */
char *reply_error_body(const struct eucc_error *e, const struct compile_answer *a,
		       unsigned int *status);
/* An error answered at once on the socket, while libmicrohttpd still reads the body (which it
 * takes no answer during); the connection is to be closed after it. 0 or a negative errno. */
int reply_now(struct request_state *r, const struct eucc_error *e);
/* Queue a response made by the caller (files, 304, 405) with @status. */
int reply_queue(struct request_state *r, unsigned int status, struct MHD_Response *resp);

/* Endpoints. */
int api_compile(struct request_state *r);
int api_artifact(struct request_state *r);
int api_index(struct request_state *r);
int api_btf(struct request_state *r);
int api_btf_upload(struct request_state *r);
int api_package_kernels(struct request_state *r);
int api_kernels(struct request_state *r);
int api_kernel_def(struct request_state *r);
int api_info(struct request_state *r);
int api_metrics(struct request_state *r);

/* A worker finished a suspended request: send the answer. */
void http_resume(struct request_state *r);

struct sockaddr;
int http_start(struct server *s, const struct sockaddr *addr, struct eucc_error *err);
void http_stop(struct server *s);

#endif
