/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A kernel's build id: the NT_GNU_BUILD_ID note (owner "GNU") among the ELF notes the kernel
 * exports in /sys/kernel/notes. Each note is a header of three 32-bit words in the kernel's
 * byte order (name size, descriptor size, type), the name, then the descriptor, each padded
 * to 4 bytes.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

#define NOTE_GNU_BUILD_ID 3 /* NT_GNU_BUILD_ID */

static size_t pad4(size_t n)
{
	return (n + 3) & ~(size_t)3;
}

int kernel_build_id_parse(const void *notes, size_t size, char *hex, size_t hex_size)
{
	const unsigned char *p = notes;
	size_t off = 0;

	if (hex_size)
		hex[0] = '\0';
	while (size - off >= 12) {
		uint32_t w[3];
		size_t namesz, descsz, name_at, desc_at;

		memcpy(w, p + off, sizeof(w));
		namesz = w[0];
		descsz = w[1];
		name_at = off + 12;
		if (namesz > size - name_at)
			return -EBADMSG;
		desc_at = name_at + pad4(namesz);
		if (desc_at > size || descsz > size - desc_at)
			return -EBADMSG;
		if (w[2] == NOTE_GNU_BUILD_ID && namesz == 4 && !memcmp(p + name_at, "GNU", 4)) {
			if (descsz == 0 || descsz > KERNEL_BUILD_ID_MAX)
				return -EBADMSG;
			if (hex_size < 2 * descsz + 1)
				return -ENOSPC;
			for (size_t i = 0; i < descsz; i++)
				snprintf(hex + 2 * i, 3, "%02x", p[desc_at + i]);
			return 0;
		}
		off = desc_at + pad4(descsz);
		if (off > size)
			break;
	}
	return -ENOENT;
}

int kernel_build_id(const char *path, char *hex, size_t hex_size)
{
	void *data;
	size_t len;
	int ret = fs_read_file(path ? path : "/sys/kernel/notes", 1 << 20, &data, &len);

	if (hex_size)
		hex[0] = '\0';
	if (ret)
		return ret;
	ret = kernel_build_id_parse(data, len, hex, hex_size);
	free(data);
	return ret;
}

bool build_id_is_valid(const char *hex)
{
	size_t n = strlen(hex);

	if (n < 2 || n % 2 || n > 2 * KERNEL_BUILD_ID_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!strchr("0123456789abcdef", hex[i]))
			return false;
	return true;
}
