/* SPDX-License-Identifier: Apache-2.0 */
/* Maps (the .maps section's BTF) and global variables (.data, .rodata, .bss) of a BPF object. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "obj_internal.h"

const char *obj_prog_type_name(const struct obj_prog *p)
{
	const char *s = p->type_known ? libbpf_bpf_prog_type_str(p->type) : NULL;

	return s ? s : "unknown";
}

const char *obj_map_type_name(uint32_t type)
{
	const char *s = libbpf_bpf_map_type_str((enum bpf_map_type)type);

	return s ? s : "unknown";
}

void obj_type_enum_name(const char *prefix, const char *name, char *buf, size_t size)
{
	size_t n = (size_t)snprintf(buf, size, "%s", prefix);

	for (; *name && n + 1 < size; name++)
		buf[n++] = (char)toupper((unsigned char)*name);
	buf[n < size ? n : size - 1] = '\0';
}

/* BPF_MAP_TYPE_CGRP_STORAGE (Linux 6.2), newer than this system's UAPI header */
#define MAP_TYPE_CGRP_STORAGE 32

bool obj_map_user_sized(uint32_t type, uint32_t max_entries)
{
	if (type == MAP_TYPE_CGRP_STORAGE)
		return false;
	switch (type) {
	case BPF_MAP_TYPE_PERF_EVENT_ARRAY:
	case BPF_MAP_TYPE_CGROUP_STORAGE:
	case BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE:
	case BPF_MAP_TYPE_SK_STORAGE:
	case BPF_MAP_TYPE_INODE_STORAGE:
	case BPF_MAP_TYPE_TASK_STORAGE:
	case BPF_MAP_TYPE_STRUCT_OPS:
		return false;
	default:
		return max_entries == 0;
	}
}

/* __uint(name, N) is encoded as `int (*name)[N]`. */
static bool map_uint(const struct btf *btf, uint32_t type, uint32_t *out)
{
	const struct btf_type *t = btf_skip_mods(btf, type, NULL);

	if (!t || !btf_is_ptr(t))
		return false;
	t = btf_skip_mods(btf, t->type, NULL);
	if (!t || !btf_is_array(t))
		return false;
	*out = btf_array(t)->nelems;
	return true;
}

/* __type(key, T) is encoded as `T *key`. */
static bool map_type_size(const struct btf *btf, uint32_t type, uint32_t *out)
{
	const struct btf_type *t = btf_skip_mods(btf, type, NULL);
	long long sz;

	if (!t || !btf_is_ptr(t) || (sz = btf__resolve_size(btf, t->type)) < 0)
		return false;
	*out = (uint32_t)sz;
	return true;
}

static void map_member(const struct btf *btf, struct obj_map *m, const struct btf_member *mb)
{
	const char *name = btf__name_by_offset(btf, mb->name_off);

	if (!name)
		return;
	if (!strcmp(name, "type"))
		map_uint(btf, mb->type, &m->type);
	else if (!strcmp(name, "max_entries"))
		map_uint(btf, mb->type, &m->max_entries);
	else if (!strcmp(name, "key_size"))
		map_uint(btf, mb->type, &m->key_size);
	else if (!strcmp(name, "value_size"))
		map_uint(btf, mb->type, &m->value_size);
	else if (!strcmp(name, "map_flags"))
		map_uint(btf, mb->type, &m->flags);
	else if (!strcmp(name, "key"))
		map_type_size(btf, mb->type, &m->key_size);
	else if (!strcmp(name, "value"))
		map_type_size(btf, mb->type, &m->value_size);
}

int obj_parse_maps(struct bpf_obj_view *obj, struct eucc_error *err)
{
	int id = btf__find_by_name_kind(obj->btf, ".maps", BTF_KIND_DATASEC);
	const struct btf_var_secinfo *vs;
	const struct btf_type *sec;

	if (id < 0)
		return 0;
	sec = btf__type_by_id(obj->btf, id);
	vs = btf_var_secinfos(sec);
	for (int i = 0; i < btf_vlen(sec); i++, vs++) {
		const struct btf_type *var = btf__type_by_id(obj->btf, vs->type);
		const struct btf_type *def;
		const struct btf_member *mb;
		struct obj_map *m;

		if (!var || !btf_is_var(var))
			continue;
		def = btf_skip_mods(obj->btf, var->type, NULL);
		if (!def || !btf_is_struct(def))
			return eucc_error_set(err, -EINVAL, EUCC_E_BAD_OBJECT,
					      "map '%s' is not a struct in .maps",
					      btf__name_by_offset(obj->btf, var->name_off));
		m = OBJ_PUSH(obj->maps, obj->nmaps);
		if (!m)
			return -ENOMEM;
		snprintf(m->name, sizeof(m->name), "%s",
			 btf__name_by_offset(obj->btf, var->name_off));
		mb = btf_members(def);
		for (int j = 0; j < btf_vlen(def); j++, mb++)
			map_member(obj->btf, m, mb);
	}
	return 0;
}

static void dump_printf(void *ctx, const char *fmt, va_list args)
{
	vfprintf(ctx, fmt, args);
}

/* The C spelling of type @id: "const volatile int", "char[16]". */
static void type_decl(const struct btf *btf, uint32_t id, char *buf, size_t size)
{
	LIBBPF_OPTS(btf_dump_emit_type_decl_opts, opts, .field_name = "");
	FILE *f = fmemopen(buf, size, "w");
	struct btf_dump *d;

	snprintf(buf, size, "?");
	if (!f)
		return;
	d = btf_dump__new(btf, dump_printf, f, NULL);
	if (d) {
		btf_dump__emit_type_decl(d, id, &opts);
		btf_dump__free(d);
	}
	fputc('\0', f);
	fclose(f);
	buf[size - 1] = '\0';
	/* the BTF order of `const volatile` is volatile -> const: say it the usual way */
	if (!strncmp(buf, "volatile const ", 15))
		memcpy(buf, "const volatile ", 15);
}

static int add_globals(struct bpf_obj_view *obj, const struct btf_type *sec, const char *secname)
{
	const struct btf_var_secinfo *vs = btf_var_secinfos(sec);

	for (int i = 0; i < btf_vlen(sec); i++, vs++) {
		const struct btf_type *var = btf__type_by_id(obj->btf, vs->type);
		struct obj_global *g;
		long long sz;

		if (!var || !btf_is_var(var) || btf_var(var)->linkage == BTF_VAR_GLOBAL_EXTERN)
			continue;
		g = OBJ_PUSH(obj->globals, obj->nglobals);
		if (!g)
			return -ENOMEM;
		snprintf(g->name, sizeof(g->name), "%s",
			 btf__name_by_offset(obj->btf, var->name_off));
		snprintf(g->section, sizeof(g->section), "%s", secname);
		type_decl(obj->btf, var->type, g->type, sizeof(g->type));
		sz = btf__resolve_size(obj->btf, var->type);
		g->size = sz > 0 ? (uint32_t)sz : 0;
		g->offset = vs->offset;
		g->type_id = var->type;
	}
	return 0;
}

int obj_parse_globals(struct bpf_obj_view *obj)
{
	uint32_t n = btf__type_cnt(obj->btf);

	for (uint32_t id = 1; id < n; id++) {
		const struct btf_type *t = btf__type_by_id(obj->btf, id);
		const char *name;
		int err;

		if (!btf_is_datasec(t))
			continue;
		name = btf__name_by_offset(obj->btf, t->name_off);
		if (!name || (strncmp(name, ".data", 5) && strncmp(name, ".rodata", 7) &&
			      strncmp(name, ".bss", 4)))
			continue;
		err = add_globals(obj, t, name);
		if (err)
			return err;
	}
	return 0;
}
