/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * eucc.h: what a BPF program tells `eucc-remote run` beyond what libbpf needs.
 * Include it after vmlinux.h (or linux/types.h) and bpf_helpers.h.
 */
#ifndef __EUCC_EUCC_H
#define __EUCC_EUCC_H

/*
 * EUCC_EVENT(map, type): the records the program sends through the ring buffer or perf
 * buffer @map are of C type @type, so the loader prints them field by field:
 *
 *	struct event { __u32 pid; char comm[16]; };
 *	EUCC_EVENT(events, struct event);
 *
 * It emits an unused, zero-filled `const type __eucc_event__<map>` in the ELF section
 * ".eucc.events". libbpf skips that section when it loads the object ("skipping
 * unrecognized data section"), so no map is made and the kernel never sees it: it works
 * on kernels without global data (4.19). The variable stays in the object's BTF, under
 * DATASEC ".eucc.events", and that is where the loader finds the type; `llvm-strip -g`
 * keeps both. Weak, so a header that declares it may be included twice.
 */
#define EUCC_EVENT(map, type)                                                                      \
	const type __eucc_event__##map __attribute__((section(EUCC_EVENT_SECTION), used, weak)) = {0}

/* The section and the variables' name prefix, as the server and the loader look them up. */
#define EUCC_EVENT_SECTION ".eucc.events"
#define EUCC_EVENT_PREFIX  "__eucc_event__"

#endif
