/* SPDX-License-Identifier: Apache-2.0 */
/* eucc-remote run PKG: verify the package, then hand it to the loader. */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include <cjson/cJSON.h>

#include "loader.h"
#include "remote.h"

struct run_args {
	struct loader_opts opts;
	const char *sets[64];
	const char *pkg;
	bool help;
	bool dry_run; /* say which BTF would be used, load nothing */
};

static int parse_btf_mode(const char *v, struct loader_opts *o)
{
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

static int parse_run_args(int argc, char **argv, struct run_args *a)
{
	static const struct option longopts[] = {
	    {"btf", required_argument, NULL, 'b'},   {"duration", required_argument, NULL, 'd'},
	    {"set", required_argument, NULL, 's'},   {"json", no_argument, NULL, 'j'},
	    {"attach-only", no_argument, NULL, 'A'}, {"dry-run", no_argument, NULL, 'n'},
	    {"help", no_argument, NULL, 'h'},	     {NULL, 0, NULL, 0},
	};
	char *end;
	long v;
	int c;

	a->opts.sz = sizeof(a->opts);
	a->opts.sets = a->sets;
	optind = 0;
	while ((c = getopt_long(argc, argv, "hj", longopts, NULL)) != -1) {
		switch (c) {
		case 'b':
			parse_btf_mode(optarg, &a->opts);
			break;
		case 'd':
			v = strtol(optarg, &end, 10);
			if (*end || v < 0 || v > 86400 * 365)
				return remote_usage_error("--duration wants seconds, not '%s'",
							  optarg);
			a->opts.duration_sec = (unsigned int)v;
			break;
		case 's':
			if (a->opts.nsets == 64 || !strchr(optarg, '='))
				return remote_usage_error("--set wants NAME=VALUE (at most 64)");
			a->sets[a->opts.nsets++] = optarg;
			break;
		case 'j':
			a->opts.json = true;
			break;
		case 'A':
			a->opts.attach_only = true;
			break;
		case 'n':
			a->dry_run = true;
			break;
		case 'h':
			a->help = true;
			break;
		default:
			return EUCC_EXIT_USAGE;
		}
	}
	if (optind < argc)
		a->pkg = argv[optind++];
	if (optind < argc)
		return remote_usage_error("run takes one package");
	if (!a->pkg && !a->help)
		return remote_usage_error("give a package: eucc-remote run NAME.eucc");
	return 0;
}

/* The loader's view of a verified package; *btfs is malloc'd. */
static int loader_input_from(const struct pkg *pkg, struct loader_input *in,
			     struct loader_btf **btfs, struct eucc_error *err)
{
	const cJSON *m = pkg_manifest(pkg), *k;
	const char *obj =
	    cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetObjectItem(m, "object"), "path"));
	size_t n = 0;

	memset(in, 0, sizeof(*in));
	in->name = cJSON_GetStringValue(cJSON_GetObjectItem(m, "name"));
	in->arch = cJSON_GetStringValue(cJSON_GetObjectItem(m, "arch"));
	if (!obj || !in->name || !in->arch || pkg_member(pkg, obj, &in->object, &in->object_size))
		return eucc_error_set(err, -EINVAL, EUCC_E_BAD_PACKAGE,
				      "the package's manifest names no object");
	*btfs = calloc((size_t)cJSON_GetArraySize(cJSON_GetObjectItem(m, "kernels")) + 1,
		       sizeof(**btfs));
	if (!*btfs)
		return eucc_error_set(err, -ENOMEM, EUCC_E_INTERNAL, "out of memory");
	cJSON_ArrayForEach(k, cJSON_GetObjectItem(m, "kernels")) {
		struct loader_btf *b = &(*btfs)[n];
		const char *path = cJSON_GetStringValue(
		    cJSON_GetObjectItem(cJSON_GetObjectItem(k, "btf"), "path"));

		b->release = cJSON_GetStringValue(cJSON_GetObjectItem(k, "release"));
		b->arch = cJSON_GetStringValue(cJSON_GetObjectItem(k, "arch"));
		if (path && b->release && b->arch && !pkg_member(pkg, path, &b->data, &b->size))
			n++;
	}
	in->btfs = *btfs;
	in->nbtfs = n;
	return 0;
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

		snprintf(opt, sizeof(opt), "--set %s=VALUE", lp[i].name);
		printf("  %-32s %s (default: %s)\n", opt, lp[i].type, lp[i].def);
		cJSON_ArrayForEach(p, params) {
			const char *name = cJSON_GetStringValue(cJSON_GetObjectItem(p, "name"));
			const char *d = cJSON_GetStringValue(cJSON_GetObjectItem(p, "description"));

			if (name && !strcmp(name, lp[i].name) && d && *d)
				printf("        %s\n", d);
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
			st, rel);
		cJSON_ArrayForEach(f, cJSON_GetObjectItem(k, "findings")) {
			const char *file = cJSON_GetStringValue(cJSON_GetObjectItem(f, "file"));
			const cJSON *line = cJSON_GetObjectItem(f, "line");

			if (file && *file && cJSON_IsNumber(line) && line->valueint > 0)
				fprintf(stderr, "  %s:%d: ", file, line->valueint);
			else
				fprintf(stderr, "  ");
			fprintf(stderr, "%s: %s\n",
				cJSON_GetStringValue(cJSON_GetObjectItem(f, "severity")) ?: "error",
				cJSON_GetStringValue(cJSON_GetObjectItem(f, "message")) ?: "");
		}
	}
	cJSON_Delete((cJSON *)report);
	return bad;
}

int do_run(int argc, char **argv, struct remote_config *cfg)
{
	struct run_args a = {0};
	struct eucc_error err = {0};
	struct loader_input in;
	struct loader_btf *btfs = NULL;
	struct pkg *pkg;
	int ret;

	(void)cfg;
	ret = parse_run_args(argc, argv, &a);
	if (ret)
		return ret;
	if (!a.pkg) {
		printf(
		    "Usage: eucc-remote run PKG [--btf auto|bundled|native|PATH] [--duration SEC] "
		    "[--set NAME=VALUE]... [--json] [--attach-only] [--dry-run]\n       "
		    "eucc-remote run PKG --help  "
		    "(the program's parameters)\n");
		return EUCC_EXIT_OK;
	}
	if (pkg_open_file(a.pkg, &pkg, &err))
		return remote_fail(&err);
	ret = loader_input_from(pkg, &in, &btfs, &err);
	if (!ret && a.help) {
		printf(
		    "Usage: eucc-remote run %s [--btf auto|bundled|native|PATH] [--duration SEC] "
		    "[--json] [--set NAME=VALUE]...\n\nParameters of %s:\n",
		    a.pkg, in.name);
		ret = print_params(pkg, &in, &err);
	} else if (!ret && a.dry_run) {
		char desc[PATH_MAX + 64];

		ret = loader_pick_btf(&in, &a.opts, desc, sizeof(desc), &err);
		if (!ret)
			printf("%s: would load with BTF %s\n", in.name, desc);
	} else if (!ret) {
		bool predicted = warn_known_findings(pkg);

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
	free(btfs);
	pkg_close(pkg);
	return ret ? remote_fail(&err) : EUCC_EXIT_OK;
}
