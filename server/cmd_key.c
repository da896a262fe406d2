/* SPDX-License-Identifier: Apache-2.0 */
/* eucc-server key show|rotate|export: the key that signs the packages (signing.h). */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "server.h"
#include "signing.h"

struct key_args {
	const char *name;
	const char *out;
};

static int key_args(const struct cli_call *call, struct key_args *a)
{
	struct eucc_error err = {0};

	memset(a, 0, sizeof(*a));
	return cli_apply(call, a, &err) ? cmd_fail(&err) : 0;
}

static cJSON *key_json(const struct eucc_key *k, bool current)
{
	cJSON *o = cJSON_CreateObject();
	char id[80];

	snprintf(id, sizeof(id), "sha256:%s", eucc_key_id(k));
	cJSON_AddStringToObject(o, "id", id);
	cJSON_AddStringToObject(o, "name", eucc_key_name(k));
	cJSON_AddBoolToObject(o, "current", current);
	return o;
}

static int do_key_show(const struct cli_call *call)
{
	struct server_config *cfg = server_config(call);
	struct eucc_keyring ring = {0};
	struct eucc_error err = {0};
	struct eucc_key *cur = NULL;
	cJSON *o, *keys;

	if (signing_key_load(cfg->data_dir, false, NULL, &cur, &err) ||
	    signing_keys_public(cfg->data_dir, &ring, &err)) {
		eucc_key_free(cur);
		eucc_keyring_free(&ring);
		return cmd_fail(&err);
	}
	if (cfg->json) {
		o = cJSON_CreateObject();
		cJSON_AddItemToObject(o, "current", key_json(cur, true));
		keys = cJSON_AddArrayToObject(o, "keys");
		for (size_t i = 0; i < ring.n; i++)
			cJSON_AddItemToArray(
			    keys, key_json(ring.keys[i],
					   !strcmp(eucc_key_id(ring.keys[i]), eucc_key_id(cur))));
		json_write(stdout, o);
		cJSON_Delete(o);
	} else {
		printf("signing key: sha256:%s  %s\n", eucc_key_id(cur), eucc_key_name(cur));
		printf("public keys (%s/keys/public.pem, what hosts pin; newest first):\n",
		       cfg->data_dir);
		for (size_t i = 0; i < ring.n; i++)
			printf("  sha256:%s  %-32s %s\n", eucc_key_id(ring.keys[i]),
			       eucc_key_name(ring.keys[i]),
			       strcmp(eucc_key_id(ring.keys[i]), eucc_key_id(cur)) ? "retired"
										   : "current");
	}
	eucc_key_free(cur);
	eucc_keyring_free(&ring);
	return EUCC_EXIT_OK;
}

static int do_key_rotate(const struct cli_call *call)
{
	struct server_config *cfg = server_config(call);
	struct eucc_error err = {0};
	struct eucc_key *k;
	struct key_args a;
	int ret = key_args(call, &a);

	if (ret)
		return ret;
	if (signing_key_rotate(cfg->data_dir, a.name, &k, &err))
		return cmd_fail(&err);
	if (cfg->json) {
		cJSON *o = key_json(k, true);

		json_write(stdout, o);
		cJSON_Delete(o);
	} else {
		printf("new signing key: sha256:%s  %s\n", eucc_key_id(k), eucc_key_name(k));
		printf("restart eucc-server serve to sign with it; hosts need the new public key "
		       "(eucc-server key export)\n");
	}
	eucc_key_free(k);
	return EUCC_EXIT_OK;
}

static int do_key_export(const struct cli_call *call)
{
	struct server_config *cfg = server_config(call);
	struct eucc_error err = {0};
	struct key_args a;
	char *text;
	int ret = key_args(call, &a);

	if (ret)
		return ret;
	if (signing_trust_file(cfg->data_dir, &text, &err))
		return cmd_fail(&err);
	if (a.out && strcmp(a.out, "-")) {
		ret = fs_write_atomic(a.out, text, strlen(text));
		if (ret)
			eucc_error_set(&err, ret, EUCC_E_IO, "cannot write %s: %s", a.out,
				       strerror(-ret));
	} else {
		fputs(text, stdout);
	}
	free(text);
	return ret ? cmd_fail(&err) : EUCC_EXIT_OK;
}

static const struct cli_opt rotate_opts[] = {
    {.name = "name",
     .arg = "NAME",
     .kind = CLI_STR,
     .off = offsetof(struct key_args, name),
     .help = "the new key's name, shown by `eucc-remote inspect`",
     .def = "the old key's name, else eucc-server@HOSTNAME"},
    {0},
};

static const struct cli_opt export_opts[] = {
    {.name = "output",
     .letter = 'o',
     .arg = "FILE",
     .kind = CLI_STR,
     .off = offsetof(struct key_args, out),
     .help = "write the trust file to FILE",
     .def = "stdout"},
    {0},
};

static const struct cli_cmd cmd_key_show = {
    .name = "show",
    .run = do_key_show,
    .summary = "the current signing key and every public key it replaced",
    .help = "Print the id (sha256 of the public key) and name of the key that signs packages, "
	    "and every public key of DATA/keys/public.pem, the current one first.",
    .json = "print {\"current\": {...}, \"keys\": [{\"id\", \"name\", \"current\"}]}",
};

static const struct cli_cmd cmd_key_rotate = {
    .name = "rotate",
    .run = do_key_rotate,
    .summary = "make a new signing key; the old public key stays listed",
    .help = "Make a new ed25519 signing key (DATA/keys/signing.pem, mode 0600). The old "
	    "private key is gone; its public key stays in DATA/keys/public.pem, so the "
	    "packages it signed still verify on hosts that pin the exported file. A running "
	    "server signs with the new key after a restart.",
    .opts = rotate_opts,
    .json = "print the new key as {\"id\", \"name\", \"current\"}",
};

static const struct cli_cmd cmd_key_export = {
    .name = "export",
    .run = do_key_export,
    .summary = "print the trust file hosts pin: every public key, PEM",
    .help = "Print DATA/keys/public.pem: the public keys of the current and every older "
	    "signing key, each a PEM block after a \"# name:\" line. Put it on the hosts as "
	    "/etc/eucc/trust.d/NAME.pem (or pass it to eucc-remote --trust).",
    .opts = export_opts,
};

static const struct cli_cmd *const key_cmds[] = {&cmd_key_show, &cmd_key_rotate, &cmd_key_export,
						 NULL};

const struct cli_cmd server_cmd_key = {
    .name = "key",
    .summary = "the key that signs packages: show, rotate, export",
    .help = "The ed25519 key in DATA/keys that signs every package's manifest "
	    "(docs/operations.md, \"Signing keys\").",
    .subs = key_cmds,
};
