/* Test helper: writes a small ELF file with the given sections, the way
 * a vmlinux or a module carries .BTF, .modinfo and a banner. */
#ifndef KS_TEST_ELF_H
#define KS_TEST_ELF_H

#include <stddef.h>

struct ks_test_sec {
	const char *name;
	const void *data;
	size_t len;
};

/* Returns 0, or -1 when libelf fails. */
int ks_test_write_elf(const char *path, int machine, int type,
		      const struct ks_test_sec *secs, size_t nsecs);

#endif
