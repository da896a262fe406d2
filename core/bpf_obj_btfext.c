/* SPDX-License-Identifier: Apache-2.0 */
/*
 * .BTF.ext: line info (instruction -> source line) and CO-RE relocations.
 *
 * Layout: a header (magic 0xeB9F, version, flags, hdr_len, then offset/length pairs of
 * func_info, line_info and, if hdr_len has room, core_relo; offsets count from the end of the
 * header). Each info block is a u32 record size, then per ELF section: u32 section name
 * (offset in .BTF strings), u32 record count, the records.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/btf.h>

#include "obj_internal.h"

#define BTF_EXT_MAGIC 0xeB9F

struct ext_block {
	uint32_t off, len;
};

typedef int (*ext_rec_fn)(struct bpf_obj_view *obj, int sec, const void *rec);

static uint32_t get_u32(const void *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static int bad_ext(struct eucc_error *err, const char *why)
{
	return eucc_error_set(err, -EINVAL, EUCC_E_BAD_OBJECT, "corrupt .BTF.ext: %s", why);
}

/* Walk one info block, calling @fn for each record of at least @min_rec bytes. */
static int walk_block(struct bpf_obj_view *obj, const char *data, size_t size, struct ext_block b,
		      size_t min_rec, ext_rec_fn fn, struct eucc_error *err)
{
	const char *p, *end;
	uint32_t rec_size;

	if (!b.len)
		return 0;
	if (b.off > size || b.len > size - b.off || b.len < 4)
		return bad_ext(err, "info block out of bounds");
	p = data + b.off;
	end = p + b.len;
	rec_size = get_u32(p);
	p += 4;
	if (rec_size < min_rec || rec_size % 4)
		return bad_ext(err, "bad record size");
	while (p < end) {
		uint32_t name_off, n;
		const char *name;
		int sec, ret;

		if (end - p < 8)
			return bad_ext(err, "truncated section header");
		name_off = get_u32(p);
		n = get_u32(p + 4);
		p += 8;
		if ((size_t)(end - p) / rec_size < n)
			return bad_ext(err, "truncated records");
		name = btf__name_by_offset(obj->btf, name_off);
		sec = name ? obj_sec_find(obj, name) : -1;
		for (uint32_t i = 0; i < n && sec >= 0; i++) {
			ret = fn(obj, sec, p + (size_t)i * rec_size);
			if (ret)
				return ret;
		}
		p += (size_t)n * rec_size;
	}
	return 0;
}

static int add_line(struct bpf_obj_view *obj, int sec, const void *rec)
{
	struct obj_line *l = OBJ_PUSH(obj->lines, obj->nlines);

	if (!l)
		return -ENOMEM;
	l->sec = sec;
	l->insn_off = get_u32(rec);
	l->file_off = get_u32((const char *)rec + 4);
	l->line = get_u32((const char *)rec + 12) >> 10; /* line_col: line << 10 | column */
	return 0;
}

static int add_relo(struct bpf_obj_view *obj, int sec, const void *rec)
{
	struct obj_relo *r = OBJ_PUSH(obj->relos, obj->nrelos);

	if (!r)
		return -ENOMEM;
	r->sec = sec;
	r->insn_off = get_u32(rec);
	r->type_id = get_u32((const char *)rec + 4);
	r->access_str_off = get_u32((const char *)rec + 8);
	r->kind = get_u32((const char *)rec + 12);
	r->func = obj_func_at(obj, sec, r->insn_off);
	return 0;
}

static int line_cmp(const void *a, const void *b)
{
	const struct obj_line *x = a, *y = b;

	if (x->sec != y->sec)
		return x->sec - y->sec;
	return x->insn_off < y->insn_off ? -1 : x->insn_off > y->insn_off;
}

int obj_parse_btf_ext(struct bpf_obj_view *obj, const void *data, size_t size,
		      struct eucc_error *err)
{
	const char *d = data;
	struct ext_block line, relo = {0};
	uint32_t hdr_len;
	int ret;

	if (size < 24 || (get_u32(d) & 0xffff) != BTF_EXT_MAGIC)
		return bad_ext(err, "bad magic");
	hdr_len = get_u32(d + 4);
	if (hdr_len < 24 || hdr_len > size)
		return bad_ext(err, "bad header length");
	line = (struct ext_block){get_u32(d + 16), get_u32(d + 20)};
	if (hdr_len >= 32)
		relo = (struct ext_block){get_u32(d + 24), get_u32(d + 28)};
	ret = walk_block(obj, d + hdr_len, size - hdr_len, line, 16, add_line, err);
	ret = ret ?: walk_block(obj, d + hdr_len, size - hdr_len, relo, 16, add_relo, err);
	if (ret)
		return ret;
	if (obj->nlines)
		qsort(obj->lines, obj->nlines, sizeof(*obj->lines), line_cmp);
	return 0;
}

/* Index of the first line record after (sec, off), in section order. */
static size_t line_after(const struct bpf_obj_view *obj, int sec, uint32_t off)
{
	size_t lo = 0, hi = obj->nlines;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct obj_line *l = &obj->lines[mid];

		if (l->sec < sec || (l->sec == sec && l->insn_off <= off))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* An instruction that only materializes a value (a CO-RE offset, a map address). */
static bool is_materialize(const struct bpf_obj_view *obj, int sec, uint32_t off)
{
	const struct obj_sec *s = &obj->secs[sec];
	uint8_t cls;

	if (!s->insns || off % 8 || off >= s->size)
		return false;
	cls = BPF_CLASS(s->insns[off / 8].code);
	return cls == BPF_ALU || cls == BPF_ALU64 || cls == BPF_LD;
}

/*
 * Usually the last record at or before the instruction. But clang gives the instructions that
 * materialize CO-RE values no line of their own and hoists them into the previous statement's
 * code: for those, the statement that follows (the next record in the same function) is where
 * the value is used.
 */
bool obj_line_at(const struct bpf_obj_view *obj, int sec, uint32_t off, const char **file,
		 int *line)
{
	size_t i = line_after(obj, sec, off), j = i;
	const struct obj_line *best = NULL;
	int f = obj_func_at(obj, sec, off);
	bool exact = i > 0 && obj->lines[i - 1].sec == sec && obj->lines[i - 1].insn_off == off;

	while (j < obj->nlines && obj->lines[j].sec == sec && !obj->lines[j].line)
		j++;
	if (!exact && is_materialize(obj, sec, off) && j < obj->nlines &&
	    obj->lines[j].sec == sec && f >= 0 &&
	    obj_func_at(obj, sec, obj->lines[j].insn_off) == f)
		best = &obj->lines[j];
	/* records with line 0 are compiler-made: take the one before */
	while (!best && i > 0 && obj->lines[i - 1].sec == sec && !obj->lines[i - 1].line)
		i--;
	if (!best && i > 0 && obj->lines[i - 1].sec == sec)
		best = &obj->lines[i - 1];
	if (!best)
		return false;
	*file = btf__name_by_offset(obj->btf, best->file_off);
	*line = (int)best->line;
	return *file != NULL;
}
