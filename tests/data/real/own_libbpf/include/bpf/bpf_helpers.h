/* SPDX-License-Identifier: Apache-2.0 */
/* A project's own, pinned helper header in place of the server's libbpf one: the few macros and
 * helpers its programs use. OWN_LIBBPF tells the programs that this one was found first. */
#ifndef OWN_BPF_HELPERS_H
#define OWN_BPF_HELPERS_H
#define OWN_LIBBPF 1

#define SEC(name) __attribute__((section(name), used))
#define __uint(name, val) int(*name)[val]
#define __type(name, val) typeof(val) *name
#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif

static void *(*bpf_map_lookup_elem)(void *map, const void *key) = (void *)1;
static long (*bpf_map_update_elem)(void *map, const void *key, const void *value,
				   unsigned long long flags) = (void *)2;
static unsigned long long (*bpf_get_current_pid_tgid)(void) = (void *)14;
#endif
