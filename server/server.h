/* SPDX-License-Identifier: Apache-2.0 */
/* eucc-server: its commands, each an entry of the command table (main.c). */
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

/* The commands, entries of the one command table (main.c); the parsing is common/cli.c's. */
extern const struct cli_cmd server_cmd_serve, server_cmd_btf, server_cmd_cache, server_cmd_key;

/* The configuration a command runs with (the global options went into it). */
static inline struct server_config *server_config(const struct cli_call *call)
{
	return call->cfg;
}

/* Report @e and return its exit code. */
int cmd_fail(const struct eucc_error *e);

#endif
