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
