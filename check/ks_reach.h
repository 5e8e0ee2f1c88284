/* Which instructions of a program run on a given kernel, once the loader
 * has patched in the CO-RE values: the verifier skips a branch whose
 * condition is a known constant, which is how a read guarded by
 * bpf_core_field_exists() loads on a kernel without the field even
 * though libbpf poisoned it. Constants are followed through registers
 * only (not through the stack), so the answer errs towards "runs". */
#ifndef KS_REACH_H
#define KS_REACH_H

#include <stddef.h>
#include <stdint.h>

#include "ks_prog.h"

/* The value the loader puts into one instruction's immediate. */
struct ks_patch {
	uint32_t insn;
	int64_t value;
};

/* Sets @reached[i] (n bytes, one per instruction) for every instruction
 * reachable from the section's function entries (from 0 without any).
 * 0, or KS_ENOMEM-free failure: -1 when the code is malformed (a jump
 * out of the section), with @reached then all 1. */
int ks_reach(const struct ks_code *code, const struct ks_patch *patches, size_t npatches,
	     unsigned char *reached);

#endif
