/* SPDX-License-Identifier: Apache-2.0 */
/* The pipeline's work, on a worker thread: object, per-kernel checks, package. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/btf.h>
#include <cjson/cJSON.h>
#include "pipeline_internal.h"

/* What one run produced, before it becomes the answer. */
struct run_state {
	void *object;
	size_t object_size;
	char object_digest[EUCC_SHA256_HEX];
	cJSON *diagnostics;   /* array */
	size_t diags_dropped; /* past the cap: the answer says so, nothing is cached by key */
	bool object_hit;
	/* with a registry: "hit" (fetched), "pushed", "miss" (pushing failed); NULL: local */
	const char *object_shared;
	struct bpf_obj_view *view;
	cJSON *kernels;	      /* array, one per target, with findings */
	cJSON *kernel_cache;  /* {"release": "hit|miss"} */
	cJSON *kernel_shared; /* with a registry: {"release": "hit|pushed|miss|local"} */
	struct pkg_writer *pkg;
	cJSON *manifest_kernels;
	uint64_t compile_ns, check_ns, package_ns;
	struct min_timings min; /* when the program's own kernel header was tried */
};

static cJSON *diag_to_json(const struct compile_diag *d)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "severity", d->severity);
	cJSON_AddStringToObject(o, "file", d->file);
	cJSON_AddNumberToObject(o, "line", d->line);
	cJSON_AddNumberToObject(o, "column", d->column);
	pipeline_add_text(o, "message", d->message);
	if (d->fixits[0])
		pipeline_add_text(o, "fixits", d->fixits);
	return o;
}

static cJSON *diags_to_json(const struct compile_result *res)
{
	cJSON *arr = cJSON_CreateArray();

	for (size_t i = 0; i < res->ndiags; i++)
		cJSON_AddItemToArray(arr, diag_to_json(&res->diags[i]));
	return arr;
}

/* A fresh private job dir under DATA/tmp, locked (tmpdirs.c) until job_dir_done. */
static int make_job_dir(struct service *s, char *dir, size_t size, int *lock,
			struct eucc_error *err)
{
	return tmp_make_locked(s->opts.data_dir, "job", true, dir, size, lock, err);
}

static void job_dir_done(const char *dir, int lock)
{
	if (fs_remove_tree(dir))
		eucc_warn("cannot remove job dir %s", dir);
	close(lock);
}

/* Macros that vmlinux.h reads itself (BPF_NO_*, __VMLINUX_H__) or that its PCH was made with
 * (__TARGET_ARCH_*): a request that sets or unsets them gets the plain header. */
static bool flags_touch_header(const struct compile_request *req)
{
	static const char *const macros[] = {"BPF_NO_", "__VMLINUX", "__TARGET_ARCH_"};

	for (size_t i = 0; i < req->ncflags; i++) {
		if (strncmp(req->cflags[i], "-D", 2) && strncmp(req->cflags[i], "-U", 2))
			continue;
		for (size_t m = 0; m < sizeof(macros) / sizeof(macros[0]); m++)
			if (strstr(req->cflags[i], macros[m]))
				return true;
	}
	return false;
}

/* Make the PCH @pch of @header once, however many requests want it; false if it failed. */
static bool pch_make(struct pipeline_job *c, const char *header, const char *std, const char *cpu,
		     const char *key, const char *pch)
{
	struct eucc_error err = {0};
	char dir[PATH_MAX];
	void *data = NULL;
	size_t len = 0;
	int lock;

	while (access(pch, R_OK)) {
		if (!flight_begin(&c->s->compile_flights, key))
			continue; /* another request made it meanwhile: look again */
		if (!make_job_dir(c->s, dir, sizeof(dir), &lock, &err)) {
			if (!compile_pch_build(c->toolchain, header, c->arch, std, cpu, dir, &data,
					       &len, &err))
				fs_write_atomic(pch, data, len);
			free(data);
			job_dir_done(dir, lock);
		}
		flight_end(&c->s->compile_flights, key);
		if (access(pch, R_OK)) {
			eucc_warn("no precompiled header for %s (%s, -std=%s): %s",
				  c->header.release, c->toolchain->name, std ? std : "gnu17",
				  err.message);
			memo_put(&c->s->pch_failed, key, "", 0, 0);
			return false;
		}
	}
	return true;
}

/*
 * The precompiled header of @header for the request's toolchain, arch, language standard and
 * BPF CPU, made once (next to the header in the store: <release>.h.<arch>.<toolchain>.pch,
 * with .<std> and .<cpu> before .pch for those) and kept: parsing a 2-50 MB vmlinux.h is most
 * of a compile. clang takes a PCH only from the clang that made it and with the language and
 * target options it was made with. NULL: none (a program that does not include vmlinux.h gets
 * none; a PCH that failed to build is not tried again for a while; the compile then says what
 * is wrong).
 */
static const char *header_pch(struct pipeline_job *c, const char *header, char *pch, size_t size)
{
	const char *std = compile_std(&c->req), *cpu = compile_cpu(&c->req);
	const char *parts[] = {"pch", c->header.sha256, c->arch, c->toolchain->identity, std, cpu};
	char key[EUCC_SHA256_HEX], *failed;
	size_t len;

	if (flags_touch_header(&c->req) || !compile_includes_vmlinux(&c->req))
		return NULL;
	snprintf(pch, size, "%s.%s.%s%s%s%s%s.pch", header, c->arch, c->toolchain->name,
		 std ? "." : "", std ? std : "", cpu ? "." : "", cpu ? cpu : "");
	cache_key_digest(key, parts, 6);
	if ((failed = memo_get(&c->s->pch_failed, key, &len, NULL))) {
		free(failed);
		return NULL;
	}
	return pch_make(c, header, std, cpu, key, pch) ? pch : NULL;
}

/* Compile in a fresh job dir under DATA/tmp; removes it after. */
static int run_compile(struct pipeline_job *c, struct run_state *st, struct compile_result *res,
		       struct eucc_error *err)
{
	struct compile_job job = {.req = &c->req,
				  .toolchain = c->toolchain,
				  .arch = c->arch,
				  .limits = c->s->opts.limits};
	char header[PATH_MAX], dir[PATH_MAX], pch[PATH_MAX + 32], *events_text;
	struct compile_request with_events;
	int ret, lock;

	job.req = pipeline_with_events(&c->req, &with_events, &events_text);

	ret = btf_store_header(c->s->store, &c->header, header, sizeof(header), err);
	if (ret)
		goto out;
	job.vmlinux_h = header;
	job.eucc_include = c->s->opts.eucc_include;
	job.warm_preload = c->s->opts.warm_preload;
	if (!c->s->opts.full_header && !pipeline_min_compile(c, &job, res, &st->min))
		goto out; /* compiled against the program's own header */
	ret = make_job_dir(c->s, dir, sizeof(dir), &lock, err);
	if (ret)
		goto out;
	job.vmlinux_pch = header_pch(c, header, pch, sizeof(pch));
	job.workdir = dir;
	ret = compile_run(&job, res, err);
	job_dir_done(dir, lock);
out:
	if (events_text)
		free(with_events.sources);
	free(events_text);
	return ret;
}

/* A failure the sandbox reported (killed at a limit ...), as one more diagnostic. */
static void add_failure(cJSON *diags, const char *failure)
{
	cJSON *d = cJSON_CreateObject();

	cJSON_AddStringToObject(d, "severity", "fatal");
	cJSON_AddStringToObject(d, "file", "");
	cJSON_AddNumberToObject(d, "line", 0);
	cJSON_AddNumberToObject(d, "column", 0);
	pipeline_add_text(d, "message", failure);
	cJSON_AddItemToArray(diags, d);
}

static bool object_from_cache(struct pipeline_job *c, struct run_state *st)
{
	char *meta = NULL;

	if (cache_key_get(c->s->cache, "object", c->object_key, st->object_digest, &meta) ||
	    cache_blob_read(c->s->cache, st->object_digest, &st->object, &st->object_size)) {
		free(meta);
		return false;
	}
	st->object_hit = true;
	st->diagnostics = meta ? cJSON_Parse(meta) : NULL;
	free(meta);
	if (!st->diagnostics)
		st->diagnostics = cJSON_CreateArray();
	atomic_fetch_add(&c->s->metrics.object_hits, 1);
	return true;
}

static void object_to_cache(struct pipeline_job *c, struct run_state *st)
{
	char *meta = cJSON_PrintUnformatted(st->diagnostics);
	struct cache_entry e = {.ns = "object",
				.key = c->object_key,
				.data = st->object,
				.size = st->object_size,
				.meta = meta};

	if (cache_put(c->s->cache, &e, 1))
		eucc_warn("cannot store object %s in the cache", c->object_key);
	memcpy(st->object_digest, e.digest, EUCC_SHA256_HEX);
	if (registry_push(c->s, "object", c->object_key, st->object, st->object_size, meta))
		st->object_shared = "pushed";
	free(meta);
}

/* The object from the cache, or compiled once however many requests want it. A compile
 * error is -EINVAL with code "compile_error" and st->diagnostics. */
static int get_object(struct pipeline_job *c, struct run_state *st, struct eucc_error *err)
{
	struct compile_result res = {0};
	uint64_t t0;
	int ret;

	for (;;) {
		if (object_from_cache(c, st))
			return 0;
		if (!flight_begin(&c->s->compile_flights, c->object_key))
			continue;
		/* the leader asks the registry once, for every request waiting on it */
		if (!registry_fetch(c->s, "object", c->object_key))
			break;
		flight_end(&c->s->compile_flights, c->object_key);
		st->object_shared = "hit";
	}
	if (c->s->registry)
		st->object_shared = "miss";
	atomic_fetch_add(&c->s->metrics.object_misses, 1);
	atomic_fetch_add(&c->s->metrics.compiles, 1);
	t0 = eucc_now_ns();
	ret = run_compile(c, st, &res, err);
	st->compile_ns = eucc_now_ns() - t0;
	histogram_observe(&c->s->metrics.stages[STAGE_COMPILE], st->compile_ns);
	if (!ret) {
		st->diagnostics = diags_to_json(&res);
		st->diags_dropped = res.diags_dropped;
		if (res.ok) {
			st->object = res.object;
			st->object_size = res.object_size;
			res.object = NULL;
			if (!st->diags_dropped) /* a cut list of diagnostics is never cached */
				object_to_cache(c, st);
			else
				eucc_sha256_hex(st->object, st->object_size, st->object_digest);
		} else {
			atomic_fetch_add(&c->s->metrics.compile_failures, 1);
			if (res.failure[0])
				add_failure(st->diagnostics, res.failure);
			ret = eucc_error_set(err, -EINVAL, EUCC_E_COMPILE_ERROR,
					     "the program does not compile");
		}
	}
	compile_result_free(&res);
	flight_end(&c->s->compile_flights, c->object_key);
	return ret;
}

static cJSON *toolchain_json(struct pipeline_job *c)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "eucc", EUCC_VERSION);
	cJSON_AddStringToObject(o, "pipeline", EUCC_PIPELINE_VERSION);
	cJSON_AddStringToObject(o, "name", c->toolchain->name);
	cJSON_AddStringToObject(o, "clang", c->toolchain->clang_version);
	cJSON_AddStringToObject(o, "libbpf", c->s->libbpf_version);
	cJSON_AddStringToObject(o, "libbpf_headers", c->toolchain->libbpf_version);
	cJSON_AddStringToObject(o, "headers", c->header.release);
	return o;
}

/* manifest.json: everything a client needs to verify, list and run the package. */
static cJSON *build_manifest(struct pipeline_job *c, struct run_state *st, const char *obj_path)
{
	cJSON *m = cJSON_CreateObject(), *o, *view = obj_view_json(st->view), *src, *params;
	char digest[EUCC_SHA256_HEX + 8];

	cJSON_AddStringToObject(m, "name", c->req.name);
	cJSON_AddStringToObject(m, "arch", c->arch);
	src = cJSON_AddObjectToObject(m, "source");
	cJSON_AddStringToObject(src, "main", c->req.main);
	snprintf(digest, sizeof(digest), "sha256:%s", c->source_digest);
	cJSON_AddStringToObject(src, "digest", digest);
	cJSON_AddItemToObject(m, "toolchain", toolchain_json(c));
	o = cJSON_AddObjectToObject(m, "object");
	cJSON_AddStringToObject(o, "path", obj_path);
	cJSON_AddStringToObject(o, "sha256", st->object_digest);
	cJSON_AddNumberToObject(o, "size", (double)st->object_size);
	for (cJSON *it = view ? view->child : NULL; it; it = it->next)
		cJSON_AddItemToObject(m, it->string, cJSON_Duplicate(it, 1));
	params = pipeline_parameters(&c->req, cJSON_GetObjectItem(view, "globals"));
	pipeline_object_info(st->object, st->object_size, params, m);
	pipeline_map_units(&c->req, m);
	pipeline_events_found(&c->req, m);
	cJSON_AddItemToObject(m, "parameters", params);
	cJSON_Delete(view);
	cJSON_AddItemToObject(m, "kernels", cJSON_Duplicate(st->manifest_kernels, 1));
	cJSON_AddStringToObject(m, "report", "report.json");
	return m;
}

/* {"diagnostics_truncated": true, "diagnostics_dropped": N} when the cap cut the list. */
static void add_truncation(cJSON *o, size_t dropped)
{
	if (!dropped)
		return;
	cJSON_AddBoolToObject(o, "diagnostics_truncated", 1);
	cJSON_AddNumberToObject(o, "diagnostics_dropped", (double)dropped);
}

static int build_package(struct pipeline_job *c, struct run_state *st, cJSON *answer)
{
	char obj_path[300], *text;
	cJSON *manifest, *report;
	void *data = NULL;
	size_t size = 0;
	int ret;

	snprintf(obj_path, sizeof(obj_path), "%s.bpf.o", c->req.name);
	ret = pkg_writer_add(st->pkg, obj_path, st->object, st->object_size);
	report = cJSON_CreateObject();
	cJSON_AddItemToObject(report, "kernels", cJSON_Duplicate(st->kernels, 1));
	cJSON_AddItemToObject(report, "diagnostics", cJSON_Duplicate(st->diagnostics, 1));
	add_truncation(report, st->diags_dropped);
	text = cJSON_Print(report);
	cJSON_Delete(report);
	if (!ret)
		ret = text ? pkg_writer_add(st->pkg, "report.json", text, strlen(text)) : -ENOMEM;
	free(text);
	manifest = build_manifest(c, st, obj_path);
	if (c->s->opts.signing_key)
		pkg_writer_sign(st->pkg, c->s->opts.signing_key);
	if (!ret)
		ret = pkg_writer_finish(st->pkg, manifest, &data, &size);
	cJSON_Delete(manifest);
	if (!ret)
		ret = pipeline_store_package(c->s, data, size, answer);
	free(data);
	return ret;
}

static void run_state_free(struct run_state *st)
{
	free(st->object);
	cJSON_Delete(st->diagnostics);
	obj_view_free(st->view);
	cJSON_Delete(st->kernels);
	cJSON_Delete(st->kernel_cache);
	cJSON_Delete(st->kernel_shared);
	cJSON_Delete(st->manifest_kernels);
	pkg_writer_free(st->pkg);
}

static double ms(uint64_t ns)
{
	return (double)(ns / 1000000);
}

/* The answer's "cache" and "timings_ms", which vary from one answer to the next. */
static int finish_answer(cJSON *base, const char *object, cJSON *kernels, uint64_t total_ns,
			 const struct run_state *st, struct compile_answer *answer)
{
	cJSON *cache = cJSON_AddObjectToObject(base, "cache"), *t;

	cJSON_AddStringToObject(cache, "object", object);
	cJSON_AddItemToObject(cache, "kernels", kernels);
	if (st && st->kernel_shared) { /* serve --registry: what came from (or went to) it */
		cJSON *shared = cJSON_AddObjectToObject(cache, "registry");

		cJSON_AddStringToObject(shared, "object",
					st->object_shared ? st->object_shared : "local");
		cJSON_AddItemToObject(shared, "kernels", cJSON_Duplicate(st->kernel_shared, 1));
	}
	t = cJSON_AddObjectToObject(base, "timings_ms");
	cJSON_AddNumberToObject(t, "total", ms(total_ns));
	if (st) {
		cJSON_AddNumberToObject(t, "compile", ms(st->compile_ns));
		if (st->min.preprocess_ns) {
			cJSON_AddNumberToObject(t, "preprocess", ms(st->min.preprocess_ns));
			cJSON_AddNumberToObject(t, "header", ms(st->min.header_ns));
			cJSON_AddNumberToObject(t, "clang", ms(st->min.clang_ns));
		}
		cJSON_AddNumberToObject(t, "check", ms(st->check_ns));
		cJSON_AddNumberToObject(t, "package", ms(st->package_ns));
	}
	answer->json = cJSON_PrintUnformatted(base);
	answer->len = answer->json ? strlen(answer->json) : 0;
	cJSON_Delete(base);
	return answer->json ? 0 : -ENOMEM;
}

static int run_checks(struct pipeline_job *c, struct run_state *st, struct eucc_error *err)
{
	uint64_t t0 = eucc_now_ns();
	int ret = obj_view_open(st->object, st->object_size, &st->view, err);

	st->kernels = cJSON_CreateArray();
	st->kernel_cache = cJSON_CreateObject();
	st->kernel_shared = c->s->registry ? cJSON_CreateObject() : NULL;
	st->manifest_kernels = cJSON_CreateArray();
	if (!ret)
		ret = pkg_writer_new(&st->pkg);
	if (!ret) {
		struct kernel_step ks = {.s = c->s,
					 .view = st->view,
					 .object_digest = st->object_digest,
					 .pkg = st->pkg,
					 .kernels = st->kernels,
					 .manifest_kernels = st->manifest_kernels,
					 .kernel_cache = st->kernel_cache,
					 .kernel_shared = st->kernel_shared};

		ret = pipeline_kernels_add(&ks, c->kernels, c->nkernels);
	}
	st->check_ns = eucc_now_ns() - t0;
	histogram_observe(&c->s->metrics.stages[STAGE_CHECK], st->check_ns);
	if (ret && !err->message[0])
		eucc_error_set(err, ret, EUCC_E_INTERNAL, "the relocation check failed: %s",
			       strerror(-ret));
	return ret;
}

/* The package-level record: the answer without what varies (cache, timings). */
static void record_request(struct pipeline_job *c, cJSON *base)
{
	const char *digest = json_str(cJSON_GetObjectItem(base, "package"), "digest");
	char *stored = cJSON_PrintUnformatted(base);

	if (!stored || strncmp(digest, "sha256:", 7) ||
	    cache_key_put(c->s->cache, "package", c->request_key, digest + 7, stored))
		eucc_warn("cannot record request %s in the cache", c->request_key);
	free(stored);
}

int pipeline_run(struct pipeline_job *c, struct compile_answer *answer, struct eucc_error *err)
{
	struct run_state st = {0};
	cJSON *base = NULL;
	uint64_t t0;
	int ret;

	memset(answer, 0, sizeof(*answer));
	ret = get_object(c, &st, err);
	if (ret && err->code == EUCC_E_COMPILE_ERROR) {
		pipeline_header_hint(c, st.diagnostics, err);
		answer->diagnostics = st.diagnostics;
		answer->diagnostics_dropped = st.diags_dropped;
		st.diagnostics = NULL;
	}
	if (!ret)
		ret = run_checks(c, &st, err);
	if (!ret) {
		base = cJSON_CreateObject();
		t0 = eucc_now_ns();
		ret = build_package(c, &st, base);
		st.package_ns = eucc_now_ns() - t0;
		histogram_observe(&c->s->metrics.stages[STAGE_PACKAGE], st.package_ns);
		if (ret)
			eucc_error_set(err, ret, EUCC_E_INTERNAL, "cannot store the package: %s",
				       strerror(-ret));
	}
	if (!ret) {
		cJSON_AddItemToObject(base, "kernels", st.kernels);
		cJSON_AddItemToObject(base, "diagnostics", st.diagnostics);
		add_truncation(base, st.diags_dropped);
		st.kernels = st.diagnostics = NULL;
		if (!st.diags_dropped)
			record_request(c, base);
		ret = finish_answer(base, st.object_hit ? "hit" : "miss", st.kernel_cache,
				    eucc_now_ns() - c->started_ns, &st, answer);
		st.kernel_cache = NULL;
		base = NULL;
		if (ret)
			eucc_error_set(err, ret, EUCC_E_INTERNAL, "out of memory");
	}
	cJSON_Delete(base);
	run_state_free(&st);
	return ret;
}

int pipeline_hit_answer(struct pipeline_job *c, const char *stored, struct compile_answer *answer)
{
	cJSON *base = cJSON_Parse(stored), *kernels;

	memset(answer, 0, sizeof(*answer));
	if (!base)
		return -EINVAL;
	kernels = cJSON_CreateObject();
	for (size_t i = 0; i < c->nkernels; i++)
		cJSON_AddStringToObject(kernels, c->kernels[i].release, "hit");
	return finish_answer(base, "hit", kernels, eucc_now_ns() - c->started_ns, NULL, answer);
}
