/* Reading an input file whole, and finding an ELF section in it. */
#ifndef KS_FILE_H
#define KS_FILE_H

#include <gelf.h>
#include <stddef.h>

/* The file's bytes: mapped when it is a regular file (a vmlinux with
 * debug info is hundreds of MB), read otherwise (sysfs, pipes). */
struct ks_file_bytes {
	const unsigned char *p;
	size_t len;
	void *map;
	unsigned char *heap;
};

/* KS_ENOTFOUND, KS_EIO or KS_EFORMAT (a directory) with the message set. */
int ks_file_read(struct ks_file_bytes *fb, const char *path);
void ks_file_bytes_free(struct ks_file_bytes *fb);

/* 1 and the section's header when @elf has a section @name whose bytes
 * lie within the @file_len bytes of the file, 0 when there is none, -1
 * when the section table or that section is broken. */
int ks_elf_section(Elf *elf, size_t shstrndx, const char *name, size_t file_len,
		   GElf_Shdr *out_sh, Elf_Scn **out);

#endif
