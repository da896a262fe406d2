/* SPDX-License-Identifier: GPL-2.0 */
/* The record of argsnoop.bpf.c, in the header named like the program (eunomia-bpf's way). */
#ifndef ARGSNOOP_H
#define ARGSNOOP_H

#define ARGS_SIZE 128

struct event {
	int pid;
	int args_size;
	char args[ARGS_SIZE]; /* sent only as far as it is filled */
};

#endif
