/* SPDX-License-Identifier: Apache-2.0 */
#include <stdlib.h>

#include <cjson/cJSON.h>

#include "common.h"

void json_write(FILE *out, const struct cJSON *json)
{
	char *text = cJSON_Print(json);

	if (!text) {
		fputs("null\n", out);
		return;
	}
	fputs(text, out);
	fputc('\n', out);
	free(text);
}

const char *json_str(const struct cJSON *o, const char *key)
{
	const char *v = cJSON_GetStringValue(cJSON_GetObjectItem(o, key));

	return v ? v : "";
}

double json_num(const struct cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItem(o, key);

	return cJSON_IsNumber(v) ? v->valuedouble : 0;
}
