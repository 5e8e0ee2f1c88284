/* A kernel's function symbols, from a vmlinux ELF's .symtab or from
 * System.map / /proc/kallsyms text. They say what a kprobe or fentry can
 * attach to: gcc's clones (foo.isra.0, foo.constprop.0, foo.part.0,
 * foo.cold) have their own symbols, and a BTF func `foo` that only has
 * such forms cannot be attached to by its plain name. Knows nothing of git. */
#ifndef KS_SYMBOLS_H
#define KS_SYMBOLS_H

#include <stddef.h>

struct ks_symtab;

/* ks_symtab_from_map() flags */
#define KS_SYMTAB_MODULES 0x1u	/* keep kallsyms lines of modules ("\t[mod]") */

/* The defined STT_FUNC symbols (any binding) of an ELF's .symtab.
 * KS_ENOTFOUND when the ELF has no .symtab (a stripped vmlinux) or no
 * function in it; KS_EFORMAT when @buf is no sound ELF. */
int ks_symtab_from_elf(struct ks_symtab **out, const void *buf, size_t len);

/* The text symbols (types t T w W) of System.map or /proc/kallsyms lines
 * "ADDR TYPE NAME[\t[module]]"; addresses are not used, so the zeros
 * kallsyms shows to non-root do not matter. KS_ENOTFOUND when no line is
 * a text symbol (Debian's one-line stub System.map); KS_EFORMAT when no
 * line at all reads as a symbol line. */
int ks_symtab_from_map(struct ks_symtab **out, const char *text, size_t len,
		       unsigned int flags);

/* How many distinct symbols the table holds. */
size_t ks_symtab_count(const struct ks_symtab *t);

/* 1 when @name is a symbol of the table, else 0. */
int ks_symtab_has(const struct ks_symtab *t, const char *name);

/* The symbol forms of function @func: @func itself and @func followed by
 * a chain of compiler suffixes (.isra.N .constprop.N .part.N .cold[.N]
 * .lto_priv.N .llvm.N), distinct, in strcmp order. *@forms points into
 * the table (valid until ks_symtab_free) and is set to NULL for none.
 * Returns their number; 0 means "no callable symbol". */
size_t ks_symtab_forms(const struct ks_symtab *t, const char *func,
		       const char ***forms);

/* 1 when @suffix ("" or ".isra.0.cold") is a chain of compiler suffixes. */
int ks_symtab_is_suffix(const char *suffix);

void ks_symtab_free(struct ks_symtab *t);

#endif
