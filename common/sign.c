/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ed25519 keys (OpenSSL's EVP one-shot Ed25519): made, written and read as PEM, used to sign
 * and verify; a keyring of the keys a file or a dir of files holds.
 */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "common.h"

struct eucc_key {
	EVP_PKEY *pkey;
	bool private_key;
	char id[EUCC_SHA256_HEX];
	char name[EUCC_KEY_NAME_MAX];
	char origin[256]; /* the file it came from, or "" */
};

/* The id: sha256 of the 32 raw bytes of the public key. */
static int key_wrap(EVP_PKEY *pkey, bool private_key, const char *name, struct eucc_key **out)
{
	unsigned char raw[32];
	size_t len = sizeof(raw);
	struct eucc_key *k;

	if (EVP_PKEY_get_id(pkey) != EVP_PKEY_ED25519 ||
	    EVP_PKEY_get_raw_public_key(pkey, raw, &len) != 1 || len != sizeof(raw))
		return -EINVAL;
	k = calloc(1, sizeof(*k));
	if (!k)
		return -ENOMEM;
	k->pkey = pkey;
	k->private_key = private_key;
	eucc_sha256_hex(raw, len, k->id);
	str_escape_to(name && *name ? name : "", k->name, sizeof(k->name));
	*out = k;
	return 0;
}

int eucc_key_generate(const char *name, struct eucc_key **out)
{
	EVP_PKEY *pkey = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	int ret;

	if (!pkey)
		return -ENOMEM;
	ret = key_wrap(pkey, true, name, out);
	if (ret)
		EVP_PKEY_free(pkey);
	return ret;
}

void eucc_key_free(struct eucc_key *k)
{
	if (!k)
		return;
	EVP_PKEY_free(k->pkey);
	free(k);
}

const char *eucc_key_id(const struct eucc_key *k)
{
	return k->id;
}

const char *eucc_key_name(const struct eucc_key *k)
{
	return k->name;
}

const char *eucc_key_origin(const struct eucc_key *k)
{
	return k->origin;
}

bool eucc_key_is_private(const struct eucc_key *k)
{
	return k->private_key;
}

int eucc_key_pem(const struct eucc_key *k, bool private_part, char **out)
{
	BIO *bio = BIO_new(BIO_s_mem());
	char *mem, *text;
	long len;
	int ok;

	if (!bio || (private_part && !k->private_key)) {
		BIO_free(bio);
		return bio ? -EINVAL : -ENOMEM;
	}
	BIO_printf(bio, "# eucc signing key sha256:%s\n# name: %s\n", k->id, k->name);
	ok = private_part ? PEM_write_bio_PrivateKey(bio, k->pkey, NULL, NULL, 0, NULL, NULL)
			  : PEM_write_bio_PUBKEY(bio, k->pkey);
	len = BIO_get_mem_data(bio, &mem);
	text = ok && len > 0 ? malloc((size_t)len + 1) : NULL;
	if (text) {
		memcpy(text, mem, (size_t)len);
		text[len] = '\0';
	}
	BIO_free(bio);
	*out = text;
	return text ? 0 : -ENOMEM;
}

int eucc_key_sign(const struct eucc_key *k, const void *msg, size_t len,
		  unsigned char sig[EUCC_SIG_BYTES])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	size_t siglen = EUCC_SIG_BYTES;
	int ok;

	if (!ctx)
		return -ENOMEM;
	ok = k->private_key && EVP_DigestSignInit(ctx, NULL, NULL, NULL, k->pkey) == 1 &&
	     EVP_DigestSign(ctx, sig, &siglen, msg, len) == 1 && siglen == EUCC_SIG_BYTES;
	EVP_MD_CTX_free(ctx);
	return ok ? 0 : -EINVAL;
}

int eucc_key_verify(const struct eucc_key *k, const void *msg, size_t len,
		    const unsigned char sig[EUCC_SIG_BYTES])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int ok;

	if (!ctx)
		return -ENOMEM;
	ok = EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, k->pkey) == 1 &&
	     EVP_DigestVerify(ctx, sig, EUCC_SIG_BYTES, msg, len) == 1;
	EVP_MD_CTX_free(ctx);
	return ok ? 0 : -EKEYREJECTED;
}

/* ---- keyrings --------------------------------------------------------------------------- */

static int ring_push(struct eucc_keyring *r, struct eucc_key *k)
{
	struct eucc_key **v;

	for (size_t i = 0; i < r->n; i++)
		if (!strcmp(r->keys[i]->id, k->id)) { /* the same key twice: keep the first */
			eucc_key_free(k);
			return 0;
		}
	v = realloc(r->keys, (r->n + 1) * sizeof(*v));
	if (!v) {
		eucc_key_free(k);
		return -ENOMEM;
	}
	r->keys = v;
	r->keys[r->n++] = k;
	return 0;
}

/* One "-----BEGIN X-----" ... "-----END X-----" block of @len bytes. */
static int ring_add_block(struct eucc_keyring *r, const char *block, size_t len, bool private_key,
			  const char *name, const char *origin)
{
	BIO *bio = BIO_new_mem_buf(block, (int)len);
	EVP_PKEY *pkey = NULL;
	struct eucc_key *k;
	int ret;

	if (!bio)
		return -ENOMEM;
	pkey = private_key ? PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL)
			   : PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
	BIO_free(bio);
	if (!pkey)
		return -EBADMSG;
	ret = key_wrap(pkey, private_key, name, &k);
	if (ret) {
		EVP_PKEY_free(pkey);
		return ret;
	}
	snprintf(k->origin, sizeof(k->origin), "%s", origin ? origin : "");
	return ring_push(r, k);
}

/* The rest of the line at @p, without the newline, into @out. */
static void line_rest(const char *p, const char *end, char *out, size_t size)
{
	size_t n = 0;

	while (p + n < end && p[n] != '\n' && p[n] != '\r')
		n++;
	snprintf(out, size, "%.*s", (int)n, p);
}

int eucc_keyring_add_pem(struct eucc_keyring *r, const char *text, size_t len, const char *origin,
			 struct eucc_error *err)
{
	static const char pub[] = "-----BEGIN PUBLIC KEY-----",
			  priv[] = "-----BEGIN PRIVATE KEY-----";
	const char *p = text, *end = text + len;
	char name[EUCC_KEY_NAME_MAX] = "";
	size_t found = 0;
	int ret;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p)), *stop;
		const char *next = nl ? nl + 1 : end;
		size_t left = (size_t)(end - p);
		bool is_pub = left >= sizeof(pub) - 1 && !memcmp(p, pub, sizeof(pub) - 1);
		bool is_priv = left >= sizeof(priv) - 1 && !memcmp(p, priv, sizeof(priv) - 1);

		if (left >= 8 && !memcmp(p, "# name: ", 8)) {
			line_rest(p + 8, end, name, sizeof(name));
		} else if (is_pub || is_priv) {
			stop = memmem(p, left, "-----END ", 9);
			stop = stop ? memchr(stop + 9, '\n', (size_t)(end - stop - 9)) : NULL;
			stop = stop ? stop + 1 : end;
			ret = ring_add_block(r, p, (size_t)(stop - p), is_priv, name, origin);
			if (ret == -ENOMEM)
				return eucc_error_set(err, ret, EUCC_E_INTERNAL, "out of memory");
			if (ret)
				return eucc_error_set(err, ret, EUCC_E_BAD_INPUT,
						      "%s: key %zu is not an ed25519 %s key in PEM",
						      origin ? origin : "key", found + 1,
						      is_priv ? "private" : "public");
			found++;
			name[0] = '\0';
			next = stop;
		}
		p = next;
	}
	if (!found)
		return eucc_error_set(err, -ENOKEY, EUCC_E_BAD_INPUT,
				      "%s: no key in it (a public key is a \"-----BEGIN PUBLIC "
				      "KEY-----\" block, as `eucc-server key export` prints)",
				      origin ? origin : "key");
	return 0;
}

int eucc_keyring_add_file(struct eucc_keyring *r, const char *path, struct eucc_error *err)
{
	void *text;
	size_t len;
	int ret = fs_read_file(path, 1 << 20, &text, &len);

	if (ret)
		return eucc_error_set(err, ret, EUCC_E_BAD_INPUT, "cannot read the key file %s: %s",
				      path, strerror(-ret));
	ret = eucc_keyring_add_pem(r, text, len, path, err);
	free(text);
	return ret;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int eucc_keyring_add_dir(struct eucc_keyring *r, const char *dir, struct eucc_error *err)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char **names = NULL, path[4096];
	size_t n = 0;
	int ret = 0;

	if (!d)
		return errno == ENOENT ? 0
				       : eucc_error_set(err, -errno, EUCC_E_BAD_INPUT,
							"cannot read the trust dir %s: %s", dir,
							strerror(errno));
	while (!ret && (de = readdir(d))) {
		char **v;

		if (de->d_name[0] == '.' || !str_has_suffix(de->d_name, ".pem"))
			continue;
		v = realloc(names, (n + 1) * sizeof(*v));
		if (!v || !(v[n] = strdup(de->d_name)))
			ret = eucc_error_set(err, -ENOMEM, EUCC_E_INTERNAL, "out of memory");
		else
			n++;
		if (v)
			names = v;
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof(*names), name_cmp);
	for (size_t i = 0; !ret && i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		ret = eucc_keyring_add_file(r, path, err);
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return ret;
}

const struct eucc_key *eucc_keyring_find(const struct eucc_keyring *r, const char *id)
{
	for (size_t i = 0; i < r->n; i++)
		if (!strcmp(r->keys[i]->id, id))
			return r->keys[i];
	return NULL;
}

void eucc_keyring_free(struct eucc_keyring *r)
{
	for (size_t i = 0; i < r->n; i++)
		eucc_key_free(r->keys[i]);
	free(r->keys);
	r->keys = NULL;
	r->n = 0;
}
