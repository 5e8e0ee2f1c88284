// SPDX-License-Identifier: GPL-2.0
/* The guarded-read pattern: each member that moved between releases is
 * read only behind bpf_core_field_exists() of the same member, through
 * ___flavor types for the layouts the 6.1 vmlinux.h does not have:
 * inode.i_ctime (6.1) / __i_ctime (6.6) / i_ctime_sec (6.11),
 * iov_iter.iov -> __iov (6.4), renamedata.old_mnt_userns ->
 * old_mnt_idmap (6.3), and an enumerator added in 6.4. fentry takes its
 * arguments from the context, so nothing here is arch-specific. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

struct inode___v66 {
	struct timespec64 __i_ctime;
} __attribute__((preserve_access_index));

struct inode___v611 {
	time64_t i_ctime_sec;
} __attribute__((preserve_access_index));

struct iov_iter___v64 {
	const struct iovec *__iov;
} __attribute__((preserve_access_index));

struct renamedata___v63 {
	struct mnt_idmap *old_mnt_idmap;
} __attribute__((preserve_access_index));

enum bpf_prog_type___v64 { BPF_PROG_TYPE_NETFILTER___v64 = 32 };

static __always_inline long inode_ctime(struct inode *inode)
{
	if (bpf_core_field_exists(struct inode___v611, i_ctime_sec))
		return BPF_CORE_READ((struct inode___v611 *)inode, i_ctime_sec);
	if (bpf_core_field_exists(struct inode___v66, __i_ctime))
		return BPF_CORE_READ((struct inode___v66 *)inode, __i_ctime.tv_sec);
	if (bpf_core_field_exists(struct inode, i_ctime))
		return BPF_CORE_READ(inode, i_ctime.tv_sec);
	return -1;
}

SEC("fentry/vfs_read")
int BPF_PROG(read_entry, struct file *file)
{
	bpf_printk("%ld", inode_ctime(file->f_inode));
	return 0;
}

SEC("fentry/import_iovec")
int BPF_PROG(iovec, int type, const struct iovec *uvec, unsigned int nr, unsigned int fast,
	     struct iovec **iovp, struct iov_iter *i)
{
	const void *p = 0;

	if (bpf_core_field_exists(struct iov_iter___v64, __iov))
		p = BPF_CORE_READ((struct iov_iter___v64 *)i, __iov);
	else if (bpf_core_field_exists(struct iov_iter, iov))
		p = BPF_CORE_READ(i, iov);
	bpf_printk("%p", p);
	return 0;
}

SEC("fentry/vfs_rename")
int BPF_PROG(rename, struct renamedata *rd)
{
	const void *p = 0;
	int netfilter = -1;

	if (bpf_core_field_exists(struct renamedata___v63, old_mnt_idmap))
		p = BPF_CORE_READ((struct renamedata___v63 *)rd, old_mnt_idmap);
	else if (bpf_core_field_exists(struct renamedata, old_mnt_userns))
		p = BPF_CORE_READ(rd, old_mnt_userns);
	if (bpf_core_enum_value_exists(enum bpf_prog_type___v64, BPF_PROG_TYPE_NETFILTER___v64))
		netfilter = bpf_core_enum_value(enum bpf_prog_type___v64,
						BPF_PROG_TYPE_NETFILTER___v64);
	bpf_printk("%p %d", p, netfilter);
	return 0;
}
