/* SPDX-License-Identifier: Apache-2.0 */
/* eucc-server btf import|list|show|rm */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <bpf/btf.h>
#include <cjson/cJSON.h>

#include "btfhub.h"
#include "server.h"

/* Options every btf subcommand takes. */
struct btf_args {
	struct btf_import_opts import;
	const char *arch;
	const char *type;
	const char *func;
	char **rest;
	int nrest;
};

static int parse_btf_args(int argc, char **argv, struct server_config *cfg, struct btf_args *a,
			  const char *usage)
{
	static const struct option longopts[] = {
	    {"data", required_argument, NULL, 'd'},
	    {"json", no_argument, NULL, 'j'},
	    {"arch", required_argument, NULL, 'a'},
	    {"distro", required_argument, NULL, 'D'},
	    {"version", required_argument, NULL, 'V'},
	    {"release", required_argument, NULL, 'r'},
	    {"replace", no_argument, NULL, 'R'},
	    {"type", required_argument, NULL, 't'},
	    {"func", required_argument, NULL, 'f'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int c;

	memset(a, 0, sizeof(*a));
	a->import.sz = sizeof(a->import);
	optind = 0;
	while ((c = getopt_long(argc, argv, "hj", longopts, NULL)) != -1) {
		switch (c) {
		case 'd':
			snprintf(cfg->data_dir, sizeof(cfg->data_dir), "%s", optarg);
			break;
		case 'j':
			cfg->json = true;
			break;
		case 'a':
			a->arch = a->import.arch = optarg;
			break;
		case 'D':
			a->import.distro = optarg;
			break;
		case 'V':
			a->import.version = optarg;
			break;
		case 'r':
			a->import.release = optarg;
			break;
		case 'R':
			a->import.replace = true;
			break;
		case 't':
			a->type = optarg;
			break;
		case 'f':
			a->func = optarg;
			break;
		case 'h':
			printf("Usage: eucc-server %s\n", usage);
			return 1;
		default:
			return -1;
		}
	}
	if (a->arch && !arch_normalize(a->arch)) {
		cmd_usage_error("unknown architecture '%s' (x86_64, arm64, s390x, ppc64le, ...)",
				a->arch);
		return -1;
	}
	a->rest = argv + optind;
	a->nrest = argc - optind;
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

static int do_btf_import(int argc, char **argv, struct server_config *cfg)
{
	struct import_report rep = {.json = cfg->json};
	struct btf_import_cbs cbs = {report_done, report_failed, &rep};
	struct btf_store *store;
	struct btf_args a;
	int ret, status = EUCC_EXIT_OK;

	ret = parse_btf_args(argc, argv, cfg, &a,
			     "btf import PATH... [--distro D] [--version V] "
			     "[--arch A] [--release R] [--replace]");
	if (ret)
		return ret > 0 ? EUCC_EXIT_OK : EUCC_EXIT_USAGE;
	rep.json = cfg->json;
	if (a.nrest < 1)
		return cmd_usage_error("btf import needs at least one PATH");
	if (a.import.release && a.nrest > 1)
		return cmd_usage_error("--release names one kernel: give one PATH with it");
	if ((ret = open_store(cfg, &store)))
		return ret;
	rep.kernels = cJSON_CreateArray();
	rep.errors = cJSON_CreateArray();
	for (int i = 0; i < a.nrest; i++) {
		struct eucc_error err = {0};

		if (btf_store_import(store, a.rest[i], &a.import, &cbs, &err) < 0) {
			report_failed(a.rest[i], &err, &rep);
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
	printf("%-*s  %-8s %-8s %-7s %10s %8s %7s  %s\n", w, "RELEASE", "DISTRO", "VERSION", "ARCH",
	       "SIZE", "TYPES", "FUNCS", "SOURCE");
	for (size_t i = 0; i < n; i++) {
		char size[32];

		format_size((uint64_t)ks[i].size, size, sizeof(size));
		printf("%-*s  %-8s %-8s %-7s %10s %8lld %7lld  %s\n", w, ks[i].release,
		       ks[i].distro, ks[i].version, ks[i].arch, size, (long long)ks[i].types,
		       (long long)ks[i].funcs, ks[i].source);
	}
}

static int do_btf_list(int argc, char **argv, struct server_config *cfg)
{
	struct eucc_error err = {0};
	struct btf_kernel *ks = NULL;
	struct btf_store *store;
	const char *spec;
	struct btf_args a;
	size_t n = 0;
	int ret;

	ret = parse_btf_args(argc, argv, cfg, &a, "btf list [SPEC] [--arch A] [--json]");
	if (ret)
		return ret > 0 ? EUCC_EXIT_OK : EUCC_EXIT_USAGE;
	if (a.nrest > 1)
		return cmd_usage_error("btf list takes at most one SPEC");
	spec = a.nrest ? a.rest[0] : NULL;
	if ((ret = open_store(cfg, &store)))
		return ret;
	ret = btf_store_match(store, spec, a.arch ? arch_normalize(a.arch) : NULL, &ks, &n, &err);
	if (!ret && n == 0 && spec)
		ret = btf_store_explain_miss(store, spec, a.arch ? arch_normalize(a.arch) : NULL,
					     &err);
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
	printf("sha256:    %s\nsize:      %s (%lld bytes), %lld types, %lld funcs\n", k->sha256,
	       size, (long long)k->size, (long long)k->types, (long long)k->funcs);
	printf("source:    %s\nimported:  %s\nvmlinux.h: %s\n", k->source, tbuf, header);
	print_feature_list(f, BTF_FEATURE_HELPER, "helpers");
	print_feature_list(f, BTF_FEATURE_MAP_TYPE, "map types");
	print_feature_list(f, BTF_FEATURE_PROG_TYPE, "program types");
	print_feature_list(f, BTF_FEATURE_ATTACH_TYPE, "attach types");
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

static int do_btf_show(int argc, char **argv, struct server_config *cfg)
{
	struct eucc_error err = {0};
	struct btf_store *store;
	struct btf_kernel k;
	struct btf_args a;
	int ret;

	ret = parse_btf_args(argc, argv, cfg, &a,
			     "btf show RELEASE [--arch A] "
			     "[--type NAME | --func NAME] [--json]");
	if (ret)
		return ret > 0 ? EUCC_EXIT_OK : EUCC_EXIT_USAGE;
	if (a.nrest != 1)
		return cmd_usage_error("btf show needs one RELEASE");
	if (a.type && a.func)
		return cmd_usage_error("give --type or --func, not both");
	if ((ret = open_store(cfg, &store)))
		return ret;
	ret = btf_store_get(store, a.rest[0], a.arch ? arch_normalize(a.arch) : NULL, &k, &err);
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

static int do_btf_rm(int argc, char **argv, struct server_config *cfg)
{
	struct eucc_error err = {0};
	struct btf_store *store;
	struct btf_kernel k;
	struct btf_args a;
	int ret;

	ret = parse_btf_args(argc, argv, cfg, &a, "btf rm RELEASE [--arch A]");
	if (ret)
		return ret > 0 ? EUCC_EXIT_OK : EUCC_EXIT_USAGE;
	if (a.nrest != 1)
		return cmd_usage_error("btf rm needs one RELEASE");
	if ((ret = open_store(cfg, &store)))
		return ret;
	ret = btf_store_get(store, a.rest[0], a.arch ? arch_normalize(a.arch) : NULL, &k, &err);
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

static const struct server_cmd btf_cmds[] = {
    {"import", do_btf_import,
     "import PATH... [--distro D] [--version V] [--arch A] [--release R] [--replace]"},
    {"list", do_btf_list, "list [SPEC] [--arch A] [--json]"},
    {"show", do_btf_show, "show RELEASE [--arch A] [--type NAME | --func NAME] [--json]"},
    {"rm", do_btf_rm, "rm RELEASE [--arch A]"},
    {NULL, NULL, NULL},
};

int do_btf(int argc, char **argv, struct server_config *cfg)
{
	return cmd_dispatch(btf_cmds, "eucc-server btf", argc - 1, argv + 1, cfg);
}
