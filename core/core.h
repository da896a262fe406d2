/* SPDX-License-Identifier: Apache-2.0 */
/*
 * core: the CO-RE checker. What a compiled BPF object asks of a kernel, and whether a kernel
 * gives it, from the kernel's BTF and feature tables alone (no store, no files):
 *
 *  - btf_features_*: a kernel's feature tables (helpers, map, program and attach types), read
 *    from its own BTF; the BTF store keeps them in its index;
 *  - obj_view_*: a BPF object parsed once (programs, maps, globals, helper calls, CO-RE
 *    relocations with their source lines);
 *  - core_check: the object against one kernel: findings, a status and the minimized BTF
 *    (for libbpf's btf_custom_path);
 *  - btf_value_*, btf_scalar_*: values of BTF types as text (the loader prints values with
 *    them, the server a package's parameter defaults).
 */
#ifndef EUCC_CORE_H
#define EUCC_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common.h"

struct btf;
struct cJSON;

/* ---- feature tables --------------------------------------------------------------------- */

enum btf_feature_kind {
	BTF_FEATURE_HELPER,	 /* enum bpf_func_id: BPF_FUNC_* */
	BTF_FEATURE_MAP_TYPE,	 /* enum bpf_map_type: BPF_MAP_TYPE_* */
	BTF_FEATURE_PROG_TYPE,	 /* enum bpf_prog_type: BPF_PROG_TYPE_* */
	BTF_FEATURE_ATTACH_TYPE, /* enum bpf_attach_type: BPF_* */
	/* measured on the booted kernel (btf_features_probe), not read from BTF: */
	BTF_FEATURE_PROG_LOADS,	 /* program types that load: BPF_PROG_TYPE_*, value the type */
	BTF_FEATURE_PROG_HELPER, /* "kprobe:bpf_probe_read": value type << 16 | helper id; helper
				  * 0 ("kprobe:*") says the type's helpers were measured */
	BTF_FEATURE_KIND_COUNT,
};

struct btf_feature {
	enum btf_feature_kind kind;
	char name[96]; /* as the kernel names it: BPF_FUNC_loop, BPF_MAP_TYPE_RINGBUF, ... */
	int64_t value;
};

struct btf_features {
	struct btf_feature *items;
	size_t count;
	bool known[BTF_FEATURE_KIND_COUNT]; /* false: this BTF lacks the enum, so "unknown" */
};

/* Read the feature tables from a kernel's own BTF. */
int btf_features_read(const struct btf *btf, struct btf_features *out);
/*
 * Measure on the running kernel (whose BTF is @btf) which program types load and which helpers
 * each may call, with a real BPF_PROG_LOAD per (type, helper) as `bpftool feature probe` does;
 * adds BTF_FEATURE_PROG_LOADS and BTF_FEATURE_PROG_HELPER items to @f. -EPERM without bpf().
 */
int btf_features_probe(const struct btf *btf, struct btf_features *f);
#define BTF_FEATURE_PAIR(type, helper) ((int64_t)(type) << 16 | (int64_t)(helper))
void btf_features_free(struct btf_features *f);
/* "helper", "map_type", "prog_type", "attach_type". */
const char *btf_feature_kind_name(enum btf_feature_kind kind);
/* The user-facing name: BPF_FUNC_loop -> "bpf_loop", BPF_MAP_TYPE_RINGBUF -> "ringbuf". */
void btf_feature_display_name(const struct btf_feature *f, char *buf, size_t size);

/* ---- BPF objects ------------------------------------------------------------------------ */

/*
 * What a compiled BPF object (ELF, -target bpf, with .BTF and .BTF.ext) asks of a kernel:
 * programs (name, section, program type, attach target), maps (name, type, key/value sizes),
 * helper calls per program, read-only globals, and its CO-RE relocations with their source
 * lines (from .BTF.ext line info). Parsed once, checked against any number of kernels.
 */
struct bpf_obj_view;

int obj_view_open(const void *data, size_t size, struct bpf_obj_view **out, struct eucc_error *err);
void obj_view_free(struct bpf_obj_view *obj);
/* {"programs":[{"name","section","type","attach"}], "maps":[{"name","type","key_size",
 *  "value_size","max_entries"}], "globals":[{"name","type","section","size"}]} (cJSON, caller
 * frees) */
struct cJSON *obj_view_json(const struct bpf_obj_view *obj);

/*
 * A map of @type declared with @max_entries that its user space must size before the load
 * (bpf_map__set_max_entries): 0 entries, and not a type the kernel or libbpf sizes itself
 * (perf event arrays: one per CPU; local storages and cgroup storages: always 0).
 */
bool obj_map_user_sized(uint32_t type, uint32_t max_entries);
/* A map of @type that no kernel creates with value_size 0 (hash, array, stack trace ...). */
bool obj_map_needs_value_size(uint32_t type);

/*
 * Who attaches a program of @type in @section when libbpf cannot attach it by itself
 * (bpf_program__attach: -EOPNOTSUPP): "to a network interface", "to a perf event it opens
 * with perf_event_open", ...; NULL if libbpf attaches it.
 */
const char *obj_user_attach(int type, const char *section);

/* ---- CO-RE checks ----------------------------------------------------------------------- */

/* A note does not change the status: what fails on this kernel only where the verifier never goes.
 */
enum core_severity { CORE_ERROR, CORE_WARNING, CORE_NOTE };
enum core_status { CORE_OK, CORE_STATUS_WARNING, CORE_INCOMPATIBLE };

struct core_finding {
	enum core_severity severity;
	char kind[16];	   /* "field", "type", "enum", "helper", "map", "program", "attach" */
	char message[512]; /* "task_struct.__state: no such field in R (it has 'state')" */
	char file[256];	   /* source file from line info, "" if unknown */
	int line;	   /* 0 if unknown */
};

struct core_report {
	enum core_status status;
	struct core_finding *findings;
	size_t count;
	void *min_btf; /* minimized BTF for btf_custom_path (raw BTF bytes, malloc'd) */
	size_t min_btf_size;
	unsigned int relocs; /* relocations checked */
};

/*
 * A kernel BTF's types by name, with the facts the attach checks ask of it: built once per
 * kernel (one pass over its types) and handed to every core_check of that kernel, which
 * otherwise builds its own. Refers to @btf, which must outlive it.
 */
struct btf_index;

int btf_index_new(const struct btf *btf, struct btf_index **out);
void btf_index_free(struct btf_index *ix);

struct core_check_opts {
	size_t sz;		       /* sizeof(struct core_check_opts) */
	const char *release;	       /* kernel name for messages */
	const struct btf_index *index; /* of the kernel BTF; NULL: core_check builds one */
};

/*
 * Check @obj against kernel BTF @kernel and its feature tables @features (may be NULL: not
 * checked): every CO-RE relocation resolved as libbpf would, helpers / map types / program
 * types available (allowing for what libbpf rewrites itself on old kernels), attach targets
 * present; and build the minimized BTF. What fails only on code the verifier would not reach
 * on this kernel (at the parameters' defaults) is a note, or a warning naming the parameter
 * value that reaches it. Status: incompatible if any error finding.
 */
int core_check(const struct bpf_obj_view *obj, const struct btf *kernel,
	       const struct btf_features *features, const struct core_check_opts *opts,
	       struct core_report *report, struct eucc_error *err);
void core_report_free(struct core_report *report);
const char *core_status_name(enum core_status status);	/* "ok", "warning", "incompatible" */
const char *core_severity_name(enum core_severity sev); /* "error", "warning", "note" */

/* ---- values through BTF ----------------------------------------------------------------- */

/* @id with typedefs, const, volatile, restrict and type tags skipped. */
uint32_t btf_value_resolve(const struct btf *btf, uint32_t id);

enum btf_scalar_kind {
	BTF_SCALAR_SIGNED,
	BTF_SCALAR_UNSIGNED,
	BTF_SCALAR_BOOL,
	BTF_SCALAR_PTR,
	BTF_SCALAR_FLOAT,
	BTF_SCALAR_ENUM,
	BTF_SCALAR_BYTES, /* an integer wider than 64 bits, a float of another size */
};

struct btf_scalar {
	enum btf_scalar_kind kind;
	int64_t s;		    /* SIGNED; ENUM: the value (signed if the enum is) */
	uint64_t u;		    /* UNSIGNED, BOOL, PTR */
	double f;		    /* FLOAT */
	const char *name;	    /* ENUM: the enumerator, NULL if the value has none */
	const unsigned char *bytes; /* BYTES (little-endian) */
	size_t nbytes;
};

/*
 * Read the scalar of type @id at @p (a bit field: @bit_size bits at @bit_off from @p; else 0,
 * 0). BPF data is little-endian. -EINVAL if the type is not a scalar (struct, union, array).
 */
int btf_scalar_read(const struct btf *btf, uint32_t id, const void *p, uint32_t bit_off,
		    uint32_t bit_size, struct btf_scalar *sc);
/* "-5", "5", "true", "MODE_ALL" (the number if no enumerator has it), "0x1f" (pointers, BYTES),
 * "1.5". */
void btf_scalar_text(const struct btf_scalar *sc, char *buf, size_t size);
/* True if @id is an array of plain `char` (not of a typedef like __u8): a string. */
bool btf_value_is_string(const struct btf *btf, uint32_t id);

#define BTF_TEXT_QUOTE 0x1u /* strings always in double quotes */

/*
 * The string in @s (at most @max bytes, up to a NUL) as text: bare if plain (not empty, no
 * space, quote, backslash or unprintable byte), else in double quotes with C escapes (\", \\,
 * \n, \t, \xNN); with BTF_TEXT_QUOTE always quoted. Written into @buf as snprintf does;
 * returns the length of the whole text.
 */
size_t btf_string_text(const char *s, size_t max, unsigned int flags, char *buf, size_t size);

/*
 * The value of type @id at @data (@size bytes there) as text: a scalar as btf_scalar_text
 * says, a char array as btf_string_text does. -EINVAL, with "?" in @buf, for other types
 * (structs, other arrays) or a value longer than @size.
 */
int btf_value_text(const struct btf *btf, uint32_t id, const void *data, size_t size,
		   unsigned int flags, char *buf, size_t bufsize);

#endif
