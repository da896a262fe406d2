/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The keys a host pins (docs/eucc-remote.md, "Signed packages"): --trust FILE|DIR, the entries
 * of $EUCC_TRUST (FILE|DIR, ':' between them) and the *.pem of /etc/eucc/trust.d, all together.
 * With any key pinned, a package must be signed by one of them; with none, signatures are not
 * checked. Nothing online: the keys are files.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "remote.h"

static int add_entry(struct eucc_keyring *ring, const char *path, const char *from,
		     struct eucc_error *err)
{
	int ret;

	if (fs_is_dir(path))
		return eucc_keyring_add_dir(ring, path, err);
	if (access(path, R_OK)) {
		eucc_error_set(err, -errno, EUCC_E_BAD_INPUT, "%s names %s: %s", from, path,
			       strerror(errno));
		eucc_error_hint(err, "give a file of public keys in PEM (`eucc-server key export` "
				     "prints one) or a dir of *.pem files");
		return -ENOENT;
	}
	ret = eucc_keyring_add_file(ring, path, err);
	return ret;
}

int trust_load(const struct remote_config *cfg, struct eucc_keyring *ring, struct eucc_error *err)
{
	const char *env = getenv("EUCC_TRUST");
	int ret = 0;

	for (size_t i = 0; !ret && i < cfg->trust.n; i++)
		ret = add_entry(ring, cfg->trust.v[i], "--trust", err);
	if (!ret && env && *env) {
		char *copy = strdup(env), *save = NULL;

		if (!copy)
			return eucc_error_set(err, -ENOMEM, EUCC_E_INTERNAL, "out of memory");
		for (char *p = strtok_r(copy, ":", &save); !ret && p;
		     p = strtok_r(NULL, ":", &save))
			ret = add_entry(ring, p, "EUCC_TRUST", err);
		free(copy);
	}
	if (!ret)
		ret = eucc_keyring_add_dir(ring, EUCC_TRUST_DIR, err);
	if (ret)
		eucc_keyring_free(ring);
	return ret;
}

int trust_check(const struct remote_config *cfg, const struct pkg *pkg, struct trust_verdict *v,
		struct eucc_error *err)
{
	struct eucc_keyring ring = {0};
	int ret;

	memset(v, 0, sizeof(*v));
	v->signed_pkg = !pkg_signer(pkg, &v->signer);
	ret = trust_load(cfg, &ring, err);
	if (ret)
		return ret;
	v->keys = ring.n;
	if (ring.n) {
		ret = pkg_verify(pkg, &ring, err);
		v->verified = !ret;
	}
	eucc_keyring_free(&ring);
	return ret;
}

const char *trust_verdict_text(const struct trust_verdict *v)
{
	return v->verified ? "verified" : "not checked";
}

void trust_verdict_json(cJSON *o, const struct trust_verdict *v)
{
	char id[80];

	cJSON_AddStringToObject(o, "signature", trust_verdict_text(v));
	if (!v->signed_pkg) {
		cJSON_AddNullToObject(o, "signer");
		return;
	}
	snprintf(id, sizeof(id), "sha256:%s", v->signer.key_id);
	cJSON *s = cJSON_AddObjectToObject(o, "signer");
	cJSON_AddStringToObject(s, "key_id", id);
	cJSON_AddStringToObject(s, "name", v->signer.name);
}

int trust_open_file(const struct remote_config *cfg, const char *path, struct pkg **out,
		    struct trust_verdict *v, struct eucc_error *err)
{
	struct trust_verdict own;
	int ret = pkg_open_file(path, out, err);

	if (ret)
		return ret;
	ret = trust_check(cfg, *out, v ? v : &own, err);
	if (ret) {
		pkg_close(*out);
		*out = NULL;
		if (err->code == EUCC_E_UNTRUSTED) {
			char msg[sizeof(err->message)];

			snprintf(msg, sizeof(msg), "%s: %s", path, err->message);
			memcpy(err->message, msg, sizeof(msg));
		}
	}
	return ret;
}
