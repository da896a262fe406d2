/* SPDX-License-Identifier: Apache-2.0 */
/* Map helpers in the way libbpf-tools' maps.bpf.h has them. */
#ifndef REAL_MAPS_BPF_H
#define REAL_MAPS_BPF_H
#include <bpf/bpf_helpers.h>
#include <asm-generic/errno.h>

static __always_inline void *lookup_or_try_init(void *map, const void *key, const void *init)
{
	void *val = bpf_map_lookup_elem(map, key);
	long err;

	if (val)
		return val;
	err = bpf_map_update_elem(map, key, init, BPF_NOEXIST);
	if (err && err != -EEXIST)
		return 0;
	return bpf_map_lookup_elem(map, key);
}
#endif
