/* SPDX-License-Identifier: Apache-2.0 */
/* The server's signing keys in its data dir (signing.h). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "signing.h"

#define KEYS_DIR    "keys"
#define KEY_PRIVATE "keys/signing.pem"
#define KEY_PUBLIC  "keys/public.pem"

static void key_path(const char *data_dir, const char *rel, char *out, size_t size)
{
	snprintf(out, size, "%s/%s", data_dir, rel);
}

static int keys_error(struct eucc_error *err, int ret, const char *what, const char *path)
{
	eucc_error_set(err, ret, EUCC_E_DATA_DIR, "cannot %s %s: %s", what, path, strerror(-ret));
	eucc_error_hint(err, "the signing key lives in the data dir (--data): check that it is "
			     "writable by the server's user");
	return ret;
}

/* @path written with mode @mode via a temp file, fsynced and renamed over. */
static int write_mode(const char *path, const char *text, unsigned int mode)
{
	char tmp[PATH_MAX];
	int fd, ret;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp.XXXXXX", path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	fd = mkstemp(tmp); /* 0600 from the start: the private key is never readable by others */
	if (fd < 0)
		return -errno;
	ret = fs_write_all(fd, text, strlen(text));
	if (!ret)
		ret = fs_settle(fd, path, mode);
	if (!ret && fsync(fd))
		ret = -errno;
	if (close(fd) && !ret)
		ret = -errno;
	if (!ret && rename(tmp, path))
		ret = -errno;
	if (ret)
		unlink(tmp);
	return ret;
}

/* keys/signing.pem := @k; keys/public.pem := @k's public key, then the older ones. */
static int keys_store(const char *data_dir, const struct eucc_key *k, struct eucc_error *err)
{
	char dir[PATH_MAX], priv[PATH_MAX], pub[PATH_MAX], *pem_priv = NULL, *pem_pub = NULL;
	char *all = NULL;
	void *old = NULL;
	size_t old_len = 0;
	int ret;

	key_path(data_dir, KEYS_DIR, dir, sizeof(dir));
	key_path(data_dir, KEY_PRIVATE, priv, sizeof(priv));
	key_path(data_dir, KEY_PUBLIC, pub, sizeof(pub));
	ret = fs_mkdir_p(dir, 0700);
	if (ret)
		return keys_error(err, ret, "make", dir);
	ret = fs_read_file(pub, 1 << 20, &old, &old_len);
	if (ret && ret != -ENOENT)
		return keys_error(err, ret, "read", pub);
	ret = eucc_key_pem(k, true, &pem_priv);
	if (!ret)
		ret = eucc_key_pem(k, false, &pem_pub);
	if (!ret && asprintf(&all, "%s%s", pem_pub, old ? (char *)old : "") < 0)
		ret = -ENOMEM;
	/* the public key first: a crash between the two leaves an extra public key, never a
	 * private key whose public half is missing from the trust file */
	if (!ret && (ret = write_mode(pub, all, 0644)))
		keys_error(err, ret, "write", pub);
	else if (!ret && (ret = write_mode(priv, pem_priv, 0600)))
		keys_error(err, ret, "write", priv);
	else if (ret)
		eucc_error_set(err, ret, EUCC_E_INTERNAL, "out of memory");
	free(pem_priv);
	free(pem_pub);
	free(all);
	free(old);
	return ret;
}

static void default_name(const char *name, char *out, size_t size)
{
	char host[256] = "";

	if (name && *name) {
		snprintf(out, size, "%s", name);
		return;
	}
	gethostname(host, sizeof(host) - 1);
	snprintf(out, size, "eucc-server@%s", *host ? host : "localhost");
}

static int key_new(const char *data_dir, const char *name, struct eucc_key **out,
		   struct eucc_error *err)
{
	char full[EUCC_KEY_NAME_MAX];
	int ret;

	default_name(name, full, sizeof(full));
	ret = eucc_key_generate(full, out);
	if (ret)
		return eucc_error_set(err, ret, EUCC_E_INTERNAL, "cannot make an ed25519 key");
	ret = keys_store(data_dir, *out, err);
	if (ret) {
		eucc_key_free(*out);
		*out = NULL;
	}
	return ret;
}

int signing_key_load(const char *data_dir, bool create, const char *name, struct eucc_key **out,
		     struct eucc_error *err)
{
	struct eucc_keyring ring = {0};
	char path[PATH_MAX];
	int ret;

	*out = NULL;
	key_path(data_dir, KEY_PRIVATE, path, sizeof(path));
	if (access(path, F_OK)) {
		if (errno != ENOENT)
			return keys_error(err, -errno, "read", path);
		if (!create) {
			eucc_error_set(err, -ENOENT, EUCC_E_NOT_FOUND,
				       "no signing key in %s/" KEYS_DIR, data_dir);
			eucc_error_hint(err, "`eucc-server serve` makes one on its first start; or "
					     "run `eucc-server key rotate`");
			return -ENOENT;
		}
		ret = key_new(data_dir, name, out, err);
		if (!ret)
			eucc_info("made the signing key sha256:%s (%s) in %s", eucc_key_id(*out),
				  eucc_key_name(*out), path);
		return ret;
	}
	ret = eucc_keyring_add_file(&ring, path, err);
	if (!ret && (ring.n != 1 || !eucc_key_is_private(ring.keys[0])))
		ret = eucc_error_set(err, -EINVAL, EUCC_E_DATA_DIR,
				     "%s must hold exactly one ed25519 private key", path);
	if (!ret) {
		*out = ring.keys[0];
		ring.n = 0;
	} else {
		err->code = EUCC_E_DATA_DIR;
	}
	eucc_keyring_free(&ring);
	return ret;
}

int signing_key_rotate(const char *data_dir, const char *name, struct eucc_key **out,
		       struct eucc_error *err)
{
	struct eucc_key *old = NULL;
	int ret = signing_key_load(data_dir, false, NULL, &old, err);

	if (ret && ret != -ENOENT)
		return ret;
	/* the new key keeps the old one's name unless told otherwise */
	ret = key_new(data_dir, name && *name ? name : old ? eucc_key_name(old) : NULL, out, err);
	eucc_key_free(old);
	return ret;
}

int signing_keys_public(const char *data_dir, struct eucc_keyring *ring, struct eucc_error *err)
{
	char path[PATH_MAX];

	key_path(data_dir, KEY_PUBLIC, path, sizeof(path));
	if (access(path, F_OK) && errno == ENOENT) {
		eucc_error_set(err, -ENOENT, EUCC_E_NOT_FOUND, "no signing key in %s/" KEYS_DIR,
			       data_dir);
		eucc_error_hint(err, "`eucc-server serve` makes one on its first start; or run "
				     "`eucc-server key rotate`");
		return -ENOENT;
	}
	return eucc_keyring_add_file(ring, path, err);
}

int signing_trust_file(const char *data_dir, char **text, struct eucc_error *err)
{
	struct eucc_keyring ring = {0};
	char path[PATH_MAX];
	size_t len;
	int ret = signing_keys_public(data_dir, &ring, err); /* it must hold keys */

	eucc_keyring_free(&ring);
	if (ret)
		return ret;
	key_path(data_dir, KEY_PUBLIC, path, sizeof(path));
	ret = fs_read_file(path, 1 << 20, (void **)text, &len);
	return ret ? keys_error(err, ret, "read", path) : 0;
}
