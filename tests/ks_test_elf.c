#include "ks_test_elf.h"

#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ks_buf.h"

/* .text, .strtab and .symtab after the caller's sections */
static void add_symtab(Elf *e, struct ks_buf *shstr, const struct ks_test_sym *syms,
		       size_t nsyms, struct ks_buf *names, GElf_Sym **out)
{
	static const unsigned char text[16] = { 0xc3 };
	GElf_Shdr sh;
	Elf_Scn *tscn = elf_newscn(e), *strscn, *symscn;
	Elf_Data *d = elf_newdata(tscn);
	GElf_Sym *tab = ks_xcalloc(nsyms + 1, sizeof(*tab));
	size_t i;

	d->d_align = 16;
	d->d_type = ELF_T_BYTE;
	d->d_buf = (void *)text;
	d->d_size = sizeof(text);
	gelf_getshdr(tscn, &sh);
	sh.sh_name = shstr->len;
	ks_buf_add(shstr, ".text", 6);
	sh.sh_type = SHT_PROGBITS;
	sh.sh_flags = SHF_ALLOC | SHF_EXECINSTR;
	gelf_update_shdr(tscn, &sh);

	ks_buf_putc(names, '\0');
	for (i = 0; i < nsyms; i++) {
		GElf_Sym *s = &tab[i + 1];

		s->st_name = (GElf_Word)names->len;
		ks_buf_add(names, syms[i].name, strlen(syms[i].name) + 1);
		s->st_info = GELF_ST_INFO(STB_GLOBAL, syms[i].type);
		s->st_shndx = syms[i].defined ? (GElf_Section)elf_ndxscn(tscn) : SHN_UNDEF;
		s->st_size = syms[i].defined ? 1 : 0;
	}
	strscn = elf_newscn(e);
	d = elf_newdata(strscn);
	d->d_align = 1;
	d->d_type = ELF_T_BYTE;
	d->d_buf = names->p;
	d->d_size = names->len;
	gelf_getshdr(strscn, &sh);
	sh.sh_name = shstr->len;
	ks_buf_add(shstr, ".strtab", 8);
	sh.sh_type = SHT_STRTAB;
	gelf_update_shdr(strscn, &sh);

	symscn = elf_newscn(e);
	d = elf_newdata(symscn);
	d->d_align = 8;
	d->d_type = ELF_T_SYM;
	d->d_buf = ks_xcalloc(nsyms + 1, sizeof(Elf64_Sym));
	d->d_size = (nsyms + 1) * sizeof(Elf64_Sym);
	for (i = 0; i <= nsyms; i++)
		gelf_update_sym(d, (int)i, &tab[i]);
	gelf_getshdr(symscn, &sh);
	sh.sh_name = shstr->len;
	ks_buf_add(shstr, ".symtab", 8);
	sh.sh_type = SHT_SYMTAB;
	sh.sh_entsize = sizeof(Elf64_Sym);
	sh.sh_link = (GElf_Word)elf_ndxscn(strscn);
	sh.sh_info = 1;
	gelf_update_shdr(symscn, &sh);
	free(tab);
	*out = d->d_buf;
}

int ks_test_write_elf(const char *path, int machine, int type,
		      const struct ks_test_sec *secs, size_t nsecs)
{
	return ks_test_write_elf_syms(path, machine, type, secs, nsecs, NULL, 0);
}

int ks_test_write_elf_syms(const char *path, int machine, int type,
			   const struct ks_test_sec *secs, size_t nsecs,
			   const struct ks_test_sym *syms, size_t nsyms)
{
	struct ks_buf symnames = KS_BUF_INIT;
	GElf_Sym *symbuf = NULL;
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
	for (i = 0; i < nsecs; i++) {
		Elf_Scn *scn = elf_newscn(e);
		Elf_Data *d = elf_newdata(scn);

		d->d_align = 1;
		d->d_type = ELF_T_BYTE;
		d->d_buf = (void *)secs[i].data;
		d->d_size = secs[i].len;
		gelf_getshdr(scn, &sh);
		sh.sh_name = names[i];
		sh.sh_type = SHT_PROGBITS;
		/* "kprobe/vfs_read", "xdp": an eBPF program's code */
		if (secs[i].name[0] != '.')
			sh.sh_flags = SHF_ALLOC | SHF_EXECINSTR;
		gelf_update_shdr(scn, &sh);
	}
	if (syms)
		add_symtab(e, &strtab, syms, nsyms, &symnames, &symbuf);
	shstr_name = strtab.len;
	ks_buf_add(&strtab, ".shstrtab", 10);
	{
		Elf_Scn *scn = elf_newscn(e);
		Elf_Data *d = elf_newdata(scn);

		d->d_align = 1;
		d->d_type = ELF_T_BYTE;
		d->d_buf = strtab.p;
		d->d_size = strtab.len;
		gelf_getshdr(scn, &sh);
		sh.sh_name = shstr_name;
		sh.sh_type = SHT_STRTAB;
		gelf_update_shdr(scn, &sh);
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
	ks_buf_free(&symnames);
	free(symbuf);
	free(names);
	return ret;
}
