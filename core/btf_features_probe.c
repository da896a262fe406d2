/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Feature tables measured on the booted kernel: which program types load, and which helpers
 * each may call. One BPF_PROG_LOAD of `call HELPER; r0 = 0; exit` per (type, helper), as
 * `bpftool feature probe` does; the verifier checks that the type may call the helper before
 * it looks at the arguments, so any other refusal still means "may call". The verifier's
 * words for "may not" are "unknown func" (older kernels), "invalid func" and "program of this
 * type cannot use helper" (6.x).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "features_internal.h"

#define LOG_SIZE 4096

/* Program types probed for their helpers: those that load with no attach target. */
static const enum bpf_prog_type helper_types[] = {
    BPF_PROG_TYPE_SOCKET_FILTER, BPF_PROG_TYPE_KPROBE,	       BPF_PROG_TYPE_SCHED_CLS,
    BPF_PROG_TYPE_SCHED_ACT,	 BPF_PROG_TYPE_TRACEPOINT,     BPF_PROG_TYPE_XDP,
    BPF_PROG_TYPE_PERF_EVENT,	 BPF_PROG_TYPE_CGROUP_SKB,     BPF_PROG_TYPE_SOCK_OPS,
    BPF_PROG_TYPE_SK_SKB,	 BPF_PROG_TYPE_SK_MSG,	       BPF_PROG_TYPE_RAW_TRACEPOINT,
    BPF_PROG_TYPE_CGROUP_DEVICE, BPF_PROG_TYPE_FLOW_DISSECTOR,
};

struct probe {
	const struct btf *btf;
	struct btf_features *f;
	size_t cap;
	char *log;
};

/* Load `[call @helper;] r0 = 0; exit` as @type: the fd (closed), or -errno with the log. */
static int try_load(struct probe *pr, enum bpf_prog_type type, enum bpf_attach_type attach,
		    uint32_t btf_id, int helper)
{
	struct bpf_insn insns[] = {
	    {.code = BPF_JMP | BPF_CALL, .imm = helper},
	    {.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0},
	    {.code = BPF_JMP | BPF_EXIT},
	};
	LIBBPF_OPTS(bpf_prog_load_opts, o, .expected_attach_type = attach, .attach_btf_id = btf_id,
		    .log_buf = pr->log, .log_size = LOG_SIZE, .log_level = helper ? 1 : 0);
	int fd;

	pr->log[0] = '\0';
	fd = bpf_prog_load(type, NULL, "GPL", helper ? insns : insns + 1, helper ? 3 : 2, &o);
	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

static bool helper_refused(const char *log)
{
	return strcasestr(log, "unknown func") || strcasestr(log, "invalid func") ||
	       strstr(log, "cannot use helper");
}

static int add_type(struct probe *pr, enum btf_feature_kind kind, enum bpf_prog_type type,
		    const char *helper, int id)
{
	const char *tname = libbpf_bpf_prog_type_str(type);
	char name[96];

	if (!tname)
		return 0;
	if (kind == BTF_FEATURE_PROG_LOADS) {
		snprintf(name, sizeof(name), "BPF_PROG_TYPE_%s", tname);
		for (char *c = name; *c; c++)
			*c = (char)(*c >= 'a' && *c <= 'z' ? *c - 'a' + 'A' : *c);
		return btf_features_add(pr->f, &pr->cap, kind, name, type);
	}
	snprintf(name, sizeof(name), "%s:%s", tname, helper);
	return btf_features_add(pr->f, &pr->cap, kind, name, BTF_FEATURE_PAIR(type, id));
}

/* Tracing and LSM programs load only with a trampoline on a kernel function. */
static int probe_trampolines(struct probe *pr)
{
	static const struct {
		enum bpf_prog_type type;
		enum bpf_attach_type attach;
		const char *func;
	} tr[] = {
	    {BPF_PROG_TYPE_TRACING, BPF_TRACE_FENTRY, "vfs_read"},
	    {BPF_PROG_TYPE_LSM, BPF_LSM_MAC, "bpf_lsm_file_open"},
	};

	for (size_t i = 0; i < sizeof(tr) / sizeof(tr[0]); i++) {
		int id = btf__find_by_name_kind(pr->btf, tr[i].func, BTF_KIND_FUNC);
		int err;

		if (id <= 0 || try_load(pr, tr[i].type, tr[i].attach, (uint32_t)id, 0))
			continue;
		err = add_type(pr, BTF_FEATURE_PROG_LOADS, tr[i].type, NULL, 0);
		if (err)
			return err;
	}
	return 0;
}

static int probe_helpers(struct probe *pr, enum bpf_prog_type type)
{
	int err;

	if (try_load(pr, type, 0, 0, 0))
		return 0;
	err = add_type(pr, BTF_FEATURE_PROG_LOADS, type, NULL, 0);
	err = err ?: add_type(pr, BTF_FEATURE_PROG_HELPER, type, "*", 0);
	for (size_t i = 0, n = pr->f->count; !err && i < n; i++) {
		const struct btf_feature *h = &pr->f->items[i];
		char name[96];
		int ret;

		if (h->kind != BTF_FEATURE_HELPER || h->value <= 0 || h->value > 0xffff)
			continue;
		ret = try_load(pr, type, 0, 0, (int)h->value);
		if (ret == -EPERM)
			return ret;
		if (ret && helper_refused(pr->log))
			continue;
		btf_feature_display_name(h, name, sizeof(name));
		err = add_type(pr, BTF_FEATURE_PROG_HELPER, type, name, (int)h->value);
	}
	return err;
}

bool btf_features_probes_type(int type)
{
	for (size_t i = 0; i < sizeof(helper_types) / sizeof(helper_types[0]); i++)
		if ((int)helper_types[i] == type)
			return true;
	return type == BPF_PROG_TYPE_TRACING || type == BPF_PROG_TYPE_LSM;
}

int btf_features_probe(const struct btf *btf, struct btf_features *f)
{
	struct probe pr = {.btf = btf, .f = f, .cap = f->count};
	int err = 0;

	if (!f->known[BTF_FEATURE_HELPER])
		return -ENOENT;
	pr.log = malloc(LOG_SIZE);
	if (!pr.log)
		return -ENOMEM;
	if (try_load(&pr, BPF_PROG_TYPE_SOCKET_FILTER, 0, 0, 0) == -EPERM)
		err = -EPERM;
	for (size_t i = 0; !err && i < sizeof(helper_types) / sizeof(helper_types[0]); i++)
		err = probe_helpers(&pr, helper_types[i]);
	err = err ?: probe_trampolines(&pr);
	free(pr.log);
	if (!err)
		f->known[BTF_FEATURE_PROG_LOADS] = f->known[BTF_FEATURE_PROG_HELPER] = true;
	return err;
}
