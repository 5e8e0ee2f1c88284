/* Unit tests for checking a snapshot tree from another store
 * (store/ks_validate.c), over an in-memory source: a tree is an array of
 * entries, a blob an id with a size and bytes, so each case is one
 * small, exact departure from what kstruct writes. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "ks_validate.h"

struct mtree {
	const char *id;
	struct ks_ventry e[4];
	size_t n;
};

struct mblob {
	const char *id;
	const char *data;
	uint64_t size;		/* 0: strlen(data) */
};

static struct mtree g_trees[16];
static size_t g_ntrees;
static struct mblob g_blobs[8];
static size_t g_nblobs;

static int mt(void *ctx, const char *id, const struct ks_ventry **e, size_t *n)
{
	size_t i;

	(void)ctx;
	for (i = 0; i < g_ntrees; i++)
		if (!strcmp(g_trees[i].id, id)) {
			*e = g_trees[i].e;
			*n = g_trees[i].n;
			return 0;
		}
	return -1;
}

static const struct mblob *find_blob(const char *id)
{
	size_t i;

	for (i = 0; i < g_nblobs; i++)
		if (!strcmp(g_blobs[i].id, id))
			return &g_blobs[i];
	return NULL;
}

static int msize(void *ctx, const char *id, uint64_t *size)
{
	const struct mblob *b = find_blob(id);

	(void)ctx;
	if (!b)
		return -1;
	*size = b->size ? b->size : strlen(b->data);
	return 0;
}

static int mblob(void *ctx, const char *id, const char **data, size_t *len)
{
	const struct mblob *b = find_blob(id);

	(void)ctx;
	if (!b)
		return -1;
	*data = b->data;
	*len = strlen(b->data);
	return 0;
}

static const struct ks_vsource g_src = { mt, msize, mblob, NULL };

#define T(name, id) { (name), 1, (id) }
#define B(name, id) { (name), 0, (id) }

static const char meta_ok[] =
	"kstruct-format 1\nrelease 6.1.0-47\narch x86_64\nflavor generic\n"
	"btf-sha256 0000000000000000000000000000000000000000000000000000000000000000\n"
	"structs 1\nunions 0\n";

/* root: meta, struct/ -> b/ -> bp/ -> bpf_mem_alloc */
static int setup(void **state)
{
	static const struct mtree trees[] = {
		{ "root", { B("meta", "m"), T("struct", "s") }, 2 },
		{ "s", { T("b", "sb") }, 1 },
		{ "sb", { T("bp", "sbp") }, 1 },
		{ "sbp", { B("bpf_mem_alloc", "text") }, 1 },
	};
	static const struct mblob blobs[] = {
		{ "m", meta_ok, 0 },
		{ "text", "struct bpf_mem_alloc {\n};\t/* size 0 */\n", 0 },
	};

	(void)state;
	memcpy(g_trees, trees, sizeof(trees));
	g_ntrees = sizeof(trees) / sizeof(trees[0]);
	memcpy(g_blobs, blobs, sizeof(blobs));
	g_nblobs = sizeof(blobs) / sizeof(blobs[0]);
	return 0;
}

static int validate(char *why, size_t n)
{
	return ks_validate_snapshot(&g_src, NULL, "root", "6.1.0-47", "x86_64", "generic", why, n);
}

static void expect_bad(const char *words)
{
	char why[256];

	assert_int_equal(validate(why, sizeof(why)), 1);
	if (!strstr(why, words))
		fail_msg("'%s' lacks '%s'", why, words);
	assert_null(strchr(why, '\n'));
}

static void test_good(void **state)
{
	char why[256];
	struct ks_vcache *c = ks_vcache_new();

	(void)state;
	assert_int_equal(validate(why, sizeof(why)), 0);
	/* with a cache, twice: the second walk is the cache's */
	assert_int_equal(ks_validate_snapshot(&g_src, c, "root", "6.1.0-47", "x86_64", "generic",
					      why, sizeof(why)), 0);
	g_trees[3].e[0].id = "gone";	/* not looked at again */
	assert_int_equal(ks_validate_snapshot(&g_src, c, "root", "6.1.0-47", "x86_64", "generic",
					      why, sizeof(why)), 0);
	ks_vcache_free(c);
}

static void test_wrong_place(void **state)
{
	(void)state;
	g_trees[3].e[0].name = "task_struct";	/* belongs in t/ta */
	expect_bad("struct/b/bp/task_struct is not where kstruct puts it");
}

static void test_bad_name(void **state)
{
	(void)state;
	g_trees[3].e[0].name = "a%2fb";	/* "a/b": not an identifier */
	expect_bad("is not a definition's name");
}

static void test_counts(void **state)
{
	(void)state;
	g_blobs[0].data = "kstruct-format 1\nrelease 6.1.0-47\narch x86_64\nflavor generic\n"
			  "btf-sha256 0000000000000000000000000000000000000000000000000000000000000000\n"
			  "structs 2\nunions 0\n";
	expect_bad("its meta counts 2 structs, its struct folder holds 1");
}

static void test_other_release(void **state)
{
	char why[256];

	(void)state;
	assert_int_equal(ks_validate_snapshot(&g_src, NULL, "root", "6.1.0-48", "x86_64", "generic",
					      why, sizeof(why)), 1);
	assert_non_null(strstr(why, "another release"));
}

static void test_shapes(void **state)
{
	(void)state;
	g_trees[0].e[1].name = "structs";	/* not a kind */
	expect_bad("not a kind's folder");
	setup(NULL);
	g_trees[2].e[0].is_tree = 0;	/* a blob where a bucket folder belongs */
	expect_bad("is not a bucket folder");
	setup(NULL);
	g_trees[3].e[0].is_tree = 1;	/* a folder where a definition belongs */
	expect_bad("is a folder where a definition belongs");
	setup(NULL);
	g_trees[0].e[0].name = "zmeta";	/* unsorted, and no meta */
	expect_bad("not a sorted git tree");
	setup(NULL);
	g_trees[0].n = 1;	/* meta alone, yet it counts a struct */
	expect_bad("no struct folder");
}

static void test_blobs(void **state)
{
	(void)state;
	g_blobs[1].size = (uint64_t)1 << 30;	/* claims 1 GiB */
	expect_bad("claims 1073741824 bytes");
	setup(NULL);
	g_nblobs = 1;	/* the text was not sent */
	expect_bad("is missing or not a file");
	setup(NULL);
	g_blobs[0].size = 100000;	/* a meta too large to read */
	expect_bad("its meta is missing or larger than");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_good, setup),
		cmocka_unit_test_setup(test_wrong_place, setup),
		cmocka_unit_test_setup(test_bad_name, setup),
		cmocka_unit_test_setup(test_counts, setup),
		cmocka_unit_test_setup(test_other_release, setup),
		cmocka_unit_test_setup(test_shapes, setup),
		cmocka_unit_test_setup(test_blobs, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
