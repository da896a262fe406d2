/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Which instructions the verifier visits on one kernel. libbpf patches every CO-RE relocation
 * for the kernel before the load (field offsets, existence checks, enum values become
 * constants), `.rodata` is frozen so loads from it are known values, and the verifier never
 * looks at the arm of a branch whose condition it knows. This is a constant propagation over
 * the control flow that follows only the edges a known condition allows (values: unknown, a
 * constant, a stack address, an address in a global data section, a map), joined where paths
 * meet.
 * The verifier follows paths one by one, so where two paths merge with different constants it
 * can prune more than this does; it never prunes less.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "reach_internal.h"

enum val_kind { V_UNK, V_CONST, V_FP, V_DATA, V_MAP };

struct val {
	uint8_t k;
	int16_t sec;   /* V_DATA: the section */
	int32_t param; /* the read-only global a constant came from, -1 if none */
	int64_t v;     /* V_CONST: the value; V_FP, V_DATA: the offset; V_MAP: index in maps */
};

#define MAP_UNSET (-2) /* a helper call's map slot no path has reached yet */

#ifndef BPF_MEMSX
#define BPF_MEMSX 0x80 /* sign-extending loads (cpu v4), newer than some UAPI headers */
#endif

#define NREGS	  11
#define NSLOTS	  64 /* 512 bytes of stack in 8-byte slots */
#define MAX_CTX	  8  /* calling contexts per subprogram before one with unknown arguments */
#define MAX_DEPTH 32
#define MAX_CANDS 64

struct state {
	struct val r[NREGS];
	struct val s[NSLOTS]; /* s[i]: bytes [-8 * (i + 1), -8 * i) from the frame pointer */
	bool esc;	      /* a stack address became unknown: stores through those may hit it */
};

/* What the instruction at an index of a code section has attached to it. */
struct insn_meta {
	int32_t relo, ref, call;
};

struct fctx {
	struct val args[5];
	struct val ret;
	bool busy, done;
};

struct func_info {
	uint32_t start, n; /* first instruction index in its section, count */
	int32_t *leader;   /* per instruction: leader number, -1 */
	uint32_t nleaders;
	struct fctx ctx[MAX_CTX + 1]; /* the last one: unknown arguments */
	int nctx;
	bool global;
};

struct rctx {
	const struct reach_input *in;
	const struct bpf_obj_view *obj;
	struct insn_meta **meta;
	struct func_info *funcs;
	struct reach_result *out;
};

static const struct val unk = {.k = V_UNK, .param = -1};

static struct val cst(int64_t v, int32_t param)
{
	return (struct val){.k = V_CONST, .param = param, .v = v};
}

static bool val_eq(const struct val *a, const struct val *b)
{
	return a->k == b->k && (a->k == V_UNK || (a->v == b->v && a->sec == b->sec));
}

static bool join_val(struct val *into, const struct val *v)
{
	if (val_eq(into, v)) {
		if (into->param != v->param && into->param != -1) {
			into->param = -1;
			return true;
		}
		return false;
	}
	if (into->k == V_UNK)
		return false;
	*into = unk;
	return true;
}

static bool join_state(struct state *into, const struct state *s)
{
	bool changed = false;

	for (int i = 0; i < NREGS; i++)
		changed |= join_val(&into->r[i], &s->r[i]);
	for (int i = 0; i < NSLOTS; i++)
		changed |= join_val(&into->s[i], &s->s[i]);
	if (s->esc && !into->esc) {
		into->esc = true;
		changed = true;
	}
	return changed;
}

static void clear_slots(struct state *st)
{
	for (int i = 0; i < NSLOTS; i++)
		st->s[i] = unk;
}

/* ---- static tables ----------------------------------------------------------------------- */

static int build_meta(struct rctx *x)
{
	const struct bpf_obj_view *obj = x->obj;

	x->meta = calloc(obj->nsecs, sizeof(*x->meta));
	x->out->live = calloc(obj->nsecs, sizeof(*x->out->live));
	x->out->maps = calloc(obj->nsecs, sizeof(*x->out->maps));
	if (!x->meta || !x->out->live || !x->out->maps)
		return -ENOMEM;
	x->out->nsecs = obj->nsecs;
	for (size_t i = 0; i < obj->nsecs; i++) {
		size_t n = obj->secs[i].size / sizeof(struct bpf_insn);

		if (!obj->secs[i].exec || !n)
			continue;
		x->meta[i] = malloc(n * sizeof(**x->meta));
		x->out->live[i] = calloc(n, 1);
		x->out->maps[i] = malloc(n * REACH_MAP_ARGS * sizeof(**x->out->maps));
		if (!x->meta[i] || !x->out->live[i] || !x->out->maps[i])
			return -ENOMEM;
		for (size_t j = 0; j < n; j++)
			x->meta[i][j] = (struct insn_meta){-1, -1, -1};
		for (size_t j = 0; j < n * REACH_MAP_ARGS; j++)
			x->out->maps[i][j] = MAP_UNSET;
	}
	for (size_t i = 0; i < obj->nrelos; i++) {
		const struct obj_relo *r = &obj->relos[i];

		if (x->meta[r->sec] && r->insn_off / 8 < obj->secs[r->sec].size / 8)
			x->meta[r->sec][r->insn_off / 8].relo = (int32_t)i;
	}
	for (size_t i = 0; i < obj->nrefs; i++) {
		const struct obj_ref *r = &obj->refs[i];

		if (x->meta[r->sec] && x->meta[r->sec][r->off / 8].ref < 0)
			x->meta[r->sec][r->off / 8].ref = (int32_t)i;
	}
	for (size_t i = 0; i < obj->ncalls; i++) {
		const struct obj_call *c = &obj->calls[i];

		if (x->meta[c->sec])
			x->meta[c->sec][c->off / 8].call = (int32_t)i;
	}
	return 0;
}

static bool is_jump(const struct bpf_insn *insn)
{
	uint8_t cls = BPF_CLASS(insn->code), op = BPF_OP(insn->code);

	return (cls == BPF_JMP || cls == BPF_JMP32) && op != BPF_CALL && op != BPF_EXIT;
}

static int64_t jump_target(const struct bpf_insn *insn, int64_t i)
{
	if (BPF_CLASS(insn->code) == BPF_JMP32 && BPF_OP(insn->code) == BPF_JA)
		return i + insn->imm + 1; /* gotol */
	return i + insn->off + 1;
}

static bool is_ld_imm64(const struct bpf_insn *insn)
{
	return insn->code == (BPF_LD | BPF_IMM | BPF_DW);
}

/* Leaders (first instructions of basic blocks) of a function, once per run. */
static int func_prepare(struct rctx *x, int fi)
{
	struct func_info *f = &x->funcs[fi];
	const struct obj_func *of = &x->obj->funcs[fi];
	const struct obj_sec *s = &x->obj->secs[of->sec];
	const struct bpf_insn *code;

	if (f->leader)
		return 0;
	f->start = of->off / 8;
	f->n = of->size ? of->size / 8 : (uint32_t)(s->size / 8) - f->start;
	if (f->start + f->n > s->size / 8 || !f->n)
		return -EINVAL;
	f->leader = malloc(f->n * sizeof(*f->leader));
	if (!f->leader)
		return -ENOMEM;
	code = s->insns + f->start;
	for (uint32_t i = 0; i < f->n; i++)
		f->leader[i] = -1;
	f->leader[0] = 0;
	for (uint32_t i = 0; i < f->n; i++) {
		int64_t t;

		if (is_ld_imm64(&code[i])) {
			i++;
			continue;
		}
		if (!is_jump(&code[i]))
			continue;
		t = jump_target(&code[i], i);
		if (t >= 0 && t < f->n)
			f->leader[t] = 0;
		if (i + 1 < f->n)
			f->leader[i + 1] = 0;
	}
	for (uint32_t i = 0; i < f->n; i++)
		if (!f->leader[i])
			f->leader[i] = (int32_t)f->nleaders++;
	return 0;
}

/* ---- values ------------------------------------------------------------------------------ */

static void add_cand(struct rctx *x, int global, uint64_t value)
{
	struct reach_result *o = x->out;

	if (global < 0 || o->ncands >= MAX_CANDS)
		return;
	for (size_t i = 0; i < o->ncands; i++)
		if (o->cands[i].global == global && o->cands[i].value == value)
			return;
	o->cands[o->ncands++] = (struct reach_cand){global, value};
}

/* The read-only global at @off of section @sec, -1 if none. */
static int global_at(const struct bpf_obj_view *obj, int sec, uint32_t off)
{
	for (size_t i = 0; i < obj->nglobals; i++) {
		const struct obj_global *g = &obj->globals[i];

		if (off >= g->offset && off - g->offset < g->size &&
		    !strcmp(g->section, obj->secs[sec].name))
			return (int)i;
	}
	return -1;
}

/* A load of @size bytes at @off of read-only section @sec: its value, or unknown. */
static struct val read_data(struct rctx *x, int sec, int64_t off, int size, bool sx)
{
	const struct obj_sec *s = &x->obj->secs[sec];
	const struct reach_param *p = &x->in->param;
	const struct obj_global *pg = p->global >= 0 ? &x->obj->globals[p->global] : NULL;
	uint64_t v = 0;
	int g;

	if (!s->rodata || !s->bytes || off < 0 || (uint64_t)off + size > s->size)
		return unk;
	if (pg && strcmp(pg->section, s->name))
		pg = NULL;
	for (int i = size - 1; i >= 0; i--) {
		uint64_t b = (uint64_t)off + i;
		unsigned char byte = s->bytes[b];

		if (pg && b >= pg->offset && b - pg->offset < pg->size)
			byte = b - pg->offset < 8
				   ? (unsigned char)(p->value >> (8 * (b - pg->offset)))
				   : 0;
		v = v << 8 | byte;
	}
	g = global_at(x->obj, sec, (uint32_t)off);
	return cst(sx ? reach_sext(v, size) : (int64_t)v, g);
}

static int slot_of(int64_t fp_off)
{
	int64_t i = (-fp_off - 1) / 8;

	return fp_off < 0 && fp_off >= -NSLOTS * 8 ? (int)i : -1;
}

static struct val read_stack(const struct state *st, int64_t off, int size, bool sx)
{
	int i = slot_of(off), boff = (int)(off - -8 * (int64_t)(i + 1));
	const struct val *s = i >= 0 ? &st->s[i] : NULL;

	if (!s || boff + size > 8)
		return unk;
	if (size == 8 && !boff)
		return *s;
	if (s->k != V_CONST)
		return unk;
	return cst(sx ? reach_sext((uint64_t)s->v >> (8 * boff), size)
		      : (int64_t)reach_trunc((uint64_t)s->v >> (8 * boff), size),
		   s->param);
}

static void write_stack(struct state *st, int64_t off, int size, const struct val *v)
{
	int i = slot_of(off);

	if (i >= 0 && size == 8 && off % 8 == 0) {
		st->s[i] = *v;
		return;
	}
	for (int64_t b = off; b < off + size; b += 1) {
		int j = slot_of(b);

		if (j >= 0)
			st->s[j] = unk;
	}
}

static int size_bytes(uint8_t code)
{
	switch (BPF_SIZE(code)) {
	case BPF_B:
		return 1;
	case BPF_H:
		return 2;
	case BPF_W:
		return 4;
	default:
		return 8;
	}
}

/* ---- ALU --------------------------------------------------------------------------------- */

static void exec_alu(struct state *st, const struct bpf_insn *insn, const struct reach_relo *p)
{
	bool is64 = BPF_CLASS(insn->code) == BPF_ALU64, x = BPF_SRC(insn->code) == BPF_X;
	uint8_t op = BPF_OP(insn->code);
	struct val *d = &st->r[insn->dst_reg], s;
	int32_t imm = p && p->patch == REACH_VALUE ? (int32_t)p->val : insn->imm;
	uint64_t r;

	if (insn->dst_reg >= NREGS || (x && insn->src_reg >= NREGS))
		return;
	s = x ? st->r[insn->src_reg] : cst(is64 ? (int64_t)imm : (int64_t)(uint32_t)imm, -1);
	if (op == BPF_END) {
		int bits = insn->imm == 16 || insn->imm == 32 || insn->imm == 64 ? insn->imm : 64;

		if (d->k != V_CONST)
			*d = unk;
		else if (BPF_CLASS(insn->code) == BPF_ALU64 || BPF_SRC(insn->code) == BPF_TO_BE)
			d->v = (int64_t)reach_bswap((uint64_t)d->v, bits);
		else
			d->v = (int64_t)reach_trunc((uint64_t)d->v, bits / 8);
		return;
	}
	if (op == BPF_MOV) {
		if (x && insn->off && s.k == V_CONST) /* movsx */
			s.v = is64 ? reach_sext((uint64_t)s.v, insn->off / 8)
				   : (int64_t)reach_trunc(
					 (uint64_t)reach_sext((uint64_t)s.v, insn->off / 8), 4);
		else if ((x && insn->off) || (!is64 && s.k != V_CONST)) {
			st->esc |= s.k == V_FP; /* movsx or a 32-bit move of an address */
			s = unk;
		} else if (!is64 && s.k == V_CONST) {
			s.v = (int64_t)reach_trunc((uint64_t)s.v, 4);
		}
		*d = s;
		return;
	}
	if (d->k == V_CONST && (s.k == V_CONST || op == BPF_NEG) &&
	    reach_alu(insn, is64, (uint64_t)d->v, (uint64_t)s.v, &r)) {
		*d = cst((int64_t)r, d->param >= 0 ? d->param : s.param);
		return;
	}
	if (is64 && (d->k == V_FP || d->k == V_DATA) && s.k == V_CONST &&
	    (op == BPF_ADD || op == BPF_SUB)) {
		d->v += op == BPF_ADD ? s.v : -s.v;
		return;
	}
	if (s.k == V_CONST && !s.v && (op == BPF_AND || op == BPF_MUL)) {
		*d = cst(0, -1);
		return;
	}
	st->esc |= d->k == V_FP || s.k == V_FP;
	*d = unk;
}

/* ---- branches ---------------------------------------------------------------------------- */

/* 1 taken, 0 not taken, -1 unknown. */
static int branch(const struct bpf_insn *insn, const struct val *a, const struct val *b,
		  bool all_paths)
{
	uint8_t op = BPF_OP(insn->code);

	if (op == BPF_JA)
		return 1;
	if (all_paths)
		return -1;
	if ((a->k == V_FP || a->k == V_DATA || a->k == V_MAP) && b->k == V_CONST && !b->v &&
	    BPF_CLASS(insn->code) == BPF_JMP)
		return op == BPF_JEQ ? 0 : op == BPF_JNE ? 1 : -1; /* an address is never NULL */
	if (a->k != V_CONST || b->k != V_CONST)
		return -1;
	return reach_cmp(insn, (uint64_t)a->v, (uint64_t)b->v);
}

/* A branch a read-only global decided: values that may decide it the other way. */
static void note_param_branch(struct rctx *x, const struct val *a, const struct val *b)
{
	const struct val *p = a->param >= 0 ? a : b, *k = a->param >= 0 ? b : a;

	if (p->param < 0 || k->param >= 0)
		return;
	add_cand(x, p->param, (uint64_t)k->v);
	add_cand(x, p->param, (uint64_t)k->v + 1);
	add_cand(x, p->param, (uint64_t)k->v - 1);
}

/* ---- functions --------------------------------------------------------------------------- */

static int analyze(struct rctx *x, int fi, const struct val *args, int depth, struct val *ret);

static bool args_eq(const struct val *a, const struct val *b)
{
	for (int i = 0; i < 5; i++)
		if (!val_eq(&a[i], &b[i]))
			return false;
	return true;
}

/* A call of subprogram @fi with r1-r5 of @st: the value it returns. */
static int call_subprog(struct rctx *x, int fi, const struct state *st, int depth, struct val *ret)
{
	struct val args[5];

	for (int i = 0; i < 5; i++) {
		args[i] = st->r[i + 1];
		if (args[i].k == V_FP || x->funcs[fi].global)
			args[i] = unk; /* the caller's stack; a global function is checked alone */
	}
	return analyze(x, fi, args, depth + 1, ret);
}

static void clobber_call(struct state *st)
{
	bool escape = false;

	for (int i = 1; i <= 5; i++) {
		escape |= st->r[i].k == V_FP;
		st->r[i] = unk;
	}
	if (escape)
		clear_slots(st); /* the callee may write the stack it was given */
}

static struct val ld_imm64(struct rctx *x, const struct insn_meta *m, const struct bpf_insn *insn,
			   const struct reach_relo *p, int depth, int *err)
{
	const struct bpf_obj_view *obj = x->obj;

	if (m->call >= 0 && obj->calls[m->call].callback && obj->calls[m->call].to >= 0) {
		struct val args[5] = {unk, unk, unk, unk, unk}, r;

		*err = analyze(x, obj->calls[m->call].to, args, depth + 1, &r);
		return unk;
	}
	if (m->ref >= 0) {
		const struct obj_ref *r = &obj->refs[m->ref];

		if (r->kind == OBJ_REF_DATA)
			return (struct val){.k = V_DATA,
					    .sec = (int16_t)r->data_sec,
					    .param = -1,
					    .v = r->data_off};
		if (r->kind == OBJ_REF_KSYM)
			return r->weak && btf__find_by_name(x->in->kernel, r->name) <= 0
				   ? cst(0, -1)
				   : unk;
		if (r->kind == OBJ_REF_MAP) /* libbpf makes it the map's fd */
			for (size_t i = 0; i < obj->nmaps; i++)
				if (!strcmp(obj->maps[i].name, r->name))
					return (struct val){
					    .k = V_MAP, .param = -1, .v = (int64_t)i};
		return unk;
	}
	if (p && p->patch == REACH_VALUE)
		return cst((int64_t)p->val, -1);
	if (insn->src_reg)
		return unk;
	return cst((int64_t)((uint64_t)(uint32_t)insn[0].imm | (uint64_t)insn[1].imm << 32), -1);
}

static void exec_ldx(struct rctx *x, struct state *st, const struct bpf_insn *insn, int16_t off)
{
	const struct val *a = &st->r[insn->src_reg];
	int size = size_bytes(insn->code);
	bool sx = BPF_MODE(insn->code) == BPF_MEMSX;
	struct val v = unk;

	if (BPF_MODE(insn->code) != BPF_MEM && !sx)
		v = unk;
	else if (a->k == V_FP)
		v = read_stack(st, a->v + off, size, sx);
	else if (a->k == V_DATA)
		v = read_data(x, a->sec, a->v + off, size, sx);
	st->r[insn->dst_reg] = v;
}

static void exec_store(struct state *st, const struct bpf_insn *insn, int16_t off, int32_t imm)
{
	const struct val *a = &st->r[insn->dst_reg];
	bool stx = BPF_CLASS(insn->code) == BPF_STX;
	struct val v = stx ? st->r[insn->src_reg] : cst(imm, -1);
	int size = size_bytes(insn->code);

	if (stx && BPF_MODE(insn->code) == BPF_ATOMIC) {
		if (a->k == V_FP)
			write_stack(st, a->v + off, size, &unk);
		else if (st->esc)
			clear_slots(st);
		if (insn->imm & BPF_FETCH)
			st->r[insn->src_reg] = unk;
		if (insn->imm == BPF_CMPXCHG)
			st->r[0] = unk;
		return;
	}
	if (a->k == V_FP) {
		write_stack(st, a->v + off, size, &v);
		return;
	}
	if (v.k == V_FP)
		st->esc = true; /* a stack address stored elsewhere may come back unknown */
	if (st->esc && a->k != V_DATA)
		clear_slots(st); /* this store may go to the stack */
}

/* The leaders' entry states of one function analysis, and the leaders still to follow. */
struct worklist {
	const struct func_info *f;
	struct state *in;
	bool *seen, *queued;
	uint32_t *work, nwork;
};

/* Control reaches instruction @i (a leader) with @st. */
static void propagate(struct worklist *w, uint32_t i, const struct state *st)
{
	uint32_t l = (uint32_t)w->f->leader[i];

	if (!w->seen[l]) {
		w->in[l] = *st;
		w->seen[l] = true;
	} else if (!join_state(&w->in[l], st)) {
		return;
	}
	if (!w->queued[l]) {
		w->queued[l] = true;
		w->work[w->nwork++] = i;
	}
}

/* A conditional or unconditional jump at @i: the arms a known condition allows. */
static void exec_jump(struct rctx *x, struct worklist *w, uint32_t i, const struct bpf_insn *insn,
		      const struct state *st)
{
	struct val b = BPF_SRC(insn->code) == BPF_X ? st->r[insn->src_reg] : cst(insn->imm, -1);
	int taken = branch(insn, &st->r[insn->dst_reg], &b, x->in->all_paths);
	int64_t t = jump_target(insn, i);

	if (taken >= 0 && BPF_OP(insn->code) != BPF_JA)
		note_param_branch(x, &st->r[insn->dst_reg], &b);
	if (taken != 0 && t >= 0 && t < w->f->n)
		propagate(w, (uint32_t)t, st);
	if (taken != 1 && i + 1 < w->f->n)
		propagate(w, i + 1, st);
}

static void exec_exit(const struct state *st, struct val *ret, bool *have_ret)
{
	if (!*have_ret)
		*ret = st->r[0];
	else
		join_val(ret, &st->r[0]);
	*have_ret = true;
}

/* A helper call at @at reached with @st: the maps its first arguments are, over all paths. */
static void note_call_maps(struct rctx *x, const struct state *st, int sec, uint32_t at)
{
	int32_t *slot = &x->out->maps[sec][(size_t)at * REACH_MAP_ARGS];

	for (int a = 0; a < REACH_MAP_ARGS; a++) {
		const struct val *v = &st->r[a + 1];
		int32_t map = v->k == V_MAP ? (int32_t)v->v : -1;

		if (slot[a] == MAP_UNSET)
			slot[a] = map;
		else if (slot[a] != map)
			slot[a] = -1;
	}
}

/* One instruction that is not a jump; @next is advanced past an ld_imm64. */
static int exec_insn(struct rctx *x, const struct func_info *f, int sec, struct state *st,
		     uint32_t i, uint32_t *next, int depth)
{
	uint32_t at = f->start + i;
	const struct bpf_insn *insn = &x->obj->secs[sec].insns[at];
	const struct insn_meta *m = &x->meta[sec][at];
	const struct reach_relo *p = m->relo >= 0 ? &x->in->relos[m->relo] : NULL;
	int16_t off = p && p->patch == REACH_VALUE ? (int16_t)p->val : insn->off;
	uint8_t cls = BPF_CLASS(insn->code);
	struct val r0 = unk;
	int err = 0;

	if (is_ld_imm64(insn) && i + 1 < f->n) {
		x->out->live[sec][at + 1] = 1;
		*next = i + 2;
	}
	if (p && p->patch == REACH_POISON) {
		/*
		 * The verifier rejects the program here. Go on as if it yielded an unknown value,
		 * so that every failure on this path is found, not just the first.
		 */
		if (cls != BPF_ST && cls != BPF_STX)
			st->r[insn->dst_reg] = unk;
		return 0;
	}
	switch (cls) {
	case BPF_ALU:
	case BPF_ALU64:
		exec_alu(st, insn, p);
		return 0;
	case BPF_LD:
		if (is_ld_imm64(insn) && i + 1 < f->n) {
			st->r[insn->dst_reg] = ld_imm64(x, m, insn, p, depth, &err);
			return err;
		}
		clobber_call(st); /* legacy packet access */
		st->r[0] = unk;
		return 0;
	case BPF_LDX:
		exec_ldx(x, st, insn, off);
		return 0;
	case BPF_ST:
	case BPF_STX:
		exec_store(st, insn, off, insn->imm);
		return 0;
	default: /* a call */
		if (!insn->src_reg)
			note_call_maps(x, st, sec, at);
		if (insn->src_reg == BPF_PSEUDO_CALL && m->call >= 0 &&
		    x->obj->calls[m->call].to >= 0)
			err = call_subprog(x, x->obj->calls[m->call].to, st, depth, &r0);
		clobber_call(st);
		st->r[0] = r0;
		return err;
	}
}

/* Follow the code from leader @i on, up to the next leader or a jump. */
static int run_block(struct rctx *x, struct worklist *w, int sec, uint32_t i, struct state *st,
		     int depth, struct val *ret, bool *have_ret)
{
	const struct func_info *f = w->f;
	const struct bpf_insn *code = x->obj->secs[sec].insns;

	for (;;) {
		const struct bpf_insn *insn = &code[f->start + i];
		uint8_t cls = BPF_CLASS(insn->code), op = BPF_OP(insn->code);
		uint32_t next = i + 1;
		int err;

		x->out->live[sec][f->start + i] = 1;
		if (insn->dst_reg >= NREGS || insn->src_reg >= NREGS)
			return 0;
		if ((cls == BPF_JMP || cls == BPF_JMP32) && op == BPF_EXIT) {
			exec_exit(st, ret, have_ret);
			return 0;
		}
		if (is_jump(insn)) {
			exec_jump(x, w, i, insn, st);
			return 0;
		}
		if ((err = exec_insn(x, f, sec, st, i, &next, depth)))
			return err;
		if (next >= f->n)
			return 0; /* falls off the function: the verifier refuses that anyway */
		if (f->leader[next] >= 0) {
			propagate(w, next, st);
			return 0;
		}
		i = next;
	}
}

static int analyze_ctx(struct rctx *x, int fi, const struct val *args, int depth, struct val *ret)
{
	struct func_info *f = &x->funcs[fi];
	struct worklist w = {.f = f,
			     .in = malloc(f->nleaders * sizeof(*w.in)),
			     .seen = calloc(f->nleaders, sizeof(bool)),
			     .queued = calloc(f->nleaders, sizeof(bool)),
			     .work = malloc(f->nleaders * sizeof(uint32_t))};
	int sec = x->obj->funcs[fi].sec;
	bool have_ret = false;
	struct state st;
	int err = 0;

	*ret = unk;
	if (!w.in || !w.seen || !w.queued || !w.work) {
		err = -ENOMEM;
		goto out;
	}
	for (int i = 0; i < NREGS; i++)
		st.r[i] = unk;
	memcpy(&st.r[1], args, 5 * sizeof(*args));
	st.r[BPF_REG_10] = (struct val){.k = V_FP, .param = -1};
	st.esc = false;
	clear_slots(&st);
	propagate(&w, 0, &st);
	while (w.nwork && !err) {
		uint32_t i = w.work[--w.nwork];

		w.queued[f->leader[i]] = false;
		st = w.in[f->leader[i]];
		err = run_block(x, &w, sec, i, &st, depth, ret, &have_ret);
	}
	if (!have_ret)
		*ret = unk;
out:
	free(w.in);
	free(w.seen);
	free(w.queued);
	free(w.work);
	return err;
}

/* Analyze function @fi called with @args, once per calling context (memoized). */
static int analyze(struct rctx *x, int fi, const struct val *args, int depth, struct val *ret)
{
	struct func_info *f = &x->funcs[fi];
	struct fctx *c = NULL;
	int err;

	*ret = unk;
	if (depth > MAX_DEPTH)
		return -ELOOP;
	if ((err = func_prepare(x, fi)))
		return err == -EINVAL ? 0 : err;
	for (int i = 0; i < f->nctx && !c; i++)
		if (args_eq(f->ctx[i].args, args))
			c = &f->ctx[i];
	if (!c && f->nctx < MAX_CTX) {
		c = &f->ctx[f->nctx++];
		memcpy(c->args, args, sizeof(c->args));
		c->busy = true;
		err = analyze_ctx(x, fi, args, depth, &c->ret);
		c->busy = false;
		*ret = c->ret;
		return err;
	}
	if (!c) { /* too many contexts: one with unknown arguments covers them all */
		c = &f->ctx[MAX_CTX];
		if (!c->busy && !c->done) {
			struct val u[5] = {unk, unk, unk, unk, unk};

			c->busy = true;
			err = analyze_ctx(x, fi, u, depth, &c->ret);
			c->busy = false;
			c->done = true;
		}
	}
	*ret = c->busy ? unk : c->ret;
	return err;
}

int reach_run(const struct reach_input *in, struct reach_result *out)
{
	struct rctx x = {.in = in, .obj = in->obj, .out = out};
	const struct bpf_obj_view *obj = in->obj;
	int err;

	memset(out, 0, sizeof(*out));
	x.funcs = calloc(obj->nfuncs ? obj->nfuncs : 1, sizeof(*x.funcs));
	out->cands = calloc(MAX_CANDS, sizeof(*out->cands));
	err = x.funcs && out->cands ? build_meta(&x) : -ENOMEM;
	for (size_t i = 0; !err && i < obj->nfuncs; i++) {
		const struct btf_type *t;
		int id = btf__find_by_name_kind(obj->btf, obj->funcs[i].name, BTF_KIND_FUNC);

		t = id > 0 ? btf__type_by_id(obj->btf, id) : NULL;
		x.funcs[i].global = t && obj->funcs[i].prog < 0 && btf_vlen(t) == BTF_FUNC_GLOBAL;
	}
	for (size_t i = 0; !err && i < obj->nprogs; i++) {
		struct val args[5] = {unk, unk, unk, unk, unk}, r;

		err = analyze(&x, obj->progs[i].func, args, 0, &r);
		/*
		 * Older kernels check every global function a program contains, called on a dead
		 * path or not (newer ones only those reached): so does this.
		 */
		for (size_t f = 0; !err && f < obj->nfuncs; f++)
			if (x.funcs[f].global && obj->progs[i].reach[f])
				err = analyze(&x, (int)f, args, 1, &r);
	}
	for (size_t i = 0; x.funcs && i < obj->nfuncs; i++)
		free(x.funcs[i].leader);
	for (size_t i = 0; x.meta && i < obj->nsecs; i++)
		free(x.meta[i]);
	free(x.meta);
	free(x.funcs);
	if (err)
		reach_result_free(out);
	return err;
}

void reach_result_free(struct reach_result *r)
{
	for (size_t i = 0; r->live && i < r->nsecs; i++)
		free(r->live[i]);
	for (size_t i = 0; r->maps && i < r->nsecs; i++)
		free(r->maps[i]);
	free(r->live);
	free(r->maps);
	free(r->cands);
	memset(r, 0, sizeof(*r));
}

bool reach_live(const struct reach_result *r, int sec, uint32_t off)
{
	if (sec < 0 || (size_t)sec >= r->nsecs || !r->live[sec])
		return false;
	return r->live[sec][off / 8];
}

int reach_call_map(const struct reach_result *r, int sec, uint32_t off, int arg)
{
	int32_t map;

	if (sec < 0 || (size_t)sec >= r->nsecs || !r->maps || !r->maps[sec] || arg < 0 ||
	    arg >= REACH_MAP_ARGS)
		return -1;
	map = r->maps[sec][(size_t)(off / 8) * REACH_MAP_ARGS + arg];
	return map >= 0 ? map : -1;
}
