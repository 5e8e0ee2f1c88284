// SPDX-License-Identifier: GPL-2.0
/* Reads that load everywhere but mean something else where a member
 * changed size or signedness after 6.1: inode.i_state (unsigned long ->
 * u32 in 6.7), sock.sk_gso_type (int -> u16). sk_tsflags (u16 -> u32)
 * is read with its size asked for (bpf_core_field_size), which is the
 * cure, so it is not warned about. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

SEC("fentry/vfs_read")
int BPF_PROG(read_entry, struct file *file)
{
	unsigned long state = BPF_CORE_READ(file, f_inode, i_state);

	bpf_printk("%lu", state);
	return 0;
}

SEC("fentry/tcp_sendmsg")
int BPF_PROG(sendmsg, struct sock *sk)
{
	int gso = BPF_CORE_READ(sk, sk_gso_type);
	unsigned long long flags = 0;

	bpf_probe_read_kernel(&flags, bpf_core_field_size(sk->sk_tsflags),
			      (char *)sk + bpf_core_field_offset(sk->sk_tsflags));
	bpf_printk("%d %llu", gso, flags);
	return 0;
}
