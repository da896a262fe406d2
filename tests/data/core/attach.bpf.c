// SPDX-License-Identifier: GPL-2.0
/*
 * One program of each way of attaching, each loaded alone by the tests: kprobes (not on a
 * kernel built without CONFIG_KPROBES), kprobe.multi (CONFIG_FPROBE), a uprobe, a trampoline
 * (fentry), the BPF LSM, and a perf_event program that only its user space attaches.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

SEC("kprobe/vfs_read")
int BPF_KPROBE(kp_read)
{
	return 0;
}

SEC("kprobe.multi/vfs_read")
int kpm_read(void *ctx)
{
	return 0;
}

SEC("uprobe//lib/x86_64-linux-gnu/libc.so.6:getpid")
int BPF_KPROBE(up_getpid)
{
	return 0;
}

SEC("fentry/vfs_read")
int BPF_PROG(fe_read, struct file *file)
{
	return 0;
}

SEC("lsm/file_open")
int BPF_PROG(lsm_open, struct file *file)
{
	return 0;
}

SEC("perf_event")
int on_cpu(struct bpf_perf_event_data *ctx)
{
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
