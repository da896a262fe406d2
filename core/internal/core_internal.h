/* SPDX-License-Identifier: Apache-2.0 */
/* The CO-RE checker's parts: relocation resolver, findings, feature checks, minimized BTF. */
#ifndef EUCC_CORE_CORE_INTERNAL_H
#define EUCC_CORE_CORE_INTERNAL_H

#include "obj_internal.h"

/* enum bpf_core_relo_kind (UAPI numbering). */
enum core_kind {
	CORE_FIELD_BYTE_OFFSET = 0,
	CORE_FIELD_BYTE_SIZE = 1,
	CORE_FIELD_EXISTS = 2,
	CORE_FIELD_SIGNED = 3,
	CORE_FIELD_LSHIFT_U64 = 4,
	CORE_FIELD_RSHIFT_U64 = 5,
	CORE_TYPE_ID_LOCAL = 6,
	CORE_TYPE_ID_TARGET = 7,
	CORE_TYPE_EXISTS = 8,
	CORE_TYPE_SIZE = 9,
	CORE_ENUMVAL_EXISTS = 10,
	CORE_ENUMVAL_VALUE = 11,
	CORE_TYPE_MATCHES = 12,
};

bool core_kind_is_field(uint32_t kind);
bool core_kind_is_type(uint32_t kind);
bool core_kind_is_enumval(uint32_t kind);
/* The existence checks a program guards with: field/type/enumval exists, type matches. */
bool core_kind_is_check(uint32_t kind);

#define CORE_SPEC_MAX 64

/* One named step (member or enumerator) or array index of an access path. */
struct core_acc {
	uint32_t type_id; /* the struct/union/enum holding it, or the array element type */
	uint32_t idx;
	const char *name; /* NULL for an array index */
};

/* A relocation's access path, parsed against a BTF (the object's, or a kernel's match). */
struct core_spec {
	const struct btf *btf;
	uint32_t root_id;
	uint32_t kind;
	struct core_acc acc[CORE_SPEC_MAX]; /* named steps and indices */
	int len;
	uint32_t raw[CORE_SPEC_MAX]; /* every step, anonymous members included */
	int raw_len;
	uint32_t bit_off;
};

/* Why a kernel candidate did not match a relocation. */
enum core_miss_reason {
	CORE_MISS_NONE,
	CORE_MISS_TYPE,		 /* root types are not compatible */
	CORE_MISS_NO_MEMBER,	 /* no member of that name */
	CORE_MISS_INCOMPAT,	 /* member found, its type is not compatible */
	CORE_MISS_NOT_COMPOSITE, /* the path goes through something that is not a struct/union */
	CORE_MISS_NOT_ARRAY,	 /* the path indexes something that is not an array */
	CORE_MISS_INDEX,	 /* index past the array's end */
	CORE_MISS_NO_ENUMVAL,	 /* the enum has no such enumerator */
};

struct core_miss {
	enum core_miss_reason reason;
	int depth;	      /* local accessor that failed */
	uint32_t targ_id;     /* kernel type where it failed */
	uint32_t member_type; /* CORE_MISS_INCOMPAT: the kernel member's type */
};

/* "task_struct___pre514" -> 11: the name without its ___flavor. */
size_t core_essential_len(const char *name);
bool core_names_equal(const char *a, const char *b);
/* The name of type @t, "" for an anonymous one. */
const char *core_type_name(const struct btf *btf, const struct btf_type *t);

int core_spec_parse(const struct btf *btf, uint32_t type_id, const char *access, uint32_t kind,
		    struct core_spec *spec);
/* Compatibility (btf_core_compat.c): 1 yes, 0 no, <0 error. */
int core_fields_compat(const struct btf *lb, uint32_t lid, const struct btf *tb, uint32_t tid);
int core_types_compat(const struct btf *lb, uint32_t lid, const struct btf *tb, uint32_t tid,
		      int level);
int core_types_match(const struct btf *lb, uint32_t lid, const struct btf *tb, uint32_t tid,
		     bool behind_ptr, int level);
uint32_t core_enum_name_off(const struct btf_type *t, int i);

/* 1: @targ_id matches (*out filled), 0: it does not (*miss says why), <0: error. */
int core_spec_match(const struct core_spec *local, const struct btf *targ, uint32_t targ_id,
		    struct core_spec *out, struct core_miss *miss);
/* Kernel types of the same essential name and a compatible kind, ascending (*ids malloc'd). */
int core_cands_find(const struct btf *local, uint32_t local_id, const struct btf_index *targ,
		    uint32_t **ids, size_t *n);

/* The value libbpf would patch in, and for loads the memory size it implies. */
struct core_value {
	uint64_t val;
	uint32_t mem_size; /* field byte offset: the size of the loaded field, 0 if n/a */
	uint32_t mem_type; /* its type */
};
int core_spec_value(const struct core_spec *spec, struct core_value *v);
/* libbpf's rule for loads of a field whose size changed: only pointers and unsigned ints. */
bool core_mem_size_ok(const struct core_spec *local, const struct core_value *lv,
		      const struct core_spec *targ, const struct core_value *tv);

/* ---- the check ------------------------------------------------------------------------- */

struct btf_min;
struct core_reach;
struct reach_relo;

/* A relocation that failed, reported once reachability is known. */
struct core_pending {
	size_t relo;
	enum core_severity sev;
	char kind[16];
	char msg[480];
};

struct core_ctx {
	const struct bpf_obj_view *obj;
	const struct btf *kernel;
	const struct btf_index *index; /* of kernel */
	const struct btf_features *features;
	const char *release;
	struct core_report *report;
	size_t cap;
	struct btf_min *min;
	struct reach_relo *relo_res; /* per obj->relos: what libbpf patches in on this kernel */
	struct core_reach *reach;    /* btf_core_reach.c */
	struct core_pending *pending;
	size_t npending;
};

/* ---- names of the kernel BTF (btf_index.c) ---------------------------------------------- */

/* The id of the first type named @name of @kind, -ENOENT if none (btf__find_by_name_kind). */
int btf_index_find(const struct btf_index *ix, const char *name, int kind);
const struct btf *btf_index_btf(const struct btf_index *ix);
/* Walk the types whose essential name is @name's first @len bytes, ascending ids, with others
 * of the same hash among them (the caller compares names): from btf_index_first while not 0. */
uint32_t btf_index_first(const struct btf_index *ix, const char *name, size_t len);
uint32_t btf_index_next(const struct btf_index *ix, uint32_t id);
/* Does the BTF have FUNC records (pahole-made BTF of some old kernels has none), bpf_lsm_*
 * functions, btf_trace_* typedefs? */
bool btf_index_has_funcs(const struct btf_index *ix);
bool btf_index_has_lsm_hooks(const struct btf_index *ix);
bool btf_index_has_trace_typedefs(const struct btf_index *ix);

/* Add a finding located at instruction @off of section @sec (sec < 0: no location). */
int core_finding(struct core_ctx *c, enum core_severity sev, const char *kind, int sec,
		 uint32_t off, const char *fmt, ...) __attribute__((format(printf, 6, 7)));

/*
 * Relocations in two steps: resolve all of them (libbpf's order and candidate narrowing), which
 * fills c->relo_res; then, once reachability is known, report the ones that fail.
 */
int core_resolve_relos(struct core_ctx *c);
int core_report_relos(struct core_ctx *c);

/* ---- reachability (btf_core_reach.c) ----------------------------------------------------- */

enum core_reach_rank {
	CORE_REACH_DEAD,  /* never reached on this kernel */
	CORE_REACH_PARAM, /* reached only when a parameter has another value than its default */
	CORE_REACH_LIVE,  /* reached with the parameters' defaults */
};

/* Run the analysis once relo_res is filled. */
int core_reach_prepare(struct core_ctx *c);
void core_reach_free(struct core_ctx *c);
/* How the instruction at @off of @sec is reached; for CORE_REACH_PARAM, "NAME=VALUE" in @why. */
int core_reach_rank(struct core_ctx *c, int sec, uint32_t off, char *why, size_t size,
		    enum core_reach_rank *rank);
/*
 * A finding about something that only fails where the verifier goes: at @sev if the instruction
 * is reached at the parameters' defaults, a warning "with NAME=VALUE: ..." if only another value
 * of a parameter reaches it, else a note "guarded: ...".
 */
int core_finding_reached(struct core_ctx *c, enum core_severity sev, const char *kind, int sec,
			 uint32_t off, const char *fmt, ...) __attribute__((format(printf, 6, 7)));
/*
 * The map (index in obj->maps) a helper call at @off of @sec is given in r(@arg + 1): as the
 * paths reaching it at the parameters' defaults have it, else as any path has it; -1 if not
 * one known map.
 */
int core_reach_call_map(struct core_ctx *c, int sec, uint32_t off, int arg, int *map);
/* Is the function holding @r in a program? (btf_core_feature.c) */
bool core_ref_reached(const struct bpf_obj_view *obj, const struct obj_ref *r);
/* Each helper call's map, against the map types the helper takes (btf_core_map_helper.c). */
int core_check_map_helpers(struct core_ctx *c,
			   void (*helper_name)(const struct core_ctx *, int32_t, char *, size_t));
int core_check_features(struct core_ctx *c);
int core_check_attach(struct core_ctx *c);

/* Does feature table @f hold an item of @kind with @value? (btf_core_feature.c) */
bool core_feature_has(const struct btf_features *f, enum btf_feature_kind kind, int64_t value);

/* Helpers per program type (btf_core_prog_helper.c). */
enum core_helper_rule { CORE_HELPER_UNKNOWN, CORE_HELPER_ALLOWED, CORE_HELPER_REFUSED };
/* What eucc knows without a measured table: may a @type program call helper @name? */
enum core_helper_rule core_helper_rule(enum bpf_prog_type type, const char *name);
/* Each helper call a program reaches, against what its program type may call; @effective
 * gives the helper the kernel sees (after libbpf's rewrites), -1 if the kernel lacks it (the
 * helper check reports that). */
int core_check_prog_helpers(struct core_ctx *c,
			    int32_t (*effective)(const struct core_ctx *, int32_t),
			    void (*helper_name)(const struct core_ctx *, int32_t, char *, size_t));

/* One program whose attach point is checked. */
struct attach_prog {
	struct core_ctx *c;
	const struct obj_prog *p;
	const struct obj_func *f;
};

/*
 * Can this kernel attach this kind of program at all (btf_core_attach_cap.c)? @prefix is the
 * section up to '/' ("kprobe.multi"), @kind that up to '.' ("kprobe"). Adds findings.
 */
int core_check_attach_capability(const struct attach_prog *a, const char *prefix, const char *kind);

/* Messages for a relocation that does not resolve (btf_core_explain.c). */
void core_explain_miss(const struct core_ctx *c, const struct core_spec *local,
		       const struct core_miss *miss, bool have_cands, char *kind, size_t ksize,
		       char *msg, size_t size);
/* "task_struct.se.vruntime" up to accessor @depth (-1: all). */
void core_spec_path(const struct core_spec *spec, int depth, char *buf, size_t size);
/* "struct task_struct", "enum bpf_func_id", "int", "pointer"... */
void core_type_describe(const struct btf *btf, uint32_t id, char *buf, size_t size);

/* ---- minimized BTF (btf_minimize.c) ------------------------------------------------------ */

int btf_min_new(const struct btf *kernel, struct btf_min **out);
void btf_min_free(struct btf_min *m);
/* Keep what relocation @targ (a kernel spec that matched) needs. */
int btf_min_record(struct btf_min *m, const struct core_spec *targ);
/* Raw BTF of the kept types, malloc'd. */
int btf_min_build(struct btf_min *m, void **data, size_t *size);

#endif
