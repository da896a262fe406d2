/* SPDX-License-Identifier: Apache-2.0 */
#ifndef REAL_EXECSNOOP_H
#define REAL_EXECSNOOP_H
#define TASK_COMM_LEN 16
struct event {
	__u32 pid;
	__u32 ppid;
	__u32 uid;
	char comm[TASK_COMM_LEN];
};
#endif
