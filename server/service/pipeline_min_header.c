/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The kernel header per program: the sources preprocessed in the sandbox (clang -E, the same
 * flags, a vmlinux.h that only defines its guard), the header kernel's types that the
 * preprocessed source names (btf_header_write_min), and the compile against that header.
 * Whatever goes wrong here, the caller compiles against the full vmlinux.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/btf.h>
#include "pipeline_internal.h"

/* What a program that includes vmlinux.h sees while its identifiers are collected. */
static const char stub_header[] = "#ifndef __VMLINUX_H__\n#define __VMLINUX_H__\n#endif\n";

struct min_dir {
	char path[PATH_MAX];
	char header[PATH_MAX + 16];
	int lock;
};

static int min_dir_make(struct pipeline_job *c, struct min_dir *d, struct eucc_error *err)
{
	int ret = tmp_make_locked(c->s->opts.data_dir, "job", true, d->path, sizeof(d->path),
				  &d->lock, err);

	snprintf(d->header, sizeof(d->header), "%s/vmlinux.h", d->path);
	return ret;
}

static void min_dir_done(struct min_dir *d)
{
	if (fs_remove_tree(d->path))
		eucc_warn("cannot remove job dir %s", d->path);
	close(d->lock);
}

/* clang -E of the job's sources against the stub; NULL text if it did not preprocess. */
static int preprocess(struct pipeline_job *c, const struct compile_job *base, char **text,
		      size_t *len, struct eucc_error *err)
{
	struct compile_job job = *base;
	struct compile_result res = {0};
	struct min_dir d;
	int ret;

	*text = NULL;
	ret = min_dir_make(c, &d, err);
	if (ret)
		return ret;
	ret = fs_write_new_at(AT_FDCWD, d.header, stub_header, sizeof(stub_header) - 1);
	if (ret) {
		eucc_error_set(err, ret, EUCC_E_IO, "cannot write the stub header: %s",
			       strerror(-ret));
	} else {
		job.vmlinux_h = d.header;
		job.vmlinux_pch = NULL;
		job.preprocess = true;
		job.workdir = d.path;
		ret = compile_run(&job, &res, err);
	}
	if (!ret && res.ok) {
		*text = res.object;
		*len = res.object_size;
		res.object = NULL;
	}
	compile_result_free(&res);
	min_dir_done(&d);
	return ret;
}

/* The header for @text, from the header kernel's parsed BTF, written to @path. */
static int write_header(struct pipeline_job *c, const char *text, size_t len, const char *path,
			struct btf_header_min_stats *stats, struct eucc_error *err)
{
	struct btf_header_names *names = NULL;
	struct kernel_entry *e;
	FILE *out;
	int ret;

	ret = btf_header_names_scan(text, len, &names);
	if (ret)
		return eucc_error_set(err, ret, EUCC_E_INTERNAL, "out of memory");
	ret = kernel_cache_get(&c->s->kernels, c->s->store, &c->header, &e, err);
	if (ret) {
		btf_header_names_free(names);
		return ret;
	}
	out = fopen(path, "we");
	if (!kernel_entry_dups(e))
		ret = eucc_error_set(err, -ENOMEM, EUCC_E_INTERNAL, "out of memory");
	else if (!out)
		ret = eucc_error_set(err, -errno, EUCC_E_IO, "cannot write %s: %s", path,
				     strerror(errno));
	else
		ret = btf_header_write_min(e->btf, kernel_entry_dups(e), names, out, stats, err);
	if (out && fclose(out) && !ret)
		ret = eucc_error_set(err, -EIO, EUCC_E_IO, "cannot write %s", path);
	kernel_cache_put(&c->s->kernels, e);
	btf_header_names_free(names);
	return ret;
}

int pipeline_min_compile(struct pipeline_job *c, const struct compile_job *base,
			 struct compile_result *res, struct min_timings *t)
{
	struct service_metrics *m = &c->s->metrics;
	struct btf_header_min_stats stats = {0};
	struct compile_job job = *base;
	struct eucc_error err = {0};
	uint64_t t0 = eucc_now_ns();
	struct min_dir d;
	size_t len = 0;
	char *text;
	int ret;

	memset(res, 0, sizeof(*res));
	ret = preprocess(c, base, &text, &len, &err);
	t->preprocess_ns = eucc_now_ns() - t0;
	histogram_observe(&m->stages[STAGE_PREPROCESS], t->preprocess_ns);
	if (ret || !text) {
		atomic_fetch_add(&m->min_header_refused, 1);
		return -EAGAIN;
	}
	t0 = eucc_now_ns();
	ret = min_dir_make(c, &d, &err);
	if (ret) {
		free(text);
		atomic_fetch_add(&m->min_header_refused, 1);
		return -EAGAIN;
	}
	ret = write_header(c, text, len, d.header, &stats, &err);
	free(text);
	t->header_ns = eucc_now_ns() - t0;
	histogram_observe(&m->stages[STAGE_HEADER], t->header_ns);
	if (ret) {
		eucc_debug("no header of its own for %s: %s", c->req.name, err.message);
		atomic_fetch_add(&m->min_header_refused, 1);
		min_dir_done(&d);
		return -EAGAIN;
	}
	job.vmlinux_h = d.header;
	job.vmlinux_pch = NULL;
	job.workdir = d.path;
	t0 = eucc_now_ns();
	ret = compile_run(&job, res, &err);
	t->clang_ns = eucc_now_ns() - t0;
	min_dir_done(&d);
	if (ret || !res->ok) {
		eucc_debug("%s does not compile against its own header (%u types): the full one",
			   c->req.name, stats.defined);
		atomic_fetch_add(&m->min_header_fallback, 1);
		compile_result_free(res);
		memset(res, 0, sizeof(*res));
		return -EAGAIN;
	}
	atomic_fetch_add(&m->min_header_used, 1);
	return 0;
}
