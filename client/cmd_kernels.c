/* SPDX-License-Identifier: Apache-2.0 */
/* eucc-remote kernels [SPEC] [--arch A] [--json]; kernels RELEASE --type NAME | --func NAME */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <sys/utsname.h>

#include "remote.h"

static void print_kernels(const cJSON *answer)
{
	const cJSON *k;

	printf("%-44s %-8s %-8s %-7s %8s\n", "RELEASE", "DISTRO", "VERSION", "ARCH", "TYPES");
	cJSON_ArrayForEach(k, cJSON_GetObjectItem(answer, "kernels")) {
		printf("%-44s %-8s %-8s %-7s %8.0f\n", json_str(k, "release"),
		       json_str(k, "distro"), json_str(k, "version"), json_str(k, "arch"),
		       json_num(k, "types"));
	}
}

static int build_path(char *path, size_t size, const char *spec, const char *arch, const char *type,
		      const char *func)
{
	char *e_spec = spec ? curl_easy_escape(NULL, spec, 0) : NULL;
	char *e_name = type || func ? curl_easy_escape(NULL, type ? type : func, 0) : NULL;
	char *e_arch = arch ? curl_easy_escape(NULL, arch_normalize(arch), 0) : NULL;

	if (type || func)
		snprintf(path, size, "/v1/kernels/%s/%s/%s%s%s", e_spec, type ? "types" : "funcs",
			 e_name, e_arch ? "?arch=" : "", e_arch ? e_arch : "");
	else
		snprintf(path, size, "/v1/kernels?match=%s%s%s", e_spec ? e_spec : "",
			 e_arch ? "&arch=" : "", e_arch ? e_arch : "");
	curl_free(e_spec);
	curl_free(e_name);
	curl_free(e_arch);
	return 0;
}

int do_kernels(int argc, char **argv, struct remote_config *cfg)
{
	static const struct option longopts[] = {
	    {"arch", required_argument, NULL, 'a'}, {"json", no_argument, NULL, 'j'},
	    {"type", required_argument, NULL, 't'}, {"func", required_argument, NULL, 'f'},
	    {"help", no_argument, NULL, 'h'},	    {NULL, 0, NULL, 0},
	};
	const char *arch = NULL, *type = NULL, *func = NULL, *spec;
	struct eucc_error err = {0};
	struct http_answer ans;
	struct utsname u;
	char path[1024];
	cJSON *answer;
	int c;

	optind = 0;
	while ((c = getopt_long(argc, argv, "hj", longopts, NULL)) != -1) {
		switch (c) {
		case 'a':
			arch = optarg;
			break;
		case 'j':
			cfg->json = true;
			break;
		case 't':
			type = optarg;
			break;
		case 'f':
			func = optarg;
			break;
		case 'h':
			printf("Usage: eucc-remote kernels [SPEC] [--arch A] [--json]\n"
			       "       eucc-remote kernels RELEASE --type NAME | --func NAME\n");
			return EUCC_EXIT_OK;
		default:
			return EUCC_EXIT_USAGE;
		}
	}
	if (arch && !arch_normalize(arch))
		return remote_usage_error("unknown architecture '%s'", arch);
	if (argc - optind > 1 || ((type || func) && argc - optind != 1) || (type && func))
		return remote_usage_error(
		    "kernels [SPEC] or kernels RELEASE --type NAME|--func NAME");
	spec = optind < argc ? argv[optind] : NULL;
	if (spec && !strcmp(spec, "local")) /* this host's kernel: the server cannot know it */
		spec = uname(&u) ? spec : u.release;
	build_path(path, sizeof(path), spec, arch, type, func);
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
	else if (type || func)
		fputs(cJSON_GetStringValue(cJSON_GetObjectItem(answer, "definition")) ?: "",
		      stdout);
	else
		print_kernels(answer);
	cJSON_Delete(answer);
	return EUCC_EXIT_OK;
}
