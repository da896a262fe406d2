/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The loader of eucc-remote run: pick the BTF for CO-RE, load the object, auto-attach its
 * programs, print events from ring buffers and perf buffers decoded through the object's BTF,
 * dump the other maps at exit, stop on Ctrl-C, SIGTERM or a duration, detach everything.
 */
#ifndef EUCC_CLIENT_LOADER_H
#define EUCC_CLIENT_LOADER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "common.h"

struct cJSON;

/* A minimized BTF bundled in a package. */
struct loader_btf {
	const char *release;
	const char *arch;
	const void *data;
	size_t size;
};

/* What the loader needs from a package (the caller has verified it). */
struct loader_input {
	const char *name;   /* package name */
	const char *arch;   /* package arch, normalized */
	const void *object; /* the BPF object */
	size_t object_size;
	const struct loader_btf *btfs; /* bundled BTF, one per kernel */
	size_t nbtfs;
	/* the package's manifest, or NULL: its "events" name the record type of an event map
	 * that has no EUCC_EVENT declaration; its "maps" may give a histogram's "unit" */
	const struct cJSON *manifest;
};

enum loader_btf_mode { LOADER_BTF_AUTO, LOADER_BTF_BUNDLED, LOADER_BTF_NATIVE, LOADER_BTF_PATH };

struct loader_opts {
	size_t sz; /* sizeof(struct loader_opts) */
	enum loader_btf_mode btf_mode;
	const char *btf_path;	   /* LOADER_BTF_PATH */
	unsigned int duration_sec; /* 0: until Ctrl-C / SIGTERM */
	bool json;		   /* events and map dumps as JSON lines */
	const char *const *sets;   /* "NAME=VALUE" for read-only globals */
	size_t nsets;
	FILE *out; /* events and dumps; NULL: stdout */
	/* for tests: what `uname -r` and the native BTF path are (NULL: the real ones) */
	const char *release_override;
	const char *native_btf_override;
	bool attach_only;	   /* load, attach, say so, detach: "does it load here?" */
	unsigned int interval_sec; /* print the histogram maps every N s; 0: only at the end */
	/* as the tool's own user space would, before the load: */
	const char *const *map_sizes; /* "NAME=N": bpf_map__set_max_entries */
	size_t nmap_sizes;
	const char *const *no_autoload; /* program names: bpf_program__set_autoload(false) */
	size_t nno_autoload;
};

/*
 * Choose the BTF (DESIGN.md "The client loader": --btf PATH; /sys/kernel/btf/vmlinux; the
 * bundled BTF of `uname -r` and arch; /boot/vmlinux-$(uname -r); else an error listing the
 * bundled kernels and the compile command for this one), then load, attach, run, report.
 * Errors: "no_btf" (exit 2), "wrong_arch", "not_root", "bpf_denied", "verifier" (the verifier
 * log trimmed to what matters), "bad_param" (also: --map-size or --no-autoload naming no map
 * or program, a map sized by its user space without --map-size), "no_global_data",
 * "attach_failed", "not_attached" (a loaded program that libbpf cannot attach by itself, or
 * no program attached at all).
 */
int loader_run(const struct loader_input *in, const struct loader_opts *opts,
	       struct eucc_error *err);

/* Which BTF would be used, as text ("bundled 6.1.0-47-cloud-amd64", "/sys/kernel/btf/vmlinux"). */
int loader_pick_btf(const struct loader_input *in, const struct loader_opts *opts, char *desc,
		    size_t size, struct eucc_error *err);

/* A program parameter: a read-only global that `run --set NAME=VALUE` sets. (The comment above
 * it in the sources is not in the object: the package's manifest has it.) */
struct loader_param {
	char *name; /* "target_ppid" */
	char *type; /* its C type: "pid_t", "char[16]", "enum exec_mode" */
	char *def;  /* its default as `run` prints values: "0", "\"\"", "abc", "MODE_ALL" */
};

/* The program's parameters in declaration order (*n = 0: none). Free with loader_params_free. */
int loader_params(const struct loader_input *in, struct loader_param **out, size_t *n,
		  struct eucc_error *err);
void loader_params_free(struct loader_param *params, size_t n);

#endif
