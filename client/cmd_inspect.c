/* SPDX-License-Identifier: Apache-2.0 */
/* eucc-remote inspect PKG [--json]: what a package holds, after verifying it. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "remote.h"

static const char *str(const cJSON *o, const char *key)
{
	const char *v = cJSON_GetStringValue(cJSON_GetObjectItem(o, key));

	return v ? v : "";
}

static double num(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItem(o, key);

	return cJSON_IsNumber(v) ? v->valuedouble : 0;
}

static void print_list(const cJSON *m, const char *key, const char *title, const char *a,
		       const char *b)
{
	const cJSON *it, *arr = cJSON_GetObjectItem(m, key);

	if (!cJSON_GetArraySize(arr))
		return;
	printf("%s:\n", title);
	cJSON_ArrayForEach(it, arr) printf("  %-24s %s\n", str(it, a), str(it, b));
}

static void print_manifest(const cJSON *m)
{
	const cJSON *o = cJSON_GetObjectItem(m, "object"),
		    *tc = cJSON_GetObjectItem(m, "toolchain");
	const cJSON *k;
	char size[32];

	printf("name:      %s\narch:      %s\n", str(m, "name"), str(m, "arch"));
	printf("source:    %s (%s)\n", str(cJSON_GetObjectItem(m, "source"), "main"),
	       str(cJSON_GetObjectItem(m, "source"), "digest"));
	printf("toolchain: eucc %s, clang %s, libbpf %s, headers of %s\n", str(tc, "eucc"),
	       str(tc, "clang"), str(tc, "libbpf"), str(tc, "headers"));
	format_size((uint64_t)num(o, "size"), size, sizeof(size));
	printf("object:    %s, %s, sha256:%s\n", str(o, "path"), size, str(o, "sha256"));
	print_list(m, "programs", "programs", "name", "section");
	print_list(m, "maps", "maps", "name", "type");
	print_list(m, "globals", "globals", "name", "type");
	printf("kernels:\n");
	cJSON_ArrayForEach(k, cJSON_GetObjectItem(m, "kernels"))
	{
		format_size((uint64_t)num(cJSON_GetObjectItem(k, "btf"), "size"), size,
			    sizeof(size));
		printf("  %-44s %s/%s/%s  %-12s BTF %s\n", str(k, "release"), str(k, "distro"),
		       str(k, "version"), str(k, "arch"), str(k, "status"), size);
	}
}

int do_inspect(int argc, char **argv, struct remote_config *cfg)
{
	static const struct option longopts[] = {
	    {"json", no_argument, NULL, 'j'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct eucc_error err = {0};
	struct pkg *pkg;
	int c;

	optind = 0;
	while ((c = getopt_long(argc, argv, "hj", longopts, NULL)) != -1) {
		if (c == 'j')
			cfg->json = true;
		else if (c == 'h')
			return printf("Usage: eucc-remote inspect PKG [--json]\n"), EUCC_EXIT_OK;
		else
			return EUCC_EXIT_USAGE;
	}
	if (optind != argc - 1)
		return remote_usage_error("give one package file");
	if (pkg_open_file(argv[optind], &pkg, &err))
		return remote_fail(&err);
	if (cfg->json)
		json_write(stdout, pkg_manifest(pkg));
	else
		print_manifest(pkg_manifest(pkg));
	pkg_close(pkg);
	return EUCC_EXIT_OK;
}
