/* Unit tests for def/ks_diff.c (the semantic difference of two
 * definitions of one struct or union).
 *
 * Every test builds the old and the new definition as tiny BTF with
 * libbpf's writer API, renders both with ks_canon_render, parses them
 * back with ks_canon_parse and checks the exact result of ks_diff_defs:
 * kinds, fields, declarations, offsets or sizes, order and ndecl. The
 * expectations are written by hand from the specification (ks_diff.h,
 * docs/format.md "JSON of the history commands"), not copied from what
 * the program prints.
 *
 * Order (ks_diff.h): declaration changes (added, type, bitfield) in the
 * new type's member order, then removals in the old order, then layout
 * changes (moves in the new order, then the size).
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
#include "ks_diff.h"
#include "ks_err.h"

/* ------------------------------------------------------------------ */
/* Everything a test allocates is registered here and released by the
 * teardown, so that a failing assertion (which longjmps out of the test)
 * leaks nothing either. */

#define MAX_TRACK 64

static struct btf *g_btf[MAX_TRACK];
static int g_nbtf;
static struct ks_def *g_def[MAX_TRACK];
static int g_ndef;
static struct ks_diff *g_diff[MAX_TRACK];
static int g_ndiff;
static void *g_mem[MAX_TRACK];
static int g_nmem;

static int teardown(void **state)
{
	int i;

	(void)state;
	/* a diff borrows from its defs: free it first */
	for (i = 0; i < g_ndiff; i++)
		ks_diff_free(g_diff[i]);
	for (i = 0; i < g_ndef; i++)
		ks_def_free(g_def[i]);
	for (i = 0; i < g_nbtf; i++)
		btf__free(g_btf[i]);
	for (i = 0; i < g_nmem; i++)
		free(g_mem[i]);
	g_nbtf = g_ndef = g_ndiff = g_nmem = 0;
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

struct base {
	int i, ui, c, l, ul, u32;
};

static struct btf *new_btf(struct base *b)
{
	struct btf *btf = btf__new_empty();

	assert_non_null(btf);
	if (g_nbtf == MAX_TRACK)
		fail_msg("too many BTFs");
	g_btf[g_nbtf++] = btf;
	OK(btf__set_pointer_size(btf, 8));
	b->i = ID(btf__add_int(btf, "int", 4, BTF_INT_SIGNED));
	b->ui = ID(btf__add_int(btf, "unsigned int", 4, 0));
	b->c = ID(btf__add_int(btf, "char", 1, BTF_INT_CHAR));
	b->l = ID(btf__add_int(btf, "long int", 8, BTF_INT_SIGNED));
	b->ul = ID(btf__add_int(btf, "long unsigned int", 8, 0));
	b->u32 = ID(btf__add_typedef(btf, "u32", b->ui));
	return btf;
}

/* One member of a composite type: a NULL name is an anonymous member;
 * off is in bits from the start of the type being added; bf the
 * bitfield width or 0. */
struct fld {
	const char *name;
	int type;
	unsigned int off, bf;
};

#define F(name, type, off) { name, type, off, 0 }
#define BF(name, type, off, bf) { name, type, off, bf }
#define NF(a) (sizeof(a) / sizeof((a)[0]))

static int add_comp(struct btf *btf, int is_union, const char *name, unsigned int size,
		    const struct fld *f, size_t n)
{
	int id = is_union ? ID(btf__add_union(btf, name, size))
			  : ID(btf__add_struct(btf, name, size));
	size_t i;

	for (i = 0; i < n; i++)
		OK(btf__add_field(btf, f[i].name, f[i].type, f[i].off, f[i].bf));
	return id;
}

static int add_struct(struct btf *btf, const char *name, unsigned int size,
		      const struct fld *f, size_t n)
{
	return add_comp(btf, 0, name, size, f, n);
}

static int add_union(struct btf *btf, const char *name, unsigned int size,
		     const struct fld *f, size_t n)
{
	return add_comp(btf, 1, name, size, f, n);
}

static char *render(const struct btf *btf, int id)
{
	char *text = NULL;
	size_t len = 0;
	int rc = ks_canon_render(&text, &len, btf, (__u32)id);

	if (rc)
		fail_msg("ks_canon_render(%d) = %d: %s", id, rc, ks_err_msg());
	assert_non_null(text);
	if (g_nmem == MAX_TRACK)
		fail_msg("too many tracked allocations");
	g_mem[g_nmem++] = text;
	return text;
}

static struct ks_def *parse(const char *text)
{
	struct ks_def *d = NULL;
	int rc = ks_canon_parse(&d, text, strlen(text));

	if (rc)
		fail_msg("ks_canon_parse = %d (%s) on:\n%s", rc, ks_err_msg(), text);
	assert_non_null(d);
	if (g_ndef == MAX_TRACK)
		fail_msg("too many defs");
	g_def[g_ndef++] = d;
	return d;
}

static struct ks_diff *diff(const struct ks_def *old, const struct ks_def *new)
{
	struct ks_diff *d = ks_diff_defs(old, new);

	assert_non_null(d);
	if (g_ndiff == MAX_TRACK)
		fail_msg("too many diffs");
	g_diff[g_ndiff++] = d;
	return d;
}

/* Renders, checks the texts where given (so that a scenario is the one
 * the test means), parses and diffs. */
static struct ks_diff *diff_ids(const struct btf *bo, int io, const char *exp_old,
				const struct btf *bn, int in, const char *exp_new)
{
	const char *to = render(bo, io), *tn = render(bn, in);
	struct ks_def *dold, *dnew;

	if (exp_old)
		assert_string_equal(to, exp_old);
	if (exp_new)
		assert_string_equal(tn, exp_new);
	/* in this order: tests reach the defs as g_def[k], g_def[k + 1] */
	dold = parse(to);
	dnew = parse(tn);
	return diff(dold, dnew);
}

static void print_diff(const struct ks_diff *d)
{
	size_t i;

	print_error("diff: %zu changes, ndecl %zu\n", d->n, d->ndecl);
	for (i = 0; i < d->n; i++) {
		const struct ks_change *c = &d->changes[i];

		print_error("  [%zu] %s field=%s old=%s new=%s %llu -> %llu\n", i,
			    ks_change_kind_name(c->kind), c->field ? c->field : "(null)",
			    c->old_decl ? c->old_decl : "(null)",
			    c->new_decl ? c->new_decl : "(null)", c->old_value, c->new_value);
	}
}

static void expect_count(const struct ks_diff *d, size_t n, size_t ndecl)
{
	if (d->n != n || d->ndecl != ndecl) {
		print_diff(d);
		fail_msg("expected %zu changes (%zu not layout), got %zu (%zu)", n, ndecl,
			 d->n, d->ndecl);
	}
}

static void expect_str(const char *what, size_t i, const char *got, const char *exp)
{
	if (!exp && !got)
		return;
	if (!exp || !got || strcmp(got, exp))
		fail_msg("change %zu: %s is \"%s\", expected \"%s\"", i, what,
			 got ? got : "(null)", exp ? exp : "(null)");
}

/* The i-th change, exactly. @field "" for a size change; NULL decls
 * where absent. */
static void expect_change(const struct ks_diff *d, size_t i, enum ks_change_kind kind,
			  const char *field, const char *old_decl, const char *new_decl,
			  unsigned long long old_value, unsigned long long new_value)
{
	const struct ks_change *c;

	if (i >= d->n) {
		print_diff(d);
		fail_msg("change %zu missing: only %zu", i, d->n);
	}
	c = &d->changes[i];
	if (c->kind != kind) {
		print_diff(d);
		fail_msg("change %zu: kind %s, expected %s", i, ks_change_kind_name(c->kind),
			 ks_change_kind_name(kind));
	}
	if (kind == KS_SIZE_CHANGED) {
		/* no field; the header says nothing about NULL or "" */
		if (c->field && c->field[0])
			fail_msg("change %zu: size change names field \"%s\"", i, c->field);
	} else {
		expect_str("field", i, c->field, field);
	}
	expect_str("old_decl", i, c->old_decl, old_decl);
	expect_str("new_decl", i, c->new_decl, new_decl);
	if (c->old_value != old_value || c->new_value != new_value) {
		print_diff(d);
		fail_msg("change %zu (%s %s): values %llu -> %llu, expected %llu -> %llu", i,
			 ks_change_kind_name(kind), field, c->old_value, c->new_value,
			 old_value, new_value);
	}
}

/* ------------------------------------------------------------------ */
/* Identical definitions */

static void test_diff_identical_no_changes(void **state)
{
	struct base b;
	struct btf *b1 = new_btf(&b);
	struct fld f1[] = { F("a", b.i, 0), F("c", b.c, 32), F("l", b.ul, 64) };
	int o = add_struct(b1, "s", 16, f1, NF(f1));
	struct btf *b2 = new_btf(&b);
	struct fld f2[] = { F("a", b.i, 0), F("c", b.c, 32), F("l", b.ul, 64) };
	int n = add_struct(b2, "s", 16, f2, NF(f2));
	struct ks_diff *d;

	(void)state;
	d = diff_ids(b1, o, NULL, b2, n, NULL);
	expect_count(d, 0, 0);

	/* one definition against itself */
	d = diff(g_def[0], g_def[0]);
	expect_count(d, 0, 0);
}

/* Identical, with everything the text can hold: bitfields, an unnamed
 * bitfield, anonymous unions, a named member of anonymous type. */
static void test_diff_identical_complex_no_changes(void **state)
{
	struct btf *bt[2];
	int id[2], k;
	struct ks_diff *d;

	(void)state;
	for (k = 0; k < 2; k++) {
		struct base b;
		struct btf *btf = new_btf(&b);
		struct fld au[] = { F("p", ID(btf__add_ptr(btf, 0)), 0), F("x", b.l, 0) };
		int u = add_union(btf, NULL, 8, au, NF(au));
		struct fld pt[] = { F("x", b.i, 0), F("y", b.i, 32) };
		int s = add_struct(btf, NULL, 8, pt, NF(pt));
		struct fld f[] = {
			BF("a", b.ui, 0, 3), BF(NULL, b.ui, 3, 5), BF("b", b.ui, 8, 2),
			F(NULL, u, 64), F("pt", s, 128), F("z", b.c, 192),
		};

		bt[k] = btf;
		id[k] = add_struct(btf, "cx", 32, f, NF(f));
	}
	d = diff_ids(bt[0], id[0], NULL, bt[1], id[1], NULL);
	expect_count(d, 0, 0);
}

/* ------------------------------------------------------------------ */
/* Added and removed fields */

static void test_diff_field_added_at_end(void **state)
{
	struct base b;
	struct btf *b1 = new_btf(&b);
	struct fld f1[] = { F("a", b.i, 0), F("b", b.i, 32) };
	int o = add_struct(b1, "s", 8, f1, NF(f1));
	struct btf *b2 = new_btf(&b);
	struct fld f2[] = { F("a", b.i, 0), F("b", b.i, 32), F("c", b.i, 64) };
	int n = add_struct(b2, "s", 12, f2, NF(f2));
	struct ks_diff *d;

	(void)state;
	d = diff_ids(b1, o, NULL, b2, n, NULL);
	expect_count(d, 2, 1);
	expect_change(d, 0, KS_FIELD_ADDED, "c", NULL, "int c", 0, 64);
	expect_change(d, 1, KS_SIZE_CHANGED, "", NULL, NULL, 8, 12);
}

/* A field added in a hole: nothing moves, the size stays. */
static void test_diff_field_added_in_hole(void **state)
{
	struct base b;
	struct btf *b1 = new_btf(&b);
	struct fld f1[] = { F("a", b.c, 0), F("l", b.l, 64) };
	int o = add_struct(b1, "s", 16, f1, NF(f1));
	struct btf *b2 = new_btf(&b);
	struct fld f2[] = { F("a", b.c, 0), F("flags", b.u32, 32), F("l", b.l, 64) };
	int n = add_struct(b2, "s", 16, f2, NF(f2));
	struct ks_diff *d;

	(void)state;
	d = diff_ids(b1, o, NULL, b2, n,
		     "struct s {\n"
		     "\tchar a;\t/* 0 1 */\n"
		     "\tu32 flags;\t/* 4 4 */\n"
		     "\tlong int l;\t/* 8 8 */\n"
		     "};\t/* size 16 */\n");
	expect_count(d, 1, 1);
	expect_change(d, 0, KS_FIELD_ADDED, "flags", NULL, "u32 flags", 0, 32);
}

static void test_diff_field_removed(void **state)
{
	struct base b;
	struct btf *b1 = new_btf(&b);
	struct fld f1[] = { F("a", b.i, 0), F("b", b.l, 64), F("c", b.i, 128) };
	int o = add_struct(b1, "s", 24, f1, NF(f1));
	struct btf *b2 = new_btf(&b);
	struct fld f2[] = { F("a", b.i, 0), F("c", b.i, 32) };
	int n = add_struct(b2, "s", 8, f2, NF(f2));
	struct ks_diff *d;

	(void)state;
	d = diff_ids(b1, o, NULL, b2, n, NULL);
	expect_count(d, 3, 1);
	expect_change(d, 0, KS_FIELD_REMOVED, "b", "long int b", NULL, 64, 0);
	expect_change(d, 1, KS_FIELD_MOVED, "c", "int c", "int c", 128, 32);
	expect_change(d, 2, KS_SIZE_CHANGED, "", NULL, NULL, 24, 8);
}

static struct ks_diff *diff_no_renames(const struct ks_def *old, const struct ks_def *new)
{
	struct ks_diff *d = ks_diff_defs_flags(old, new, KS_DIFF_NO_RENAMES);

	assert_non_null(d);
	if (g_ndiff == MAX_TRACK)
		fail_msg("too many diffs");
	g_diff[g_ndiff++] = d;
	return d;
}

static void expect_renamed_from(const struct ks_diff *d, size_t i, const char *old_field)
{
	assert_true(i < d->n);
	expect_str("old_field", i, d->changes[i].old_field, old_field);
}

/* A field removed and one added in its place, same type: a rename;
 * without renames, a removal and an addition (a field is its name). */
static void test_diff_field_renamed(void **state)
{
	struct base b;
	struct btf *b1 = new_btf(&b);
	struct fld f1[] = { F("a", b.i, 0), F("old_name", b.i, 32) };
	int o = add_struct(b1, "s", 8, f1, NF(f1));
	struct btf *b2 = new_btf(&b);
	struct fld f2[] = { F("a", b.i, 0), F("new_name", b.i, 32) };
	int n = add_struct(b2, "s", 8, f2, NF(f2));
	struct ks_diff *d;

	(void)state;
	d = diff_ids(b1, o, NULL, b2, n, NULL);
	expect_count(d, 1, 1);
	expect_change(d, 0, KS_FIELD_RENAMED, "new_name", "int old_name", "int new_name", 32, 32);
	expect_renamed_from(d, 0, "old_name");
	assert_string_equal(ks_change_name("struct", &d->changes[0]), "field_renamed");

	d = diff_no_renames(g_def[0], g_def[1]);
	expect_count(d, 2, 2);
	expect_change(d, 0, KS_FIELD_ADDED, "new_name", NULL, "int new_name", 0, 32);
	expect_change(d, 1, KS_FIELD_REMOVED, "old_name", "int old_name", NULL, 32, 0);
}

/* task_struct in 5.14: "volatile long int state" became "unsigned int
 * __state" at offset 24: a rename across integer sizes (CO-RE relocates
 * a read of one onto the other), and the hole it leaves is no change. */
static void test_diff_renamed_integer_resized(void **state)
{
	struct base b;
	struct btf *b1 = new_btf(&b);
	int vl = ID(btf__add_volatile(b1, b.l));
	struct fld f1[] = { F("usage", b.i, 0), F("state", vl, 64), F("flags", b.ui, 128) };
	int o = add_struct(b1, "task_struct", 24, f1, NF(f1));
	struct btf *b2 = new_btf(&b);
	struct fld f2[] = { F("usage", b.i, 0), F("__state", b.ui, 64), F("flags", b.ui, 128) };
	int n = add_struct(b2, "task_struct", 24, f2, NF(f2));
	struct ks_diff *d;

	(void)state;
	d = diff_ids(b1, o, NULL, b2, n, NULL);
	expect_count(d, 1, 1);
	expect_change(d, 0, KS_FIELD_RENAMED, "__state", "volatile long int state",
		      "unsigned int __state", 64, 64);
	expect_renamed_from(d, 0, "state");
}

/* renamedata in 6.3: "struct user_namespace *old_mnt_userns" became
 * "struct mnt_idmap *old_mnt_idmap": a pointer for a pointer. */
static void test_diff_renamed_pointer_retyped(void **state)
{
	struct base b;
	struct btf *b1 = new_btf(&b);
	int un = ID(btf__add_struct(b1, "user_namespace", 0));
	struct fld f1[] = { F("old_mnt_userns", ID(btf__add_ptr(b1, un)), 0),
			    F("old_dir", ID(btf__add_ptr(b1, 0)), 64) };
	int o = add_struct(b1, "renamedata", 16, f1, NF(f1));
	struct btf *b2 = new_btf(&b);
	int mi = ID(btf__add_struct(b2, "mnt_idmap", 0));
	struct fld f2[] = { F("old_mnt_idmap", ID(btf__add_ptr(b2, mi)), 0),
			    F("old_dir", ID(btf__add_ptr(b2, 0)), 64) };
	int n = add_struct(b2, "renamedata", 16, f2, NF(f2));
	struct ks_diff *d;

	(void)state;
	d = diff_ids(b1, o, NULL, b2, n, NULL);
	expect_count(d, 1, 1);
	expect_change(d, 0, KS_FIELD_RENAMED, "old_mnt_idmap",
		      "struct user_namespace *old_mnt_userns", "struct mnt_idmap *old_mnt_idmap", 0,
		      0);
	expect_renamed_from(d, 0, "old_mnt_userns");
}

/* No rename where the types are not compatible (an int for a pointer,
 * a struct for an integer: inode.i_ctime -> i_ctime_sec), where the
 * offset differs, or where two added fields could take the place. */
static void test_diff_not_renamed(void **state)
{
	struct base b;
	struct btf *b1 = new_btf(&b);
	struct fld ts1[] = { F("tv_sec", b.l, 0), F("tv_nsec", b.l, 64) };
	int t1 = add_struct(b1, "timespec64", 16, ts1, NF(ts1));
	struct fld f1[] = { F("a", b.i, 0), F("i_ctime", t1, 64), F("x", b.i, 192) };
	int o = add_struct(b1, "s", 32, f1, NF(f1));
	struct btf *b2 = new_btf(&b);
	struct fld f2[] = { F("a", b.i, 0), F("i_ctime_sec", b.l, 64),
			    F("p", ID(btf__add_ptr(b2, 0)), 192) };
	int n = add_struct(b2, "s", 32, f2, NF(f2));
	struct btf *b3 = new_btf(&b);
	struct fld u1[] = { F("a", b.i, 0), F("l", b.l, 0) };
	int uo = add_union(b3, "u", 8, u1, NF(u1));
	struct btf *b4 = new_btf(&b);
	struct fld u2[] = { F("b", b.i, 0), F("c", b.i, 0), F("l", b.l, 0) };
	int un = add_union(b4, "u", 8, u2, NF(u2));
	struct btf *b5 = new_btf(&b);
	struct fld m1[] = { F("a", b.i, 0), F("b", b.i, 32) };
	int mo = add_struct(b5, "m", 12, m1, NF(m1));
	struct btf *b6 = new_btf(&b);
	struct fld m2[] = { F("a", b.i, 0), F("c", b.i, 64) };
	int mn = add_struct(b6, "m", 12, m2, NF(m2));
	struct btf *b7 = new_btf(&b);
	struct fld c1[] = { F("a", b.i, 0), F("cpu", b.i, 32) };
	int co = add_struct(b7, "c", 8, c1, NF(c1));
	struct btf *b8 = new_btf(&b);
	struct fld c2[] = { F("a", b.i, 0), F("free", b.i, 32) };
	int cn = add_struct(b8, "c", 8, c2, NF(c2));
	struct ks_diff *d;
	size_t i;

	(void)state;
	d = diff_ids(b1, o, NULL, b2, n, NULL);
	expect_count(d, 4, 4);
	for (i = 0; i < d->n; i++)
		assert_int_not_equal(d->changes[i].kind, KS_FIELD_RENAMED);
	d = diff_ids(b3, uo, NULL, b4, un, NULL);
	expect_count(d, 3, 3);
	expect_change(d, 0, KS_FIELD_ADDED, "b", NULL, "int b", 0, 0);
	expect_change(d, 1, KS_FIELD_ADDED, "c", NULL, "int c", 0, 0);
	expect_change(d, 2, KS_FIELD_REMOVED, "a", "int a", NULL, 0, 0);
	d = diff_ids(b5, mo, NULL, b6, mn, NULL);
	expect_count(d, 2, 2);
	expect_change(d, 0, KS_FIELD_ADDED, "c", NULL, "int c", 0, 64);
	expect_change(d, 1, KS_FIELD_REMOVED, "b", "int b", NULL, 32, 0);
	/* same place, same type, names with nothing in common */
	d = diff_ids(b7, co, NULL, b8, cn, NULL);
	expect_count(d, 2, 2);
	expect_change(d, 0, KS_FIELD_ADDED, "free", NULL, "int free", 0, 32);
	expect_change(d, 1, KS_FIELD_REMOVED, "cpu", "int cpu", NULL, 32, 0);
}

/* ------------------------------------------------------------------ */
/* Type changes */

static void test_diff_type_changed_int_to_long(void **state)
{
	struct base b;
	struct btf *b1 = new_btf(&b);
	struct fld f1[] = { F("x", b.i, 0), F("y", b.l, 64) };
	int o = add_struct(b1, "s", 16, f1, NF(f1));
	struct btf *b2 = new_btf(&b);
	struct fld f2[] = { F("x", b.l, 0), F("y", b.l, 64) };
	int n = add_struct(b2, "s", 16, f2, NF(f2));
	struct ks_diff *d;

	(void)state;
	d = diff_ids(b1, o, NULL, b2, n, NULL);
	expect_count(d, 1, 1);
	expect_change(d, 0, KS_FIELD_TYPE_CHANGED, "x", "int x", "long int x", 0, 0);
}

/* int -> long pushes the next field and grows the type: the field whose
 * declaration did not change moves (layout), the type grows (layout). */
static void test_diff_type_changed_grows_and_moves_next(void **state)
{
	struct base b;
	struct btf *b1 = new_btf(&b);
	struct fld f1[] = { F("a", b.i, 0), F("b", b.i, 32) };
	int o = add_struct(b1, "s", 8, f1, NF(f1));
	struct btf *b2 = new_btf(&b);
	struct fld f2[] = { F("a", b.l, 0), F("b", b.i, 64) };
	int n = add_struct(b2, "s", 16, f2, NF(f2));
	struct ks_diff *d;

	(void)state;
	d = diff_ids(b1, o, NULL, b2, n, NULL);
	expect_count(d, 3, 1);
	expect_change(d, 0, KS_FIELD_TYPE_CHANGED, "a", "int a", "long int a", 0, 0);
	expect_change(d, 1, KS_FIELD_MOVED, "b", "int b", "int b", 32, 64);
	expect_change(d, 2, KS_SIZE_CHANGED, "", NULL, NULL, 8, 16);
}

static void test_diff_type_changed_pointer_to_other_struct(void **state)
{
	struct base b;
	struct btf *b1 = new_btf(&b);
	int pfoo = ID(btf__add_ptr(b1, ID(btf__add_fwd(b1, "foo", BTF_FWD_STRUCT))));
	struct fld f1[] = { F("id", b.i, 0), F("p", pfoo, 64) };
	int o = add_struct(b1, "s", 16, f1, NF(f1));
	struct btf *b2 = new_btf(&b);
	int pbar = ID(btf__add_ptr(b2, ID(btf__add_fwd(b2, "bar", BTF_FWD_STRUCT))));
	struct fld f2[] = { F("id", b.i, 0), F("p", pbar, 64) };
	int n = add_struct(b2, "s", 16, f2, NF(f2));
	struct ks_diff *d;

	(void)state;
	d = diff_ids(b1, o, NULL, b2, n, NULL);
	expect_count(d, 1, 1);
	expect_change(d, 0, KS_FIELD_TYPE_CHANGED, "p", "struct foo *p", "struct bar *p",
		      64, 64);
}

/* An array length is part of the declaration. */
static void test_diff_type_changed_array_length(void **state)
{
	struct base b;
	struct btf *b1 = new_btf(&b);
	struct fld f1[] = { F("comm", ID(btf__add_array(b1, b.i, b.c, 16)), 0) };
	int o = add_struct(b1, "s", 16, f1, NF(f1));
	struct btf *b2 = new_btf(&b);
	struct fld f2[] = { F("comm", ID(btf__add_array(b2, b.i, b.c, 32)), 0) };
	int n = add_struct(b2, "s", 32, f2, NF(f2));
	struct ks_diff *d;

	(void)state;
	d = diff_ids(b1, o, NULL, b2, n, NULL);
	expect_count(d, 2, 1);
	expect_change(d, 0, KS_FIELD_TYPE_CHANGED, "comm", "char comm[16]", "char comm[32]",
		      0, 0);
	expect_change(d, 1, KS_SIZE_CHANGED, "", NULL, NULL, 16, 32);
}

/* A field whose declaration changed and whose offset changed too is a
 * type change only, never also a move (docs/format.md). */
static void test_diff_type_changed_and_moved_is_not_moved(void **state)
{
	struct base b;
	struct btf *b1 = new_btf(&b);
	struct fld f1[] = { F("a", b.i, 0), F("b", b.i, 32) };
	int o = add_struct(b1, "s", 8, f1, NF(f1));
	struct btf *b2 = new_btf(&b);
	struct fld f2[] = { F("a", b.i, 0), F("z", b.i, 32), F("b", b.l, 64) };
	int n = add_struct(b2, "s", 16, f2, NF(f2));
	struct ks_diff *d;

	(void)state;
	d = diff_ids(b1, o, NULL, b2, n, NULL);
	expect_count(d, 3, 2);
	expect_change(d, 0, KS_FIELD_ADDED, "z", NULL, "int z", 0, 32);
	expect_change(d, 1, KS_FIELD_TYPE_CHANGED, "b", "int b", "long int b", 32, 64);
	expect_change(d, 2, KS_SIZE_CHANGED, "", NULL, NULL, 8, 16);
}

/* ------------------------------------------------------------------ */
/* Bitfields */

/* Only the width changed: bitfield_changed; the bitfield after it moves
 * by one bit (a layout change, in bits). */
static void test_diff_bitfield_width_changed(void **state)
{
	struct base b;
	struct btf *b1 = new_btf(&b);
	struct fld f1[] = { BF("f", b.ui, 0, 3), BF("g", b.ui, 3, 5), F("h", b.i, 32) };
	int o = add_struct(b1, "s", 8, f1, NF(f1));
	struct btf *b2 = new_btf(&b);
	struct fld f2[] = { BF("f", b.ui, 0, 4), BF("g", b.ui, 4, 5), F("h", b.i, 32) };
	int n = add_struct(b2, "s", 8, f2, NF(f2));
	struct ks_diff *d;

	(void)state;
	d = diff_ids(b1, o,
		     "struct s {\n"
		     "\tunsigned int f:3;\t/* bit 0 3 */\n"
		     "\tunsigned int g:5;\t/* bit 3 5 */\n"
		     "\tint h;\t/* 4 4 */\n"
		     "};\t/* size 8 */\n",
		     b2, n, NULL);
	expect_count(d, 2, 1);
	expect_change(d, 0, KS_BITFIELD_CHANGED, "f", "unsigned int f:3", "unsigned int f:4",
		      0, 0);
	expect_change(d, 1, KS_FIELD_MOVED, "g", "unsigned int g:5", "unsigned int g:5", 3, 4);
}

/* A bitfield that becomes a whole field, and the other way round, is a
 * type change, not a width change. */
static void test_diff_bitfield_to_plain_is_type_changed(void **state)
{
	struct base b;
	struct btf *b1 = new_btf(&b);
	struct fld f1[] = { BF("f", b.ui, 0, 8), F("g", b.ui, 32) };
	int o = add_struct(b1, "s", 8, f1, NF(f1));
	struct btf *b2 = new_btf(&b);
	struct fld f2[] = { F("f", b.ui, 0), BF("g", b.ui, 32, 8) };
	int n = add_struct(b2, "s", 8, f2, NF(f2));
	struct ks_diff *d;

	(void)state;
	d = diff_ids(b1, o, NULL, b2, n, NULL);
	expect_count(d, 2, 2);
	expect_change(d, 0, KS_FIELD_TYPE_CHANGED, "f", "unsigned int f:8", "unsigned int f",
		      0, 0);
	expect_change(d, 1, KS_FIELD_TYPE_CHANGED, "g", "unsigned int g", "unsigned int g:8",
		      32, 32);
}

/* Same width, other type: a type change. Other type and other width:
 * a type change too (not only the width differs). */
static void test_diff_bitfield_type_changed(void **state)
{
	struct base b;
	struct btf *b1 = new_btf(&b);
	struct fld f1[] = { BF("f", b.ui, 0, 3), BF("g", b.ui, 3, 3) };
	int o = add_struct(b1, "s", 4, f1, NF(f1));
	struct btf *b2 = new_btf(&b);
	struct fld f2[] = { BF("f", b.u32, 0, 3), BF("g", b.i, 3, 4) };
	int n = add_struct(b2, "s", 4, f2, NF(f2));
	struct ks_diff *d;

	(void)state;
	d = diff_ids(b1, o, NULL, b2, n, NULL);
	expect_count(d, 2, 2);
	expect_change(d, 0, KS_FIELD_TYPE_CHANGED, "f", "unsigned int f:3", "u32 f:3", 0, 0);
	expect_change(d, 1, KS_FIELD_TYPE_CHANGED, "g", "unsigned int g:3", "int g:4", 3, 3);
}

/* Unnamed bitfields are padding, not fields: a change of their width is
 * visible only through the named bitfield after them moving. */
static void test_diff_unnamed_bitfield_ignored(void **state)
{
	struct base b;
	struct btf *b1 = new_btf(&b);
	struct fld f1[] = { BF("a", b.ui, 0, 3), BF(NULL, b.ui, 3, 5), BF("c", b.ui, 8, 2) };
	int o = add_struct(b1, "s", 4, f1, NF(f1));
	struct btf *b2 = new_btf(&b);
	struct fld f2[] = { BF("a", b.ui, 0, 3), BF(NULL, b.ui, 3, 6), BF("c", b.ui, 9, 2) };
	int n = add_struct(b2, "s", 4, f2, NF(f2));
	struct ks_diff *d;

	(void)state;
	d = diff_ids(b1, o, NULL, b2, n, NULL);
	expect_count(d, 1, 0);
	expect_change(d, 0, KS_FIELD_MOVED, "c", "unsigned int c:2", "unsigned int c:2", 8, 9);
}

/* ------------------------------------------------------------------ */
/* Layout: moves and size */

/* A field inserted before others moves them: each is a field_moved
 * (layout), in the new member order, with offsets in bits. */
static void test_diff_moved_by_insertion(void **state)
{
	struct base b;
	struct btf *b1 = new_btf(&b);
	struct fld f1[] = { F("a", b.i, 0), F("c", b.i, 32), F("d", b.l, 64) };
	int o = add_struct(b1, "s", 16, f1, NF(f1));
	struct btf *b2 = new_btf(&b);
	struct fld f2[] = { F("a", b.i, 0), F("b", b.l, 64), F("c", b.i, 128),
			    F("d", b.l, 192) };
	int n = add_struct(b2, "s", 32, f2, NF(f2));
	struct ks_diff *d;

	(void)state;
	d = diff_ids(b1, o, NULL, b2, n, NULL);
	expect_count(d, 4, 1);
	expect_change(d, 0, KS_FIELD_ADDED, "b", NULL, "long int b", 0, 64);
	expect_change(d, 1, KS_FIELD_MOVED, "c", "int c", "int c", 32, 128);
	expect_change(d, 2, KS_FIELD_MOVED, "d", "long int d", "long int d", 64, 192);
	expect_change(d, 3, KS_SIZE_CHANGED, "", NULL, NULL, 16, 32);
	assert_true(ks_change_is_layout(d->changes[1].kind));
	assert_true(ks_change_is_layout(d->changes[3].kind));
	assert_false(ks_change_is_layout(d->changes[0].kind));
}

/* Only the size: trailing padding grew. */
static void test_diff_size_changed_only(void **state)
{
	struct base b;
	struct btf *b1 = new_btf(&b);
	struct fld f1[] = { F("a", b.i, 0) };
	int o = add_struct(b1, "s", 4, f1, NF(f1));
	struct btf *b2 = new_btf(&b);
	struct fld f2[] = { F("a", b.i, 0) };
	int n = add_struct(b2, "s", 64, f2, NF(f2));
	struct ks_diff *d;

	(void)state;
	d = diff_ids(b1, o, NULL, b2, n, NULL);
	expect_count(d, 1, 0);
	expect_change(d, 0, KS_SIZE_CHANGED, "", NULL, NULL, 4, 64);
	assert_string_equal(ks_change_kind_name(d->changes[0].kind), "size_changed");
}

/* struct inode vfs_inode, where struct inode shrank: same declaration,
 * same offset, other size: a layout change of its own. */
static void test_diff_field_resized(void **state)
{
	struct base b;
	struct btf *b1 = new_btf(&b);
	int in1 = add_struct(b1, "inner", 16, NULL, 0);
	struct fld f1[] = { F("a", b.i, 0), F("in", in1, 32) };
	int o = add_struct(b1, "s", 20, f1, NF(f1));
	struct btf *b2 = new_btf(&b);
	int in2 = add_struct(b2, "inner", 8, NULL, 0);
	struct fld f2[] = { F("a", b.i, 0), F("in", in2, 32) };
	int n = add_struct(b2, "s", 12, f2, NF(f2));
	struct ks_diff *d;

	(void)state;
	d = diff_ids(b1, o, NULL, b2, n, NULL);
	expect_count(d, 2, 0);
	expect_change(d, 0, KS_FIELD_RESIZED, "in", "struct inner in", "struct inner in",
		      128, 64);
	expect_change(d, 1, KS_SIZE_CHANGED, "", NULL, NULL, 20, 12);
	assert_true(ks_change_is_layout(KS_FIELD_RESIZED));
	assert_string_equal(ks_change_kind_name(KS_FIELD_RESIZED), "field_resized");
}

/* union u became struct u: reported first, as a declaration change. */
static void test_diff_kind_changed(void **state)
{
	struct base b;
	struct btf *b1 = new_btf(&b);
	struct fld f1[] = { F("a", b.i, 0), F("b", b.i, 0) };
	int o = add_union(b1, "u", 4, f1, NF(f1));
	struct btf *b2 = new_btf(&b);
	struct fld f2[] = { F("a", b.i, 0), F("b", b.i, 32) };
	int n = add_struct(b2, "u", 8, f2, NF(f2));
	struct ks_diff *d;

	(void)state;
	d = diff_ids(b1, o, NULL, b2, n, NULL);
	expect_count(d, 3, 1);
	expect_change(d, 0, KS_KIND_CHANGED, "", "union", "struct", 0, 0);
	expect_change(d, 1, KS_FIELD_MOVED, "b", "int b", "int b", 0, 32);
	assert_false(ks_change_is_layout(KS_KIND_CHANGED));
}

/* Everything at once, to pin the order: declaration changes in the new
 * member order, removals in the old order, moves in the new order, the
 * size last. */
static void test_diff_order_of_changes(void **state)
{
	struct base b;
	struct btf *b1 = new_btf(&b);
	struct fld f1[] = {
		F("r1", b.i, 0), F("k1", b.i, 32), F("t1", b.i, 64), F("r2", b.i, 96),
		F("k2", b.i, 128), BF("w", b.ui, 160, 3),
	};
	int o = add_struct(b1, "s", 24, f1, NF(f1));
	struct btf *b2 = new_btf(&b);
	struct fld f2[] = {
		F("n1", b.l, 0), F("k2", b.i, 64), BF("w", b.ui, 96, 5), F("t1", b.l, 128),
		F("k1", b.i, 192), F("n2", b.c, 224),
	};
	int n = add_struct(b2, "s", 32, f2, NF(f2));
	struct ks_diff *d;

	(void)state;
	/* n1 takes r1's place with a compatible type, but their names have
	 * nothing in common: not a rename */
	d = diff_ids(b1, o, NULL, b2, n, NULL);
	expect_count(d, 9, 6);
	expect_change(d, 0, KS_FIELD_ADDED, "n1", NULL, "long int n1", 0, 0);
	expect_change(d, 1, KS_BITFIELD_CHANGED, "w", "unsigned int w:3", "unsigned int w:5",
		      160, 96);
	expect_change(d, 2, KS_FIELD_TYPE_CHANGED, "t1", "int t1", "long int t1", 64, 128);
	expect_change(d, 3, KS_FIELD_ADDED, "n2", NULL, "char n2", 0, 224);
	expect_change(d, 4, KS_FIELD_REMOVED, "r1", "int r1", NULL, 0, 0);
	expect_change(d, 5, KS_FIELD_REMOVED, "r2", "int r2", NULL, 96, 0);
	expect_change(d, 6, KS_FIELD_MOVED, "k2", "int k2", "int k2", 128, 64);
	expect_change(d, 7, KS_FIELD_MOVED, "k1", "int k1", "int k1", 32, 192);
	expect_change(d, 8, KS_SIZE_CHANGED, "", NULL, NULL, 24, 32);
}

/* ------------------------------------------------------------------ */
/* Anonymous structs and unions */

/* A field that moves from the top level into an anonymous union at the
 * same offset keeps its name, declaration and offset: no change at all. */
static void test_diff_into_anon_union_same_offset_no_change(void **state)
{
	struct base b;
	struct btf *b1 = new_btf(&b);
	struct fld f1[] = { F("a", b.i, 0), F("b", b.l, 64) };
	int o = add_struct(b1, "s", 16, f1, NF(f1));
	struct btf *b2 = new_btf(&b);
	struct fld au[] = { F("b", b.l, 0) };
	int u = add_union(b2, NULL, 8, au, NF(au));
	struct fld f2[] = { F("a", b.i, 0), F(NULL, u, 64) };
	int n = add_struct(b2, "s", 16, f2, NF(f2));
	struct ks_diff *d;

	(void)state;
	d = diff_ids(b1, o, NULL, b2, n,
		     "struct s {\n"
		     "\tint a;\t/* 0 4 */\n"
		     "\tunion {\t/* 8 8 */\n"
		     "\t\tlong int b;\t/* 8 8 */\n"
		     "\t};\n"
		     "};\t/* size 16 */\n");
	expect_count(d, 0, 0);
	/* and back out again */
	d = diff(g_def[1], g_def[0]);
	expect_count(d, 0, 0);
}

/* The usual kernel pattern: a field gets an alias in a new anonymous
 * union; only the alias is new. */
static void test_diff_anon_union_alias_added(void **state)
{
	struct base b;
	struct btf *b1 = new_btf(&b);
	struct fld f1[] = { F("a", b.i, 0), F("b", b.l, 64) };
	int o = add_struct(b1, "s", 16, f1, NF(f1));
	struct btf *b2 = new_btf(&b);
	int pv = ID(btf__add_ptr(b2, 0));
	struct fld au[] = { F("b", b.l, 0), F("bp", pv, 0) };
	int u = add_union(b2, NULL, 8, au, NF(au));
	struct fld f2[] = { F("a", b.i, 0), F(NULL, u, 64) };
	int n = add_struct(b2, "s", 16, f2, NF(f2));
	struct ks_diff *d;

	(void)state;
	d = diff_ids(b1, o, NULL, b2, n, NULL);
	expect_count(d, 1, 1);
	expect_change(d, 0, KS_FIELD_ADDED, "bp", NULL, "void *bp", 0, 64);
}

/* Fields inside anonymous structs inside anonymous unions are fields of
 * the outer type: changes are found by name, offsets are absolute. */
static void test_diff_inside_nested_anon(void **state)
{
	struct base b;
	struct btf *b1 = new_btf(&b);
	struct fld is1[] = { F("lo", b.i, 0), F("hi", b.i, 32) };
	int s1 = add_struct(b1, NULL, 8, is1, NF(is1));
	struct fld au1[] = { F(NULL, s1, 0), F("all", b.l, 0) };
	int u1 = add_union(b1, NULL, 8, au1, NF(au1));
	struct fld f1[] = { F("a", b.i, 0), F(NULL, u1, 64) };
	int o = add_struct(b1, "s", 16, f1, NF(f1));
	struct btf *b2 = new_btf(&b);
	struct fld is2[] = { F("lo", b.i, 0), F("mid", b.c, 32), F("hi", b.l, 64) };
	int s2 = add_struct(b2, NULL, 16, is2, NF(is2));
	struct fld au2[] = { F(NULL, s2, 0), F("all", b.l, 0) };
	int u2 = add_union(b2, NULL, 16, au2, NF(au2));
	struct fld f2[] = { F("a", b.i, 0), F(NULL, u2, 64) };
	int n = add_struct(b2, "s", 24, f2, NF(f2));
	struct ks_diff *d;

	(void)state;
	d = diff_ids(b1, o,
		     "struct s {\n"
		     "\tint a;\t/* 0 4 */\n"
		     "\tunion {\t/* 8 8 */\n"
		     "\t\tstruct {\t/* 8 8 */\n"
		     "\t\t\tint lo;\t/* 8 4 */\n"
		     "\t\t\tint hi;\t/* 12 4 */\n"
		     "\t\t};\n"
		     "\t\tlong int all;\t/* 8 8 */\n"
		     "\t};\n"
		     "};\t/* size 16 */\n",
		     b2, n, NULL);
	expect_count(d, 3, 2);
	expect_change(d, 0, KS_FIELD_ADDED, "mid", NULL, "char mid", 0, 96);
	expect_change(d, 1, KS_FIELD_TYPE_CHANGED, "hi", "int hi", "long int hi", 96, 128);
	expect_change(d, 2, KS_SIZE_CHANGED, "", NULL, NULL, 16, 24);
}

/* A field that leaves an anonymous struct for another place keeps its
 * identity: a move, not a removal and an addition. */
static void test_diff_out_of_anon_struct_moved(void **state)
{
	struct base b;
	struct btf *b1 = new_btf(&b);
	struct fld is1[] = { F("x", b.i, 0), F("y", b.i, 32) };
	int s1 = add_struct(b1, NULL, 8, is1, NF(is1));
	struct fld f1[] = { F(NULL, s1, 0), F("z", b.i, 64) };
	int o = add_struct(b1, "s", 12, f1, NF(f1));
	struct btf *b2 = new_btf(&b);
	struct fld is2[] = { F("x", b.i, 0) };
	int s2 = add_struct(b2, NULL, 4, is2, NF(is2));
	struct fld f2[] = { F(NULL, s2, 0), F("z", b.i, 32), F("y", b.i, 64) };
	int n = add_struct(b2, "s", 12, f2, NF(f2));
	struct ks_diff *d;

	(void)state;
	d = diff_ids(b1, o, NULL, b2, n, NULL);
	expect_count(d, 2, 0);
	expect_change(d, 0, KS_FIELD_MOVED, "z", "int z", "int z", 64, 32);
	expect_change(d, 1, KS_FIELD_MOVED, "y", "int y", "int y", 32, 64);
}

/* A named member of anonymous type is one field whose declaration is the
 * whole type: a change inside it is a type change of that member, and
 * its inner members are not fields of the outer type. */
static void test_diff_named_anon_member_body_changed(void **state)
{
	struct base b;
	struct btf *b1 = new_btf(&b);
	struct fld pt1[] = { F("x", b.i, 0), F("y", b.i, 32) };
	int s1 = add_struct(b1, NULL, 8, pt1, NF(pt1));
	struct fld f1[] = { F("id", b.i, 0), F("pt", s1, 32) };
	int o = add_struct(b1, "s", 12, f1, NF(f1));
	struct btf *b2 = new_btf(&b);
	struct fld pt2[] = { F("x", b.i, 0), F("y", b.i, 32), F("z", b.i, 64) };
	int s2 = add_struct(b2, NULL, 12, pt2, NF(pt2));
	struct fld f2[] = { F("id", b.i, 0), F("pt", s2, 32) };
	int n = add_struct(b2, "s", 16, f2, NF(f2));
	struct ks_diff *d;

	(void)state;
	d = diff_ids(b1, o,
		     "struct s {\n"
		     "\tint id;\t/* 0 4 */\n"
		     "\tstruct {\t/* 4 8 */\n"
		     "\t\tint x;\t/* 4 4 */\n"
		     "\t\tint y;\t/* 8 4 */\n"
		     "\t} pt;\n"
		     "};\t/* size 12 */\n",
		     b2, n, NULL);
	expect_count(d, 2, 1);
	expect_change(d, 0, KS_FIELD_TYPE_CHANGED, "pt", "struct { int x; int y; } pt",
		      "struct { int x; int y; int z; } pt", 32, 32);
	expect_change(d, 1, KS_SIZE_CHANGED, "", NULL, NULL, 12, 16);
}

/* The same for a named member of anonymous union type, where only the
 * type of an inner member changes and nothing moves or grows. */
static void test_diff_named_anon_union_member_inner_type(void **state)
{
	struct base b;
	struct btf *b1 = new_btf(&b);
	struct fld u1f[] = { F("i", b.i, 0), F("ui", b.ui, 0) };
	int u1 = add_union(b1, NULL, 4, u1f, NF(u1f));
	struct fld f1[] = { F("id", b.i, 0), F("u", u1, 32) };
	int o = add_struct(b1, "s", 8, f1, NF(f1));
	struct btf *b2 = new_btf(&b);
	struct fld u2f[] = { F("i", b.i, 0), F("ui", b.u32, 0) };
	int u2 = add_union(b2, NULL, 4, u2f, NF(u2f));
	struct fld f2[] = { F("id", b.i, 0), F("u", u2, 32) };
	int n = add_struct(b2, "s", 8, f2, NF(f2));
	struct ks_diff *d;

	(void)state;
	d = diff_ids(b1, o, NULL, b2, n, NULL);
	expect_count(d, 1, 1);
	expect_change(d, 0, KS_FIELD_TYPE_CHANGED, "u", "union { int i; unsigned int ui; } u",
		      "union { int i; u32 ui; } u", 32, 32);
}

/* ------------------------------------------------------------------ */
/* Unions */

static void test_diff_union_added_removed(void **state)
{
	struct base b;
	struct btf *b1 = new_btf(&b);
	struct fld f1[] = { F("i", b.i, 0), F("l", b.l, 0) };
	int o = add_union(b1, "u", 8, f1, NF(f1));
	struct btf *b2 = new_btf(&b);
	struct fld f2[] = { F("i", b.i, 0), F("c", ID(btf__add_array(b2, b.i, b.c, 8)), 0) };
	int n = add_union(b2, "u", 8, f2, NF(f2));
	struct ks_diff *d;

	(void)state;
	d = diff_ids(b1, o,
		     "union u {\n"
		     "\tint i;\t/* 0 4 */\n"
		     "\tlong int l;\t/* 0 8 */\n"
		     "};\t/* size 8 */\n",
		     b2, n, NULL);
	assert_string_equal(g_def[1]->kind, "union");
	expect_count(d, 2, 2);
	expect_change(d, 0, KS_FIELD_ADDED, "c", NULL, "char c[8]", 0, 0);
	expect_change(d, 1, KS_FIELD_REMOVED, "l", "long int l", NULL, 0, 0);
}

static void test_diff_union_grows(void **state)
{
	struct base b;
	struct btf *b1 = new_btf(&b);
	struct fld f1[] = { F("i", b.i, 0), BF("bits", b.ui, 0, 3) };
	int o = add_union(b1, "u", 4, f1, NF(f1));
	struct btf *b2 = new_btf(&b);
	struct fld f2[] = { F("i", b.l, 0), BF("bits", b.ui, 0, 7), F("p", ID(btf__add_ptr(b2, 0)), 0) };
	int n = add_union(b2, "u", 8, f2, NF(f2));
	struct ks_diff *d;

	(void)state;
	d = diff_ids(b1, o, NULL, b2, n, NULL);
	expect_count(d, 4, 3);
	expect_change(d, 0, KS_FIELD_TYPE_CHANGED, "i", "int i", "long int i", 0, 0);
	expect_change(d, 1, KS_BITFIELD_CHANGED, "bits", "unsigned int bits:3",
		      "unsigned int bits:7", 0, 0);
	expect_change(d, 2, KS_FIELD_ADDED, "p", NULL, "void *p", 0, 0);
	expect_change(d, 3, KS_SIZE_CHANGED, "", NULL, NULL, 4, 8);
}

static void test_diff_union_identical(void **state)
{
	struct btf *bt[2];
	int id[2], k;
	struct ks_diff *d;

	(void)state;
	for (k = 0; k < 2; k++) {
		struct base b;
		struct btf *btf = new_btf(&b);
		struct fld w[] = { F("lo", b.i, 0), F("hi", b.i, 32) };
		int sw = add_struct(btf, NULL, 8, w, NF(w));
		struct fld f[] = { F("i", b.i, 0), F("w", sw, 0), F("l", b.ul, 0) };

		bt[k] = btf;
		id[k] = add_union(btf, "u", 8, f, NF(f));
	}
	d = diff_ids(bt[0], id[0], NULL, bt[1], id[1], NULL);
	expect_count(d, 0, 0);
}

/* ------------------------------------------------------------------ */
/* The small API around the diff */

static void test_diff_kind_names_and_layout(void **state)
{
	(void)state;
	assert_string_equal(ks_change_kind_name(KS_FIELD_ADDED), "field_added");
	assert_string_equal(ks_change_kind_name(KS_FIELD_REMOVED), "field_removed");
	assert_string_equal(ks_change_kind_name(KS_FIELD_TYPE_CHANGED), "field_type_changed");
	assert_string_equal(ks_change_kind_name(KS_BITFIELD_CHANGED), "bitfield_changed");
	assert_string_equal(ks_change_kind_name(KS_FIELD_MOVED), "field_moved");
	assert_string_equal(ks_change_kind_name(KS_SIZE_CHANGED), "size_changed");
	assert_false(ks_change_is_layout(KS_FIELD_ADDED));
	assert_false(ks_change_is_layout(KS_FIELD_REMOVED));
	assert_false(ks_change_is_layout(KS_FIELD_TYPE_CHANGED));
	assert_false(ks_change_is_layout(KS_BITFIELD_CHANGED));
	assert_true(ks_change_is_layout(KS_FIELD_MOVED));
	assert_true(ks_change_is_layout(KS_SIZE_CHANGED));
	ks_diff_free(NULL);
}

static void test_diff_def_member_lookup(void **state)
{
	struct base b;
	struct btf *b1 = new_btf(&b);
	struct fld au[] = { F("in_u", b.l, 0) };
	int u = add_union(b1, NULL, 8, au, NF(au));
	struct fld f[] = { BF("a", b.ui, 0, 3), BF(NULL, b.ui, 3, 5), F(NULL, u, 64) };
	const struct ks_def *def = parse(render(b1, add_struct(b1, "s", 16, f, NF(f))));
	const struct ks_member *m;

	(void)state;
	m = ks_def_member(def, "a");
	assert_non_null(m);
	assert_string_equal(m->decl, "unsigned int a:3");
	m = ks_def_member(def, "in_u");
	assert_non_null(m);
	assert_int_equal(m->offset_bits, 64);
	assert_null(ks_def_member(def, "nope"));
	/* the unnamed bitfield is not a field */
	assert_null(ks_def_member(def, ""));
}

#define T(fn) cmocka_unit_test_teardown(fn, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_diff_identical_no_changes),
		T(test_diff_identical_complex_no_changes),
		T(test_diff_field_added_at_end),
		T(test_diff_field_added_in_hole),
		T(test_diff_field_removed),
		T(test_diff_field_renamed),
		T(test_diff_renamed_integer_resized),
		T(test_diff_renamed_pointer_retyped),
		T(test_diff_not_renamed),
		T(test_diff_type_changed_int_to_long),
		T(test_diff_type_changed_grows_and_moves_next),
		T(test_diff_type_changed_pointer_to_other_struct),
		T(test_diff_type_changed_array_length),
		T(test_diff_type_changed_and_moved_is_not_moved),
		T(test_diff_bitfield_width_changed),
		T(test_diff_bitfield_to_plain_is_type_changed),
		T(test_diff_bitfield_type_changed),
		T(test_diff_unnamed_bitfield_ignored),
		T(test_diff_moved_by_insertion),
		T(test_diff_size_changed_only),
		T(test_diff_field_resized),
		T(test_diff_kind_changed),
		T(test_diff_order_of_changes),
		T(test_diff_into_anon_union_same_offset_no_change),
		T(test_diff_anon_union_alias_added),
		T(test_diff_inside_nested_anon),
		T(test_diff_out_of_anon_struct_moved),
		T(test_diff_named_anon_member_body_changed),
		T(test_diff_named_anon_union_member_inner_type),
		T(test_diff_union_added_removed),
		T(test_diff_union_grows),
		T(test_diff_union_identical),
		T(test_diff_kind_names_and_layout),
		T(test_diff_def_member_lookup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
