/* SPDX-License-Identifier: Apache-2.0 */
/* Find the tracing dir that libbpf will use, and mount it when it is missing (as bpftool does). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "common.h"

#define TRACEFS_DIR   "/sys/kernel/tracing"
#define DEBUGFS_DIR   "/sys/kernel/debug"
#define DEBUG_TRACING DEBUGFS_DIR "/tracing"

/* libbpf reads tracepoint ids from /sys/kernel/debug/tracing when that exists, else from
 * /sys/kernel/tracing: report the one it will pick, if it holds events. */
static int tracefs_find(char *path, size_t size)
{
	const char *dir = access(DEBUG_TRACING, F_OK) == 0 ? DEBUG_TRACING : TRACEFS_DIR;
	char events[64];

	snprintf(events, sizeof(events), "%s/events", dir);
	if (access(events, F_OK))
		return -ENOENT;
	snprintf(path, size, "%s", dir);
	return 0;
}

int tracefs_ensure(char *path, size_t size, struct eucc_error *err)
{
	int ret = 0;

	if (!tracefs_find(path, size))
		return 0;
	if (geteuid() != 0)
		ret = -EPERM;
	else if (mount("tracefs", TRACEFS_DIR, "tracefs", 0, NULL) &&
		 mount("debugfs", DEBUGFS_DIR, "debugfs", 0, NULL)) /* kernels before 4.1 */
		ret = -errno;
	if (!ret && !tracefs_find(path, size)) {
		eucc_info("mounted tracefs at %s", path);
		return 1;
	}
	eucc_error_set(err, ret ? ret : -ENOENT, EUCC_E_NO_TRACEFS,
		       "tracefs is not mounted and cannot be mounted here: %s",
		       strerror(ret ? -ret : ENOENT));
	eucc_error_hint(err, "tracepoints and kprobes need it: run as root, or mount it: "
			     "mount -t tracefs tracefs " TRACEFS_DIR);
	return ret ? ret : -ENOENT;
}
