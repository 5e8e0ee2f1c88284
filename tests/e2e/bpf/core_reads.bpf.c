// SPDX-License-Identifier: GPL-2.0
/* Unguarded CO-RE reads: a kprobe (pt_regs: x86 only), a member that
 * exists in 6.1 only (inode.i_ctime, split into i_ctime_sec in 6.11),
 * a bitfield, a type size. Compiled against a 6.1 vmlinux.h. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

SEC("kprobe/vfs_read")
int BPF_KPROBE(read_entry, struct file *file)
{
	struct task_struct *task = (void *)bpf_get_current_task();
	int pid = BPF_CORE_READ(task, pid);
	unsigned long execve = BPF_CORE_READ_BITFIELD_PROBED(task, in_execve);
	long ctime = BPF_CORE_READ(file, f_inode, i_ctime.tv_sec);

	bpf_printk("%d %lu %ld %u", pid, execve, ctime, bpf_core_type_size(struct task_struct));
	return 0;
}
