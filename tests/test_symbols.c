/* Unit tests of btf/ks_symbols: System.map and kallsyms text, an ELF's
 * .symtab written through libelf, the suffix rule, and hostile input. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <archive.h>
#include <archive_entry.h>
#include <bpf/btf.h>
#include <fcntl.h>
#include <gelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "ks_buf.h"
#include "ks_err.h"
#include "ks_input.h"
#include "ks_symbols.h"
#include "ks_test_elf.h"
#include "ks_test_fs.h"

static struct ks_symtab *map_of(const char *text, unsigned int flags)
{
	struct ks_symtab *t = NULL;

	assert_int_equal(ks_symtab_from_map(&t, text, strlen(text), flags), 0);
	assert_non_null(t);
	return t;
}

static void assert_forms(const struct ks_symtab *t, const char *func, const char *want)
{
	struct ks_buf got = KS_BUF_INIT;
	const char **forms;
	size_t n = ks_symtab_forms(t, func, &forms), i;

	for (i = 0; i < n; i++)
		ks_buf_printf(&got, "%s%s", i ? " " : "", forms[i]);
	assert_string_equal(got.p ? got.p : "", want);
	if (!n)
		assert_null(forms);
	ks_buf_free(&got);
}

static void test_symbols_map_text_types(void **state)
{
	struct ks_symtab *t = map_of(
		"ffffffff81000000 T _stext\n"
		"ffffffff81001000 t foo.isra.0\n"
		"ffffffff81002000 t foo.cold\n"
		"ffffffff81003000 T foo_bar\n"
		"ffffffff81004000 W weak_fn\n"
		"ffffffff81005000 w weak_lc\n"
		"ffffffff82000000 D some_data\n"
		"ffffffff82000000 d foo.data\n"
		"ffffffff82000000 B bss_thing\n"
		"ffffffff82000000 r rodata_thing\n"
		"ffffffff82000000 A abs_thing\n"
		"ffffffff81006000 T foo\n"
		"ffffffff81006000 T foo\n", 0);

	(void)state;
	assert_int_equal(ks_symtab_count(t), 7);
	assert_true(ks_symtab_has(t, "_stext"));
	assert_true(ks_symtab_has(t, "weak_fn"));
	assert_true(ks_symtab_has(t, "weak_lc"));
	assert_true(ks_symtab_has(t, "foo.cold"));
	assert_false(ks_symtab_has(t, "some_data"));
	assert_false(ks_symtab_has(t, "foo.data"));
	assert_false(ks_symtab_has(t, "bss_thing"));
	assert_false(ks_symtab_has(t, "fo"));
	assert_false(ks_symtab_has(t, "foo.isra"));
	assert_forms(t, "foo", "foo foo.cold foo.isra.0");
	assert_forms(t, "foo_bar", "foo_bar");
	assert_forms(t, "fo", "");
	assert_forms(t, "foo.isra.0", "");
	assert_forms(t, "", "");
	ks_symtab_free(t);
}

static void test_symbols_map_kallsyms_modules_and_zeros(void **state)
{
	const char *text =
		"0000000000000000 T vfs_read\n"
		"0000000000000000 t do_sys_open.constprop.0\n"
		"0000000000000000 t nf_conntrack_in\t[nf_conntrack]\n"
		"0000000000000000 T nf_ct_get_tuple.part.0\t[nf_conntrack]\r\n"
		"0000000000000000 t \t[bad]\n";
	struct ks_symtab *t = map_of(text, 0), *m;

	(void)state;
	assert_int_equal(ks_symtab_count(t), 2);
	assert_false(ks_symtab_has(t, "nf_conntrack_in"));
	assert_forms(t, "do_sys_open", "do_sys_open.constprop.0");
	assert_forms(t, "vfs_read", "vfs_read");
	m = map_of(text, KS_SYMTAB_MODULES);
	assert_int_equal(ks_symtab_count(m), 4);
	assert_true(ks_symtab_has(m, "nf_conntrack_in"));
	assert_forms(m, "nf_ct_get_tuple", "nf_ct_get_tuple.part.0");
	ks_symtab_free(t);
	ks_symtab_free(m);
}

static void test_symbols_suffix_rule(void **state)
{
	struct ks_symtab *t = map_of(
		"1 t bar.constprop.0.isra.0\n"
		"2 t bar.llvm.123456789\n"
		"3 t bar.cold.12\n"
		"4 t bar.lto_priv.0\n"
		"5 t bar.part.3.cold\n"
		"6 t bar.cfi_jt\n"
		"7 t bar.isra\n"
		"8 t bar.isra.x\n"
		"9 t bar$x\n"
		"a t bar..cold\n"
		"b t bar.\n"
		"c t .cold\n"
		"d t bar_baz.cold\n", 0);

	(void)state;
	assert_true(ks_symtab_is_suffix(""));
	assert_true(ks_symtab_is_suffix(".isra.0"));
	assert_true(ks_symtab_is_suffix(".constprop.0.isra.0"));
	assert_false(ks_symtab_is_suffix(".isra."));
	assert_false(ks_symtab_is_suffix(".coldx"));
	assert_false(ks_symtab_is_suffix("x"));
	assert_forms(t, "bar", "bar.cold.12 bar.constprop.0.isra.0 bar.llvm.123456789 "
		     "bar.lto_priv.0 bar.part.3.cold");
	assert_forms(t, "bar_baz", "bar_baz.cold");
	/* every name is a symbol, suffix or not */
	assert_true(ks_symtab_has(t, "bar.cfi_jt"));
	assert_true(ks_symtab_has(t, "bar$x"));
	assert_true(ks_symtab_has(t, ".cold"));
	assert_false(ks_symtab_has(t, "bar"));
	ks_symtab_free(t);
}

static void test_symbols_map_empty_and_garbage(void **state)
{
	static const char stub[] =
		"ffffffffffffffff B The real System.map is in the linux-image-<version>-dbg package\n";
	static const char nul[] = "ffffffff81000000 T a\0b\nffffffff81000000 T ok_fn\n\0\0\0";
	struct ks_symtab *t = (struct ks_symtab *)1;
	unsigned char junk[4096];
	char *big;
	size_t i;

	(void)state;
	/* Debian's stub: a symbol line, but no text symbol */
	assert_int_equal(ks_symtab_from_map(&t, stub, strlen(stub), 0), KS_ENOTFOUND);
	assert_null(t);
	assert_int_equal(ks_symtab_from_map(&t, "", 0, 0), KS_EFORMAT);
	assert_int_equal(ks_symtab_from_map(&t, "hello world\n", 12, 0), KS_EFORMAT);
	assert_int_equal(ks_symtab_from_map(&t, "ffff T\n", 7, 0), KS_EFORMAT);
	assert_int_equal(ks_symtab_from_map(&t, "11111111111111111 T too_long_addr\n",
					    34, 0), KS_EFORMAT);
	assert_non_null(strstr(ks_err_msg(), "System.map"));
	assert_int_equal(ks_symtab_from_map(&t, nul, sizeof(nul), 0), 0);
	assert_int_equal(ks_symtab_count(t), 1);
	assert_true(ks_symtab_has(t, "ok_fn"));
	ks_symtab_free(t);
	for (i = 0; i < sizeof(junk); i++)
		junk[i] = (unsigned char)(i * 2654435761u >> 13);
	assert_true(ks_symtab_from_map(&t, (const char *)junk, sizeof(junk), 0) < 0);
	assert_null(t);
	/* a 1 MiB line: no symbol, and the line after it still counts */
	big = ks_xmalloc((1 << 20) + 64);
	memcpy(big, "1 T ", 4);
	memset(big + 4, 'x', 1 << 20);
	memcpy(big + 4 + (1 << 20), "\n2 T after\n", 11);
	assert_int_equal(ks_symtab_from_map(&t, big, (1 << 20) + 15, 0), 0);
	assert_int_equal(ks_symtab_count(t), 1);
	assert_true(ks_symtab_has(t, "after"));
	ks_symtab_free(t);
	free(big);
	ks_symtab_free(NULL);
	assert_int_equal(ks_symtab_count(NULL), 0);
	assert_false(ks_symtab_has(NULL, "x"));
}

static unsigned char *slurp(const char *path, size_t *len)
{
	struct stat st;
	unsigned char *p;
	int fd = open(path, O_RDONLY);

	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	p = ks_xmalloc((size_t)st.st_size + 1);
	assert_int_equal(read(fd, p, (size_t)st.st_size), st.st_size);
	close(fd);
	*len = (size_t)st.st_size;
	return p;
}

static const struct ks_test_sym elf_syms[] = {
	{ "vfs_read", STT_FUNC, 1 },
	{ "foo.isra.0", STT_FUNC, 1 },
	{ "foo.cold", STT_FUNC, 1 },
	{ "bar.constprop.0.isra.0", STT_FUNC, 1 },
	{ "jiffies", STT_OBJECT, 1 },
	{ "printk", STT_FUNC, 0 },
	{ "vfs_read", STT_FUNC, 1 },
};

static unsigned char *elf_with_syms(const char *dir, size_t *len)
{
	static const char banner[] = "Linux version 6.1.0-47-amd64 (x)";
	struct ks_test_sec sec = { ".rodata", banner, sizeof(banner) };
	char *path = ks_xasprintf("%s/vmlinux", dir);
	unsigned char *p;

	assert_int_equal(ks_test_write_elf_syms(path, EM_X86_64, ET_EXEC, &sec, 1, elf_syms,
						sizeof(elf_syms) / sizeof(elf_syms[0])), 0);
	p = slurp(path, len);
	free(path);
	return p;
}

static void test_symbols_elf_symtab(void **state)
{
	char *dir = ks_test_mkdtemp("symbols");
	struct ks_symtab *t = NULL;
	size_t len;
	unsigned char *p = elf_with_syms(dir, &len);

	(void)state;
	assert_int_equal(ks_symtab_from_elf(&t, p, len), 0);
	assert_int_equal(ks_symtab_count(t), 4);
	assert_forms(t, "vfs_read", "vfs_read");
	assert_forms(t, "foo", "foo.cold foo.isra.0");
	assert_forms(t, "bar", "bar.constprop.0.isra.0");
	assert_false(ks_symtab_has(t, "jiffies"));
	assert_false(ks_symtab_has(t, "printk"));
	assert_forms(t, "printk", "");
	ks_symtab_free(t);
	free(p);
	ks_test_rm_rf(dir);
	free(dir);
}

static void test_symbols_elf_hostile(void **state)
{
	static const char data[] = "abc";
	struct ks_test_sec sec = { ".data", data, sizeof(data) };
	char *dir = ks_test_mkdtemp("symbols"), *path = ks_xasprintf("%s/stripped", dir);
	struct ks_symtab *t = (struct ks_symtab *)1;
	unsigned char *p, *q;
	size_t len, cut;

	(void)state;
	/* stripped: no .symtab */
	assert_int_equal(ks_test_write_elf(path, EM_X86_64, ET_EXEC, &sec, 1), 0);
	p = slurp(path, &len);
	assert_int_equal(ks_symtab_from_elf(&t, p, len), KS_ENOTFOUND);
	assert_null(t);
	free(p);
	/* garbage and every truncation of a real one */
	assert_int_equal(ks_symtab_from_elf(&t, "not an elf at all", 17), KS_EFORMAT);
	assert_int_equal(ks_symtab_from_elf(&t, "", 0), KS_EFORMAT);
	p = elf_with_syms(dir, &len);
	for (cut = 0; cut < len; cut += cut < 128 ? 1 : 61) {
		q = ks_xmalloc(cut + 1);
		memcpy(q, p, cut);
		t = NULL;
		if (!ks_symtab_from_elf(&t, q, cut))
			assert_true(ks_symtab_count(t) <= 4);
		ks_symtab_free(t);
		free(q);
	}
	/* flipped bytes in the section headers and symbols */
	for (cut = 0; cut < len; cut += 7) {
		q = ks_xmalloc(len);
		memcpy(q, p, len);
		q[cut] ^= 0xff;
		t = NULL;
		if (!ks_symtab_from_elf(&t, q, len))
			assert_true(ks_symtab_count(t) <= 5);
		ks_symtab_free(t);
		free(q);
	}
	free(p);
	free(path);
	ks_test_rm_rf(dir);
	free(dir);
}

/* struct task { int pid; } as raw BTF */
static void *tiny_btf(size_t *len)
{
	struct btf *btf = btf__new_empty();
	const void *raw;
	__u32 sz;
	void *copy;
	int i32 = btf__add_int(btf, "int", 4, BTF_INT_SIGNED);

	btf__add_struct(btf, "task", 4);
	btf__add_field(btf, "pid", i32, 0, 0);
	raw = btf__raw_data(btf, &sz);
	copy = ks_xmalloc(sz);
	memcpy(copy, raw, sz);
	*len = sz;
	btf__free(btf);
	return copy;
}

static void write_vmlinux(const char *path, int with_syms)
{
	static const char banner[] = "Linux version 6.1.0-99-amd64 (b@h) #1 SMP\n";
	size_t blen;
	void *btf = tiny_btf(&blen);
	struct ks_test_sec secs[] = {
		{ ".rodata", banner, sizeof(banner) },
		{ ".BTF", btf, blen },
	};

	assert_int_equal(ks_test_write_elf_syms(path, EM_X86_64, ET_EXEC, secs, 2,
						with_syms ? elf_syms : NULL,
						sizeof(elf_syms) / sizeof(elf_syms[0])), 0);
	free(btf);
}

static void test_symbols_input_elf(void **state)
{
	char *dir = ks_test_mkdtemp("symbols"), *path = ks_xasprintf("%s/vmlinux", dir);
	struct ks_input *in = NULL;

	(void)state;
	write_vmlinux(path, 1);
	assert_int_equal(ks_input_open(&in, path, NULL), 0);
	assert_non_null(in->symtab);
	assert_string_equal(in->symtab_from, "the ELF's .symtab");
	assert_int_equal(ks_symtab_count(in->symtab), 4);
	/* an ELF has its symbols already: kallsyms is never asked */
	assert_int_equal(ks_input_read_kallsyms(in, "6.1.0-99-amd64"), 0);
	assert_string_equal(in->symtab_from, "the ELF's .symtab");
	ks_input_free(in);
	write_vmlinux(path, 0);
	assert_int_equal(ks_input_open(&in, path, NULL), 0);
	assert_null(in->symtab);
	assert_null(in->symtab_from);
	ks_input_free(in);
	free(path);
	ks_test_rm_rf(dir);
	free(dir);
}

/* A module's own functions, from its .symtab; its vmlinux's stay the base's. */
static void test_symbols_input_module(void **state)
{
	static const char modinfo[] = "vermagic=6.1.0-99-amd64 SMP mod_unload\0";
	static const struct ks_test_sym syms[] = {
		{ "nf_conntrack_in", STT_FUNC, 1 },
		{ "nf_ct_get_tuple.part.0", STT_FUNC, 1 },
		{ "vfs_read", STT_FUNC, 0 },	/* called, the vmlinux's */
	};
	char *dir = ks_test_mkdtemp("symbols"), *vm = ks_xasprintf("%s/vmlinux", dir);
	char *ko = ks_xasprintf("%s/nf.ko", dir);
	struct ks_input *base = NULL, *mod = NULL;
	struct btf *split;
	const void *mraw;
	const char **forms;
	__u32 mlen;

	(void)state;
	write_vmlinux(vm, 1);
	assert_int_equal(ks_input_open(&base, vm, NULL), 0);
	split = btf__new_empty_split(base->btf);
	btf__add_struct(split, "nf_conn", 4);
	btf__add_field(split, "mark", 1, 0, 0);
	mraw = btf__raw_data(split, &mlen);
	{
		struct ks_test_sec secs[] = {
			{ ".modinfo", modinfo, sizeof(modinfo) },
			{ ".BTF", mraw, mlen },
		};

		assert_int_equal(ks_test_write_elf_syms(ko, EM_X86_64, ET_REL, secs, 2, syms,
							3), 0);
	}
	assert_int_equal(ks_input_open(&mod, ko, base->btf), 0);
	assert_int_equal(mod->kind, KS_INPUT_MODULE);
	assert_non_null(mod->symtab);
	assert_string_equal(mod->symtab_from, "the module's .symtab");
	assert_int_equal(ks_symtab_count(mod->symtab), 2);
	assert_int_equal(ks_symtab_forms(mod->symtab, "nf_ct_get_tuple", &forms), 1);
	assert_false(ks_symtab_has(mod->symtab, "vfs_read"));
	assert_true(ks_symtab_has(base->symtab, "vfs_read"));
	ks_input_free(mod);
	ks_input_free(base);
	btf__free(split);
	free(vm);
	free(ko);
	ks_test_rm_rf(dir);
	free(dir);
}

/* A tar as a package's data.tar holds it: System.map before the kernel. */
static void write_tar(const char *path, const char *map, const char *kernel)
{
	struct archive *a = archive_write_new();
	unsigned char *k;
	size_t klen;
	const struct {
		const char *name;
		const void *data;
		size_t len;
	} *m, members[] = {
		{ "./boot/System.map-6.1.0-99-amd64", map, strlen(map) },
		{ "./boot/vmlinux-6.1.0-99-amd64", NULL, 0 },
	};

	k = slurp(kernel, &klen);
	assert_int_equal(archive_write_set_format_ustar(a), ARCHIVE_OK);
	assert_int_equal(archive_write_open_filename(a, path), ARCHIVE_OK);
	for (m = members; m < members + 2; m++) {
		struct archive_entry *e = archive_entry_new();
		const void *data = m->data ? m->data : k;
		size_t len = m->data ? m->len : klen;

		archive_entry_set_pathname(e, m->name);
		archive_entry_set_filetype(e, AE_IFREG);
		archive_entry_set_perm(e, 0644);
		archive_entry_set_size(e, (la_int64_t)len);
		assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
		assert_int_equal(archive_write_data(a, data, len), (la_ssize_t)len);
		archive_entry_free(e);
	}
	assert_int_equal(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
	free(k);
}

static void test_symbols_input_package_map(void **state)
{
	static const char stub[] = "ffffffffffffffff B The real System.map is in the "
		"linux-image-<version>-dbg package\n";
	char *dir = ks_test_mkdtemp("symbols"), *elf = ks_xasprintf("%s/vmlinux", dir);
	char *tar = ks_xasprintf("%s/k.tar", dir);
	struct ks_input *in = NULL;

	(void)state;
	write_vmlinux(elf, 0);
	write_tar(tar, "ffffffff81000000 T vfs_read\nffffffff81000010 t foo.isra.0\n"
		  "ffffffff82000000 D jiffies\n", elf);
	assert_int_equal(ks_input_open(&in, tar, NULL), 0);
	assert_non_null(in->symtab);
	assert_int_equal(ks_symtab_count(in->symtab), 2);
	assert_non_null(strstr(in->symtab_from, "k.tar:boot/System.map-6.1.0-99-amd64"));
	ks_input_free(in);
	/* Debian's stub and garbage: "not recorded", and the kernel still reads */
	write_tar(tar, stub, elf);
	assert_int_equal(ks_input_open(&in, tar, NULL), 0);
	assert_null(in->symtab);
	ks_input_free(in);
	write_tar(tar, "\x01\x02 garbage\n", elf);
	assert_int_equal(ks_input_open(&in, tar, NULL), 0);
	assert_null(in->symtab);
	ks_input_free(in);
	free(elf);
	free(tar);
	ks_test_rm_rf(dir);
	free(dir);
}

static void test_symbols_input_kallsyms(void **state)
{
	static const char ksyms[] = "0000000000000000 T vfs_read\n"
		"0000000000000000 t foo.cold\n"
		"0000000000000000 t nf_conntrack_in\t[nf_conntrack]\n";
	char *dir = ks_test_mkdtemp("symbols"), *raw = ks_xasprintf("%s/k.btf", dir);
	char *ks = ks_xasprintf("%s/kallsyms", dir), *missing = ks_xasprintf("%s/no", dir);
	const char **forms;
	struct ks_input *in = NULL;
	struct utsname u;
	size_t blen;
	void *btf = tiny_btf(&blen);

	(void)state;
	assert_int_equal(uname(&u), 0);
	ks_test_write_file(raw, btf, blen);
	ks_test_write_file(ks, ksyms, sizeof(ksyms) - 1);
	assert_int_equal(ks_input_open(&in, raw, NULL), 0);
	assert_null(in->symtab);
	assert_false(in->running_kernel);
	/* unset: only /sys/kernel/btf/vmlinux reads /proc/kallsyms */
	unsetenv("KSTRUCT_KALLSYMS");
	assert_int_equal(ks_input_read_kallsyms(in, u.release), 0);
	assert_null(in->symtab);
	setenv("KSTRUCT_KALLSYMS", ks, 1);
	/* another release than the running one: kallsyms says nothing of it */
	assert_int_equal(ks_input_read_kallsyms(in, "1.2.3-not-running"), 0);
	assert_null(in->symtab);
	assert_int_equal(ks_input_read_kallsyms(in, u.release), 0);
	assert_non_null(in->symtab);
	assert_string_equal(in->symtab_from, ks);
	assert_int_equal(ks_symtab_count(in->symtab), 2);
	assert_int_equal(ks_symtab_forms(in->symtab, "foo", &forms), 1);
	assert_string_equal(forms[0], "foo.cold");
	ks_input_free(in);
	/* set but empty: never */
	setenv("KSTRUCT_KALLSYMS", "", 1);
	assert_int_equal(ks_input_open(&in, raw, NULL), 0);
	assert_int_equal(ks_input_read_kallsyms(in, u.release), 0);
	assert_null(in->symtab);
	/* a file named but missing is an error */
	setenv("KSTRUCT_KALLSYMS", missing, 1);
	assert_int_equal(ks_input_read_kallsyms(in, u.release), KS_ENOTFOUND);
	assert_non_null(strstr(ks_err_msg(), "KSTRUCT_KALLSYMS"));
	assert_null(in->symtab);
	ks_input_free(in);
	unsetenv("KSTRUCT_KALLSYMS");
	free(btf);
	free(raw);
	free(ks);
	free(missing);
	ks_test_rm_rf(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_symbols_map_text_types),
		cmocka_unit_test(test_symbols_map_kallsyms_modules_and_zeros),
		cmocka_unit_test(test_symbols_suffix_rule),
		cmocka_unit_test(test_symbols_map_empty_and_garbage),
		cmocka_unit_test(test_symbols_elf_symtab),
		cmocka_unit_test(test_symbols_elf_hostile),
		cmocka_unit_test(test_symbols_input_elf),
		cmocka_unit_test(test_symbols_input_module),
		cmocka_unit_test(test_symbols_input_package_map),
		cmocka_unit_test(test_symbols_input_kallsyms),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
