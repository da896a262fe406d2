/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer: the compile request checks (compile_request_parse) on any JSON body. */
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "compile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct compile_request req = {0};
	struct eucc_error err = {0};
	cJSON *body = cJSON_ParseWithLength((const char *)data, size);

	if (!body)
		return 0;
	if (!compile_request_parse(body, &req, &err))
		compile_request_free(&req);
	cJSON_Delete(body);
	return 0;
}
