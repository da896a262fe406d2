/* SPDX-License-Identifier: Apache-2.0 */
/*
 * eucc-remote export PKG... --format ig|bpfman|libbpf-tools [-o OUT]: one build in the formats
 * other tools load (docs/formats.md).
 */
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "remote.h"

enum export_format { EXPORT_NONE, EXPORT_IG, EXPORT_BPFMAN, EXPORT_LIBBPF_TOOLS };

struct export_args {
	enum export_format format;
	const char *out;
	const char *tag;
};

static int set_format(void *target, const struct cli_opt *opt, const char *v,
		      struct eucc_error *err)
{
	struct export_args *a = target;

	(void)opt;
	if (!strcmp(v, "ig"))
		a->format = EXPORT_IG;
	else if (!strcmp(v, "bpfman"))
		a->format = EXPORT_BPFMAN;
	else if (!strcmp(v, "libbpf-tools"))
		a->format = EXPORT_LIBBPF_TOOLS;
	else
		return eucc_error_set(err, -EINVAL, EUCC_E_USAGE,
				      "--format is ig, bpfman or libbpf-tools, not '%s'", v);
	return 0;
}

/* libbpf-tools' min_core_btfs.tar.gz: "./ID/VERSION_ID/ARCH/RELEASE.btf", names whole in the
 * header's 100-byte name field, which its reader compares as a C string. */
static int export_libbpf_tools(struct pkg *const *pkgs, size_t n, const char *out, size_t *count,
			       struct eucc_error *err)
{
	void *tgz;
	size_t len;
	int ret = export_btf_archive(pkgs, n, "./", 99, &tgz, &len, count, err);

	if (ret)
		return ret;
	ret = fs_write_atomic(out, tgz, len);
	free(tgz);
	return ret ? eucc_error_set(err, ret, EUCC_E_IO, "cannot write %s: %s", out, strerror(-ret))
		   : 0;
}

/* Packages of one arch each, for the image formats (an index entry per arch). */
static int check_arches(struct pkg *const *pkgs, size_t n, struct eucc_error *err)
{
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < i; j++)
			if (!strcmp(json_str(pkg_manifest(pkgs[i]), "arch"),
				    json_str(pkg_manifest(pkgs[j]), "arch"))) {
				eucc_error_set(
				    err, -EINVAL, EUCC_E_USAGE,
				    "two packages for %s: an image holds one build per arch",
				    json_str(pkg_manifest(pkgs[i]), "arch"));
				eucc_error_hint(
				    err, "pass one package of each arch (eucc-remote compile "
					 "--arch A makes one)");
				return -EINVAL;
			}
	return 0;
}

static int do_export(const struct cli_call *call)
{
	struct remote_config *cfg = remote_config(call);
	struct export_args a = {0};
	struct eucc_error err = {0};
	struct pkg *pkgs[CLI_LIST_MAX] = {0};
	char tag[300], def_out[PATH_MAX];
	const char *name;
	size_t n = 0, count = 0;
	int ret = 0;

	if (cli_apply(call, &a, &err))
		return remote_fail(&err);
	if (a.format == EXPORT_NONE)
		return cli_usage_error(call, "--format is required: ig, bpfman or libbpf-tools");
	if (call->nargs > CLI_LIST_MAX)
		return cli_usage_error(call, "at most %d packages", CLI_LIST_MAX);
	for (int i = 0; !ret && i < call->nargs; i++)
		if (!(ret = trust_open_file(cfg, call->args[i], &pkgs[n], NULL, &err)))
			n++;
	if (!ret && a.format != EXPORT_LIBBPF_TOOLS)
		ret = check_arches(pkgs, n, &err);
	name = n ? json_str(pkg_manifest(pkgs[0]), "name") : "";
	snprintf(tag, sizeof(tag), "%s", a.tag ? a.tag : name);
	if (!a.tag)
		snprintf(tag, sizeof(tag), "%s:latest", name);
	snprintf(def_out, sizeof(def_out), "%s",
		 a.format == EXPORT_LIBBPF_TOOLS ? "min_core_btfs.tar.gz" : name);
	if (!a.out)
		a.out = def_out;
	if (!ret && a.format == EXPORT_IG)
		ret = export_ig(pkgs, n, a.out, tag, &err);
	else if (!ret && a.format == EXPORT_BPFMAN)
		ret = export_bpfman(pkgs, n, a.out, tag, &err);
	else if (!ret)
		ret = export_libbpf_tools(pkgs, n, a.out, &count, &err);
	for (size_t i = 0; i < n; i++)
		pkg_close(pkgs[i]);
	if (ret)
		return remote_fail(&err);
	if (cfg->json) {
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "output", a.out);
		cJSON_AddStringToObject(o, "format",
					a.format == EXPORT_IG	    ? "ig"
					: a.format == EXPORT_BPFMAN ? "bpfman"
								    : "libbpf-tools");
		if (a.format == EXPORT_LIBBPF_TOOLS)
			cJSON_AddNumberToObject(o, "kernels", (double)count);
		else
			cJSON_AddStringToObject(o, "tag", tag);
		json_write(stdout, o);
		cJSON_Delete(o);
	} else if (!cfg->quiet) {
		if (a.format == EXPORT_LIBBPF_TOOLS)
			printf("wrote %s (%zu kernels)\n", a.out, count);
		else
			printf("wrote %s (OCI image layout, tag %s)\n", a.out, tag);
	}
	return EUCC_EXIT_OK;
}

static const struct cli_opt export_opts[] = {
    {.name = "format",
     .letter = 'f',
     .arg = "ig|bpfman|libbpf-tools",
     .kind = CLI_CALL,
     .set = set_format,
     .help = "ig: an Inspektor Gadget image (OCI layout); bpfman: a bpfman bytecode image (OCI "
	     "layout); libbpf-tools: min_core_btfs.tar.gz"},
    {.name = "output",
     .letter = 'o',
     .arg = "OUT",
     .kind = CLI_STR,
     .off = offsetof(struct export_args, out),
     .help = "the image layout dir to make (new or empty), or the .tar.gz to write",
     .def = "NAME for images, min_core_btfs.tar.gz"},
    {.name = "tag",
     .arg = "REF",
     .kind = CLI_STR,
     .off = offsetof(struct export_args, tag),
     .help = "the image's name in the layout's index.json (org.opencontainers.image.ref.name)",
     .def = "NAME:latest"},
    {0},
};

const struct cli_cmd remote_cmd_export = {
    .name = "export",
    .run = do_export,
    .args = "PKG...",
    .summary = "write a package in another tool's format: Inspektor Gadget, bpfman, "
	       "libbpf-tools",
    .help = "Verify the packages PKG (and their signatures when keys are pinned), then write "
	    "them as an Inspektor Gadget image or a bpfman bytecode image (OCI image layouts, one "
	    "package per arch), or their minimized BTF as libbpf-tools' min_core_btfs.tar.gz "
	    "(every kernel of every PKG that is not incompatible). docs/formats.md says how each "
	    "tool reads what is written.",
    .opts = export_opts,
    .json = "print {\"output\", \"format\", \"tag\" or \"kernels\"}",
    .min_args = 1,
    .max_args = -1,
};
