/* SPDX-License-Identifier: Apache-2.0 */
/* eucc-server: the compile server and its BTF store. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "server.h"

static const struct server_cmd server_cmds[] = {
    {"serve", do_serve,
     "serve [--listen HOST:PORT] [--data DIR] [--workers N] [--tokens FILE] [--cache-max SIZE]"},
    {"btf", do_btf,
     "btf import PATH... [--distro D] [--version V] [--arch A] [--release R] [--replace]\n"
     "btf list [SPEC] [--arch A] [--json]\n"
     "btf show RELEASE [--arch A] [--type NAME | --func NAME] [--json]\n"
     "btf rm RELEASE [--arch A]"},
    {"cache", do_cache, "cache stats|gc|verify [--data DIR] [--json]"},
    {NULL, NULL, NULL},
};

void cmd_usage(FILE *out, const struct server_cmd *cmds, const char *prefix)
{
	for (const struct server_cmd *c = cmds; c->name; c++) {
		const char *line = c->usage;

		while (*line) {
			size_t len = strcspn(line, "\n");

			fprintf(out, "  %s %.*s\n", prefix, (int)len, line);
			line += len + (line[len] == '\n');
		}
	}
}

int cmd_fail(const struct eucc_error *e)
{
	eucc_error_print(e, "eucc-server");
	return eucc_error_exit_code(e);
}

int cmd_usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "eucc-server: error: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n  hint: see `eucc-server --help`\n");
	return EUCC_EXIT_USAGE;
}

int cmd_dispatch(const struct server_cmd *cmds, const char *prefix, int argc, char **argv,
		 struct server_config *cfg)
{
	if (argc < 1 || !strcmp(argv[0], "help") || !strcmp(argv[0], "--help") ||
	    !strcmp(argv[0], "-h")) {
		printf("Usage:\n");
		cmd_usage(stdout, cmds, prefix);
		return argc < 1 ? EUCC_EXIT_USAGE : EUCC_EXIT_OK;
	}
	for (const struct server_cmd *c = cmds; c->name; c++)
		if (!strcmp(argv[0], c->name))
			return c->fn(argc, argv, cfg);
	fprintf(stderr, "eucc-server: error: unknown command '%s'\nUsage:\n", argv[0]);
	cmd_usage(stderr, cmds, prefix);
	return EUCC_EXIT_USAGE;
}

int main(int argc, char **argv)
{
	struct server_config cfg = {0};
	const char *level = getenv("EUCC_LOG");

	if (level && !strcmp(level, "debug"))
		eucc_log_set_level(EUCC_LOG_DEBUG);
	else if (level && !strcmp(level, "info"))
		eucc_log_set_level(EUCC_LOG_INFO);
	if (argc > 1 && (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V"))) {
		printf("eucc-server %s\n", EUCC_VERSION);
		return 0;
	}
	if (eucc_default_data_dir(cfg.data_dir, sizeof(cfg.data_dir)))
		snprintf(cfg.data_dir, sizeof(cfg.data_dir), ".eucc");
	return cmd_dispatch(server_cmds, "eucc-server", argc - 1, argv + 1, &cfg);
}
