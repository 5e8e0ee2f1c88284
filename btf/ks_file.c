/* Reading an input file whole, and finding an ELF section in it: what
 * the kernel inputs and the eBPF objects share. */
#include "ks_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ks_buf.h"
#include "ks_err.h"

int ks_file_read(struct ks_file_bytes *fb, const char *path)
{
	struct stat st;
	struct ks_buf b = KS_BUF_INIT;
	int fd;

	memset(fb, 0, sizeof(*fb));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return ks_err_set(errno == ENOENT ? KS_ENOTFOUND : KS_EIO,
				  "%s: %s", path, strerror(errno));
	/* sysfs files may refuse mmap; the read loop below takes over. */
	if (fstat(fd, &st)) {
		int e = errno;

		close(fd);
		return ks_err_set(KS_EIO, "%s: %s", path, strerror(e));
	}
	if (S_ISDIR(st.st_mode)) {
		close(fd);
		return ks_err_set(KS_EFORMAT, "%s: is a directory", path);
	}
	if (S_ISREG(st.st_mode) && st.st_size > 0) {
		fb->map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
		if (fb->map != MAP_FAILED) {
			close(fd);
			fb->p = fb->map;
			fb->len = (size_t)st.st_size;
			return 0;
		}
		fb->map = NULL;
	}
	for (;;) {
		ssize_t n;

		ks_buf_grow(&b, 1 << 16);
		n = read(fd, b.p + b.len, b.cap - b.len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;

			close(fd);
			ks_buf_free(&b);
			return ks_err_set(KS_EIO, "%s: %s", path, strerror(e));
		}
		if (n == 0)
			break;
		b.len += (size_t)n;
	}
	close(fd);
	fb->heap = (unsigned char *)ks_buf_detach(&b, &fb->len);
	fb->p = fb->heap;
	return 0;
}

void ks_file_bytes_free(struct ks_file_bytes *fb)
{
	if (fb->map)
		munmap(fb->map, fb->len);
	free(fb->heap);
	memset(fb, 0, sizeof(*fb));
}

int ks_elf_section(Elf *elf, size_t shstrndx, const char *name,
			   size_t file_len, GElf_Shdr *out_sh, Elf_Scn **out)
{
	Elf_Scn *scn = NULL;

	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		const char *n;

		if (!gelf_getshdr(scn, &sh))
			return -1;
		n = elf_strptr(elf, shstrndx, sh.sh_name);
		if (n && !strcmp(n, name)) {
			if (sh.sh_type != SHT_NOBITS &&
			    (sh.sh_offset > file_len || sh.sh_size > file_len - sh.sh_offset))
				return -1;
			*out_sh = sh;
			*out = scn;
			return 1;
		}
	}
	return 0;
}

