/* SPDX-License-Identifier: Apache-2.0 */
/* eucc-server btf import|list|show|rm */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <bpf/btf.h>
#include <cjson/cJSON.h>

#include "btfhub.h"
#include "server.h"

/* The options of the btf commands (each takes its own of them). */
struct btf_args {
	struct btf_import_opts import;
	const char *arch;
	const char *type;
	const char *func;
	const char *build_id; /* show, rm: which build of a release stored twice */
};

static int btf_args_parse(const struct cli_call *call, struct btf_args *a)
{
	struct eucc_error err = {0};

	memset(a, 0, sizeof(*a));
	a->import.sz = sizeof(a->import);
	if (cli_apply(call, a, &err))
		return cmd_fail(&err);
	a->import.arch = a->arch;
	return 0;
}

static int open_store(struct server_config *cfg, struct btf_store **store)
{
	struct eucc_error err;

	if (btf_store_open(cfg->data_dir, store, &err))
		return cmd_fail(&err);
	return 0;
}

/* ---- import ------------------------------------------------------------------------------ */

struct import_report {
	bool json;
	cJSON *kernels;
	cJSON *errors;
	int added, unchanged, replaced;
};

static void report_done(const struct btf_kernel *k, enum btf_import_result r, const char *format,
			void *ctx)
{
	static const char *const words[] = {"added", "unchanged", "replaced"};
	struct import_report *rep = ctx;
	char size[32];

	rep->added += r == BTF_IMPORT_ADDED;
	rep->unchanged += r == BTF_IMPORT_UNCHANGED;
	rep->replaced += r == BTF_IMPORT_REPLACED;
	if (rep->json) {
		cJSON *o = btf_kernel_json(k, true);

		cJSON_AddStringToObject(o, "result", words[r]);
		cJSON_AddItemToArray(rep->kernels, o);
		return;
	}
	format_size((uint64_t)k->size, size, sizeof(size));
	if (r == BTF_IMPORT_UNCHANGED)
		printf("unchanged %s (%s/%s/%s): already stored with the same BTF\n", k->release,
		       k->distro, k->version, k->arch);
	else
		printf("%-9s %s (%s/%s/%s) from %s: %s, %lld types, %lld funcs\n", words[r],
		       k->release, k->distro, k->version, k->arch, format, size,
		       (long long)k->types, (long long)k->funcs);
}

static void report_failed(const char *path, const struct eucc_error *e, void *ctx)
{
	struct import_report *rep = ctx;

	if (rep->json) {
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "path", path);
		cJSON_AddStringToObject(o, "code", eucc_code_name(e->code));
		cJSON_AddStringToObject(o, "message", e->message);
		cJSON_AddStringToObject(o, "hint", e->hint);
		cJSON_AddItemToArray(rep->errors, o);
		return;
	}
	eucc_error_print(e, "eucc-server");
}

static int do_btf_import(const struct cli_call *call)
{
	struct server_config *cfg = server_config(call);
	struct import_report rep = {.json = cfg->json};
	struct btf_import_cbs cbs = {report_done, report_failed, &rep};
	struct btf_store *store;
	struct btf_args a;
	int ret, status = EUCC_EXIT_OK;

	if ((ret = btf_args_parse(call, &a)))
		return ret;
	if (a.import.release && call->nargs > 1)
		return cli_usage_error(call, "--release names one kernel: give one PATH with it");
	if (a.import.build_id && call->nargs > 1)
		return cli_usage_error(call, "--build-id names one kernel: give one PATH with it");
	if ((ret = open_store(cfg, &store)))
		return ret;
	rep.kernels = cJSON_CreateArray();
	rep.errors = cJSON_CreateArray();
	for (int i = 0; i < call->nargs; i++) {
		struct eucc_error err = {0};

		if (btf_store_import(store, call->args[i], &a.import, &cbs, &err) < 0) {
			report_failed(call->args[i], &err, &rep);
			if (eucc_error_exit_code(&err) > status)
				status = eucc_error_exit_code(&err);
		}
	}
	if (rep.json) {
		cJSON *o = cJSON_CreateObject();

		cJSON_AddItemToObject(o, "kernels", rep.kernels);
		cJSON_AddItemToObject(o, "errors", rep.errors);
		json_write(stdout, o);
		cJSON_Delete(o);
	} else {
		printf("%d added, %d unchanged, %d replaced\n", rep.added, rep.unchanged,
		       rep.replaced);
		cJSON_Delete(rep.kernels);
		cJSON_Delete(rep.errors);
	}
	btf_store_close(store);
	return status;
}

/* ---- list -------------------------------------------------------------------------------- */

static void print_kernel_table(const struct btf_kernel *ks, size_t n)
{
	int w = 7;

	for (size_t i = 0; i < n; i++)
		if ((int)strlen(ks[i].release) > w)
			w = (int)strlen(ks[i].release);
	printf("%-*s  %-8s %-8s %-7s %10s %8s %7s  %-14s %s\n", w, "RELEASE", "DISTRO", "VERSION",
	       "ARCH", "SIZE", "TYPES", "FUNCS", "SOURCE", "BUILD ID");
	for (size_t i = 0; i < n; i++) {
		char size[32];

		format_size((uint64_t)ks[i].size, size, sizeof(size));
		printf("%-*s  %-8s %-8s %-7s %10s %8lld %7lld  %-14s %.12s\n", w, ks[i].release,
		       ks[i].distro, ks[i].version, ks[i].arch, size, (long long)ks[i].types,
		       (long long)ks[i].funcs, ks[i].source,
		       ks[i].build_id[0] ? ks[i].build_id : "-");
	}
}

static int do_btf_list(const struct cli_call *call)
{
	struct server_config *cfg = server_config(call);
	struct eucc_error err = {0};
	struct btf_kernel *ks = NULL;
	struct btf_store *store;
	const char *spec;
	struct btf_args a;
	size_t n = 0;
	int ret;

	if ((ret = btf_args_parse(call, &a)))
		return ret;
	spec = call->nargs ? call->args[0] : NULL;
	if ((ret = open_store(cfg, &store)))
		return ret;
	ret = btf_store_match(store, spec, a.arch, &ks, &n, &err);
	if (!ret && n == 0 && spec)
		ret = btf_store_explain_miss(store, spec, a.arch, &err);
	btf_store_close(store);
	if (ret) {
		free(ks);
		return cmd_fail(&err);
	}
	if (cfg->json) {
		cJSON *arr = cJSON_CreateArray();

		for (size_t i = 0; i < n; i++)
			cJSON_AddItemToArray(arr, btf_kernel_json(&ks[i], true));
		json_write(stdout, arr);
		cJSON_Delete(arr);
	} else if (n == 0) {
		printf("no kernels stored in %s; import some with `eucc-server btf import PATH`\n",
		       cfg->data_dir);
	} else {
		print_kernel_table(ks, n);
	}
	free(ks);
	return EUCC_EXIT_OK;
}

/* ---- show -------------------------------------------------------------------------------- */

static void print_feature_list(const struct btf_features *f, enum btf_feature_kind kind,
			       const char *title)
{
	size_t count = 0, col;
	char name[128];

	for (size_t i = 0; i < f->count; i++)
		count += f->items[i].kind == kind;
	if (!f->known[kind]) {
		printf("%s: unknown (this BTF lacks the enum)\n", title);
		return;
	}
	printf("%s (%zu):\n ", title, count);
	col = 1;
	for (size_t i = 0; i < f->count; i++) {
		if (f->items[i].kind != kind)
			continue;
		btf_feature_display_name(&f->items[i], name, sizeof(name));
		if (col + strlen(name) + 1 > 100) {
			printf("\n ");
			col = 1;
		}
		printf(" %s", name);
		col += strlen(name) + 1;
	}
	printf("\n");
}

static cJSON *features_json(const struct btf_features *f)
{
	cJSON *o = cJSON_CreateObject();
	char name[128];

	for (int kind = 0; kind < BTF_FEATURE_KIND_COUNT; kind++) {
		cJSON *arr = f->known[kind] ? cJSON_CreateArray() : cJSON_CreateNull();

		for (size_t i = 0; f->known[kind] && i < f->count; i++) {
			if ((int)f->items[i].kind != kind)
				continue;
			btf_feature_display_name(&f->items[i], name, sizeof(name));
			cJSON *e = cJSON_CreateObject();
			cJSON_AddStringToObject(e, "name", name);
			cJSON_AddStringToObject(e, "enum", f->items[i].name);
			cJSON_AddNumberToObject(e, "value", (double)f->items[i].value);
			cJSON_AddItemToArray(arr, e);
		}
		cJSON_AddItemToObject(o, btf_feature_kind_name(kind), arr);
	}
	return o;
}

static void print_kernel_details(const struct btf_kernel *k, const struct btf_features *f,
				 const char *header)
{
	char size[32], tbuf[64];
	time_t t = (time_t)k->imported_at;

	format_size((uint64_t)k->size, size, sizeof(size));
	strftime(tbuf, sizeof(tbuf), "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
	printf("release:   %s\ndistro:    %s %s\narch:      %s\n", k->release, k->distro,
	       k->version, k->arch);
	if (k->build_id[0])
		printf("build id:  %s\n", k->build_id);
	printf("sha256:    %s\nsize:      %s (%lld bytes), %lld types, %lld funcs\n", k->sha256,
	       size, (long long)k->size, (long long)k->types, (long long)k->funcs);
	printf("source:    %s\nimported:  %s\nvmlinux.h: %s, format %d", k->source, tbuf, header,
	       k->header_version);
	if (k->header_version < BTF_HEADER_VERSION)
		printf(" (older than this eucc-server's %d: written again when eucc-server serve "
		       "starts)",
		       BTF_HEADER_VERSION);
	printf("\n");
	print_feature_list(f, BTF_FEATURE_HELPER, "helpers");
	print_feature_list(f, BTF_FEATURE_MAP_TYPE, "map types");
	print_feature_list(f, BTF_FEATURE_PROG_TYPE, "program types");
	print_feature_list(f, BTF_FEATURE_ATTACH_TYPE, "attach types");
	if (f->known[BTF_FEATURE_PROG_LOADS]) /* measured when imported on the kernel itself */
		print_feature_list(f, BTF_FEATURE_PROG_LOADS, "program types that load (measured)");
	else
		printf(
		    "measured: no (program types and helpers per type: imported elsewhere than on "
		    "this kernel)\n");
}

/* --type/--func: the definition as text, or as {"definition": ...} with --json. */
static int show_definition(struct btf_store *store, const struct btf_kernel *k,
			   const struct btf_args *a, bool json)
{
	struct eucc_error err = {0};
	struct btf *btf;
	char *text = NULL;
	size_t len = 0;
	FILE *mem;
	int ret;

	if ((ret = btf_store_load(store, k, &btf, &err)))
		return cmd_fail(&err);
	mem = open_memstream(&text, &len);
	if (!mem) {
		btf__free(btf);
		return EUCC_EXIT_INPUT;
	}
	if (a->type)
		ret = btf_header_print_type(btf, a->type, mem, &err);
	else
		ret = btf_header_print_func(btf, a->func, mem, &err);
	fclose(mem);
	btf__free(btf);
	if (!ret && json) {
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "release", k->release);
		cJSON_AddStringToObject(o, a->type ? "type" : "func", a->type ? a->type : a->func);
		cJSON_AddStringToObject(o, "definition", text);
		json_write(stdout, o);
		cJSON_Delete(o);
	} else if (!ret) {
		fputs(text, stdout);
	}
	free(text);
	return ret ? cmd_fail(&err) : EUCC_EXIT_OK;
}

static int show_kernel(struct btf_store *store, const struct btf_kernel *k, bool json)
{
	struct eucc_error err = {0};
	struct btf_features f;
	char header[PATH_MAX], hsize[32] = "not made yet";
	FILE *h;

	if (btf_store_features(store, k, &f, &err))
		return cmd_fail(&err);
	snprintf(header, sizeof(header), "%.*s.h", (int)(strlen(k->path) - 4), k->path);
	if ((h = fopen(header, "r"))) {
		fseek(h, 0, SEEK_END);
		format_size((uint64_t)ftell(h), hsize, sizeof(hsize));
		fclose(h);
	}
	if (json) {
		cJSON *o = btf_kernel_json(k, true);

		cJSON_AddItemToObject(o, "features", features_json(&f));
		json_write(stdout, o);
		cJSON_Delete(o);
	} else {
		print_kernel_details(k, &f, hsize);
	}
	btf_features_free(&f);
	return EUCC_EXIT_OK;
}

static int do_btf_show(const struct cli_call *call)
{
	struct server_config *cfg = server_config(call);
	struct eucc_error err = {0};
	struct btf_store *store;
	struct btf_kernel k;
	struct btf_args a;
	int ret;

	if ((ret = btf_args_parse(call, &a)))
		return ret;
	if (a.type && a.func)
		return cli_usage_error(call, "give --type or --func, not both");
	if ((ret = open_store(cfg, &store)))
		return ret;
	ret = btf_store_get_build(store, call->args[0], a.arch, a.build_id, &k, &err);
	if (ret)
		ret = cmd_fail(&err);
	else if (a.type || a.func)
		ret = show_definition(store, &k, &a, cfg->json);
	else
		ret = show_kernel(store, &k, cfg->json);
	btf_store_close(store);
	return ret;
}

/* ---- rm ---------------------------------------------------------------------------------- */

static int do_btf_rm(const struct cli_call *call)
{
	struct server_config *cfg = server_config(call);
	struct eucc_error err = {0};
	struct btf_store *store;
	struct btf_kernel k;
	struct btf_args a;
	int ret;

	if ((ret = btf_args_parse(call, &a)))
		return ret;
	if ((ret = open_store(cfg, &store)))
		return ret;
	ret = btf_store_get_build(store, call->args[0], a.arch, a.build_id, &k, &err);
	if (!ret)
		ret = btf_store_remove(store, &k, &err);
	btf_store_close(store);
	if (ret)
		return cmd_fail(&err);
	if (cfg->json) {
		cJSON *o = btf_kernel_json(&k, true);

		cJSON_AddStringToObject(o, "result", "removed");
		json_write(stdout, o);
		cJSON_Delete(o);
	} else {
		printf("removed %s (%s/%s/%s)\n", k.release, k.distro, k.version, k.arch);
	}
	return EUCC_EXIT_OK;
}

#define ARCH_OPT(what)                                                                             \
	{                                                                                          \
		.name = "arch", .arg = "A", .kind = CLI_CALL, .set = cli_set_arch,                 \
		.off = offsetof(struct btf_args, arch), .help = what                               \
	}

#define BUILD_ID_OPT                                                                               \
	{                                                                                          \
		.name = "build-id", .arg = "HEX", .kind = CLI_STR,                                 \
		.off = offsetof(struct btf_args, build_id),                                        \
		.help = "the build of RELEASE, where two builds of it are stored"                  \
	}

static const struct cli_opt import_opts[] = {
    {.name = "distro",
     .arg = "D",
     .kind = CLI_STR,
     .off = offsetof(struct btf_args, import.distro),
     .help = "the distribution (debian, centos, ...)",
     .def = "from the path or the file"},
    {.name = "version",
     .arg = "V",
     .kind = CLI_STR,
     .off = offsetof(struct btf_args, import.version),
     .help = "the distribution's version (11, 8, V10)",
     .def = "from the path or the file"},
    ARCH_OPT("the architecture (x86_64, arm64, ...; default: from the path or the file)"),
    {.name = "release",
     .arg = "R",
     .kind = CLI_STR,
     .off = offsetof(struct btf_args, import.release),
     .help = "the kernel release (uname -r); with one PATH only",
     .def = "from the path or the file"},
    {.name = "replace",
     .kind = CLI_BOOL,
     .off = offsetof(struct btf_args, import.replace),
     .help = "replace a stored kernel of the same release (and build id) that has other BTF"},
    {.name = "build-id",
     .arg = "HEX",
     .kind = CLI_STR,
     .off = offsetof(struct btf_args, import.build_id),
     .help = "the kernel's GNU build id (/sys/kernel/notes): a build of a stored release "
	     "with another build id is kept beside it; with one PATH only",
     .def = "unknown"},
    {0},
};

static const struct cli_opt list_opts[] = {
    ARCH_OPT("only kernels of this architecture (default: every architecture)"),
    {0},
};

static const struct cli_opt show_opts[] = {
    ARCH_OPT("the architecture of RELEASE, where releases of two are stored"),
    {.name = "type",
     .arg = "NAME",
     .kind = CLI_STR,
     .off = offsetof(struct btf_args, type),
     .help = "print the C definition of the type NAME as this kernel has it"},
    {.name = "func",
     .arg = "NAME",
     .kind = CLI_STR,
     .off = offsetof(struct btf_args, func),
     .help = "print the prototype of the kernel function NAME"},
    BUILD_ID_OPT,
    {0},
};

static const struct cli_opt rm_opts[] = {
    ARCH_OPT("the architecture of RELEASE, where releases of two are stored"),
    BUILD_ID_OPT,
    {0},
};

static const struct cli_cmd cmd_btf_import = {
    .name = "import",
    .run = do_btf_import,
    .args = "PATH...",
    .summary = "import kernel BTF: raw, vmlinux, vmlinuz, .deb, BTFHub tarballs and trees",
    .help = "Import the BTF of kernels into the store (docs/btf-store.md): raw BTF, an ELF "
	    "vmlinux with .BTF or with DWARF only (BTF made with pahole), a compressed kernel "
	    "image, a BTFHub .btf.tar.xz or a whole BTFHub archive tree, a Debian or Ubuntu "
	    "kernel .deb. Distro, version, arch and release come from the path or the file, or "
	    "from the options. Each kernel is added, unchanged (the same BTF is stored) or "
	    "replaced (--replace).",
    .opts = import_opts,
    .json = "print the kernels and the failed files as JSON ({kernels, errors})",
    .min_args = 1,
    .max_args = -1,
};

static const struct cli_cmd cmd_btf_list = {
    .name = "list",
    .run = do_btf_list,
    .args = "[SPEC]",
    .summary = "the stored kernels a spec matches (all without one)",
    .help = "List the stored kernels that SPEC matches: 4.19 (every 4.19.*), an exact "
	    "release, DISTRO[/VERSION[/ARCH]], or local for this host's kernel. A spec that "
	    "matches nothing is an error that names the closest stored kernels.",
    .opts = list_opts,
    .json = "print the kernels as a JSON array",
    .min_args = 0,
    .max_args = 1,
};

static const struct cli_cmd cmd_btf_show = {
    .name = "show",
    .run = do_btf_show,
    .args = "RELEASE",
    .summary = "one kernel: sizes, feature tables; a type's or function's definition",
    .help = "Print what the store has of the kernel RELEASE: its sha256, size, type and "
	    "function counts, source, vmlinux.h, and what it offers: helpers, map types, "
	    "program types, attach types.\nWith --type or --func, the definition of one type "
	    "or function instead.",
    .opts = show_opts,
    .json = "print the kernel with its feature tables (or the definition) as JSON",
    .min_args = 1,
    .max_args = 1,
};

static const struct cli_cmd cmd_btf_rm = {
    .name = "rm",
    .run = do_btf_rm,
    .args = "RELEASE",
    .summary = "remove a kernel from the store",
    .help = "Remove the kernel RELEASE: its BTF, vmlinux.h and index entry.",
    .opts = rm_opts,
    .json = "print the removed kernel as JSON",
    .min_args = 1,
    .max_args = 1,
};

static const struct cli_cmd *const btf_cmds[] = {&cmd_btf_import, &cmd_btf_list, &cmd_btf_show,
						 &cmd_btf_rm, NULL};

const struct cli_cmd server_cmd_btf = {
    .name = "btf",
    .summary = "the BTF store: import, list, show, rm",
    .help = "The store of kernel BTF in the data dir, in BTFHub's layout "
	    "<distro>/<version>/<arch>/<release>.btf, indexed in SQLite with each kernel's "
	    "feature tables (docs/btf-store.md).",
    .subs = btf_cmds,
};
