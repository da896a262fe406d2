/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Shell completion from the command tables: `PROG __complete WORD...` prints what may stand
 * where the last WORD is (completion/eucc.bash passes the words of the line being typed).
 */
#include <ctype.h>
#include <string.h>

#include "common.h"

struct completion {
	const struct cli_prog *prog;
	const struct cli_cmd *cmd; /* the command (or group) named so far; NULL: none */
	bool resolved;		   /* a command, not a group */
	bool help_word;
	const struct cli_opt *value_of; /* the last word is this option's value */
};

static bool opt_end(const struct cli_opt *o)
{
	return !o->name && !o->letter;
}

/* The option a word names (--name, --name=V, -x, -xV), or NULL. */
static const struct cli_opt *word_opt(const struct completion *c, const char *w, bool *separate)
{
	const struct cli_opt *o = NULL;
	const char *name = w + 2;
	size_t len = strcspn(name, "=");
	char letter = w[1] == '-' ? 0 : w[1];

	if (c->cmd)
		o = cli_find_opt(c->cmd->opts, name, len, letter);
	if (!o)
		o = cli_find_opt(c->prog->globals, name, len, letter);
	*separate = o && o->arg && (letter ? !w[2] : !name[len]);
	return o;
}

static void command_word(struct completion *c, const char *w)
{
	const struct cli_cmd *const *subs = c->cmd ? c->cmd->subs : c->prog->cmds;

	if (c->resolved)
		return;
	if (!c->cmd && !c->help_word && !strcmp(w, "help")) {
		c->help_word = true;
		return;
	}
	for (; *subs; subs++)
		if (!strcmp((*subs)->name, w)) {
			c->cmd = *subs;
			c->resolved = !c->cmd->subs;
			return;
		}
}

static void walk(struct completion *c, int argc, char **argv)
{
	bool dashdash = false, separate;

	for (int i = 0; i < argc - 1; i++) {
		const char *w = argv[i];
		const struct cli_opt *o;

		if (!dashdash && !strcmp(w, "--")) {
			dashdash = true;
		} else if (!dashdash && w[0] == '-' && w[1]) {
			o = word_opt(c, w, &separate);
			if (separate && ++i == argc - 1)
				c->value_of = o;
		} else {
			command_word(c, w);
		}
	}
}

static void emit(FILE *out, const char *word, size_t len, const char *cur)
{
	if (len >= strlen(cur) && !strncmp(word, cur, strlen(cur)))
		fprintf(out, "%.*s\n", (int)len, word);
}

/* The fixed values of "text|json|sarif", "auto|bundled|native|PATH": not the PATH. */
static void emit_values(FILE *out, const char *arg, const char *cur)
{
	if (!strchr(arg, '|'))
		return;
	while (*arg) {
		size_t len = strcspn(arg, "|");
		bool fixed = true;

		for (size_t i = 0; i < len; i++)
			fixed = fixed && !isupper((unsigned char)arg[i]);
		if (fixed && len)
			emit(out, arg, len, cur);
		arg += len + (arg[len] == '|');
	}
}

static void emit_opts(FILE *out, const struct cli_opt *opts, const struct cli_cmd *cmd, bool global,
		      const char *cur)
{
	char word[128];

	for (const struct cli_opt *o = opts; o && !opt_end(o); o++) {
		if (global && (o->flags & CLI_IF_JSON) && cmd && !cmd->subs && !cmd->json)
			continue;
		if (global && cmd && o->name &&
		    cli_find_opt(cmd->opts, o->name, strlen(o->name), 0))
			continue; /* the command's own option of that name */
		if (o->name)
			snprintf(word, sizeof(word), "--%s", o->name);
		else
			snprintf(word, sizeof(word), "-%c", o->letter);
		emit(out, word, strlen(word), cur);
	}
}

int cli_complete(FILE *out, const struct cli_prog *prog, int argc, char **argv)
{
	struct completion c = {.prog = prog};
	const char *cur = argc > 0 ? argv[argc - 1] : "";
	const struct cli_cmd *const *subs;

	walk(&c, argc, argv);
	if (c.value_of) {
		emit_values(out, c.value_of->arg, cur);
	} else if (cur[0] == '-') {
		if (c.cmd && !c.cmd->subs)
			emit_opts(out, c.cmd->opts, c.cmd, false, cur);
		emit_opts(out, prog->globals, c.cmd, true, cur);
	} else if (!c.resolved) {
		for (subs = c.cmd ? c.cmd->subs : prog->cmds; *subs; subs++)
			emit(out, (*subs)->name, strlen((*subs)->name), cur);
		if (!c.cmd && !c.help_word)
			emit(out, "help", 4, cur);
	}
	return 0;
}
