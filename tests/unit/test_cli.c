/* SPDX-License-Identifier: Apache-2.0 */
/* The command line module (common/cli.c, cli_help.c) on a small program of its own. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "common.h"

struct test_cfg {
	const char *server;
	bool quiet;
	bool json;
};

struct build_args {
	struct cli_list kernels;
	const char *out;
	const char *version;
	bool fast;
	unsigned int level;
};

static int set_level(void *target, const struct cli_opt *opt, const char *v, struct eucc_error *err)
{
	struct build_args *a = target;

	(void)opt;
	if (strcmp(v, "1") && strcmp(v, "2"))
		return eucc_error_set(err, -EINVAL, EUCC_E_USAGE, "--level is 1 or 2, not '%s'", v);
	a->level = (unsigned int)atoi(v);
	return 0;
}

static int ran;

static int run_cmd(const struct cli_call *call)
{
	(void)call;
	ran++;
	return 7;
}

static const struct cli_opt globals[] = {
    {.name = "server",
     .arg = "URL",
     .kind = CLI_STR,
     .off = offsetof(struct test_cfg, server),
     .help = "the server"},
    {.name = "quiet", .letter = 'q', .kind = CLI_BOOL, .off = offsetof(struct test_cfg, quiet)},
    {.name = "json",
     .letter = 'j',
     .kind = CLI_BOOL,
     .off = offsetof(struct test_cfg, json),
     .flags = CLI_IF_JSON,
     .help = "JSON"},
    {.name = "help", .letter = 'h', .kind = CLI_HELP, .help = "this help"},
    {.name = "version", .letter = 'V', .kind = CLI_VERSION, .help = "the version"},
    {0},
};

static const struct cli_opt build_opts[] = {
    {.name = "kernel",
     .letter = 'k',
     .arg = "SPEC",
     .kind = CLI_LIST,
     .off = offsetof(struct build_args, kernels),
     .help = "a kernel",
     .def = "local"},
    {.name = "output",
     .letter = 'o',
     .arg = "OUT",
     .kind = CLI_STR,
     .off = offsetof(struct build_args, out),
     .help = "where to write"},
    {.name = "fast", .kind = CLI_BOOL, .off = offsetof(struct build_args, fast), .help = "fast"},
    {.name = "level", .arg = "N", .kind = CLI_CALL, .set = set_level, .help = "how hard"},
    {0},
};

static const struct cli_opt add_opts[] = {
    {.name = "version",
     .arg = "V",
     .kind = CLI_STR,
     .off = offsetof(struct build_args, version),
     .help = "the distribution's version"},
    {0},
};

static const struct cli_cmd build = {
    .name = "build",
    .run = run_cmd,
    .args = "FILE",
    .summary = "build a thing",
    .help = "Build FILE for every kernel.",
    .opts = build_opts,
    .json = "print the answer as JSON",
    .min_args = 1,
    .max_args = 1,
};

static const struct cli_cmd push = {
    .name = "push",
    .run = run_cmd,
    .args = "PKG",
    .summary = "push a thing",
    .min_args = 1,
    .max_args = 1,
};

static const struct cli_cmd store_add = {
    .name = "add",
    .run = run_cmd,
    .args = "PATH...",
    .summary = "add things",
    .opts = add_opts,
    .min_args = 1,
    .max_args = -1,
};

static const struct cli_cmd store_gc = {
    .name = "gc",
    .run = run_cmd,
    .summary = "collect",
};

static const struct cli_cmd *const store_cmds[] = {&store_add, &store_gc, NULL};

static const struct cli_cmd store = {
    .name = "store",
    .summary = "the store",
    .subs = store_cmds,
};

static const struct cli_cmd *const cmds[] = {&build, &push, &store, NULL};

static void version(FILE *out)
{
	fprintf(out, "prog 1.0\n");
}

static const struct cli_prog prog = {
    .name = "prog",
    .summary = "A test program.",
    .globals = globals,
    .cmds = cmds,
    .footer = "Exit codes: 0 ok.",
    .version = version,
};

/* Parse a NULL-terminated list of words after "prog". */
static int parse(struct test_cfg *cfg, struct cli_call *call, struct eucc_error *err, ...)
{
	char *argv[32] = {"prog"};
	int argc = 1, ret;
	va_list ap;

	va_start(ap, err);
	while ((argv[argc] = va_arg(ap, char *)))
		argc++;
	va_end(ap);
	memset(cfg, 0, sizeof(*cfg));
	eucc_error_clear(err);
	ret = cli_parse(&prog, argc, argv, cfg, call, err);
	return ret;
}

static void test_global_options_anywhere(void **state)
{
	struct eucc_error err;
	struct test_cfg cfg;
	struct cli_call call;

	(void)state;
	assert_int_equal(
	    parse(&cfg, &call, &err, "--server", "a", "build", "x.c", "-q", "--server=b", NULL), 0);
	assert_int_equal(call.action, CLI_RUN);
	assert_ptr_equal(call.cmd, &build);
	assert_string_equal(call.path, "build");
	assert_string_equal(cfg.server, "b");
	assert_true(cfg.quiet);
	assert_int_equal(call.nargs, 1);
	assert_string_equal(call.args[0], "x.c");
	assert_int_equal(call.nvals, 0);
	cli_call_free(&call);

	/* Short flags together, a global flag after a group's subcommand. */
	assert_int_equal(parse(&cfg, &call, &err, "-qj", "build", "x.c", NULL), 0);
	assert_true(cfg.quiet && cfg.json);
	cli_call_free(&call);
	assert_int_equal(parse(&cfg, &call, &err, "store", "-q", "add", "p1", "p2", NULL), 0);
	assert_ptr_equal(call.cmd, &store_add);
	assert_string_equal(call.path, "store add");
	assert_int_equal(call.nargs, 2);
	assert_true(cfg.quiet);
	cli_call_free(&call);
}

static void test_command_options(void **state)
{
	struct build_args a = {0};
	struct eucc_error err;
	struct test_cfg cfg;
	struct cli_call call;

	(void)state;
	assert_int_equal(parse(&cfg, &call, &err, "build", "-k", "4.19", "--kernel=5.10", "-oout",
			       "x.c", "--fast", "-k6.1", "--level", "2", NULL),
			 0);
	assert_int_equal(cli_apply(&call, &a, &err), 0);
	assert_int_equal(a.kernels.n, 3);
	assert_string_equal(a.kernels.v[0], "4.19");
	assert_string_equal(a.kernels.v[1], "5.10");
	assert_string_equal(a.kernels.v[2], "6.1");
	assert_string_equal(a.out, "out");
	assert_true(a.fast);
	assert_int_equal(a.level, 2);
	assert_string_equal(call.args[0], "x.c");
	cli_call_free(&call);

	/* A command's option of the same name as a global one is the command's. */
	memset(&a, 0, sizeof(a));
	assert_int_equal(parse(&cfg, &call, &err, "store", "add", "p", "--version", "11", NULL), 0);
	assert_int_equal(call.action, CLI_RUN);
	assert_int_equal(cli_apply(&call, &a, &err), 0);
	assert_string_equal(a.version, "11");
	cli_call_free(&call);

	/* "--" ends the options. */
	assert_int_equal(parse(&cfg, &call, &err, "build", "--", "-x.c", NULL), 0);
	assert_string_equal(call.args[0], "-x.c");
	cli_call_free(&call);

	/* A value the option's setter refuses: a usage error with a hint to the help. */
	memset(&a, 0, sizeof(a));
	assert_int_equal(parse(&cfg, &call, &err, "build", "x.c", "--level", "9", NULL), 0);
	assert_int_equal(cli_apply(&call, &a, &err), -EINVAL);
	assert_int_equal(eucc_error_exit_code(&err), EUCC_EXIT_USAGE);
	assert_string_equal(err.message, "--level is 1 or 2, not '9'");
	assert_string_equal(err.hint, "see `prog build --help`");
	cli_call_free(&call);
}

static void test_unknown_option_suggests(void **state)
{
	struct eucc_error err;
	struct test_cfg cfg;
	struct cli_call call;

	(void)state;
	assert_int_equal(parse(&cfg, &call, &err, "build", "x.c", "--kernal", "4.19", NULL),
			 -EINVAL);
	assert_int_equal(err.code, EUCC_E_USAGE);
	assert_int_equal(eucc_error_exit_code(&err), 3);
	assert_string_equal(err.message, "unknown option '--kernal'; did you mean '--kernel'?");
	assert_string_equal(err.hint, "see `prog build --help`");
	cli_call_free(&call);

	/* Nothing close: no suggestion. */
	assert_int_equal(parse(&cfg, &call, &err, "build", "x.c", "--frobnicate", NULL), -EINVAL);
	assert_string_equal(err.message, "unknown option '--frobnicate'");
	cli_call_free(&call);

	/* A command's option before the command: says whose it is. */
	assert_int_equal(parse(&cfg, &call, &err, "--fast", "build", "x.c", NULL), -EINVAL);
	assert_string_equal(err.message, "unknown option '--fast'");
	assert_string_equal(err.hint, "'--fast' is an option of build: give it after the command");
	cli_call_free(&call);
	assert_int_equal(parse(&cfg, &call, &err, "push", "p", "-k", "1", NULL), -EINVAL);
	assert_string_equal(err.message, "unknown option '-k'");
	assert_string_equal(err.hint, "'-k' is an option of build, not of push");
	cli_call_free(&call);

	/* --json only where the command has JSON output. */
	assert_int_equal(parse(&cfg, &call, &err, "--json", "push", "p", NULL), -EINVAL);
	assert_string_equal(err.message, "option '--json' does not apply to 'push'");
	cli_call_free(&call);
	assert_int_equal(parse(&cfg, &call, &err, "--fast=1", NULL), -EINVAL);
	cli_call_free(&call);
	assert_int_equal(parse(&cfg, &call, &err, "build", "x.c", "--fast=1", NULL), -EINVAL);
	assert_string_equal(err.message, "option '--fast' takes no value");
	cli_call_free(&call);
}

static void test_unknown_command_suggests(void **state)
{
	struct eucc_error err;
	struct test_cfg cfg;
	struct cli_call call;

	(void)state;
	assert_int_equal(parse(&cfg, &call, &err, "biuld", "x.c", NULL), -EINVAL);
	assert_string_equal(err.message, "unknown command 'biuld'; did you mean 'build'?");
	assert_int_equal(eucc_error_exit_code(&err), EUCC_EXIT_USAGE);
	cli_call_free(&call);
	assert_int_equal(parse(&cfg, &call, &err, "store", "ad", "p", NULL), -EINVAL);
	assert_string_equal(err.message, "unknown command 'store ad'; did you mean 'store add'?");
	assert_string_equal(err.hint, "see `prog store --help`");
	cli_call_free(&call);
	assert_int_equal(parse(&cfg, &call, &err, "zzzzzz", NULL), -EINVAL);
	assert_string_equal(err.message, "unknown command 'zzzzzz'");
	cli_call_free(&call);

	/* A group needs a command; the program too. */
	assert_int_equal(parse(&cfg, &call, &err, "store", NULL), -EINVAL);
	assert_string_equal(err.message, "'store' needs a command: add or gc");
	cli_call_free(&call);
	assert_int_equal(parse(&cfg, &call, &err, "-q", NULL), -EINVAL);
	assert_string_equal(err.message, "no command given: build, push or store");
	cli_call_free(&call);
}

static void test_missing_argument(void **state)
{
	struct eucc_error err;
	struct test_cfg cfg;
	struct cli_call call;

	(void)state;
	assert_int_equal(parse(&cfg, &call, &err, "build", "x.c", "--kernel", NULL), -EINVAL);
	assert_string_equal(err.message, "option '--kernel' needs a value (SPEC)");
	assert_int_equal(eucc_error_exit_code(&err), EUCC_EXIT_USAGE);
	cli_call_free(&call);
	assert_int_equal(parse(&cfg, &call, &err, "build", "x.c", "-o", NULL), -EINVAL);
	assert_string_equal(err.message, "option '--output' needs a value (OUT)");
	cli_call_free(&call);
	assert_int_equal(parse(&cfg, &call, &err, "build", NULL), -EINVAL);
	assert_string_equal(err.message, "'build' needs FILE");
	assert_string_equal(err.hint,
			    "usage: prog build FILE [OPTION]...; see `prog build --help`");
	cli_call_free(&call);
	assert_int_equal(parse(&cfg, &call, &err, "build", "a", "b", NULL), -EINVAL);
	assert_string_equal(err.message, "'build' takes FILE; 'b' is one too many");
	cli_call_free(&call);
	assert_int_equal(parse(&cfg, &call, &err, "store", "gc", "x", NULL), -EINVAL);
	assert_string_equal(err.message, "'store gc' takes no arguments ('x')");
	cli_call_free(&call);
}

static void test_help_and_version(void **state)
{
	struct eucc_error err;
	struct test_cfg cfg;
	struct cli_call call;

	(void)state;
	/* Help is an action, not an error: whatever else the line lacks. */
	assert_int_equal(parse(&cfg, &call, &err, "--help", NULL), 0);
	assert_int_equal(call.action, CLI_SHOW_HELP);
	assert_null(call.cmd);
	cli_call_free(&call);
	assert_int_equal(parse(&cfg, &call, &err, "build", "--help", NULL), 0);
	assert_int_equal(call.action, CLI_SHOW_HELP);
	assert_ptr_equal(call.cmd, &build);
	cli_call_free(&call);
	assert_int_equal(parse(&cfg, &call, &err, "help", "store", "gc", NULL), 0);
	assert_int_equal(call.action, CLI_SHOW_HELP);
	assert_ptr_equal(call.cmd, &store_gc);
	cli_call_free(&call);
	assert_int_equal(parse(&cfg, &call, &err, "-h", "store", NULL), 0);
	assert_int_equal(call.action, CLI_SHOW_HELP);
	assert_ptr_equal(call.cmd, &store);
	cli_call_free(&call);
	assert_int_equal(parse(&cfg, &call, &err, "help", "nope", NULL), -EINVAL);
	cli_call_free(&call);
	assert_int_equal(parse(&cfg, &call, &err, "push", "-V", NULL), 0);
	assert_int_equal(call.action, CLI_SHOW_VERSION);
	cli_call_free(&call);
}

/* Run cli_main with stdout and stderr to files; returns its exit code. */
static int main_captured(char *out, size_t size, int argc, char **argv)
{
	char path[] = "/tmp/eucc-test-cli-XXXXXX";
	int fd = mkstemp(path), saved_out = dup(1), saved_err = dup(2), ret;
	struct test_cfg cfg = {0};
	ssize_t n;

	assert_true(fd >= 0);
	fflush(stdout);
	fflush(stderr);
	dup2(fd, 1);
	dup2(fd, 2);
	ret = cli_main(&prog, argc, argv, &cfg);
	fflush(stdout);
	fflush(stderr);
	dup2(saved_out, 1);
	dup2(saved_err, 2);
	close(saved_out);
	close(saved_err);
	n = pread(fd, out, size - 1, 0);
	out[n > 0 ? n : 0] = '\0';
	close(fd);
	unlink(path);
	return ret;
}

static void test_main_exit_codes(void **state)
{
	char out[8192];
	char *help[] = {"prog", "build", "--help"};
	char *top[] = {"prog", "--help"};
	char *bad[] = {"prog", "build", "x.c", "--kernal", "1"};
	char *ok[] = {"prog", "build", "x.c"};
	char *ver[] = {"prog", "--version"};

	(void)state;
	ran = 0;
	assert_int_equal(main_captured(out, sizeof(out), 3, help), EUCC_EXIT_OK);
	assert_int_equal(ran, 0);
	assert_non_null(strstr(out, "Usage: prog build FILE [OPTION]..."));
	assert_non_null(strstr(out, "Build FILE for every kernel."));
	/* Every option with what it does and its default; the global ones that apply. */
	assert_non_null(strstr(out, "-k, --kernel SPEC"));
	assert_non_null(strstr(out, "a kernel (repeatable; default: local)"));
	assert_non_null(strstr(out, "-o, --output OUT"));
	assert_non_null(strstr(out, "--level N"));
	assert_non_null(strstr(out, "--server URL"));
	assert_non_null(strstr(out, "print the answer as JSON"));
	assert_null(strstr(out, "--version"));

	assert_int_equal(main_captured(out, sizeof(out), 2, top), EUCC_EXIT_OK);
	assert_non_null(strstr(out, "Usage: prog [OPTION]... COMMAND [ARG]..."));
	assert_non_null(strstr(out, "  build FILE "));
	assert_non_null(strstr(out, "build a thing"));
	assert_non_null(strstr(out, "  store add PATH... "));
	assert_non_null(strstr(out, "  help [COMMAND] "));
	assert_non_null(strstr(out, "-V, --version"));
	assert_non_null(strstr(out, "Exit codes: 0 ok."));

	assert_int_equal(main_captured(out, sizeof(out), 5, bad), EUCC_EXIT_USAGE);
	assert_string_equal(out, "prog: error: unknown option '--kernal'; did you mean "
				 "'--kernel'?\n  hint: see `prog build --help`\n");
	assert_int_equal(ran, 0);
	assert_int_equal(main_captured(out, sizeof(out), 2, ver), EUCC_EXIT_OK);
	assert_string_equal(out, "prog 1.0\n");
	assert_int_equal(main_captured(out, sizeof(out), 3, ok), 7);
	assert_int_equal(ran, 1);
}

static void test_distance(void **state)
{
	const char *names[] = {"kernel", "arch", "headers", "name", "output"};

	(void)state;
	assert_int_equal(cli_distance("kernal", "kernel"), 1);
	assert_int_equal(cli_distance("arhc", "arch"), 1); /* swapped neighbours */
	assert_int_equal(cli_distance("", "abc"), 3);
	assert_int_equal(cli_distance("abc", "abc"), 0);
	assert_int_equal(cli_distance("headres", "headers"), 1);
	assert_string_equal(cli_suggest("kernal", names, 5), "kernel");
	assert_string_equal(cli_suggest("head", names, 5), "headers"); /* the only prefix */
	assert_string_equal(cli_suggest("nmae", names, 5), "name");
	assert_null(cli_suggest("zz", names, 5));
	assert_null(cli_suggest("frobnicate", names, 5));
}

/* What `prog __complete WORD...` prints. */
static char *complete(int argc, char **argv)
{
	static char buf[1024];
	FILE *out = fmemopen(buf, sizeof(buf), "w");

	assert_non_null(out);
	assert_int_equal(cli_complete(out, &prog, argc, argv), 0);
	fclose(out);
	return buf;
}

static void test_complete(void **state)
{
	char *top[] = {""}, *sub[] = {"-q", "store", ""}, *opt[] = {"build", "x", "--k"};
	char *all[] = {"push", "p", "--"}, *val[] = {"--server", "s", "b"};
	char *shadow[] = {"store", "add", "--v"};

	(void)state;
	assert_string_equal(complete(1, top), "build\npush\nstore\nhelp\n");
	assert_string_equal(complete(3, sub), "add\ngc\n");
	assert_string_equal(complete(3, opt), "--kernel\n");
	/* push has no JSON output: no --json. */
	assert_string_equal(complete(3, all), "--server\n--quiet\n--help\n--version\n");
	/* The value of --server is not a command word. */
	assert_string_equal(complete(3, val), "build\n");
	/* store add's own --version, not the global one as well. */
	assert_string_equal(complete(3, shadow), "--version\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_global_options_anywhere),
	    cmocka_unit_test(test_command_options),
	    cmocka_unit_test(test_unknown_option_suggests),
	    cmocka_unit_test(test_unknown_command_suggests),
	    cmocka_unit_test(test_missing_argument),
	    cmocka_unit_test(test_help_and_version),
	    cmocka_unit_test(test_main_exit_codes),
	    cmocka_unit_test(test_distance),
	    cmocka_unit_test(test_complete),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
