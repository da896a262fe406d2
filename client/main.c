/* SPDX-License-Identifier: Apache-2.0 */
/* eucc-remote: the thin client of eucc-server. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "remote.h"

static const struct remote_cmd remote_cmds[] = {
    {"compile", do_compile,
     "compile FILE.bpf.c [--kernel SPEC]... [--arch A] [-I DIR]... [-D NAME[=V]]... "
     "[--headers RELEASE] [-o OUT] [--json]"},
    {"check", do_check, "check FILE.bpf.c --kernel SPEC... [--format text|json|sarif]"},
    {"pull", do_pull, "pull DIGEST [-o OUT]"},
    {"run", do_run,
     "run PKG [--btf auto|bundled|native|PATH] [--duration SEC] [--set NAME=VALUE]... [--json]"},
    {"inspect", do_inspect, "inspect PKG [--json]"},
    {"kernels", do_kernels,
     "kernels [SPEC] [--arch A] [--json] | kernels RELEASE --type NAME|--func NAME"},
    {NULL, NULL, NULL},
};

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: eucc-remote [--server URL] [--token TOKEN] COMMAND ...\n\nCommands:\n");
	for (const struct remote_cmd *c = remote_cmds; c->name; c++)
		fprintf(out, "  eucc-remote %s\n", c->usage);
	fprintf(out,
		"\nThe server: --server or EUCC_SERVER (default http://127.0.0.1:8639); the "
		"token: --token or EUCC_TOKEN.\nExit codes: 0 ok, 1 incompatible on some kernel, "
		"2 compile or input error, 3 usage, 4 server unreachable or refused.\n");
}

int remote_fail(const struct eucc_error *e)
{
	eucc_error_print(e, "eucc-remote");
	return eucc_error_exit_code(e);
}

int remote_usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "eucc-remote: error: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n  hint: see `eucc-remote --help`\n");
	return EUCC_EXIT_USAGE;
}

static void config_defaults(struct remote_config *cfg)
{
	const char *env;

	memset(cfg, 0, sizeof(*cfg));
	env = getenv("EUCC_SERVER");
	snprintf(cfg->server, sizeof(cfg->server), "%s",
		 env && *env ? env : "http://127.0.0.1:8639");
	env = getenv("EUCC_TOKEN");
	snprintf(cfg->token, sizeof(cfg->token), "%s", env ? env : "");
	cfg->timeout_sec = 600;
}

/* Global options before the command: --server URL, --token T, -v, -q. */
static int global_options(int *argc, char ***argv, struct remote_config *cfg)
{
	while (*argc > 1 && (*argv)[1][0] == '-') {
		const char *opt = (*argv)[1];

		if ((!strcmp(opt, "--server") || !strcmp(opt, "--token")) && *argc > 2) {
			snprintf(opt[2] == 's' ? cfg->server : cfg->token,
				 opt[2] == 's' ? sizeof(cfg->server) : sizeof(cfg->token), "%s",
				 (*argv)[2]);
			*argc -= 2;
			*argv += 2;
		} else if (!strcmp(opt, "-v")) {
			eucc_log_set_level(EUCC_LOG_DEBUG);
			(*argc)--, (*argv)++;
		} else if (!strcmp(opt, "-q")) {
			cfg->quiet = true;
			(*argc)--, (*argv)++;
		} else {
			return 0;
		}
	}
	/* A URL without a scheme is taken as http://HOST:PORT. */
	if (!strstr(cfg->server, "://")) {
		char buf[sizeof(cfg->server)];

		snprintf(buf, sizeof(buf), "http://%s", cfg->server);
		memcpy(cfg->server, buf, sizeof(buf));
	}
	size_t len = strlen(cfg->server);
	if (len && cfg->server[len - 1] == '/')
		cfg->server[len - 1] = '\0';
	return 0;
}

int main(int argc, char **argv)
{
	struct remote_config cfg;
	int ret = EUCC_EXIT_USAGE;

	config_defaults(&cfg);
	global_options(&argc, &argv, &cfg);
	if (argc < 2) {
		usage(stderr);
		return EUCC_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return EUCC_EXIT_OK;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("eucc-remote %s\n", EUCC_VERSION);
		return EUCC_EXIT_OK;
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	for (const struct remote_cmd *c = remote_cmds; c->name; c++)
		if (!strcmp(argv[1], c->name)) {
			ret = c->fn(argc - 1, argv + 1, &cfg);
			goto out;
		}
	fprintf(stderr, "eucc-remote: error: unknown command '%s'\n", argv[1]);
	usage(stderr);
out:
	curl_global_cleanup();
	return ret;
}
