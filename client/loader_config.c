/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Before the load, what a tool's own user space does to its object: maps sized at run time
 * (--map-size NAME=N: bpf_map__set_max_entries) and programs switched off
 * (--no-autoload PROG: bpf_program__set_autoload false).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "loader_internal.h"

/* "a, b, c" of the object's maps or programs, for an error that names a wrong one. */
static void names_of(struct bpf_object *obj, bool maps, char *buf, size_t size)
{
	struct bpf_program *prog;
	struct bpf_map *map;
	size_t used = 0;

	buf[0] = '\0';
#define ADD(name)                                                                                  \
	do {                                                                                       \
		if (used < size)                                                                   \
			used += (size_t)snprintf(buf + used, size - used, "%s%s",                  \
						 used ? ", " : "", name);                          \
	} while (0)
	if (maps) {
		bpf_object__for_each_map(map, obj)
			if (!bpf_map__is_internal(map))
				ADD(bpf_map__name(map));
	} else {
		bpf_object__for_each_program(prog, obj)
			ADD(bpf_program__name(prog));
	}
#undef ADD
}

static int no_such(struct bpf_object *obj, bool maps, const char *opt, const char *name,
		   struct eucc_error *err)
{
	char names[512];

	names_of(obj, maps, names, sizeof(names));
	eucc_error_set(err, -ENOENT, EUCC_E_BAD_PARAM, "%s: the package has no %s '%s'", opt,
		       maps ? "map" : "program", name);
	eucc_error_hint(err, "its %s: %s", maps ? "maps" : "programs", names[0] ? names : "none");
	return -ENOENT;
}

static int set_size(struct loader_ctx *ctx, const char *spec, struct eucc_error *err)
{
	const char *eq = strchr(spec, '=');
	char name[256], *end;
	unsigned long n;
	struct bpf_map *map;
	int ret;

	if (!eq || eq == spec || (size_t)(eq - spec) >= sizeof(name))
		return eucc_error_set(err, -EINVAL, EUCC_E_USAGE,
				      "--map-size wants NAME=N, not '%s'", spec);
	snprintf(name, sizeof(name), "%.*s", (int)(eq - spec), spec);
	errno = 0;
	n = strtoul(eq + 1, &end, 0);
	if (!eq[1] || *end || errno || n == 0 || n > UINT32_MAX || eq[1] == '-')
		return eucc_error_set(
		    err, -EINVAL, EUCC_E_USAGE,
		    "--map-size %s: N is a number of entries from 1 to %u, not '%s'", name,
		    UINT32_MAX, eq + 1);
	map = bpf_object__find_map_by_name(ctx->obj, name);
	if (!map || bpf_map__is_internal(map))
		return no_such(ctx->obj, true, "--map-size", name, err);
	ret = bpf_map__set_max_entries(map, (__u32)n);
	if (ret)
		return eucc_error_set(err, ret, EUCC_E_BAD_PARAM, "--map-size %s: %s", spec,
				      strerror(-ret));
	return 0;
}

int load_configure(struct loader_ctx *ctx, const struct loader_opts *opts, struct eucc_error *err)
{
	struct bpf_map *map;
	int ret;

	for (size_t i = 0; i < opts->nmap_sizes; i++) {
		ret = set_size(ctx, opts->map_sizes[i], err);
		if (ret)
			return ret;
	}
	for (size_t i = 0; i < opts->nno_autoload; i++) {
		struct bpf_program *prog =
		    bpf_object__find_program_by_name(ctx->obj, opts->no_autoload[i]);

		if (!prog)
			return no_such(ctx->obj, false, "--no-autoload", opts->no_autoload[i], err);
		bpf_program__set_autoload(prog, false);
	}
	bpf_object__for_each_map(map, ctx->obj) {
		if (bpf_map__is_internal(map) ||
		    !obj_map_user_sized(bpf_map__type(map), bpf_map__max_entries(map)))
			continue;
		eucc_error_set(err, -EINVAL, EUCC_E_BAD_PARAM,
			       "map '%s' (%s) is sized by its user space: it has max_entries 0 in "
			       "the object",
			       bpf_map__name(map),
			       libbpf_bpf_map_type_str(bpf_map__type(map)) ?: "?");
		eucc_error_hint(err,
				"run with --map-size %s=N (N entries, as the tool's own user "
				"space would size it)",
				bpf_map__name(map));
		return -EINVAL;
	}
	return 0;
}
