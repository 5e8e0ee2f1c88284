// SPDX-License-Identifier: GPL-2.0
/* Attach points that exist in some kernels only: blk_mq_init_queue and
 * the io_uring_submit_sqe tracepoint are gone by 6.12, the block_io_start
 * tracepoint is new in 6.5; sched_switch, the file_open LSM hook and the
 * openat syscall's tracepoint are everywhere; xdp and uprobe programs
 * need no kernel symbol at all. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

SEC("fentry/blk_mq_init_queue")
int BPF_PROG(init_queue)
{
	return 0;
}

SEC("tp_btf/io_uring_submit_sqe")
int BPF_PROG(submit_sqe)
{
	return 0;
}

SEC("raw_tp/block_io_start")
int io_start(void *ctx)
{
	return 0;
}

SEC("tp_btf/sched_switch")
int BPF_PROG(sched_switch, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	return 0;
}

SEC("lsm/file_open")
int BPF_PROG(file_open, struct file *file)
{
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_openat")
int enter_openat(void *ctx)
{
	return 0;
}

SEC("xdp")
int pass(struct xdp_md *ctx)
{
	return 2;	/* XDP_PASS */
}

SEC("uprobe")
int user_probe(void *ctx)
{
	return 0;
}
