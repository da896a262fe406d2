/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The command line of both binaries, parsed from their tables (common.h, "command lines"):
 * command words pick a command (and a group's subcommand), global options may stand anywhere,
 * a command's own options after its name. Global options are stored at once; the command's are
 * kept in order and stored by cli_apply into the command's own struct.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

struct parser {
	const struct cli_prog *prog;
	struct cli_call *call;
	struct eucc_error *err;
	bool resolved;		    /* a command (not a group) was named */
	bool help_word;		    /* the line asks `help ...` */
	bool help;		    /* --help */
	bool version;		    /* --version */
	bool dashdash;		    /* after "--": operands only */
	const struct cli_opt *json; /* a CLI_IF_JSON global given */
};

static bool opt_end(const struct cli_opt *o)
{
	return !o->name && !o->letter;
}

const struct cli_opt *cli_find_opt(const struct cli_opt *opts, const char *name, size_t len,
				   char letter)
{
	for (const struct cli_opt *o = opts; o && !opt_end(o); o++) {
		if (letter && o->letter == letter)
			return o;
		if (!letter && o->name && strlen(o->name) == len && !strncmp(o->name, name, len))
			return o;
	}
	return NULL;
}

/* "--kernel", or "-I" for an option without a long form. */
static void opt_name(const struct cli_opt *o, char *buf, size_t size)
{
	if (o->name)
		snprintf(buf, size, "--%s", o->name);
	else
		snprintf(buf, size, "-%c", o->letter);
}

static void hint_help(const struct cli_call *call, struct eucc_error *err)
{
	eucc_error_hint(err, "see `%s%s%s --help`", call->prog->name, call->path[0] ? " " : "",
			call->path);
}

/* ---- did you mean ------------------------------------------------------------------------ */

unsigned int cli_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	unsigned int d[3][65], *prev2 = d[0], *prev = d[1], *cur = d[2];

	if (la > 64 || lb > 64)
		return 1000;
	for (size_t j = 0; j <= lb; j++)
		prev[j] = (unsigned int)j;
	for (size_t i = 1; i <= la; i++) {
		cur[0] = (unsigned int)i;
		for (size_t j = 1; j <= lb; j++) {
			unsigned int sub = prev[j - 1] + (a[i - 1] != b[j - 1]);
			unsigned int del = prev[j] + 1, ins = cur[j - 1] + 1;

			cur[j] = sub < del ? sub : del;
			cur[j] = ins < cur[j] ? ins : cur[j];
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    prev2[j - 2] + 1 < cur[j])
				cur[j] = prev2[j - 2] + 1;
		}
		unsigned int *t = prev2;
		prev2 = prev;
		prev = cur;
		cur = t;
	}
	return prev[lb];
}

const char *cli_suggest(const char *word, const char *const *cands, size_t n)
{
	size_t len = strlen(word), prefixed = 0;
	unsigned int best = 1000, limit = len <= 3 ? 1 : len <= 6 ? 2 : 3;
	const char *pick = NULL, *prefix = NULL;

	for (size_t i = 0; i < n; i++) {
		unsigned int d = cli_distance(word, cands[i]);

		if (d < best)
			best = d, pick = cands[i];
		if (len >= 2 && !strncmp(cands[i], word, len))
			prefixed++, prefix = cands[i];
	}
	if (pick && best <= limit && best < strlen(pick))
		return pick;
	return prefixed == 1 ? prefix : NULL;
}

static size_t opt_names(const struct cli_opt *opts, const char **out, size_t n, size_t max)
{
	for (const struct cli_opt *o = opts; o && !opt_end(o) && n < max; o++)
		if (o->name)
			out[n++] = o->name;
	return n;
}

/* The commands below @cmds (prefixed by @prefix) that have the option: "compile, check". */
static void opt_owners(const struct cli_cmd *const *cmds, const char *prefix, const char *name,
		       size_t len, char letter, char *buf, size_t size)
{
	for (; cmds && *cmds; cmds++) {
		char path[128];
		size_t used = strlen(buf);

		snprintf(path, sizeof(path), "%s%s%s", prefix, *prefix ? " " : "", (*cmds)->name);
		if ((*cmds)->subs)
			opt_owners((*cmds)->subs, path, name, len, letter, buf, size);
		else if (cli_find_opt((*cmds)->opts, name, len, letter))
			snprintf(buf + used, size - used, "%s%s", used ? ", " : "", path);
	}
}

static int unknown_option(const struct cli_call *call, const char *word, size_t len,
			  struct eucc_error *err)
{
	const char *names[2 * CLI_LIST_MAX], *pick = NULL;
	char typed[64], owners[256] = "";
	bool is_long = word[1] == '-';
	size_t n = 0;

	snprintf(typed, sizeof(typed), "%.*s", (int)len, word);
	if (is_long) {
		n = opt_names(call->cmd ? call->cmd->opts : NULL, names, n, CLI_LIST_MAX);
		n = opt_names(call->prog->globals, names, n, 2 * CLI_LIST_MAX);
		pick = cli_suggest(typed + 2, names, n);
	}
	eucc_error_set(err, -EINVAL, EUCC_E_USAGE, "unknown option '%s'%s%s%s", typed,
		       pick ? "; did you mean '--" : "", pick ? pick : "", pick ? "'?" : "");
	opt_owners(call->prog->cmds, "", is_long ? typed + 2 : NULL, len - 2, is_long ? 0 : word[1],
		   owners, sizeof(owners));
	if (!pick && owners[0] && call->path[0])
		eucc_error_hint(err, "'%s' is an option of %s, not of %s", typed, owners,
				call->path);
	else if (!pick && owners[0])
		eucc_error_hint(err, "'%s' is an option of %s: give it after the command", typed,
				owners);
	else
		hint_help(call, err);
	return -EINVAL;
}

/* "import, list, show or rm" */
static void command_names(const struct cli_cmd *const *cmds, char *buf, size_t size)
{
	buf[0] = '\0';
	for (size_t i = 0, used; cmds[i]; i++) {
		used = strlen(buf);
		snprintf(buf + used, size - used, "%s%s",
			 !i		? ""
			 : !cmds[i + 1] ? " or "
					: ", ",
			 cmds[i]->name);
	}
}

static int unknown_command(const struct cli_call *call, const char *word, struct eucc_error *err)
{
	const struct cli_cmd *const *cmds = call->cmd ? call->cmd->subs : call->prog->cmds;
	const char *names[CLI_LIST_MAX], *pick;
	const char *sp = call->path[0] ? " " : "";
	size_t n = 0;

	for (; *cmds && n < CLI_LIST_MAX - 1; cmds++)
		names[n++] = (*cmds)->name;
	if (!call->cmd)
		names[n++] = "help";
	pick = cli_suggest(word, names, n);
	if (pick)
		eucc_error_set(err, -EINVAL, EUCC_E_USAGE,
			       "unknown command '%s%s%s'; did you mean '%s%s%s'?", call->path, sp,
			       word, call->path, sp, pick);
	else
		eucc_error_set(err, -EINVAL, EUCC_E_USAGE, "unknown command '%s%s%s'", call->path,
			       sp, word);
	hint_help(call, err);
	return -EINVAL;
}

int cli_usage_error(const struct cli_call *call, const char *fmt, ...)
{
	struct eucc_error err = {.err = -EINVAL, .code = EUCC_E_USAGE};
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err.message, sizeof(err.message), fmt, ap);
	va_end(ap);
	hint_help(call, &err);
	eucc_error_print(&err, call->prog->name);
	return EUCC_EXIT_USAGE;
}

int cli_set_arch(void *target, const struct cli_opt *opt, const char *value, struct eucc_error *err)
{
	const char *arch = arch_normalize(value);

	if (!arch)
		return eucc_error_set(
		    err, -EINVAL, EUCC_E_USAGE,
		    "unknown architecture '%s' (x86_64, arm64, s390x, ppc64le, ...)", value);
	*(const char **)((char *)target + opt->off) = arch;
	return 0;
}

int cli_set_verbose(void *target, const struct cli_opt *opt, const char *value,
		    struct eucc_error *err)
{
	(void)target, (void)opt, (void)value, (void)err;
	eucc_log_set_level(EUCC_LOG_DEBUG);
	return 0;
}

/* ---- parsing ----------------------------------------------------------------------------- */

/* The command's options first (btf import --version is its own), then the global ones. */
static const struct cli_opt *lookup(const struct parser *p, const char *name, size_t len,
				    char letter, bool *global)
{
	const struct cli_opt *o = NULL;

	if (p->call->cmd)
		o = cli_find_opt(p->call->cmd->opts, name, len, letter);
	*global = !o;
	return o ? o : cli_find_opt(p->prog->globals, name, len, letter);
}

static int store(const struct cli_opt *o, void *target, const char *value, struct eucc_error *err)
{
	char *base = target;
	struct cli_list *list;
	char label[64];

	switch (o->kind) {
	case CLI_BOOL:
		*(bool *)(base + o->off) = true;
		return 0;
	case CLI_STR:
		*(const char **)(base + o->off) = value;
		return 0;
	case CLI_LIST:
		list = (struct cli_list *)(base + o->off);
		if (list->n == CLI_LIST_MAX) {
			opt_name(o, label, sizeof(label));
			return eucc_error_set(err, -E2BIG, EUCC_E_USAGE,
					      "too many %s options (at most %d)", label,
					      CLI_LIST_MAX);
		}
		list->v[list->n++] = value;
		return 0;
	case CLI_CALL:
		return o->set(target, o, value, err);
	default:
		return 0;
	}
}

static int take(struct parser *p, const struct cli_opt *o, bool global, const char *value)
{
	struct cli_call *call = p->call;
	int ret;

	if (o->kind == CLI_HELP) {
		p->help = true;
	} else if (o->kind == CLI_VERSION) {
		p->version = true;
	} else if (!global) {
		call->vals[call->nvals++] = (struct cli_value){o, value};
	} else {
		if (o->flags & CLI_IF_JSON)
			p->json = o;
		if ((ret = store(o, call->cfg, value, p->err))) {
			if (!p->err->hint[0])
				hint_help(call, p->err);
			return ret;
		}
	}
	return 0;
}

static int missing_value(const struct parser *p, const struct cli_opt *o)
{
	char label[64];

	opt_name(o, label, sizeof(label));
	eucc_error_set(p->err, -EINVAL, EUCC_E_USAGE, "option '%s' needs a value (%s)", label,
		       o->arg);
	hint_help(p->call, p->err);
	return -EINVAL;
}

/* An option of the command's own (CLI_EXTRA_OPTS), which the command checks itself. */
static int take_extra(struct parser *p, int argc, char **argv, int *i, size_t len)
{
	struct cli_extra *x = &p->call->extras[p->call->nextras++];
	const char *word = argv[*i] + 2;

	x->name = word;
	x->len = len;
	if (word[len] == '=')
		x->value = word + len + 1;
	else if (*i + 1 < argc && strncmp(argv[*i + 1], "--", 2))
		x->value = argv[++*i];
	else
		x->value = NULL;
	return 0;
}

/* --name, --name=VALUE, --name VALUE */
static int parse_long(struct parser *p, int argc, char **argv, int *i)
{
	const char *word = argv[*i] + 2, *eq = strchr(word, '='), *value = NULL;
	size_t len = eq ? (size_t)(eq - word) : strlen(word);
	const struct cli_opt *o;
	bool global;

	o = lookup(p, word, len, 0, &global);
	if (!o && p->resolved && (p->call->cmd->flags & CLI_EXTRA_OPTS))
		return take_extra(p, argc, argv, i, len);
	if (!o)
		return unknown_option(p->call, argv[*i], len + 2, p->err);
	if (o->arg && eq)
		value = eq + 1;
	else if (o->arg && *i + 1 < argc)
		value = argv[++*i];
	else if (o->arg)
		return missing_value(p, o);
	else if (eq) {
		eucc_error_set(p->err, -EINVAL, EUCC_E_USAGE, "option '--%.*s' takes no value",
			       (int)len, word);
		hint_help(p->call, p->err);
		return -EINVAL;
	}
	return take(p, o, global, value);
}

/* -x, -xVALUE, -x VALUE, and flags together: -qv */
static int parse_short(struct parser *p, int argc, char **argv, int *i)
{
	for (const char *c = argv[*i] + 1; *c; c++) {
		const struct cli_opt *o;
		const char *value;
		bool global;
		char word[3] = {'-', *c, '\0'};
		int ret;

		o = lookup(p, NULL, 0, *c, &global);
		if (!o)
			return unknown_option(p->call, word, 2, p->err);
		if (!o->arg) {
			if ((ret = take(p, o, global, NULL)))
				return ret;
			continue;
		}
		value = c[1] ? c + 1 : *i + 1 < argc ? argv[++*i] : NULL;
		if (!value)
			return missing_value(p, o);
		return take(p, o, global, value);
	}
	return 0;
}

static void path_append(struct cli_call *call, const char *word)
{
	size_t len = strlen(call->path);

	snprintf(call->path + len, sizeof(call->path) - len, "%s%s", len ? " " : "", word);
}

/* A word that is not an option: a command word until a command is named, then an operand. */
static int parse_word(struct parser *p, char *word)
{
	struct cli_call *call = p->call;
	const struct cli_cmd *const *subs = call->cmd ? call->cmd->subs : p->prog->cmds;

	if (p->resolved) {
		call->args[call->nargs++] = word;
		return 0;
	}
	if (!call->cmd && !p->help_word && !strcmp(word, "help")) {
		p->help_word = true;
		return 0;
	}
	for (; *subs; subs++)
		if (!strcmp((*subs)->name, word))
			break;
	if (!*subs)
		return unknown_command(call, word, p->err);
	call->cmd = *subs;
	path_append(call, word);
	p->resolved = !call->cmd->subs;
	return 0;
}

static int parse_words(struct parser *p, int argc, char **argv)
{
	int ret = 0;

	for (int i = 1; !ret && i < argc; i++) {
		const char *w = argv[i];

		if (p->dashdash || w[0] != '-' || !w[1])
			ret = parse_word(p, argv[i]);
		else if (!strcmp(w, "--"))
			p->dashdash = true;
		else if (w[1] == '-')
			ret = parse_long(p, argc, argv, &i);
		else
			ret = parse_short(p, argc, argv, &i);
	}
	return ret;
}

static int usage_error(const struct parser *p, const char *what, const char *usage)
{
	eucc_error_set(p->err, -EINVAL, EUCC_E_USAGE, "%s", what);
	if (usage)
		eucc_error_hint(p->err, "usage: %s %s%s%s [OPTION]...; see `%s %s --help`",
				p->prog->name, p->call->path, p->call->cmd->args ? " " : "",
				p->call->cmd->args ? p->call->cmd->args : "", p->prog->name,
				p->call->path);
	else
		hint_help(p->call, p->err);
	return -EINVAL;
}

/* After the words: what to do, and whether the command got what it needs. */
static int finish(struct parser *p)
{
	struct cli_call *call = p->call;
	const struct cli_cmd *c = call->cmd;
	char names[256], msg[512];

	call->action = CLI_RUN;
	if (p->help && c && (c->flags & CLI_OWN_HELP) && call->nargs && !p->help_word)
		call->help = true;
	else if (p->help || p->help_word)
		return call->action = CLI_SHOW_HELP, 0;
	else if (p->version)
		return call->action = CLI_SHOW_VERSION, 0;
	if (!c || !p->resolved) {
		command_names(c ? c->subs : p->prog->cmds, names, sizeof(names));
		if (c)
			snprintf(msg, sizeof(msg), "'%s' needs a command: %s", call->path, names);
		else
			snprintf(msg, sizeof(msg), "no command given: %s", names);
		return usage_error(p, msg, NULL);
	}
	if (p->json && !c->json) {
		snprintf(msg, sizeof(msg), "option '--json' does not apply to '%s'", call->path);
		return usage_error(p, msg, NULL);
	}
	if (call->nargs < c->min_args) {
		snprintf(msg, sizeof(msg), "'%s' needs %s", call->path, c->args ? c->args : "more");
		return usage_error(p, msg, c->args);
	}
	if (c->max_args >= 0 && call->nargs > c->max_args) {
		if (c->max_args)
			snprintf(msg, sizeof(msg), "'%s' takes %s; '%s' is one too many",
				 call->path, c->args, call->args[c->max_args]);
		else
			snprintf(msg, sizeof(msg), "'%s' takes no arguments ('%s')", call->path,
				 call->args[0]);
		return usage_error(p, msg, c->args);
	}
	return 0;
}

int cli_parse(const struct cli_prog *prog, int argc, char **argv, void *cfg, struct cli_call *call,
	      struct eucc_error *err)
{
	struct parser p = {.prog = prog, .call = call, .err = err};
	int ret;

	memset(call, 0, sizeof(*call));
	call->prog = prog;
	call->cfg = cfg;
	call->args = calloc((size_t)argc + 1, sizeof(*call->args));
	call->vals = calloc((size_t)argc + 1, sizeof(*call->vals));
	call->extras = calloc((size_t)argc + 1, sizeof(*call->extras));
	if (!call->args || !call->vals || !call->extras)
		return eucc_error_set(err, -ENOMEM, EUCC_E_INTERNAL, "out of memory");
	ret = parse_words(&p, argc, argv);
	return ret ? ret : finish(&p);
}

void cli_call_free(struct cli_call *call)
{
	free(call->args);
	free(call->vals);
	free(call->extras);
	call->args = NULL;
	call->vals = NULL;
	call->extras = NULL;
}

int cli_apply(const struct cli_call *call, void *target, struct eucc_error *err)
{
	for (size_t i = 0; i < call->nvals; i++) {
		int ret = store(call->vals[i].opt, target, call->vals[i].value, err);

		if (ret) {
			if (err && !err->hint[0])
				hint_help(call, err);
			return ret;
		}
	}
	return 0;
}

int cli_main(const struct cli_prog *prog, int argc, char **argv, void *cfg)
{
	struct eucc_error err = {0};
	struct cli_call call;
	int ret;

	if (argc > 1 && !strcmp(argv[1], "__complete"))
		return cli_complete(stdout, prog, argc - 2, argv + 2);
	if (cli_parse(prog, argc, argv, cfg, &call, &err)) {
		eucc_error_print(&err, prog->name);
		cli_call_free(&call);
		return eucc_error_exit_code(&err);
	}
	if (call.action == CLI_SHOW_HELP) {
		cli_help(stdout, &call);
		ret = EUCC_EXIT_OK;
	} else if (call.action == CLI_SHOW_VERSION) {
		prog->version(stdout);
		ret = EUCC_EXIT_OK;
	} else {
		ret = call.cmd->run(&call);
	}
	cli_call_free(&call);
	return ret;
}
