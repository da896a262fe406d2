/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Whether a kernel can attach a kind of program at all, from the types and functions its BTF
 * holds: kprobes (CONFIG_KPROBE_EVENTS: struct trace_kprobe), uprobes (struct trace_uprobe),
 * kprobe.multi (CONFIG_FPROBE: struct fprobe), uprobe.multi (struct bpf_uprobe_multi_link),
 * BPF trampolines for fentry/fexit/fmod_ret/freplace/lsm (struct bpf_trampoline, and on arm64
 * the JIT's struct bpf_plt of Linux 6.0), the BPF LSM (bpf_lsm_* functions; whether it is
 * enabled at boot BTF cannot show). And the programs that only their own user space attaches
 * (perf_event, XDP, tc, sockets, cgroups, sections without a target).
 */
#include <string.h>

#include "core_internal.h"

static bool has_type(const struct btf_index *k, const char *name, int kind)
{
	return btf_index_find(k, name, kind) > 0;
}

/* The kernel's architecture from types only an architecture defines; NULL if neither. */
static const char *kernel_arch(const struct btf_index *k)
{
	if (has_type(k, "fregs_state", BTF_KIND_STRUCT))
		return "x86_64";
	if (has_type(k, "user_fpsimd_state", BTF_KIND_STRUCT))
		return "arm64";
	return NULL;
}

/* An error: 1 once reported (or a negative errno). @fmt has one %s, the release. */
static int cap_error(const struct attach_prog *a, const char *fmt, const char *why)
{
	char what[256];
	int err;

	snprintf(what, sizeof(what), fmt, a->c->release);
	err = core_finding(a->c, CORE_ERROR, "attach", a->f->sec, a->f->off,
			   "program '%s' (%s): %s (%s)", a->p->name, a->p->section, what, why);
	return err ?: 1;
}

static int cap_unsure(const struct attach_prog *a, const char *what, const char *why)
{
	return core_finding(a->c, CORE_WARNING, "attach", a->f->sec, a->f->off,
			    "program '%s' (%s): cannot confirm %s in %s: %s", a->p->name,
			    a->p->section, what, a->c->release, why);
}

static int need_kprobes(const struct attach_prog *a, bool multi)
{
	const struct btf_index *k = a->c->index;

	if (!has_type(k, "trace_kprobe", BTF_KIND_STRUCT))
		return cap_error(a, "%s cannot attach kprobes: it is built without CONFIG_KPROBES",
				 btf_index_has_funcs(k) &&
					 !has_type(k, "register_kprobe", BTF_KIND_FUNC)
				     ? "its BTF has no register_kprobe and no struct trace_kprobe"
				     : "its BTF has no struct trace_kprobe (CONFIG_KPROBE_EVENTS)");
	if (multi && !has_type(k, "fprobe", BTF_KIND_STRUCT))
		return cap_error(a, "%s cannot attach kprobe.multi programs (CONFIG_FPROBE, 5.18+)",
				 "its BTF has no struct fprobe");
	return 0;
}

static int need_uprobes(const struct attach_prog *a, bool multi)
{
	const struct btf_index *k = a->c->index;

	if (!has_type(k, "trace_uprobe", BTF_KIND_STRUCT))
		return cap_error(a, "%s cannot attach uprobes: it is built without CONFIG_UPROBES",
				 "its BTF has no struct trace_uprobe (CONFIG_UPROBE_EVENTS)");
	if (multi && !has_type(k, "bpf_uprobe_multi_link", BTF_KIND_STRUCT))
		return cap_error(a, "%s cannot attach uprobe.multi programs (6.6+)",
				 "its BTF has no struct bpf_uprobe_multi_link");
	return 0;
}

/* fentry, fexit, fmod_ret, freplace and lsm programs run from a BPF trampoline. */
static int need_trampoline(const struct attach_prog *a)
{
	const struct btf_index *k = a->c->index;
	const char *arch = kernel_arch(k);

	if (!has_type(k, "bpf_trampoline", BTF_KIND_STRUCT))
		return cap_error(a, "%s has no BPF trampolines (Linux 5.5+)",
				 "its BTF has no struct bpf_trampoline");
	if (arch && !strcmp(arch, "arm64") && !has_type(k, "bpf_plt", BTF_KIND_STRUCT))
		return cap_error(a, "the arm64 JIT of %s cannot make BPF trampolines (arm64: 6.0+)",
				 "its BTF has no struct bpf_plt");
	if (!arch)
		return cap_unsure(a, "BPF trampolines",
				  "its BTF shows neither an x86_64 nor an arm64 kernel");
	return 0;
}

static int need_lsm(const struct attach_prog *a)
{
	const struct btf_index *k = a->c->index;

	if (btf_index_has_funcs(k) && !btf_index_has_lsm_hooks(k))
		return cap_error(a, "%s is built without CONFIG_BPF_LSM",
				 "its BTF has no bpf_lsm_* hooks");
	return cap_unsure(a, "that the BPF LSM is enabled",
			  "it runs only with 'bpf' in the kernel's lsm= list "
			  "(/sys/kernel/security/lsm), which BTF does not show");
}

static int core_attach_capability(const struct attach_prog *a, const char *prefix, const char *kind)
{
	const char *who = obj_user_attach(a->p->type, a->p->section);
	bool multi = strstr(prefix, ".multi") || strstr(prefix, ".session");

	if (who)
		return core_finding(
		    a->c, CORE_WARNING, "attach", a->f->sec, a->f->off,
		    "program '%s' (%s) is attached by its user space, %s: cannot "
		    "confirm it attaches in %s; eucc-remote run loads it and cannot "
		    "attach it (switch it off with --no-autoload %s)",
		    a->p->name, a->p->section, who, a->c->release, a->p->name);
	if (!strcmp(kind, "kprobe") || !strcmp(kind, "kretprobe") || !strcmp(kind, "ksyscall") ||
	    !strcmp(kind, "kretsyscall"))
		return need_kprobes(a, multi);
	if (!strcmp(kind, "uprobe") || !strcmp(kind, "uretprobe") || !strcmp(kind, "usdt"))
		return need_uprobes(a, multi);
	if (!strcmp(kind, "fentry") || !strcmp(kind, "fexit") || !strcmp(kind, "fmod_ret") ||
	    !strcmp(kind, "freplace"))
		return need_trampoline(a);
	if (!strcmp(kind, "lsm")) {
		int err = need_trampoline(a);

		return err ?: need_lsm(a);
	}
	return 0;
}

int core_check_attach_capability(const struct attach_prog *a, const char *prefix, const char *kind)
{
	int err = core_attach_capability(a, prefix, kind);

	return err < 0 ? err : 0;
}
