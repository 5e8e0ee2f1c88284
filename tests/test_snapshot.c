/* Unit tests of common/ks_snapshot: the order and numbering a release's
 * commit id depends on, from entries written here. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "ks_buf.h"
#include "ks_err.h"
#include "ks_snapshot.h"

static void add(struct ks_snapshot *s, const char *kind, const char *name, const char *text)
{
	assert_int_equal(ks_snapshot_add(s, kind, name, ks_xstrdup(text), strlen(text)), 0);
}

static void expect(const struct ks_snapshot *s, size_t i, const char *kind,
		   const char *name, unsigned int variant, const char *text)
{
	assert_true(i < s->n);
	assert_string_equal(s->entries[i].kind, kind);
	assert_string_equal(s->entries[i].name, name);
	assert_int_equal(s->entries[i].variant, variant);
	assert_int_equal(s->entries[i].len, strlen(text));
	assert_memory_equal(s->entries[i].text, text, strlen(text));
}

/* Kind, then name, then text decide the order; identical bodies collapse
 * and the rest of one name are numbered in text order. */
static void test_snapshot_finish_orders_and_dedups(void **state)
{
	struct ks_snapshot *s = ks_snapshot_new();

	(void)state;
	add(s, "union", "u", "union u {B}\n");
	add(s, "struct", "b", "struct b {2}\n");
	add(s, "struct", "a", "struct a {}\n");
	add(s, "struct", "b", "struct b {1}\n");
	add(s, "struct", "b", "struct b {2}\n");
	add(s, "union", "u", "union u {A}\n");
	assert_false(s->finished);
	ks_snapshot_finish(s);
	assert_true(s->finished);
	assert_int_equal(s->n, 5);
	expect(s, 0, "struct", "a", 1, "struct a {}\n");
	expect(s, 1, "struct", "b", 1, "struct b {1}\n");
	expect(s, 2, "struct", "b", 2, "struct b {2}\n");
	expect(s, 3, "union", "u", 1, "union u {A}\n");
	expect(s, 4, "union", "u", 2, "union u {B}\n");
	assert_int_equal(s->nstructs, 3);
	assert_int_equal(s->nunions, 2);
	/* a second finish changes nothing */
	ks_snapshot_finish(s);
	assert_int_equal(s->n, 5);
	expect(s, 2, "struct", "b", 2, "struct b {2}\n");
	ks_snapshot_free(s);
}

/* A text that is a prefix of another sorts first. */
static void test_snapshot_prefix_text_first(void **state)
{
	struct ks_snapshot *s = ks_snapshot_new();

	(void)state;
	add(s, "struct", "p", "struct p {x};\n/* more */\n");
	add(s, "struct", "p", "struct p {x};\n");
	ks_snapshot_finish(s);
	assert_int_equal(s->n, 2);
	expect(s, 0, "struct", "p", 1, "struct p {x};\n");
	expect(s, 1, "struct", "p", 2, "struct p {x};\n/* more */\n");
	ks_snapshot_free(s);
}

/* Names that share their first 8 or 16 bytes, end at those edges or
 * are prefixes of each other still sort as strcmp orders them (the sort
 * compares those bytes as numbers first), with texts breaking ties. */
static void test_snapshot_long_shared_prefixes(void **state)
{
	static const char *const want[] = {
		"__x64_sy", "__x64_sys_read", "__x64_sys_readahead", "__x64_sys_readlink",
		"__x64_sys_readlinkat", "__x64_sys_readv", "__x64_sys_readv", "__x64_sys_readw",
		"security_inode_get", "security_inode_getattr", "security_inode_getx",
		"security_inode_g\x7f", "security_inode_g\xc3",
	};
	enum { N = sizeof(want) / sizeof(want[0]) };
	struct ks_snapshot *s = ks_snapshot_new();
	size_t i;

	(void)state;
	/* backwards, the two readv texts in the wrong order too */
	for (i = N; i-- > 0;)
		add(s, "func", want[i], i == 6 ? "func a\n" : i == 5 ? "func b\n" : "f\n");
	add(s, "enum", "__x64_sys_readv", "e\n");
	ks_snapshot_finish(s);
	assert_int_equal(s->n, N + 1);
	expect(s, 0, "enum", "__x64_sys_readv", 1, "e\n");
	for (i = 0; i < N; i++)
		assert_string_equal(s->entries[i + 1].name, want[i]);
	expect(s, 6, "func", "__x64_sys_readv", 1, "func a\n");
	expect(s, 7, "func", "__x64_sys_readv", 2, "func b\n");
	ks_snapshot_free(s);
}

/* Merging two finished snapshots (a vmlinux and its module) numbers the
 * variants anew over the union of both, as if added to one. */
static void test_snapshot_merge_renumbers(void **state)
{
	struct ks_snapshot *a = ks_snapshot_new(), *b = ks_snapshot_new();
	struct ks_snapshot *one = ks_snapshot_new();
	size_t i;

	(void)state;
	add(a, "struct", "s", "struct s {2}\n");
	add(a, "struct", "t", "struct t {}\n");
	ks_snapshot_finish(a);
	add(b, "struct", "s", "struct s {1}\n");
	add(b, "struct", "t", "struct t {}\n");
	ks_snapshot_finish(b);
	expect(a, 0, "struct", "s", 1, "struct s {2}\n");
	ks_snapshot_merge(a, b);
	/* both were finished: merged in order, finished, as one would be */
	assert_true(a->finished);

	add(one, "struct", "t", "struct t {}\n");
	add(one, "struct", "s", "struct s {1}\n");
	add(one, "struct", "s", "struct s {2}\n");
	ks_snapshot_finish(one);
	assert_int_equal(a->n, 3);
	assert_int_equal(one->n, 3);
	for (i = 0; i < a->n; i++)
		expect(a, i, one->entries[i].kind, one->entries[i].name,
		       one->entries[i].variant, one->entries[i].text);
	expect(a, 1, "struct", "s", 2, "struct s {2}\n");
	assert_int_equal(a->nstructs, 3);
	ks_snapshot_free(a);
	ks_snapshot_free(one);
}

/* Merging an unfinished snapshot leaves the result unfinished, and a
 * finished one into an empty snapshot keeps it finished. */
static void test_snapshot_merge_unfinished(void **state)
{
	struct ks_snapshot *a = ks_snapshot_new(), *b = ks_snapshot_new();
	struct ks_snapshot *e = ks_snapshot_new();

	(void)state;
	add(a, "struct", "s", "struct s {}\n");
	ks_snapshot_finish(a);
	add(b, "union", "u", "union u {}\n");
	add(b, "struct", "s", "struct s {}\n");
	ks_snapshot_merge(a, b);
	assert_false(a->finished);
	ks_snapshot_finish(a);
	assert_int_equal(a->n, 2);
	expect(a, 0, "struct", "s", 1, "struct s {}\n");
	expect(a, 1, "union", "u", 1, "union u {}\n");
	ks_snapshot_merge(e, a);
	assert_true(e->finished);
	assert_int_equal(e->n, 2);
	assert_int_equal(e->count[KS_KIND_UNION], 1);
	ks_snapshot_free(e);
}

static void test_snapshot_kinds(void **state)
{
	struct ks_snapshot *s = ks_snapshot_new();

	(void)state;
	/* a fresh snapshot records what every import records at least */
	assert_int_equal(s->recorded, KS_KINDS_LEGACY);
	assert_int_equal(ks_snapshot_add(s, "bogus", "e", ks_xstrdup("x\n"), 2), KS_EINVAL);
	assert_non_null(strstr(ks_err_msg(), "bogus"));
	assert_int_equal(s->n, 0);
	assert_int_equal(ks_snapshot_add(s, "enum", "e", ks_xstrdup("enum e {2}\n"), 11), 0);
	assert_int_equal(ks_snapshot_add(s, "func", "e", ks_xstrdup("func e {1}\n"), 11), 0);
	assert_int_equal(ks_snapshot_add(s, "func", "e", ks_xstrdup("func e {0}\n"), 11), 0);
	assert_int_equal(ks_snapshot_add(s, "struct", "e", ks_xstrdup("struct e {}\n"), 12), 0);
	ks_snapshot_finish(s);
	assert_int_equal(s->n, 4);
	/* by kind name, then name, then text: two bodies of func e */
	expect(s, 0, "enum", "e", 1, "enum e {2}\n");
	expect(s, 1, "func", "e", 1, "func e {0}\n");
	expect(s, 2, "func", "e", 2, "func e {1}\n");
	expect(s, 3, "struct", "e", 1, "struct e {}\n");
	assert_int_equal(s->count[KS_KIND_ENUM], 1);
	assert_int_equal(s->count[KS_KIND_FUNC], 2);
	assert_int_equal(s->count[KS_KIND_TYPEDEF], 0);
	assert_int_equal(s->nstructs, 1);
	assert_int_equal(s->nunions, 0);
	/* the kind is the table's own string */
	assert_ptr_equal(s->entries[0].kind, ks_kind_name(KS_KIND_ENUM));
	ks_snapshot_free(s);
	ks_snapshot_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_snapshot_finish_orders_and_dedups),
		cmocka_unit_test(test_snapshot_prefix_text_first),
		cmocka_unit_test(test_snapshot_long_shared_prefixes),
		cmocka_unit_test(test_snapshot_merge_renumbers),
		cmocka_unit_test(test_snapshot_merge_unfinished),
		cmocka_unit_test(test_snapshot_kinds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
