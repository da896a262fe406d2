/* SPDX-License-Identifier: Apache-2.0 */
/* Feature tables: what a kernel offers, read from the UAPI enums in its own BTF. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <bpf/btf.h>

#include "features_internal.h"

static const struct {
	const char *enum_name;
	const char *prefix; /* enumerators kept; the __MAX_* sentinels are dropped */
	const char *kind_name;
} feature_enums[BTF_FEATURE_KIND_COUNT] = {
    [BTF_FEATURE_HELPER] = {"bpf_func_id", "BPF_FUNC_", "helper"},
    [BTF_FEATURE_MAP_TYPE] = {"bpf_map_type", "BPF_MAP_TYPE_", "map_type"},
    [BTF_FEATURE_PROG_TYPE] = {"bpf_prog_type", "BPF_PROG_TYPE_", "prog_type"},
    [BTF_FEATURE_ATTACH_TYPE] = {"bpf_attach_type", "BPF_", "attach_type"},
    [BTF_FEATURE_PROG_LOADS] = {NULL, "BPF_PROG_TYPE_", "prog_loads"},
    [BTF_FEATURE_PROG_HELPER] = {NULL, "", "prog_helper"},
};

const char *btf_feature_kind_name(enum btf_feature_kind kind)
{
	return kind < BTF_FEATURE_KIND_COUNT ? feature_enums[kind].kind_name : "unknown";
}

int btf_features_add(struct btf_features *f, size_t *cap, enum btf_feature_kind kind,
		     const char *name, int64_t value)
{
	if (f->count >= *cap) {
		size_t ncap = f->count > *cap ? f->count * 2 : *cap ? *cap * 2 : 256;
		struct btf_feature *n = realloc(f->items, ncap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		f->items = n;
		*cap = ncap;
	}
	f->items[f->count].kind = kind;
	snprintf(f->items[f->count].name, sizeof(f->items[0].name), "%s", name);
	f->items[f->count].value = value;
	f->count++;
	return 0;
}

/* Find enum @name; the 4.18 non-deduplicated BTF has copies: any complete one will do. */
static int find_enum(const struct btf *btf, const char *name)
{
	int id = btf__find_by_name_kind(btf, name, BTF_KIND_ENUM);

	if (id < 0)
		id = btf__find_by_name_kind(btf, name, BTF_KIND_ENUM64);
	return id;
}

static bool keep_enumerator(const char *name, const char *prefix)
{
	if (strncmp(name, prefix, strlen(prefix)))
		return false;
	name += strlen(prefix);
	return *name && strcasecmp(name, "unspec") && !strstr(name, "MAX");
}

static int read_enum(const struct btf *btf, enum btf_feature_kind kind, struct btf_features *f,
		     size_t *cap)
{
	int id = feature_enums[kind].enum_name ? find_enum(btf, feature_enums[kind].enum_name) : -1;
	const struct btf_type *t;
	int err;

	if (id < 0)
		return 0;
	t = btf__type_by_id(btf, id);
	f->known[kind] = true;
	for (int i = 0; i < btf_vlen(t); i++) {
		const char *name;
		int64_t value;

		if (btf_is_enum(t)) {
			name = btf__name_by_offset(btf, btf_enum(t)[i].name_off);
			value = btf_enum(t)[i].val;
		} else {
			name = btf__name_by_offset(btf, btf_enum64(t)[i].name_off);
			value = (int64_t)btf_enum64_value(&btf_enum64(t)[i]);
		}
		if (!name || !keep_enumerator(name, feature_enums[kind].prefix))
			continue;
		err = btf_features_add(f, cap, kind, name, value);
		if (err)
			return err;
	}
	return 0;
}

int btf_features_read(const struct btf *btf, struct btf_features *out)
{
	size_t cap = 0;
	int err;

	memset(out, 0, sizeof(*out));
	for (int k = 0; k < BTF_FEATURE_KIND_COUNT; k++) {
		err = read_enum(btf, k, out, &cap);
		if (err) {
			btf_features_free(out);
			return err;
		}
	}
	return 0;
}

void btf_features_free(struct btf_features *f)
{
	free(f->items);
	memset(f, 0, sizeof(*f));
}

void btf_feature_display_name(const struct btf_feature *f, char *buf, size_t size)
{
	const char *prefix = feature_enums[f->kind].prefix;
	const char *rest = f->name + strlen(prefix);
	size_t i;

	if (f->kind == BTF_FEATURE_HELPER) {
		snprintf(buf, size, "bpf_%s", rest);
		return;
	}
	for (i = 0; rest[i] && i + 1 < size; i++)
		buf[i] = (char)tolower((unsigned char)rest[i]);
	buf[i] = '\0';
}
