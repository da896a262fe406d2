/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The cost of the reachability analysis per kernel: for each object and kernel BTF given,
 * the median over RUNS of
 *   check   core_check() as the pipeline runs it for one more kernel (everything), given the
 *           kernel's name index as the server keeps it with the kernel's parsed BTF;
 *   index   building that name index (once per kernel, not per check);
 *   reach   the analysis alone: one evaluation of the object with this kernel's relocations
 *           and the parameters' defaults;
 *   probes  the evaluations with other parameter values (made only when a failure is dead
 *           at the defaults; here forced, so the worst case).
 * Usage: eucc-bench-reach RUNS OBJ... -- BTF...   (prints one line per pair, tab-separated)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <bpf/btf.h>

#include "core_internal.h"
#include "reach_internal.h"

static double now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* One analysis as core_check makes it: relocations resolved first (not timed). */
static int time_reach(const struct bpf_obj_view *obj, const struct btf *k,
		      const struct btf_index *ix, const struct btf_features *f, double *reach,
		      double *probes)
{
	struct core_report rep = {0};
	struct core_ctx c = {.obj = obj,
			     .kernel = k,
			     .index = ix,
			     .features = f,
			     .report = &rep,
			     .release = "bench"};
	enum core_reach_rank rank;
	char why[128];
	double t0, t1, t2;
	int err = btf_min_new(k, &c.min);

	err = err ?: core_resolve_relos(&c);
	t0 = now_ms();
	err = err ?: core_reach_prepare(&c);
	t1 = now_ms();
	err = err ?: core_reach_rank(&c, -1, 0, why, sizeof(why), &rank); /* forces the probes */
	t2 = now_ms();
	*reach = t1 - t0;
	*probes = t2 - t1;
	core_reach_free(&c);
	btf_min_free(c.min);
	free(c.relo_res);
	free(c.pending);
	core_report_free(&rep);
	return err;
}

static int bench_pair(const char *objpath, const char *btfpath, int runs)
{
	double *check = calloc((size_t)runs, sizeof(double)),
	       *reach = calloc((size_t)runs, sizeof(double)),
	       *probes = calloc((size_t)runs, sizeof(double)),
	       *index = calloc((size_t)runs, sizeof(double));
	struct core_check_opts o = {.sz = sizeof(o), .release = "bench"};
	struct btf_index *ix = NULL;
	struct btf_features f = {0};
	struct bpf_obj_view *obj = NULL;
	struct eucc_error e = {0};
	struct btf *k = btf__parse(btfpath, NULL);
	struct core_report r;
	unsigned int insns = 0;
	void *data = NULL;
	size_t len;
	int err = !check || !reach || !probes || !index || !k;

	err = err ?: fs_read_file(objpath, 64 << 20, &data, &len);
	err = err ?: obj_view_open(data, len, &obj, &e);
	err = err ?: btf_features_read(k, &f);
	for (int i = 0; !err && i < runs; i++) {
		double t0 = now_ms();

		btf_index_free(ix);
		err = btf_index_new(k, &ix);
		index[i] = now_ms() - t0;
		o.index = ix;
		t0 = now_ms();
		err = err ?: core_check(obj, k, &f, &o, &r, &e);
		check[i] = now_ms() - t0;
		if (!err)
			core_report_free(&r);
		err = err ?: time_reach(obj, k, ix, &f, &reach[i], &probes[i]);
	}
	for (size_t i = 0; obj && i < obj->nsecs; i++)
		if (obj->secs[i].exec)
			insns += (unsigned int)(obj->secs[i].size / sizeof(struct bpf_insn));
	if (!err)
		printf("%s\t%s\t%u\t%zu\t%.3f\t%.3f\t%.3f\t%.3f\n", objpath, btfpath, insns,
		       obj->nrelos, median(check, runs), median(reach, runs), median(probes, runs),
		       median(index, runs));
	else
		fprintf(stderr, "%s against %s: failed (%d) %s\n", objpath, btfpath, err,
			e.message);
	btf_index_free(ix);
	btf_features_free(&f);
	obj_view_free(obj);
	btf__free(k);
	free(data);
	free(check);
	free(reach);
	free(probes);
	free(index);
	return err ? 1 : 0;
}

int main(int argc, char **argv)
{
	int runs = argc > 1 ? atoi(argv[1]) : 0, sep = 0, ret = 0;

	for (int i = 2; i < argc && !sep; i++)
		if (!strcmp(argv[i], "--"))
			sep = i;
	if (runs < 1 || !sep) {
		fprintf(stderr, "usage: %s RUNS OBJ... -- BTF...\n", argv[0]);
		return 3;
	}
	for (int i = 2; i < sep; i++)
		for (int j = sep + 1; j < argc; j++)
			ret |= bench_pair(argv[i], argv[j], runs);
	return ret;
}
