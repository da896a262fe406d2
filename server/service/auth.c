/* SPDX-License-Identifier: Apache-2.0 */
/* Bearer tokens with scopes, from a tokens file (docs/operations.md). */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "service.h"

static int parse_scopes(const char *text, unsigned int *out)
{
	char buf[128], *save = NULL;

	*out = 0;
	snprintf(buf, sizeof(buf), "%s", text);
	for (char *s = strtok_r(buf, ",", &save); s; s = strtok_r(NULL, ",", &save)) {
		if (!strcmp(s, "read"))
			*out |= SCOPE_READ;
		else if (!strcmp(s, "compile"))
			*out |= SCOPE_COMPILE | SCOPE_READ;
		else if (!strcmp(s, "admin"))
			*out |= SCOPE_ADMIN | SCOPE_COMPILE | SCOPE_READ;
		else
			return -EINVAL;
	}
	return *out ? 0 : -EINVAL;
}

static int parse_token_line(char *line, struct auth_token *t)
{
	char *save = NULL, *tok, *scopes, *name;

	tok = strtok_r(line, " \t", &save);
	scopes = strtok_r(NULL, " \t", &save);
	name = strtok_r(NULL, " \t", &save);
	if (!tok || !scopes || strlen(tok) < 16 || strlen(tok) >= sizeof(t->token))
		return -EINVAL;
	memset(t, 0, sizeof(*t));
	snprintf(t->token, sizeof(t->token), "%s", tok);
	snprintf(t->name, sizeof(t->name), "%s", name ? name : "-");
	return parse_scopes(scopes, &t->scopes);
}

static int add_token(struct auth_tokens *out, const struct auth_token *t)
{
	struct auth_token *n = realloc(out->items, (out->count + 1) * sizeof(*n));

	if (!n)
		return -ENOMEM;
	out->items = n;
	out->items[out->count++] = *t;
	return 0;
}

static int bad_line(struct auth_tokens *out, const char *origin, int lineno, struct eucc_error *err)
{
	auth_tokens_free(out);
	eucc_error_set(err, -EINVAL, EUCC_E_BAD_INPUT, "%s:%d: bad token line", origin, lineno);
	eucc_error_hint(err, "each line: TOKEN SCOPE[,SCOPE...] [NAME], a token of at least 16 "
			     "characters, scopes read, compile, admin");
	return -EINVAL;
}

int auth_tokens_parse(const char *text, const char *origin, struct auth_tokens *out,
		      struct eucc_error *err)
{
	char *copy = strdup(text);
	int lineno = 0;

	memset(out, 0, sizeof(*out));
	if (!copy)
		return eucc_error_set(err, -ENOMEM, EUCC_E_INTERNAL, "out of memory");
	for (char *line = copy, *next; line; line = next) {
		struct auth_token t;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		lineno++;
		while (isspace((unsigned char)*line))
			line++;
		if (!*line || *line == '#')
			continue;
		if (parse_token_line(line, &t)) {
			free(copy);
			return bad_line(out, origin, lineno, err);
		}
		if (add_token(out, &t)) {
			free(copy);
			auth_tokens_free(out);
			return eucc_error_set(err, -ENOMEM, EUCC_E_INTERNAL, "out of memory");
		}
	}
	free(copy);
	if (!out->count)
		return eucc_error_set(err, -EINVAL, EUCC_E_BAD_INPUT,
				      "tokens file %s holds no token", origin);
	return 0;
}

#define CREDENTIAL_PREFIX "credential:"

/* --tokens credential:NAME: the file NAME in $CREDENTIALS_DIRECTORY (systemd's LoadCredential=). */
static int tokens_path(const char *arg, char *buf, size_t size, struct eucc_error *err)
{
	const char *name = arg + strlen(CREDENTIAL_PREFIX), *dir = getenv("CREDENTIALS_DIRECTORY");
	int n;

	if (strncmp(arg, CREDENTIAL_PREFIX, strlen(CREDENTIAL_PREFIX))) {
		n = snprintf(buf, size, "%s", arg);
	} else if (!*name || strchr(name, '/') || !strcmp(name, ".") || !strcmp(name, "..")) {
		return eucc_error_set(err, -EINVAL, EUCC_E_USAGE,
				      "--tokens %s: a credential's name has no '/'", arg);
	} else if (!dir || !*dir) {
		eucc_error_set(err, -ENOENT, EUCC_E_USAGE,
			       "--tokens %s: $CREDENTIALS_DIRECTORY is not set", arg);
		eucc_error_hint(err, "systemd sets it for a unit with LoadCredential=%s:FILE",
				name);
		return -ENOENT;
	} else {
		n = snprintf(buf, size, "%s/%s", dir, name);
	}
	if (n < 0 || (size_t)n >= size)
		return eucc_error_set(err, -ENAMETOOLONG, EUCC_E_USAGE,
				      "--tokens %s: name too long", arg);
	return 0;
}

int auth_tokens_load(const char *arg, struct auth_tokens *out, struct eucc_error *err)
{
	char path[PATH_MAX];
	size_t len;
	char *text;
	int ret;

	memset(out, 0, sizeof(*out));
	ret = tokens_path(arg, path, sizeof(path), err);
	if (ret)
		return ret;
	ret = fs_read_file(path, 1 << 20, (void **)&text, &len);
	if (ret)
		return eucc_error_set(err, ret, EUCC_E_IO, "cannot read tokens file %s: %s", path,
				      strerror(-ret));
	ret = auth_tokens_parse(text, path, out, err);
	free(text);
	return ret;
}

void auth_tokens_free(struct auth_tokens *t)
{
	free(t->items);
	memset(t, 0, sizeof(*t));
}

/* Compare without an early exit, so that timing does not tell how much of a token matched. */
static bool token_equal(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	unsigned char diff = (unsigned char)(la != lb);

	for (size_t i = 0; i < la; i++)
		diff |= (unsigned char)(a[i] ^ b[i % (lb ? lb : 1)]);
	return diff == 0;
}

unsigned int auth_scopes(const struct auth_tokens *t, const char *authorization)
{
	unsigned int scopes = 0;

	if (!authorization || strncasecmp(authorization, "Bearer ", 7))
		return 0;
	authorization += 7;
	for (size_t i = 0; i < t->count; i++)
		if (token_equal(authorization, t->items[i].token))
			scopes = t->items[i].scopes;
	return scopes;
}
