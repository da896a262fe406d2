/* SPDX-License-Identifier: Apache-2.0 */
/* eucc-server: its commands, each a do_* function behind one table (main.c). */
#ifndef EUCC_SERVER_H
#define EUCC_SERVER_H

#include <limits.h>
#include <stdbool.h>

#include "common.h"

/* Configuration of one invocation, filled from the command line and the environment. */
struct server_config {
	char data_dir[PATH_MAX];
	bool json;
};

struct server_cmd {
	const char *name;
	int (*fn)(int argc, char **argv, struct server_config *cfg);
	const char *usage; /* one line per form, without the program name */
};

/* Run the subcommand argv[0] from @cmds; prints help for "help", --help or unknown commands. */
int cmd_dispatch(const struct server_cmd *cmds, const char *prefix, int argc, char **argv,
		 struct server_config *cfg);
/* Print the usage lines of @cmds, prefixed, to @out. */
void cmd_usage(FILE *out, const struct server_cmd *cmds, const char *prefix);
/* Report @e and return its exit code. */
int cmd_fail(const struct eucc_error *e);
/* Report a usage error and return EUCC_EXIT_USAGE. */
int cmd_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

int do_btf(int argc, char **argv, struct server_config *cfg);
int do_serve(int argc, char **argv, struct server_config *cfg);
int do_cache(int argc, char **argv, struct server_config *cfg);

#endif
