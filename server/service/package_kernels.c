/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A kernel added to a stored package (POST /v1/packages/{digest}/kernels): the package's own
 * object, checked for one more kernel by the pipeline's per-kernel step (pipeline_kernel.c,
 * the cache's per-kernel key), and a new package with that kernel's minimized BTF, manifest
 * entry and report. Nothing is compiled.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include "pipeline_internal.h"

/* The stored package @digest (verified as it is served: service_artifact), opened. */
static int read_package(struct service *s, const char *digest, struct pkg **pkg, size_t *len,
			struct eucc_error *err)
{
	uint64_t bytes;
	void *data;
	int fd, ret = service_artifact(s, digest, &fd, &bytes, err);

	if (ret)
		return ret;
	close(fd);
	ret = cache_blob_read(s->cache, strncmp(digest, "sha256:", 7) ? digest : digest + 7, &data,
			      len);
	if (ret)
		return eucc_error_set(err, ret, EUCC_E_INTERNAL, "cannot read artifact %s: %s",
				      digest, strerror(-ret));
	ret = pkg_open(data, *len, pkg, err);
	free(data);
	return ret;
}

/* The manifest's entry of the kernel @want names on @arch (a build of another build id is
 * another kernel), or NULL. */
static const cJSON *entry_of(const cJSON *manifest, const struct kernel_want *want,
			     const char *arch)
{
	const cJSON *k;

	cJSON_ArrayForEach(k, cJSON_GetObjectItem(manifest, "kernels")) {
		const char *id = json_str(k, "build_id");

		if (!strcmp(json_str(k, "release"), want->release) &&
		    !strcmp(json_str(k, "arch"), arch) &&
		    (!*id || !want->build_id || !strcmp(id, want->build_id)))
			return k;
	}
	return NULL;
}

/* The stored kernel of that release and arch whose BTF is @sha, or -ENOENT. */
static int find_by_btf(struct service *s, const char *release, const char *arch, const char *sha,
		       struct btf_kernel *k)
{
	struct btf_kernel *list = NULL;
	size_t n = 0;
	int ret = btf_store_match(s->store, release, arch, &list, &n, NULL) ? -EIO : -ENOENT;

	for (size_t i = 0; i < n && ret; i++)
		if (!strcmp(list[i].release, release) && !strcmp(list[i].sha256, sha)) {
			*k = list[i];
			ret = 0;
		}
	free(list);
	return ret;
}

/* The stored kernel @want names: with the host's BTF digest, the one of that release, arch
 * and BTF; else the one of that release, arch and build id (or of unknown build id). */
static int find_kernel(struct service *s, const struct kernel_want *want, const char *arch,
		       struct btf_kernel *k, struct eucc_error *err)
{
	if (want->btf_sha256) {
		if (!find_by_btf(s, want->release, arch, want->btf_sha256, k))
			return 0;
		eucc_error_set(err, -ENOENT, EUCC_E_BTF_NEEDED,
			       "this server does not have the BTF of %s (%s, sha256:%.12s...)",
			       want->release, arch, want->btf_sha256);
		eucc_error_hint(err, "offer it (POST /v1/btf?release=R&arch=A&sha256=S), then ask "
				     "again");
		return -ENOENT;
	}
	if (!btf_store_get_build(s->store, want->release, arch, want->build_id, k, NULL))
		return 0;
	eucc_error_set(err, -ENOENT, EUCC_E_KERNEL_NOT_FOUND,
		       "no stored kernel is %s (%s%s%s) and the host sent no BTF of its own",
		       want->release, arch, want->build_id ? ", build id " : "",
		       want->build_id ? want->build_id : "");
	eucc_error_hint(err,
			"import that kernel's BTF on the server (eucc-server btf import PATH "
			"--release %s), or run with --btf PATH",
			want->release);
	return -ENOENT;
}

/* The new package: every member but the report, the kernel's BTF, the report and manifest
 * with the kernel's entries appended. */
static int build(struct service *s, struct pkg *old, const struct btf_kernel *k, cJSON *answer,
		 struct eucc_error *err)
{
	const cJSON *m = pkg_manifest(old), *obj = cJSON_GetObjectItem(m, "object");
	struct kernel_step ks = {.s = s, .object_digest = json_str(obj, "sha256")};
	cJSON *manifest = NULL, *report = NULL, *p;
	const void *data;
	void *out = NULL;
	size_t size;
	int ret;

	ret = pkg_member(old, json_str(obj, "path"), &data, &size);
	if (ret)
		return eucc_error_set(err, ret, EUCC_E_BAD_REQUEST, "that artifact has no object");
	ret = obj_view_open(data, size, &ks.view, err);
	if (!ret)
		ret = pkg_writer_new(&ks.pkg);
	for (size_t i = 0; !ret && i < pkg_member_count(old); i++) {
		const char *path = pkg_member_path(old, i);

		if (strcmp(path, "report.json") && !pkg_member(old, path, &data, &size))
			ret = pkg_writer_add(ks.pkg, path, data, size);
	}
	ks.kernels = cJSON_CreateArray();
	ks.manifest_kernels = cJSON_CreateArray();
	ks.kernel_cache = cJSON_CreateObject();
	if (!ret)
		ret = pipeline_kernels_add(&ks, k, 1);
	if (!ret && !pkg_member(old, "report.json", &data, &size))
		report = cJSON_ParseWithLength(data, size);
	if (!report)
		report = cJSON_CreateObject();
	if (!cJSON_IsArray(cJSON_GetObjectItem(report, "kernels"))) {
		cJSON_DeleteItemFromObject(report, "kernels");
		cJSON_AddArrayToObject(report, "kernels");
	}
	cJSON_AddItemToArray(cJSON_GetObjectItem(report, "kernels"),
			     cJSON_Duplicate(ks.kernels->child, 1));
	manifest = cJSON_Duplicate(m, 1);
	if (!cJSON_IsArray(cJSON_GetObjectItem(manifest, "kernels"))) {
		cJSON_DeleteItemFromObject(manifest, "kernels");
		cJSON_AddArrayToObject(manifest, "kernels");
	}
	cJSON_AddItemToArray(cJSON_GetObjectItem(manifest, "kernels"),
			     cJSON_Duplicate(ks.manifest_kernels->child, 1));
	if (!ret) {
		char *text = cJSON_Print(report);

		ret = text ? pkg_writer_add(ks.pkg, "report.json", text, strlen(text)) : -ENOMEM;
		free(text);
	}
	if (s->opts.signing_key) /* signed as a compile's package is */
		pkg_writer_sign(ks.pkg, s->opts.signing_key);
	if (!ret)
		ret = pkg_writer_finish(ks.pkg, manifest, &out, &size);
	if (!ret)
		ret = pipeline_store_package(s, out, size, answer);
	if (!ret) {
		cJSON_AddItemToObject(answer, "kernels", ks.kernels);
		ks.kernels = NULL;
	} else if (!err->message[0]) {
		eucc_error_set(err, ret, EUCC_E_INTERNAL, "cannot add kernel %s: %s", k->release,
			       strerror(-ret));
	}
	cJSON_AddBoolToObject(answer, "added", !ret);
	p = cJSON_AddObjectToObject(answer, "cache");
	cJSON_AddStringToObject(p, "object", "hit"); /* the package's own: never compiled */
	cJSON_AddItemToObject(p, "kernels", ks.kernel_cache);
	free(out);
	cJSON_Delete(manifest);
	cJSON_Delete(report);
	cJSON_Delete(ks.kernels);
	cJSON_Delete(ks.manifest_kernels);
	pkg_writer_free(ks.pkg);
	obj_view_free(ks.view);
	return ret;
}

/* The package already holds the kernel: the same package, its entry from the report. */
static void unchanged(const char *digest, size_t len, struct pkg *pkg, const char *release,
		      const char *arch, cJSON *answer)
{
	const cJSON *k, *report = NULL;
	cJSON *kernels, *cache;
	const void *data;
	size_t size;

	pipeline_package_json(answer, strncmp(digest, "sha256:", 7) ? digest : digest + 7, len);
	kernels = cJSON_AddArrayToObject(answer, "kernels");
	if (!pkg_member(pkg, "report.json", &data, &size))
		report = cJSON_ParseWithLength(data, size);
	cJSON_ArrayForEach(k, cJSON_GetObjectItem(report, "kernels"))
		if (!strcmp(json_str(k, "release"), release) && !strcmp(json_str(k, "arch"), arch))
			cJSON_AddItemToArray(kernels, cJSON_Duplicate(k, 1));
	cJSON_Delete((cJSON *)report);
	cJSON_AddBoolToObject(answer, "added", 0);
	cache = cJSON_AddObjectToObject(answer, "cache");
	cJSON_AddStringToObject(cache, "object", "hit");
	cJSON_AddStringToObject(cJSON_AddObjectToObject(cache, "kernels"), release, "hit");
}

int service_package_add_kernel(struct service *s, const char *digest,
			       const struct kernel_want *want, struct cJSON **answer,
			       struct eucc_error *err)
{
	uint64_t t0 = eucc_now_ns();
	struct pkg *pkg = NULL;
	struct btf_kernel k;
	const char *arch;
	size_t len = 0;
	int ret;

	*answer = NULL;
	if (!want->release || !release_is_valid(want->release) ||
	    (want->arch && !arch_normalize(want->arch)) ||
	    (want->build_id && !build_id_is_valid(want->build_id)) ||
	    (want->btf_sha256 && !eucc_is_sha256_hex(want->btf_sha256))) {
		eucc_error_set(err, -EINVAL, EUCC_E_BAD_REQUEST,
			       "a kernel to add needs a valid \"release\"; \"arch\", \"build_id\" "
			       "(hex) and \"btf_sha256\" (64 hex digits) must be valid if given");
		eucc_error_hint(err, "{\"release\":\"$(uname -r)\",\"build_id\":\"<hex>\","
				     "\"btf_sha256\":\"<hex>\"}");
		return -EINVAL;
	}
	ret = read_package(s, digest, &pkg, &len, err);
	if (ret)
		return ret;
	arch = json_str(pkg_manifest(pkg), "arch");
	if (want->arch && strcmp(arch_normalize(want->arch), arch)) {
		ret = eucc_error_set(err, -EINVAL, EUCC_E_BAD_REQUEST,
				     "that package is for %s, not %s", arch,
				     arch_normalize(want->arch));
		eucc_error_hint(err, "compile it for this arch: eucc-remote compile --arch %s",
				arch_normalize(want->arch));
		goto out;
	}
	*answer = cJSON_CreateObject();
	if (entry_of(pkg_manifest(pkg), want, arch)) {
		unchanged(digest, len, pkg, want->release, arch, *answer);
		goto out;
	}
	ret = find_kernel(s, want, arch, &k, err);
	if (!ret)
		ret = build(s, pkg, &k, *answer, err);
out:
	if (ret) {
		cJSON_Delete(*answer);
		*answer = NULL;
	} else {
		cJSON_AddNumberToObject(cJSON_AddObjectToObject(*answer, "timings_ms"), "total",
					(double)((eucc_now_ns() - t0) / EUCC_NS_PER_MS));
	}
	pkg_close(pkg);
	return ret;
}
