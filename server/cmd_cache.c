/* SPDX-License-Identifier: Apache-2.0 */
/* eucc-server cache stats|gc|verify */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cache.h"
#include "server.h"

static int open_cache(int argc, char **argv, struct server_config *cfg, struct cache **c,
		      const char *usage)
{
	static const struct option longopts[] = {
	    {"data", required_argument, NULL, 'd'},
	    {"json", no_argument, NULL, 'j'},
	    {"cache-max", required_argument, NULL, 'c'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct cache_opts o = {.sz = sizeof(o)};
	struct eucc_error err = {0};
	char dir[PATH_MAX + 8];
	int ch;

	optind = 0;
	while ((ch = getopt_long(argc, argv, "hj", longopts, NULL)) != -1) {
		switch (ch) {
		case 'd':
			snprintf(cfg->data_dir, sizeof(cfg->data_dir), "%s", optarg);
			break;
		case 'j':
			cfg->json = true;
			break;
		case 'c':
			if (parse_size(optarg, &o.max_bytes))
				return cmd_usage_error("--cache-max wants a size like 10G");
			break;
		case 'h':
			printf("Usage: eucc-server %s\n", usage);
			return -1;
		default:
			return EUCC_EXIT_USAGE;
		}
	}
	if (optind < argc)
		return cmd_usage_error("unexpected argument '%s'", argv[optind]);
	snprintf(dir, sizeof(dir), "%s/cache", cfg->data_dir);
	if (cache_open(dir, &o, c, &err))
		return cmd_fail(&err);
	return 0;
}

static void print_json_numbers(const char *const *names, const uint64_t *values, size_t n)
{
	cJSON *o = cJSON_CreateObject();

	for (size_t i = 0; i < n; i++)
		cJSON_AddNumberToObject(o, names[i], (double)values[i]);
	json_write(stdout, o);
	cJSON_Delete(o);
}

static int do_cache_stats(int argc, char **argv, struct server_config *cfg)
{
	static const char *const names[] = {"blobs",	     "blob_bytes",  "keys",
					    "object_keys",   "kernel_keys", "package_keys",
					    "artifact_keys", "max_bytes"};
	struct eucc_error err = {0};
	struct cache_stats st;
	struct cache *c;
	char size[32];
	int ret = open_cache(argc, argv, cfg, &c, "cache stats [--data DIR] [--json]");

	if (ret)
		return ret < 0 ? EUCC_EXIT_OK : ret;
	ret = cache_stats(c, &st, &err);
	cache_close(c);
	if (ret)
		return cmd_fail(&err);
	uint64_t v[] = {st.blobs,	  st.blob_bytes,    st.keys,	      st.keys_by_ns[0],
			st.keys_by_ns[1], st.keys_by_ns[2], st.keys_by_ns[3], st.max_bytes};
	if (cfg->json) {
		print_json_numbers(names, v, 8);
		return EUCC_EXIT_OK;
	}
	format_size(st.blob_bytes, size, sizeof(size));
	printf("blobs:    %llu (%s)\n", (unsigned long long)st.blobs, size);
	printf("keys:     %llu (object %llu, kernel %llu, package %llu, artifact %llu)\n",
	       (unsigned long long)st.keys, (unsigned long long)st.keys_by_ns[0],
	       (unsigned long long)st.keys_by_ns[1], (unsigned long long)st.keys_by_ns[2],
	       (unsigned long long)st.keys_by_ns[3]);
	return EUCC_EXIT_OK;
}

static int do_cache_gc(int argc, char **argv, struct server_config *cfg)
{
	static const char *const names[] = {"keys_evicted", "blobs_removed", "bytes_freed",
					    "temp_removed"};
	struct eucc_error err = {0};
	struct cache_gc_result res = {0};
	struct cache *c;
	int ret =
	    open_cache(argc, argv, cfg, &c, "cache gc [--data DIR] [--cache-max SIZE] [--json]");

	if (ret)
		return ret < 0 ? EUCC_EXIT_OK : ret;
	ret = cache_gc(c, &res, &err);
	cache_close(c);
	if (ret)
		return cmd_fail(&err);
	uint64_t v[] = {res.keys_evicted, res.blobs_removed, res.bytes_freed, res.temp_removed};
	if (cfg->json)
		print_json_numbers(names, v, 4);
	else
		printf("evicted %llu keys, removed %llu blobs (%llu bytes) and %llu temp files\n",
		       (unsigned long long)v[0], (unsigned long long)v[1], (unsigned long long)v[2],
		       (unsigned long long)v[3]);
	return EUCC_EXIT_OK;
}

static int do_cache_verify(int argc, char **argv, struct server_config *cfg)
{
	static const char *const names[] = {"blobs_checked", "blobs_bad", "keys_dropped"};
	struct eucc_error err = {0};
	struct cache_verify_result res = {0};
	struct cache *c;
	int ret = open_cache(argc, argv, cfg, &c, "cache verify [--data DIR] [--json]");

	if (ret)
		return ret < 0 ? EUCC_EXIT_OK : ret;
	ret = cache_verify(c, &res, &err);
	cache_close(c);
	if (ret)
		return cmd_fail(&err);
	uint64_t v[] = {res.blobs_checked, res.blobs_bad, res.keys_dropped};
	if (cfg->json)
		print_json_numbers(names, v, 3);
	else
		printf("checked %llu blobs: %llu bad (removed), %llu keys dropped\n",
		       (unsigned long long)v[0], (unsigned long long)v[1],
		       (unsigned long long)v[2]);
	return res.blobs_bad || res.keys_dropped ? EUCC_EXIT_INCOMPATIBLE : EUCC_EXIT_OK;
}

static const struct server_cmd cache_cmds[] = {
    {"stats", do_cache_stats, "stats [--data DIR] [--json]"},
    {"gc", do_cache_gc, "gc [--data DIR] [--cache-max SIZE] [--json]"},
    {"verify", do_cache_verify, "verify [--data DIR] [--json]"},
    {NULL, NULL, NULL},
};

int do_cache(int argc, char **argv, struct server_config *cfg)
{
	return cmd_dispatch(cache_cmds, "eucc-server cache", argc - 1, argv + 1, cfg);
}
