/* SPDX-License-Identifier: Apache-2.0 */
/* The parsed BPF object (struct bpf_obj_view), shared by the object and CO-RE check files. */
#ifndef EUCC_CORE_OBJ_INTERNAL_H
#define EUCC_CORE_OBJ_INTERNAL_H

#include <linux/bpf.h>

#include <bpf/btf.h>

#include "core.h"

#define OBJ_NAME_MAX 128

/* An ELF section the checks care about. */
struct obj_sec {
	char name[256];
	const struct bpf_insn *insns; /* code sections only */
	size_t size;		      /* bytes */
	const unsigned char *bytes;   /* initial contents of a data section, NULL for .bss */
	bool exec;
	bool data;   /* .data*, .rodata*, .bss*: a global data map */
	bool rodata; /* .rodata*: frozen read-only, so the verifier knows its values */
	bool maps;   /* .maps */
};

/* A function symbol: a program (in a program section) or a subprogram (.text). */
struct obj_func {
	char name[OBJ_NAME_MAX];
	int sec;
	uint32_t off, size; /* bytes within the section */
	int prog;	    /* index in obj->progs, -1 for a subprogram */
};

struct obj_prog {
	char name[OBJ_NAME_MAX];
	char section[256];
	char attach[256]; /* the section name after the prefix: "do_sys_open", "sched/x" */
	bool type_known;  /* libbpf knows the section prefix */
	enum bpf_prog_type type;
	enum bpf_attach_type expected_attach;
	int func;	      /* entry function */
	unsigned char *reach; /* per function: called (directly or not) by this program */
};

/*
 * An instruction of interest: a helper or kfunc call, a reference to a map or global data, or
 * the address of a kernel symbol (`__ksym`, bpf_ksym_exists()).
 */
enum obj_ref_kind { OBJ_REF_HELPER, OBJ_REF_KFUNC, OBJ_REF_MAP, OBJ_REF_DATA, OBJ_REF_KSYM };

struct obj_ref {
	enum obj_ref_kind kind;
	int func;
	int sec;
	uint32_t off;		 /* byte offset of the instruction in its section */
	int32_t helper;		 /* OBJ_REF_HELPER: BPF_FUNC_* id */
	char name[OBJ_NAME_MAX]; /* kfunc, map, data section or kernel symbol name */
	bool weak;		 /* kfunc or kernel symbol declared __weak (not Kconfig) */
	int data_sec;		 /* OBJ_REF_DATA: the section, */
	uint32_t data_off;	 /* and the offset in it the instruction's address points at */
};

/* A subprogram call (BPF_PSEUDO_CALL) or a callback address (BPF_PSEUDO_FUNC) and its target. */
struct obj_call {
	int sec;
	uint32_t off;
	int to;	       /* function, -1 if none (a kfunc call) */
	bool callback; /* an address taken (ld_imm64), not a call */
};

struct obj_map {
	char name[OBJ_NAME_MAX];
	uint32_t type, key_size, value_size, max_entries, flags;
};

struct obj_global {
	char name[OBJ_NAME_MAX];
	char type[OBJ_NAME_MAX]; /* C type: "const volatile int" */
	char section[64];
	uint32_t size;
	uint32_t offset;  /* in its section */
	uint32_t type_id; /* in the object's BTF */
};

/* One CO-RE relocation record of .BTF.ext. */
struct obj_relo {
	int sec;
	int func; /* function holding the instruction, -1 if none */
	uint32_t insn_off;
	uint32_t type_id;
	uint32_t access_str_off;
	uint32_t kind; /* enum bpf_core_relo_kind */
};

struct obj_line {
	int sec;
	uint32_t insn_off;
	uint32_t file_off; /* in the object's BTF strings */
	uint32_t line;
};

struct bpf_obj_view {
	void *image; /* copy of the ELF */
	size_t image_size;
	struct btf *btf;
	struct obj_sec *secs;
	size_t nsecs;
	struct obj_func *funcs;
	size_t nfuncs;
	struct obj_prog *progs;
	size_t nprogs;
	struct obj_ref *refs;
	size_t nrefs;
	struct obj_call *calls; /* sorted by section, then offset */
	size_t ncalls;
	struct obj_map *maps;
	size_t nmaps;
	struct obj_global *globals;
	size_t nglobals;
	struct obj_relo *relos;
	size_t nrelos;
	struct obj_line *lines; /* sorted by section, then offset */
	size_t nlines;
};

/* Skip const/volatile/restrict/type tags and typedefs; *res (if set) gets the id reached. */
static inline const struct btf_type *btf_skip_mods(const struct btf *btf, uint32_t id,
						   uint32_t *res)
{
	const struct btf_type *t = btf__type_by_id(btf, id);

	for (int depth = 0; t && (btf_is_mod(t) || btf_is_typedef(t)) && depth < 64; depth++) {
		id = t->type;
		t = btf__type_by_id(btf, id);
	}
	if (res)
		*res = id;
	return t;
}

/* Grow *arr (of *n elements of @elem bytes) by one zeroed element; NULL on ENOMEM. */
void *obj_push(void *arr, size_t *n, size_t elem);
#define OBJ_PUSH(arr, n) ((typeof(arr))obj_push((void *)&(arr), &(n), sizeof(*(arr))))

/* Index of the section called @name, -1 if none. */
int obj_sec_find(const struct bpf_obj_view *obj, const char *name);
/* The function holding byte @off of section @sec, -1 if none. */
int obj_func_at(const struct bpf_obj_view *obj, int sec, uint32_t off);
/* Source file and line of the instruction at @off in @sec (the closest line info before it). */
bool obj_line_at(const struct bpf_obj_view *obj, int sec, uint32_t off, const char **file,
		 int *line);

/* Parts of obj_view_open (bpf_obj_btfext.c, bpf_obj_maps.c). */
int obj_parse_btf_ext(struct bpf_obj_view *obj, const void *data, size_t size,
		      struct eucc_error *err);
int obj_parse_maps(struct bpf_obj_view *obj, struct eucc_error *err);
int obj_parse_globals(struct bpf_obj_view *obj);
/* Program and map type names as libbpf spells them ("kprobe", "ringbuf"), "unknown" if not. */
const char *obj_prog_type_name(const struct obj_prog *p);
const char *obj_map_type_name(uint32_t type);
/* The UAPI enumerator: "BPF_PROG_TYPE_KPROBE", "BPF_MAP_TYPE_RINGBUF". */
void obj_type_enum_name(const char *prefix, const char *name, char *buf, size_t size);

#endif
