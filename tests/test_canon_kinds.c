/* Unit tests for btf/ks_canon_kinds.c: the canonical text of enums,
 * typedefs, functions, tracepoints, system calls, LSM hooks and kfuncs.
 *
 * Each test builds a tiny BTF with libbpf's writer API; the expected
 * strings are written by hand from docs/format.md "The other kinds", so
 * they are the specification, not a copy of the printer's output. Every
 * text is also read back with def/'s reader, which must take it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <bpf/btf.h>
#include <linux/btf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ks_canon.h"
#include "ks_canon_parse.h"
#include "ks_err.h"
#include "ks_input.h"
#include "ks_snapshot.h"
#include "ks_test_fs.h"

/* Released by the teardown, so that a failed assertion (a longjmp out
 * of the test) leaks nothing. */
static struct btf *g_btf[4];
static int g_nbtf;
static struct ks_snapshot *g_snap;

static int teardown(void **state)
{
	int i;

	(void)state;
	/* split BTF first: it refers to its base */
	for (i = g_nbtf - 1; i >= 0; i--)
		btf__free(g_btf[i]);
	g_nbtf = 0;
	ks_snapshot_free(g_snap);
	g_snap = NULL;
	return 0;
}

static int check_id(int id, const char *what)
{
	if (id <= 0)
		fail_msg("%s returned %d", what, id);
	return id;
}

#define ID(x) check_id((x), #x)
#define OK(x)                                                          \
	do {                                                           \
		int rc_ = (x);                                         \
		if (rc_)                                               \
			fail_msg("%s returned %d", #x, rc_);           \
	} while (0)

static struct btf *track_btf(struct btf *btf)
{
	assert_non_null(btf);
	if (g_nbtf == (int)(sizeof(g_btf) / sizeof(g_btf[0])))
		fail_msg("too many BTFs");
	g_btf[g_nbtf++] = btf;
	OK(btf__set_pointer_size(btf, 8));
	return btf;
}

static struct btf *new_btf(void)
{
	return track_btf(btf__new_empty());
}

/* The snapshot of every kind of @btf from @start, finished. */
static struct ks_snapshot *snap_of(const struct btf *btf, __u32 start)
{
	int rc;

	ks_snapshot_free(g_snap);
	g_snap = ks_snapshot_new();
	rc = ks_canon_add_btf(g_snap, btf, start);
	if (!rc)
		rc = ks_canon_add_btf_kinds(g_snap, btf, start);
	if (rc)
		fail_msg("adding the types failed (%d): %s", rc, ks_err_msg());
	ks_snapshot_finish(g_snap);
	return g_snap;
}

static const struct ks_snapshot_entry *find(const struct ks_snapshot *s, const char *kind,
					    const char *name, unsigned int variant)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (!strcmp(s->entries[i].kind, kind) && !strcmp(s->entries[i].name, name) &&
		    s->entries[i].variant == variant)
			return &s->entries[i];
	return NULL;
}

/* Entry KIND NAME (variant @variant) has exactly @text, and def/ reads it. */
static void expect_v(const struct ks_snapshot *s, const char *kind, const char *name,
		     unsigned int variant, const char *text)
{
	const struct ks_snapshot_entry *e = find(s, kind, name, variant);
	struct ks_def *d = NULL;
	int rc;

	if (!e)
		fail_msg("no entry %s %s~%u", kind, name, variant);
	assert_int_equal(e->len, strlen(e->text));
	assert_string_equal(e->text, text);
	rc = ks_canon_parse(&d, e->text, e->len);
	if (rc)
		fail_msg("def/ does not read %s %s (%s):\n%s", kind, name, ks_err_msg(), e->text);
	assert_string_equal(d->kind, kind);
	ks_def_free(d);
}

static void expect(const struct ks_snapshot *s, const char *kind, const char *name,
		   const char *text)
{
	expect_v(s, kind, name, 1, text);
}

static void expect_none(const struct ks_snapshot *s, const char *kind, const char *name)
{
	if (find(s, kind, name, 1))
		fail_msg("unexpected entry %s %s:\n%s", kind, name, find(s, kind, name, 1)->text);
}

/* ------------------------------------------------------------------ */

static void test_kinds_enum(void **state)
{
	struct btf *btf = new_btf();
	struct ks_snapshot *s;
	int id;

	(void)state;
	ID(btf__add_enum(btf, "e_u", 4));
	OK(btf__add_enum_value(btf, "U_ZERO", 0));
	OK(btf__add_enum_value(btf, "U_MAX", 4294967295LL));
	/* libbpf marks an enum signed once a value is negative */
	ID(btf__add_enum(btf, "e_s", 1));
	OK(btf__add_enum_value(btf, "S_NEG", -128));
	OK(btf__add_enum_value(btf, "S_POS", 7));
	ID(btf__add_enum64(btf, "e64_u", 8, false));
	OK(btf__add_enum64_value(btf, "BIG", 18446744073709551615ULL));
	ID(btf__add_enum64(btf, "e64_s", 8, true));
	OK(btf__add_enum64_value(btf, "MIN", (__u64)INT64_MIN));
	OK(btf__add_enum64_value(btf, "ONE", 1));
	/* no entry: anonymous, and a forward declaration (no enumerators) */
	ID(btf__add_enum(btf, NULL, 4));
	OK(btf__add_enum_value(btf, "ANON", 1));
	ID(btf__add_enum(btf, "e_fwd", 4));
	id = ID(btf__add_int(btf, "int", 4, BTF_INT_SIGNED));
	(void)id;

	s = snap_of(btf, 1);
	expect(s, "enum", "e_u",
	       "enum e_u {\n"
	       "\tU_ZERO = 0,\n"
	       "\tU_MAX = 4294967295,\n"
	       "};\t/* size 4 unsigned */\n");
	expect(s, "enum", "e_s",
	       "enum e_s {\n"
	       "\tS_NEG = -128,\n"
	       "\tS_POS = 7,\n"
	       "};\t/* size 1 signed */\n");
	expect(s, "enum", "e64_u",
	       "enum e64_u {\n"
	       "\tBIG = 18446744073709551615,\n"
	       "};\t/* size 8 unsigned */\n");
	expect(s, "enum", "e64_s",
	       "enum e64_s {\n"
	       "\tMIN = -9223372036854775808,\n"
	       "\tONE = 1,\n"
	       "};\t/* size 8 signed */\n");
	expect_none(s, "enum", "e_fwd");
	assert_int_equal(s->count[KS_KIND_ENUM], 4);
	assert_int_equal(s->n, 4);
	assert_int_equal(s->recorded, KS_KINDS_ALL);
}

static void test_kinds_typedef(void **state)
{
	struct btf *btf = new_btf();
	struct ks_snapshot *s;
	int i, ui, c, cc, pcc, st, anon, proto, fp, arr, e;

	(void)state;
	i = ID(btf__add_int(btf, "int", 4, BTF_INT_SIGNED));
	ui = ID(btf__add_int(btf, "unsigned int", 4, 0));
	c = ID(btf__add_int(btf, "char", 1, BTF_INT_CHAR));
	ID(btf__add_typedef(btf, "u32", ui));
	cc = ID(btf__add_const(btf, c));
	pcc = ID(btf__add_ptr(btf, cc));
	ID(btf__add_typedef(btf, "cstr", pcc));
	ID(btf__add_typedef(btf, "v_t", 0));
	/* typedef struct { int counter; } atomic_t; */
	anon = ID(btf__add_struct(btf, NULL, 4));
	OK(btf__add_field(btf, "counter", i, 0, 0));
	ID(btf__add_typedef(btf, "atomic_t", anon));
	/* typedef int initcall_t(void); and a pointer to such */
	proto = ID(btf__add_func_proto(btf, i));
	ID(btf__add_typedef(btf, "initcall_t", proto));
	fp = ID(btf__add_ptr(btf, proto));
	ID(btf__add_typedef(btf, "initcall_p", fp));
	arr = ID(btf__add_array(btf, i, i, 4));
	ID(btf__add_typedef(btf, "quad_t", arr));
	/* a named struct stays a name; an incomplete one has no size */
	st = ID(btf__add_struct(btf, "pair", 8));
	OK(btf__add_field(btf, "a", i, 0, 0));
	OK(btf__add_field(btf, "b", i, 32, 0));
	ID(btf__add_typedef(btf, "pair_t", st));
	ID(btf__add_typedef(btf, "opaque_t", ID(btf__add_fwd(btf, "opaque", BTF_FWD_STRUCT))));
	e = ID(btf__add_enum(btf, NULL, 4));
	OK(btf__add_enum_value(btf, "X", 0));
	ID(btf__add_typedef(btf, "x_t", e));
	/* an anonymous union, and a pointer to an anonymous struct larger
	 * than the pointer: its body still is written out */
	anon = ID(btf__add_union(btf, NULL, 4));
	OK(btf__add_field(btf, "i", i, 0, 0));
	OK(btf__add_field(btf, "u", ui, 0, 0));
	ID(btf__add_typedef(btf, "either_t", anon));
	anon = ID(btf__add_struct(btf, NULL, 16));
	OK(btf__add_field(btf, "lo", i, 0, 0));
	OK(btf__add_field(btf, "hi", i, 96, 0));
	ID(btf__add_typedef(btf, "span_p", ID(btf__add_ptr(btf, anon))));

	s = snap_of(btf, 1);
	expect(s, "typedef", "u32", "typedef unsigned int u32;\t/* size 4 */\n");
	expect(s, "typedef", "cstr", "typedef const char *cstr;\t/* size 8 */\n");
	expect(s, "typedef", "v_t", "typedef void v_t;\n");
	expect(s, "typedef", "atomic_t",
	       "typedef struct {\n"
	       "\tint counter;\t/* 0 4 */\n"
	       "} atomic_t;\t/* size 4 */\n");
	expect(s, "typedef", "initcall_t", "typedef int initcall_t(void);\n");
	expect(s, "typedef", "initcall_p", "typedef int (*initcall_p)(void);\t/* size 8 */\n");
	expect(s, "typedef", "quad_t", "typedef int quad_t[4];\t/* size 16 */\n");
	expect(s, "typedef", "pair_t", "typedef struct pair pair_t;\t/* size 8 */\n");
	expect(s, "typedef", "opaque_t", "typedef struct opaque opaque_t;\n");
	expect(s, "typedef", "x_t", "typedef enum { X = 0 } x_t;\t/* size 4 */\n");
	expect(s, "typedef", "either_t",
	       "typedef union {\n"
	       "\tint i;\t/* 0 4 */\n"
	       "\tunsigned int u;\t/* 0 4 */\n"
	       "} either_t;\t/* size 4 */\n");
	expect(s, "typedef", "span_p",
	       "typedef struct {\n"
	       "\tint lo;\t/* 0 4 */\n"
	       "\tint hi;\t/* 12 4 */\n"
	       "} *span_p;\t/* size 8 */\n");
	assert_int_equal(s->count[KS_KIND_TYPEDEF], 12);
	assert_int_equal(s->count[KS_KIND_STRUCT], 1);
}

/* long int (const struct pt_regs *regs) */
static int regs_proto(struct btf *btf, int *l)
{
	int regs = ID(btf__add_struct(btf, "pt_regs", 8));
	int cregs, p, proto;

	OK(btf__add_field(btf, "ip", *l, 0, 0));
	cregs = ID(btf__add_const(btf, regs));
	p = ID(btf__add_ptr(btf, cregs));
	proto = ID(btf__add_func_proto(btf, *l));
	OK(btf__add_func_param(btf, "regs", p));
	return proto;
}

static void test_kinds_func(void **state)
{
	struct btf *btf = new_btf();
	struct ks_snapshot *s;
	int i, l, c, pc, file, pfile, proto, vproto, fproto, pfp, p2, anon;

	(void)state;
	i = ID(btf__add_int(btf, "int", 4, BTF_INT_SIGNED));
	l = ID(btf__add_int(btf, "long int", 8, BTF_INT_SIGNED));
	c = ID(btf__add_int(btf, "char", 1, BTF_INT_CHAR));
	pc = ID(btf__add_ptr(btf, c));
	file = ID(btf__add_fwd(btf, "file", BTF_FWD_STRUCT));
	pfile = ID(btf__add_ptr(btf, file));
	/* long int f(struct file *file, char *, ...) */
	proto = ID(btf__add_func_proto(btf, l));
	OK(btf__add_func_param(btf, "file", pfile));
	OK(btf__add_func_param(btf, NULL, pc));
	OK(btf__add_func_param(btf, NULL, 0));
	ID(btf__add_func(btf, "f", BTF_FUNC_GLOBAL, proto));
	vproto = ID(btf__add_func_proto(btf, 0));
	ID(btf__add_func(btf, "g", BTF_FUNC_STATIC, vproto));
	ID(btf__add_func(btf, "h", BTF_FUNC_EXTERN, vproto));
	/* void (*k(int n))(int): returns a function pointer */
	fproto = ID(btf__add_func_proto(btf, 0));
	OK(btf__add_func_param(btf, NULL, i));
	pfp = ID(btf__add_ptr(btf, fproto));
	p2 = ID(btf__add_func_proto(btf, pfp));
	OK(btf__add_func_param(btf, "n", i));
	ID(btf__add_func(btf, "k", BTF_FUNC_GLOBAL, p2));
	/* a parameter of anonymous struct type: written out, as a member's */
	anon = ID(btf__add_struct(btf, NULL, 8));
	OK(btf__add_field(btf, "a", i, 0, 0));
	OK(btf__add_field(btf, "b", i, 32, 0));
	p2 = ID(btf__add_func_proto(btf, i));
	OK(btf__add_func_param(btf, "pair", anon));
	ID(btf__add_func(btf, "m", BTF_FUNC_STATIC, p2));

	s = snap_of(btf, 1);
	expect(s, "func", "f",
	       "func f {\t/* global */\n"
	       "\tlong int return;\n"
	       "\tstruct file *file;\n"
	       "\tchar *;\n"
	       "\t...;\n"
	       "};\n");
	expect(s, "func", "g", "func g {\t/* static */\n\tvoid return;\n};\n");
	expect(s, "func", "h", "func h {\t/* extern */\n\tvoid return;\n};\n");
	expect(s, "func", "k",
	       "func k {\t/* global */\n"
	       "\tvoid (*return)(int);\n"
	       "\tint n;\n"
	       "};\n");
	expect(s, "func", "m",
	       "func m {\t/* static */\n"
	       "\tint return;\n"
	       "\tstruct {\t/* 0 8 */\n"
	       "\t\tint a;\t/* 0 4 */\n"
	       "\t\tint b;\t/* 4 4 */\n"
	       "\t} pair;\n"
	       "};\n");
	assert_int_equal(s->count[KS_KIND_FUNC], 5);
	assert_int_equal(s->count[KS_KIND_SYSCALL], 0);
	assert_int_equal(s->count[KS_KIND_LSM], 0);
	assert_int_equal(s->count[KS_KIND_KFUNC], 0);
}

/* Two static functions of one name in different files: one entry per
 * distinct text, numbered in byte order; the same text twice is one. */
static void test_kinds_func_variants(void **state)
{
	struct btf *btf = new_btf();
	struct ks_snapshot *s;
	int i, l, p1, p2;

	(void)state;
	i = ID(btf__add_int(btf, "int", 4, BTF_INT_SIGNED));
	l = ID(btf__add_int(btf, "long int", 8, BTF_INT_SIGNED));
	p1 = ID(btf__add_func_proto(btf, l));
	OK(btf__add_func_param(btf, "x", i));
	p2 = ID(btf__add_func_proto(btf, i));
	OK(btf__add_func_param(btf, "x", i));
	ID(btf__add_func(btf, "dup", BTF_FUNC_STATIC, p1));
	ID(btf__add_func(btf, "dup", BTF_FUNC_STATIC, p2));
	ID(btf__add_func(btf, "dup", BTF_FUNC_STATIC, p1));

	s = snap_of(btf, 1);
	assert_int_equal(s->count[KS_KIND_FUNC], 2);
	/* "\tint" sorts before "\tlong" */
	expect_v(s, "func", "dup", 1, "func dup {\t/* static */\n\tint return;\n\tint x;\n};\n");
	expect_v(s, "func", "dup", 2,
		 "func dup {\t/* static */\n\tlong int return;\n\tint x;\n};\n");
}

static void test_kinds_kfunc(void **state)
{
	struct btf *btf = new_btf();
	struct ks_snapshot *s;
	int i, proto, kf, other;

	(void)state;
	i = ID(btf__add_int(btf, "int", 4, BTF_INT_SIGNED));
	proto = ID(btf__add_func_proto(btf, i));
	OK(btf__add_func_param(btf, "flags", i));
	kf = ID(btf__add_func(btf, "bpf_do", BTF_FUNC_GLOBAL, proto));
	other = ID(btf__add_func(btf, "bpf_not", BTF_FUNC_GLOBAL, proto));
	ID(btf__add_decl_tag(btf, "bpf_kfunc", kf, -1));
	ID(btf__add_decl_tag(btf, "bpf_kfunc", kf, -1));	/* twice: one entry */
	/* a tag on a parameter, or another tag, makes no kfunc */
	ID(btf__add_decl_tag(btf, "bpf_kfunc", other, 0));
	ID(btf__add_decl_tag(btf, "other", other, -1));

	s = snap_of(btf, 1);
	expect(s, "kfunc", "bpf_do", "kfunc bpf_do {\n\tint return;\n\tint flags;\n};\n");
	expect(s, "func", "bpf_do", "func bpf_do {\t/* global */\n\tint return;\n\tint flags;\n};\n");
	expect_none(s, "kfunc", "bpf_not");
	assert_int_equal(s->count[KS_KIND_KFUNC], 1);
	assert_int_equal(s->count[KS_KIND_FUNC], 2);
}

static void test_kinds_syscall(void **state)
{
	struct btf *btf = new_btf();
	struct ks_snapshot *s;
	int l, proto;

	(void)state;
	l = ID(btf__add_int(btf, "long int", 8, BTF_INT_SIGNED));
	proto = regs_proto(btf, &l);
	/* in an order other than the text's */
	ID(btf__add_func(btf, "__x64_sys_read", BTF_FUNC_GLOBAL, proto));
	ID(btf__add_func(btf, "__ia32_sys_read", BTF_FUNC_GLOBAL, proto));
	ID(btf__add_func(btf, "__ia32_compat_sys_read", BTF_FUNC_GLOBAL, proto));
	ID(btf__add_func(btf, "__arm64_sys_write", BTF_FUNC_GLOBAL, proto));
	/* none of these is an entry */
	ID(btf__add_func(btf, "__x64_sys_", BTF_FUNC_GLOBAL, proto));
	ID(btf__add_func(btf, "__foo_sys_read", BTF_FUNC_GLOBAL, proto));
	ID(btf__add_func(btf, "x64_sys_read", BTF_FUNC_GLOBAL, proto));
	ID(btf__add_func(btf, "__x64_compat_sysread", BTF_FUNC_GLOBAL, proto));

	s = snap_of(btf, 1);
	expect(s, "syscall", "read",
	       "syscall read {\n"
	       "\tlong int __ia32_compat_sys_read(const struct pt_regs *regs);\n"
	       "\tlong int __ia32_sys_read(const struct pt_regs *regs);\n"
	       "\tlong int __x64_sys_read(const struct pt_regs *regs);\n"
	       "};\n");
	expect(s, "syscall", "write",
	       "syscall write {\n"
	       "\tlong int __arm64_sys_write(const struct pt_regs *regs);\n"
	       "};\n");
	assert_int_equal(s->count[KS_KIND_SYSCALL], 2);
	assert_int_equal(s->count[KS_KIND_FUNC], 8);
	expect(s, "func", "__x64_sys_read",
	       "func __x64_sys_read {\t/* global */\n"
	       "\tlong int return;\n"
	       "\tconst struct pt_regs *regs;\n"
	       "};\n");
}

static void test_kinds_lsm(void **state)
{
	struct btf *btf = new_btf();
	struct ks_snapshot *s;
	int i, file, pfile, proto;

	(void)state;
	i = ID(btf__add_int(btf, "int", 4, BTF_INT_SIGNED));
	file = ID(btf__add_fwd(btf, "file", BTF_FWD_STRUCT));
	pfile = ID(btf__add_ptr(btf, file));
	proto = ID(btf__add_func_proto(btf, i));
	OK(btf__add_func_param(btf, "file", pfile));
	ID(btf__add_func(btf, "bpf_lsm_file_open", BTF_FUNC_GLOBAL, proto));
	ID(btf__add_func(btf, "bpf_lsm_", BTF_FUNC_GLOBAL, proto));

	s = snap_of(btf, 1);
	expect(s, "lsm", "file_open", "lsm file_open {\n\tint return;\n\tstruct file *file;\n};\n");
	assert_int_equal(s->count[KS_KIND_LSM], 1);
}

/* typedef void (*btf_trace_NAME)(void *, ARGS...), and the record
 * struct trace_event_raw_NAME when there is one. */
static void test_kinds_tracepoint(void **state)
{
	struct btf *btf = new_btf();
	struct ks_snapshot *s;
	int i, b, task, ptask, vp, proto, pp, rec, proto2, pp2;

	(void)state;
	i = ID(btf__add_int(btf, "int", 4, BTF_INT_SIGNED));
	b = ID(btf__add_int(btf, "bool", 1, BTF_INT_BOOL));
	task = ID(btf__add_fwd(btf, "task_struct", BTF_FWD_STRUCT));
	ptask = ID(btf__add_ptr(btf, task));
	vp = ID(btf__add_ptr(btf, 0));
	proto = ID(btf__add_func_proto(btf, 0));
	OK(btf__add_func_param(btf, NULL, vp));
	OK(btf__add_func_param(btf, NULL, b));
	OK(btf__add_func_param(btf, NULL, ptask));
	pp = ID(btf__add_ptr(btf, proto));
	ID(btf__add_typedef(btf, "btf_trace_sched_switch", pp));
	rec = ID(btf__add_struct(btf, "trace_event_raw_sched_switch", 8));
	OK(btf__add_field(btf, "ent", i, 0, 0));
	OK(btf__add_field(btf, "prev_pid", i, 32, 0));
	(void)rec;
	/* no record: only the arguments; only the context: no members */
	ID(btf__add_typedef(btf, "btf_trace_sched_wakeup", pp));
	proto2 = ID(btf__add_func_proto(btf, 0));
	OK(btf__add_func_param(btf, NULL, vp));
	pp2 = ID(btf__add_ptr(btf, proto2));
	ID(btf__add_typedef(btf, "btf_trace_bare", pp2));
	/* not a pointer to a prototype: only a typedef */
	ID(btf__add_typedef(btf, "btf_trace_odd", i));

	s = snap_of(btf, 1);
	expect(s, "tracepoint", "sched_switch",
	       "tracepoint sched_switch {\n"
	       "\tbool arg0;\n"
	       "\tstruct task_struct *arg1;\n"
	       "};\n"
	       "struct trace_event_raw_sched_switch {\n"
	       "\tint ent;\t/* 0 4 */\n"
	       "\tint prev_pid;\t/* 4 4 */\n"
	       "};\t/* size 8 */\n");
	expect(s, "tracepoint", "sched_wakeup",
	       "tracepoint sched_wakeup {\n"
	       "\tbool arg0;\n"
	       "\tstruct task_struct *arg1;\n"
	       "};\n");
	expect(s, "tracepoint", "bare", "tracepoint bare {\n};\n");
	expect_none(s, "tracepoint", "odd");
	expect(s, "typedef", "btf_trace_sched_switch",
	       "typedef void (*btf_trace_sched_switch)(void *, bool, struct task_struct *);"
	       "\t/* size 8 */\n");
	assert_int_equal(s->count[KS_KIND_TRACEPOINT], 3);
	assert_int_equal(s->count[KS_KIND_TYPEDEF], 4);
}

/* A module's split BTF: only its own types, though it uses the base's. */
static void test_kinds_split(void **state)
{
	struct btf *base = new_btf(), *mod;
	struct ks_snapshot *s;
	int i, proto, e;

	(void)state;
	i = ID(btf__add_int(base, "int", 4, BTF_INT_SIGNED));
	proto = ID(btf__add_func_proto(base, i));
	ID(btf__add_func(base, "in_base", BTF_FUNC_GLOBAL, proto));
	ID(btf__add_typedef(base, "base_t", i));
	e = ID(btf__add_enum(base, "base_e", 4));
	OK(btf__add_enum_value(base, "B", 1));
	(void)e;
	mod = track_btf(btf__new_empty_split(base));
	ID(btf__add_func(mod, "in_mod", BTF_FUNC_STATIC, proto));
	ID(btf__add_typedef(mod, "mod_t", i));

	s = snap_of(mod, (__u32)btf__type_cnt(base));
	assert_int_equal(s->n, 2);
	expect(s, "func", "in_mod", "func in_mod {\t/* static */\n\tint return;\n};\n");
	expect(s, "typedef", "mod_t", "typedef int mod_t;\t/* size 4 */\n");
}

/* ks_canon_add_btf alone records struct and union only. */
static void test_kinds_recorded(void **state)
{
	struct btf *btf = new_btf();
	int i;

	(void)state;
	i = ID(btf__add_int(btf, "int", 4, BTF_INT_SIGNED));
	ID(btf__add_typedef(btf, "t", i));
	g_snap = ks_snapshot_new();
	OK(ks_canon_add_btf(g_snap, btf, 1));
	ks_snapshot_finish(g_snap);
	assert_int_equal(g_snap->recorded, KS_KINDS_LEGACY);
	assert_int_equal(g_snap->n, 0);
	/* nothing to record is still recorded: "none", not "not recorded" */
	ks_snapshot_free(g_snap);
	g_snap = NULL;
	btf = new_btf();
	g_snap = ks_snapshot_new();
	OK(ks_canon_add_btf_kinds(g_snap, btf, 1));
	ks_snapshot_finish(g_snap);
	assert_int_equal(g_snap->recorded, KS_KINDS_ALL);
	assert_int_equal(g_snap->n, 0);
}

/* Hostile BTF gives an error, never a crash or a hang. */
static void test_kinds_hostile(void **state)
{
	struct btf *btf = new_btf();
	struct ks_snapshot *snap;
	struct btf_type *t;
	int i, proto, f, p1, p2, rc;

	(void)state;
	i = ID(btf__add_int(btf, "int", 4, BTF_INT_SIGNED));
	proto = ID(btf__add_func_proto(btf, i));
	f = ID(btf__add_func(btf, "f", BTF_FUNC_GLOBAL, proto));
	/* linkage 3: none that BTF defines */
	t = (struct btf_type *)btf__type_by_id(btf, (__u32)f);
	t->info = (__u32)BTF_KIND_FUNC << 24 | 3;
	snap = g_snap = ks_snapshot_new();
	rc = ks_canon_add_btf_kinds(snap, btf, 1);
	assert_int_equal(rc, KS_EFORMAT);
	assert_non_null(strstr(ks_err_msg(), "linkage 3"));
	t->info = (__u32)BTF_KIND_FUNC << 24 | BTF_FUNC_GLOBAL;

	/* a typedef of a type that does not exist */
	ID(btf__add_typedef(btf, "dangling", 1000));
	ks_snapshot_free(g_snap);
	snap = g_snap = ks_snapshot_new();
	assert_int_equal(ks_canon_add_btf_kinds(snap, btf, 1), KS_EFORMAT);

	/* a cycle of pointers under a typedef */
	btf = new_btf();
	p1 = ID(btf__add_ptr(btf, 2));
	p2 = ID(btf__add_ptr(btf, p1));
	assert_int_equal(p2, 2);
	ID(btf__add_typedef(btf, "loop_t", p1));
	ks_snapshot_free(g_snap);
	snap = g_snap = ks_snapshot_new();
	assert_int_equal(ks_canon_add_btf_kinds(snap, btf, 1), KS_EFORMAT);
}

/* What import reads (ks_input_open, which runs ks_btf_check): @btf
 * written to a file; KS_EFORMAT expected, with @word in the message. */
static void expect_refused(const struct btf *btf, const char *word)
{
	char *path = ks_test_path("hostile.btf");
	struct ks_input *in = NULL;
	const void *raw;
	__u32 len;
	int rc;

	raw = btf__raw_data(btf, &len);
	assert_non_null(raw);
	ks_test_write_file(path, raw, len);
	rc = ks_input_open(&in, path, NULL);
	free(path);
	ks_input_free(in);
	if (rc != KS_EFORMAT)
		fail_msg("expected KS_EFORMAT ('%s'), got %d: %s", word, rc,
			 rc ? ks_err_msg() : "accepted");
	if (!strstr(ks_err_msg(), word))
		fail_msg("message without '%s': %s", word, ks_err_msg());
	assert_null(strchr(ks_err_msg(), '\n'));
}

static void test_kinds_check_refuses(void **state)
{
	struct btf *btf = new_btf();
	struct btf_type *t;
	int i, proto, f, k, prev;

	(void)state;
	i = ID(btf__add_int(btf, "int", 4, BTF_INT_SIGNED));
	proto = ID(btf__add_func_proto(btf, i));
	f = ID(btf__add_func(btf, "f", BTF_FUNC_GLOBAL, proto));
	t = (struct btf_type *)btf__type_by_id(btf, (__u32)f);
	t->info = (__u32)BTF_KIND_FUNC << 24 | 3;
	expect_refused(btf, "linkage 3");

	/* each prototype takes two pointers to the one before: 2^25
	 * parameter lists for a function of 76 types (and less nesting
	 * than the printer's depth limit, which would stop it early) */
	btf = new_btf();
	i = ID(btf__add_int(btf, "int", 4, BTF_INT_SIGNED));
	prev = ID(btf__add_func_proto(btf, i));
	for (k = 0; k < 25; k++) {
		int p = ID(btf__add_ptr(btf, prev));

		prev = ID(btf__add_func_proto(btf, i));
		OK(btf__add_func_param(btf, "a", p));
		OK(btf__add_func_param(btf, "b", p));
	}
	ID(btf__add_func(btf, "blowup", BTF_FUNC_GLOBAL, prev));
	expect_refused(btf, "too large");

	/* the same under a typedef */
	btf = new_btf();
	i = ID(btf__add_int(btf, "int", 4, BTF_INT_SIGNED));
	prev = ID(btf__add_func_proto(btf, i));
	for (k = 0; k < 25; k++) {
		int p = ID(btf__add_ptr(btf, prev));

		prev = ID(btf__add_func_proto(btf, i));
		OK(btf__add_func_param(btf, "a", p));
		OK(btf__add_func_param(btf, "b", p));
	}
	ID(btf__add_typedef(btf, "blowup_t", prev));
	expect_refused(btf, "too large");

	/* 40 pointers deep: more nesting than the reader takes */
	btf = new_btf();
	i = ID(btf__add_int(btf, "int", 4, BTF_INT_SIGNED));
	prev = i;
	for (k = 0; k < 40; k++)
		prev = ID(btf__add_ptr(btf, prev));
	ID(btf__add_typedef(btf, "deep_t", prev));
	expect_refused(btf, "nested more than");
}

#define T(fn) cmocka_unit_test_teardown(fn, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_kinds_enum),
		T(test_kinds_typedef),
		T(test_kinds_func),
		T(test_kinds_func_variants),
		T(test_kinds_kfunc),
		T(test_kinds_syscall),
		T(test_kinds_lsm),
		T(test_kinds_tracepoint),
		T(test_kinds_split),
		T(test_kinds_recorded),
		T(test_kinds_hostile),
		T(test_kinds_check_refuses),
	};

	return cmocka_run_group_tests(tests, ks_test_dir_setup, ks_test_dir_teardown);
}
