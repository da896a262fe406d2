/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Parameters: the program's read-only globals (`const volatile` variables in .rodata),
 * found in the object's BTF DATASEC ".rodata" and written into the map's initial value
 * before load. Values: integers (decimal or 0x hex, range-checked by the BTF encoding),
 * bools (true/false/1/0/yes/no), strings for char arrays, enums by enumerator name.
 */
#include <ctype.h>
#include <stdarg.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "loader_internal.h"

int params_rodata(struct bpf_object *obj, struct bpf_map **map, __u32 *datasec_id)
{
	const struct btf *btf = bpf_object__btf(obj);
	struct bpf_map *m;

	if (!btf)
		return -ENOENT;
	bpf_object__for_each_map(m, obj) {
		__u32 id = bpf_map__btf_value_type_id(m);
		const struct btf_type *t = btf__type_by_id(btf, id);
		const char *name = t ? btf__name_by_offset(btf, t->name_off) : NULL;

		if (bpf_map__is_internal(m) && t && btf_is_datasec(t) && name &&
		    !strcmp(name, ".rodata")) {
			*map = m;
			*datasec_id = id;
			return 0;
		}
	}
	return -ENOENT;
}

/* Whether the mods before the first real type of @id include volatile; for an array, those
 * of its element (C puts `const volatile char s[4]`'s qualifiers there). */
static bool is_volatile(const struct btf *btf, __u32 id)
{
	const struct btf_type *t = btf__type_by_id(btf, id);

	for (; t && btf_is_mod(t); t = btf__type_by_id(btf, t->type))
		if (btf_kind(t) == BTF_KIND_VOLATILE)
			return true;
	return t && btf_is_array(t) && is_volatile(btf, btf_array(t)->type);
}

/* The variable of @vsi if it is a parameter (a named `volatile` one), else NULL; its type
 * without the outer qualifiers goes to @type_id. */
static const char *param_name(const struct btf *btf, const struct btf_var_secinfo *vsi,
			      __u32 *type_id)
{
	const struct btf_type *v = btf__type_by_id(btf, vsi->type), *t;
	const char *name;

	if (!v || !btf_is_var(v))
		return NULL;
	name = btf__name_by_offset(btf, v->name_off);
	if (!name || !name[0] || strchr(name, '.') || !is_volatile(btf, v->type))
		return NULL;
	*type_id = v->type;
	for (t = btf__type_by_id(btf, v->type); t && btf_is_mod(t);
	     t = btf__type_by_id(btf, t->type))
		*type_id = t->type;
	return name;
}

/* "pid_t", "unsigned int", "char[16]", "enum mode", "struct x". */
static void type_name(const struct btf *btf, __u32 id, char *buf, size_t size)
{
	const struct btf_type *t = btf__type_by_id(btf, id);
	const char *name = t ? btf__name_by_offset(btf, t->name_off) : NULL;
	char elem[128];

	while (t && btf_is_mod(t)) {
		id = t->type;
		t = btf__type_by_id(btf, id);
		name = t ? btf__name_by_offset(btf, t->name_off) : NULL;
	}
	if (!t) {
		snprintf(buf, size, "void");
	} else if (btf_is_array(t)) {
		type_name(btf, btf_array(t)->type, elem, sizeof(elem));
		snprintf(buf, size, "%s[%u]", elem, btf_array(t)->nelems);
	} else if (btf_is_ptr(t)) {
		type_name(btf, t->type, elem, sizeof(elem));
		snprintf(buf, size, "%s *", elem);
	} else {
		const char *kind = btf_is_struct(t) ? "struct " : btf_is_union(t) ? "union " : "";

		if (btf_is_any_enum(t))
			kind = "enum ";
		snprintf(buf, size, "%s%s", kind, name && name[0] ? name : "(anon)");
	}
}

/* "target_pid (pid_t), comm (char[16])": the parameters, for hints. */
static void param_list(const struct btf *btf, const struct btf_type *sec, char *buf, size_t size)
{
	const struct btf_var_secinfo *vsi = btf_var_secinfos(sec);
	size_t len = 0;

	buf[0] = '\0';
	for (__u16 i = 0; i < btf_vlen(sec) && len < size; i++) {
		char tn[128];
		__u32 tid;
		const char *name = param_name(btf, &vsi[i], &tid);
		int n;

		if (!name)
			continue;
		type_name(btf, tid, tn, sizeof(tn));
		n = snprintf(buf + len, size - len, "%s%s (%s)", len ? ", " : "", name, tn);
		if (n < 0)
			break;
		len += (size_t)n;
	}
	if (!buf[0])
		snprintf(buf, size, "none");
}

__attribute__((format(printf, 3, 4))) static int bad(char *why, size_t n, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, n, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* Decimal or 0x hex, nothing else (no sign, no spaces). */
static bool parse_u64(const char *s, __u64 *out)
{
	int base = strncasecmp(s, "0x", 2) ? 10 : 16;
	const char *p = base == 16 ? s + 2 : s;
	unsigned long long v;
	char *end;

	if (!(base == 16 ? isxdigit((unsigned char)*p) : isdigit((unsigned char)*p)))
		return false;
	errno = 0;
	v = strtoull(p, &end, base);
	if (errno || *end)
		return false;
	*out = v;
	return true;
}

static bool parse_s64(const char *s, __s64 *out)
{
	bool neg = s[0] == '-';
	__u64 u;

	if (!parse_u64(s + neg, &u) || u > (neg ? (1ULL << 63) : (__u64)INT64_MAX))
		return false;
	*out = neg ? (__s64)(0 - u) : (__s64)u;
	return true;
}

static bool parse_bool(const char *s, __u64 *out)
{
	static const char *const yes[] = {"true", "1", "yes", "on"}, *const no[] = {"false", "0",
										    "no", "off"};

	for (size_t i = 0; i < 4; i++) {
		if (!strcasecmp(s, yes[i]) || !strcasecmp(s, no[i])) {
			*out = !strcasecmp(s, yes[i]);
			return true;
		}
	}
	return false;
}

static int parse_int(const struct btf_type *t, const char *v, void *dst, char *why, size_t n)
{
	__u32 enc = btf_int_encoding(t), bits = btf_int_bits(t);
	__s64 s;
	__u64 u;

	if (t->size > 8 || bits != t->size * 8 || btf_int_offset(t))
		return bad(why, n, "a %u-bit integer cannot be set", bits);
	if (enc & BTF_INT_BOOL) {
		if (!parse_bool(v, &u))
			return bad(why, n, "not a bool (true or false)");
	} else if (enc & BTF_INT_SIGNED) {
		__s64 max = bits == 64 ? INT64_MAX : (__s64)((1ULL << (bits - 1)) - 1);

		if (!parse_s64(v, &s) || s > max || s < -max - 1)
			return bad(why, n, "not a signed %u-bit integer (%lld..%lld)", bits,
				   (long long)(-max - 1), (long long)max);
		u = (__u64)s;
	} else {
		__u64 max = bits == 64 ? UINT64_MAX : (1ULL << bits) - 1;

		if (!parse_u64(v, &u) || u > max)
			return bad(why, n, "not an unsigned %u-bit integer (0..%llu)", bits,
				   (unsigned long long)max);
	}
	memcpy(dst, &u, t->size); /* little-endian: the low bytes */
	return 0;
}

static int parse_enum(const struct btf *btf, const struct btf_type *t, const char *v, void *dst,
		      char *why, size_t n)
{
	size_t len = 0;
	__s64 s;

	for (__u16 i = 0; i < btf_vlen(t); i++) {
		bool e32 = btf_is_enum(t);
		__u32 name_off = e32 ? btf_enum(t)[i].name_off : btf_enum64(t)[i].name_off;
		__u64 val =
		    e32 ? (__u64)(__s64)btf_enum(t)[i].val : btf_enum64_value(&btf_enum64(t)[i]);

		if (!strcmp(btf__name_by_offset(btf, name_off), v)) {
			memcpy(dst, &val, t->size);
			return 0;
		}
	}
	if (parse_s64(v, &s)) {
		memcpy(dst, &s, t->size);
		return 0;
	}
	len = (size_t)snprintf(why, n, "not one of");
	for (__u16 i = 0; i < btf_vlen(t) && len < n; i++) {
		__u32 off = btf_is_enum(t) ? btf_enum(t)[i].name_off : btf_enum64(t)[i].name_off;

		len += (size_t)snprintf(why + len, n - len, "%s %s", i ? "," : "",
					btf__name_by_offset(btf, off));
	}
	return -EINVAL;
}

int params_parse(const struct btf *btf, __u32 type_id, const char *value, void *dst, char *why,
		 size_t why_size)
{
	const struct btf_type *t = btf__type_by_id(btf, btf_value_resolve(btf, type_id));
	size_t len = strlen(value);

	if (t && btf_value_is_string(btf, type_id)) {
		if (len >= btf_array(t)->nelems)
			return bad(why, why_size, "longer than %u characters",
				   btf_array(t)->nelems - 1);
		memset(dst, 0, btf_array(t)->nelems);
		memcpy(dst, value, len);
		return 0;
	}
	if (t && btf_is_int(t))
		return parse_int(t, value, dst, why, why_size);
	if (t && btf_is_any_enum(t))
		return parse_enum(btf, t, value, dst, why, why_size);
	snprintf(why, why_size, "this type cannot be set from the command line");
	return -EINVAL;
}

static const struct btf_var_secinfo *find_param(const struct btf *btf, const struct btf_type *sec,
						const char *name, size_t name_len, __u32 *type_id)
{
	const struct btf_var_secinfo *vsi = btf_var_secinfos(sec);

	for (__u16 i = 0; i < btf_vlen(sec); i++) {
		const char *n = param_name(btf, &vsi[i], type_id);

		if (n && strlen(n) == name_len && !strncmp(n, name, name_len))
			return &vsi[i];
	}
	return NULL;
}

/* One NAME=VALUE into @data (the .rodata image of @size bytes). */
static int apply_one(const struct btf *btf, const struct btf_type *sec, const char *set, void *data,
		     size_t size, struct eucc_error *err)
{
	const char *eq = strchr(set, '=');
	const struct btf_var_secinfo *vsi;
	char why[256], list[512];
	__u32 tid;

	param_list(btf, sec, list, sizeof(list));
	if (!eq || eq == set) {
		eucc_error_set(err, -EINVAL, EUCC_E_BAD_PARAM, "--set wants NAME=VALUE, not '%s'",
			       set);
		eucc_error_hint(err, "parameters: %s", list);
		return -EINVAL;
	}
	vsi = find_param(btf, sec, set, (size_t)(eq - set), &tid);
	if (!vsi) {
		eucc_error_set(err, -EINVAL, EUCC_E_BAD_PARAM,
			       "--set %s: the program has no parameter "
			       "'%.*s'",
			       set, (int)(eq - set), set);
		eucc_error_hint(err, "parameters: %s", list);
		return -EINVAL;
	}
	if ((size_t)vsi->offset + vsi->size > size)
		return eucc_error_set(err, -EINVAL, EUCC_E_BAD_PARAM, "--set %s: bad BTF offset",
				      set);
	if (params_parse(btf, tid, eq + 1, (char *)data + vsi->offset, why, sizeof(why))) {
		eucc_error_set(err, -EINVAL, EUCC_E_BAD_PARAM, "--set %s: '%s' is %s", set, eq + 1,
			       why);
		eucc_error_hint(err, "parameters: %s", list);
		return -EINVAL;
	}
	return 0;
}

int params_apply(struct bpf_object *obj, const char *const *sets, size_t nsets,
		 struct eucc_error *err)
{
	const struct btf *btf = bpf_object__btf(obj);
	struct bpf_map *map;
	const void *init;
	size_t size;
	__u32 sec_id;
	void *data;
	int ret = 0;

	if (!nsets)
		return 0;
	if (params_rodata(obj, &map, &sec_id)) {
		eucc_error_set(err, -EINVAL, EUCC_E_BAD_PARAM,
			       "--set %s: the program has no parameters", sets[0]);
		eucc_error_hint(err, "parameters are `const volatile` globals of the program");
		return -EINVAL;
	}
	init = bpf_map__initial_value(map, &size);
	data = init ? malloc(size) : NULL;
	if (!data)
		return eucc_error_set(err, -ENOMEM, EUCC_E_IO, "no memory for the parameters");
	memcpy(data, init, size);
	for (size_t i = 0; i < nsets && !ret; i++)
		ret = apply_one(btf, btf__type_by_id(btf, sec_id), sets[i], data, size, err);
	if (!ret && bpf_map__set_initial_value(map, data, size))
		ret = eucc_error_set(err, -EINVAL, EUCC_E_BAD_PARAM, "cannot set the parameters");
	free(data);
	return ret;
}

int params_probe_global_data(void)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = BPF_F_RDONLY_PROG);
	int fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, NULL, 4, 4, 1, &opts), ret;

	if (fd < 0)
		return errno == EPERM || errno == EACCES ? -errno : 0;
	ret = bpf_map_freeze(fd) ? (errno == EPERM ? -EPERM : 0) : 1;
	close(fd);
	return ret;
}

/* The default as `run` prints values (fmt_text_value): scalars and strings with core.h's
 * btf_scalar_text and btf_string_text, as the manifest's defaults are, there with strings always
 * quoted. */
static char *default_text(const struct btf *btf, __u32 type_id, const void *p)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (!f)
		return NULL;
	fmt_text_value(f, btf, type_id, p);
	if (fclose(f)) {
		free(text);
		return NULL;
	}
	return text;
}

static int param_fill(struct loader_param *lp, const struct btf *btf, const char *name,
		      __u32 type_id, const void *p)
{
	char tn[128];

	type_name(btf, type_id, tn, sizeof(tn));
	lp->name = strdup(name);
	lp->type = strdup(tn);
	lp->def = default_text(btf, type_id, p);
	return lp->name && lp->type && lp->def ? 0 : -ENOMEM;
}

/* The parameters of an opened object, in declaration order. */
static int params_list(struct bpf_object *obj, struct loader_param **out, size_t *n)
{
	const struct btf *btf = bpf_object__btf(obj);
	const struct btf_type *sec;
	const struct btf_var_secinfo *vsi;
	struct bpf_map *map;
	const char *init;
	size_t size;
	__u32 sec_id;

	if (params_rodata(obj, &map, &sec_id))
		return 0;
	sec = btf__type_by_id(btf, sec_id);
	vsi = btf_var_secinfos(sec);
	init = bpf_map__initial_value(map, &size);
	*out = init ? calloc(btf_vlen(sec) + 1, sizeof(**out)) : NULL;
	if (!*out)
		return init ? -ENOMEM : 0;
	for (__u16 i = 0; i < btf_vlen(sec); i++) {
		__u32 tid;
		const char *name = param_name(btf, &vsi[i], &tid);

		if (!name || (size_t)vsi[i].offset + vsi[i].size > size)
			continue;
		if (param_fill(&(*out)[(*n)++], btf, name, tid, init + vsi[i].offset))
			return -ENOMEM;
	}
	return 0;
}

int loader_params(const struct loader_input *in, struct loader_param **out, size_t *n,
		  struct eucc_error *err)
{
	struct bpf_object *obj;
	int ret = load_open_object(in, NULL, &obj, err);

	*out = NULL;
	*n = 0;
	if (ret)
		return ret;
	ret = params_list(obj, out, n);
	bpf_object__close(obj);
	if (ret) {
		loader_params_free(*out, *n);
		*out = NULL;
		*n = 0;
		return eucc_error_set(err, ret, EUCC_E_INTERNAL, "no memory for the parameters");
	}
	return 0;
}

void loader_params_free(struct loader_param *params, size_t n)
{
	for (size_t i = 0; params && i < n; i++) {
		free(params[i].name);
		free(params[i].type);
		free(params[i].def);
	}
	free(params);
}
