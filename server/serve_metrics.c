/* SPDX-License-Identifier: Apache-2.0 */
/* GET /metrics in Prometheus' text format. */
#include "serve.h"

static const char *const endpoint_names[EP_COUNT] = {
    "compile", "artifact", "kernels", "btf", "info", "healthz", "metrics", "other",
};

const char *metrics_endpoint_name(enum metric_endpoint ep)
{
	return ep < EP_COUNT ? endpoint_names[ep] : "other";
}

static void counter(FILE *out, const char *name, const char *help, unsigned long v)
{
	fprintf(out, "# HELP %s %s\n# TYPE %s counter\n%s %lu\n", name, help, name, name, v);
}

static void gauge(FILE *out, const char *name, const char *help, long v)
{
	fprintf(out, "# HELP %s %s\n# TYPE %s gauge\n%s %ld\n", name, help, name, name, v);
}

static void requests(FILE *out, const struct metrics *m)
{
	fprintf(out, "# HELP eucc_http_requests_total HTTP requests answered.\n"
		     "# TYPE eucc_http_requests_total counter\n");
	for (int ep = 0; ep < EP_COUNT; ep++)
		for (int c = 1; c <= 5; c++) {
			unsigned long v = atomic_load(&m->requests[ep][c]);

			if (v)
				fprintf(out,
					"eucc_http_requests_total{endpoint=\"%s\",code=\"%dxx\"} "
					"%lu\n",
					endpoint_names[ep], c, v);
		}
}

static void cache_levels(FILE *out, const struct metrics *m)
{
	fprintf(out, "# HELP eucc_cache_lookups_total Cache lookups by level and result.\n"
		     "# TYPE eucc_cache_lookups_total counter\n");
	fprintf(out, "eucc_cache_lookups_total{level=\"package\",result=\"hit\"} %lu\n",
		atomic_load(&m->package_hits));
	fprintf(out, "eucc_cache_lookups_total{level=\"package\",result=\"miss\"} %lu\n",
		atomic_load(&m->package_misses));
	fprintf(out, "eucc_cache_lookups_total{level=\"object\",result=\"hit\"} %lu\n",
		atomic_load(&m->object_hits));
	fprintf(out, "eucc_cache_lookups_total{level=\"object\",result=\"miss\"} %lu\n",
		atomic_load(&m->object_misses));
	fprintf(out, "eucc_cache_lookups_total{level=\"kernel\",result=\"hit\"} %lu\n",
		atomic_load(&m->kernel_hits));
	fprintf(out, "eucc_cache_lookups_total{level=\"kernel\",result=\"miss\"} %lu\n",
		atomic_load(&m->kernel_misses));
}

void metrics_format(const struct metrics *m, FILE *out)
{
	requests(out, m);
	counter(out, "eucc_compiles_total", "Compiles run (cache misses of the object level).",
		atomic_load(&m->compiles));
	counter(out, "eucc_compile_failures_total", "Compiles that produced no object.",
		atomic_load(&m->compile_failures));
	counter(out, "eucc_compile_milliseconds_total", "Wall time spent compiling.",
		atomic_load(&m->compile_ms_total));
	counter(out, "eucc_kernel_checks_total", "Per-kernel relocation checks run.",
		atomic_load(&m->kernel_checks));
	counter(out, "eucc_kernel_check_milliseconds_total", "Wall time spent in kernel checks.",
		atomic_load(&m->kernel_check_ms_total));
	cache_levels(out, m);
	counter(out, "eucc_queue_rejected_total", "Requests refused with 503 (queue full).",
		atomic_load(&m->queue_rejected));
	counter(out, "eucc_flights_joined_total",
		"Requests answered by an identical request already in flight.",
		atomic_load(&m->flights_joined));
	counter(out, "eucc_artifact_bytes_sent_total", "Artifact bytes served.",
		atomic_load(&m->bytes_sent));
	gauge(out, "eucc_queue_depth", "Jobs waiting for a worker.", atomic_load(&m->queue_depth));
	gauge(out, "eucc_jobs_running", "Jobs being worked on.", atomic_load(&m->jobs_running));
}
