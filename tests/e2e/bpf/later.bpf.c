// SPDX-License-Identifier: GPL-2.0
/* An unguarded read of a member that only later kernels have: the
 * ctime of an inode as 6.11 split it (i_ctime_sec), through a ___flavor
 * type, since the 6.1 vmlinux.h does not know it. Loads from 6.11 on. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

struct inode___v611 {
	time64_t i_ctime_sec;
} __attribute__((preserve_access_index));

SEC("fentry/vfs_read")
int BPF_PROG(read_entry, struct file *file)
{
	struct inode___v611 *inode = (void *)BPF_CORE_READ(file, f_inode);

	bpf_printk("%lld", BPF_CORE_READ(inode, i_ctime_sec));
	return 0;
}

/* a kprobe on a function that 6.1's BTF does not have (do_fsync) and
 * one on a function that everyone has */
SEC("kprobe/do_fsync")
int fsync_entry(void *ctx)
{
	return 0;
}

SEC("kretprobe/vfs_write")
int write_exit(void *ctx)
{
	return 0;
}
