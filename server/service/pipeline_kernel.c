/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The per-kernel step of the pipeline, and the package's storing that ends it: one kernel's check
 * of an object (its findings and minimized BTF) from the cache under the per-kernel key, or made
 * once however many requests want it, and added to a package under construction. A compile runs it
 * for every target; adding a kernel to a stored package (package_kernels.c) runs it for that one
 * kernel.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/btf.h>
#include <cjson/cJSON.h>
#include "pipeline_internal.h"

void pipeline_package_json(cJSON *answer, const char *hex, size_t size)
{
	cJSON *p = cJSON_AddObjectToObject(answer, "package");
	char text[128];

	snprintf(text, sizeof(text), "sha256:%s", hex);
	cJSON_AddStringToObject(p, "digest", text);
	cJSON_AddNumberToObject(p, "size", (double)size);
	snprintf(text, sizeof(text), "/v1/artifacts/%s", hex);
	cJSON_AddStringToObject(p, "url", text);
}

int pipeline_store_package(struct service *s, const void *data, size_t size, cJSON *answer)
{
	char digest[EUCC_SHA256_HEX];
	int ret = cache_blob_put(s->cache, data, size, digest);

	if (!ret)
		ret = cache_key_put(s->cache, "artifact", digest, digest, NULL);
	if (!ret) /* any replica can then serve it */
		registry_push(s, "artifact", digest, data, size, NULL);
	if (!ret)
		pipeline_package_json(answer, digest, size);
	return ret;
}

void pipeline_add_text(cJSON *o, const char *name, const char *text)
{
	char *safe = str_escape(text);

	cJSON_AddStringToObject(o, name, safe ? safe : "");
	free(safe);
}

static cJSON *report_to_json(const struct core_report *rep)
{
	cJSON *o = cJSON_CreateObject(), *arr;

	cJSON_AddStringToObject(o, "status", core_status_name(rep->status));
	arr = cJSON_AddArrayToObject(o, "findings");
	for (size_t i = 0; i < rep->count; i++) {
		const struct core_finding *f = &rep->findings[i];
		cJSON *j = cJSON_CreateObject();

		cJSON_AddStringToObject(j, "severity", core_severity_name(f->severity));
		cJSON_AddStringToObject(j, "kind", f->kind);
		pipeline_add_text(j, "message", f->message);
		cJSON_AddStringToObject(j, "file",
					strncmp(f->file, "./", 2) ? f->file : f->file + 2);
		cJSON_AddNumberToObject(j, "line", f->line);
		cJSON_AddItemToArray(arr, j);
	}
	return o;
}

/* One kernel's outcome: its report (status, findings) and its minimized BTF. */
struct kernel_result {
	cJSON *meta;
	void *min;
	size_t min_size;
	char digest[EUCC_SHA256_HEX];
	bool hit;
	const char *shared; /* with a registry: "hit", "pushed", "miss" */
};

/* From the cache: the record and its blob (false if either is missing or damaged). */
static bool kernel_from_cache(struct kernel_step *ks, const char *key, struct kernel_result *kr)
{
	char *text = NULL;

	if (cache_key_get(ks->s->cache, "kernel", key, kr->digest, &text))
		return false;
	kr->meta = cJSON_Parse(text);
	free(text);
	if (kr->meta && !cache_blob_read(ks->s->cache, kr->digest, &kr->min, &kr->min_size)) {
		kr->hit = true;
		return true;
	}
	cJSON_Delete(kr->meta);
	kr->meta = NULL;
	return false;
}

/* Check one kernel; the minimized BTF stays in memory for the package. */
static int kernel_check(struct kernel_step *ks, const struct btf_kernel *k, const char *key,
			struct kernel_result *kr)
{
	struct core_check_opts opts = {.sz = sizeof(opts), .release = k->release};
	struct core_report rep = {0};
	struct eucc_error err = {0};
	struct kernel_entry *e;
	char *text;
	int ret;

	ret = kernel_cache_get(&ks->s->kernels, ks->s->store, k, &e, &err);
	if (!ret) {
		opts.index = e->index;
		ret = core_check(ks->view, e->btf, &e->features, &opts, &rep, &err);
		kernel_cache_put(&ks->s->kernels, e);
	}
	atomic_fetch_add(&ks->s->metrics.kernel_checks, 1);
	if (ret) {
		eucc_warn("check of %s failed: %s", k->release, err.message);
		core_report_free(&rep);
		return ret;
	}
	kr->meta = report_to_json(&rep);
	kr->min = rep.min_btf;
	kr->min_size = rep.min_btf_size;
	rep.min_btf = NULL;
	core_report_free(&rep);
	if (cache_blob_put(ks->s->cache, kr->min, kr->min_size, kr->digest)) {
		eucc_sha256_hex(kr->min, kr->min_size, kr->digest);
		eucc_warn("cannot store the minimized BTF of %s in the cache", k->release);
		return 0;
	}
	text = cJSON_PrintUnformatted(kr->meta);
	if (!text || cache_key_put(ks->s->cache, "kernel", key, kr->digest, text))
		eucc_warn("cannot record the check of %s in the cache", k->release);
	if (text && registry_push(ks->s, "kernel", key, kr->min, kr->min_size, text))
		kr->shared = "pushed";
	free(text);
	return 0;
}

/* A kernel's result from the cache, or checked once however many requests want it. */
static int kernel_result(struct kernel_step *ks, const struct btf_kernel *k,
			 struct kernel_result *kr)
{
	const char *parts[] = {"kernel", EUCC_PIPELINE_VERSION, ks->object_digest, k->sha256,
			       k->release};
	char key[EUCC_SHA256_HEX];
	int ret;

	cache_key_digest(key, parts, 5);
	for (;;) {
		if (kernel_from_cache(ks, key, kr))
			return 0;
		if (!flight_begin(&ks->s->kernel_flights, key))
			continue;
		/* the leader asks the registry once, for every request waiting on it */
		if (!registry_fetch(ks->s, "kernel", key))
			break;
		flight_end(&ks->s->kernel_flights, key);
		kr->shared = "hit";
	}
	kr->shared = ks->s->registry ? "miss" : NULL;
	ret = kernel_check(ks, k, key, kr);
	flight_end(&ks->s->kernel_flights, key);
	return ret;
}

int pipeline_kernel_add(struct kernel_step *ks, const struct btf_kernel *k)
{
	struct kernel_result kr = {0};
	cJSON *kj, *mk, *btf;
	char path[512];
	int ret;

	ret = kernel_result(ks, k, &kr);
	if (ret)
		return ret;
	atomic_fetch_add(kr.hit ? &ks->s->metrics.kernel_hits : &ks->s->metrics.kernel_misses, 1);
	cJSON_AddStringToObject(ks->kernel_cache, k->release, kr.hit ? "hit" : "miss");
	if (ks->kernel_shared)
		cJSON_AddStringToObject(ks->kernel_shared, k->release,
					kr.shared ? kr.shared : "local");
	/* a second build of a release in the package (another build id) is named by its id */
	snprintf(path, sizeof(path), "btf/%s/%s.btf", k->arch, k->release);
	ret = pkg_writer_add(ks->pkg, path, kr.min, kr.min_size);
	if (ret == -EEXIST && k->build_id[0]) {
		snprintf(path, sizeof(path), "btf/%s/%s.%s.btf", k->arch, k->release, k->build_id);
		ret = pkg_writer_add(ks->pkg, path, kr.min, kr.min_size);
	}
	free(kr.min);
	kj = btf_kernel_json(k, false);
	cJSON_AddItemToObject(kj, "status",
			      cJSON_Duplicate(cJSON_GetObjectItem(kr.meta, "status"), 1));
	mk = cJSON_Duplicate(kj, 1);
	cJSON_AddItemToObject(kj, "findings",
			      cJSON_Duplicate(cJSON_GetObjectItem(kr.meta, "findings"), 1));
	btf = cJSON_AddObjectToObject(mk, "btf");
	cJSON_AddStringToObject(btf, "path", path);
	cJSON_AddStringToObject(btf, "sha256", kr.digest);
	cJSON_AddNumberToObject(btf, "size", (double)kr.min_size);
	cJSON_AddItemToArray(ks->kernels, kj);
	cJSON_AddItemToArray(ks->manifest_kernels, mk);
	cJSON_Delete(kr.meta);
	return ret;
}
