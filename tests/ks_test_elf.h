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

/* A symbol of ks_test_write_elf_syms(): @type STT_FUNC, STT_OBJECT, ...;
 * @defined 0 makes it undefined (SHN_UNDEF), else it is in .text. */
struct ks_test_sym {
	const char *name;
	int type;
	int defined;
};

/* Returns 0, or -1 when libelf fails. A section whose name does not
 * start with '.' ("kprobe/vfs_read") is code, as eBPF programs are. */
int ks_test_write_elf(const char *path, int machine, int type,
		      const struct ks_test_sec *secs, size_t nsecs);

/* The same, plus .text, .symtab and .strtab holding @syms (global). */
int ks_test_write_elf_syms(const char *path, int machine, int type,
			   const struct ks_test_sec *secs, size_t nsecs,
			   const struct ks_test_sym *syms, size_t nsyms);

#endif
