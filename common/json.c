/* SPDX-License-Identifier: Apache-2.0 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "common.h"

char *json_print(const struct cJSON *json, bool pretty)
{
	char *text = pretty ? cJSON_Print(json) : cJSON_PrintUnformatted(json), *out;
	const unsigned char *p;
	size_t o = 0;

	if (!text)
		return NULL;
	/* outside strings cJSON writes ASCII only: what needs escaping is inside a string */
	out = malloc(strlen(text) * 6 + 1);
	for (p = (const unsigned char *)text; out && *p;) {
		size_t n = str_utf8_char((const char *)p);

		if (!n) {
			o += (size_t)sprintf(out + o, "\\ufffd");
			p++;
		} else if (n == 1 && *p == 0x7f) {
			o += (size_t)sprintf(out + o, "\\u007f");
			p++;
		} else if (n == 2 && p[0] == 0xc2 && p[1] < 0xa0) {
			o += (size_t)sprintf(out + o, "\\u%04x", p[1]);
			p += 2;
		} else {
			memcpy(out + o, p, n);
			o += n;
			p += n;
		}
	}
	if (out)
		out[o] = '\0';
	free(text);
	return out;
}

void json_write(FILE *out, const struct cJSON *json)
{
	char *text = json_print(json, true);

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
