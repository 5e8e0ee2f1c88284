/* Unit tests of history/ks_walk: a store made in code with a few
 * releases in two lineages is walked; the names, their blob ids per
 * release and lineage, and the texts (each distinct one read once) are
 * checked against what was recorded and against ks_store_history(). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <git2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ks_buf.h"
#include "ks_err.h"
#include "ks_snapshot.h"
#include "ks_store.h"
#include "ks_test_fs.h"
#include "ks_walk.h"

/* The one place a test release is made: struct point with @fields int
 * members (x, y, z), and union u { int a; } when @with_union, as the
 * canonical text btf/ would write. */
static void add_release(struct ks_store *s, const char *release, const char *arch,
			int fields, int with_union)
{
	static const char *const names[] = { "x", "y", "z" };
	const char *sums[] = { "aa" };
	struct ks_release_meta meta = { release, arch, "generic", sums, 1, NULL };
	struct ks_add_opts opts = KS_ADD_OPTS_INIT;
	struct ks_snapshot *snap = ks_snapshot_new();
	struct ks_buf b = KS_BUF_INIT;
	enum ks_add_status status;
	char hex[41], *text;
	int i;

	ks_buf_puts(&b, "struct point {\n");
	for (i = 0; i < fields; i++)
		ks_buf_printf(&b, "\tint %s;\t/* %d 4 */\n", names[i], i * 4);
	ks_buf_printf(&b, "};\t/* size %d */\n", fields * 4);
	text = ks_buf_detach(&b, NULL);
	assert_int_equal(ks_snapshot_add(snap, "struct", "point", text, strlen(text)), 0);
	if (with_union) {
		text = ks_xstrdup("union u {\n\tint a;\t/* 0 4 */\n};\t/* size 4 */\n");
		assert_int_equal(ks_snapshot_add(snap, "union", "u", text, strlen(text)), 0);
	}
	ks_snapshot_finish(snap);
	assert_int_equal(ks_store_add_release(s, &meta, snap, &opts, &status, hex), 0);
	assert_int_equal(status, KS_ADD_NEW);
	ks_snapshot_free(snap);
}

struct fixture {
	char *dir;
	struct ks_store *s;
};

static struct ks_store *new_store(struct fixture *fx)
{
	fx->dir = ks_test_mkdtemp("test_walk");
	ks_test_rm_rf(fx->dir);
	assert_int_equal(ks_store_init(fx->dir), 0);
	assert_int_equal(ks_store_open(&fx->s, fx->dir), 0);
	return fx->s;
}

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	struct ks_store *s = new_store(fx);

	/* point: 2 fields, then 3 (twice the same text); u from 6.2 on;
	 * the other arch has the first text of point, so shares its blob */
	add_release(s, "6.1", "x86_64", 2, 0);
	add_release(s, "6.2", "x86_64", 3, 1);
	add_release(s, "6.3", "x86_64", 3, 1);
	add_release(s, "6.1", "aarch64", 2, 0);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	ks_store_free(fx->s);
	ks_test_rm_rf(fx->dir);
	free(fx->dir);
	free(fx);
	return 0;
}

static void test_walk_names_and_blobs(void **state)
{
	struct fixture *fx = *state;
	struct ks_walk *w;
	struct ks_walk_name point, u, none;
	size_t pos = 0;

	assert_int_equal(ks_walk_new(&w, fx->s, KS_KINDS_ALL), 0);
	/* the regular lineage first, whatever the order of names */
	assert_int_equal(w->nlin, 2);
	assert_string_equal(w->lin[0], "unknown/x86_64/generic");
	assert_string_equal(w->lin[1], "unknown/aarch64/generic");
	assert_int_equal(w->nrel[0], 3);
	assert_string_equal(w->rel[0][0], "6.1");
	assert_string_equal(w->rel[0][2], "6.3");
	assert_int_equal(w->nrel[1], 1);

	/* structs, then unions; nothing else */
	assert_true(ks_walk_next(w, &pos, &point));
	assert_true(ks_walk_next(w, &pos, &u));
	assert_false(ks_walk_next(w, &pos, &none));
	assert_false(ks_walk_next(w, &pos, &none));
	assert_string_equal(point.kind, "struct");
	assert_string_equal(point.name, "point");
	assert_string_equal(u.kind, "union");
	assert_string_equal(u.name, "u");

	/* by lineage, then release */
	assert_int_equal(point.nocc, 4);
	assert_int_equal(point.occ[0].lin, 0);
	assert_int_equal(point.occ[0].rel, 0);
	assert_int_equal(point.occ[2].rel, 2);
	assert_int_equal(point.occ[3].lin, 1);
	assert_int_equal(point.occ[3].rel, 0);
	assert_string_not_equal(point.occ[0].blob, point.occ[1].blob);
	assert_string_equal(point.occ[1].blob, point.occ[2].blob);
	assert_string_equal(point.occ[0].blob, point.occ[3].blob);
	assert_int_equal(u.nocc, 2);
	assert_int_equal(u.occ[0].rel, 1);
	assert_int_equal(u.occ[1].rel, 2);

	/* three distinct texts, none read yet */
	assert_int_equal(w->texts, 3);
	assert_int_equal(w->reads, 0);
	ks_walk_free(w);
}

static void test_walk_texts_read_once(void **state)
{
	struct fixture *fx = *state;
	struct ks_walk *w;
	struct ks_walk_name point, u;
	struct ks_history *h, *ref, *other;
	const char *text, *again;
	size_t pos = 0, len, i;

	assert_int_equal(ks_walk_new(&w, fx->s, KS_KINDS_ALL), 0);
	assert_true(ks_walk_next(w, &pos, &point));
	assert_true(ks_walk_next(w, &pos, &u));

	/* the history is the one ks_store_history() finds */
	assert_int_equal(ks_walk_history(w, &point, 0, &h), 0);
	assert_int_equal(ks_store_history(fx->s, "unknown/x86_64/generic", "point", &ref), 0);
	assert_int_equal(h->n, ref->n);
	assert_string_equal(h->lineage, "unknown/x86_64/generic");
	assert_string_equal(h->name, "point");
	for (i = 0; i < h->n; i++) {
		assert_string_equal(h->e[i].release, ref->e[i].release);
		assert_int_equal(h->e[i].present, ref->e[i].present);
		assert_string_equal(h->e[i].blob, ref->e[i].blob);
		assert_int_equal(h->e[i].same_as_prev, ref->e[i].same_as_prev);
		assert_int_equal(!h->e[i].text, !ref->e[i].text);
		if (h->e[i].text) {
			assert_int_equal(h->e[i].len, ref->e[i].len);
			assert_memory_equal(h->e[i].text, ref->e[i].text, h->e[i].len);
		}
	}
	assert_true(h->e[2].same_as_prev);
	assert_non_null(strstr(h->e[1].text, "z;"));
	assert_int_equal(w->reads, 2);

	/* the other arch's text is the 6.1 one: not read again */
	assert_int_equal(ks_walk_history(w, &point, 1, &other), 0);
	assert_int_equal(other->n, 1);
	assert_string_equal(other->e[0].text, h->e[0].text);
	assert_int_equal(w->reads, 2);

	/* absent from a lineage: no history */
	ks_history_free(other);
	assert_int_equal(ks_walk_history(w, &u, 1, &other), 0);
	assert_null(other);
	assert_int_equal(ks_walk_history(w, &u, 0, &other), 0);
	assert_false(other->e[0].present);
	assert_true(other->e[1].present);
	assert_non_null(strstr(other->e[1].text, "union u"));
	assert_int_equal(w->reads, 3);
	ks_history_free(other);

	/* direct reads hit the cache; unknown ids are refused */
	assert_int_equal(ks_walk_read_text(w, point.occ[0].blob, &text, &len), 0);
	assert_int_equal(ks_walk_read_text(w, point.occ[3].blob, &again, &len), 0);
	assert_ptr_equal(text, again);
	assert_int_equal(w->reads, 3);
	assert_int_equal(ks_walk_read_text(w, "0123456789012345678901234567890123456789",
					   &text, &len), KS_ENOTFOUND);

	ks_history_free(h);
	ks_history_free(ref);
	ks_walk_free(w);
}

static void test_walk_without_regular_lineage(void **state)
{
	struct fixture fx = { 0 };
	struct ks_walk *w = (struct ks_walk *)1;

	(void)state;
	new_store(&fx);
	assert_int_equal(ks_walk_new(&w, fx.s, KS_KINDS_ALL), KS_ENOTFOUND);
	assert_null(w);
	assert_non_null(strstr(ks_err_msg(), "regular lineage"));
	/* a release of another lineage only: that one is the regular one,
	 * unless the store names another */
	add_release(fx.s, "6.1", "aarch64", 2, 0);
	assert_string_equal(ks_store_default_lineage(fx.s), "unknown/aarch64/generic");
	assert_int_equal(ks_store_set_default_lineage(fx.s, "unknown/x86_64/generic"), 0);
	assert_int_equal(ks_walk_new(&w, fx.s, KS_KINDS_ALL), KS_ENOTFOUND);
	ks_store_free(fx.s);
	ks_test_rm_rf(fx.dir);
	free(fx.dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_walk_names_and_blobs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_walk_texts_read_once, setup, teardown),
		cmocka_unit_test(test_walk_without_regular_lineage),
	};
	int rc;

	git_libgit2_init();	/* what the store expects of its user */
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	git_libgit2_shutdown();
	return rc;
}
