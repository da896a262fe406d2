/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer: the BTF validator, and everything that reads BTF it accepts: libbpf's parser, the
 * vmlinux.h writer (libbpf's C dumper), the feature tables, single definitions. A crash or a
 * hang past the validator is a hole in it.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <bpf/btf.h>

#include "btfhub.h"
#include "core.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static FILE *devnull;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct btf_features f;
	struct btf *btf;

	if (btf_source_validate(data, size, NULL))
		return 0;
	btf = btf__new(data, (uint32_t)size);
	if (!btf)
		__builtin_trap(); /* accepted, so libbpf must parse it */
	if (!devnull)
		devnull = fopen("/dev/null", "w");
	btf_header_write(btf, devnull, NULL);
	btf_header_print_type(btf, "s", devnull, NULL);
	btf_header_print_func(btf, "f", devnull, NULL);
	if (!btf_features_read(btf, &f))
		btf_features_free(&f);
	btf__free(btf);
	return 0;
}
