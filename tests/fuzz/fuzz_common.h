/* What the fuzz harnesses, their replay program and the seed generator
 * share. */
#ifndef KS_FUZZ_COMMON_H
#define KS_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>

struct btf;

/* libFuzzer's entry points; replay.c calls them without libFuzzer. */
int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The vmlinux every kernel module input is read against: a small fixed
 * BTF (int, long, char, struct list_head, ...). The seed generator
 * writes modules over the same one. Caller frees. */
struct btf *ks_fuzz_base_btf(void);

/* Aborts with a message: an invariant the harness checks does not hold
 * (libFuzzer keeps the input as a crash). */
void ks_fuzz_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

#define KS_FUZZ_CHECK(cond, ...) \
	do { if (!(cond)) ks_fuzz_fail(__VA_ARGS__); } while (0)

#endif
