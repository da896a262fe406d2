/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Reachability (bpf_reach.c): which instructions of an object the verifier would visit on one
 * kernel, once libbpf has patched its CO-RE relocations for that kernel and its read-only
 * globals hold known values.
 */
#ifndef EUCC_CORE_REACH_INTERNAL_H
#define EUCC_CORE_REACH_INTERNAL_H

#include "obj_internal.h"

/* What libbpf makes of one relocated instruction on a kernel. */
enum reach_patch {
	REACH_KEEP,   /* left as compiled (TYPE_ID_LOCAL, unchecked) */
	REACH_VALUE,  /* patched with `val` (imm, or the offset of a load or store) */
	REACH_POISON, /* an invalid call: the load fails if the verifier reaches it */
};

struct reach_relo {
	enum reach_patch patch;
	uint64_t val;
};

/* A read-only global given another value than its default (global < 0: none). */
struct reach_param {
	int global; /* index in obj->globals */
	uint64_t value;
};

/* A read-only global that decided a branch, and a value to try that may decide it otherwise. */
struct reach_cand {
	int global;
	uint64_t value;
};

struct reach_input {
	const struct bpf_obj_view *obj;
	const struct btf *kernel;	/* kernel symbols for bpf_ksym_exists() */
	const struct reach_relo *relos; /* one per obj->relos */
	struct reach_param param;
	bool all_paths; /* both arms of every branch: each instruction as any path reaches it */
};

struct reach_result {
	unsigned char **live; /* per section (NULL if not code): 1 per instruction reached */
	size_t nsecs;
	struct reach_cand *cands;
	size_t ncands;
	int32_t **maps; /* per section: REACH_MAP_ARGS per instruction (see reach_call_map) */
};

#define REACH_MAP_ARGS 2 /* the maps a helper call is given in r1 and r2 */

/*
 * Evaluate every program of in->obj from its entry the way the verifier prunes it: known
 * constants through moves, ALU ops, stack slots and loads from read-only global data; both arms
 * of a branch on an unknown value, one arm of a branch on a known one; subprograms per calling
 * context, global functions and callbacks with unknown arguments. Map addresses (ld_imm64 of a
 * map) are followed through moves and stack slots to the helper calls they are given to.
 * 0 or -ENOMEM / -ELOOP.
 */
int reach_run(const struct reach_input *in, struct reach_result *out);
void reach_result_free(struct reach_result *r);
bool reach_live(const struct reach_result *r, int sec, uint32_t off);
/* The map (index in obj->maps) in register r(@arg + 1) at the helper call at @off of @sec on
 * every path reaching it; -1 if another value, several maps, or the call is not reached. */
int reach_call_map(const struct reach_result *r, int sec, uint32_t off, int arg);

/* ---- BPF arithmetic on known values (bpf_reach_ops.c) ------------------------------------ */

uint64_t reach_trunc(uint64_t v, int bytes); /* the low @bytes bytes */
int64_t reach_sext(uint64_t v, int bytes);   /* the low @bytes bytes, sign-extended */
uint64_t reach_bswap(uint64_t v, int bits);  /* the low @bits bits, bytes reversed */
/* ALU or ALU64 @insn on @a and @b (BPF semantics: x / 0 = 0, x % 0 = x); false: unknown op. */
bool reach_alu(const struct bpf_insn *insn, bool is64, uint64_t a, uint64_t b, uint64_t *r);
/* Conditional jump @insn (JMP or JMP32) on @a and @b: 1 taken, 0 not, -1 unknown op. */
int reach_cmp(const struct bpf_insn *insn, uint64_t a, uint64_t b);

#endif
