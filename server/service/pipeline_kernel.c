/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The per-kernel step of the pipeline, and the package's storing that ends it: one kernel's check
 * of an object (its findings and minimized BTF) from the cache under the per-kernel key, or made
 * once however many requests want it, and added to a package under construction. The kernels of
 * one request go through it together (pipeline_kernels.c); adding a kernel to a stored package
 * (package_kernels.c) runs it for that one kernel.
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
	struct cache_entry e = {.ns = "artifact", .key = digest, .data = data, .size = size};
	int ret;

	eucc_sha256_hex(data, size, digest); /* the artifact key is its own digest */
	ret = cache_put(s->cache, &e, 1);
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

bool pipeline_kernel_cached(struct kernel_step *ks, struct kernel_result *kr)
{
	char *text = NULL;

	if (cache_key_get(ks->s->cache, "kernel", kr->key, kr->digest, &text))
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

void pipeline_kernel_key(const struct kernel_step *ks, const struct btf_kernel *k,
			 struct kernel_result *kr)
{
	const char *parts[] = {"kernel", EUCC_PIPELINE_VERSION, ks->object_digest, k->sha256,
			       k->release};

	cache_key_digest(kr->key, parts, 5);
}

int pipeline_kernel_check(struct kernel_step *ks, const struct btf_kernel *k,
			  struct kernel_result *kr)
{
	struct core_check_opts opts = {.sz = sizeof(opts), .release = k->release};
	struct core_report rep = {0};
	struct eucc_error err = {0};
	struct kernel_entry *e;
	int ret;

	kr->shared = ks->s->registry ? "miss" : NULL;
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
	kr->led = true;
	return 0;
}

void pipeline_kernels_store(struct kernel_step *ks, struct kernel_result **kr, size_t n)
{
	struct cache_entry *v = calloc(n, sizeof(*v));
	char **text = calloc(n, sizeof(*text));
	size_t m = 0;

	for (size_t i = 0; v && text && i < n; i++) {
		text[i] = cJSON_PrintUnformatted(kr[i]->meta);
		if (text[i])
			v[m++] = (struct cache_entry){.ns = "kernel",
						      .key = kr[i]->key,
						      .data = kr[i]->min,
						      .size = kr[i]->min_size,
						      .meta = text[i]};
	}
	if (!v || !text || m < n || cache_put(ks->s->cache, v, m))
		eucc_warn("cannot record the checks of %zu kernels in the cache", n);
	for (size_t i = 0; i < n; i++) {
		eucc_sha256_hex(kr[i]->min, kr[i]->min_size, kr[i]->digest);
		if (text && text[i] &&
		    registry_push(ks->s, "kernel", kr[i]->key, kr[i]->min, kr[i]->min_size,
				  text[i]))
			kr[i]->shared = "pushed";
		free(text ? text[i] : NULL);
		flight_end(&ks->s->kernel_flights, kr[i]->key);
		kr[i]->led = false;
	}
	free(text);
	free(v);
}

int pipeline_kernel_result(struct kernel_step *ks, const struct btf_kernel *k,
			   struct kernel_result *kr)
{
	int ret;

	for (;;) {
		if (pipeline_kernel_cached(ks, kr))
			return 0;
		if (!flight_begin(&ks->s->kernel_flights, kr->key))
			continue;
		/* the leader asks the registry once, for every request waiting on it */
		if (!registry_fetch(ks->s, "kernel", kr->key))
			break;
		flight_end(&ks->s->kernel_flights, kr->key);
		kr->shared = "hit";
	}
	ret = pipeline_kernel_check(ks, k, kr);
	if (ret) {
		flight_end(&ks->s->kernel_flights, kr->key);
		return ret;
	}
	pipeline_kernels_store(ks, &kr, 1);
	return 0;
}

int pipeline_kernel_append(struct kernel_step *ks, const struct btf_kernel *k,
			   struct kernel_result *kr)
{
	cJSON *kj, *mk, *btf;
	char path[512];
	int ret;

	atomic_fetch_add(kr->hit ? &ks->s->metrics.kernel_hits : &ks->s->metrics.kernel_misses, 1);
	cJSON_AddStringToObject(ks->kernel_cache, k->release, kr->hit ? "hit" : "miss");
	if (ks->kernel_shared)
		cJSON_AddStringToObject(ks->kernel_shared, k->release,
					kr->shared ? kr->shared : "local");
	/* a second build of a release in the package (another build id) is named by its id */
	snprintf(path, sizeof(path), "btf/%s/%s.btf", k->arch, k->release);
	ret = pkg_writer_add(ks->pkg, path, kr->min, kr->min_size);
	if (ret == -EEXIST && k->build_id[0]) {
		snprintf(path, sizeof(path), "btf/%s/%s.%s.btf", k->arch, k->release, k->build_id);
		ret = pkg_writer_add(ks->pkg, path, kr->min, kr->min_size);
	}
	kj = btf_kernel_json(k, false);
	cJSON_AddItemToObject(kj, "status",
			      cJSON_Duplicate(cJSON_GetObjectItem(kr->meta, "status"), 1));
	mk = cJSON_Duplicate(kj, 1);
	cJSON_AddItemToObject(kj, "findings",
			      cJSON_Duplicate(cJSON_GetObjectItem(kr->meta, "findings"), 1));
	btf = cJSON_AddObjectToObject(mk, "btf");
	cJSON_AddStringToObject(btf, "path", path);
	cJSON_AddStringToObject(btf, "sha256", kr->digest);
	cJSON_AddNumberToObject(btf, "size", (double)kr->min_size);
	cJSON_AddItemToArray(ks->kernels, kj);
	cJSON_AddItemToArray(ks->manifest_kernels, mk);
	return ret;
}

void pipeline_kernel_result_free(struct kernel_result *kr)
{
	free(kr->min);
	cJSON_Delete(kr->meta);
	memset(kr, 0, sizeof(*kr));
}
