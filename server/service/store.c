/* SPDX-License-Identifier: Apache-2.0 */
/* The store side of the service: artifact files, BTF offered by clients, kernel definitions. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pipeline_internal.h"

int service_artifact(struct service *s, const char *digest, int *fd, uint64_t *bytes,
		     struct eucc_error *err)
{
	char hex[EUCC_SHA256_HEX], *memo;
	size_t len;
	int ret;

	if (!strncmp(digest, "sha256:", 7))
		digest += 7;
	if (!eucc_is_sha256_hex(digest)) {
		eucc_error_set(err, -EINVAL, EUCC_E_BAD_REQUEST,
			       "a digest is 64 lowercase hex digits");
		eucc_error_hint(err,
				"use the digest a compile answered, without the sha256: prefix");
		return -EINVAL;
	}
	/* The artifact key, memoized; the blob itself is opened (and verified) every time. */
	memo = memo_get(&s->artifacts, digest, &len, NULL);
	ret = memo ? 0 : cache_key_get(s->cache, "artifact", digest, hex, NULL);
	/* compiled by another replica: from the registry into this cache */
	if (ret == -ENOENT && registry_fetch(s, "artifact", digest))
		ret = cache_key_get(s->cache, "artifact", digest, hex, NULL);
	if (!ret)
		ret = cache_blob_open(s->cache, digest, fd, bytes);
	if (ret) {
		free(memo);
		eucc_error_set(err, -ENOENT, EUCC_E_NOT_FOUND,
			       "no artifact with that digest on this server");
		eucc_error_hint(err, "it may have been evicted: compile again to rebuild it");
		return -ENOENT;
	}
	if (!memo)
		memo_put(&s->artifacts, digest, digest, strlen(digest), 0);
	free(memo);
	return 0;
}

struct offered {
	struct btf_kernel k;
	bool unchanged;
};

static void offer_done(const struct btf_kernel *k, enum btf_import_result res, const char *fmt,
		       void *ctx)
{
	struct offered *o = ctx;

	(void)fmt;
	o->k = *k;
	o->unchanged = res == BTF_IMPORT_UNCHANGED;
}

/* Import @path under the offered name. */
static int import_offered(struct service *s, const char *release, const char *arch,
			  const char *build_id, const char *path, struct btf_kernel *out,
			  bool *added, struct eucc_error *err)
{
	struct btf_import_opts o = {
	    .sz = sizeof(o), .release = release, .arch = arch, .build_id = build_id};
	struct offered res = {0};
	struct btf_import_cbs cbs = {.done = offer_done, .ctx = &res};
	struct eucc_error why = {0};

	if (btf_store_import(s->store, path, &o, &cbs, &why) < 0) {
		eucc_warn("BTF offered for %s refused: %s", release, why.message);
		if (why.err == -EEXIST) {
			eucc_error_set(err, -EEXIST, EUCC_E_CONFLICT,
				       "this server holds other BTF under that release");
			eucc_error_hint(err, "ask its operator; eucc-server btf import --replace");
			return -EEXIST;
		}
		eucc_error_set(err, -EINVAL, EUCC_E_BAD_REQUEST,
			       "the upload is not BTF this server can use");
		eucc_error_hint(err, "send the raw BTF of /sys/kernel/btf/vmlinux");
		return -EINVAL;
	}
	*out = res.k;
	*added = !res.unchanged;
	if (*added)
		eucc_info("stored BTF of %s (%s) offered by a client", res.k.release, res.k.arch);
	return 0;
}

/* The body as a temp file of the data dir, for the importer; locked (tmpdirs.c) while *lock
 * is open. */
static int write_upload(struct service *s, const void *data, size_t len, char *path, size_t size,
			int *lock, struct eucc_error *err)
{
	int ret = tmp_make_locked(s->opts.data_dir, "upload", false, path, size, lock, err);

	if (ret)
		return ret;
	ret = fs_write_all(*lock, data, len);
	if (ret) {
		unlink(path);
		close(*lock);
		return eucc_error_set(err, ret, EUCC_E_IO, "cannot write the upload to %s", path);
	}
	return 0;
}

static int bad_upload(struct eucc_error *err, const char *why)
{
	eucc_error_set(err, -EINVAL, EUCC_E_BAD_REQUEST, "%s", why);
	eucc_error_hint(err, "send the raw BTF of /sys/kernel/btf/vmlinux");
	return -EINVAL;
}

int service_btf_offer(struct service *s, const char *release, const char *arch,
		      const char *build_id, const char *sha, const void *data, size_t len,
		      struct btf_kernel *out, bool *added, struct eucc_error *err)
{
	char hex[EUCC_SHA256_HEX], path[PATH_MAX];
	struct eucc_error why = {0};
	struct btf_kernel k;
	int ret, lock;

	*added = false;
	if (!data) { /* by digest: do we know this BTF, under this name or another? */
		if (btf_store_find_sha(s->store, sha, &k, NULL)) {
			eucc_error_set(err, -ENOENT, EUCC_E_BTF_NEEDED,
				       "this server does not have that BTF");
			eucc_error_hint(err, "send it as the body of the same request");
			return -ENOENT;
		}
		if (!strcmp(k.release, release) && !strcmp(k.arch, arch)) {
			*out = k;
			return 0;
		}
		return import_offered(s, release, arch, build_id, k.path, out, added, err);
	}
	/* Raw BTF only, fully validated: no archives, images or DWARF here. */
	ret = btf_source_validate(data, len, &why);
	if (ret) {
		eucc_error_set(err, ret, EUCC_E_BAD_INPUT, "the upload is not raw BTF: %s",
			       why.message);
		eucc_error_hint(err, "send the raw BTF of /sys/kernel/btf/vmlinux");
		return ret;
	}
	eucc_sha256_hex(data, len, hex);
	if (strcmp(hex, sha))
		return bad_upload(err, "the body does not match the sha256 given");
	ret = write_upload(s, data, len, path, sizeof(path), &lock, err);
	if (ret)
		return ret;
	ret = import_offered(s, release, arch, build_id, path, out, added, err);
	unlink(path);
	close(lock);
	return ret;
}

int service_kernel_def(struct service *s, const char *release, const char *arch, bool type,
		       const char *name, struct btf_kernel *k, char **text, struct eucc_error *err)
{
	struct kernel_entry *e;
	size_t len = 0;
	FILE *mem;
	int ret;

	*text = NULL;
	ret = btf_store_get(s->store, release, arch, k, err);
	if (!ret)
		ret = kernel_cache_get(&s->kernels, s->store, k, &e, err);
	if (ret)
		return ret;
	mem = open_memstream(text, &len);
	if (!mem) {
		kernel_cache_put(&s->kernels, e);
		return eucc_error_set(err, -ENOMEM, EUCC_E_INTERNAL, "out of memory");
	}
	ret = type ? btf_header_print_type(e->btf, name, mem, err)
		   : btf_header_print_func(e->btf, name, mem, err);
	fclose(mem);
	kernel_cache_put(&s->kernels, e);
	if (ret) {
		free(*text);
		*text = NULL;
	}
	return ret;
}
