/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Package signatures: signature.json, the second member of a format 2 package, signs the sha256
 * of manifest.json's bytes with ed25519; the manifest's "files" covers every other member.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <openssl/evp.h>

#include "common.h"
#include "pkg_internal.h"

#define SIG_PREFIX "eucc manifest sha256:"
#define SIG_B64	   89 /* base64 of 64 bytes: 88 characters and a NUL */

/* What is signed: "eucc manifest sha256:<64 hex>", 85 bytes, no newline. */
static size_t sig_message(const char *manifest_hex, char *out, size_t size)
{
	return (size_t)snprintf(out, size, SIG_PREFIX "%s", manifest_hex);
}

int pkg_signature_make(const struct eucc_key *key, const char *manifest, size_t len, char **out)
{
	char hex[EUCC_SHA256_HEX], msg[128], b64[SIG_B64], id[80], digest[80];
	unsigned char sig[EUCC_SIG_BYTES];
	cJSON *o, *k;
	size_t mlen;
	int ret;

	eucc_sha256_hex(manifest, len, hex);
	mlen = sig_message(hex, msg, sizeof(msg));
	ret = eucc_key_sign(key, msg, mlen, sig);
	if (ret)
		return ret;
	EVP_EncodeBlock((unsigned char *)b64, sig, sizeof(sig));
	snprintf(digest, sizeof(digest), "sha256:%s", hex);
	snprintf(id, sizeof(id), "sha256:%s", eucc_key_id(key));
	o = cJSON_CreateObject();
	k = cJSON_CreateObject();
	if (!o || !k || !cJSON_AddNumberToObject(o, "format", 1) ||
	    !cJSON_AddStringToObject(o, "algorithm", "ed25519") ||
	    !cJSON_AddStringToObject(o, "manifest", digest) ||
	    !cJSON_AddStringToObject(k, "id", id) ||
	    !cJSON_AddStringToObject(k, "name", eucc_key_name(key)) ||
	    !cJSON_AddItemToObject(o, "key", k) || !cJSON_AddStringToObject(o, "signature", b64)) {
		cJSON_Delete(o);
		if (!o || !cJSON_GetObjectItem(o, "key"))
			cJSON_Delete(k);
		return -ENOMEM;
	}
	*out = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return *out ? 0 : -ENOMEM;
}

/* "sha256:<64 hex>" into @hex; false if it is not that. */
static bool digest_field(const cJSON *o, const char *key, char hex[EUCC_SHA256_HEX])
{
	const char *s = json_str(o, key);

	if (strncmp(s, "sha256:", 7) || !eucc_is_sha256_hex(s + 7))
		return false;
	memcpy(hex, s + 7, EUCC_SHA256_HEX);
	return true;
}

const char *pkg_signature_parse(const cJSON *sig, struct pkg_signer *signer,
				char manifest[EUCC_SHA256_HEX], unsigned char raw[EUCC_SIG_BYTES])
{
	const cJSON *key = cJSON_GetObjectItemCaseSensitive(sig, "key");
	const char *b64 = json_str(sig, "signature");
	unsigned char buf[SIG_B64];

	if (!cJSON_IsObject(sig))
		return "signature.json is not a JSON object";
	if (strcmp(json_str(sig, "algorithm"), "ed25519"))
		return "signature.json: \"algorithm\" is not \"ed25519\"";
	if (!digest_field(sig, "manifest", manifest))
		return "signature.json: \"manifest\" is not \"sha256:<64 hex>\"";
	if (!digest_field(key, "id", signer->key_id))
		return "signature.json: \"key\".\"id\" is not \"sha256:<64 hex>\"";
	str_escape_to(json_str(key, "name"), signer->name, sizeof(signer->name));
	/* 64 bytes are 88 base64 characters with "==" at the end: 66 decoded, 2 of them padding */
	if (strlen(b64) != SIG_B64 - 1 || strcmp(b64 + SIG_B64 - 3, "==") ||
	    EVP_DecodeBlock(buf, (const unsigned char *)b64, SIG_B64 - 1) != 66)
		return "signature.json: \"signature\" is not 64 bytes in base64";
	memcpy(raw, buf, EUCC_SIG_BYTES);
	return NULL;
}

int pkg_verify(const struct pkg *p, const struct eucc_keyring *ring, struct eucc_error *err)
{
	char manifest[EUCC_SHA256_HEX], msg[128];
	unsigned char raw[EUCC_SIG_BYTES];
	const struct eucc_key *key;
	struct pkg_signer who;
	size_t mlen;

	if (pkg_signer(p, &who)) {
		eucc_error_set(err, -ENOKEY, EUCC_E_UNTRUSTED,
			       "the package is not signed, and trusted keys are configured");
		eucc_error_hint(err,
				"get the package from a server with a signing key (eucc-server "
				"key show), or run without --trust, EUCC_TRUST and "
				"/etc/eucc/trust.d to skip the check");
		return -ENOKEY;
	}
	/* the reader checked the fields; the manifest digest was not compared yet */
	pkg_signature_parse(pkg_signature_json(p), &who, manifest, raw);
	key = eucc_keyring_find(ring, who.key_id);
	if (!key) {
		eucc_error_set(err, -ENOKEY, EUCC_E_UNTRUSTED,
			       "the package is signed by key sha256:%s (\"%s\"), which is not "
			       "among the %zu trusted keys",
			       who.key_id, who.name, ring->n);
		eucc_error_hint(err, "pin the signer's public key (`eucc-server key export` on the "
				     "server) in /etc/eucc/trust.d/ or with --trust FILE");
		return -ENOKEY;
	}
	mlen = sig_message(manifest, msg, sizeof(msg));
	if (strcmp(manifest, pkg_manifest_sha256(p)) || eucc_key_verify(key, msg, mlen, raw)) {
		eucc_error_set(err, -EKEYREJECTED, EUCC_E_UNTRUSTED,
			       "the package's signature does not verify with key sha256:%s "
			       "(\"%s\", %s): the package was altered after it was signed",
			       who.key_id, eucc_key_name(key),
			       *eucc_key_origin(key) ? eucc_key_origin(key) : "pinned");
		eucc_error_hint(err, "fetch the package again from its server and compare its "
				     "digest; do not run this copy");
		return -EKEYREJECTED;
	}
	return 0;
}
