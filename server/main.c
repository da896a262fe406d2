/* SPDX-License-Identifier: Apache-2.0 */
/* eucc-server: the compile server and its BTF store. */
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/libbpf.h>

#include "compile.h"
#include "data_files.h"
#include "server.h"

static int set_data(void *target, const struct cli_opt *opt, const char *value,
		    struct eucc_error *err)
{
	struct server_config *cfg = target;

	(void)opt;
	if (strlen(value) >= sizeof(cfg->data_dir))
		return eucc_error_set(err, -ENAMETOOLONG, EUCC_E_USAGE,
				      "--data: the path is too long");
	snprintf(cfg->data_dir, sizeof(cfg->data_dir), "%s", value);
	return 0;
}

static const struct cli_opt server_globals[] = {
    {.name = "data",
     .arg = "DIR",
     .kind = CLI_CALL,
     .set = set_data,
     .help = "the data dir: the BTF store (btf/, index.db), the cache (cache/), job dirs (tmp/)",
     .def = "$EUCC_DATA, else $XDG_DATA_HOME/eucc, else ~/.local/share/eucc"},
    {.name = "json",
     .letter = 'j',
     .kind = CLI_BOOL,
     .off = offsetof(struct server_config, json),
     .flags = CLI_IF_JSON,
     .help = "JSON output, for the commands that have it"},
    {.name = "verbose",
     .letter = 'v',
     .kind = CLI_CALL,
     .set = cli_set_verbose,
     .help = "debug messages on stderr (as EUCC_LOG=debug)"},
    {.name = "help", .letter = 'h', .kind = CLI_HELP, .help = "print this help and exit"},
    {.name = "version",
     .letter = 'V',
     .kind = CLI_VERSION,
     .help = "print the version and the libbpf it uses (with -v: and clang's), and exit"},
    {0},
};

static const struct cli_cmd *const server_cmds[] = {
    &server_cmd_serve, &server_cmd_btf, &server_cmd_cache, &server_cmd_key, NULL,
};

/* The toolchains cost a run of each clang: only with -v. */
static void server_version(FILE *out)
{
	fprintf(out, "eucc-server %s (libbpf %u.%u)\n", EUCC_VERSION, libbpf_major_version(),
		libbpf_minor_version());
	if (eucc_log_level() < EUCC_LOG_INFO)
		return;
	fprintf(out, "clang: %s\n", compile_clang_version());
	for (size_t i = 0; i < compile_toolchain_count(); i++) {
		const struct compile_toolchain *tc = compile_toolchain_at(i);

		fprintf(out, "toolchain %s: %s, libbpf headers %s (%s)%s\n", tc->name,
			tc->clang_version, tc->libbpf_version, tc->libbpf_dir,
			i ? "" : ", the default");
	}
}

static const struct cli_prog server_prog = {
    .name = "eucc-server",
    .summary = "The eucc compile server and its store of kernel BTF: serve compiles of CO-RE "
	       "eBPF programs for the kernels of a fleet, manage the kernels and the cache.",
    .globals = server_globals,
    .cmds = server_cmds,
    .footer = "The log level: -v, else EUCC_LOG (debug, info).\nExit codes: 0 ok, 1 "
	      "incompatible (cache verify: bad blobs found), 2 input or local error, 3 usage.",
    .version = server_version,
};

int cmd_fail(const struct eucc_error *e)
{
	eucc_error_print(e, "eucc-server");
	return eucc_error_exit_code(e);
}

int main(int argc, char **argv)
{
	struct server_config cfg = {0};
	const char *level = getenv("EUCC_LOG");
	char libbpf[PATH_MAX];

	if (level && !strcmp(level, "debug"))
		eucc_log_set_level(EUCC_LOG_DEBUG);
	else if (level && !strcmp(level, "info"))
		eucc_log_set_level(EUCC_LOG_INFO);
	/* every command compiles (serve) or precompiles (btf import) with the same headers */
	if (!data_files_libbpf_include(libbpf, sizeof(libbpf)))
		compile_toolchains_set_libbpf(libbpf);
	if (eucc_default_data_dir(cfg.data_dir, sizeof(cfg.data_dir)))
		snprintf(cfg.data_dir, sizeof(cfg.data_dir), ".eucc");
	return cli_main(&server_prog, argc, argv, &cfg);
}
