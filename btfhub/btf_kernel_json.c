/* SPDX-License-Identifier: Apache-2.0 */
#include <cjson/cJSON.h>

#include "btfhub.h"

cJSON *btf_kernel_json(const struct btf_kernel *k, bool full)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "release", k->release);
	cJSON_AddStringToObject(o, "distro", k->distro);
	cJSON_AddStringToObject(o, "version", k->version);
	cJSON_AddStringToObject(o, "arch", k->arch);
	if (k->build_id[0])
		cJSON_AddStringToObject(o, "build_id", k->build_id);
	if (!full)
		return o;
	cJSON_AddStringToObject(o, "sha256", k->sha256);
	cJSON_AddNumberToObject(o, "size", (double)k->size);
	cJSON_AddNumberToObject(o, "types", (double)k->types);
	cJSON_AddNumberToObject(o, "funcs", (double)k->funcs);
	cJSON_AddStringToObject(o, "source", k->source);
	cJSON_AddNumberToObject(o, "imported_at", (double)k->imported_at);
	cJSON_AddNumberToObject(o, "header_version", k->header_version);
	return o;
}
