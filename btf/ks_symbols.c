/* Symbol tables are sorted once by (base name, full name), the base being
 * the name up to its first '.': all symbols of one function are then
 * adjacent, and an import's ~50k lookups are binary searches. */
#include "ks_symbols.h"

#include <gelf.h>
#include <libelf.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ks_buf.h"
#include "ks_err.h"

/* The kernel's KSYM_NAME_LEN is 512; a longer "name" is not a symbol. */
#define NAME_MAX_LEN 511

struct ks_symtab {
	char *pool;		/* the names, NUL-terminated, back to back */
	const char **names;	/* sorted by (base, name), distinct */
	unsigned int *blen;	/* each name's base length, as @names */
	size_t n;
	const char **forms;	/* the names that are a func's form, same order */
	unsigned int *fblen;
	size_t nforms;
};

/* what is sorted: strcspn in every comparison made sorting slow */
struct sym {
	const char *name;
	unsigned int blen;
};

struct builder {
	struct ks_buf pool;
	size_t *offs;
	size_t n, cap;
};

static void builder_add(struct builder *b, const char *name, size_t len)
{
	if (b->n == b->cap) {
		b->cap = b->cap ? 2 * b->cap : 1024;
		b->offs = ks_xrealloc(b->offs, b->cap * sizeof(*b->offs));
	}
	b->offs[b->n++] = b->pool.len;
	ks_buf_add(&b->pool, name, len);
	ks_buf_putc(&b->pool, '\0');
}

static void builder_free(struct builder *b)
{
	ks_buf_free(&b->pool);
	free(b->offs);
	b->offs = NULL;
	b->n = b->cap = 0;
}

static size_t base_len(const char *s)
{
	return strcspn(s, ".");
}

static int cmp_base_n(const char *a, size_t an, const char *b, size_t bn)
{
	int c = memcmp(a, b, an < bn ? an : bn);

	if (c)
		return c;
	return an < bn ? -1 : an > bn;
}

static int cmp_syms(const void *pa, const void *pb)
{
	const struct sym *a = pa, *b = pb;
	int c = cmp_base_n(a->name, a->blen, b->name, b->blen);

	return c ? c : strcmp(a->name, b->name);
}

static int digits(const char **s)
{
	const char *p = *s;

	while (*p >= '0' && *p <= '9')
		p++;
	if (p == *s)
		return 0;
	*s = p;
	return 1;
}

static int word(const char **s, const char *w)
{
	size_t n = strlen(w);

	if (strncmp(*s, w, n))
		return 0;
	*s += n;
	return 1;
}

int ks_symtab_is_suffix(const char *s)
{
	while (*s) {
		if (*s++ != '.')
			return 0;
		if (word(&s, "isra.") || word(&s, "constprop.") || word(&s, "part.") ||
		    word(&s, "lto_priv.") || word(&s, "llvm.")) {
			if (!digits(&s))
				return 0;
		} else if (word(&s, "cold")) {
			/* older gcc numbered them: foo.cold.12 */
			if (s[0] == '.' && s[1] >= '0' && s[1] <= '9') {
				s++;
				digits(&s);
			}
		} else {
			return 0;
		}
	}
	return 1;
}

static int builder_finish(struct builder *b, struct ks_symtab **out, const char *what)
{
	struct ks_symtab *t;
	struct sym *v;
	size_t i, j;

	if (!b->n) {
		builder_free(b);
		return ks_err_set(KS_ENOTFOUND, "%s: no function symbols", what);
	}
	t = ks_xcalloc(1, sizeof(*t));
	t->pool = ks_buf_detach(&b->pool, NULL);
	v = ks_xmalloc(b->n * sizeof(*v));
	for (i = 0; i < b->n; i++) {
		v[i].name = t->pool + b->offs[i];
		v[i].blen = (unsigned int)base_len(v[i].name);
	}
	qsort(v, b->n, sizeof(*v), cmp_syms);
	t->names = ks_xmalloc(b->n * sizeof(*t->names));
	t->blen = ks_xmalloc(b->n * sizeof(*t->blen));
	t->forms = ks_xmalloc(b->n * sizeof(*t->forms));
	t->fblen = ks_xmalloc(b->n * sizeof(*t->fblen));
	for (i = j = 0; i < b->n; i++) {
		if (j && !strcmp(t->names[j - 1], v[i].name))
			continue;
		t->names[j] = v[i].name;
		t->blen[j++] = v[i].blen;
		if (v[i].blen && ks_symtab_is_suffix(v[i].name + v[i].blen)) {
			t->forms[t->nforms] = v[i].name;
			t->fblen[t->nforms++] = v[i].blen;
		}
	}
	t->n = j;
	free(v);
	builder_free(b);
	*out = t;
	return 0;
}

/* A symbol name as tools print it: visible ASCII, bounded. */
static int good_name(const char *p, size_t n)
{
	size_t i;

	if (!n || n > NAME_MAX_LEN)
		return 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)p[i] <= ' ' || (unsigned char)p[i] >= 0x7f)
			return 0;
	return 1;
}

int ks_symtab_from_elf(struct ks_symtab **out, const void *buf, size_t len)
{
	struct builder b = { KS_BUF_INIT, NULL, 0, 0 };
	Elf *elf;
	Elf_Scn *scn = NULL;
	GElf_Ehdr eh;
	size_t shnum;
	int err = 0, found = 0;

	*out = NULL;
	elf_version(EV_CURRENT);
	elf = elf_memory((char *)buf, len);
	if (!elf || elf_kind(elf) != ELF_K_ELF || !gelf_getehdr(elf, &eh) ||
	    elf_getshdrnum(elf, &shnum)) {
		err = ks_err_set(KS_EFORMAT, "symbol table: corrupt ELF file (%s)",
				 elf_errmsg(-1));
		goto out;
	}
	/* libelf trusts a section table past the end of the buffer */
	if (eh.e_shnum && (eh.e_shoff > len || eh.e_shentsize < sizeof(Elf32_Shdr) ||
			   eh.e_shnum > (len - eh.e_shoff) / eh.e_shentsize)) {
		err = ks_err_set(KS_EFORMAT, "symbol table: truncated ELF section table");
		goto out;
	}
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh, ssh;
		Elf_Scn *strscn;
		Elf_Data *d;
		size_t i, nsyms;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_SYMTAB)
			continue;
		found = 1;
		strscn = elf_getscn(elf, sh.sh_link);
		if (sh.sh_offset > len || sh.sh_size > len - sh.sh_offset || !sh.sh_entsize ||
		    !strscn || !gelf_getshdr(strscn, &ssh) || ssh.sh_type != SHT_STRTAB ||
		    ssh.sh_offset > len || ssh.sh_size > len - ssh.sh_offset) {
			err = ks_err_set(KS_EFORMAT, "symbol table: truncated or corrupt "
					 ".symtab");
			goto out;
		}
		d = elf_getdata(scn, NULL);
		if (!d) {
			err = ks_err_set(KS_EFORMAT, "symbol table: unreadable .symtab (%s)",
					 elf_errmsg(-1));
			goto out;
		}
		nsyms = sh.sh_size / sh.sh_entsize;
		for (i = 0; i < nsyms && i < INT32_MAX; i++) {
			GElf_Sym sym;
			const char *name;

			if (!gelf_getsym(d, (int)i, &sym))
				break;
			if (GELF_ST_TYPE(sym.st_info) != STT_FUNC || sym.st_shndx == SHN_UNDEF)
				continue;
			name = elf_strptr(elf, sh.sh_link, sym.st_name);
			if (name && good_name(name, strnlen(name, NAME_MAX_LEN + 1)))
				builder_add(&b, name, strlen(name));
		}
		break;
	}
	if (!found) {
		err = ks_err_set(KS_ENOTFOUND, "symbol table: ELF file has no .symtab "
				 "(stripped)");
		goto out;
	}
	err = builder_finish(&b, out, "symbol table: .symtab");
out:
	if (elf)
		elf_end(elf);
	builder_free(&b);
	return err;
}

static int is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

int ks_symtab_from_map(struct ks_symtab **out, const char *text, size_t len,
		       unsigned int flags)
{
	struct builder b = { KS_BUF_INIT, NULL, 0, 0 };
	const char *p = text, *end = text + len;
	size_t lines = 0;

	*out = NULL;
	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p)), *q = p, *name, *ne;
		char type;

		if (!eol)
			eol = end;
		while (q < eol && is_hex(*q))
			q++;
		if (q == p || q - p > 16 || q + 3 > eol || q[0] != ' ' || q[2] != ' ')
			goto next;
		type = q[1];
		name = q + 3;
		ne = name;
		while (ne < eol && *ne != '\t' && *ne != '\r')
			ne++;
		lines++;
		if (!good_name(name, (size_t)(ne - name)))
			goto next;
		if (type != 't' && type != 'T' && type != 'w' && type != 'W')
			goto next;
		/* kallsyms: "name\t[module]" */
		if (ne < eol && *ne == '\t' && !(flags & KS_SYMTAB_MODULES))
			goto next;
		builder_add(&b, name, (size_t)(ne - name));
next:
		p = eol + 1;
	}
	if (!lines) {
		builder_free(&b);
		return ks_err_set(KS_EFORMAT, "symbol table: no line reads as "
				  "\"ADDRESS TYPE NAME\" (not a System.map or kallsyms)");
	}
	return builder_finish(&b, out, "symbol table");
}

size_t ks_symtab_count(const struct ks_symtab *t)
{
	return t ? t->n : 0;
}

/* The first entry of @v whose base is not below @base. */
static size_t lower_bound(const char *const *v, const unsigned int *blen, size_t n,
			  const char *base, size_t bn)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (cmp_base_n(v[mid], blen[mid], base, bn) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int ks_symtab_has(const struct ks_symtab *t, const char *name)
{
	size_t bn, i;

	if (!t || !name)
		return 0;
	bn = base_len(name);
	for (i = lower_bound(t->names, t->blen, t->n, name, bn); i < t->n; i++) {
		if (cmp_base_n(t->names[i], t->blen[i], name, bn))
			return 0;
		if (!strcmp(t->names[i], name))
			return 1;
	}
	return 0;
}

size_t ks_symtab_forms(const struct ks_symtab *t, const char *func,
		       const char ***forms)
{
	size_t bn, lo, hi;

	*forms = NULL;
	if (!t || !func)
		return 0;
	bn = strlen(func);
	if (!bn || base_len(func) != bn)
		return 0;
	lo = lower_bound(t->forms, t->fblen, t->nforms, func, bn);
	for (hi = lo; hi < t->nforms; hi++)
		if (cmp_base_n(t->forms[hi], t->fblen[hi], func, bn))
			break;
	if (hi > lo)
		*forms = &t->forms[lo];
	return hi - lo;
}

void ks_symtab_free(struct ks_symtab *t)
{
	if (!t)
		return;
	free(t->pool);
	free(t->names);
	free(t->blen);
	free(t->forms);
	free(t->fblen);
	free(t);
}
