/* Unit tests for reading the kinds after struct and union
 * (def/ks_parse_kinds.c) and for their differences (def/ks_diff.c).
 *
 * The texts are written by hand from docs/format.md "The other kinds",
 * so these tests pin the reader to the specification, not to what the
 * printer happens to write; the printer's side is pinned by
 * test_canon_kinds and the bpftool agreement test, and the two meet in
 * the e2e tests that import real kernels and read them back.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "ks_canon_parse.h"
#include "ks_diff.h"
#include "ks_err.h"

#define MAX_TRACK 16

static struct ks_def *g_def[MAX_TRACK];
static int g_ndef;
static struct ks_diff *g_diff[MAX_TRACK];
static int g_ndiff;

static int teardown(void **state)
{
	int i;

	(void)state;
	for (i = 0; i < g_ndiff; i++)
		ks_diff_free(g_diff[i]);
	for (i = 0; i < g_ndef; i++)
		ks_def_free(g_def[i]);
	g_ndiff = g_ndef = 0;
	return 0;
}

static struct ks_def *parse(const char *text)
{
	struct ks_def *d = NULL;
	int err = ks_canon_parse(&d, text, strlen(text));

	if (err)
		fail_msg("parse failed: %s\n%s", ks_err_msg(), text);
	assert_true(g_ndef < MAX_TRACK);
	g_def[g_ndef++] = d;
	return d;
}

static void refuse(const char *text)
{
	struct ks_def *d = NULL;

	if (!ks_canon_parse(&d, text, strlen(text))) {
		ks_def_free(d);
		fail_msg("accepted non-canonical text:\n%s", text);
	}
	ks_err_clear();
}

static struct ks_diff *diff(const char *a, const char *b)
{
	struct ks_diff *d = ks_diff_defs(parse(a), parse(b));

	assert_true(g_ndiff < MAX_TRACK);
	g_diff[g_ndiff++] = d;
	return d;
}

static void member_is(const struct ks_def *d, size_t i, const char *name, const char *decl,
		      int positional)
{
	assert_true(i < d->n);
	assert_string_equal(d->members[i].name, name);
	assert_string_equal(d->members[i].decl, decl);
	assert_int_equal(d->members[i].index, i);
	assert_int_equal(d->members[i].positional, positional);
}

static void change_is(const struct ks_diff *d, size_t i, const char *name, const char *field)
{
	assert_true(i < d->n);
	assert_string_equal(ks_change_name(d->kind, &d->changes[i]), name);
	assert_string_equal(d->changes[i].field, field);
}

/* ------------------------------------------------------------------ */

static const char enum_old[] =
	"enum bpf_map_type {\n"
	"\tBPF_MAP_TYPE_UNSPEC = 0,\n"
	"\tBPF_MAP_TYPE_HASH = 1,\n"
	"\tBPF_MAP_TYPE_ARRAY = 2,\n"
	"};\t/* size 4 unsigned */\n";

static void test_enum_read(void **state)
{
	struct ks_def *d = parse(enum_old);
	struct ks_def *s = parse("enum e {\n\tE_NEG = -5,\n\tE_BIG = 9223372036854775807,\n"
				 "};\t/* size 8 signed */\n");

	(void)state;
	assert_string_equal(d->kind, "enum");
	assert_string_equal(d->name, "bpf_map_type");
	assert_int_equal(d->size, 4);
	assert_string_equal(d->note, "unsigned");
	assert_int_equal(d->n, 3);
	member_is(d, 0, "BPF_MAP_TYPE_UNSPEC", "BPF_MAP_TYPE_UNSPEC = 0", 0);
	member_is(d, 2, "BPF_MAP_TYPE_ARRAY", "BPF_MAP_TYPE_ARRAY = 2", 0);
	assert_int_equal(s->size, 8);
	assert_string_equal(s->note, "signed");
	member_is(s, 0, "E_NEG", "E_NEG = -5", 0);
}

static void test_enum_diff(void **state)
{
	static const char enum_new[] =
		"enum bpf_map_type {\n"
		"\tBPF_MAP_TYPE_UNSPEC = 0,\n"
		"\tBPF_MAP_TYPE_ARRAY = 1,\n"
		"\tBPF_MAP_TYPE_RINGBUF = 27,\n"
		"};\t/* size 4 signed */\n";
	struct ks_diff *d = diff(enum_old, enum_new);

	(void)state;
	/* in the new order: ARRAY's value, RINGBUF added; then HASH gone;
	 * then the signedness */
	assert_int_equal(d->n, 4);
	change_is(d, 0, "value_changed", "BPF_MAP_TYPE_ARRAY");
	assert_string_equal(d->changes[0].old_decl, "BPF_MAP_TYPE_ARRAY = 2");
	assert_string_equal(d->changes[0].new_decl, "BPF_MAP_TYPE_ARRAY = 1");
	change_is(d, 1, "enumerator_added", "BPF_MAP_TYPE_RINGBUF");
	change_is(d, 2, "enumerator_removed", "BPF_MAP_TYPE_HASH");
	change_is(d, 3, "signedness_changed", "");
	assert_string_equal(d->changes[3].old_decl, "unsigned");
	assert_string_equal(d->changes[3].new_decl, "signed");
	assert_int_equal(d->ndecl, 4);
}

static const char func_old[] =
	"func vfs_read {\t/* global */\n"
	"\tssize_t return;\n"
	"\tstruct file *file;\n"
	"\tchar *buf;\n"
	"\tsize_t count;\n"
	"\tloff_t *pos;\n"
	"};\n";

static void test_func_read(void **state)
{
	struct ks_def *d = parse(func_old);
	struct ks_def *v = parse("func printk {\t/* global */\n\tint return;\n"
				 "\tconst char *fmt;\n\t...;\n};\n");
	struct ks_def *u = parse("func f {\t/* static */\n\tvoid (*return)(int);\n"
				 "\tint;\n\tlong int x;\n};\n");

	(void)state;
	assert_string_equal(d->kind, "func");
	assert_string_equal(d->name, "vfs_read");
	assert_string_equal(d->note, "global");
	assert_int_equal(d->n, 5);
	member_is(d, 0, "return", "ssize_t return", 1);
	member_is(d, 1, "file", "struct file *file", 1);
	member_is(d, 4, "pos", "loff_t *pos", 1);
	member_is(v, 2, "...", "...", 1);
	member_is(u, 0, "return", "void (*return)(int)", 1);
	member_is(u, 1, "#1", "int", 1);	/* unnamed: by position */
	member_is(u, 2, "x", "long int x", 1);
}

static void test_func_diff(void **state)
{
	/* pos moved before count (a reorder), flags added at the end,
	 * buf retyped, return retyped, linkage changed */
	static const char func_new[] =
		"func vfs_read {\t/* static */\n"
		"\tlong int return;\n"
		"\tstruct file *file;\n"
		"\tvoid *buf;\n"
		"\tloff_t *pos;\n"
		"\tsize_t count;\n"
		"\tint flags;\n"
		"};\n";
	struct ks_diff *d = diff(func_old, func_new);
	size_t i, moved = 0;

	(void)state;
	change_is(d, 0, "return_type_changed", "return");
	change_is(d, 1, "param_type_changed", "buf");
	assert_string_equal(d->changes[1].new_decl, "void *buf");
	change_is(d, 2, "param_added", "flags");
	for (i = 3; i < d->n; i++) {
		if (d->changes[i].kind == KS_PARAM_MOVED) {
			moved++;
			assert_true(!strcmp(d->changes[i].field, "pos") ||
				    !strcmp(d->changes[i].field, "count"));
		}
		if (d->changes[i].kind == KS_NOTE_CHANGED)
			change_is(d, i, "linkage_changed", "");
	}
	assert_int_equal(moved, 2);
	/* a parameter is never reported as moved in bits */
	for (i = 0; i < d->n; i++)
		assert_int_not_equal(d->changes[i].kind, KS_FIELD_RESIZED);
}

/* An enumerator renamed keeps its value; a parameter renamed keeps its
 * place and a compatible type (vfs_mkdir's mnt_userns -> idmap in 6.3);
 * a parameter whose type is not compatible is removed and added. */
static void test_renames(void **state)
{
	/* 6.2 */
	struct ks_diff *e = diff("enum bpf_map_type {\n\tBPF_MAP_TYPE_UNSPEC = 0,\n"
				 "\tBPF_MAP_TYPE_CGROUP_STORAGE = 19,\n};\t/* size 4 unsigned */\n",
				 "enum bpf_map_type {\n\tBPF_MAP_TYPE_UNSPEC = 0,\n"
				 "\tBPF_MAP_TYPE_CGROUP_STORAGE_DEPRECATED = 19,\n"
				 "};\t/* size 4 unsigned */\n");
	struct ks_diff *f = diff("func vfs_mkdir {\t/* global */\n\tint return;\n"
				 "\tstruct user_namespace *mnt_userns;\n\tstruct inode *dir;\n"
				 "\tumode_t mode;\n};\n",
				 "func vfs_mkdir {\t/* global */\n\tint return;\n"
				 "\tstruct mnt_idmap *idmap;\n\tstruct inode *dir;\n"
				 "\tumode_t m;\n};\n");
	struct ks_diff *g = diff("func g {\t/* global */\n\tint return;\n\tint a;\n};\n",
				 "func g {\t/* global */\n\tint return;\n\tvoid *b;\n};\n");

	(void)state;
	assert_int_equal(e->n, 1);
	change_is(e, 0, "enumerator_renamed", "BPF_MAP_TYPE_CGROUP_STORAGE_DEPRECATED");
	assert_string_equal(e->changes[0].old_field, "BPF_MAP_TYPE_CGROUP_STORAGE");
	assert_int_equal(f->n, 2);
	change_is(f, 0, "param_renamed", "idmap");
	assert_string_equal(f->changes[0].old_field, "mnt_userns");
	assert_string_equal(f->changes[0].old_decl, "struct user_namespace *mnt_userns");
	change_is(f, 1, "param_renamed", "m");
	assert_string_equal(f->changes[1].old_field, "mode");
	assert_int_equal(g->n, 2);
	change_is(g, 0, "param_added", "b");
	change_is(g, 1, "param_removed", "a");
}

/* A func's symbol forms, where the input had a symbol table: read apart
 * from the linkage, and a change of them is one change of its own. */
static void test_func_symbols(void **state)
{
	static const char plain[] = "func f {\t/* global; symbols f */\n\tint return;\n};\n";
	static const char clone[] =
		"func f {\t/* global; symbols f.cold f.isra.0 */\n\tint return;\n};\n";
	static const char none[] = "func f {\t/* global; no callable symbol */\n\tint return;\n};\n";
	static const char unrec[] = "func f {\t/* global */\n\tint return;\n};\n";
	struct ks_def *d = parse(clone);
	struct ks_diff *a = diff(plain, clone), *b = diff(clone, none), *c = diff(unrec, none);

	(void)state;
	assert_string_equal(d->note, "global");
	assert_string_equal(d->symbols, "symbols f.cold f.isra.0");
	assert_int_equal(a->n, 1);
	change_is(a, 0, "symbols_changed", "");
	assert_string_equal(a->changes[0].old_decl, "symbols f");
	assert_string_equal(a->changes[0].new_decl, "symbols f.cold f.isra.0");
	assert_int_equal(b->n, 1);
	assert_string_equal(b->changes[0].new_decl, "no callable symbol");
	/* not recorded on one side: nothing to compare */
	assert_int_equal(c->n, 0);
	refuse("func f {\t/* global; bogus */\n\tint return;\n};\n");
}

static void test_func_shift_is_layout(void **state)
{
	/* a parameter inserted first pushes the others along: one added
	 * parameter and, as layout, their new places */
	static const char shifted[] =
		"func vfs_read {\t/* global */\n"
		"\tssize_t return;\n"
		"\tint fd;\n"
		"\tstruct file *file;\n"
		"\tchar *buf;\n"
		"\tsize_t count;\n"
		"\tloff_t *pos;\n"
		"};\n";
	struct ks_diff *d = diff(func_old, shifted);
	size_t i;

	(void)state;
	assert_int_equal(d->ndecl, 1);
	change_is(d, 0, "param_added", "fd");
	assert_int_equal(d->n, 5);
	for (i = 1; i < d->n; i++) {
		change_is(d, i, "param_shifted", d->changes[i].field);
		assert_true(ks_change_is_layout(d->changes[i].kind));
		assert_int_equal(d->changes[i].new_value, d->changes[i].old_value + 1);
	}
}

static void test_typedef_read(void **state)
{
	struct ks_def *a = parse("typedef unsigned int u32;\t/* size 4 */\n");
	struct ks_def *f = parse("typedef int initcall_t(void);\n");
	struct ks_def *p = parse("typedef void (*btf_trace_x)(void *, int);\t/* size 8 */\n");
	struct ks_def *s = parse("typedef struct {\n\tint counter;\t/* 0 4 */\n"
				 "} atomic_t;\t/* size 4 */\n");
	struct ks_diff *d;

	(void)state;
	assert_string_equal(a->kind, "typedef");
	assert_string_equal(a->name, "u32");
	assert_int_equal(a->size, 4);
	member_is(a, 0, "u32", "unsigned int u32", 0);
	assert_string_equal(f->name, "initcall_t");
	assert_int_equal(f->size, 0);
	assert_string_equal(p->name, "btf_trace_x");
	assert_string_equal(s->name, "atomic_t");
	assert_int_equal(s->n, 2);
	member_is(s, 0, "atomic_t", "struct { int counter; } atomic_t", 0);
	member_is(s, 1, "counter", "int counter", 0);
	assert_int_equal(s->members[1].size_bits, 32);

	d = diff("typedef unsigned int u32;\t/* size 4 */\n",
		 "typedef long unsigned int u32;\t/* size 8 */\n");
	change_is(d, 0, "field_type_changed", "u32");
	assert_string_equal(d->changes[0].new_decl, "long unsigned int u32");
}

static void test_tracepoint_read(void **state)
{
	static const char tp[] =
		"tracepoint sched_switch {\n"
		"\tbool arg0;\n"
		"\tstruct task_struct *arg1;\n"
		"};\n"
		"struct trace_event_raw_sched_switch {\n"
		"\tstruct trace_entry ent;\t/* 0 8 */\n"
		"\tchar prev_comm[16];\t/* 8 16 */\n"
		"\tpid_t prev_pid;\t/* 24 4 */\n"
		"};\t/* size 32 */\n";
	struct ks_def *d = parse(tp);
	struct ks_def *bare = parse("tracepoint x {\n\tint arg0;\n};\n");

	(void)state;
	assert_string_equal(d->kind, "tracepoint");
	assert_string_equal(d->name, "sched_switch");
	assert_int_equal(d->n, 5);
	member_is(d, 0, "arg0", "bool arg0", 1);
	member_is(d, 1, "arg1", "struct task_struct *arg1", 1);
	member_is(d, 4, "prev_pid", "pid_t prev_pid", 0);
	assert_int_equal(d->members[4].offset_bits, 24 * 8);
	assert_int_equal(d->size, 32);
	assert_int_equal(bare->n, 1);
	assert_int_equal(bare->size, 0);
}

static void test_syscall_lsm_kfunc_read(void **state)
{
	struct ks_def *s = parse("syscall read {\n"
				 "\tlong int __ia32_sys_read(const struct pt_regs *regs);\n"
				 "\tlong int __x64_sys_read(const struct pt_regs *regs);\n"
				 "};\n");
	struct ks_def *l = parse("lsm file_open {\n\tint return;\n\tstruct file *file;\n};\n");
	struct ks_def *k = parse("kfunc bpf_obj_drop_impl {\n\tvoid return;\n"
				 "\tvoid *p__alloc;\n\tvoid *meta__ign;\n};\n");
	struct ks_diff *d;

	(void)state;
	assert_string_equal(s->kind, "syscall");
	member_is(s, 0, "__ia32_sys_read", "long int __ia32_sys_read(const struct pt_regs *regs)", 0);
	member_is(s, 1, "__x64_sys_read", "long int __x64_sys_read(const struct pt_regs *regs)", 0);
	assert_string_equal(l->kind, "lsm");
	assert_null(l->note);
	member_is(l, 1, "file", "struct file *file", 1);
	assert_string_equal(k->kind, "kfunc");
	member_is(k, 2, "meta__ign", "void *meta__ign", 1);

	d = diff("syscall read {\n\tlong int __x64_sys_read(const struct pt_regs *regs);\n};\n",
		 "syscall read {\n\tlong int __ia32_sys_read(const struct pt_regs *regs);\n"
		 "\tlong int __x64_sys_read(const struct pt_regs *regs);\n};\n");
	assert_int_equal(d->n, 1);
	change_is(d, 0, "entry_added", "__ia32_sys_read");
}

static void test_refused(void **state)
{
	(void)state;
	refuse("enum e {\n\tA = 0,\n};\n");			/* no size comment */
	refuse("enum e {\n\tA = x,\n};\t/* size 4 signed */\n");	/* not a number */
	refuse("enum e {\n\tA = 0;\n};\t/* size 4 signed */\n");
	refuse("enum e {\n\tA = 0,\n};\t/* size 4 maybe */\n");
	refuse("func f {\n\tint return\n};\n");		/* no ';' */
	refuse("func f {\n\tint return;\n}\n");
	refuse("func f {\n\tint return;\n};");			/* no final newline */
	refuse("func f {\n\tint return;\n};\nfunc g {\n\tint return;\n};\n");
	refuse("func {\n\tint return;\n};\n");
	refuse("frob f {\n\tint return;\n};\n");		/* no kind */
	refuse("typedef u32;\t/* size x */\n");
	refuse("typedef unsigned int u32;\nint x;\n");
	refuse("typedef struct {\n\tint counter;\t/* 0 4 */\n");
	refuse("tracepoint t {\n\tint arg0;\n};\nunion u {\n};\t/* size 0 */\n");
	refuse("func f {\n\tstruct {\n\tint a;\n};\n");
	refuse("");
	refuse("\n");
	refuse("func f {\n\t\n};\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_enum_read, teardown),
		cmocka_unit_test_teardown(test_enum_diff, teardown),
		cmocka_unit_test_teardown(test_func_read, teardown),
		cmocka_unit_test_teardown(test_func_diff, teardown),
		cmocka_unit_test_teardown(test_renames, teardown),
		cmocka_unit_test_teardown(test_func_symbols, teardown),
		cmocka_unit_test_teardown(test_func_shift_is_layout, teardown),
		cmocka_unit_test_teardown(test_typedef_read, teardown),
		cmocka_unit_test_teardown(test_tracepoint_read, teardown),
		cmocka_unit_test_teardown(test_syscall_lsm_kfunc_read, teardown),
		cmocka_unit_test_teardown(test_refused, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
