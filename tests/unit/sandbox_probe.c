/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What a command sees in the compile sandbox, one "key value" line each, for test_sandbox:
 * ids, capabilities, no_new_privs, session, files it may and may not reach, the network,
 * the environment, the rlimits. With "spawn": leave a child behind that sleeps, which the
 * sandbox must end with the job.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <net/if.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

extern char **environ;

static const char *err_name(int e)
{
	switch (e) {
	case 0:
		return "ok";
	case ENOENT:
		return "ENOENT";
	case EROFS:
		return "EROFS";
	case EACCES:
		return "EACCES";
	case EPERM:
		return "EPERM";
	case ENETUNREACH:
		return "ENETUNREACH";
	default:
		return strerror(e);
	}
}

static void try_write(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	printf("write %s %s\n", path, err_name(fd < 0 ? errno : 0));
	if (fd >= 0)
		close(fd);
}

static void try_read(const char *path)
{
	int fd = open(path, O_RDONLY);

	printf("read %s %s\n", path, err_name(fd < 0 ? errno : 0));
	if (fd >= 0)
		close(fd);
}

static void caps(void)
{
	struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct d[2] = {{0}};
	int bounding = 0;

	syscall(SYS_capget, &h, d);
	for (int c = 0; c <= 63; c++)
		bounding += prctl(PR_CAPBSET_READ, c, 0, 0, 0) == 1;
	printf("caps effective %x%08x permitted %x%08x inheritable %x%08x bounding %d\n",
	       d[1].effective, d[0].effective, d[1].permitted, d[0].permitted, d[1].inheritable,
	       d[0].inheritable, bounding);
	printf("no_new_privs %d\n", prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0));
}

static void network(void)
{
	struct sockaddr_in a = {
	    .sin_family = AF_INET, .sin_port = htons(80), .sin_addr.s_addr = htonl(0x0a000001)};
	struct if_nameindex *ifs = if_nameindex();
	int s = socket(AF_INET, SOCK_STREAM, 0), n = 0;
	int r = s < 0 ? errno : connect(s, (struct sockaddr *)&a, sizeof(a)) ? errno : 0;

	printf("connect 10.0.0.1:80 %s\n", err_name(r));
	for (struct if_nameindex *i = ifs; i && i->if_index; i++)
		n++;
	printf("interfaces %d %s\n", n, ifs && n ? ifs[0].if_name : "-");
	if (ifs)
		if_freenameindex(ifs);
	if (s >= 0)
		close(s);
}

static void limits(void)
{
	static const struct {
		int res;
		const char *name;
	} rl[] = {{RLIMIT_CPU, "cpu"},
		  {RLIMIT_AS, "as"},
		  {RLIMIT_FSIZE, "fsize"},
		  {RLIMIT_NPROC, "nproc"},
		  {RLIMIT_CORE, "core"}};

	for (size_t i = 0; i < sizeof(rl) / sizeof(rl[0]); i++) {
		struct rlimit l;

		getrlimit(rl[i].res, &l);
		printf("rlimit %s %llu %llu\n", rl[i].name, (unsigned long long)l.rlim_cur,
		       (unsigned long long)l.rlim_max);
	}
}

int main(int argc, char **argv)
{
	char cwd[256];
	struct stat st;

	if (argc > 1 && !strcmp(argv[1], "spawn")) {
		if (fork() == 0) {
			signal(SIGHUP, SIG_IGN);
			execl(argv[0], "eucc-probe-sleeper", "sleep", (char *)NULL);
			_exit(1);
		}
		printf("spawned\n");
		return 0;
	}
	if (argc > 1 && !strcmp(argv[1], "sleep")) {
		sleep(60);
		return 0;
	}
	printf("uid %d euid %d gid %d egid %d\n", getuid(), geteuid(), getgid(), getegid());
	printf("pid %d ppid %d session-leader %d\n", getpid(), getppid(), getsid(0) == getpid());
	caps();
	printf("cwd %s\n", getcwd(cwd, sizeof(cwd)) ? cwd : "?");
	printf("proc %s\n", err_name(stat("/proc/self", &st) ? errno : 0));
	try_read("/etc/passwd");
	try_read("/etc/shadow");
	try_read("/dev/urandom");
	try_read("/job/src/input.txt");
	try_write("/dev/null");
	try_write("/probe-root");
	try_write("/usr/probe");
	try_write("/job/src/probe");
	try_write("/job/out/probe");
	try_write("/tmp/probe");
	network();
	for (char **e = environ; *e; e++)
		printf("env %s\n", *e);
	limits();
	return 0;
}
