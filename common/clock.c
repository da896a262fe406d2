/* SPDX-License-Identifier: Apache-2.0 */
#include <time.h>

#include "common.h"

uint64_t eucc_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}
