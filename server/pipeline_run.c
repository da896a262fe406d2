/* SPDX-License-Identifier: Apache-2.0 */
/* The pipeline's work, on a worker thread: object, per-kernel checks, package. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/btf.h>
#include <cjson/cJSON.h>
#include <microhttpd.h>

#include "pipeline.h"

/* What one run produced, before it becomes the answer. */
struct run_state {
	void *object;
	size_t object_size;
	char object_digest[EUCC_SHA256_HEX];
	cJSON *diagnostics; /* array */
	bool object_hit;
	struct bpf_obj_view *view;
	cJSON *kernels;	     /* array, one per target, with findings */
	cJSON *kernel_cache; /* {"release": "hit|miss"} */
	struct pkg_writer *pkg;
	cJSON *manifest_kernels;
	uint64_t compile_ms, check_ms, package_ms;
};

static cJSON *diag_to_json(const struct compile_diag *d)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "severity", d->severity);
	cJSON_AddStringToObject(o, "file", d->file);
	cJSON_AddNumberToObject(o, "line", d->line);
	cJSON_AddNumberToObject(o, "column", d->column);
	cJSON_AddStringToObject(o, "message", d->message);
	if (d->fixits[0])
		cJSON_AddStringToObject(o, "fixits", d->fixits);
	return o;
}

static cJSON *diags_to_json(const struct compile_result *res)
{
	cJSON *arr = cJSON_CreateArray();

	for (size_t i = 0; i < res->ndiags; i++)
		cJSON_AddItemToArray(arr, diag_to_json(&res->diags[i]));
	return arr;
}

static char *error_answer(unsigned int *status, unsigned int code, const struct eucc_error *e)
{
	*status = code;
	if (code >= 500) { /* its text may name server paths: to the log only */
		eucc_warn("%s: %s", eucc_code_name(e->code), e->message);
		return http_error_body("internal", "the server failed on this request",
				       "the server's log says why");
	}
	return http_error_body(eucc_code_name(e->code), e->message, e->hint);
}

/* A fresh private job dir under DATA/tmp. */
static int make_job_dir(struct server *s, char *dir, size_t size, struct eucc_error *err)
{
	snprintf(dir, size, "%s/tmp", s->opts.data_dir);
	fs_mkdir_p(dir, 0700);
	snprintf(dir, size, "%s/tmp/job-XXXXXX", s->opts.data_dir);
	if (!mkdtemp(dir))
		return eucc_error_set(err, -errno, EUCC_E_INTERNAL, "cannot make a job dir");
	return 0;
}

/* vmlinux.h reads these two macros itself: a request that sets them gets the plain header. */
static bool flags_touch_header(const struct compile_request *req)
{
	for (size_t i = 0; i < req->ncflags; i++)
		if ((!strncmp(req->cflags[i], "-D", 2) || !strncmp(req->cflags[i], "-U", 2)) &&
		    (strstr(req->cflags[i], "BPF_NO_") || strstr(req->cflags[i], "__VMLINUX")))
			return true;
	return false;
}

/*
 * The precompiled header of @header for the request's arch, made once (next to the header
 * in the store) and kept: parsing a 2-50 MB vmlinux.h is most of a compile. NULL: none.
 */
static const char *header_pch(struct compile_ctx *c, const char *header, char *pch, size_t size)
{
	const char *parts[] = {"pch", c->header.sha256, c->arch};
	char key[EUCC_SHA256_HEX], dir[PATH_MAX];
	struct eucc_error err = {0};
	void *data = NULL;
	size_t len = 0;

	if (flags_touch_header(&c->req))
		return NULL;
	snprintf(pch, size, "%s.%s.pch", header, c->arch);
	cache_key_digest(key, parts, 3);
	while (access(pch, R_OK)) {
		if (!flight_begin(&c->s->compile_flights, key))
			continue; /* another request made it meanwhile: look again */
		if (!make_job_dir(c->s, dir, sizeof(dir), &err)) {
			if (!compile_pch_build(header, c->arch, dir, &data, &len, &err))
				fs_write_atomic(pch, data, len);
			free(data);
			fs_remove_tree(dir);
		}
		flight_end(&c->s->compile_flights, key);
		if (access(pch, R_OK)) {
			eucc_warn("no precompiled header for %s: %s", c->header.release,
				  err.message);
			return NULL;
		}
	}
	return pch;
}

/* Compile in a fresh job dir under DATA/tmp; removes it after. */
static int run_compile(struct compile_ctx *c, struct compile_result *res, struct eucc_error *err)
{
	struct compile_job job = {.req = &c->req, .arch = c->arch, .limits = c->s->opts.limits};
	char header[PATH_MAX], dir[PATH_MAX], pch[PATH_MAX + 32];
	int ret;

	ret = btf_store_header(c->s->store, &c->header, header, sizeof(header), err);
	if (!ret)
		ret = make_job_dir(c->s, dir, sizeof(dir), err);
	if (ret)
		return ret;
	job.vmlinux_h = header;
	job.vmlinux_pch = header_pch(c, header, pch, sizeof(pch));
	job.eucc_include = c->s->opts.eucc_include;
	job.workdir = dir;
	ret = compile_run(&job, res, err);
	if (fs_remove_tree(dir))
		eucc_warn("cannot remove job dir %s", dir);
	return ret;
}

/* The object from the cache, or compiled once however many requests want it. */
static unsigned int get_object(struct compile_ctx *c, struct run_state *st, char **answer)
{
	struct compile_result res = {0};
	struct eucc_error err = {0};
	unsigned int status = 0;
	char *meta = NULL;
	uint64_t t0;

	for (;;) {
		if (!cache_key_get(c->s->cache, "object", c->object_key, st->object_digest,
				   &meta) &&
		    !cache_blob_read(c->s->cache, st->object_digest, &st->object,
				     &st->object_size)) {
			st->object_hit = true;
			st->diagnostics = meta ? cJSON_Parse(meta) : NULL;
			free(meta);
			if (!st->diagnostics)
				st->diagnostics = cJSON_CreateArray();
			atomic_fetch_add(&c->s->metrics.object_hits, 1);
			return 0;
		}
		free(meta);
		meta = NULL;
		if (flight_begin(&c->s->compile_flights, c->object_key))
			break;
	}
	atomic_fetch_add(&c->s->metrics.object_misses, 1);
	atomic_fetch_add(&c->s->metrics.compiles, 1);
	t0 = monotonic_ns();
	if (run_compile(c, &res, &err)) {
		*answer = error_answer(&status, MHD_HTTP_INTERNAL_SERVER_ERROR, &err);
		goto out;
	}
	st->compile_ms = (monotonic_ns() - t0) / 1000000;
	atomic_fetch_add(&c->s->metrics.compile_ms_total, st->compile_ms);
	st->diagnostics = diags_to_json(&res);
	if (!res.ok) {
		atomic_fetch_add(&c->s->metrics.compile_failures, 1);
		status = MHD_HTTP_UNPROCESSABLE_CONTENT;
		goto out;
	}
	meta = cJSON_PrintUnformatted(st->diagnostics);
	if (cache_blob_put(c->s->cache, res.object, res.object_size, st->object_digest) ||
	    cache_key_put(c->s->cache, "object", c->object_key, st->object_digest, meta))
		eucc_warn("cannot store object %s in the cache", c->object_key);
	free(meta);
	st->object = res.object;
	st->object_size = res.object_size;
	res.object = NULL;
out:
	if (status == MHD_HTTP_UNPROCESSABLE_CONTENT)
		*answer = NULL; /* the caller answers with the diagnostics */
	else if (status == 0 && !st->object)
		status = MHD_HTTP_INTERNAL_SERVER_ERROR;
	if (res.failure[0] && status == MHD_HTTP_UNPROCESSABLE_CONTENT) {
		cJSON *d = cJSON_CreateObject();
		cJSON_AddStringToObject(d, "severity", "fatal");
		cJSON_AddStringToObject(d, "file", "");
		cJSON_AddNumberToObject(d, "line", 0);
		cJSON_AddNumberToObject(d, "column", 0);
		cJSON_AddStringToObject(d, "message", res.failure);
		cJSON_AddItemToArray(st->diagnostics, d);
	}
	compile_result_free(&res);
	flight_end(&c->s->compile_flights, c->object_key);
	return status;
}

static cJSON *report_to_json(const struct core_report *rep)
{
	cJSON *o = cJSON_CreateObject(), *arr;

	cJSON_AddStringToObject(o, "status", core_status_name(rep->status));
	arr = cJSON_AddArrayToObject(o, "findings");
	for (size_t i = 0; i < rep->count; i++) {
		const struct core_finding *f = &rep->findings[i];
		cJSON *j = cJSON_CreateObject();

		cJSON_AddStringToObject(j, "severity",
					f->severity == CORE_ERROR ? "error" : "warning");
		cJSON_AddStringToObject(j, "kind", f->kind);
		cJSON_AddStringToObject(j, "message", f->message);
		cJSON_AddStringToObject(j, "file",
					strncmp(f->file, "./", 2) ? f->file : f->file + 2);
		cJSON_AddNumberToObject(j, "line", f->line);
		cJSON_AddItemToArray(arr, j);
	}
	return o;
}

/* Check one kernel (or take its result from the cache): fills *meta and the min BTF digest. */
static int check_kernel(struct compile_ctx *c, struct run_state *st, const struct btf_kernel *k,
			const char *key, cJSON **meta, char digest[EUCC_SHA256_HEX], bool *hit)
{
	struct core_check_opts opts = {.sz = sizeof(opts), .release = k->release};
	struct core_report rep = {0};
	struct eucc_error err = {0};
	struct kernel_entry *e;
	char *text = NULL;
	uint64_t t0;
	int ret;

	for (;;) {
		if (!cache_key_get(c->s->cache, "kernel", key, digest, &text)) {
			*meta = cJSON_Parse(text);
			free(text);
			*hit = true;
			return *meta ? 0 : -EINVAL;
		}
		if (flight_begin(&c->s->kernel_flights, key))
			break;
	}
	*hit = false;
	t0 = monotonic_ns();
	ret = kernel_cache_get(&c->s->kernels, c->s->store, k, &e, &err);
	if (!ret) {
		ret = core_check(st->view, e->btf, &e->features, &opts, &rep, &err);
		kernel_cache_put(&c->s->kernels, e);
	}
	atomic_fetch_add(&c->s->metrics.kernel_checks, 1);
	atomic_fetch_add(&c->s->metrics.kernel_check_ms_total, (monotonic_ns() - t0) / 1000000);
	if (!ret)
		ret = cache_blob_put(c->s->cache, rep.min_btf, rep.min_btf_size, digest);
	if (!ret) {
		*meta = report_to_json(&rep);
		text = cJSON_PrintUnformatted(*meta);
		ret = cache_key_put(c->s->cache, "kernel", key, digest, text);
		free(text);
	}
	if (ret)
		eucc_warn("check of %s failed: %s", k->release, err.message);
	core_report_free(&rep);
	flight_end(&c->s->kernel_flights, key);
	return ret;
}

static int add_kernel(struct compile_ctx *c, struct run_state *st, const struct btf_kernel *k)
{
	const char *parts[] = {"kernel", EUCC_PIPELINE_VERSION, st->object_digest, k->sha256,
			       k->release};
	char key[EUCC_SHA256_HEX], digest[EUCC_SHA256_HEX], path[512];
	cJSON *meta = NULL, *kj, *mk, *btf;
	void *min = NULL;
	size_t min_size = 0;
	bool hit = false;
	int ret;

	cache_key_digest(key, parts, 5);
	ret = check_kernel(c, st, k, key, &meta, digest, &hit);
	if (!ret)
		ret = cache_blob_read(c->s->cache, digest, &min, &min_size);
	if (ret == -ENOENT && hit) { /* evicted or damaged since the lookup: check again */
		cJSON_Delete(meta);
		meta = NULL;
		ret = check_kernel(c, st, k, key, &meta, digest, &hit);
		if (!ret)
			ret = cache_blob_read(c->s->cache, digest, &min, &min_size);
	}
	if (ret) {
		cJSON_Delete(meta);
		return ret;
	}
	atomic_fetch_add(hit ? &c->s->metrics.kernel_hits : &c->s->metrics.kernel_misses, 1);
	cJSON_AddStringToObject(st->kernel_cache, k->release, hit ? "hit" : "miss");
	snprintf(path, sizeof(path), "btf/%s/%s.btf", k->arch, k->release);
	ret = pkg_writer_add(st->pkg, path, min, min_size);
	free(min);
	kj = cJSON_CreateObject();
	cJSON_AddStringToObject(kj, "release", k->release);
	cJSON_AddStringToObject(kj, "distro", k->distro);
	cJSON_AddStringToObject(kj, "version", k->version);
	cJSON_AddStringToObject(kj, "arch", k->arch);
	cJSON_AddItemToObject(kj, "status",
			      cJSON_Duplicate(cJSON_GetObjectItem(meta, "status"), 1));
	mk = cJSON_Duplicate(kj, 1);
	cJSON_AddItemToObject(kj, "findings",
			      cJSON_Duplicate(cJSON_GetObjectItem(meta, "findings"), 1));
	btf = cJSON_AddObjectToObject(mk, "btf");
	cJSON_AddStringToObject(btf, "path", path);
	cJSON_AddStringToObject(btf, "sha256", digest);
	cJSON_AddNumberToObject(btf, "size", (double)min_size);
	cJSON_AddItemToArray(st->kernels, kj);
	cJSON_AddItemToArray(st->manifest_kernels, mk);
	cJSON_Delete(meta);
	return ret;
}

static cJSON *toolchain_json(struct compile_ctx *c)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "eucc", EUCC_VERSION);
	cJSON_AddStringToObject(o, "pipeline", EUCC_PIPELINE_VERSION);
	cJSON_AddStringToObject(o, "clang", compile_clang_version());
	cJSON_AddStringToObject(o, "libbpf", c->s->libbpf_version);
	cJSON_AddStringToObject(o, "headers", c->header.release);
	return o;
}

/* manifest.json: everything a client needs to verify, list and run the package. */
static cJSON *build_manifest(struct compile_ctx *c, struct run_state *st, const char *obj_path)
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
	cJSON_AddItemToObject(m, "parameters", params);
	cJSON_Delete(view);
	cJSON_AddItemToObject(m, "kernels", cJSON_Duplicate(st->manifest_kernels, 1));
	cJSON_AddStringToObject(m, "report", "report.json");
	return m;
}

static int build_package(struct compile_ctx *c, struct run_state *st, cJSON *answer)
{
	char obj_path[300], digest[EUCC_SHA256_HEX], url[128], *text;
	cJSON *manifest, *report, *p;
	void *data = NULL;
	size_t size = 0;
	int ret;

	snprintf(obj_path, sizeof(obj_path), "%s.bpf.o", c->req.name);
	ret = pkg_writer_add(st->pkg, obj_path, st->object, st->object_size);
	report = cJSON_CreateObject();
	cJSON_AddItemToObject(report, "kernels", cJSON_Duplicate(st->kernels, 1));
	cJSON_AddItemToObject(report, "diagnostics", cJSON_Duplicate(st->diagnostics, 1));
	text = cJSON_Print(report);
	cJSON_Delete(report);
	if (!ret)
		ret = text ? pkg_writer_add(st->pkg, "report.json", text, strlen(text)) : -ENOMEM;
	free(text);
	manifest = build_manifest(c, st, obj_path);
	if (!ret)
		ret = pkg_writer_finish(st->pkg, manifest, &data, &size);
	cJSON_Delete(manifest);
	if (!ret)
		ret = cache_blob_put(c->s->cache, data, size, digest);
	free(data);
	if (!ret)
		ret = cache_key_put(c->s->cache, "artifact", digest, digest, NULL);
	if (ret)
		return ret;
	p = cJSON_AddObjectToObject(answer, "package");
	snprintf(url, sizeof(url), "sha256:%s", digest);
	cJSON_AddStringToObject(p, "digest", url);
	cJSON_AddNumberToObject(p, "size", (double)size);
	snprintf(url, sizeof(url), "/v1/artifacts/%s", digest);
	cJSON_AddStringToObject(p, "url", url);
	return 0;
}

static void run_state_free(struct run_state *st)
{
	free(st->object);
	cJSON_Delete(st->diagnostics);
	obj_view_free(st->view);
	cJSON_Delete(st->kernels);
	cJSON_Delete(st->kernel_cache);
	cJSON_Delete(st->manifest_kernels);
	pkg_writer_free(st->pkg);
}

static char *diagnostics_answer(struct run_state *st)
{
	cJSON *o = cJSON_CreateObject(), *e = cJSON_AddObjectToObject(o, "error");
	char *text;

	cJSON_AddStringToObject(e, "code", "compile_error");
	cJSON_AddStringToObject(e, "message", "the program does not compile");
	cJSON_AddItemToObject(o, "diagnostics", st->diagnostics);
	st->diagnostics = NULL;
	text = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return text;
}

/* The answer's "cache" and "timings_ms", which vary from one answer to the next. */
static char *finish_answer(cJSON *base, const char *object, cJSON *kernels, uint64_t total_ms,
			   const struct run_state *st)
{
	cJSON *cache = cJSON_AddObjectToObject(base, "cache"), *t;
	char *text;

	cJSON_AddStringToObject(cache, "object", object);
	cJSON_AddItemToObject(cache, "kernels", kernels);
	t = cJSON_AddObjectToObject(base, "timings_ms");
	cJSON_AddNumberToObject(t, "total", (double)total_ms);
	if (st) {
		cJSON_AddNumberToObject(t, "compile", (double)st->compile_ms);
		cJSON_AddNumberToObject(t, "check", (double)st->check_ms);
		cJSON_AddNumberToObject(t, "package", (double)st->package_ms);
	}
	text = cJSON_PrintUnformatted(base);
	cJSON_Delete(base);
	return text;
}

static int run_checks(struct compile_ctx *c, struct run_state *st, struct eucc_error *err)
{
	uint64_t t0 = monotonic_ns();
	int ret = obj_view_open(st->object, st->object_size, &st->view, err);

	st->kernels = cJSON_CreateArray();
	st->kernel_cache = cJSON_CreateObject();
	st->manifest_kernels = cJSON_CreateArray();
	if (!ret)
		ret = pkg_writer_new(&st->pkg);
	for (size_t i = 0; !ret && i < c->nkernels; i++)
		ret = add_kernel(c, st, &c->kernels[i]);
	st->check_ms = (monotonic_ns() - t0) / 1000000;
	if (ret && !err->message[0])
		eucc_error_set(err, ret, EUCC_E_INTERNAL, "the relocation check failed: %s",
			       strerror(-ret));
	return ret;
}

unsigned int pipeline_run(struct compile_ctx *c, char **answer)
{
	struct run_state st = {0};
	struct eucc_error err = {0};
	unsigned int status;
	cJSON *base;
	char *stored;
	uint64_t t0;

	*answer = NULL;
	status = get_object(c, &st, answer);
	if (status == MHD_HTTP_UNPROCESSABLE_CONTENT)
		*answer = diagnostics_answer(&st);
	if (status)
		goto out;
	if (run_checks(c, &st, &err)) {
		*answer = error_answer(&status, MHD_HTTP_INTERNAL_SERVER_ERROR, &err);
		goto out;
	}
	base = cJSON_CreateObject();
	t0 = monotonic_ns();
	if (build_package(c, &st, base)) {
		cJSON_Delete(base);
		eucc_error_set(&err, -EIO, EUCC_E_INTERNAL, "cannot store the package");
		*answer = error_answer(&status, MHD_HTTP_INTERNAL_SERVER_ERROR, &err);
		goto out;
	}
	st.package_ms = (monotonic_ns() - t0) / 1000000;
	cJSON_AddItemToObject(base, "kernels", st.kernels);
	cJSON_AddItemToObject(base, "diagnostics", st.diagnostics);
	st.kernels = st.diagnostics = NULL;
	stored = cJSON_PrintUnformatted(base);
	cJSON *p = cJSON_GetObjectItem(base, "package");
	const char *digest = cJSON_GetStringValue(cJSON_GetObjectItem(p, "digest"));
	if (stored && digest &&
	    cache_key_put(c->s->cache, "package", c->request_key, digest + 7, stored))
		eucc_warn("cannot record request %s in the cache", c->request_key);
	free(stored);
	*answer = finish_answer(base, st.object_hit ? "hit" : "miss", st.kernel_cache,
				(monotonic_ns() - c->started_ns) / 1000000, &st);
	st.kernel_cache = NULL;
	status = MHD_HTTP_OK;
out:
	run_state_free(&st);
	return status;
}

char *pipeline_hit_answer(struct compile_ctx *c, const char *stored)
{
	cJSON *base = cJSON_Parse(stored), *kernels;

	if (!base)
		return NULL;
	kernels = cJSON_CreateObject();
	for (size_t i = 0; i < c->nkernels; i++)
		cJSON_AddStringToObject(kernels, c->kernels[i].release, "hit");
	return finish_answer(base, "hit", kernels, (monotonic_ns() - c->started_ns) / 1000000,
			     NULL);
}
