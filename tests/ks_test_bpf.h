/* Test helper: the sections of a small eBPF object (.BTF and .BTF.ext),
 * made with libbpf's BTF writer and by the layout of libbpf's
 * btf_ext_header. */
#ifndef KS_TEST_BPF_H
#define KS_TEST_BPF_H

#include <stddef.h>

#include "ks_buf.h"

/* One CO-RE record: the program section, instruction index, access
 * string, relocation kind (libbpf's numbers) and root: 0 the struct,
 * 1 the enum. */
struct ks_test_relo {
	const char *sec;
	unsigned int insn;
	const char *spec;
	unsigned int kind;
	int type;
};

/* Appends the .BTF of struct task { int pid; struct { unsigned int a:3,
 * b:5; }; int comm[16]; } and enum mode___new { M_A = 1, M_B = -2 } to
 * @btf, and when @n, a .BTF.ext of the @n records (all of relos[0].sec)
 * to @ext. */
void ks_test_bpf_sections(const struct ks_test_relo *relos, size_t n, struct ks_buf *btf,
			  struct ks_buf *ext);

#endif
