/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Help pages, made from the same tables the parser reads (common.h, "command lines"): the
 * program's (its commands with their summaries, the global options), a group's (its commands)
 * and a command's (its usage line, what it does, every option with its default).
 */
#include <string.h>

#include "common.h"

#define WIDTH	  80
#define LABEL_MAX 26

static bool opt_end(const struct cli_opt *o)
{
	return !o->name && !o->letter;
}

/* Write @text from column @col, wrapped at WIDTH, lines after the first indented by @indent;
 * '\n' in @text starts a new line. */
static void wrap(FILE *out, const char *text, int col, int indent)
{
	bool fresh = col <= indent;

	while (*text) {
		size_t len = strcspn(text, " \n");

		if (*text == '\n' || *text == ' ') {
			if (*text == '\n') {
				fputc('\n', out);
				col = 0;
				fresh = true;
			}
			text++;
			continue;
		}
		if (!fresh && col + 1 + (int)len > WIDTH) {
			fputc('\n', out);
			col = 0;
			fresh = true;
		}
		if (col < indent)
			col += fprintf(out, "%*s", indent - col, "");
		else if (!fresh)
			col += fprintf(out, " ");
		col += (int)fwrite(text, 1, len, out);
		fresh = false;
		text += len;
	}
	fputc('\n', out);
}

/* "-k, --kernel SPEC", "    --arch A", "-I DIR" */
static int opt_label(const struct cli_opt *o, char *buf, size_t size)
{
	const char *sp = o->arg ? " " : "", *arg = o->arg ? o->arg : "";

	if (o->letter && o->name)
		return snprintf(buf, size, "-%c, --%s%s%s", o->letter, o->name, sp, arg);
	if (o->letter)
		return snprintf(buf, size, "-%c%s%s", o->letter, sp, arg);
	return snprintf(buf, size, "    --%s%s%s", o->name, sp, arg);
}

/* Whether a global option shows in the help of @cmd (NULL: the program's or a group's). */
static bool global_shown(const struct cli_opt *o, const struct cli_cmd *cmd)
{
	if (!cmd || cmd->subs)
		return true;
	if (o->kind == CLI_VERSION)
		return false;
	return !(o->flags & CLI_IF_JSON) || cmd->json;
}

static int label_width(const struct cli_opt *opts, const struct cli_opt *globals,
		       const struct cli_cmd *cmd)
{
	char label[128];
	int w = 0, n;

	for (const struct cli_opt *o = opts; o && !opt_end(o); o++)
		if ((n = opt_label(o, label, sizeof(label))) > w)
			w = n;
	for (const struct cli_opt *o = globals; o && !opt_end(o); o++)
		if (global_shown(o, cmd) && (n = opt_label(o, label, sizeof(label))) > w)
			w = n;
	return w < LABEL_MAX ? w : LABEL_MAX;
}

static void print_opt(FILE *out, const struct cli_opt *o, const char *help, int width)
{
	bool repeat = o->kind == CLI_LIST || (o->flags & CLI_REPEAT);
	char label[128], text[1024];
	int col;

	col = fprintf(out, "  ");
	col += opt_label(o, label, sizeof(label));
	fputs(label, out);
	snprintf(text, sizeof(text), "%s%s%s%s%s%s", help ? help : "", repeat || o->def ? " (" : "",
		 repeat ? "repeatable" : "", repeat && o->def ? "; " : "",
		 o->def ? "default: " : "", o->def ? o->def : "");
	if (repeat || o->def)
		strncat(text, ")", sizeof(text) - strlen(text) - 1);
	if (col > 2 + width) {
		fputc('\n', out);
		col = 0;
	}
	wrap(out, text, col, 2 + width + 2);
}

static void print_opts(FILE *out, const struct cli_prog *prog, const struct cli_cmd *cmd)
{
	const struct cli_opt *opts = cmd && !cmd->subs ? cmd->opts : NULL;
	int width = label_width(opts, prog->globals, cmd);

	if (opts && !opt_end(opts)) {
		fprintf(out, "\nOptions:\n");
		for (const struct cli_opt *o = opts; !opt_end(o); o++)
			print_opt(out, o, o->help, width);
	}
	fprintf(out, "\nGlobal options (before or after the command):\n");
	for (const struct cli_opt *o = prog->globals; !opt_end(o); o++) {
		if (!global_shown(o, cmd))
			continue;
		print_opt(out, o,
			  (o->flags & CLI_IF_JSON) && cmd && cmd->json ? cmd->json : o->help,
			  width);
	}
}

/* One line per command below @cmds, "btf import PATH..." and its summary. */
static void print_cmd_rows(FILE *out, const struct cli_cmd *const *cmds, const char *prefix,
			   int width)
{
	for (; *cmds; cmds++) {
		const struct cli_cmd *c = *cmds;
		char label[256];
		int col;

		snprintf(label, sizeof(label), "%s%s%s%s%s", prefix, *prefix ? " " : "", c->name,
			 c->args ? " " : "", c->args ? c->args : "");
		if (c->subs) {
			print_cmd_rows(out, c->subs, label, width);
			continue;
		}
		col = fprintf(out, "  %s", label);
		if (col > 2 + width) {
			fputc('\n', out);
			col = 0;
		}
		wrap(out, c->summary ? c->summary : "", col, 2 + width + 2);
	}
}

static int cmd_rows_width(const struct cli_cmd *const *cmds, int prefix)
{
	int w = 0, n;

	for (; *cmds; cmds++) {
		const struct cli_cmd *c = *cmds;

		n = prefix + (int)strlen(c->name) + (c->args ? 1 + (int)strlen(c->args) : 0);
		if (c->subs)
			n = cmd_rows_width(c->subs, prefix + (int)strlen(c->name) + 1);
		w = n > w ? n : w;
	}
	return w < LABEL_MAX ? w : LABEL_MAX;
}

static void help_prog(FILE *out, const struct cli_prog *prog)
{
	int width = cmd_rows_width(prog->cmds, 0);

	width = width > 14 ? width : 14;

	fprintf(out, "Usage: %s [OPTION]... COMMAND [ARG]...\n\n", prog->name);
	wrap(out, prog->summary, 0, 0);
	fprintf(out, "\nCommands:\n");
	print_cmd_rows(out, prog->cmds, "", width);
	fprintf(out, "  %-*s  print the help of a command\n", width, "help [COMMAND]");
	print_opts(out, prog, NULL);
	fprintf(out, "\n");
	wrap(out, prog->footer, 0, 0);
	fprintf(out, "\n`%s COMMAND --help` or `%s help COMMAND` shows a command's options.\n",
		prog->name, prog->name);
}

static void help_group(FILE *out, const struct cli_prog *prog, const struct cli_cmd *cmd,
		       const char *path)
{
	fprintf(out, "Usage: %s %s COMMAND [ARG]... [OPTION]...\n\n", prog->name, path);
	wrap(out, cmd->help ? cmd->help : cmd->summary, 0, 0);
	fprintf(out, "\nCommands:\n");
	print_cmd_rows(out, cmd->subs, path, cmd_rows_width(cmd->subs, (int)strlen(path) + 1));
	print_opts(out, prog, cmd);
	fprintf(out, "\n`%s %s COMMAND --help` shows a command's options.\n", prog->name, path);
}

static void help_cmd(FILE *out, const struct cli_prog *prog, const struct cli_cmd *cmd,
		     const char *path)
{
	fprintf(out, "Usage: %s %s%s%s [OPTION]...\n\n", prog->name, path, cmd->args ? " " : "",
		cmd->args ? cmd->args : "");
	wrap(out, cmd->help ? cmd->help : cmd->summary, 0, 0);
	print_opts(out, prog, cmd);
}

void cli_help(FILE *out, const struct cli_call *call)
{
	if (!call->cmd)
		help_prog(out, call->prog);
	else if (call->cmd->subs)
		help_group(out, call->prog, call->cmd, call->path);
	else
		help_cmd(out, call->prog, call->cmd, call->path);
}
