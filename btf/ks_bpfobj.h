/* Reading an eBPF object file (clang -target bpf -g): its programs and
 * attach points from the section names, its CO-RE relocations from
 * .BTF.ext with their local side resolved in its .BTF, as libbpf's
 * bpf_core_parse_spec() does before it looks at any kernel. */
#ifndef KS_BPFOBJ_H
#define KS_BPFOBJ_H

#include "ks_prog.h"

/* KS_EFORMAT with one line naming the problem when @path is not an eBPF
 * ELF object, has no .BTF, or its .BTF or .BTF.ext is invalid or
 * truncated; KS_EIO when it cannot be read. */
int ks_bpfobj_open(struct ks_prog **out, const char *path);

#endif
