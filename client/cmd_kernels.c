/* SPDX-License-Identifier: Apache-2.0 */
/* eucc-remote kernels [SPEC] [--arch A] [--json]; kernels RELEASE --type NAME | --func NAME */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <sys/utsname.h>

#include "remote.h"

static void print_kernels(const cJSON *answer)
{
	const cJSON *k;

	printf("%-44s %-8s %-8s %-7s %8s\n", "RELEASE", "DISTRO", "VERSION", "ARCH", "TYPES");
	cJSON_ArrayForEach(k, cJSON_GetObjectItem(answer, "kernels")) {
		printf("%-44s %-8s %-8s %-7s %8.0f\n", STR_SAFE(json_str(k, "release")),
		       STR_SAFE(json_str(k, "distro")), STR_SAFE(json_str(k, "version")),
		       STR_SAFE(json_str(k, "arch")), json_num(k, "types"));
	}
}

static int build_path(char *path, size_t size, const char *spec, const char *arch, const char *type,
		      const char *func)
{
	char *e_spec = spec ? http_escape(spec) : NULL;
	char *e_name = type || func ? http_escape(type ? type : func) : NULL;
	char *e_arch = arch ? http_escape(arch_normalize(arch)) : NULL;

	if (type || func)
		snprintf(path, size, "/v1/kernels/%s/%s/%s%s%s", e_spec, type ? "types" : "funcs",
			 e_name, e_arch ? "?arch=" : "", e_arch ? e_arch : "");
	else
		snprintf(path, size, "/v1/kernels?match=%s%s%s", e_spec ? e_spec : "",
			 e_arch ? "&arch=" : "", e_arch ? e_arch : "");
	http_escape_free(e_spec);
	http_escape_free(e_name);
	http_escape_free(e_arch);
	return 0;
}

struct kernels_args {
	const char *arch, *type, *func;
};

static int do_kernels(const struct cli_call *call)
{
	struct remote_config *cfg = remote_config(call);
	struct kernels_args a = {0};
	const char *spec;
	struct eucc_error err = {0};
	struct http_answer ans;
	struct utsname u;
	char path[1024];
	cJSON *answer;

	if (cli_apply(call, &a, &err))
		return remote_fail(&err);
	if (((a.type || a.func) && call->nargs != 1) || (a.type && a.func))
		return cli_usage_error(call, "--type and --func want one RELEASE, and not both");
	spec = call->nargs ? call->args[0] : NULL;
	if (spec && !strcmp(spec, "local")) /* this host's kernel: the server cannot know it */
		spec = uname(&u) ? spec : u.release;
	build_path(path, sizeof(path), spec, a.arch, a.type, a.func);
	if (http_request(cfg, "GET", path, NULL, &ans, &err))
		return remote_fail(&err);
	if (ans.status != 200) {
		http_error(&ans, &err);
		http_answer_free(&ans);
		return remote_fail(&err);
	}
	answer = cJSON_Parse(ans.body);
	http_answer_free(&ans);
	if (cfg->json)
		json_write(stdout, answer);
	else if (a.type || a.func)
		fputs(cJSON_GetStringValue(cJSON_GetObjectItem(answer, "definition")) ?: "",
		      stdout);
	else
		print_kernels(answer);
	cJSON_Delete(answer);
	return EUCC_EXIT_OK;
}

static const struct cli_opt kernels_opts[] = {
    {.name = "arch",
     .arg = "A",
     .kind = CLI_CALL,
     .set = cli_set_arch,
     .off = offsetof(struct kernels_args, arch),
     .help = "only kernels of this architecture (x86_64, arm64, ...)",
     .def = "every architecture"},
    {.name = "type",
     .arg = "NAME",
     .kind = CLI_STR,
     .off = offsetof(struct kernels_args, type),
     .help = "print the definition of the type NAME as the kernel RELEASE has it"},
    {.name = "func",
     .arg = "NAME",
     .kind = CLI_STR,
     .off = offsetof(struct kernels_args, func),
     .help = "print the prototype of the kernel function NAME as RELEASE has it"},
    {0},
};

const struct cli_cmd remote_cmd_kernels = {
    .name = "kernels",
    .run = do_kernels,
    .args = "[SPEC]",
    .summary = "the kernels the server can compile for; a type or function of one",
    .help = "List the stored kernels of the server that SPEC matches (all without SPEC): "
	    "4.19, an exact release, DISTRO[/VERSION[/ARCH]], or local for this host's "
	    "kernel.\nWith --type NAME or --func NAME, SPEC is one RELEASE and the definition "
	    "of that type or function on that kernel is printed.",
    .opts = kernels_opts,
    .json = "print the server's answer as JSON",
    .min_args = 0,
    .max_args = 1,
};
