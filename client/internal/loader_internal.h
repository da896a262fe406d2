/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Internals of the loader, shared by client/loader_*.c (and by tests/unit/test_loader.c).
 * One file per concern:
 *   loader_btf.c     which BTF CO-RE uses (and the package's arch)
 *   loader_log.c     libbpf's log captured during load; the verifier log trimmed
 *   loader_load.c    open, load (errors classified), attach, detach
 *   loader_params.c  read-only globals: --set and the parameter list
 *   loader_value.c   per-CPU sums and struct members through BTF (scalars and strings as
 *                    text: core.h)
 *   loader_format.c  values as text; loader_json.c: values as JSON
 *   loader_events.c  ring buffers and perf buffers, events decoded by EUCC_EVENT types
 *   loader_maps.c    map dumps at exit; loader_hist.c: log2 histograms
 *   loader_run.c     loader_run: the whole sequence, signals, the poll loop
 */
#ifndef EUCC_CLIENT_LOADER_INTERNAL_H
#define EUCC_CLIENT_LOADER_INTERNAL_H

#include <limits.h>
#include <signal.h>

#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "core.h"
#include "loader.h"
#include <eucc/eucc.h>

struct cJSON;

#define NATIVE_BTF_PATH	 "/sys/kernel/btf/vmlinux"
#define EVENT_SECTION	 EUCC_EVENT_SECTION
#define EVENT_VAR_PREFIX EUCC_EVENT_PREFIX
#define PERF_PAGES	 8 /* per CPU */
#define POLL_MS		 100

/* ---- BTF choice (loader_btf.c) ---- */

/* Where the BTF for CO-RE comes from. */
enum btf_origin { BTF_FROM_KERNEL, BTF_FROM_FILE, BTF_FROM_BUNDLE };

struct btf_choice {
	enum btf_origin origin;
	char path[PATH_MAX];		  /* BTF_FROM_FILE; BTF_FROM_KERNEL if overridden */
	const struct loader_btf *bundled; /* BTF_FROM_BUNDLE */
	char desc[PATH_MAX + 32];	  /* "bundled R", "/sys/kernel/btf/vmlinux" */
};

/* "wrong_arch" unless the package's arch is the host's. */
int btf_check_arch(const struct loader_input *in, struct eucc_error *err);
/* The BTF CO-RE will use (DESIGN.md "The client loader"), without side effects. */
int btf_choose(const struct loader_input *in, const struct loader_opts *opts, struct btf_choice *c,
	       struct eucc_error *err);
/* Write a bundled BTF to a private (0600) temp file; its name goes to @path. */
int btf_write_temp(const struct loader_btf *b, char *path, size_t size, struct eucc_error *err);

/* ---- libbpf's log (loader_log.c) ---- */

struct load_log {
	char *text; /* libbpf's warnings of one load, NUL-terminated */
	size_t len;
	FILE *f;
	libbpf_print_fn_t prev;
};

/* Route libbpf's messages into @log (until log_end) instead of stderr. */
int log_begin(struct load_log *log);
void log_end(struct load_log *log);
void log_free(struct load_log *log);
/* The failing program's verifier log (inside libbpf's BEGIN/END PROG LOAD LOG), or NULL. */
const char *log_prog_failure(const struct load_log *log, char *prog, size_t size, size_t *len);
/* The last lines that matter of a verifier log (the error line and up to @ctx lines
 * before it), at most @size bytes with the NUL. */
void log_trim_verifier(const char *vlog, size_t len, int ctx, char *out, size_t size);
/* The last @n lines of libbpf's own warnings, for errors that are not the verifier's. */
void log_tail(const struct load_log *log, int n, char *out, size_t size);

/* ---- params (loader_params.c) ---- */

/* The DATASEC of the object's .rodata and its map, or -ENOENT. */
int params_rodata(struct bpf_object *obj, struct bpf_map **map, __u32 *datasec_id);
/* Apply "NAME=VALUE" to the read-only globals before load ("bad_param" on errors). */
int params_apply(struct bpf_object *obj, const char *const *sets, size_t nsets,
		 struct eucc_error *err);
/* Parse @value for a variable of BTF type @type_id into @dst (btf size bytes). */
int params_parse(const struct btf *btf, __u32 type_id, const char *value, void *dst, char *why,
		 size_t why_size);
/* Whether the kernel has global data: read-only array maps that can be frozen (5.2).
 * 1 yes, 0 no, negative errno if it cannot tell (e.g. no permission). */
int params_probe_global_data(void);

/* ---- values through BTF (loader_value.c; scalars and strings: core.h) ---- */

/* True if every leaf of @id is an integer that can be summed across CPUs. */
bool val_summable(const struct btf *btf, __u32 id);
/* dst += src at every integer leaf of @id. */
void val_sum(const struct btf *btf, __u32 id, void *dst, const void *src);
/* How much of member @i of struct @t came in a record of @size bytes: PART_NONE, PART_ALL,
 * or PART_ARRAY with *nelems whole elements of an array (a char array: a string of at most
 * *nelems bytes). */
enum part { PART_NONE, PART_ALL, PART_ARRAY };
enum part val_member_part(const struct btf *btf, const struct btf_type *t, __u16 i, size_t size,
			  __u32 *nelems);
/* The struct member named @name of resolved type @id, or NULL. */
const struct btf_member *val_member(const struct btf *btf, __u32 id, const char *name);

/* ---- values as text and JSON (loader_format.c, loader_json.c) ---- */

/* A struct as `a=1 b=x` (top level), anything else as its value. */
void fmt_text_fields(FILE *out, const struct btf *btf, __u32 id, const void *p);
/* One value: `5`, `abc`, `{a=1,b=2}`, `[1,2]`. */
void fmt_text_value(FILE *out, const struct btf *btf, __u32 id, const void *p);
/* A string as printed: bare if plain, else quoted with escapes (btf_string_text). */
void fmt_text_string(FILE *out, const char *s, size_t max);
void fmt_text_hex(FILE *out, const void *p, size_t size);
/* At most HEX_CAP bytes of @p, then " ... N more". */
void fmt_text_hex_capped(FILE *out, const void *p, size_t size);
#define HEX_CAP 64
/* The field names of a struct as a header: `pid ppid comm` (anonymous members inlined). */
void fmt_text_names(FILE *out, const struct btf *btf, __u32 id);
/* A record of @size bytes, shorter than its struct type @id (a fixed part and a variable tail):
 * the members that came, a string or array cut where the record ends; nothing is read past
 * @size. */
void fmt_text_partial(FILE *out, const struct btf *btf, __u32 id, const void *p, size_t size);
struct cJSON *fmt_json_partial(const struct btf *btf, __u32 id, const void *p, size_t size);
struct cJSON *fmt_json_value(const struct btf *btf, __u32 id, const void *p);
struct cJSON *fmt_json_hex(const void *p, size_t size);
/* A value of BTF type @id, or of @size bytes in hex when @id is 0 (no BTF). */
void fmt_text_any(FILE *out, const struct btf *btf, __u32 id, const void *p, size_t size);
struct cJSON *fmt_json_any(const struct btf *btf, __u32 id, const void *p, size_t size);
/* Print @json on one line. Consumes @json. */
void fmt_json_line(FILE *out, struct cJSON *json);

/* ---- the run (loader_run.c and friends) ---- */

struct event_map {
	struct loader_ctx *ctx;
	const char *name;
	__u32 type_id; /* the EUCC_EVENT type, 0 if none */
	__u32 type_size;
	__u64 lost; /* perf buffer samples lost */
	bool perf;
	bool header_done; /* text: the header line was printed */
	bool warned;	  /* the "type unknown" note was given */
};

struct loader_ctx {
	const struct loader_input *in;
	FILE *out;
	bool json;
	struct bpf_object *obj;
	const struct btf *btf;	/* the object's */
	const char *btf_desc;	/* the BTF CO-RE uses, as loader_pick_btf says it */
	char btf_tmp[PATH_MAX]; /* bundled BTF written out, "" if none */
	struct bpf_link **links;
	size_t nlinks;
	struct event_map *evs;
	size_t nevs;
	struct ring_buffer *rb;
	struct perf_buffer **pbs;
	size_t npbs;
	int epfd;
	int sigfd;
	sigset_t oldmask;
	bool masked;
	__u64 nevents;
	const char *hist_time; /* set while the histograms of an interval print: "HH:MM:SS" */
};

/* The local time of day, "HH:MM:SS" (bcc's TIME column); @buf holds at least 9 bytes. */
void clock_text(char *buf, size_t size);

/* loader_run.c: a copy of @in with what an older caller did not set zeroed; out: stdout. */
void opts_normalize(const struct loader_opts *in, struct loader_opts *out);

/* loader_load.c */
/* Open the package's object (CO-RE against @btf_path, NULL: the kernel's), "bad_object". */
int load_open_object(const struct loader_input *in, const char *btf_path, struct bpf_object **obj,
		     struct eucc_error *err);
int load_open(struct loader_ctx *ctx, const struct btf_choice *c, struct eucc_error *err);
/* loader_config.c: --map-size and --no-autoload applied to the opened object; a map its user
 * space sizes and no --map-size gives a size: "bad_param". */
int load_configure(struct loader_ctx *ctx, const struct loader_opts *opts, struct eucc_error *err);
int load_load(struct loader_ctx *ctx, size_t nsets, struct eucc_error *err);
int load_attach(struct loader_ctx *ctx, struct eucc_error *err);
void load_detach(struct loader_ctx *ctx);
void load_close(struct loader_ctx *ctx);

/* loader_events.c */
/* The EUCC_EVENT type declared for map @map_name, or 0. */
__u32 events_type(const struct btf *btf, const char *map_name);
int events_open(struct loader_ctx *ctx, struct eucc_error *err);
/* Consume what is ready in every buffer. */
int events_poll(struct loader_ctx *ctx);
void events_report_lost(struct loader_ctx *ctx);
void events_close(struct loader_ctx *ctx);
bool events_is_event_map(const struct bpf_map *map);

/* loader_maps.c */
void maps_dump(struct loader_ctx *ctx);
/* Only the histogram maps (every --interval). */
void maps_dump_hists(struct loader_ctx *ctx);

/* loader_hist.c */
/* Whether @value_id is a histogram: a struct with `slots`, an array of u32 or u64, at byte
 * offset *off, *nslots of *slot_size bytes. */
bool hist_slots(const struct btf *btf, __u32 value_id, __u32 *off, __u32 *nslots, __u32 *slot_size);
/* The unit of a histogram map: the manifest's "unit" for it, else from its name (`hist_us`,
 * `lat_nsecs`, `msecs`...): "usecs", "nsecs", "msecs", or NULL. */
const char *hist_unit(const struct loader_ctx *ctx, const struct bpf_map *map);
/* Print one histogram (text: bars; JSON: a line with "histogram"). */
void hist_print(struct loader_ctx *ctx, const struct bpf_map *map, const void *key,
		const void *value);

#endif
