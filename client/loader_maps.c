/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Map dumps at exit: every data map (hash, array, LRU, LPM trie, and their per-CPU kinds)
 * that is not an event map or one of libbpf's internal ones (.rodata, .data, .bss, .kconfig).
 * Keys and values are decoded through the map's BTF key/value types (hex without them).
 * Per-CPU values are summed when every leaf is an integer, else listed per CPU. Array maps
 * show only their non-zero entries. A value with a log2 histogram prints as one (loader_hist.c).
 * Text: `map: key=K value=V` per entry; JSON: {"map":..., "entries":[{"key":..,"value":..}]}.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <cjson/cJSON.h>

#include "loader_internal.h"

#define MAX_ENTRIES (1u << 20) /* a guard against a map that changes under the walk */

struct dump {
	struct loader_ctx *ctx;
	const struct bpf_map *map;
	const char *name;
	__u32 key_id, val_id, key_size, val_size;
	bool percpu, sum, is_array, hist;
	int ncpus;
	size_t stride; /* of one CPU's value */
	cJSON *entries;
	size_t count;
};

static bool dumpable(const struct bpf_map *map)
{
	if (bpf_map__is_internal(map) || bpf_map__fd(map) < 0)
		return false;
	switch (bpf_map__type(map)) {
	case BPF_MAP_TYPE_HASH:
	case BPF_MAP_TYPE_ARRAY:
	case BPF_MAP_TYPE_PERCPU_HASH:
	case BPF_MAP_TYPE_PERCPU_ARRAY:
	case BPF_MAP_TYPE_LRU_HASH:
	case BPF_MAP_TYPE_LRU_PERCPU_HASH:
	case BPF_MAP_TYPE_LPM_TRIE:
		return true;
	default:
		return false;
	}
}

static bool all_zero(const void *p, size_t size)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < size; i++)
		if (b[i])
			return false;
	return true;
}

/* Per-CPU values listed: text `values=[v0,v1]`, JSON "values":[...]. */
static void put_percpu(struct dump *d, FILE *out, cJSON *entry, const void *val)
{
	cJSON *arr = entry ? cJSON_AddArrayToObject(entry, "values") : NULL;

	if (!entry)
		fputs(" values=[", out);
	for (int cpu = 0; cpu < d->ncpus; cpu++) {
		const void *p = (const char *)val + (size_t)cpu * d->stride;

		if (entry) {
			cJSON_AddItemToArray(arr,
					     fmt_json_any(d->ctx->btf, d->val_id, p, d->val_size));
			continue;
		}
		if (cpu)
			fputc(',', out);
		fmt_text_any(out, d->ctx->btf, d->val_id, p, d->val_size);
	}
	if (!entry)
		fputc(']', out);
}

static void put_entry(struct dump *d, const void *key, const void *val)
{
	const struct btf *btf = d->ctx->btf;
	FILE *out = d->ctx->out;
	cJSON *e = NULL;

	if (d->ctx->json) {
		e = cJSON_CreateObject();
		cJSON_AddItemToObject(e, "key", fmt_json_any(btf, d->key_id, key, d->key_size));
		cJSON_AddItemToArray(d->entries, e);
	} else {
		fprintf(out, "%s: key=", STR_SAFE(d->name));
		fmt_text_any(out, btf, d->key_id, key, d->key_size);
	}
	if (d->percpu && !d->sum) {
		put_percpu(d, out, e, val);
	} else if (e) {
		cJSON_AddItemToObject(e, "value", fmt_json_any(btf, d->val_id, val, d->val_size));
	} else {
		fputs(" value=", out);
		fmt_text_any(out, btf, d->val_id, val, d->val_size);
	}
	if (!e)
		fputc('\n', out);
}

static void dump_entry(struct dump *d, const void *key, void *val)
{
	size_t size = d->percpu ? d->stride * (size_t)d->ncpus : d->val_size;

	if (d->percpu && d->sum) {
		for (int cpu = 1; cpu < d->ncpus; cpu++)
			val_sum(d->ctx->btf, d->val_id, val, (char *)val + (size_t)cpu * d->stride);
		size = d->val_size;
	}
	if (d->is_array && all_zero(val, size))
		return;
	d->count++;
	if (d->hist)
		hist_print(d->ctx, d->map, key, val);
	else
		put_entry(d, key, val);
}

static void dump_init(struct dump *d, struct loader_ctx *ctx, const struct bpf_map *map)
{
	enum bpf_map_type t = bpf_map__type(map);
	__u32 off, n, sz;

	memset(d, 0, sizeof(*d));
	d->ctx = ctx;
	d->map = map;
	d->name = bpf_map__name(map);
	d->key_size = bpf_map__key_size(map);
	d->val_size = bpf_map__value_size(map);
	d->key_id = ctx->btf ? bpf_map__btf_key_type_id(map) : 0;
	d->val_id = ctx->btf ? bpf_map__btf_value_type_id(map) : 0;
	d->percpu = t == BPF_MAP_TYPE_PERCPU_HASH || t == BPF_MAP_TYPE_PERCPU_ARRAY ||
		    t == BPF_MAP_TYPE_LRU_PERCPU_HASH;
	d->is_array = t == BPF_MAP_TYPE_ARRAY || t == BPF_MAP_TYPE_PERCPU_ARRAY;
	d->ncpus = d->percpu ? libbpf_num_possible_cpus() : 1;
	if (d->ncpus < 1)
		d->ncpus = 1;
	d->stride = d->percpu ? (d->val_size + 7) / 8 * 8 : d->val_size;
	d->sum = d->percpu && d->val_id && val_summable(ctx->btf, d->val_id);
	d->hist =
	    d->val_id && (!d->percpu || d->sum) && hist_slots(ctx->btf, d->val_id, &off, &n, &sz);
}

/* Every key of the map, in the kernel's order. */
static int walk(struct dump *d)
{
	int fd = bpf_map__fd(d->map);
	char *prev = malloc(d->key_size ? d->key_size : 1);
	char *key = malloc(d->key_size ? d->key_size : 1);
	char *val = malloc(d->stride * (size_t)d->ncpus);
	bool first = true;
	int ret = 0;

	if (!prev || !key || !val)
		ret = -ENOMEM;
	for (size_t i = 0; !ret && i < MAX_ENTRIES; i++) {
		if (bpf_map_get_next_key(fd, first ? NULL : prev, key)) {
			ret = errno == ENOENT ? 0 : -errno;
			break;
		}
		first = false;
		if (!bpf_map_lookup_elem(fd, key, val))
			dump_entry(d, key, val);
		memcpy(prev, key, d->key_size);
	}
	free(prev);
	free(key);
	free(val);
	return ret;
}

static void dump_map(struct loader_ctx *ctx, const struct bpf_map *map)
{
	struct dump d;
	cJSON *j = NULL;
	int ret;

	dump_init(&d, ctx, map);
	if (ctx->json && !d.hist) {
		j = cJSON_CreateObject();
		cJSON_AddStringToObject(j, "map", d.name);
		d.entries = cJSON_AddArrayToObject(j, "entries");
	}
	ret = walk(&d);
	if (ret)
		eucc_warn("map '%s': cannot read it: %s", d.name, strerror(-ret));
	if (ctx->json && !j && !d.count) { /* a histogram map with nothing in it */
		j = cJSON_CreateObject();
		cJSON_AddStringToObject(j, "map", d.name);
		cJSON_AddArrayToObject(j, "entries");
	}
	if (j)
		fmt_json_line(ctx->out, j);
	else if (!d.count)
		fprintf(ctx->out, "%s: no entries\n", STR_SAFE(d.name));
}

void maps_dump_hists(struct loader_ctx *ctx)
{
	struct bpf_map *map;
	struct dump d;

	bpf_object__for_each_map(map, ctx->obj) {
		if (!dumpable(map))
			continue;
		dump_init(&d, ctx, map);
		if (d.hist)
			dump_map(ctx, map);
	}
	fflush(ctx->out);
}

void maps_dump(struct loader_ctx *ctx)
{
	struct bpf_map *map;

	bpf_object__for_each_map(map, ctx->obj) {
		if (dumpable(map))
			dump_map(ctx, map);
		else if (!bpf_map__is_internal(map) && !events_is_event_map(map))
			eucc_info("map '%s': not dumped (type %d)", bpf_map__name(map),
				  (int)bpf_map__type(map));
	}
	fflush(ctx->out);
}
