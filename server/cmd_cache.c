/* SPDX-License-Identifier: Apache-2.0 */
/* eucc-server cache stats|gc|verify */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cache.h"
#include "server.h"
#include "service.h"

static int set_cache_max(void *target, const struct cli_opt *opt, const char *v,
			 struct eucc_error *err)
{
	struct cache_opts *o = target;

	(void)opt;
	if (parse_size(v, &o->max_bytes))
		return eucc_error_set(err, -EINVAL, EUCC_E_USAGE,
				      "--cache-max wants a size like 10G, not '%s'", v);
	return 0;
}

static int open_cache(const struct cli_call *call, struct cache **c)
{
	struct cache_opts o = {.sz = sizeof(o)};
	struct eucc_error err = {0};
	char dir[PATH_MAX + 8];

	if (cli_apply(call, &o, &err))
		return cmd_fail(&err);
	snprintf(dir, sizeof(dir), "%s/cache", server_config(call)->data_dir);
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

static int do_cache_stats(const struct cli_call *call)
{
	struct server_config *cfg = server_config(call);
	static const char *const names[] = {"blobs",	     "blob_bytes",  "keys",
					    "object_keys",   "kernel_keys", "package_keys",
					    "artifact_keys", "max_bytes"};
	struct eucc_error err = {0};
	struct cache_stats st;
	struct cache *c;
	char size[32];
	int ret = open_cache(call, &c);

	if (ret)
		return ret;
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

static int do_cache_gc(const struct cli_call *call)
{
	struct server_config *cfg = server_config(call);
	static const char *const names[] = {"keys_evicted", "blobs_removed", "bytes_freed",
					    "temp_removed", "job_dirs_removed"};
	struct eucc_error err = {0};
	struct cache_gc_result res = {0};
	unsigned int jobs = 0;
	struct cache *c;
	int ret = open_cache(call, &c);

	if (ret)
		return ret;
	ret = cache_gc(c, &res, &err);
	cache_close(c);
	if (!ret) /* DATA/tmp: what killed servers left (a live one's are locked) */
		ret = service_clean_tmp(cfg->data_dir, &jobs, &err);
	if (ret)
		return cmd_fail(&err);
	uint64_t v[] = {res.keys_evicted, res.blobs_removed, res.bytes_freed, res.temp_removed,
			jobs};
	if (cfg->json)
		print_json_numbers(names, v, 5);
	else
		printf(
		    "evicted %llu keys, removed %llu blobs (%llu bytes), %llu temp files and %llu "
		    "stale job dirs\n",
		    (unsigned long long)v[0], (unsigned long long)v[1], (unsigned long long)v[2],
		    (unsigned long long)v[3], (unsigned long long)v[4]);
	return EUCC_EXIT_OK;
}

static int do_cache_verify(const struct cli_call *call)
{
	struct server_config *cfg = server_config(call);
	static const char *const names[] = {"blobs_checked", "blobs_bad", "keys_dropped"};
	struct eucc_error err = {0};
	struct cache_verify_result res = {0};
	struct cache *c;
	int ret = open_cache(call, &c);

	if (ret)
		return ret;
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

static const struct cli_opt cache_cli_opts[] = {
    {.name = "cache-max",
     .arg = "SIZE",
     .kind = CLI_CALL,
     .set = set_cache_max,
     .help = "the size cap of the cache (512M, 10G); gc evicts the least recently used "
	     "entries down to it",
     .def = "no cap"},
    {0},
};

static const struct cli_cmd cmd_cache_stats = {
    .name = "stats",
    .run = do_cache_stats,
    .summary = "how many blobs, bytes and keys the cache holds",
    .help = "Print the number of blobs and their size, and the number of keys by kind (object, "
	    "kernel, package, artifact).",
    .opts = cache_cli_opts,
    .json = "print the numbers as one JSON object",
};

static const struct cli_cmd cmd_cache_gc = {
    .name = "gc",
    .run = do_cache_gc,
    .summary = "evict down to the size cap, remove unreferenced blobs and temp files",
    .help = "Evict the least recently used keys until the cache fits --cache-max, remove the "
	    "blobs no key points at, temp files left by stopped writers, and the job dirs and "
	    "upload temps in DATA/tmp that no live server holds.",
    .opts = cache_cli_opts,
    .json = "print what was removed as one JSON object",
};

static const struct cli_cmd cmd_cache_verify = {
    .name = "verify",
    .run = do_cache_verify,
    .summary = "rehash every blob, remove bad ones and their keys",
    .help = "Rehash every blob; a blob whose bytes do not match its digest is removed, with "
	    "the keys that point at it.\nExit 1 if it found any.",
    .opts = cache_cli_opts,
    .json = "print what was checked and removed as one JSON object",
};

static const struct cli_cmd *const cache_cmds[] = {&cmd_cache_stats, &cmd_cache_gc,
						   &cmd_cache_verify, NULL};

const struct cli_cmd server_cmd_cache = {
    .name = "cache",
    .summary = "the artifact cache: stats, gc, verify",
    .help = "The content-addressed artifact cache in DIR/cache of the data dir "
	    "(docs/cache.md).",
    .subs = cache_cmds,
};
