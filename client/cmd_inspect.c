/* SPDX-License-Identifier: Apache-2.0 */
/* eucc-remote inspect PKG [--json]: what a package holds, after verifying it. */
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "remote.h"

/* A manifest's string as it may be shown: a package's strings are escaped (STR_SAFE). */
#define SAFE_STR(o, key) STR_SAFE(json_str((o), (key)))

static void print_list(const cJSON *m, const char *key, const char *title, const char *a,
		       const char *b)
{
	const cJSON *it, *arr = cJSON_GetObjectItem(m, key);

	if (!cJSON_GetArraySize(arr))
		return;
	printf("%s:\n", title);
	cJSON_ArrayForEach(it, arr)
		printf("  %-24s %s\n", SAFE_STR(it, a), SAFE_STR(it, b));
}

static void print_manifest(const cJSON *m)
{
	const cJSON *o = cJSON_GetObjectItem(m, "object"),
		    *tc = cJSON_GetObjectItem(m, "toolchain");
	const cJSON *k;
	char size[32];

	printf("name:      %s\narch:      %s\n", SAFE_STR(m, "name"), SAFE_STR(m, "arch"));
	if (cJSON_GetObjectItem(m, "imported"))
		printf("imported:  %s (sha256:%s)\n",
		       SAFE_STR(cJSON_GetObjectItem(m, "imported"), "format"),
		       SAFE_STR(cJSON_GetObjectItem(m, "imported"), "sha256"));
	if (cJSON_GetObjectItem(m, "source"))
		printf("source:    %s (%s)\n", SAFE_STR(cJSON_GetObjectItem(m, "source"), "main"),
		       SAFE_STR(cJSON_GetObjectItem(m, "source"), "digest"));
	if (tc)
		printf("toolchain: eucc %s, clang %s, libbpf %s, headers of %s\n",
		       SAFE_STR(tc, "eucc"), SAFE_STR(tc, "clang"), SAFE_STR(tc, "libbpf"),
		       SAFE_STR(tc, "headers"));
	format_size((uint64_t)json_num(o, "size"), size, sizeof(size));
	printf("object:    %s, %s, sha256:%s\n", SAFE_STR(o, "path"), size, SAFE_STR(o, "sha256"));
	print_list(m, "programs", "programs", "name", "section");
	print_list(m, "maps", "maps", "name", "type");
	print_list(m, "globals", "globals", "name", "type");
	printf("kernels:\n");
	cJSON_ArrayForEach(k, cJSON_GetObjectItem(m, "kernels")) {
		format_size((uint64_t)json_num(cJSON_GetObjectItem(k, "btf"), "size"), size,
			    sizeof(size));
		printf("  %-44s %s/%s/%s  %-12s BTF %s\n", SAFE_STR(k, "release"),
		       SAFE_STR(k, "distro"), SAFE_STR(k, "version"), SAFE_STR(k, "arch"),
		       SAFE_STR(k, "status"), size);
	}
}

static void print_signer(const struct trust_verdict *v)
{
	if (v->signed_pkg)
		printf("signer:    sha256:%s (%s), %s\n", v->signer.key_id, v->signer.name,
		       v->verified ? "verified against a pinned key"
				   : "not checked (no trusted keys configured)");
	else
		printf("signer:    none: the package is not signed\n");
}

static int do_inspect(const struct cli_call *call)
{
	struct eucc_error err = {0};
	struct trust_verdict v;
	struct pkg *pkg;

	if (remote_open_package(remote_config(call), call->args[0], &pkg, &v, &err))
		return remote_fail(&err);
	if (remote_config(call)->json) {
		cJSON *o = cJSON_Duplicate(pkg_manifest(pkg), 1);

		if (o)
			trust_verdict_json(o, &v);
		json_write(stdout, o);
		cJSON_Delete(o);
	} else {
		print_manifest(pkg_manifest(pkg));
		print_signer(&v);
	}
	pkg_close(pkg);
	return EUCC_EXIT_OK;
}

const struct cli_cmd remote_cmd_inspect = {
    .name = "inspect",
    .run = do_inspect,
    .args = "PKG",
    .summary = "verify a package and print what it holds",
    .help = "Verify the package PKG (its format, its member list and every member's digest; "
	    "its signature when keys are pinned), then print its name, arch, source digest, "
	    "toolchain, object, programs, maps, globals, its kernels with their status and BTF "
	    "size, and its signer (key id and name). PKG may be an eunomia-bpf package.json.",
    .json = "print the package's manifest as JSON, with \"signature\" (\"verified\" or \"not "
	    "checked\") and \"signer\" ({\"key_id\", \"name\"} or null)",
    .min_args = 1,
    .max_args = 1,
};
