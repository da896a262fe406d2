/* SPDX-License-Identifier: Apache-2.0 */
/*
 * btf_source_validate: the full check of raw BTF, before anything else reads it.
 *
 * libbpf's parser checks the header and that each record fits in the type section; it trusts
 * type ids, string offsets, sizes and the shape of the type graph, and its C dumper (vmlinux.h)
 * recurses along the graph. BTF that reaches the store may come from anybody who can upload,
 * so it is checked here, in its own byte order, in four steps:
 *  1. the header and the sections: inside the data, not overlapping, strings NUL-delimited;
 *  2. every record: a kind libbpf knows, no unknown flag bits, vlen that fits the data, names
 *     inside the string section and spelled as C spells them, sane sizes and encodings;
 *  3. every reference: an existing type of a kind that may be referenced there;
 *  4. the graph: no cycle except through a pointer to a named struct or union (or a forward
 *     declaration), no chain longer than BV_MAX_DEPTH, members inside their struct, arrays that
 *     fit in 4 GiB, and a vmlinux.h of a size in proportion to the BTF (bv_cost).
 * Memory is a few bytes per type, so bounded by the input's size; nothing recurses.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <linux/btf.h>

#include "btf_source_internal.h"

#define BV_HDR_LEN 24
#define BV_REC_LEN 12
/* The longest chain of types without a pointer to a named record (real kernels: 33 to 36). */
#define BV_MAX_DEPTH 256
/* vmlinux.h at most one line per 4 bytes of types, or 65536 lines (see bv_cost). */
#define BV_HEADER_BYTES_PER_LINE 4
#define BV_HEADER_MIN_LINES	 65536

/* One type as the walk sees it. */
struct bv_node {
	uint32_t off;	/* of its record in the type section */
	uint32_t size;	/* resolved size in bytes (0: void, incomplete or not a type) */
	uint32_t bits;	/* bits a member of this type takes (an int's nr_bits, else size * 8) */
	uint16_t depth; /* longest chain below it */
	uint8_t kind;	/* after typedefs and modifiers (0: void) */
	uint8_t state;	/* BV_NEW, BV_OPEN (on the walk's path), BV_DONE */
	uint8_t brk;	/* does a pointer to it break a cycle (bv_ptr_breaks_cycle) */
	uint64_t cost;	/* lines the C dumper writes where it is named (bv_cost) */
};

enum { BV_NEW, BV_OPEN, BV_DONE };

struct bv {
	const uint8_t *types;
	uint32_t types_len;
	const char *strs;
	uint32_t strs_len;
	bool be;
	uint32_t n; /* types: ids 1..n */
	uint32_t ptr_size;
	uint64_t header_cost; /* lines of vmlinux.h, about */
	struct bv_node *node; /* [0] is void */
	uint32_t *stack_id, *stack_edge;
	struct eucc_error *err;
};

struct bv_rec {
	uint32_t name_off, info, size_type;
	unsigned int kind, vlen;
	bool kflag;
	uint32_t extra; /* offset of the data after the 12-byte record */
};

static const char *const kind_names[NR_BTF_KINDS] = {
    [BTF_KIND_INT] = "int",
    [BTF_KIND_PTR] = "ptr",
    [BTF_KIND_ARRAY] = "array",
    [BTF_KIND_STRUCT] = "struct",
    [BTF_KIND_UNION] = "union",
    [BTF_KIND_ENUM] = "enum",
    [BTF_KIND_FWD] = "fwd",
    [BTF_KIND_TYPEDEF] = "typedef",
    [BTF_KIND_VOLATILE] = "volatile",
    [BTF_KIND_CONST] = "const",
    [BTF_KIND_RESTRICT] = "restrict",
    [BTF_KIND_FUNC] = "func",
    [BTF_KIND_FUNC_PROTO] = "func_proto",
    [BTF_KIND_VAR] = "var",
    [BTF_KIND_DATASEC] = "datasec",
    [BTF_KIND_FLOAT] = "float",
    [BTF_KIND_DECL_TAG] = "decl_tag",
    [BTF_KIND_TYPE_TAG] = "type_tag",
    [BTF_KIND_ENUM64] = "enum64",
};

/* ---- reading ---------------------------------------------------------------------------- */

static uint32_t bv_u32(const struct bv *v, uint32_t off)
{
	return src_rd32(v->types + off, v->be);
}

static void bv_rec(const struct bv *v, uint32_t id, struct bv_rec *r)
{
	uint32_t off = v->node[id].off;

	r->name_off = bv_u32(v, off);
	r->info = bv_u32(v, off + 4);
	r->size_type = bv_u32(v, off + 8);
	r->kind = BTF_INFO_KIND(r->info);
	r->vlen = BTF_INFO_VLEN(r->info);
	r->kflag = BTF_INFO_KFLAG(r->info);
	r->extra = off + BV_REC_LEN;
}

/* Bytes of data after the record, for @kind with @vlen entries; -1 for an unknown kind. */
static int64_t bv_extra_len(unsigned int kind, unsigned int vlen)
{
	switch (kind) {
	case BTF_KIND_INT:
	case BTF_KIND_VAR:
	case BTF_KIND_DECL_TAG:
		return 4;
	case BTF_KIND_ARRAY:
		return 12;
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
	case BTF_KIND_DATASEC:
	case BTF_KIND_ENUM64:
		return (int64_t)vlen * 12;
	case BTF_KIND_ENUM:
	case BTF_KIND_FUNC_PROTO:
		return (int64_t)vlen * 8;
	case BTF_KIND_PTR:
	case BTF_KIND_FWD:
	case BTF_KIND_TYPEDEF:
	case BTF_KIND_VOLATILE:
	case BTF_KIND_CONST:
	case BTF_KIND_RESTRICT:
	case BTF_KIND_FUNC:
	case BTF_KIND_FLOAT:
	case BTF_KIND_TYPE_TAG:
		return 0;
	default:
		return -1;
	}
}

static const char *bv_str(const struct bv *v, uint32_t off)
{
	return off < v->strs_len ? v->strs + off : "";
}

/* ---- errors ----------------------------------------------------------------------------- */

static int bv_fail(struct eucc_error *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static int bv_fail(struct eucc_error *err, const char *fmt, ...)
{
	char msg[sizeof(err->message)];
	va_list ap;

	if (!err)
		return -EINVAL;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	eucc_error_set(err, -EINVAL, EUCC_E_BAD_INPUT, "invalid BTF: %s", msg);
	eucc_error_hint(err, "the BTF is damaged or was not made by a compiler or pahole: extract "
			     "it again from the kernel (/sys/kernel/btf/vmlinux, its vmlinux or "
			     "its package)");
	return -EINVAL;
}

/* "[12] struct 'task_struct'" */
static void bv_describe(const struct bv *v, uint32_t id, char *out, size_t size)
{
	struct bv_rec r;
	const char *name;

	if (!id || id > v->n) {
		snprintf(out, size, "[%u] void", id);
		return;
	}
	bv_rec(v, id, &r);
	name = bv_str(v, r.name_off);
	snprintf(out, size, "[%u] %s%s%.64s%s", id, kind_names[r.kind], *name ? " '" : "", name,
		 *name ? "'" : "");
}

static int bv_bad(const struct bv *v, uint32_t id, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int bv_bad(const struct bv *v, uint32_t id, const char *fmt, ...)
{
	char what[160], msg[800];
	va_list ap;

	if (!v->err)
		return -EINVAL;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	bv_describe(v, id, what, sizeof(what));
	return bv_fail(v->err, "type %s: %s", what, msg);
}

/* ---- the header and the sections -------------------------------------------------------- */

static int bv_sections(struct bv *v, const uint8_t *p, size_t size)
{
	uint32_t hdr_len, type_off, type_len, str_off, str_len;
	uint64_t t0, s0, total;
	int rc;

	/* the magic, the version and 24 bytes of header first: then the fields can be read */
	rc = src_btf_header_check(p, size, &total, v->err);
	if (rc)
		return rc;
	hdr_len = src_rd32(p + 4, v->be), type_off = src_rd32(p + 8, v->be);
	type_len = src_rd32(p + 12, v->be), str_off = src_rd32(p + 16, v->be);
	str_len = src_rd32(p + 20, v->be);
	t0 = (uint64_t)hdr_len + type_off, s0 = (uint64_t)hdr_len + str_off;
	if (p[3])
		return bv_fail(v->err, "header flags %#x: version 1 has none", p[3]);
	if (hdr_len != BV_HDR_LEN) /* libbpf reads longer ones only in its own byte order */
		return bv_fail(v->err, "a header of %u bytes: version 1 has 24", hdr_len);
	if (type_off % 4 || type_len % 4)
		return bv_fail(v->err, "the type section (%u bytes at %u) is not 4-byte aligned",
			       type_len, type_off);
	if (t0 < s0 + str_len && s0 < t0 + type_len)
		return bv_fail(v->err, "the type and string sections overlap");
	if (t0 + type_len > s0) /* as libbpf and the kernel lay it out */
		return bv_fail(v->err,
			       "the string section (at %u) comes before the type section "
			       "(at %u)",
			       str_off, type_off);
	if (!str_len || p[s0] || p[s0 + str_len - 1])
		return bv_fail(v->err,
			       "the string section (%u bytes) does not start and end "
			       "with a NUL byte",
			       str_len);
	v->types = p + t0;
	v->types_len = type_len;
	v->strs = (const char *)p + s0;
	v->strs_len = str_len;
	return 0;
}

/* ---- names ------------------------------------------------------------------------------ */

enum bv_name {
	NAME_NONE,	/* must be empty */
	NAME_IDENT_OPT, /* a C identifier or empty (anonymous) */
	NAME_IDENT,	/* a C identifier */
	NAME_TYPE,	/* a base type's name ("unsigned int", "_Bool") or empty */
	NAME_SECTION,	/* ".data..percpu": printable, no spaces */
	NAME_TAG,	/* an attribute's text: printable, no quotes or backslashes */
};

static bool bv_ident(const char *s)
{
	if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || *s == '_'))
		return false;
	for (s++; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '_'))
			return false;
	return true;
}

static bool bv_chars(const char *s, bool space, const char *refused)
{
	for (; *s; s++)
		if (*s < 0x21 || *s > 0x7e) {
			if (!(space && *s == ' '))
				return false;
		} else if (strchr(refused, *s)) {
			return false;
		}
	return true;
}

static bool bv_name_ok(const char *s, enum bv_name rule)
{
	switch (rule) {
	case NAME_NONE:
		return !*s;
	case NAME_IDENT_OPT:
		return !*s || bv_ident(s);
	case NAME_IDENT:
		return bv_ident(s);
	case NAME_TYPE:
		return bv_chars(s, true, "!\"#$%&'()*+,-./:;<=>?@[\\]^`{|}~") && *s != ' ';
	case NAME_SECTION:
		return *s && bv_chars(s, false, "\"\\");
	case NAME_TAG:
		return *s && bv_chars(s, true, "\"\\");
	}
	return false;
}

/* At most 64 characters of @s for a message, anything but printable ASCII as '?'. */
static const char *bv_printable(const char *s, char *out, size_t size)
{
	size_t i = 0;

	for (; s[i] && i < size - 1 && i < 64; i++)
		out[i] = s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?';
	out[i] = '\0';
	return out;
}

/* @what names the string for the message: "name", "member 3's name". */
static int bv_name(const struct bv *v, uint32_t id, uint32_t off, enum bv_name rule,
		   const char *what)
{
	char shown[72];

	if (off >= v->strs_len)
		return bv_bad(v, id, "%s at string offset %u: the string section has %u bytes",
			      what, off, v->strs_len);
	if (!bv_name_ok(v->strs + off, rule))
		return bv_bad(v, id, "%s \"%s\" is not %s", what,
			      bv_printable(v->strs + off, shown, sizeof(shown)),
			      rule == NAME_NONE	     ? "empty (this kind has no name)"
			      : rule == NAME_TYPE    ? "a base type's name"
			      : rule == NAME_TAG     ? "a tag (printable, no quotes)"
			      : rule == NAME_SECTION ? "a section name"
						     : "a C identifier");
	return 0;
}

/* ---- step 2: each record on its own ----------------------------------------------------- */

static enum bv_name bv_name_rule(unsigned int kind)
{
	switch (kind) {
	case BTF_KIND_INT:
	case BTF_KIND_FLOAT:
		return NAME_TYPE;
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64:
		return NAME_IDENT_OPT;
	case BTF_KIND_FWD:
	case BTF_KIND_TYPEDEF:
	case BTF_KIND_FUNC:
	case BTF_KIND_VAR:
		return NAME_IDENT;
	case BTF_KIND_DATASEC:
		return NAME_SECTION;
	case BTF_KIND_DECL_TAG:
	case BTF_KIND_TYPE_TAG:
		return NAME_TAG;
	default:
		return NAME_NONE;
	}
}

/* Kinds that may carry the kind flag (bitfields, union fwd, signed enums, tag flavours). */
static bool bv_kflag_ok(unsigned int kind)
{
	return kind == BTF_KIND_STRUCT || kind == BTF_KIND_UNION || kind == BTF_KIND_FWD ||
	       kind == BTF_KIND_ENUM || kind == BTF_KIND_ENUM64 || kind == BTF_KIND_DECL_TAG ||
	       kind == BTF_KIND_TYPE_TAG;
}

/* Kinds with entries after the record; the others must have vlen 0 (FUNC: the linkage). */
static bool bv_has_vlen(unsigned int kind)
{
	return kind == BTF_KIND_STRUCT || kind == BTF_KIND_UNION || kind == BTF_KIND_ENUM ||
	       kind == BTF_KIND_ENUM64 || kind == BTF_KIND_FUNC_PROTO || kind == BTF_KIND_DATASEC;
}

static bool bv_size_in(uint32_t size, const uint32_t *ok, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (size == ok[i])
			return true;
	return false;
}

static int bv_int(const struct bv *v, uint32_t id, const struct bv_rec *r)
{
	static const uint32_t sizes[] = {1, 2, 4, 8, 16};
	uint32_t data = bv_u32(v, r->extra);
	uint32_t enc = BTF_INT_ENCODING(data), off = BTF_INT_OFFSET(data),
		 bits = BTF_INT_BITS(data);

	if (!bv_size_in(r->size_type, sizes, 5))
		return bv_bad(v, id, "size %u (an int has 1, 2, 4, 8 or 16 bytes)", r->size_type);
	if (data & 0xf000ff00)
		return bv_bad(v, id, "unknown bits set in its encoding (%#x)", data);
	if (enc != 0 && enc != BTF_INT_SIGNED && enc != BTF_INT_CHAR && enc != BTF_INT_BOOL)
		return bv_bad(v, id, "unknown encoding %#x", enc);
	if (!bits || bits > 128 || off + bits > r->size_type * 8)
		return bv_bad(v, id, "%u bits at bit %u do not fit in %u bytes", bits, off,
			      r->size_type);
	return 0;
}

/* The names of a record's vlen entries (@step bytes each, the name offset first). */
static int bv_entry_names(const struct bv *v, uint32_t id, const struct bv_rec *r, uint32_t step,
			  enum bv_name rule, const char *entry)
{
	char what[48];
	int rc;

	for (unsigned int i = 0; i < r->vlen; i++) {
		snprintf(what, sizeof(what), "%s %u's name", entry, i);
		rc = bv_name(v, id, bv_u32(v, r->extra + i * step), rule, what);
		if (rc)
			return rc;
	}
	return 0;
}

static int bv_members(const struct bv *v, uint32_t id, const struct bv_rec *r)
{
	return bv_entry_names(v, id, r, 12, NAME_IDENT_OPT, "member");
}

static int bv_enum(const struct bv *v, uint32_t id, const struct bv_rec *r)
{
	static const uint32_t sizes[] = {1, 2, 4, 8};
	uint32_t step = r->kind == BTF_KIND_ENUM ? 8 : 12;

	if (!bv_size_in(r->size_type, sizes, 4))
		return bv_bad(v, id, "size %u (an enum has 1, 2, 4 or 8 bytes)", r->size_type);
	return bv_entry_names(v, id, r, step, NAME_IDENT, "enumerator");
}

static int bv_params(const struct bv *v, uint32_t id, const struct bv_rec *r)
{
	return bv_entry_names(v, id, r, 8, NAME_IDENT_OPT, "parameter");
}

static int bv_record_kind(const struct bv *v, uint32_t id, const struct bv_rec *r)
{
	static const uint32_t float_sizes[] = {2, 4, 8, 12, 16};

	switch (r->kind) {
	case BTF_KIND_INT:
		return bv_int(v, id, r);
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
		return bv_members(v, id, r);
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64:
		return bv_enum(v, id, r);
	case BTF_KIND_FUNC_PROTO:
		return bv_params(v, id, r);
	case BTF_KIND_ARRAY:
		return r->size_type ? bv_bad(v, id, "an array with a size field (%u)", r->size_type)
				    : 0;
	case BTF_KIND_FUNC:
		return r->vlen > BTF_FUNC_EXTERN ? bv_bad(v, id, "unknown linkage %u", r->vlen) : 0;
	case BTF_KIND_VAR:
		return bv_u32(v, r->extra) > BTF_VAR_GLOBAL_EXTERN
			   ? bv_bad(v, id, "unknown linkage %u", bv_u32(v, r->extra))
			   : 0;
	case BTF_KIND_FLOAT:
		return bv_size_in(r->size_type, float_sizes, 5)
			   ? 0
			   : bv_bad(v, id, "size %u (a float has 2, 4, 8, 12 or 16 bytes)",
				    r->size_type);
	case BTF_KIND_DECL_TAG:
		return (int32_t)bv_u32(v, r->extra) < -1
			   ? bv_bad(v, id, "component %d", (int32_t)bv_u32(v, r->extra))
			   : 0;
	default:
		return 0;
	}
}

static int bv_record(const struct bv *v, uint32_t id)
{
	struct bv_rec r;
	int rc;

	bv_rec(v, id, &r);
	if (r.info & 0x60ff0000)
		return bv_bad(v, id, "unknown bits set in its info word (%#x)", r.info);
	if (r.kflag && !bv_kflag_ok(r.kind))
		return bv_bad(v, id, "the kind flag is set on a kind that has none");
	if (r.vlen && !bv_has_vlen(r.kind) && r.kind != BTF_KIND_FUNC)
		return bv_bad(v, id, "vlen %u on a kind that has no entries", r.vlen);
	rc = bv_name(v, id, r.name_off, bv_name_rule(r.kind), "name");
	return rc ? rc : bv_record_kind(v, id, &r);
}

/* Walk the type section: every record whole, its entries inside the section. */
static int bv_records(struct bv *v)
{
	uint32_t pos = 0;
	int rc;

	while (pos < v->types_len) {
		uint32_t info, id = v->n + 1;
		int64_t extra;

		if (v->types_len - pos < BV_REC_LEN)
			return bv_fail(v->err,
				       "type [%u] at offset %u is cut short by the end of "
				       "the type section",
				       id, pos);
		info = bv_u32(v, pos + 4);
		extra = bv_extra_len(BTF_INFO_KIND(info), BTF_INFO_VLEN(info));
		if (extra < 0)
			return bv_fail(v->err, "type [%u] at offset %u has unknown kind %u", id,
				       pos, BTF_INFO_KIND(info));
		if ((uint64_t)extra > v->types_len - pos - BV_REC_LEN)
			return bv_fail(v->err,
				       "type [%u] at offset %u: vlen %u needs %lld bytes, the type "
				       "section has %u left",
				       id, pos, BTF_INFO_VLEN(info), (long long)extra,
				       v->types_len - pos - BV_REC_LEN);
		v->n = id;
		v->node[id].off = pos;
		rc = bv_record(v, id);
		if (rc)
			return rc;
		pos += BV_REC_LEN + (uint32_t)extra;
	}
	return 0;
}

/* ---- step 3: references ----------------------------------------------------------------- */

/* Not types: nothing but a datasec, a func or a tag may point at these. */
static bool bv_is_decl(unsigned int kind)
{
	return kind == BTF_KIND_FUNC || kind == BTF_KIND_VAR || kind == BTF_KIND_DATASEC ||
	       kind == BTF_KIND_DECL_TAG;
}

static unsigned int bv_kind_of(const struct bv *v, uint32_t id)
{
	return id ? BTF_INFO_KIND(bv_u32(v, v->node[id].off + 4)) : BTF_KIND_UNKN;
}

/* A type id in a field of @id: it exists, and is a type (void only where @void_ok). */
static int bv_ref(const struct bv *v, uint32_t id, uint32_t to, const char *what, bool void_ok)
{
	if (to > v->n)
		return bv_bad(v, id, "%s is type [%u], but there are only %u types", what, to,
			      v->n);
	if (!to && !void_ok)
		return bv_bad(v, id, "%s is void", what);
	if (to && bv_is_decl(bv_kind_of(v, to)))
		return bv_bad(v, id, "%s is type [%u], a %s, not a type", what, to,
			      kind_names[bv_kind_of(v, to)]);
	return 0;
}

static int bv_refs_members(const struct bv *v, uint32_t id, const struct bv_rec *r)
{
	char what[32];
	int rc = 0;

	for (unsigned int i = 0; i < r->vlen && !rc; i++) {
		snprintf(what, sizeof(what), "member %u", i);
		rc = bv_ref(v, id, bv_u32(v, r->extra + i * 12 + 4), what, false);
	}
	return rc;
}

static int bv_refs_params(const struct bv *v, uint32_t id, const struct bv_rec *r)
{
	char what[32];
	int rc = bv_ref(v, id, r->size_type, "the return type", true);

	for (unsigned int i = 0; i < r->vlen && !rc; i++) {
		uint32_t name = bv_u32(v, r->extra + i * 8), type = bv_u32(v, r->extra + i * 8 + 4);

		snprintf(what, sizeof(what), "parameter %u", i);
		/* void as the last parameter, without a name: "..." */
		rc = bv_ref(v, id, type, what, i + 1 == r->vlen && !name);
	}
	return rc;
}

static int bv_refs_datasec(const struct bv *v, uint32_t id, const struct bv_rec *r)
{
	for (unsigned int i = 0; i < r->vlen; i++) {
		uint32_t to = bv_u32(v, r->extra + i * 12), kind;
		uint64_t end =
		    (uint64_t)bv_u32(v, r->extra + i * 12 + 4) + bv_u32(v, r->extra + i * 12 + 8);

		if (!to || to > v->n)
			return bv_bad(v, id, "entry %u is type [%u], but there are only %u types",
				      i, to, v->n);
		kind = bv_kind_of(v, to);
		if (kind != BTF_KIND_VAR && kind != BTF_KIND_FUNC)
			return bv_bad(v, id, "entry %u is type [%u], a %s, not a var or func", i,
				      to, kind_names[kind]);
		if (r->size_type && end > r->size_type) /* 0: a compiler's, sized at load */
			return bv_bad(v, id, "entry %u ends at %llu, past the section's %u bytes",
				      i, (unsigned long long)end, r->size_type);
	}
	return 0;
}

/* How many components (members, parameters) a decl tag's target has. */
static unsigned int bv_components(const struct bv *v, uint32_t to)
{
	struct bv_rec r;

	bv_rec(v, to, &r);
	if (r.kind == BTF_KIND_FUNC && r.size_type && r.size_type <= v->n) {
		bv_rec(v, r.size_type, &r);
		return r.kind == BTF_KIND_FUNC_PROTO ? r.vlen : 0;
	}
	return r.kind == BTF_KIND_STRUCT || r.kind == BTF_KIND_UNION ? r.vlen : 0;
}

static int bv_refs_tag(const struct bv *v, uint32_t id, const struct bv_rec *r)
{
	int32_t comp = (int32_t)bv_u32(v, r->extra);
	uint32_t to = r->size_type;
	unsigned int kind;

	if (!to || to > v->n)
		return bv_bad(v, id, "it tags type [%u], but there are only %u types", to, v->n);
	kind = bv_kind_of(v, to);
	if (kind != BTF_KIND_STRUCT && kind != BTF_KIND_UNION && kind != BTF_KIND_TYPEDEF &&
	    kind != BTF_KIND_FUNC && kind != BTF_KIND_VAR)
		return bv_bad(v, id, "it tags type [%u], a %s", to, kind_names[kind]);
	if (comp >= 0 && (uint32_t)comp >= bv_components(v, to))
		return bv_bad(v, id, "it tags component %d of type [%u], which has %u", comp, to,
			      bv_components(v, to));
	return 0;
}

static int bv_refs(const struct bv *v, uint32_t id)
{
	struct bv_rec r;

	bv_rec(v, id, &r);
	switch (r.kind) {
	case BTF_KIND_PTR:
	case BTF_KIND_TYPEDEF:
	case BTF_KIND_VOLATILE:
	case BTF_KIND_CONST:
	case BTF_KIND_RESTRICT:
	case BTF_KIND_TYPE_TAG:
		return bv_ref(v, id, r.size_type, "its type", true);
	case BTF_KIND_VAR:
		return bv_ref(v, id, r.size_type, "its type", false);
	case BTF_KIND_ARRAY:
		return bv_ref(v, id, bv_u32(v, r.extra), "the element type", false)
			   ?: bv_ref(v, id, bv_u32(v, r.extra + 4), "the index type", false);
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
		return bv_refs_members(v, id, &r);
	case BTF_KIND_FUNC_PROTO:
		return bv_refs_params(v, id, &r);
	case BTF_KIND_FUNC:
		if (r.size_type > v->n || bv_kind_of(v, r.size_type) != BTF_KIND_FUNC_PROTO)
			return bv_bad(v, id, "its type [%u] is not a func_proto", r.size_type);
		return 0;
	case BTF_KIND_DATASEC:
		return bv_refs_datasec(v, id, &r);
	case BTF_KIND_DECL_TAG:
		return bv_refs_tag(v, id, &r);
	default:
		return 0;
	}
}

/* ---- step 4: the graph ------------------------------------------------------------------ */

/* The @k-th type @id refers to (0 for void), or false past the last. */
static bool bv_edge(const struct bv *v, uint32_t id, uint32_t k, uint32_t *to)
{
	struct bv_rec r;

	bv_rec(v, id, &r);
	switch (r.kind) {
	case BTF_KIND_PTR:
	case BTF_KIND_TYPEDEF:
	case BTF_KIND_VOLATILE:
	case BTF_KIND_CONST:
	case BTF_KIND_RESTRICT:
	case BTF_KIND_TYPE_TAG:
	case BTF_KIND_FUNC:
	case BTF_KIND_VAR:
	case BTF_KIND_DECL_TAG:
		*to = r.size_type;
		return k == 0;
	case BTF_KIND_ARRAY:
		*to = k < 2 ? bv_u32(v, r.extra + k * 4) : 0;
		return k < 2;
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
		*to = k < r.vlen ? bv_u32(v, r.extra + k * 12 + 4) : 0;
		return k < r.vlen;
	case BTF_KIND_FUNC_PROTO:
		*to = k == 0 ? r.size_type : k <= r.vlen ? bv_u32(v, r.extra + (k - 1) * 8 + 4) : 0;
		return k <= r.vlen;
	case BTF_KIND_DATASEC:
		*to = k < r.vlen ? bv_u32(v, r.extra + k * 12) : 0;
		return k < r.vlen;
	default:
		return false;
	}
}

static bool bv_is_modifier(unsigned int kind)
{
	return kind == BTF_KIND_TYPEDEF || kind == BTF_KIND_VOLATILE || kind == BTF_KIND_CONST ||
	       kind == BTF_KIND_RESTRICT || kind == BTF_KIND_TYPE_TAG;
}

enum { BRK_UNKNOWN, BRK_YES, BRK_NO };

/*
 * A pointer to a named struct or union (through typedefs and modifiers), or to a forward
 * declaration: C declares the target by name there, so a cycle may pass through it. The answer
 * is kept for every type of the chain, so each is followed once. A chain longer than
 * BV_MAX_DEPTH (or a loop of modifiers) counts as no: the depth or cycle check refuses it.
 */
static bool bv_ptr_breaks_cycle(const struct bv *v, uint32_t to)
{
	uint32_t path[BV_MAX_DEPTH + 1], n = 0;
	uint8_t brk = BRK_NO;
	struct bv_rec r;

	while (to && n <= BV_MAX_DEPTH) {
		if (v->node[to].brk) {
			brk = v->node[to].brk;
			break;
		}
		path[n++] = to;
		bv_rec(v, to, &r);
		if (r.kind == BTF_KIND_FWD) {
			brk = BRK_YES;
			break;
		}
		if (r.kind == BTF_KIND_STRUCT || r.kind == BTF_KIND_UNION) {
			brk = r.name_off ? BRK_YES : BRK_NO;
			break;
		}
		if (!bv_is_modifier(r.kind))
			break;
		to = r.size_type;
	}
	for (uint32_t i = 0; i < n; i++)
		v->node[path[i]].brk = brk;
	return brk == BRK_YES;
}

/* The edge @k of @id that the walk follows (not one that a named declaration breaks). */
static bool bv_follows(const struct bv *v, uint32_t id, uint32_t k, uint32_t *to)
{
	if (!bv_edge(v, id, k, to))
		return false;
	if (*to && bv_kind_of(v, id) == BTF_KIND_PTR && bv_ptr_breaks_cycle(v, *to))
		*to = 0;
	return true;
}

static int bv_cycle(const struct bv *v, uint32_t top, uint32_t to)
{
	char path[600] = "", one[160];
	size_t used = 0;
	uint32_t from = top;

	/* The path from @to down the walk's stack to its top, then back to @to. */
	while (from && v->stack_id[from - 1] != to)
		from--;
	for (uint32_t i = from ? from - 1 : 0; i < top && used < sizeof(path) - 200; i++) {
		bv_describe(v, v->stack_id[i], one, sizeof(one));
		used += (size_t)snprintf(path + used, sizeof(path) - used, "%s -> ", one);
	}
	bv_describe(v, to, one, sizeof(one));
	snprintf(path + used, sizeof(path) - used, "%s", one);
	return bv_fail(
	    v->err, "a cycle of types that no pointer to a named struct or union breaks: %s", path);
}

static bool bv_sized(unsigned int kind)
{
	return kind == BTF_KIND_INT || kind == BTF_KIND_PTR || kind == BTF_KIND_ARRAY ||
	       kind == BTF_KIND_STRUCT || kind == BTF_KIND_UNION || kind == BTF_KIND_ENUM ||
	       kind == BTF_KIND_ENUM64 || kind == BTF_KIND_FLOAT;
}

/* A type that a member, an element or a variable can have: complete, not a function. */
static int bv_need_sized(const struct bv *v, uint32_t id, uint32_t to, const char *what)
{
	unsigned int kind = v->node[to].kind;

	if (bv_sized(kind))
		return 0;
	return bv_bad(v, id, "%s is type [%u], %s", what, to,
		      kind == BTF_KIND_FWD	    ? "an incomplete (forward-declared) type"
		      : kind == BTF_KIND_FUNC_PROTO ? "a function type, not a pointer to one"
						    : "void");
}

static int bv_member_fits(const struct bv *v, uint32_t id, const struct bv_rec *r, unsigned int i)
{
	uint32_t to = bv_u32(v, r->extra + i * 12 + 4), off = bv_u32(v, r->extra + i * 12 + 8);
	uint64_t bit = r->kflag ? BTF_MEMBER_BIT_OFFSET(off) : off;
	uint32_t field = r->kflag ? BTF_MEMBER_BITFIELD_SIZE(off) : 0;
	const struct bv_node *m = &v->node[to];
	char what[32];
	int rc;

	snprintf(what, sizeof(what), "member %u", i);
	rc = bv_need_sized(v, id, to, what);
	if (rc)
		return rc;
	if (field && m->kind != BTF_KIND_INT && m->kind != BTF_KIND_ENUM &&
	    m->kind != BTF_KIND_ENUM64)
		return bv_bad(v, id, "member %u: a bitfield of a %s", i, kind_names[m->kind]);
	if (field > (uint64_t)m->size * 8)
		return bv_bad(v, id, "member %u: a bitfield of %u bits in %u bytes", i, field,
			      m->size);
	if (!field && m->kind != BTF_KIND_INT && bit % 8)
		return bv_bad(v, id, "member %u at bit %llu is not byte-aligned", i,
			      (unsigned long long)bit);
	if (bit + (field ? field : m->bits) > (uint64_t)r->size_type * 8)
		return bv_bad(v, id,
			      "member %u (at bit %llu, %u bits) ends past the %u bytes of "
			      "its %s",
			      i, (unsigned long long)bit, field ? field : m->bits, r->size_type,
			      kind_names[r->kind]);
	return 0;
}

static int bv_proto_types(const struct bv *v, uint32_t id, const struct bv_rec *r)
{
	unsigned int ret = r->size_type ? v->node[r->size_type].kind : 0;
	char what[32];

	if (ret == BTF_KIND_FUNC_PROTO)
		return bv_bad(v, id, "it returns a function type, not a pointer to one");
	for (unsigned int i = 0; i < r->vlen; i++) {
		uint32_t to = bv_u32(v, r->extra + i * 8 + 4);

		snprintf(what, sizeof(what), "parameter %u", i);
		if (to && v->node[to].kind != BTF_KIND_FWD && !bv_sized(v->node[to].kind))
			return bv_need_sized(v, id, to, what);
	}
	return 0;
}

/* Size, kind after typedefs and what a member of it takes, for @id whose edges are done. */
static int bv_resolve(struct bv *v, uint32_t id)
{
	struct bv_node *n = &v->node[id];
	struct bv_rec r;
	uint64_t size;
	int rc = 0;

	bv_rec(v, id, &r);
	n->kind = (uint8_t)r.kind;
	n->size = 0;
	switch (r.kind) {
	case BTF_KIND_INT:
		n->size = r.size_type;
		n->bits = BTF_INT_BITS(bv_u32(v, r.extra)) + BTF_INT_OFFSET(bv_u32(v, r.extra));
		return 0;
	case BTF_KIND_PTR:
		n->size = v->ptr_size;
		break;
	case BTF_KIND_TYPEDEF:
	case BTF_KIND_VOLATILE:
	case BTF_KIND_CONST:
	case BTF_KIND_RESTRICT:
	case BTF_KIND_TYPE_TAG:
		n->size = v->node[r.size_type].size;
		n->bits = v->node[r.size_type].bits;
		n->kind = v->node[r.size_type].kind;
		return 0;
	case BTF_KIND_ARRAY:
		rc = bv_need_sized(v, id, bv_u32(v, r.extra), "the element type");
		size = (uint64_t)bv_u32(v, r.extra + 8) * v->node[bv_u32(v, r.extra)].size;
		if (!rc && size > UINT32_MAX)
			rc = bv_bad(v, id, "%u elements of %u bytes: larger than 4 GiB",
				    bv_u32(v, r.extra + 8), v->node[bv_u32(v, r.extra)].size);
		n->size = (uint32_t)size;
		break;
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
		for (unsigned int i = 0; i < r.vlen && !rc; i++)
			rc = bv_member_fits(v, id, &r, i);
		/* fall through */
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64:
	case BTF_KIND_FLOAT:
		n->size = r.size_type;
		break;
	case BTF_KIND_VAR:
		rc = bv_need_sized(v, id, r.size_type, "its type");
		break;
	case BTF_KIND_FUNC_PROTO:
		rc = bv_proto_types(v, id, &r);
		break;
	default:
		break;
	}
	n->bits = n->size * 8;
	return rc;
}

/* ---- the size of vmlinux.h ------------------------------------------------------------- */

#define BV_COST_MAX ((uint64_t)1 << 40)

static uint64_t bv_add(uint64_t a, uint64_t b)
{
	return a + b > BV_COST_MAX ? BV_COST_MAX : a + b;
}

static uint64_t bv_ref_cost(const struct bv *v, uint32_t to)
{
	return to ? v->node[to].cost : 1;
}

/* Lines of padding the dumper writes into the holes of a struct: one per 64 bits. */
static uint64_t bv_holes(const struct bv *v, const struct bv_rec *r)
{
	uint64_t end = 0, lines = 0;

	for (unsigned int i = 0; i < r->vlen; i++) {
		uint32_t to = bv_u32(v, r->extra + i * 12 + 4),
			 off = bv_u32(v, r->extra + i * 12 + 8);
		uint64_t bit = r->kflag ? BTF_MEMBER_BIT_OFFSET(off) : off;
		uint32_t field = r->kflag ? BTF_MEMBER_BITFIELD_SIZE(off) : 0;
		uint64_t bits = field ? field : v->node[to].bits;

		if (bit > end)
			lines += (bit - end) / 64 + 1;
		if (bit + bits > end)
			end = bit + bits;
	}
	if (r->kind == BTF_KIND_STRUCT && (uint64_t)r->size_type * 8 > end)
		lines += ((uint64_t)r->size_type * 8 - end) / 64 + 1;
	return lines;
}

/*
 * What libbpf's C dumper writes for @id, in lines: n->cost where it is referenced (a name, or
 * the whole body of an anonymous record, which is written out at every use), the return value
 * where it is defined at the top level of vmlinux.h. Nested anonymous records multiply, and
 * holes become padding: a few hundred bytes of BTF could ask for gigabytes of header.
 */
static uint64_t bv_cost(struct bv *v, uint32_t id)
{
	struct bv_node *n = &v->node[id];
	uint64_t def;
	struct bv_rec r;

	bv_rec(v, id, &r);
	switch (r.kind) {
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
		def = 1 + bv_holes(v, &r);
		for (unsigned int i = 0; i < r.vlen; i++)
			def = bv_add(def, bv_ref_cost(v, bv_u32(v, r.extra + i * 12 + 4)));
		break;
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64:
		def = 1 + (uint64_t)r.vlen;
		break;
	case BTF_KIND_TYPEDEF:
		n->cost = 1;
		return bv_add(1, bv_ref_cost(v, r.size_type));
	case BTF_KIND_FWD:
		n->cost = 1;
		return 1;
	case BTF_KIND_PTR: /* a pointer to a named record is just its name */
		n->cost = bv_ptr_breaks_cycle(v, r.size_type) ? 1 : bv_ref_cost(v, r.size_type);
		return 0;
	case BTF_KIND_VOLATILE:
	case BTF_KIND_CONST:
	case BTF_KIND_RESTRICT:
	case BTF_KIND_TYPE_TAG:
		n->cost = bv_ref_cost(v, r.size_type);
		return 0;
	case BTF_KIND_ARRAY:
		n->cost = bv_add(1, bv_ref_cost(v, bv_u32(v, r.extra)));
		return 0;
	case BTF_KIND_FUNC_PROTO:
		n->cost = bv_add(1, bv_ref_cost(v, r.size_type));
		for (unsigned int i = 0; i < r.vlen; i++)
			n->cost = bv_add(n->cost, bv_ref_cost(v, bv_u32(v, r.extra + i * 8 + 4)));
		return 0;
	case BTF_KIND_INT:
	case BTF_KIND_FLOAT:
		n->cost = 1;
		return 0;
	default: /* funcs, vars, sections and tags are not written */
		n->cost = 0;
		return 0;
	}
	n->cost = r.name_off ? 1 : def;
	return r.name_off ? def : 0;
}

/* A node's edges are all done: its depth is one more than theirs. */
static int bv_finish(struct bv *v, uint32_t id)
{
	uint32_t to, depth = 0;
	int rc;

	for (uint32_t k = 0; bv_follows(v, id, k, &to); k++)
		if (to && v->node[to].depth > depth)
			depth = v->node[to].depth;
	if (depth + 1 > BV_MAX_DEPTH)
		return bv_bad(v, id,
			      "a chain of more than %d types below it without a pointer to "
			      "a named struct or union",
			      BV_MAX_DEPTH);
	v->node[id].depth = (uint16_t)(depth + 1);
	v->node[id].state = BV_DONE;
	rc = bv_resolve(v, id);
	if (!rc)
		v->header_cost = bv_add(v->header_cost, bv_cost(v, id));
	return rc;
}

/* Depth-first from @root with an explicit stack: finds cycles, resolves in post-order. */
static int bv_walk(struct bv *v, uint32_t root)
{
	uint32_t top = 0, to;
	int rc;

	v->stack_id[top] = root;
	v->stack_edge[top++] = 0;
	v->node[root].state = BV_OPEN;
	while (top) {
		uint32_t id = v->stack_id[top - 1], k = v->stack_edge[top - 1]++;

		if (!bv_follows(v, id, k, &to)) {
			rc = bv_finish(v, id);
			if (rc)
				return rc;
			top--;
			continue;
		}
		if (!to || v->node[to].state == BV_DONE)
			continue;
		if (v->node[to].state == BV_OPEN)
			return bv_cycle(v, top, to);
		v->node[to].state = BV_OPEN;
		v->stack_id[top] = to;
		v->stack_edge[top++] = 0;
	}
	return 0;
}

/* Pointer size from the kernel's own long, as libbpf guesses it; 8 when there is none. */
static uint32_t bv_ptr_size(const struct bv *v)
{
	static const char *const longs[] = {"long int", "long unsigned int", "long",
					    "unsigned long", "long long int"};
	struct bv_rec r;

	for (uint32_t id = 1; id <= v->n; id++) {
		bv_rec(v, id, &r);
		if (r.kind != BTF_KIND_INT || (r.size_type != 4 && r.size_type != 8))
			continue;
		for (size_t i = 0; i < sizeof(longs) / sizeof(longs[0]); i++)
			if (!strcmp(bv_str(v, r.name_off), longs[i]))
				return r.size_type;
	}
	return 8;
}

/* Lines of vmlinux.h a BTF may ask for: real kernels ask for one per 11 to 25 bytes of types. */
static uint64_t bv_header_max(const struct bv *v)
{
	uint64_t max = v->types_len / BV_HEADER_BYTES_PER_LINE;

	return max < BV_HEADER_MIN_LINES ? BV_HEADER_MIN_LINES : max;
}

static int bv_graph(struct bv *v)
{
	int rc = 0;

	v->stack_id = malloc(((size_t)v->n + 1) * sizeof(*v->stack_id));
	v->stack_edge = malloc(((size_t)v->n + 1) * sizeof(*v->stack_edge));
	if (!v->stack_id || !v->stack_edge)
		rc = eucc_error_set(v->err, -ENOMEM, EUCC_E_INTERNAL, "out of memory");
	v->ptr_size = bv_ptr_size(v);
	v->node[0].state = BV_DONE;
	for (uint32_t id = 1; !rc && id <= v->n; id++)
		if (v->node[id].state == BV_NEW)
			rc = bv_walk(v, id);
	if (!rc && v->header_cost > bv_header_max(v))
		rc = bv_fail(
		    v->err,
		    "its vmlinux.h would run to about %llu lines, more than the %llu allowed "
		    "for %u bytes of types (holes in records, or anonymous records used in "
		    "many places)",
		    (unsigned long long)v->header_cost, (unsigned long long)bv_header_max(v),
		    v->types_len);
	free(v->stack_id);
	free(v->stack_edge);
	return rc;
}

/* ---- entry point ------------------------------------------------------------------------ */

static int bv_run(struct bv *v, const uint8_t *p, size_t size)
{
	int rc = bv_sections(v, p, size);

	if (rc)
		return rc;
	/* Every record takes at least 12 bytes: a bound for the node table. */
	v->node = calloc((size_t)v->types_len / BV_REC_LEN + 1, sizeof(*v->node));
	if (!v->node)
		return eucc_error_set(v->err, -ENOMEM, EUCC_E_INTERNAL, "out of memory");
	rc = bv_records(v);
	for (uint32_t id = 1; !rc && id <= v->n; id++)
		rc = bv_refs(v, id);
	if (!rc)
		rc = bv_graph(v);
	free(v->node);
	return rc;
}

int btf_source_validate(const void *data, size_t size, struct eucc_error *err)
{
	const uint8_t *p = data;
	struct bv v = {.err = err};

	if (!data && size)
		return eucc_error_set(err, -EINVAL, EUCC_E_BAD_INPUT, "no BTF data");
	if (size > UINT32_MAX)
		return eucc_error_set(err, -EINVAL, EUCC_E_BAD_INPUT, "BTF of %zu bytes: too large",
				      size);
	v.be = size >= 2 && p[0] == 0xeb && p[1] == 0x9f;
	return bv_run(&v, p, size);
}
