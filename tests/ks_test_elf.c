#include "ks_test_elf.h"

#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ks_buf.h"

int ks_test_write_elf(const char *path, int machine, int type,
		      const struct ks_test_sec *secs, size_t nsecs)
{
	struct ks_buf strtab = KS_BUF_INIT;
	size_t *names = ks_xcalloc(nsecs + 1, sizeof(size_t)), i, shstr_name;
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644), ret = -1;
	Elf *e = NULL;
	GElf_Ehdr eh;
	GElf_Shdr sh;

	if (fd < 0)
		goto out;
	elf_version(EV_CURRENT);
	e = elf_begin(fd, ELF_C_WRITE, NULL);
	if (!e || !gelf_newehdr(e, ELFCLASS64) || !gelf_getehdr(e, &eh))
		goto out;
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_machine = (GElf_Half)machine;
	eh.e_type = (GElf_Half)type;
	eh.e_version = EV_CURRENT;
	ks_buf_putc(&strtab, '\0');
	for (i = 0; i < nsecs; i++) {
		names[i] = strtab.len;
		ks_buf_add(&strtab, secs[i].name, strlen(secs[i].name) + 1);
	}
	shstr_name = strtab.len;
	ks_buf_add(&strtab, ".shstrtab", 10);
	for (i = 0; i <= nsecs; i++) {
		Elf_Scn *scn = elf_newscn(e);
		Elf_Data *d = elf_newdata(scn);

		d->d_align = 1;
		d->d_type = ELF_T_BYTE;
		d->d_buf = (void *)(i < nsecs ? secs[i].data : strtab.p);
		d->d_size = i < nsecs ? secs[i].len : strtab.len;
		gelf_getshdr(scn, &sh);
		sh.sh_name = i < nsecs ? names[i] : shstr_name;
		sh.sh_type = i < nsecs ? SHT_PROGBITS : SHT_STRTAB;
		gelf_update_shdr(scn, &sh);
		if (i == nsecs)
			eh.e_shstrndx = (GElf_Half)elf_ndxscn(scn);
	}
	gelf_update_ehdr(e, &eh);
	if (elf_update(e, ELF_C_WRITE) > 0)
		ret = 0;
out:
	if (e)
		elf_end(e);
	if (fd >= 0)
		close(fd);
	ks_buf_free(&strtab);
	free(names);
	return ret;
}
