/* SPDX-License-Identifier: Apache-2.0 */
/* eucc-remote run PKG: verify the package, then hand it to the loader. */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "loader.h"
#include "remote.h"

struct run_args {
	struct loader_opts opts;
	const char *sets[CLI_LIST_MAX];
	const char *map_sizes[CLI_LIST_MAX];
	const char *no_autoload[CLI_LIST_MAX];
	bool dry_run;	    /* say which BTF would be used, load nothing */
	bool fetch_missing; /* ask the server to add this host's kernel when the package lacks it */
};

/* --fetch-missing: the package with this host's kernel added by the server, opened instead. */
static int add_host_kernel(const struct cli_call *call, char *path, size_t size, struct pkg **pkg,
			   struct eucc_error *err)
{
	char added[PATH_MAX];
	int ret = fetch_missing_kernel(remote_config(call), path, *pkg, added, sizeof(added), err);

	if (ret)
		return ret > 0 ? 0 : ret;
	pkg_close(*pkg);
	*pkg = NULL;
	snprintf(path, size, "%s", added);
	return pkg_open_file(path, pkg, err);
}

static int set_btf(void *target, const struct cli_opt *opt, const char *v, struct eucc_error *err)
{
	struct loader_opts *o = &((struct run_args *)target)->opts;

	(void)opt, (void)err;
	if (!strcmp(v, "auto"))
		o->btf_mode = LOADER_BTF_AUTO;
	else if (!strcmp(v, "bundled"))
		o->btf_mode = LOADER_BTF_BUNDLED;
	else if (!strcmp(v, "native"))
		o->btf_mode = LOADER_BTF_NATIVE;
	else {
		o->btf_mode = LOADER_BTF_PATH;
		o->btf_path = v;
	}
	return 0;
}

static int set_duration(void *target, const struct cli_opt *opt, const char *v,
			struct eucc_error *err)
{
	struct run_args *a = target;
	char *end;
	long n = strtol(v, &end, 10);

	(void)opt;
	if (!*v || *end || n < 0 || n > 86400 * 365)
		return eucc_error_set(err, -EINVAL, EUCC_E_USAGE,
				      "--duration wants seconds, not '%s'", v);
	a->opts.duration_sec = (unsigned int)n;
	return 0;
}

static int set_interval(void *target, const struct cli_opt *opt, const char *v,
			struct eucc_error *err)
{
	struct run_args *a = target;
	char *end;
	long n = strtol(v, &end, 10);

	(void)opt;
	if (!*v || *end || n < 1 || n > 86400)
		return eucc_error_set(err, -EINVAL, EUCC_E_USAGE,
				      "--interval wants seconds (1 or more), not '%s'", v);
	a->opts.interval_sec = (unsigned int)n;
	return 0;
}

static int set_param(void *target, const struct cli_opt *opt, const char *v, struct eucc_error *err)
{
	struct run_args *a = target;

	(void)opt;
	if (a->opts.nsets == CLI_LIST_MAX || !strchr(v, '='))
		return eucc_error_set(err, -EINVAL, EUCC_E_USAGE,
				      "--set wants NAME=VALUE (at most %d)", CLI_LIST_MAX);
	a->sets[a->opts.nsets++] = v;
	return 0;
}

static int set_map_size(void *target, const struct cli_opt *opt, const char *v,
			struct eucc_error *err)
{
	struct run_args *a = target;

	(void)opt;
	if (a->opts.nmap_sizes == CLI_LIST_MAX)
		return eucc_error_set(err, -E2BIG, EUCC_E_USAGE, "at most %d --map-size",
				      CLI_LIST_MAX);
	a->map_sizes[a->opts.nmap_sizes++] = v;
	return 0;
}

static int set_no_autoload(void *target, const struct cli_opt *opt, const char *v,
			   struct eucc_error *err)
{
	struct run_args *a = target;

	(void)opt;
	if (a->opts.nno_autoload == CLI_LIST_MAX)
		return eucc_error_set(err, -E2BIG, EUCC_E_USAGE, "at most %d --no-autoload",
				      CLI_LIST_MAX);
	a->no_autoload[a->opts.nno_autoload++] = v;
	return 0;
}

/* The loader's view of a verified package; *btfs is malloc'd. */
static int loader_input_from(const struct pkg *pkg, struct loader_input *in,
			     struct loader_btf **btfs, struct eucc_error *err)
{
	const cJSON *m = pkg_manifest(pkg), *k;
	const char *obj =
	    cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetObjectItem(m, "object"), "path"));
	char host_id[2 * KERNEL_BUILD_ID_MAX + 1];
	size_t n = 0;

	memset(in, 0, sizeof(*in));
	in->name = cJSON_GetStringValue(cJSON_GetObjectItem(m, "name"));
	in->arch = cJSON_GetStringValue(cJSON_GetObjectItem(m, "arch"));
	in->manifest = m;
	if (!obj || !in->name || !in->arch || pkg_member(pkg, obj, &in->object, &in->object_size))
		return eucc_error_set(err, -EINVAL, EUCC_E_BAD_PACKAGE,
				      "the package's manifest names no object");
	*btfs = calloc((size_t)cJSON_GetArraySize(cJSON_GetObjectItem(m, "kernels")) + 1,
		       sizeof(**btfs));
	if (!*btfs)
		return eucc_error_set(err, -ENOMEM, EUCC_E_INTERNAL, "out of memory");
	if (kernel_build_id(NULL, host_id, sizeof(host_id)))
		host_id[0] = '\0';
	cJSON_ArrayForEach(k, cJSON_GetObjectItem(m, "kernels")) {
		struct loader_btf *b = &(*btfs)[n];
		const char *path = cJSON_GetStringValue(
		    cJSON_GetObjectItem(cJSON_GetObjectItem(k, "btf"), "path"));
		const char *id = json_str(k, "build_id");

		if (*id && *host_id && strcmp(id, host_id))
			continue; /* another build of a release: not this kernel's BTF */
		b->release = cJSON_GetStringValue(cJSON_GetObjectItem(k, "release"));
		b->arch = cJSON_GetStringValue(cJSON_GetObjectItem(k, "arch"));
		if (path && b->release && b->arch && !pkg_member(pkg, path, &b->data, &b->size))
			n++;
	}
	in->btfs = *btfs;
	in->nbtfs = n;
	return 0;
}

static bool param_is_bool(const struct loader_param *p)
{
	return !strcmp(p->type, "bool") || !strcmp(p->type, "_Bool");
}

static const char *param_arg(const struct loader_param *p)
{
	return param_is_bool(p) ? "[true|false]" : "VALUE";
}

/* The parameter @x names, or a usage error naming the closest one. */
static const struct loader_param *param_of(const struct cli_extra *x, const struct loader_param *lp,
					   size_t n, struct eucc_error *err)
{
	const char *names[CLI_LIST_MAX], *pick;
	char typed[128];

	for (size_t i = 0; i < n; i++)
		if (strlen(lp[i].name) == x->len && !strncmp(lp[i].name, x->name, x->len))
			return &lp[i];
	snprintf(typed, sizeof(typed), "%.*s", (int)x->len, x->name);
	for (size_t i = 0; i < n && i < CLI_LIST_MAX; i++)
		names[i] = lp[i].name;
	pick = cli_suggest(typed, names, n < CLI_LIST_MAX ? n : CLI_LIST_MAX);
	eucc_error_set(err, -EINVAL, EUCC_E_USAGE,
		       "unknown option '--%s'%s%s%s: neither an option of run nor a parameter of "
		       "the program",
		       typed, pick ? "; did you mean '--" : "", pick ? pick : "", pick ? "'?" : "");
	eucc_error_hint(err, "`eucc-remote run PKG --help` lists the program's parameters");
	return NULL;
}

/* Each `--NAME VALUE` that names a parameter, as `--set NAME=VALUE` (after the --set ones, so
 * that it wins). The strings go to @owned, which the caller frees. */
static int extras_to_sets(const struct cli_call *call, const struct loader_input *in,
			  struct run_args *a, char **owned, struct eucc_error *err)
{
	struct loader_param *lp = NULL;
	size_t n = 0;
	int ret;

	if (!call->nextras)
		return 0;
	ret = loader_params(in, &lp, &n, err);
	for (size_t i = 0; !ret && i < call->nextras; i++) {
		const struct cli_extra *x = &call->extras[i];
		const struct loader_param *p = param_of(x, lp, n, err);
		const char *v = x->value;

		if (!p)
			ret = -EINVAL;
		else if (!v && !param_is_bool(p))
			ret = eucc_error_set(err, -EINVAL, EUCC_E_USAGE,
					     "option '--%s' needs a value (%s)", p->name, p->type);
		else if (a->opts.nsets == CLI_LIST_MAX)
			ret = eucc_error_set(err, -E2BIG, EUCC_E_USAGE,
					     "at most %d parameters can be set", CLI_LIST_MAX);
		else if (asprintf(&owned[i], "%s=%s", p->name, v ? v : "true") < 0)
			ret = eucc_error_set(err, -ENOMEM, EUCC_E_INTERNAL, "out of memory");
		else
			a->sets[a->opts.nsets++] = owned[i];
	}
	if (lp)
		loader_params_free(lp, n);
	return ret;
}

/* The parameters as `run` options, each followed by the comment the manifest has for it. */
static int print_params(const struct pkg *pkg, const struct loader_input *in,
			struct eucc_error *err)
{
	const cJSON *params = cJSON_GetObjectItem(pkg_manifest(pkg), "parameters"), *p;
	struct loader_param *lp;
	size_t n;
	int ret = loader_params(in, &lp, &n, err);

	if (ret)
		return ret;
	if (!n)
		printf("  (none: this program has no read-only globals to set)\n");
	for (size_t i = 0; i < n; i++) {
		char opt[160];

		snprintf(opt, sizeof(opt), "--%s %s", lp[i].name, param_arg(&lp[i]));
		printf("  %-32s %s (default: %s)\n", STR_SAFE(opt), STR_SAFE(lp[i].type),
		       STR_SAFE(lp[i].def));
		cJSON_ArrayForEach(p, params) {
			const char *name = cJSON_GetStringValue(cJSON_GetObjectItem(p, "name"));
			const char *d = cJSON_GetStringValue(cJSON_GetObjectItem(p, "description"));

			if (name && !strcmp(name, lp[i].name) && d && *d)
				printf("        %s\n", STR_SAFE(d));
		}
	}
	loader_params_free(lp, n);
	return 0;
}

/* What the server found for this host's kernel, from report.json; true if incompatible. */
static bool warn_known_findings(const struct pkg *pkg)
{
	const cJSON *k, *f, *report;
	const void *data;
	size_t size;
	struct utsname u;
	bool bad = false;

	if (uname(&u) || pkg_member(pkg, "report.json", &data, &size))
		return false;
	report = cJSON_ParseWithLength(data, size);
	cJSON_ArrayForEach(k, cJSON_GetObjectItem(report, "kernels")) {
		const char *rel = cJSON_GetStringValue(cJSON_GetObjectItem(k, "release"));
		const char *st = cJSON_GetStringValue(cJSON_GetObjectItem(k, "status"));

		if (!rel || strcmp(rel, u.release) || !st || !strcmp(st, "ok"))
			continue;
		bad = !strcmp(st, "incompatible");
		fprintf(stderr, "eucc-remote: warning: the server found this package %s with %s:\n",
			STR_SAFE(st), STR_SAFE(rel));
		cJSON_ArrayForEach(f, cJSON_GetObjectItem(k, "findings")) {
			const char *file = cJSON_GetStringValue(cJSON_GetObjectItem(f, "file"));
			const cJSON *line = cJSON_GetObjectItem(f, "line");

			if (file && *file && cJSON_IsNumber(line) && line->valueint > 0)
				fprintf(stderr, "  %s:%d: ", STR_SAFE(file), line->valueint);
			else
				fprintf(stderr, "  ");
			fprintf(stderr, "%s: %s\n",
				STR_SAFE(cJSON_GetStringValue(cJSON_GetObjectItem(f, "severity"))
					     ?: "error"),
				STR_SAFE(cJSON_GetStringValue(cJSON_GetObjectItem(f, "message"))
					     ?: ""));
		}
	}
	cJSON_Delete((cJSON *)report);
	return bad;
}

/* One warning line when the server never checked this package for this host's kernel. */
static void warn_unchecked_kernel(const struct pkg *pkg)
{
	const cJSON *m = pkg_manifest(pkg), *k;
	const char *host = arch_host(), *name = json_str(m, "name"), *rel;
	char checked[512] = "";
	struct utsname u;

	if (uname(&u) || cJSON_GetObjectItem(m, "imported")) /* no server checked it */
		return;
	rel = u.release;
	cJSON_ArrayForEach(k, cJSON_GetObjectItem(m, "kernels")) {
		size_t used = strlen(checked);

		if (!strcmp(json_str(k, "release"), rel) && host &&
		    !strcmp(arch_normalize(json_str(k, "arch")) ?: "", host))
			return;
		if (used < sizeof(checked) - 1)
			snprintf(checked + used, sizeof(checked) - used, "%s%s", used ? ", " : "",
				 STR_SAFE(json_str(k, "release")));
	}
	fprintf(stderr,
		"eucc-remote: warning: the server never checked this package for this kernel "
		"(%s, %s); it checked: %s; to check it for this one: eucc-remote compile "
		"%s.bpf.c --kernel local (or --kernel %s)\n",
		rel, host ? host : "?", checked[0] ? checked : "no kernel",
		*name ? STR_SAFE(name) : "PROG", rel);
}

/* PKG as given: a file, else a digest or URL pulled into the package cache. */
static int resolve_pkg(const struct cli_call *call, char *path, size_t size, struct eucc_error *err)
{
	const char *ref = call->args[0];

	if (access(ref, F_OK) == 0 || !pull_is_ref(ref)) {
		snprintf(path, size, "%s", ref);
		return 0;
	}
	return pull_cached(remote_config(call), ref, path, size, err);
}

static int do_run(const struct cli_call *call)
{
	struct run_args a = {0};
	struct eucc_error err = {0};
	struct loader_input in;
	struct loader_btf *btfs = NULL;
	char path[PATH_MAX], *owned[CLI_LIST_MAX] = {0};
	struct pkg *pkg;
	int ret;

	a.opts.sz = sizeof(a.opts);
	a.opts.sets = a.sets;
	a.opts.map_sizes = a.map_sizes;
	a.opts.no_autoload = a.no_autoload;
	if (cli_apply(call, &a, &err))
		return remote_fail(&err);
	a.opts.json = remote_config(call)->json;
	if (resolve_pkg(call, path, sizeof(path), &err) ||
	    remote_open_package(remote_config(call), path, &pkg, NULL, &err))
		return remote_fail(&err);
	if (a.fetch_missing && !call->help &&
	    add_host_kernel(call, path, sizeof(path), &pkg, &err)) {
		pkg_close(pkg);
		return remote_fail(&err);
	}
	ret = loader_input_from(pkg, &in, &btfs, &err);
	if (!ret && !call->help)
		ret = extras_to_sets(call, &in, &a, owned, &err);
	if (!ret && call->help) {
		cli_help(stdout, call);
		printf("\nParameters of %s (--NAME VALUE, or --set NAME=VALUE):\n",
		       STR_SAFE(in.name));
		ret = print_params(pkg, &in, &err);
	} else if (!ret && a.dry_run) {
		char desc[PATH_MAX + 64];

		ret = loader_pick_btf(&in, &a.opts, desc, sizeof(desc), &err);
		if (!ret)
			printf("%s: would load with BTF %s\n", STR_SAFE(in.name), STR_SAFE(desc));
	} else if (!ret) {
		bool predicted = warn_known_findings(pkg);

		warn_unchecked_kernel(pkg);

		ret = loader_run(&in, &a.opts, &err);
		if (ret && predicted && !err.hint[0])
			eucc_error_hint(
			    &err, "the server predicted this failure: see the findings above");
		else if (ret && predicted) {
			char hint[sizeof(err.hint)];

			snprintf(hint, sizeof(hint), "%s", err.hint);
			eucc_error_hint(&err,
					"%.900s; the server predicted this failure: see the "
					"findings above",
					hint);
		}
	}
	for (size_t i = 0; i < CLI_LIST_MAX; i++)
		free(owned[i]);
	free(btfs);
	pkg_close(pkg);
	return ret ? remote_fail(&err) : EUCC_EXIT_OK;
}

static const struct cli_opt run_opts[] = {
    {.name = "btf",
     .arg = "auto|bundled|native|PATH",
     .kind = CLI_CALL,
     .set = set_btf,
     .help = "the BTF to relocate against: auto is /sys/kernel/btf/vmlinux, else the bundled "
	     "BTF of this kernel, else /boot/vmlinux-$(uname -r); bundled and native force one; "
	     "PATH is a BTF or ELF file",
     .def = "auto"},
    {.name = "duration",
     .arg = "SEC",
     .kind = CLI_CALL,
     .set = set_duration,
     .help = "stop after SEC seconds; 0: at Ctrl-C or SIGTERM",
     .def = "0"},
    {.name = "interval",
     .arg = "SEC",
     .kind = CLI_CALL,
     .set = set_interval,
     .help = "print the histogram maps every SEC seconds, each time under a HH:MM:SS line "
	     "(cumulative: the maps are not cleared); all maps are printed at the end as ever",
     .def = "0: only at the end"},
    {.name = "set",
     .arg = "NAME=VALUE",
     .kind = CLI_CALL,
     .set = set_param,
     .flags = CLI_REPEAT,
     .help = "set the program's parameter (a const volatile global) NAME; `run PKG --help` "
	     "lists them"},
    {.name = "map-size",
     .arg = "NAME=N",
     .kind = CLI_CALL,
     .set = set_map_size,
     .flags = CLI_REPEAT,
     .help = "give map NAME N entries before the load, as the tool's own user space would "
	     "(bpf_map__set_max_entries); needed for maps with max_entries 0 in the object"},
    {.name = "no-autoload",
     .arg = "PROG",
     .kind = CLI_CALL,
     .set = set_no_autoload,
     .flags = CLI_REPEAT,
     .help = "do not load program PROG (bpf_program__set_autoload false), as a tool switches "
	     "off programs it does not want; run fails for a loaded program it cannot attach"},
    {.name = "attach-only",
     .kind = CLI_BOOL,
     .off = offsetof(struct run_args, opts.attach_only),
     .help = "load and attach every program, say so, and detach at once: does the package "
	     "load on this host?"},
    {.name = "fetch-missing",
     .kind = CLI_BOOL,
     .off = offsetof(struct run_args, fetch_missing),
     .help = "if the package lacks this host's kernel, ask the server (--server) to add it: "
	     "the server checks the package's object for this kernel (offered with its build id "
	     "and BTF digest, its BTF uploaded if the server lacks it) and answers with a new "
	     "package, which is pulled into the package cache and run; off by default (run "
	     "needs no network otherwise)"},
    {.name = "dry-run",
     .kind = CLI_BOOL,
     .off = offsetof(struct run_args, dry_run),
     .help = "say which BTF would be used, and load nothing"},
    {0},
};

const struct cli_cmd remote_cmd_run = {
    .name = "run",
    .run = do_run,
    .args = "PKG|DIGEST|URL",
    .summary = "load and run a package on this host, printing its events",
    .help = "Verify the package PKG (a file; or a digest, sha256:<hex>, pulled from the "
	    "server, or an http(s) URL of an artifact; both are kept in the package cache, "
	    "<data dir>/packages/sha256/<hex>.eucc, and reused without network), pick the BTF for "
	    "this kernel, load the object, attach "
	    "its programs, and print events from its ring and perf buffers (decoded through "
	    "the object's BTF) until Ctrl-C, SIGTERM or --duration; then dump the other maps "
	    "and detach. Needs root (or CAP_BPF and CAP_PERFMON). A package never checked for "
	    "this kernel runs with a warning.\nEach parameter of the program is an option of its "
	    "own, --NAME VALUE (the same as --set NAME=VALUE); with PKG, --help lists them.\n"
	    "With keys pinned (--trust, EUCC_TRUST, /etc/eucc/trust.d) the package must be "
	    "signed by one of them. PKG may be an eunomia-bpf package.json, imported and run on "
	    "this host's BTF.",
    .opts = run_opts,
    .json = "print events and map dumps as JSON lines",
    .min_args = 1,
    .max_args = 1,
    .flags = CLI_OWN_HELP | CLI_EXTRA_OPTS,
};
