/* SPDX-License-Identifier: Apache-2.0 */
/* Keys from parts, and the source key of a compile request (what server and client share). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "common.h"

void eucc_key_digest(char out[EUCC_SHA256_HEX], const char *const *parts, size_t n)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0;

	if (!ctx)
		abort(); /* out of memory: no key rather than a wrong one */
	EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
	for (size_t i = 0; i < n; i++) {
		const char *p = parts[i] ? parts[i] : "";
		uint64_t l = strlen(p);
		unsigned char be[8];

		for (int b = 0; b < 8; b++)
			be[b] = (unsigned char)(l >> (56 - 8 * b));
		EVP_DigestUpdate(ctx, be, sizeof(be));
		EVP_DigestUpdate(ctx, p, l);
	}
	EVP_DigestFinal_ex(ctx, md, &len);
	EVP_MD_CTX_free(ctx);
	for (unsigned int i = 0; i < len; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

static int by_path(const void *a, const void *b)
{
	return strcmp((*(const struct eucc_source *const *)a)->path,
		      (*(const struct eucc_source *const *)b)->path);
}

int eucc_sources_digest(const struct eucc_source *src, size_t n, char out[EUCC_SHA256_HEX])
{
	const struct eucc_source **sorted = calloc(n ? n : 1, sizeof(*sorted));
	const char **parts = calloc(2 * n + 1, sizeof(*parts));
	char(*hex)[EUCC_SHA256_HEX] = calloc(n ? n : 1, sizeof(*hex));
	int ret = sorted && parts && hex ? 0 : -ENOMEM;

	for (size_t i = 0; !ret && i < n; i++)
		sorted[i] = &src[i];
	if (!ret)
		qsort(sorted, n, sizeof(*sorted), by_path);
	for (size_t i = 0; !ret && i < n; i++) {
		eucc_sha256_hex(sorted[i]->data, sorted[i]->size, hex[i]);
		parts[2 * i] = sorted[i]->path;
		parts[2 * i + 1] = hex[i];
	}
	if (!ret)
		eucc_key_digest(out, parts, 2 * n);
	free(sorted);
	free(parts);
	free(hex);
	return ret;
}

void eucc_source_key(const char *arch, const char *main, const char *sources_digest,
		     const char *const *cflags, size_t ncflags, char out[EUCC_SHA256_HEX])
{
	const char *parts[4 + EUCC_KEY_MAX_CFLAGS];
	size_t n = 0;

	parts[n++] = "source";
	parts[n++] = arch;
	parts[n++] = main;
	parts[n++] = sources_digest;
	for (size_t i = 0; i < ncflags && i < EUCC_KEY_MAX_CFLAGS; i++)
		parts[n++] = cflags[i];
	eucc_key_digest(out, parts, n);
}
