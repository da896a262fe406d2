/* SPDX-License-Identifier: Apache-2.0 */
/* Open the object, load it (a failure said in terms of what to do), attach, detach. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "loader_internal.h"

static const char *pkg_name(const struct loader_input *in)
{
	return in->name && in->name[0] ? in->name : "prog";
}

/* strerror that knows libbpf's own codes (LIBBPF_ERRNO__*, 4000 and up). */
static const char *errstr(int ret, char *buf, size_t size)
{
	libbpf_strerror(ret, buf, size);
	return buf;
}

int load_open_object(const struct loader_input *in, const char *btf_path, struct bpf_object **obj,
		     struct eucc_error *err)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .object_name = in->name,
		    .btf_custom_path = btf_path);
	struct load_log log;
	char tail[640], ebuf[128];
	int ret;

	if (!in->object || !in->object_size)
		return eucc_error_set(err, -EINVAL, EUCC_E_BAD_OBJECT, "the package has no object");
	ret = log_begin(&log);
	if (ret)
		return eucc_error_set(err, ret, EUCC_E_IO, "no memory");
	*obj = bpf_object__open_mem(in->object, in->object_size, &opts);
	ret = *obj ? 0 : -errno;
	log_end(&log);
	if (ret) {
		log_tail(&log, 4, tail, sizeof(tail));
		eucc_error_set(err, ret, EUCC_E_BAD_OBJECT,
			       "cannot open the BPF object of %s: %s\n%s", pkg_name(in),
			       errstr(ret, ebuf, sizeof(ebuf)), tail);
	}
	log_free(&log);
	return ret;
}

int load_open(struct loader_ctx *ctx, const struct btf_choice *c, struct eucc_error *err)
{
	const char *path = c->path[0] ? c->path : NULL;
	int ret;

	ctx->btf_desc = c->desc;
	if (c->origin == BTF_FROM_BUNDLE) {
		ret = btf_write_temp(c->bundled, ctx->btf_tmp, sizeof(ctx->btf_tmp), err);
		if (ret)
			return ret;
		path = ctx->btf_tmp;
	}
	ret = load_open_object(ctx->in, path, &ctx->obj, err);
	if (!ret)
		ctx->btf = bpf_object__btf(ctx->obj);
	return ret;
}

static int no_global_data(const struct loader_ctx *ctx, const char *what, struct eucc_error *err)
{
	eucc_error_set(err, -EOPNOTSUPP, EUCC_E_NO_GLOBAL_DATA,
		       "this kernel cannot do BPF global data (it came with 5.2), so %s", what);
	eucc_error_hint(err,
			"run without --set to keep the compiled-in defaults, or build the "
			"value in: eucc-remote compile %s.bpf.c -DNAME=VALUE; programs for 4.19 "
			"need no .rodata/.data/.bss (const volatile globals, static data, "
			"bpf_printk formats)",
			pkg_name(ctx->in));
	return -EOPNOTSUPP;
}

static int verifier_error(const char *prog, int ret, const char *vlog, size_t len,
			  struct eucc_error *err)
{
	char head[256], ebuf[128];
	size_t hl;

	hl = (size_t)snprintf(head, sizeof(head),
			      "program '%s' was rejected by the verifier "
			      "(%s):\n",
			      prog, errstr(ret, ebuf, sizeof(ebuf)));
	eucc_error_set(err, ret, EUCC_E_VERIFIER, "%s", head);
	if (err && hl < sizeof(err->message))
		log_trim_verifier(vlog, len, 20, err->message + hl, sizeof(err->message) - hl);
	if (memmem(vlog, len, "CO-RE relocation", strlen("CO-RE relocation")))
		eucc_error_hint(err, "a type or field the program reads is not in this kernel's "
				     "BTF; the server names it: eucc-remote check PROG.bpf.c "
				     "--kernel $(uname -r)");
	else
		eucc_error_hint(err, "the last line is the verifier's complaint, the lines above "
				     "are the path to it (';' lines are source); -v prints the "
				     "whole log");
	return ret;
}

static int denied(int ret, struct eucc_error *err)
{
	char ebuf[128];

	if (geteuid() != 0) {
		eucc_error_set(err, ret, EUCC_E_NOT_ROOT,
			       "eucc-remote run needs root (or CAP_BPF and CAP_PERFMON)");
		eucc_error_hint(err, "run it with sudo");
		return ret;
	}
	eucc_error_set(err, ret, EUCC_E_BPF_DENIED, "the kernel refused bpf() to root: %s",
		       errstr(ret, ebuf, sizeof(ebuf)));
	eucc_error_hint(err,
			"something forbids BPF here: kernel lockdown "
			"(/sys/kernel/security/lockdown), a seccomp filter, a container without "
			"CAP_BPF/CAP_SYS_ADMIN, or an LSM policy");
	return ret;
}

/* libbpf's fixed-up verifier log for a use of a global data map it could not create */
#define NOT_CREATED "is referenced but wasn't created"

/* The map of libbpf's "BPF map 'NAME' is referenced but wasn't created", NULL if none. */
static struct bpf_map *not_created(struct bpf_object *obj, const char *vlog, size_t len)
{
	const char *p = memmem(vlog, len, NOT_CREATED, sizeof(NOT_CREATED) - 1), *q;
	char name[128];

	/* back over "BPF map 'NAME' " */
	if (!p || p - vlog < 3 || p[-1] != ' ' || p[-2] != '\'')
		return NULL;
	for (q = p - 3; q > vlog && *q != '\''; q--)
		;
	if (*q != '\'' || (size_t)(p - 2 - q - 1) >= sizeof(name))
		return NULL;
	snprintf(name, sizeof(name), "%.*s", (int)(p - 2 - q - 1), q + 1);
	return bpf_object__find_map_by_name(obj, name);
}

/* A program uses a map whose type this kernel lacks (skip_unsupported_maps left it out). */
static int map_type_missing(const struct bpf_map *map, const char *prog, struct eucc_error *err)
{
	const char *type = libbpf_bpf_map_type_str(bpf_map__type(map));

	eucc_error_set(err, -EOPNOTSUPP, EUCC_E_LOAD_FAILED,
		       "map '%s': the kernel cannot create maps of type %s, and program '%s' "
		       "uses it",
		       bpf_map__name(map), type ? type : "?", prog);
	eucc_error_hint(err, "the check names the kernels that lack it: eucc-remote check "
			     "PROG.bpf.c --kernel $(uname -r); a fallback behind "
			     "bpf_core_type_exists() runs where the map type is missing");
	return -EOPNOTSUPP;
}

static int load_error(struct loader_ctx *ctx, int ret, const struct load_log *log,
		      struct eucc_error *err)
{
	char prog[128], tail[640], ebuf[128];
	size_t len = 0;
	const char *vlog = log_prog_failure(log, prog, sizeof(prog), &len);
	struct bpf_map *map;

	if (ret == -EPERM)
		return denied(ret, err);
	if (vlog && (map = not_created(ctx->obj, vlog, len)) && !bpf_map__is_internal(map))
		return map_type_missing(map, prog, err);
	if (vlog && memmem(vlog, len, NOT_CREATED, sizeof(NOT_CREATED) - 1))
		return no_global_data(ctx, "the program's global variables cannot be made", err);
	if (vlog)
		return verifier_error(prog, ret, vlog, len, err);
	log_tail(log, 4, tail, sizeof(tail));
	eucc_error_set(err, ret, EUCC_E_LOAD_FAILED,
		       "cannot load %s (CO-RE against BTF %s): %s\n%s", pkg_name(ctx->in),
		       ctx->btf_desc ? ctx->btf_desc : "?", errstr(ret, ebuf, sizeof(ebuf)), tail);
	eucc_error_hint(err, "the lines above are libbpf's last words; -v prints all of them");
	return ret;
}

/*
 * Maps of a type this kernel lacks (a ring buffer on 4.19 beside its perf-buffer fallback) are
 * not created: libbpf then poisons their uses, and the verifier refuses only a program that
 * reaches one, as the check predicted.
 */
static void skip_unsupported_maps(struct bpf_object *obj)
{
	struct bpf_map *map;

	bpf_object__for_each_map(map, obj) {
		if (bpf_map__is_internal(map) || !bpf_map__autocreate(map) ||
		    libbpf_probe_bpf_map_type(bpf_map__type(map), NULL) != 0)
			continue;
		eucc_debug("map '%s': this kernel lacks its type, not created", bpf_map__name(map));
		bpf_map__set_autocreate(map, false);
	}
}

int load_load(struct loader_ctx *ctx, size_t nsets, struct eucc_error *err)
{
	struct load_log log;
	struct bpf_map *rodata;
	__u32 sec;
	int ret;

	if (nsets && params_probe_global_data() == 0)
		return no_global_data(ctx, "--set cannot set the program's parameters", err);
	ret = log_begin(&log);
	if (ret)
		return eucc_error_set(err, ret, EUCC_E_IO, "no memory");
	skip_unsupported_maps(ctx->obj);
	ret = bpf_object__load(ctx->obj);
	log_end(&log);
	if (ctx->btf_tmp[0]) { /* read by now */
		unlink(ctx->btf_tmp);
		ctx->btf_tmp[0] = '\0';
	}
	if (ret)
		ret = load_error(ctx, ret, &log, err);
	log_free(&log);
	if (!ret && nsets && !params_rodata(ctx->obj, &rodata, &sec) && bpf_map__fd(rodata) < 0)
		return no_global_data(ctx, "--set cannot set the program's parameters", err);
	return ret;
}

static int attach_error(struct loader_ctx *ctx, struct bpf_program *prog, int ret,
			const struct load_log *log, struct eucc_error *err)
{
	char tail[512], ebuf[128];

	log_tail(log, 3, tail, sizeof(tail));
	eucc_error_set(err, ret, EUCC_E_ATTACH_FAILED,
		       "cannot attach program '%s' (%s) of %s: %s\n%s", bpf_program__name(prog),
		       bpf_program__section_name(prog), pkg_name(ctx->in),
		       errstr(ret, ebuf, sizeof(ebuf)), tail);
	if (ret == -ENOENT)
		eucc_error_hint(err,
				"the attach point does not exist on this kernel; for "
				"tracepoints, tracefs must be mounted: mount -t tracefs tracefs "
				"/sys/kernel/tracing");
	else if (ret == -EPERM || ret == -EACCES)
		eucc_error_hint(err, "attaching needs root (or CAP_BPF and CAP_PERFMON)");
	return ret;
}

/* Attach @prog; 1 if libbpf cannot attach it by itself (its user space would). */
static int attach_one(struct loader_ctx *ctx, struct bpf_program *prog, struct eucc_error *err)
{
	struct load_log log;
	struct bpf_link *link;
	int ret = log_begin(&log);

	if (ret)
		return eucc_error_set(err, ret, EUCC_E_IO, "no memory");
	link = bpf_program__attach(prog);
	ret = link ? 0 : -errno;
	log_end(&log);
	if (link)
		ctx->links[ctx->nlinks++] = link;
	else if (ret == -EOPNOTSUPP)
		ret = 1;
	else
		attach_error(ctx, prog, ret, &log, err);
	log_free(&log);
	return ret;
}

/* The programs loaded and not attached, each with who would attach it, as one error. */
static int not_attached(struct loader_ctx *ctx, struct bpf_program **progs, size_t n,
			struct eucc_error *err)
{
	char list[768] = "";
	size_t used = 0;

	for (size_t i = 0; i < n && used < sizeof(list); i++) {
		const char *who = obj_user_attach(bpf_program__type(progs[i]),
						  bpf_program__section_name(progs[i]));

		used += (size_t)snprintf(list + used, sizeof(list) - used,
					 "\n  program '%s' (%s): its user space attaches it%s%s",
					 bpf_program__name(progs[i]),
					 bpf_program__section_name(progs[i]), who ? ", " : "",
					 who ? who : "");
	}
	eucc_error_set(err, -EOPNOTSUPP, EUCC_E_NOT_ATTACHED,
		       "%s: %zu of its programs %s loaded and not attached: libbpf cannot attach "
		       "them by itself%s",
		       pkg_name(ctx->in), n, n == 1 ? "was" : "were", list);
	eucc_error_hint(err,
			"switch them off with --no-autoload %s (as the tool's own user space "
			"does when it does not want them), or run the package with the tool "
			"that attaches them",
			bpf_program__name(progs[0]));
	return -EOPNOTSUPP;
}

/* Tracepoints (and kprobes on kernels without the kprobe PMU) are attached through tracefs:
 * mount it first when it is missing, as bpftool does. */
static void need_tracefs(struct loader_ctx *ctx)
{
	struct bpf_program *prog;
	struct eucc_error e = {0};
	char dir[64];

	bpf_object__for_each_program(prog, ctx->obj) {
		enum bpf_prog_type t = bpf_program__type(prog);

		if (!bpf_program__autoload(prog) ||
		    (t != BPF_PROG_TYPE_TRACEPOINT && t != BPF_PROG_TYPE_KPROBE))
			continue;
		if (tracefs_ensure(dir, sizeof(dir), &e) < 0)
			eucc_warn("%s (%s)", e.message, e.hint);
		return;
	}
}

/*
 * Attach every loaded program. Success only if each is attached: a program libbpf cannot
 * attach ("not_attached") is never reported as running; programs switched off with
 * --no-autoload are not loaded, and at least one program must be attached.
 */
int load_attach(struct loader_ctx *ctx, struct eucc_error *err)
{
	struct bpf_program *prog, **skipped;
	size_t n = 0, nskipped = 0;
	int ret = 0;

	need_tracefs(ctx);
	bpf_object__for_each_program(prog, ctx->obj)
		n++;
	ctx->links = calloc(n ? n : 1, sizeof(*ctx->links));
	skipped = calloc(n ? n : 1, sizeof(*skipped));
	if (!ctx->links || !skipped) {
		free(skipped);
		return eucc_error_set(err, -ENOMEM, EUCC_E_IO, "no memory");
	}
	bpf_object__for_each_program(prog, ctx->obj) {
		if (!bpf_program__autoload(prog))
			continue;
		ret = attach_one(ctx, prog, err);
		if (ret < 0)
			break;
		if (ret > 0)
			skipped[nskipped++] = prog;
		ret = 0;
	}
	if (!ret && nskipped)
		ret = not_attached(ctx, skipped, nskipped, err);
	else if (!ret && !ctx->nlinks) {
		ret = eucc_error_set(err, -ENOENT, EUCC_E_NOT_ATTACHED,
				     "%s: no program is attached: --no-autoload switched off every "
				     "program",
				     pkg_name(ctx->in));
		eucc_error_hint(err, "leave at least one program on");
	}
	free(skipped);
	return ret;
}

void load_detach(struct loader_ctx *ctx)
{
	for (size_t i = 0; i < ctx->nlinks; i++)
		bpf_link__destroy(ctx->links[i]);
	free(ctx->links);
	ctx->links = NULL;
	ctx->nlinks = 0;
}

void load_close(struct loader_ctx *ctx)
{
	load_detach(ctx);
	bpf_object__close(ctx->obj);
	ctx->obj = NULL;
	ctx->btf = NULL;
	if (ctx->btf_tmp[0])
		unlink(ctx->btf_tmp);
	ctx->btf_tmp[0] = '\0';
}
