/* SPDX-License-Identifier: Apache-2.0 */
/* eucc-server serve */
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "data_files.h"
#include "signing.h"
#include "server.h"
#include "api.h"

static int set_listen(void *target, const struct cli_opt *opt, const char *text,
		      struct eucc_error *err)
{
	struct serve_opts *o = target;
	const char *colon = strrchr(text, ':');
	char *end;
	long port;

	(void)opt;
	port = colon ? strtol(colon + 1, &end, 10) : 0;
	if (!colon || *end || port <= 0 || port > 65535 || colon == text)
		return eucc_error_set(err, -EINVAL, EUCC_E_USAGE,
				      "--listen wants HOST:PORT, not '%s'", text);
	if (text[0] == '[' && colon[-1] == ']') /* [::1]:8639 */
		snprintf(o->listen_host, sizeof(o->listen_host), "%.*s", (int)(colon - text - 2),
			 text + 1);
	else
		snprintf(o->listen_host, sizeof(o->listen_host), "%.*s", (int)(colon - text), text);
	o->listen_port = (unsigned short)port;
	return 0;
}

static int parse_count(const char *text, unsigned int *out)
{
	char *end;
	long v = strtol(text, &end, 10);

	if (!*text || *end || v < 1 || v > 4096)
		return -1;
	*out = (unsigned int)v;
	return 0;
}

/* An unsigned int at opt->off, from 1 to 4096. */
static int set_count(void *target, const struct cli_opt *opt, const char *text,
		     struct eucc_error *err)
{
	if (parse_count(text, (unsigned int *)((char *)target + opt->off)))
		return eucc_error_set(err, -EINVAL, EUCC_E_USAGE,
				      "--%s wants a number from 1 to 4096, not '%s'", opt->name,
				      text);
	return 0;
}

/* A uint64_t size at opt->off: 512M, 10G. */
static int set_size(void *target, const struct cli_opt *opt, const char *text,
		    struct eucc_error *err)
{
	if (parse_size(text, (uint64_t *)((char *)target + opt->off)))
		return eucc_error_set(err, -EINVAL, EUCC_E_USAGE,
				      "--%s wants a size like 10G, not '%s'", opt->name, text);
	return 0;
}

static int set_timeout(void *target, const struct cli_opt *opt, const char *text,
		       struct eucc_error *err)
{
	struct serve_opts *o = target;
	unsigned int n;

	(void)opt;
	if (parse_count(text, &n))
		return eucc_error_set(err, -EINVAL, EUCC_E_USAGE,
				      "--compile-timeout wants seconds (1 to 4096), not '%s'",
				      text);
	o->limits.wall_seconds = o->limits.cpu_seconds = n;
	return 0;
}

static void serve_defaults(struct serve_opts *o, struct server_config *cfg)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);

	memset(o, 0, sizeof(*o));
	snprintf(o->listen_host, sizeof(o->listen_host), "127.0.0.1");
	o->listen_port = 8639;
	o->data_dir = cfg->data_dir;
	o->workers = cpus > 0 ? (unsigned int)cpus : 2;
	o->queue_max = 64;
	o->http_threads = o->workers;
	o->body_max = COMPILE_MAX_TOTAL_BYTES * 2;
	o->btf_body_max = (size_t)128 << 20;
	o->limits.wall_seconds = 60;
	o->limits.cpu_seconds = 60;
	o->limits.memory_bytes = (uint64_t)2 << 30;
	o->limits.output_bytes = (uint64_t)64 << 20;
}

static int do_serve(const struct cli_call *call)
{
	struct server_config *cfg = server_config(call);
	struct eucc_error err = {0};
	char include_dir[PATH_MAX], warm[PATH_MAX];
	struct server *s;
	struct eucc_key *key = NULL;
	struct serve_opts o;
	sigset_t set;
	int ret, sig;

	serve_defaults(&o, cfg);
	if (cli_apply(call, &o, &err))
		return cmd_fail(&err);
	if (o.mirror_dir && o.registry)
		return cli_usage_error(call, "--mirror serves files only: it takes no --registry");
	if (!o.registry_credentials && getenv("EUCC_REGISTRY_USER"))
		o.registry_credentials = getenv("EUCC_REGISTRY_USER");
	if (data_files_eucc_include(include_dir, sizeof(include_dir), &err))
		return cmd_fail(&err);
	o.eucc_include = include_dir;
	if (!o.no_warm && !data_files_warm_preload(warm, sizeof(warm)))
		o.warm_preload = warm;
	else if (!o.no_warm)
		eucc_warn("no libeucc-warm.so beside the binary (docs/install.md): every compile "
			  "starts clang afresh in bwrap");
	/* a mirror signs nothing (its packages are signed already) and has no data dir */
	if (!o.mirror_dir && signing_key_load(o.data_dir, true, NULL, &key, &err))
		return cmd_fail(&err);
	o.signing_key = key;
	/* Signals are taken by sigwait here; every thread started below inherits the mask. */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	s = calloc(1, sizeof(*s));
	if (!s) {
		eucc_key_free(key);
		return EUCC_EXIT_INPUT;
	}
	ret = server_init(s, &o, &err);
	if (!ret && (ret = server_listen(s, &err)))
		server_fini(s);
	if (ret) {
		free(s);
		eucc_key_free(key);
		return cmd_fail(&err);
	}
	if (o.mirror_dir)
		fprintf(stderr,
			"eucc-server: listening on http://%s:%u (read-only mirror of %s%s)\n",
			o.listen_host, o.listen_port, o.mirror_dir,
			s->svc.auth_required ? ", tokens required" : ", loopback without tokens");
	else
		fprintf(
		    stderr,
		    "eucc-server: listening on http://%s:%u (data %s, %u workers%s; signing key "
		    "sha256:%.16s...)\n",
		    o.listen_host, o.listen_port, o.data_dir, o.workers,
		    s->svc.auth_required ? ", tokens required" : ", loopback without tokens",
		    eucc_key_id(key));
	sigwait(&set, &sig);
	fprintf(stderr, "eucc-server: %s, stopping\n",
		sig == SIGINT ? "interrupted" : "terminated");
	server_fini(s);
	free(s);
	eucc_key_free(key);
	return EUCC_EXIT_OK;
}

static const struct cli_opt serve_cli_opts[] = {
    {.name = "listen",
     .arg = "HOST:PORT",
     .kind = CLI_CALL,
     .set = set_listen,
     .help = "the address to listen on ([::1]:PORT for IPv6); anything but loopback needs "
	     "--tokens",
     .def = "127.0.0.1:8639"},
    {.name = "workers",
     .arg = "N",
     .kind = CLI_CALL,
     .set = set_count,
     .off = offsetof(struct serve_opts, workers),
     .help = "compile workers",
     .def = "the core count"},
    {.name = "queue",
     .arg = "N",
     .kind = CLI_CALL,
     .set = set_count,
     .off = offsetof(struct serve_opts, queue_max),
     .help = "requests waiting for a worker; beyond, 503 with Retry-After",
     .def = "64"},
    {.name = "http-threads",
     .arg = "N",
     .kind = CLI_CALL,
     .set = set_count,
     .off = offsetof(struct serve_opts, http_threads),
     .help = "threads answering HTTP; cache hits never wait for workers",
     .def = "the core count"},
    {.name = "tokens",
     .arg = "FILE",
     .kind = CLI_STR,
     .off = offsetof(struct serve_opts, tokens_file),
     .help = "bearer tokens with their scopes, one a line (docs/api.md)",
     .def = "none: loopback only, no tokens asked"},
    {.name = "cache-max",
     .arg = "SIZE",
     .kind = CLI_CALL,
     .set = set_size,
     .off = offsetof(struct serve_opts, cache_max),
     .help = "size cap of the cache (512M, 10G); least recently used entries go first",
     .def = "no cap"},
    {.name = "allow-btf-upload",
     .kind = CLI_BOOL,
     .off = offsetof(struct serve_opts, allow_btf_upload),
     .help = "clients may offer their kernel's BTF (POST /v1/btf, a token with scope compile)"},
    {.name = "full-header",
     .kind = CLI_BOOL,
     .off = offsetof(struct serve_opts, full_header),
     .help = "compile every program against the full vmlinux.h, never a header of its own "
	     "(docs/kernel-header.md)"},
    {.name = "no-warm",
     .kind = CLI_BOOL,
     .off = offsetof(struct serve_opts, no_warm),
     .help = "start clang and llvm-strip afresh in bwrap for every compile, with no warm "
	     "tools (docs/security.md)"},
    {.name = "compile-timeout",
     .arg = "SEC",
     .kind = CLI_CALL,
     .set = set_timeout,
     .help = "wall and CPU limit of one compile",
     .def = "60"},
    {.name = "compile-memory",
     .arg = "SIZE",
     .kind = CLI_CALL,
     .set = set_size,
     .off = offsetof(struct serve_opts, limits.memory_bytes),
     .help = "address-space limit of one compile",
     .def = "2G"},
    {.name = "per-ip-connections",
     .arg = "N",
     .kind = CLI_CALL,
     .set = set_count,
     .off = offsetof(struct serve_opts, per_ip_connections),
     .help = "connections one client address may hold; raise it behind a proxy",
     .def = "64"},
    {.name = "header-timeout",
     .arg = "SEC",
     .kind = CLI_CALL,
     .set = set_count,
     .off = offsetof(struct serve_opts, header_timeout),
     .help = "a request's headers must arrive within this of the connection (or the last "
	     "answer)",
     .def = "10"},
    {.name = "body-timeout",
     .arg = "SEC",
     .kind = CLI_CALL,
     .set = set_count,
     .off = offsetof(struct serve_opts, body_timeout),
     .help = "a request's body must arrive within this of its headers",
     .def = "60"},
    {.name = "access-log",
     .arg = "FILE",
     .kind = CLI_STR,
     .off = offsetof(struct serve_opts, access_log),
     .help = "one line per request (METHOD PATH STATUS DURATION ENDPOINT) appended to FILE; "
	     "- for stderr",
     .def = "none"},
    {.name = "registry",
     .arg = "URL",
     .kind = CLI_STR,
     .off = offsetof(struct serve_opts, registry),
     .help = "share compiled results with other replicas through this OCI registry "
	     "(http(s)://HOST[:PORT][/REPO]): a miss of the own cache is looked up there before "
	     "compiling, and what is compiled is pushed (docs/registry.md)",
     .def = "none; REPO eucc/cache"},
    {.name = "registry-cacert",
     .arg = "FILE",
     .kind = CLI_STR,
     .off = offsetof(struct serve_opts, registry_cacert),
     .help = "the CA certificates (PEM) of an https registry",
     .def = "the system's CA store"},
    {.name = "registry-user",
     .arg = "USER:PASSWORD",
     .kind = CLI_STR,
     .off = offsetof(struct serve_opts, registry_credentials),
     .help = "the registry's credentials (Basic, or for its token service); else "
	     "EUCC_REGISTRY_USER",
     .def = "none"},
    {.name = "mirror",
     .arg = "DIR",
     .kind = CLI_STR,
     .off = offsetof(struct serve_opts, mirror_dir),
     .help = "serve a mirror that `eucc-remote mirror -o DIR` wrote, read-only: "
	     "/v1/artifacts/<hex>, /v1/index.json, /healthz, /v1/info; no data dir, no "
	     "compiles, no uploads",
     .def = "none"},
    {0},
};

const struct cli_cmd server_cmd_serve = {
    .name = "serve",
    .run = do_serve,
    .summary = "run the compile server (HTTP API v1)",
    .help = "Answer the HTTP API v1 (docs/api.md): compiles in a sandbox for the stored "
	    "kernels, with a cache, artifacts by digest, the kernel list. SIGINT or SIGTERM "
	    "stop it: running jobs finish and are answered first.",
    .opts = serve_cli_opts,
    .max_args = 0,
};
