// SPDX-License-Identifier: GPL-2.0
/* An existence check that guards nothing: the read after it runs on
 * every kernel, so where inode.i_ctime is gone the program does not
 * load, although a check of that very member comes first. What tells
 * it from guarded.bpf.c is the control flow, not the order. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

SEC("fentry/vfs_read")
int BPF_PROG(read_entry, struct file *file)
{
	int has = bpf_core_field_exists(struct inode, i_ctime);
	long ctime = BPF_CORE_READ(file, f_inode, i_ctime.tv_sec);

	bpf_printk("%d %ld", has, ctime);
	return 0;
}
