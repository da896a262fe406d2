/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The server's signing keys in its data dir (docs/operations.md, "Signing keys"):
 *   keys/signing.pem  the current ed25519 private key, mode 0600, made on first start;
 *   keys/public.pem   the public keys of every key it has had, newest first: the trust file
 *                     hosts pin (`eucc-server key export`), so packages signed before a
 *                     rotation still verify.
 */
#ifndef EUCC_SERVER_SIGNING_H
#define EUCC_SERVER_SIGNING_H

#include <stdbool.h>

#include "common.h"

/* The current key; with @create, a new one (named @name, else "eucc-server@HOSTNAME") when
 * the data dir has none yet. -ENOENT without @create when there is none. */
int signing_key_load(const char *data_dir, bool create, const char *name, struct eucc_key **out,
		     struct eucc_error *err);
/* A new current key; the old one's public key stays in keys/public.pem, its private key goes. */
int signing_key_rotate(const char *data_dir, const char *name, struct eucc_key **out,
		       struct eucc_error *err);
/* Every public key of keys/public.pem (the current one first). */
int signing_keys_public(const char *data_dir, struct eucc_keyring *ring, struct eucc_error *err);
/* keys/public.pem as text (malloc'd, NUL-terminated). */
int signing_trust_file(const char *data_dir, char **text, struct eucc_error *err);

#endif
