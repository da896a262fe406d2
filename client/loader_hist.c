/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Log2 histograms, as bcc's libbpf-tools keep them: a map value struct with a member
 * `slots`, an array of u32 or u64 counters, slot i counting values in [2^i, 2^(i+1)) (slot 0:
 * 0 and 1). Text: the key and the value's other members on one line, then one row per slot
 * up to the last non-empty one, with bars scaled to the largest count. JSON: one line per key,
 * {"map":..,"key":..,"value":{other members},"histogram":[{"low":..,"high":..,"count":..}]}.
 */
#include <string.h>

#include <cjson/cJSON.h>

#include "loader_internal.h"

#define MAX_SLOTS 64
#define UNIT	  "value" /* the column's name when no unit is known */

/* "usecs" for a name word us, usec, usecs, micros (likewise ns, ms), else NULL. */
static const char *unit_of_word(const char *w, size_t len)
{
	static const struct {
		const char *word, *unit;
	} words[] = {{"us", "usecs"}, {"usec", "usecs"}, {"usecs", "usecs"}, {"micros", "usecs"},
		     {"ns", "nsecs"}, {"nsec", "nsecs"}, {"nsecs", "nsecs"}, {"nanos", "nsecs"},
		     {"ms", "msecs"}, {"msec", "msecs"}, {"msecs", "msecs"}, {"millis", "msecs"}};

	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strlen(words[i].word) == len && !strncmp(words[i].word, w, len))
			return words[i].unit;
	return NULL;
}

static const char *unit_of_name(const char *name)
{
	const char *unit = NULL;

	for (const char *w = name; *w;) {
		size_t len = strcspn(w, "_");

		unit = unit_of_word(w, len) ?: unit;
		w += len + (w[len] == '_');
	}
	return unit;
}

const char *hist_unit(const struct loader_ctx *ctx, const struct bpf_map *map)
{
	const cJSON *maps = ctx->in ? cJSON_GetObjectItem(ctx->in->manifest, "maps") : NULL, *m;
	const char *name = bpf_map__name(map);

	cJSON_ArrayForEach(m, maps) {
		const char *u = cJSON_GetStringValue(cJSON_GetObjectItem(m, "unit"));

		if (u && *u && !strcmp(json_str(m, "name"), name))
			return u;
	}
	return unit_of_name(name);
}

bool hist_slots(const struct btf *btf, __u32 value_id, __u32 *off, __u32 *nslots, __u32 *slot_size)
{
	const struct btf_type *t = btf__type_by_id(btf, btf_value_resolve(btf, value_id)), *a, *e;

	for (__u16 i = 0; t && btf_is_struct(t) && i < btf_vlen(t); i++) {
		const struct btf_member *m = &btf_members(t)[i];
		__u32 bit = btf_member_bit_offset(t, i);

		if (strcmp(btf__name_by_offset(btf, m->name_off), "slots"))
			continue;
		a = btf__type_by_id(btf, btf_value_resolve(btf, m->type));
		if (!a || !btf_is_array(a) || bit % 8 || btf_member_bitfield_size(t, i))
			return false;
		e = btf__type_by_id(btf, btf_value_resolve(btf, btf_array(a)->type));
		if (!e || !btf_is_int(e) || (e->size != 4 && e->size != 8) ||
		    (btf_int_encoding(e) & BTF_INT_BOOL) || !btf_array(a)->nelems ||
		    btf_array(a)->nelems > MAX_SLOTS)
			return false;
		*off = bit / 8;
		*nslots = btf_array(a)->nelems;
		*slot_size = e->size;
		return true;
	}
	return false;
}

static void slot_range(int i, __u64 *low, __u64 *high)
{
	*low = i == 0 ? 0 : 1ULL << i;
	*high = i >= 63 ? ~0ULL : (1ULL << (i + 1)) - 1;
}

/* The counters, widened to u64; the index of the last non-zero one (-1: none). */
static int read_slots(const struct btf *btf, __u32 value_id, const void *value, __u64 *c)
{
	__u32 off, n, sz;
	int last = -1;

	if (!hist_slots(btf, value_id, &off, &n, &sz))
		return -1;
	for (__u32 i = 0; i < n; i++) {
		__u32 v32;

		if (sz == 4) {
			memcpy(&v32, (const char *)value + off + i * 4, 4);
			c[i] = v32;
		} else {
			memcpy(&c[i], (const char *)value + off + i * 8, 8);
		}
		if (c[i])
			last = (int)i;
	}
	return last;
}

static void print_rows(FILE *out, const __u64 *c, int last, const char *unit)
{
	static const char stars[] = "****************************************"; /* 40 */
	bool wide = last > 32;
	int nw = wide ? 20 : 10, width = wide ? 20 : 40;
	__u64 max = 0;

	for (int i = 0; i <= last; i++)
		max = c[i] > max ? c[i] : max;
	fprintf(out, "%*s%-*s : count    distribution\n", wide ? 15 : 5, "", wide ? 29 : 19,
		unit ? unit : UNIT);
	for (int i = 0; i <= last; i++) {
		int n = max ? (int)((double)c[i] * width / (double)max) : 0;
		__u64 low, high;

		slot_range(i, &low, &high);
		fprintf(out, "%*llu -> %-*llu : %-8llu |%.*s%*s|\n", nw, (unsigned long long)low,
			nw, (unsigned long long)high, (unsigned long long)c[i], n, stars, width - n,
			"");
	}
}

/* The value's members other than `slots`, as ` name=V`. */
static void text_others(FILE *out, const struct btf *btf, __u32 value_id, const void *value)
{
	const struct btf_type *t = btf__type_by_id(btf, btf_value_resolve(btf, value_id));

	for (__u16 i = 0; i < btf_vlen(t); i++) {
		const struct btf_member *m = &btf_members(t)[i];
		const char *name = btf__name_by_offset(btf, m->name_off);
		__u32 bit = btf_member_bit_offset(t, i);

		if (!name || !name[0] || !strcmp(name, "slots") || bit % 8 ||
		    btf_member_bitfield_size(t, i))
			continue;
		fprintf(out, " %s=", STR_SAFE(name));
		fmt_text_value(out, btf, m->type, (const char *)value + bit / 8);
	}
}

static void hist_text(struct loader_ctx *ctx, const struct bpf_map *map, const void *key,
		      const void *value, const __u64 *c, int last)
{
	__u32 vid = bpf_map__btf_value_type_id(map);

	fprintf(ctx->out, "%s: key=", STR_SAFE(bpf_map__name(map)));
	fmt_text_any(ctx->out, ctx->btf, bpf_map__btf_key_type_id(map), key,
		     bpf_map__key_size(map));
	text_others(ctx->out, ctx->btf, vid, value);
	fputc('\n', ctx->out);
	if (last < 0)
		fprintf(ctx->out, "     (no samples)\n");
	else
		print_rows(ctx->out, c, last, hist_unit(ctx, map));
}

static cJSON *json_u64(__u64 v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)v);
	return cJSON_CreateRaw(buf);
}

static void hist_json(struct loader_ctx *ctx, const struct bpf_map *map, const void *key,
		      const void *value, const __u64 *c, int last)
{
	__u32 vid = bpf_map__btf_value_type_id(map);
	cJSON *j = cJSON_CreateObject(), *v, *h;

	cJSON_AddStringToObject(j, "map", bpf_map__name(map));
	if (ctx->hist_time)
		cJSON_AddStringToObject(j, "time", ctx->hist_time);
	if (hist_unit(ctx, map))
		cJSON_AddStringToObject(j, "unit", hist_unit(ctx, map));
	cJSON_AddItemToObject(
	    j, "key",
	    fmt_json_any(ctx->btf, bpf_map__btf_key_type_id(map), key, bpf_map__key_size(map)));
	v = fmt_json_value(ctx->btf, vid, value);
	cJSON_DeleteItemFromObjectCaseSensitive(v, "slots");
	if (v && v->child)
		cJSON_AddItemToObject(j, "value", v);
	else
		cJSON_Delete(v);
	h = cJSON_AddArrayToObject(j, "histogram");
	for (int i = 0; i <= last; i++) {
		cJSON *row = cJSON_CreateObject();
		__u64 low, high;

		slot_range(i, &low, &high);
		cJSON_AddItemToObject(row, "low", json_u64(low));
		cJSON_AddItemToObject(row, "high", json_u64(high));
		cJSON_AddItemToObject(row, "count", json_u64(c[i]));
		cJSON_AddItemToArray(h, row);
	}
	fmt_json_line(ctx->out, j);
}

void hist_print(struct loader_ctx *ctx, const struct bpf_map *map, const void *key,
		const void *value)
{
	__u64 c[MAX_SLOTS] = {0};
	int last = read_slots(ctx->btf, bpf_map__btf_value_type_id(map), value, c);

	if (ctx->json)
		hist_json(ctx, map, key, value, c, last);
	else
		hist_text(ctx, map, key, value, c, last);
}
