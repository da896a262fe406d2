/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer: BTF import's format dispatch (btf_source_scan_buffer) on any bytes: raw BTF, ELF,
 * kernel images, compressed streams, tarballs, .deb. Every BTF it reports must pass the
 * validator again, as the store's importer relies on.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "btfhub.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int found(const struct btf_blob *b, void *ctx)
{
	(void)ctx;
	if (btf_source_validate(b->data, b->size, NULL))
		__builtin_trap();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct btf_source_ops ops = {.found = found};
	struct eucc_error err = {0};

	btf_source_scan_buffer(data, size, "vmlinux-5.10.0-1-amd64", &ops, &err);
	return 0;
}
