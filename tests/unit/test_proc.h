/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Helpers of the unit tests that run commands and look at processes: test_run() runs a shell
 * command made like printf and answers its system() status; test_processes_with() counts the
 * processes whose command line (arguments joined by spaces) contains @needle.
 */
#ifndef EUCC_TEST_PROC_H
#define EUCC_TEST_PROC_H

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static inline int test_run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static inline int test_run(const char *fmt, ...)
{
	char cmd[4 * PATH_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return system(cmd);
}

static inline int test_processes_with(const char *needle)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	int count = 0;

	while (d && (e = readdir(d))) {
		char path[300], cmd[4096];
		ssize_t n;
		int fd;

		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/cmdline", e->d_name);
		fd = open(path, O_RDONLY);
		if (fd < 0)
			continue;
		n = read(fd, cmd, sizeof(cmd) - 1);
		close(fd);
		for (ssize_t i = 0; i < n; i++)
			if (!cmd[i])
				cmd[i] = ' ';
		cmd[n > 0 ? n : 0] = '\0';
		count += strstr(cmd, needle) != NULL;
	}
	if (d)
		closedir(d);
	return count;
}

#endif
