/* SPDX-License-Identifier: Apache-2.0 */
/* eucc-server serve */
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "data_files.h"
#include "server.h"
#include "api.h"

static const char serve_usage[] =
    "serve [--listen HOST:PORT] [--data DIR] [--workers N] [--queue N] [--tokens FILE]\n"
    "      [--cache-max SIZE] [--allow-btf-upload] [--compile-timeout SEC]\n"
    "      [--compile-memory SIZE] [--http-threads N]";

static int parse_listen(const char *text, struct serve_opts *o)
{
	const char *colon = strrchr(text, ':');
	char *end;
	long port;

	if (!colon)
		return -1;
	port = strtol(colon + 1, &end, 10);
	if (*end || port <= 0 || port > 65535 || colon == text)
		return -1;
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

	if (*end || v < 1 || v > 4096)
		return -1;
	*out = (unsigned int)v;
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

static int parse_serve_args(int argc, char **argv, struct server_config *cfg, struct serve_opts *o)
{
	static const struct option longopts[] = {
	    {"listen", required_argument, NULL, 'l'},
	    {"data", required_argument, NULL, 'd'},
	    {"workers", required_argument, NULL, 'w'},
	    {"queue", required_argument, NULL, 'q'},
	    {"tokens", required_argument, NULL, 't'},
	    {"cache-max", required_argument, NULL, 'c'},
	    {"allow-btf-upload", no_argument, NULL, 'u'},
	    {"compile-timeout", required_argument, NULL, 'T'},
	    {"compile-memory", required_argument, NULL, 'M'},
	    {"http-threads", required_argument, NULL, 'H'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	unsigned int n;
	int c;

	optind = 0;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'l':
			if (parse_listen(optarg, o))
				return cmd_usage_error("--listen wants HOST:PORT, not '%s'",
						       optarg);
			break;
		case 'd':
			snprintf(cfg->data_dir, sizeof(cfg->data_dir), "%s", optarg);
			break;
		case 'w':
			if (parse_count(optarg, &o->workers))
				return cmd_usage_error("--workers wants a number from 1 to 4096");
			break;
		case 'q':
			if (parse_count(optarg, &o->queue_max))
				return cmd_usage_error("--queue wants a number from 1 to 4096");
			break;
		case 'H':
			if (parse_count(optarg, &o->http_threads))
				return cmd_usage_error(
				    "--http-threads wants a number from 1 to 4096");
			break;
		case 't':
			o->tokens_file = optarg;
			break;
		case 'c':
			if (parse_size(optarg, &o->cache_max))
				return cmd_usage_error(
				    "--cache-max wants a size like 10G, not '%s'", optarg);
			break;
		case 'u':
			o->allow_btf_upload = true;
			break;
		case 'T':
			if (parse_count(optarg, &n))
				return cmd_usage_error("--compile-timeout wants seconds");
			o->limits.wall_seconds = o->limits.cpu_seconds = n;
			break;
		case 'M':
			if (parse_size(optarg, &o->limits.memory_bytes))
				return cmd_usage_error("--compile-memory wants a size like 2G");
			break;
		case 'h':
			printf("Usage: eucc-server %s\n", serve_usage);
			return -1;
		default:
			return EUCC_EXIT_USAGE;
		}
	}
	if (optind < argc)
		return cmd_usage_error("serve takes no argument '%s'", argv[optind]);
	o->data_dir = cfg->data_dir;
	return 0;
}

int do_serve(int argc, char **argv, struct server_config *cfg)
{
	struct eucc_error err = {0};
	char include_dir[PATH_MAX];
	struct server *s;
	struct serve_opts o;
	sigset_t set;
	int ret, sig;

	serve_defaults(&o, cfg);
	ret = parse_serve_args(argc, argv, cfg, &o);
	if (ret)
		return ret < 0 ? EUCC_EXIT_OK : ret;
	if (data_files_eucc_include(include_dir, sizeof(include_dir), &err))
		return cmd_fail(&err);
	o.eucc_include = include_dir;
	/* Signals are taken by sigwait here; every thread started below inherits the mask. */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	s = calloc(1, sizeof(*s));
	if (!s)
		return EUCC_EXIT_INPUT;
	ret = server_init(s, &o, &err);
	if (!ret && (ret = server_listen(s, &err)))
		server_fini(s);
	if (ret) {
		free(s);
		return cmd_fail(&err);
	}
	fprintf(stderr, "eucc-server: listening on http://%s:%u (data %s, %u workers%s)\n",
		o.listen_host, o.listen_port, o.data_dir, o.workers,
		s->svc.auth_required ? ", tokens required" : ", loopback without tokens");
	sigwait(&set, &sig);
	fprintf(stderr, "eucc-server: %s, stopping\n",
		sig == SIGINT ? "interrupted" : "terminated");
	server_fini(s);
	free(s);
	return EUCC_EXIT_OK;
}
