/* SPDX-License-Identifier: Apache-2.0 */
/* The service's lifetime: the store and the cache, tokens, workers, flights, memos. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/libbpf.h>
#include <cjson/cJSON.h>

#include "pipeline_internal.h"
#include "sandbox.h"

/* A precompiled header that failed to build is tried again after this long. */
#define PCH_RETRY_MS (10 * 60 * 1000)

/* libbpf's messages (opening objects for the manifest) go to the one log, as debug. */
static int libbpf_log(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char line[512];

	if (level == LIBBPF_DEBUG || eucc_log_level() < EUCC_LOG_DEBUG)
		return 0;
	vsnprintf(line, sizeof(line), fmt, ap);
	line[strcspn(line, "\n")] = '\0';
	eucc_debug("libbpf: %s", line);
	return 0;
}

static int open_stores(struct service *s, struct eucc_error *err)
{
	struct cache_opts copts = {.sz = sizeof(copts), .max_bytes = s->opts.cache_max};
	char dir[PATH_MAX];
	int ret;

	ret = btf_store_open(s->opts.data_dir, &s->store, err);
	if (ret)
		return ret;
	snprintf(dir, sizeof(dir), "%s/cache", s->opts.data_dir);
	return cache_open(dir, &copts, &s->cache, err);
}

/*
 * Headers written by an older eucc-server are written again before any compile can read them
 * (docs/btf-store.md, "vmlinux.h formats"); a kernel whose header fails keeps its old one.
 */
static void refresh_headers(struct service *s)
{
	struct btf_refresh_stats st;
	struct eucc_error err = {0};
	uint64_t t0 = eucc_now_ns();

	if (btf_store_refresh_headers(s->store, &st, &err)) {
		eucc_warn("%s", err.message);
		return;
	}
	if (st.remade)
		eucc_info("vmlinux.h of %u of %u kernels written again in format %d (%.2f s)",
			  st.remade, st.checked, BTF_HEADER_VERSION,
			  (double)(eucc_now_ns() - t0) / 1e9);
	if (st.failed)
		eucc_warn("vmlinux.h of %u kernels not written again (said above): they keep their "
			  "old one, which compiles as before",
			  st.failed);
}

/* Leftovers of compiles and uploads of a process that was killed (kill -9, a crash). */
static void clean_tmp(struct service *s)
{
	struct eucc_error err = {0};
	unsigned int n = 0;

	if (service_clean_tmp(s->opts.data_dir, &n, &err))
		eucc_warn("%s", err.message);
	else if (n)
		eucc_info("removed %u stale job dirs and temp files from %s/tmp", n,
			  s->opts.data_dir);
}

int service_init(struct service *s, const struct service_opts *opts, struct eucc_error *err)
{
	unsigned int memo_ms = opts->memo_ms ? opts->memo_ms : 2000;
	int ret;

	memset(s, 0, sizeof(*s));
	memcpy(&s->opts, opts, opts->sz < sizeof(s->opts) ? opts->sz : sizeof(s->opts));
	libbpf_set_print(libbpf_log);
	snprintf(s->libbpf_version, sizeof(s->libbpf_version), "%u.%u", libbpf_major_version(),
		 libbpf_minor_version());
	flight_table_init(&s->compile_flights);
	flight_table_init(&s->kernel_flights);
	kernel_cache_init(&s->kernels, 16);
	memo_init(&s->answers, memo_ms);
	memo_init(&s->artifacts, memo_ms);
	memo_init(&s->pch_failed, PCH_RETRY_MS);
	pthread_mutex_init(&s->requests_lock, NULL);
	if (opts->tokens_file) {
		ret = auth_tokens_load(opts->tokens_file, &s->tokens, err);
		if (ret)
			goto fail;
		s->auth_required = true;
	}
	if (opts->mirror_dir) /* read-only: nothing to open, no workers */
		return mirror_open(s, err) ? (service_fini(s), err->err) : 0;
	ret = open_stores(s, err);
	if (!ret)
		ret = registry_open(s, err);
	if (ret)
		goto fail;
	refresh_headers(s);
	clean_tmp(s);
	s->pool.queue_depth = &s->metrics.queue_depth;
	s->pool.running = &s->metrics.jobs_running;
	ret = work_pool_start(&s->pool, opts->workers, opts->queue_max);
	if (ret) {
		eucc_error_set(err, ret, EUCC_E_INTERNAL, "cannot start %u workers", opts->workers);
		goto fail;
	}
	return 0;
fail:
	service_fini(s);
	return ret;
}

void service_drain(struct service *s)
{
	if (s->pool.threads)
		work_pool_stop(&s->pool);
}

void service_fini(struct service *s)
{
	service_drain(s);
	work_pool_destroy(&s->pool);
	kernel_cache_destroy(&s->kernels);
	memo_destroy(&s->answers);
	memo_destroy(&s->artifacts);
	memo_destroy(&s->pch_failed);
	flight_table_destroy(&s->compile_flights);
	flight_table_destroy(&s->kernel_flights);
	pthread_mutex_destroy(&s->requests_lock);
	registry_close(s);
	cache_close(s->cache);
	btf_store_close(s->store);
	auth_tokens_free(&s->tokens);
	sandbox_warm_stop_all();
	s->cache = NULL;
	s->store = NULL;
}

size_t service_kernel_count(struct service *s)
{
	struct btf_kernel *ks = NULL;
	size_t n = 0;

	if (s->store)
		btf_store_match(s->store, NULL, NULL, &ks, &n, NULL);
	free(ks);
	return n;
}

cJSON *service_info(struct service *s)
{
	cJSON *o = cJSON_CreateObject();
	size_t n = service_kernel_count(s);
	cJSON_AddStringToObject(o, "api", "v1");
	cJSON_AddStringToObject(o, "server", EUCC_VERSION);
	cJSON_AddStringToObject(o, "pipeline", EUCC_PIPELINE_VERSION);
	cJSON_AddStringToObject(o, "clang", compile_clang_version());
	cJSON_AddStringToObject(o, "libbpf", s->libbpf_version);
	cJSON_AddItemToObject(o, "toolchains", compile_toolchains_json());
	cJSON_AddNumberToObject(o, "kernels", (double)n);
	cJSON_AddBoolToObject(o, "btf_upload", s->opts.allow_btf_upload);
	cJSON_AddBoolToObject(o, "auth", s->auth_required);
	cJSON_AddBoolToObject(o, "mirror", s->opts.mirror_dir != NULL);
	cJSON_AddBoolToObject(o, "registry", s->registry != NULL);
	if (s->opts.signing_key) { /* what signs the packages; hosts pin keys offline */
		cJSON *k = cJSON_AddObjectToObject(o, "signing_key");
		char id[80];

		snprintf(id, sizeof(id), "sha256:%s", eucc_key_id(s->opts.signing_key));
		cJSON_AddStringToObject(k, "id", id);
		cJSON_AddStringToObject(k, "name", eucc_key_name(s->opts.signing_key));
	}
	return o;
}
