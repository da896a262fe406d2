/* SPDX-License-Identifier: Apache-2.0 */
/* The service's metrics in Prometheus' text format: counters, gauges, latency histograms. */
#include <stdlib.h>

#include "sandbox.h"
#include "service.h"

/* Bucket bounds in seconds: a cache hit takes microseconds, a cold compile seconds. */
static const double bounds[HIST_BUCKETS] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
					    0.05,   0.1,   0.25,   0.5,	  1,	5};

void histogram_observe(struct histogram *h, uint64_t ns)
{
	double s = (double)ns / 1e9;
	int i = 0;

	while (i < HIST_BUCKETS && s > bounds[i])
		i++;
	atomic_fetch_add(&h->buckets[i], 1);
	atomic_fetch_add(&h->count, 1);
	atomic_fetch_add(&h->sum_us, ns / 1000);
}

void histogram_format(const struct histogram *h, FILE *out, const char *name, const char *labels)
{
	const char *sep = labels[0] ? "," : "";
	unsigned long cum = 0;

	for (int i = 0; i <= HIST_BUCKETS; i++) {
		cum += atomic_load(&h->buckets[i]);
		if (i < HIST_BUCKETS)
			fprintf(out, "%s_bucket{%s%sle=\"%g\"} %lu\n", name, labels, sep, bounds[i],
				cum);
		else
			fprintf(out, "%s_bucket{%s%sle=\"+Inf\"} %lu\n", name, labels, sep, cum);
	}
	if (labels[0]) {
		fprintf(out, "%s_sum{%s} %.6f\n", name, labels,
			(double)atomic_load(&h->sum_us) / 1e6);
		fprintf(out, "%s_count{%s} %lu\n", name, labels, atomic_load(&h->count));
	} else {
		fprintf(out, "%s_sum %.6f\n%s_count %lu\n", name,
			(double)atomic_load(&h->sum_us) / 1e6, name, atomic_load(&h->count));
	}
}

static void head(FILE *out, const char *name, const char *type, const char *help)
{
	fprintf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void counter(FILE *out, const char *name, const char *help, unsigned long v)
{
	head(out, name, "counter", help);
	fprintf(out, "%s %lu\n", name, v);
}

static void gauge(FILE *out, const char *name, const char *help, double v)
{
	head(out, name, "gauge", help);
	fprintf(out, "%s %.0f\n", name, v);
}

static void cache_levels(FILE *out, const struct service_metrics *m)
{
	static const char *const levels[] = {"package", "object", "kernel"};
	const atomic_ulong *v[][2] = {{&m->package_hits, &m->package_misses},
				      {&m->object_hits, &m->object_misses},
				      {&m->kernel_hits, &m->kernel_misses}};

	head(out, "eucc_cache_lookups_total", "counter", "Cache lookups by level and result.");
	for (int i = 0; i < 3; i++) {
		fprintf(out, "eucc_cache_lookups_total{level=\"%s\",result=\"hit\"} %lu\n",
			levels[i], atomic_load(v[i][0]));
		fprintf(out, "eucc_cache_lookups_total{level=\"%s\",result=\"miss\"} %lu\n",
			levels[i], atomic_load(v[i][1]));
	}
}

static void stages(FILE *out, const struct service_metrics *m)
{
	static const char *const names[STAGE_COUNT] = {"prepare", "compile",	"check",
						       "package", "preprocess", "header"};
	char labels[32];

	head(out, "eucc_pipeline_stage_duration_seconds", "histogram",
	     "Time per pipeline stage: prepare (parse, kernels, keys), compile (sandboxed clang, "
	     "misses only), check (every target kernel), package; preprocess (clang -E) and "
	     "header (the program's own kernel header) are parts of compile.");
	for (int i = 0; i < STAGE_COUNT; i++) {
		snprintf(labels, sizeof(labels), "stage=\"%s\"", names[i]);
		histogram_format(&m->stages[i], out, "eucc_pipeline_stage_duration_seconds",
				 labels);
	}
}

static void min_headers(FILE *out, const struct service_metrics *m)
{
	static const char *const results[] = {"used", "fallback", "refused"};
	const atomic_ulong *v[] = {&m->min_header_used, &m->min_header_fallback,
				   &m->min_header_refused};

	head(out, "eucc_min_header_total", "counter",
	     "Compiles by their kernel header: used (the program's own), fallback (the full "
	     "vmlinux.h after the own one failed to compile), refused (no own header made).");
	for (int i = 0; i < 3; i++)
		fprintf(out, "eucc_min_header_total{result=\"%s\"} %lu\n", results[i],
			atomic_load(v[i]));
}

static void sandbox_runs(FILE *out)
{
	struct sandbox_warm_stats st;

	sandbox_warm_stats(&st);
	head(out, "eucc_sandbox_runs_total", "counter",
	     "Sandboxed commands (clang, llvm-strip) by how they ran: warm (forked from a warm "
	     "tool) or bwrap (started afresh).");
	fprintf(out, "eucc_sandbox_runs_total{how=\"warm\"} %llu\n",
		(unsigned long long)st.warm_runs);
	fprintf(out, "eucc_sandbox_runs_total{how=\"bwrap\"} %llu\n",
		(unsigned long long)st.cold_runs);
	head(out, "eucc_warm_tools_total", "counter",
	     "Warm tools started: up (came up), failed (did not, or could not make namespaces: "
	     "their binary then runs in bwrap).");
	fprintf(out, "eucc_warm_tools_total{result=\"up\"} %llu\n",
		(unsigned long long)st.tools_started);
	fprintf(out, "eucc_warm_tools_total{result=\"failed\"} %llu\n",
		(unsigned long long)st.tools_failed);
}

static void store_gauges(struct service *s, FILE *out)
{
	struct cache_stats cs = {0};

	gauge(out, "eucc_kernels", "Kernels in the BTF store.", (double)service_kernel_count(s));
	if (!s->cache) /* a mirror */
		return;
	cache_stats(s->cache, &cs, NULL);
	gauge(out, "eucc_cache_bytes", "Bytes of blobs in the artifact cache.",
	      (double)cs.blob_bytes);
	gauge(out, "eucc_cache_max_bytes", "The cache's size cap (0: none).", (double)cs.max_bytes);
	gauge(out, "eucc_cache_blobs", "Blobs in the artifact cache.", (double)cs.blobs);
	counter(out, "eucc_cache_damaged_total",
		"Blobs whose content no longer matched their digest: dropped with their keys (or "
		"rewritten by a put of the same content).",
		(unsigned long)cache_damaged_count(s->cache));
}

void service_metrics_format(struct service *s, FILE *out)
{
	const struct service_metrics *m = &s->metrics;

	head(out, "eucc_build_info", "gauge", "Versions of this server; always 1.");
	fprintf(out,
		"eucc_build_info{version=\"%s\",pipeline=\"%s\",clang=\"%s\",libbpf=\"%s\"} 1\n",
		EUCC_VERSION, EUCC_PIPELINE_VERSION, compile_clang_version(), s->libbpf_version);
	counter(out, "eucc_compiles_total", "Compiles run (cache misses of the object level).",
		atomic_load(&m->compiles));
	counter(out, "eucc_compile_failures_total", "Compiles that produced no object.",
		atomic_load(&m->compile_failures));
	counter(out, "eucc_kernel_checks_total", "Per-kernel relocation checks run.",
		atomic_load(&m->kernel_checks));
	stages(out, m);
	min_headers(out, m);
	sandbox_runs(out);
	cache_levels(out, m);
	counter(out, "eucc_queue_rejected_total", "Compile requests refused as busy (queue full).",
		atomic_load(&m->queue_rejected));
	counter(out, "eucc_flights_joined_total",
		"Requests answered by an identical request already in flight.",
		atomic_load(&m->flights_joined));
	head(
	    out, "eucc_registry_total", "counter",
	    "Shared cache entries (objects, per-kernel results) by outcome: found in the registry, "
	    "not there, pushed to it, failed (serve --registry).");
	fprintf(out, "eucc_registry_total{result=\"hit\"} %lu\n", atomic_load(&m->registry_hits));
	fprintf(out, "eucc_registry_total{result=\"miss\"} %lu\n",
		atomic_load(&m->registry_misses));
	fprintf(out, "eucc_registry_total{result=\"pushed\"} %lu\n",
		atomic_load(&m->registry_pushes));
	fprintf(out, "eucc_registry_total{result=\"error\"} %lu\n",
		atomic_load(&m->registry_errors));
	gauge(out, "eucc_queue_depth", "Jobs waiting for a worker.",
	      (double)atomic_load(&m->queue_depth));
	gauge(out, "eucc_jobs_running", "Jobs being worked on.",
	      (double)atomic_load(&m->jobs_running));
	store_gauges(s, out);
}
