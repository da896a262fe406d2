/* SPDX-License-Identifier: Apache-2.0 */
#ifndef REAL_HISTOGRAM_H
#define REAL_HISTOGRAM_H
#define MAX_SLOTS 26
struct hist {
	__u32 slots[MAX_SLOTS];
};
#endif
