/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Why a relocation does not resolve, in words: the type, the field path and the kernel, and a
 * member or enumerator of a similar name when the kernel has one
 * ("task_struct.__state: no such field in 5.10.0-32-cloud-amd64 (it has 'state')").
 */
#include <string.h>

#include "core_internal.h"

#define NAME_MAX_CMP 64

static const char *name_of(const struct btf *btf, uint32_t off)
{
	const char *s = btf__name_by_offset(btf, off);

	return s ? s : "";
}

static const char *kind_word(const struct btf_type *t)
{
	switch (btf_kind(t)) {
	case BTF_KIND_STRUCT:
		return "struct";
	case BTF_KIND_UNION:
		return "union";
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64:
		return "enum";
	case BTF_KIND_TYPEDEF:
		return "typedef";
	case BTF_KIND_FWD:
		return btf_kflag(t) ? "union" : "struct";
	default:
		return "type";
	}
}

void core_type_describe(const struct btf *btf, uint32_t id, char *buf, size_t size)
{
	const struct btf_type *t = btf_skip_mods(btf, id, &id);
	const char *name = t ? name_of(btf, t->name_off) : "";

	if (!t)
		snprintf(buf, size, "?");
	else if (btf_is_int(t) || btf_is_float(t))
		snprintf(buf, size, "'%s'", name);
	else if (btf_is_ptr(t))
		snprintf(buf, size, "a pointer");
	else if (btf_is_array(t))
		snprintf(buf, size, "an array");
	else if (btf_is_func_proto(t))
		snprintf(buf, size, "a function");
	else if (!id)
		snprintf(buf, size, "void");
	else
		snprintf(buf, size, "%s %s", kind_word(t), *name ? name : "(anonymous)");
}

/* The root type's name without its flavor: task_struct___pre514 -> task_struct. */
static void root_name(const struct core_spec *s, char *buf, size_t size)
{
	const struct btf_type *t = btf__type_by_id(s->btf, s->root_id);
	const char *name = t ? name_of(s->btf, t->name_off) : "";

	if (!*name)
		name = "(anonymous)";
	snprintf(buf, size, "%.*s", (int)core_essential_len(name), name);
}

void core_spec_path(const struct core_spec *s, int depth, char *buf, size_t size)
{
	size_t n;

	root_name(s, buf, size);
	n = strlen(buf);
	if (depth < 0 || depth >= s->len)
		depth = s->len - 1;
	for (int i = 1; i <= depth && n < size; i++) {
		if (s->acc[i].name)
			n += (size_t)snprintf(buf + n, size - n, ".%s", s->acc[i].name);
		else
			n += (size_t)snprintf(buf + n, size - n, "[%u]", s->acc[i].idx);
	}
}

static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strnlen(a, NAME_MAX_CMP), lb = strnlen(b, NAME_MAX_CMP);
	size_t row[NAME_MAX_CMP + 1];

	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diag = row[0];

		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t up = row[j];
			size_t best = diag + (a[i - 1] != b[j - 1]);

			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

/*
 * How close @have is to @want; (size_t)-1 if not close at all. One contains the other
 * ("__state", "state"), or the parts after their common prefix are a few edits apart
 * (BPF_FUNC_loop is not close to BPF_FUNC_bind).
 */
static size_t similarity(const char *want, const char *have)
{
	size_t p = 0, d, rest, limit;

	if (strlen(have) >= 3 && (strstr(want, have) || strstr(have, want)))
		return edit_distance(want, have) - 1;
	while (want[p] && want[p] == have[p])
		p++;
	d = edit_distance(want + p, have + p);
	rest = strlen(want + p);
	limit = rest / 3 > 2 ? rest / 3 : 2;
	return d <= limit && d < rest ? d : (size_t)-1;
}

struct suggestion {
	const char *want;
	const char *best;
	size_t score;
};

static void consider(struct suggestion *sg, const char *name)
{
	size_t s;

	if (!*name || !strcmp(name, sg->want))
		return;
	s = similarity(sg->want, name);
	if (s < sg->score) {
		sg->score = s;
		sg->best = name;
	}
}

/* Members of record @id, anonymous members' members included. */
static void suggest_member(const struct btf *btf, uint32_t id, struct suggestion *sg, int depth)
{
	const struct btf_type *t = btf_skip_mods(btf, id, NULL);
	const struct btf_member *m;

	if (!t || !btf_is_composite(t) || depth > 8)
		return;
	m = btf_members(t);
	for (int i = 0; i < btf_vlen(t); i++, m++) {
		if (m->name_off)
			consider(sg, name_of(btf, m->name_off));
		else
			suggest_member(btf, m->type, sg, depth + 1);
	}
}

static void suggest_enumval(const struct btf *btf, uint32_t id, struct suggestion *sg)
{
	const struct btf_type *t = btf_skip_mods(btf, id, NULL);

	for (int i = 0; t && btf_is_any_enum(t) && i < btf_vlen(t); i++)
		consider(sg, name_of(btf, core_enum_name_off(t, i)));
}

static void add_hint(const struct suggestion *sg, char *msg, size_t size)
{
	size_t n = strlen(msg);

	if (sg->best && n < size)
		snprintf(msg + n, size - n, " (it has '%s')", sg->best);
}

static void explain_type(const struct core_ctx *c, const struct core_spec *local, bool have_cands,
			 char *msg, size_t size)
{
	const struct btf_type *t = btf__type_by_id(local->btf, local->root_id);
	char name[128];
	const char *what = "";

	root_name(local, name, sizeof(name));
	if (local->kind == CORE_TYPE_SIZE)
		what = "; bpf_core_type_size() gives 0";
	else if (local->kind == CORE_TYPE_ID_TARGET)
		what = "; bpf_core_type_id_kernel() gives 0";
	if (have_cands)
		snprintf(msg, size, "%s %s: not compatible with the type of that name in %s%s",
			 kind_word(t), name, c->release, what);
	else
		snprintf(msg, size, "%s %s: no such type in %s%s", kind_word(t), name, c->release,
			 what);
}

static void explain_enumval(const struct core_ctx *c, const struct core_spec *local,
			    const struct core_miss *ms, char *msg, size_t size)
{
	struct suggestion sg = {.want = local->acc[0].name, .score = (size_t)-1};
	char name[128];

	root_name(local, name, sizeof(name));
	snprintf(msg, size, "enum %s: no value %s in %s", name, sg.want, c->release);
	suggest_enumval(c->kernel, ms->targ_id, &sg);
	add_hint(&sg, msg, size);
}

static void explain_field(const struct core_ctx *c, const struct core_spec *local,
			  const struct core_miss *ms, char *msg, size_t size)
{
	const struct core_acc *acc = &local->acc[ms->depth];
	char path[256], have[128], want[128];

	core_spec_path(local, ms->depth, path, sizeof(path));
	switch (ms->reason) {
	case CORE_MISS_NO_MEMBER: {
		struct suggestion sg = {.want = acc->name, .score = (size_t)-1};

		snprintf(msg, size, "%s: no such field in %s", path, c->release);
		suggest_member(c->kernel, ms->targ_id, &sg, 0);
		add_hint(&sg, msg, size);
		break;
	}
	case CORE_MISS_INCOMPAT:
		core_type_describe(c->kernel, ms->member_type, have, sizeof(have));
		core_type_describe(
		    local->btf,
		    btf_members(btf__type_by_id(local->btf, acc->type_id))[acc->idx].type, want,
		    sizeof(want));
		snprintf(msg, size,
			 "%s: incompatible type in %s (the kernel has %s, the program %s)", path,
			 c->release, have, want);
		break;
	case CORE_MISS_NOT_COMPOSITE:
		core_type_describe(c->kernel, ms->targ_id, have, sizeof(have));
		snprintf(msg, size, "%s: the field holding it is %s in %s, not a struct or union",
			 path, have, c->release);
		break;
	case CORE_MISS_NOT_ARRAY:
		core_type_describe(c->kernel, ms->targ_id, have, sizeof(have));
		snprintf(msg, size, "%s: not an array in %s (it is %s)", path, c->release, have);
		break;
	case CORE_MISS_INDEX:
		snprintf(msg, size, "%s: index out of range in %s (the array has %u elements)",
			 path, c->release,
			 btf_array(btf__type_by_id(c->kernel, ms->targ_id))->nelems);
		break;
	default:
		snprintf(msg, size, "%s: not compatible with %s", path, c->release);
		break;
	}
}

void core_explain_miss(const struct core_ctx *c, const struct core_spec *local,
		       const struct core_miss *ms, bool have_cands, char *kind, size_t ksize,
		       char *msg, size_t size)
{
	bool enumval = core_kind_is_enumval(local->kind);

	if (!have_cands || ms->reason == CORE_MISS_TYPE || ms->reason == CORE_MISS_NONE) {
		snprintf(kind, ksize, "%s", enumval ? "enum" : "type");
		explain_type(c, local, have_cands, msg, size);
	} else if (enumval) {
		snprintf(kind, ksize, "enum");
		explain_enumval(c, local, ms, msg, size);
	} else {
		snprintf(kind, ksize, "field");
		explain_field(c, local, ms, msg, size);
	}
}
