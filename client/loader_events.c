/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Events: every ring buffer map and perf buffer map is read; each record is printed
 * through the type the program declared for the map with EUCC_EVENT (client/include/eucc/
 * eucc.h: a variable __eucc_event__<map> in the object's BTF DATASEC ".eucc.events"),
 * or as hex bytes when there is none or the record is shorter than the type.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#include <cjson/cJSON.h>

#include "loader_internal.h"

bool events_is_event_map(const struct bpf_map *map)
{
	enum bpf_map_type t = bpf_map__type(map);

	return t == BPF_MAP_TYPE_RINGBUF || t == BPF_MAP_TYPE_PERF_EVENT_ARRAY;
}

__u32 events_type(const struct btf *btf, const char *map_name)
{
	int sec_id = btf ? btf__find_by_name_kind(btf, EVENT_SECTION, BTF_KIND_DATASEC) : -1;
	const struct btf_type *sec = sec_id > 0 ? btf__type_by_id(btf, sec_id) : NULL;
	size_t plen = strlen(EVENT_VAR_PREFIX);

	for (__u16 i = 0; sec && i < btf_vlen(sec); i++) {
		const struct btf_type *v = btf__type_by_id(btf, btf_var_secinfos(sec)[i].type);
		const char *name = v ? btf__name_by_offset(btf, v->name_off) : NULL;

		if (v && btf_is_var(v) && name && !strncmp(name, EVENT_VAR_PREFIX, plen) &&
		    !strcmp(name + plen, map_name))
			return v->type;
	}
	return 0;
}

/* The record type the manifest names for @map ("events": [{"map", "type"}], as the server
 * found it), looked up in the object's BTF; 0 if none. */
static __u32 manifest_event_type(const struct loader_ctx *ctx, const char *map)
{
	const cJSON *evs = ctx->in ? cJSON_GetObjectItem(ctx->in->manifest, "events") : NULL, *e;

	cJSON_ArrayForEach(e, evs) {
		const char *type = json_str(e, "type");
		bool is_union = !strncmp(type, "union ", 6);
		int id;

		if (strcmp(json_str(e, "map"), map))
			continue;
		if (!strncmp(type, "struct ", 7) || is_union)
			type = strchr(type, ' ') + 1;
		id = btf__find_by_name_kind(ctx->btf, type,
					    is_union ? BTF_KIND_UNION : BTF_KIND_STRUCT);
		return id > 0 ? (__u32)id : 0;
	}
	return 0;
}

/* The type a record of @size bytes prints through: the whole type, or a shorter record
 * (a fixed part and a variable tail) as far as it goes. */
static bool decodable(const struct event_map *ev, size_t size)
{
	return ev->type_id && size > 0;
}

static void print_header(struct event_map *ev, FILE *out)
{
	fprintf(out, "%-8s %s: ", "TIME", STR_SAFE(ev->name));
	if (ev->type_id)
		fmt_text_names(out, ev->ctx->btf, ev->type_id);
	else
		fputs("size data", out);
	fputc('\n', out);
	ev->header_done = true;
}

static void print_text(struct event_map *ev, FILE *out, const void *data, size_t size)
{
	char t[16];

	if (!ev->header_done)
		print_header(ev, out);
	clock_text(t, sizeof(t));
	fprintf(out, "%s %s: ", t, STR_SAFE(ev->name));
	if (decodable(ev, size) && size >= ev->type_size) {
		fmt_text_fields(out, ev->ctx->btf, ev->type_id, data);
	} else if (decodable(ev, size)) {
		fmt_text_partial(out, ev->ctx->btf, ev->type_id, data, size);
	} else {
		fprintf(out, "size=%zu data=", size);
		fmt_text_hex_capped(out, data, size);
	}
	fputc('\n', out);
}

static void print_json(struct event_map *ev, FILE *out, const void *data, size_t size)
{
	cJSON *j = cJSON_CreateObject();
	char t[16];

	clock_text(t, sizeof(t));
	cJSON_AddStringToObject(j, "time", t);
	cJSON_AddStringToObject(j, "map", ev->name);
	if (decodable(ev, size) && size >= ev->type_size) {
		cJSON_AddItemToObject(j, "event", fmt_json_value(ev->ctx->btf, ev->type_id, data));
	} else if (decodable(ev, size)) {
		cJSON_AddItemToObject(j, "event",
				      fmt_json_partial(ev->ctx->btf, ev->type_id, data, size));
		cJSON_AddNumberToObject(j, "size", (double)size);
	} else {
		cJSON_AddNumberToObject(j, "size", (double)size);
		cJSON_AddItemToObject(j, "data",
				      fmt_json_hex(data, size < HEX_CAP ? size : HEX_CAP));
		if (size > HEX_CAP)
			cJSON_AddNumberToObject(j, "more", (double)(size - HEX_CAP));
	}
	fmt_json_line(out, j);
}

static void print_event(struct event_map *ev, const void *data, size_t size)
{
	FILE *out = ev->ctx->out;

	if (!ev->type_id && !ev->warned) {
		eucc_warn(
		    "map '%s': the record type is unknown, records print as hex (at most %d "
		    "bytes each); name it with EUCC_EVENT(%s, struct TYPE) from <eucc/eucc.h>",
		    ev->name, HEX_CAP, ev->name);
		ev->warned = true;
	}

	if (ev->ctx->json)
		print_json(ev, out, data, size);
	else
		print_text(ev, out, data, size);
	fflush(out);
	ev->ctx->nevents++;
}

static int on_ring(void *ctx, void *data, size_t size)
{
	print_event(ctx, data, size);
	return 0;
}

static void on_perf(void *ctx, int cpu, void *data, __u32 size)
{
	(void)cpu;
	print_event(ctx, data, size);
}

static void on_lost(void *ctx, int cpu, __u64 cnt)
{
	struct event_map *ev = ctx;

	(void)cpu;
	ev->lost += cnt;
}

static int watch(struct loader_ctx *ctx, int fd)
{
	struct epoll_event e = {.events = EPOLLIN};

	return epoll_ctl(ctx->epfd, EPOLL_CTL_ADD, fd, &e) ? -errno : 0;
}

static int open_ring(struct loader_ctx *ctx, struct event_map *ev, int fd)
{
	if (ctx->rb)
		return ring_buffer__add(ctx->rb, fd, on_ring, ev) ? -errno : 0;
	ctx->rb = ring_buffer__new(fd, on_ring, ev, NULL);
	if (!ctx->rb)
		return -errno;
	return watch(ctx, ring_buffer__epoll_fd(ctx->rb));
}

static int open_perf(struct loader_ctx *ctx, struct event_map *ev, int fd)
{
	struct perf_buffer *pb = perf_buffer__new(fd, PERF_PAGES, on_perf, on_lost, ev, NULL);

	if (!pb)
		return -errno;
	ctx->pbs[ctx->npbs++] = pb;
	return watch(ctx, perf_buffer__epoll_fd(pb));
}

static int open_one(struct loader_ctx *ctx, struct bpf_map *map, struct eucc_error *err)
{
	struct event_map *ev = &ctx->evs[ctx->nevs++];
	__s64 size;
	int ret;

	ev->ctx = ctx;
	ev->name = bpf_map__name(map);
	ev->perf = bpf_map__type(map) == BPF_MAP_TYPE_PERF_EVENT_ARRAY;
	ev->type_id = events_type(ctx->btf, ev->name);
	if (!ev->type_id && ctx->btf)
		ev->type_id = manifest_event_type(ctx, ev->name);
	size = ev->type_id ? btf__resolve_size(ctx->btf, ev->type_id) : 0;
	if (size <= 0)
		ev->type_id = 0;
	ev->type_size = size > 0 ? (__u32)size : 0;
	if (!ev->type_id)
		eucc_info("map '%s': no EUCC_EVENT type, events print as hex", ev->name);
	ret =
	    ev->perf ? open_perf(ctx, ev, bpf_map__fd(map)) : open_ring(ctx, ev, bpf_map__fd(map));
	if (ret) {
		char ebuf[128];

		libbpf_strerror(ret, ebuf, sizeof(ebuf));
		eucc_error_set(err, ret, EUCC_E_EVENTS, "cannot read the %s buffer '%s': %s",
			       ev->perf ? "perf" : "ring", ev->name, ebuf);
	}
	return ret;
}

int events_open(struct loader_ctx *ctx, struct eucc_error *err)
{
	struct bpf_map *map;
	size_t n = 0;
	int ret;

	bpf_object__for_each_map(map, ctx->obj)
		n += events_is_event_map(map) && bpf_map__fd(map) >= 0;
	ctx->evs = calloc(n ? n : 1, sizeof(*ctx->evs));
	ctx->pbs = calloc(n ? n : 1, sizeof(*ctx->pbs));
	if (!ctx->evs || !ctx->pbs)
		return eucc_error_set(err, -ENOMEM, EUCC_E_IO, "no memory");
	bpf_object__for_each_map(map, ctx->obj) {
		if (!events_is_event_map(map) || bpf_map__fd(map) < 0)
			continue;
		ret = open_one(ctx, map, err);
		if (ret)
			return ret;
	}
	return 0;
}

int events_poll(struct loader_ctx *ctx)
{
	int ret;

	if (ctx->rb) {
		ret = ring_buffer__consume(ctx->rb);
		if (ret < 0 && ret != -EINTR)
			return ret;
	}
	for (size_t i = 0; i < ctx->npbs; i++) {
		ret = perf_buffer__consume(ctx->pbs[i]);
		if (ret < 0 && ret != -EINTR)
			return ret;
	}
	return 0;
}

void events_report_lost(struct loader_ctx *ctx)
{
	for (size_t i = 0; i < ctx->nevs; i++) {
		struct event_map *ev = &ctx->evs[i];
		cJSON *j;

		if (!ev->lost)
			continue;
		eucc_warn("map '%s': %llu events lost (the perf buffer was full)", ev->name,
			  (unsigned long long)ev->lost);
		if (!ctx->json) {
			fprintf(ctx->out, "%s: lost=%llu\n", ev->name,
				(unsigned long long)ev->lost);
			continue;
		}
		j = cJSON_CreateObject();
		cJSON_AddStringToObject(j, "map", ev->name);
		cJSON_AddNumberToObject(j, "lost", (double)ev->lost);
		fmt_json_line(ctx->out, j);
	}
}

void events_close(struct loader_ctx *ctx)
{
	ring_buffer__free(ctx->rb);
	ctx->rb = NULL;
	for (size_t i = 0; i < ctx->npbs; i++)
		perf_buffer__free(ctx->pbs[i]);
	free(ctx->pbs);
	free(ctx->evs);
	ctx->pbs = NULL;
	ctx->evs = NULL;
	ctx->npbs = ctx->nevs = 0;
}
