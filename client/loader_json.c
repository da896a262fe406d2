/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Values as JSON, through BTF: structs as objects (anonymous members inlined), arrays as
 * arrays, char arrays as strings (bytes above 0x7f as the text \xNN, so the output stays
 * valid UTF-8), integers as exact JSON numbers (64-bit too), enums by name, pointers as
 * "0x..." strings.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "loader_internal.h"

#define MAX_DEPTH 32

static cJSON *json_value(const struct btf *btf, __u32 id, const void *p, int depth);

static cJSON *json_string(const char *s, size_t max)
{
	size_t n = strnlen(s, max), len = 0;
	char *buf = malloc(4 * n + 1);
	cJSON *j;

	if (!buf)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x80)
			buf[len++] = (char)c;
		else
			len += (size_t)snprintf(buf + len, 5, "\\x%02x", c);
	}
	buf[len] = '\0';
	j = cJSON_CreateString(buf);
	free(buf);
	return j;
}

static cJSON *json_scalar(const struct btf *btf, __u32 id, const void *p, __u32 bit_off,
			  __u32 bit_size)
{
	struct btf_scalar sc;
	char buf[80];

	if (btf_scalar_read(btf, id, p, bit_off, bit_size, &sc))
		return cJSON_CreateNull();
	btf_scalar_text(&sc, buf, sizeof(buf));
	switch (sc.kind) {
	case BTF_SCALAR_SIGNED:
	case BTF_SCALAR_UNSIGNED:
		return cJSON_CreateRaw(buf); /* exact, unlike a double */
	case BTF_SCALAR_BOOL:
		return cJSON_CreateBool(sc.u != 0);
	case BTF_SCALAR_FLOAT:
		return isfinite(sc.f) ? cJSON_CreateNumber(sc.f) : cJSON_CreateString(buf);
	case BTF_SCALAR_ENUM:
		return sc.name ? cJSON_CreateString(buf) : cJSON_CreateRaw(buf);
	default:
		return cJSON_CreateString(buf);
	}
}

static cJSON *json_array(const struct btf *btf, const struct btf_type *t, const void *p, int depth)
{
	const struct btf_array *a = btf_array(t);
	__s64 esz = btf__resolve_size(btf, a->type);
	cJSON *arr = cJSON_CreateArray();

	for (__u32 i = 0; arr && esz > 0 && i < a->nelems; i++)
		cJSON_AddItemToArray(
		    arr, json_value(btf, a->type, (const char *)p + i * esz, depth + 1));
	return arr;
}

static void json_members(cJSON *obj, const struct btf *btf, const struct btf_type *t, const void *p,
			 int depth)
{
	for (__u16 i = 0; i < btf_vlen(t); i++) {
		const struct btf_member *m = &btf_members(t)[i];
		const char *name = btf__name_by_offset(btf, m->name_off);
		__u32 bit_off = btf_member_bit_offset(t, i), bits = btf_member_bitfield_size(t, i);
		const struct btf_type *mt = btf__type_by_id(btf, btf_value_resolve(btf, m->type));
		cJSON *v;

		if ((!name || !name[0]) && mt && btf_is_composite(mt)) {
			json_members(obj, btf, mt, (const char *)p + bit_off / 8, depth + 1);
			continue;
		}
		if (bits || bit_off % 8)
			v = json_scalar(btf, m->type, p, bit_off, bits);
		else
			v = json_value(btf, m->type, (const char *)p + bit_off / 8, depth + 1);
		cJSON_AddItemToObject(obj, name && name[0] ? name : "_", v);
	}
}

static cJSON *json_value(const struct btf *btf, __u32 id, const void *p, int depth)
{
	const struct btf_type *t = btf__type_by_id(btf, btf_value_resolve(btf, id));
	cJSON *obj;

	if (!t || depth > MAX_DEPTH)
		return cJSON_CreateNull();
	if (btf_value_is_string(btf, id))
		return json_string(p, btf_array(t)->nelems);
	if (btf_is_array(t))
		return json_array(btf, t, p, depth);
	if (!btf_is_composite(t))
		return json_scalar(btf, id, p, 0, 0);
	obj = cJSON_CreateObject();
	if (obj)
		json_members(obj, btf, t, p, depth);
	return obj;
}

cJSON *fmt_json_value(const struct btf *btf, __u32 id, const void *p)
{
	return json_value(btf, id, p, 0);
}

cJSON *fmt_json_hex(const void *p, size_t size)
{
	const unsigned char *b = p;
	char *buf = malloc(2 * size + 1);
	cJSON *j;

	if (!buf)
		return NULL;
	for (size_t i = 0; i < size; i++)
		snprintf(buf + 2 * i, 3, "%02x", b[i]);
	buf[2 * size] = '\0';
	j = cJSON_CreateString(buf);
	free(buf);
	return j;
}

cJSON *fmt_json_any(const struct btf *btf, __u32 id, const void *p, size_t size)
{
	return id ? fmt_json_value(btf, id, p) : fmt_json_hex(p, size);
}

void fmt_json_line(FILE *out, cJSON *json)
{
	char *text = json ? json_print(json, false) : NULL;

	fputs(text ? text : "null", out);
	fputc('\n', out);
	free(text);
	cJSON_Delete(json);
}

/* The first @n elements of array type @id at @p (a string: at most @n bytes). */
static cJSON *json_array_part(const struct btf *btf, __u32 id, const void *p, __u32 n)
{
	const struct btf_type *t = btf__type_by_id(btf, btf_value_resolve(btf, id));
	const struct btf_array *a = btf_array(t);
	__s64 esz = btf__resolve_size(btf, a->type);
	cJSON *arr;

	if (btf_value_is_string(btf, id))
		return json_string(p, n);
	arr = cJSON_CreateArray();
	for (__u32 i = 0; arr && esz > 0 && i < n; i++)
		cJSON_AddItemToArray(arr, json_value(btf, a->type, (const char *)p + i * esz, 1));
	return arr;
}

cJSON *fmt_json_partial(const struct btf *btf, __u32 id, const void *p, size_t size)
{
	const struct btf_type *t = btf__type_by_id(btf, btf_value_resolve(btf, id));
	cJSON *obj = cJSON_CreateObject();

	for (__u16 i = 0; obj && t && btf_is_struct(t) && i < btf_vlen(t); i++) {
		const struct btf_member *m = &btf_members(t)[i];
		const char *name = btf__name_by_offset(btf, m->name_off);
		__u32 bit_off = btf_member_bit_offset(t, i), bits = btf_member_bitfield_size(t, i);
		const struct btf_type *mt = btf__type_by_id(btf, btf_value_resolve(btf, m->type));
		__u32 n = 0;
		enum part part = val_member_part(btf, t, i, size, &n);
		cJSON *v;

		if (part == PART_NONE)
			break;
		if ((!name || !name[0]) && mt && btf_is_composite(mt)) {
			json_members(obj, btf, mt, (const char *)p + bit_off / 8, 1);
			continue;
		}
		if (bits || bit_off % 8)
			v = json_scalar(btf, m->type, p, bit_off, bits);
		else if (part == PART_ALL)
			v = json_value(btf, m->type, (const char *)p + bit_off / 8, 1);
		else
			v = json_array_part(btf, m->type, (const char *)p + bit_off / 8, n);
		cJSON_AddItemToObject(obj, name && name[0] ? name : "_", v);
	}
	return obj;
}
