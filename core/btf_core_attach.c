/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Attach targets against the kernel's BTF: functions for kprobes, fentry/fexit, LSM hooks and
 * iterators; tracepoints by the types and functions the kernel generates for each of them.
 */
#include <string.h>

#include "core_internal.h"

static bool has(const struct btf_index *k, const char *prefix, const char *name, int kind)
{
	char buf[512];

	snprintf(buf, sizeof(buf), "%s%s", prefix, name);
	return btf_index_find(k, buf, kind) > 0;
}

#define NO_FUNCS "its BTF has no function records"

/* An error, or with a reason why we cannot tell, a warning. */
static int missing(struct attach_prog *a, const char *unsure, const char *what, const char *target)
{
	if (unsure)
		return core_finding(a->c, CORE_WARNING, "attach", a->f->sec, a->f->off,
				    "program '%s': cannot tell whether %s '%s' exists in %s: %s",
				    a->p->name, what, target, a->c->release, unsure);
	return core_finding(a->c, CORE_ERROR, "attach", a->f->sec, a->f->off,
			    "program '%s': %s '%s' does not exist in %s", a->p->name, what, target,
			    a->c->release);
}

/* A kernel function, by its name or with one of @prefixes (NULL-terminated). */
static int need_func(struct attach_prog *a, const char *what, const char *name,
		     const char *const *prefixes)
{
	char target[256];
	const char *plus = strchr(name, '+');

	snprintf(target, sizeof(target), "%.*s", plus ? (int)(plus - name) : (int)strlen(name),
		 name);
	if (!*target || strchr(target, ':') || strchr(target, '*'))
		return 0; /* attached by hand, in a module, or a pattern */
	for (int i = 0; prefixes[i]; i++)
		if (has(a->c->index, prefixes[i], target, BTF_KIND_FUNC))
			return 0;
	return missing(a, btf_index_has_funcs(a->c->index) ? NULL : NO_FUNCS, what, target);
}

static bool syscall_exists(const struct btf_index *k, const char *name)
{
	static const char *const prefixes[] = {"__x64_sys_", "__arm64_sys_", "__s390x_sys_",
					       "__se_sys_",  "__do_sys_",    "sys_"};

	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (has(k, prefixes[i], name, BTF_KIND_FUNC))
			return true;
	return false;
}

/*
 * A tracepoint NAME: an event with its own class has struct trace_event_raw_NAME; every event
 * has typedef btf_trace_NAME (5.5+) and function __traceiter_NAME (5.10+). Per-syscall events
 * (syscalls/sys_enter_X) are made at boot from the syscall X.
 */
static int need_tracepoint(struct attach_prog *a, const char *target)
{
	const struct btf_index *k = a->c->index;
	const char *name = strrchr(target, '/') ? strrchr(target, '/') + 1 : target;

	if (!*name || has(k, "trace_event_raw_", name, BTF_KIND_STRUCT) ||
	    has(k, "btf_trace_", name, BTF_KIND_TYPEDEF) ||
	    has(k, "__traceiter_", name, BTF_KIND_FUNC))
		return 0;
	if (!strncmp(target, "syscalls/", 9) &&
	    (!strncmp(name, "sys_enter_", 10) || !strncmp(name, "sys_exit_", 9))) {
		if (syscall_exists(k, strchr(name + 4, '_') + 1))
			return 0;
		return missing(a, btf_index_has_funcs(k) ? NULL : NO_FUNCS, "tracepoint", target);
	}
	return missing(a,
		       btf_index_has_trace_typedefs(k) /* Linux 5.5+ */
			   ? NULL
			   : "its BTF shows only tracepoints with their own class",
		       "tracepoint", target);
}

static int need_btf_tracepoint(struct attach_prog *a, const char *name)
{
	if (!*name || has(a->c->index, "btf_trace_", name, BTF_KIND_TYPEDEF))
		return 0;
	return missing(a, NULL, "BTF tracepoint", name);
}

static int check_prog(struct core_ctx *c, const struct obj_prog *p)
{
	static const char *const plain[] = {"", NULL};
	static const char *const lsm[] = {"bpf_lsm_", NULL};
	static const char *const iter[] = {"bpf_iter_", NULL};
	static const char *const sys[] = {"__x64_sys_", "__arm64_sys_", "__s390x_sys_",
					  "__se_sys_",	"sys_",		NULL};
	struct attach_prog a = {c, p, &c->obj->funcs[p->func]};
	char prefix[64], kind[64];
	const char *slash = strchr(p->section, '/');
	size_t n = slash ? (size_t)(slash - p->section) : strlen(p->section);
	int err;

	/* "fentry.s/x" -> "fentry" */
	snprintf(prefix, sizeof(prefix), "%.*s", (int)n, p->section);
	snprintf(kind, sizeof(kind), "%s", prefix);
	if (strchr(kind, '.'))
		*strchr(kind, '.') = '\0';
	if (!p->type_known)
		return 0; /* a section libbpf does not know: the program check says so */
	err = core_check_attach_capability(&a, prefix, kind);
	if (err || !slash)
		return err;
	if (!strcmp(kind, "kprobe") || !strcmp(kind, "kretprobe"))
		return need_func(&a, "kprobe target", p->attach, plain);
	if (!strcmp(kind, "ksyscall") || !strcmp(kind, "kretsyscall"))
		return need_func(&a, "syscall", p->attach, sys);
	if (!strcmp(kind, "fentry") || !strcmp(kind, "fexit") || !strcmp(kind, "fmod_ret"))
		return need_func(&a, "function", p->attach, plain);
	if (!strcmp(kind, "lsm"))
		return need_func(&a, "LSM hook", p->attach, lsm);
	if (!strcmp(kind, "iter"))
		return need_func(&a, "iterator", p->attach, iter);
	if (!strcmp(kind, "tracepoint") || !strcmp(kind, "tp") || !strcmp(kind, "raw_tp") ||
	    !strcmp(kind, "raw_tracepoint"))
		return need_tracepoint(&a, p->attach);
	if (!strcmp(kind, "tp_btf"))
		return need_btf_tracepoint(&a, p->attach);
	return 0;
}

int core_check_attach(struct core_ctx *c)
{
	for (size_t i = 0; i < c->obj->nprogs; i++) {
		int err = check_prog(c, &c->obj->progs[i]);

		if (err)
			return err;
	}
	return 0;
}
