/* Unit tests of history/: log steps, blame (of a type and of a field
 * path), the status matrix and duplicate definitions (NAME~N). The group
 * setup builds one temporary store whose snapshots are canonical texts
 * written below; every test reads it.
 *
 * x86_64/generic, the regular lineage (- absent):
 *
 *   release        alpha  beta  inner  outer  dup
 *   6.1.0-1-amd64  -      B1    I1     O      -
 *   6.1.0-2-amd64  A1     B1    I1     O      -
 *   6.2.0-1-amd64  A1     B2    I1     O      -
 *   6.2.0-3-amd64  A1     B2    I1     O      -
 *   6.3.0-1-amd64  A2     B2    I2     O      -
 *   6.4.0-1-amd64  -      B2    I2     O      -
 *   6.5.0-1-amd64  A2     B2    I3     O      -
 *   6.6.0-1-amd64  -      B2    I3     O      D2
 *   6.7.0-1-amd64  A3     B2    I3     O      D1 D2 (two bodies)
 *
 * x86_64/rt: 6.1.0-2-rt-amd64 A1 (and rtonly), 6.2.0-9-rt-amd64 A2,
 * 6.4.0-1-rt-amd64 A1, 6.5.0-1-rt-amd64 -, 9.9.0-1-rt-amd64 A1.
 * aarch64/generic: 6.1.0-2-arm64 and 6.3.0-1-arm64, neither has alpha.
 * Every release also has struct anchor. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <git2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ks_blame.h"
#include "ks_buf.h"
#include "ks_snapshot.h"
#include "ks_defs.h"
#include "ks_distro.h"
#include "ks_err.h"
#include "ks_log.h"
#include "ks_matrix.h"
#include "ks_store.h"
#include "ks_test_fs.h"
#include "ks_variants.h"

#define GEN "unknown/x86_64/generic"
#define RT "unknown/x86_64/rt"
#define ARM "unknown/aarch64/generic"

static const char A1[] = "struct alpha {\n\tint a;\t/* 0 4 */\n\tint b;\t/* 4 4 */\n"
			 "};\t/* size 8 */\n";
static const char A2[] = "struct alpha {\n\tlong int a;\t/* 0 8 */\n\tlong int c;\t/* 8 8 */\n"
			 "};\t/* size 16 */\n";
static const char A3[] = "struct alpha {\n\tint a;\t/* 0 4 */\n};\t/* size 4 */\n";
static const char B1[] = "struct beta {\n\tint a;\t/* 0 4 */\n\tint b;\t/* 4 4 */\n"
			 "};\t/* size 8 */\n";
static const char B2[] = "struct beta {\n\tlong int a;\t/* 0 8 */\n\tint b;\t/* 8 4 */\n"
			 "};\t/* size 16 */\n";
static const char I1[] = "struct inner {\n\tint count;\t/* 0 4 */\n\tint flags;\t/* 4 4 */\n"
			 "};\t/* size 8 */\n";
static const char I2[] = "struct inner {\n\tint count;\t/* 0 4 */\n\tint pad;\t/* 4 4 */\n"
			 "\tint flags;\t/* 8 4 */\n};\t/* size 12 */\n";
static const char I3[] = "struct inner {\n\tint count;\t/* 0 4 */\n\tint pad;\t/* 4 4 */\n"
			 "\tlong int flags;\t/* 8 8 */\n};\t/* size 16 */\n";
static const char O[] = "struct outer {\n\tint id;\t/* 0 4 */\n\tstruct inner in;\t/* 4 8 */\n"
			"};\t/* size 12 */\n";
static const char D1[] = "struct dup {\n\tint a;\t/* 0 4 */\n};\t/* size 4 */\n";
static const char D2[] = "struct dup {\n\tlong int a;\t/* 0 8 */\n};\t/* size 8 */\n";
static const char RTONLY[] = "struct rtonly {\n\tint r;\t/* 0 4 */\n};\t/* size 4 */\n";
static const char ANCHOR[] = "struct anchor {\n\tint x;\t/* 0 4 */\n};\t/* size 4 */\n";

/* Release indices of x86_64/generic. */
enum { R610_1, R610_2, R620_1, R620_3, R630, R640, R650, R660, R670, NGEN };

struct ty {
	const char *name;
	const char *text;
};

struct rel {
	const char *lineage;
	const char *release;
	struct ty types[6];	/* up to a NULL name */
};

static const struct rel store_content[] = {
	{ GEN, "6.1.0-1-amd64", { { "beta", B1 }, { "inner", I1 }, { "outer", O } } },
	{ GEN, "6.1.0-2-amd64", { { "alpha", A1 }, { "beta", B1 }, { "inner", I1 }, { "outer", O } } },
	{ GEN, "6.2.0-1-amd64", { { "alpha", A1 }, { "beta", B2 }, { "inner", I1 }, { "outer", O } } },
	{ GEN, "6.2.0-3-amd64", { { "alpha", A1 }, { "beta", B2 }, { "inner", I1 }, { "outer", O } } },
	{ GEN, "6.3.0-1-amd64", { { "alpha", A2 }, { "beta", B2 }, { "inner", I2 }, { "outer", O } } },
	{ GEN, "6.4.0-1-amd64", { { "beta", B2 }, { "inner", I2 }, { "outer", O } } },
	{ GEN, "6.5.0-1-amd64", { { "alpha", A2 }, { "beta", B2 }, { "inner", I3 }, { "outer", O } } },
	{ GEN, "6.6.0-1-amd64", { { "beta", B2 }, { "inner", I3 }, { "outer", O }, { "dup", D2 } } },
	{ GEN, "6.7.0-1-amd64", { { "alpha", A3 }, { "beta", B2 }, { "inner", I3 }, { "outer", O },
				  { "dup", D2 }, { "dup", D1 } } },
	{ RT, "6.1.0-2-rt-amd64", { { "alpha", A1 }, { "rtonly", RTONLY } } },
	{ RT, "6.2.0-9-rt-amd64", { { "alpha", A2 } } },
	{ RT, "6.4.0-1-rt-amd64", { { "alpha", A1 } } },
	{ RT, "6.5.0-1-rt-amd64", { { NULL, NULL } } },
	{ RT, "9.9.0-1-rt-amd64", { { "alpha", A1 } } },
	{ ARM, "6.1.0-2-arm64", { { NULL, NULL } } },
	{ ARM, "6.3.0-1-arm64", { { NULL, NULL } } },
};

struct fixture {
	char *tmp;
	char *dir;		/* the store, inside tmp */
	struct ks_store *store;
};

/* Records one release whose types are the canonical texts in @r (and
 * struct anchor). The only place that knows how a snapshot is made. */
static void add_release(struct ks_store *s, const struct rel *r)
{
	struct ks_snapshot *snap = ks_snapshot_new();
	const char *sums[] = { "00" };
	char *distro = ks_xstrndup(r->lineage, strcspn(r->lineage, "/"));
	char *arch = ks_xstrdup(strchr(r->lineage, '/') + 1), *flavor = strchr(arch, '/');
	struct ks_release_meta meta = { r->release, arch, flavor + 1, sums, 1, distro };
	struct ks_add_opts opts = KS_ADD_OPTS_INIT;
	enum ks_add_status status;
	char hex[41];
	size_t i, n;

	*flavor = '\0';
	for (n = 0; n < 6 && r->types[n].name; n++)
		;
	for (i = 0; i <= n; i++) {
		const char *name = i < n ? r->types[i].name : "anchor";
		const char *text = i < n ? r->types[i].text : ANCHOR;

		assert_int_equal(ks_snapshot_add(snap, "struct", name, ks_xstrdup(text),
						 strlen(text)), 0);
	}
	ks_snapshot_finish(snap);
	if (ks_store_add_release(s, &meta, snap, &opts, &status, hex))
		fail_msg("adding %s: %s", r->release, ks_err_msg());
	ks_snapshot_free(snap);
	free(arch);
	free(distro);
}

static int setup(void **state)
{
	struct fixture *f = ks_xcalloc(1, sizeof(*f));
	size_t i;

	*state = f;
	f->tmp = ks_test_mkdtemp("test_history");
	f->dir = ks_xasprintf("%s/store", f->tmp);
	if (ks_store_init(f->dir) || ks_store_open(&f->store, f->dir))
		return -1;
	for (i = 0; i < sizeof(store_content) / sizeof(store_content[0]); i++)
		add_release(f->store, &store_content[i]);
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	ks_store_free(f->store);
	ks_test_rm_rf(f->tmp);
	free(f->tmp);
	free(f->dir);
	free(f);
	return 0;
}

static struct ks_store *store_of(void **state)
{
	return ((struct fixture *)*state)->store;
}

static const struct ks_change *find_change(const struct ks_diff *d, enum ks_change_kind kind,
					   const char *field)
{
	size_t i;

	for (i = 0; i < d->n; i++)
		if (d->changes[i].kind == kind &&
		    (!field || (d->changes[i].field && !strcmp(d->changes[i].field, field))))
			return &d->changes[i];
	return NULL;
}

/* ---- log ---- */

static void test_log_steps(void **state)
{
	struct ks_log *log;
	const struct ks_log_step *s;
	const struct ks_change *c;

	assert_int_equal(ks_log_build(store_of(state), GEN, "alpha", NULL, NULL, 0, &log), 0);
	assert_int_equal(log->h->n, NGEN);
	s = log->steps;

	assert_int_equal(s[R610_1].st, KS_LOG_ABSENT);
	assert_int_equal(s[R610_1].from, -1);

	assert_int_equal(s[R610_2].st, KS_LOG_ADDED);
	assert_int_equal(s[R610_2].from, -1);
	assert_null(s[R610_2].diff);
	assert_int_equal(s[R610_2].def->n, 2);
	assert_int_equal(s[R610_2].def->size, 8);

	/* an unchanged run: each compared with the one before */
	assert_int_equal(s[R620_1].st, KS_LOG_UNCHANGED);
	assert_int_equal(s[R620_1].from, R610_2);
	assert_int_equal(s[R620_3].st, KS_LOG_UNCHANGED);
	assert_int_equal(s[R620_3].from, R620_1);
	assert_null(s[R620_3].def);

	/* a field retyped, one removed, one added */
	assert_int_equal(s[R630].st, KS_LOG_CHANGED);
	assert_int_equal(s[R630].from, R620_3);
	assert_non_null(s[R630].diff);
	assert_int_equal(s[R630].diff->ndecl, 3);
	c = find_change(s[R630].diff, KS_FIELD_TYPE_CHANGED, "a");
	assert_non_null(c);
	assert_string_equal(c->old_decl, "int a");
	assert_string_equal(c->new_decl, "long int a");
	c = find_change(s[R630].diff, KS_FIELD_ADDED, "c");
	assert_non_null(c);
	assert_string_equal(c->new_decl, "long int c");
	c = find_change(s[R630].diff, KS_FIELD_REMOVED, "b");
	assert_non_null(c);
	assert_string_equal(c->old_decl, "int b");
	c = find_change(s[R630].diff, KS_SIZE_CHANGED, NULL);
	assert_non_null(c);
	assert_int_equal(c->old_value, 8);
	assert_int_equal(c->new_value, 16);

	assert_int_equal(s[R640].st, KS_LOG_REMOVED);
	assert_int_equal(s[R640].from, R630);

	/* back after a gap exactly as it was */
	assert_int_equal(s[R650].st, KS_LOG_ADDED);
	assert_int_equal(s[R650].from, R630);
	assert_true(s[R650].identical);
	assert_non_null(s[R650].diff);
	assert_int_equal(s[R650].diff->n, 0);

	assert_int_equal(s[R660].st, KS_LOG_REMOVED);
	assert_int_equal(s[R660].from, R650);

	/* back after a gap, different: compared with the last definition */
	assert_int_equal(s[R670].st, KS_LOG_ADDED);
	assert_int_equal(s[R670].from, R650);
	assert_false(s[R670].identical);
	assert_non_null(find_change(s[R670].diff, KS_FIELD_TYPE_CHANGED, "a"));
	assert_non_null(find_change(s[R670].diff, KS_FIELD_REMOVED, "c"));
	assert_int_equal(s[R670].diff->ndecl, 2);

	assert_string_equal(ks_log_status_name(KS_LOG_UNCHANGED), "unchanged");
	assert_string_equal(ks_log_status_name(KS_LOG_ABSENT), "absent");
	ks_log_free(log);
}

static void test_log_text_of_unchanged_release(void **state)
{
	struct ks_log *log;
	const char *text;
	size_t len = 0;

	assert_int_equal(ks_log_build(store_of(state), GEN, "alpha", NULL, NULL, 0, &log), 0);
	/* an unchanged release's text is the one loaded before it */
	assert_null(log->h->e[R620_3].text);
	text = ks_log_text(log->h, R620_3, &len);
	assert_int_equal(len, strlen(A1));
	assert_memory_equal(text, A1, len);
	text = ks_log_text(log->h, R630, &len);
	assert_int_equal(len, strlen(A2));
	assert_memory_equal(text, A2, len);
	ks_log_free(log);
}

static void test_log_since_until(void **state)
{
	struct ks_store *s = store_of(state);
	struct ks_log *log = NULL;
	size_t i;

	assert_int_equal(ks_log_build(s, GEN, "alpha", "6.2.0-1-amd64", "6.5.0-1-amd64", 0, &log), 0);
	assert_non_null(log);
	ks_log_free(log);
	log = NULL;

	/* an unknown release is an error that offers close names */
	assert_int_equal(ks_log_build(s, GEN, "alpha", "6.2.0-2-amd64", NULL, 0, &log),
			 KS_ENOTFOUND);
	assert_null(log);
	assert_non_null(strstr(ks_err_msg(), "no release 6.2.0-2-amd64 in lineage " GEN));
	assert_non_null(strstr(ks_err_msg(), "did you mean"));
	assert_non_null(strstr(ks_err_msg(), "6.2.0-1-amd64"));
	assert_int_equal(ks_log_build(s, GEN, "alpha", NULL, "zzzzzzzzzzzzzzzzzzzz", 0, &log),
			 KS_ENOTFOUND);
	assert_null(log);
	assert_non_null(strstr(ks_err_msg(), "see 'kstruct releases --lineage " GEN "'"));
	/* the name is looked up first */
	assert_int_equal(ks_log_build(s, GEN, "nosuch", "6.2.0-2-amd64", NULL, 0, &log),
			 KS_ENOTFOUND);
	assert_null(strstr(ks_err_msg(), "no release"));

	assert_int_equal(ks_log_build(s, GEN, "alpha", "6.2.0-1-amd64", "6.2.0-1-amd64", 0, &log), 0);
	assert_true(ks_log_in_window(log, R620_1));
	assert_false(ks_log_in_window(log, R610_2));
	assert_false(ks_log_in_window(log, R620_3));
	ks_log_free(log);
	/* since after until: nothing */
	assert_int_equal(ks_log_build(s, GEN, "alpha", "6.3.0-1-amd64", "6.2.0-1-amd64", 0, &log), 0);
	for (i = 0; i < log->h->n; i++)
		assert_false(ks_log_in_window(log, i));
	ks_log_free(log);
	assert_int_equal(ks_log_build(s, GEN, "alpha", NULL, NULL, 0, &log), 0);
	for (i = 0; i < log->h->n; i++)
		assert_true(ks_log_in_window(log, i));
	ks_log_free(log);
}

/* The window follows the lineage's order, its distro's: upstream's
 * 6.8.0-rc3 comes before 6.8.0, which natural order puts first. */
static void test_log_window_distro_order(void **state)
{
	static const struct rel rels[] = {
		{ "upstream/x86_64/generic", "6.8.1", { { "alpha", A2 } } },
		{ "upstream/x86_64/generic", "6.8.0-rc3", { { "alpha", A1 } } },
		{ "upstream/x86_64/generic", "6.8.0", { { "alpha", A2 } } },
		{ "upstream/x86_64/generic", "6.8.0-rc1", { { "alpha", A1 } } },
	};
	char *tmp = ks_test_mkdtemp("test_history_window"), *dir = ks_xasprintf("%s/s", tmp);
	struct ks_store *s;
	struct ks_log *log;
	size_t i;

	(void)state;
	assert_int_equal(ks_store_init(dir), 0);
	assert_int_equal(ks_store_open(&s, dir), 0);
	for (i = 0; i < 4; i++)
		add_release(s, &rels[i]);
	assert_int_equal(ks_log_build(s, "upstream/x86_64/generic", "alpha", "6.8.0-rc3", "6.8.0",
				      0, &log), 0);
	assert_string_equal(log->h->e[1].release, "6.8.0-rc3");
	assert_string_equal(log->h->e[2].release, "6.8.0");
	assert_false(ks_log_in_window(log, 0));
	assert_true(ks_log_in_window(log, 1));
	assert_true(ks_log_in_window(log, 2));
	assert_false(ks_log_in_window(log, 3));
	/* the change from rc3 to 6.8.0 is inside it */
	assert_int_equal(log->steps[2].st, KS_LOG_CHANGED);
	ks_log_free(log);
	ks_store_free(s);
	ks_test_rm_rf(tmp);
	free(tmp);
	free(dir);
}

/* ---- blame ---- */

static void test_blame_type(void **state)
{
	struct ks_blame *b;
	const struct ks_history *h;

	assert_int_equal(ks_blame_type(store_of(state), GEN, "beta", 0, &b), 0);
	h = b->d.h;
	assert_int_equal(b->newest, R670);
	assert_int_equal(b->n, 2);
	/* a: retyped in 6.2.0-1, the name is older */
	assert_string_equal(b->members[0].m->decl, "long int a");
	assert_int_equal(b->members[0].since, R620_1);
	assert_int_equal(b->members[0].first, R610_1);
	assert_string_equal(h->e[b->members[0].since].release, "6.2.0-1-amd64");
	/* b: moved, but its declaration held all along */
	assert_string_equal(b->members[1].m->decl, "int b");
	assert_int_equal(b->members[1].since, R610_1);
	assert_int_equal(b->members[1].first, R610_1);
	ks_blame_free(b);

	/* the newest definition is the newest that defines it, not the newest release */
	assert_int_equal(ks_blame_type(store_of(state), RT, "rtonly", 0, &b), 0);
	assert_int_equal(b->newest, 0);
	assert_int_equal(b->members[0].since, 0);
	ks_blame_free(b);

	b = NULL;
	assert_int_equal(ks_blame_type(store_of(state), GEN, "nosuch", 0, &b), KS_ENOTFOUND);
	assert_null(b);
}

static void test_blame_field_through_embedded(void **state)
{
	struct ks_blame_story *st;
	const struct ks_blame_event *e;

	assert_int_equal(ks_blame_field(store_of(state), GEN, "outer.in.flags", 0, &st), 0);
	assert_string_equal(st->name, "outer");
	assert_string_equal(st->field, "in.flags");
	assert_int_equal(st->nevents, 3);
	e = st->events;
	/* offsets from the start of outer: in at byte 4, flags inside it */
	assert_int_equal(e[0].what, KS_BLAME_ADDED);
	assert_int_equal(e[0].release, R610_1);
	assert_string_equal(e[0].decl, "int flags");
	assert_int_equal(e[0].offset, 64);
	assert_int_equal(e[1].what, KS_BLAME_MOVED);
	assert_int_equal(e[1].release, R630);
	assert_int_equal(e[1].offset, 96);
	assert_int_equal(e[2].what, KS_BLAME_TYPE_CHANGED);
	assert_int_equal(e[2].release, R650);
	assert_string_equal(e[2].decl, "long int flags");
	assert_string_equal(st->decl, "long int flags");
	assert_int_equal(st->introduced, R650);
	assert_int_equal(st->last, R670);
	assert_true(st->present);
	assert_string_equal(ks_blame_event_name(e[2].what), "type_changed");
	ks_blame_story_free(st);
}

static void test_blame_field_removed_and_readded(void **state)
{
	static const enum ks_blame_event_kind want[] = {
		KS_BLAME_ADDED, KS_BLAME_TYPE_CHANGED, KS_BLAME_REMOVED, KS_BLAME_READDED,
		KS_BLAME_REMOVED, KS_BLAME_READDED,
	};
	static const int at[] = { R610_2, R630, R640, R650, R660, R670 };
	struct ks_blame_story *st;
	size_t i;

	assert_int_equal(ks_blame_field(store_of(state), GEN, "alpha.a", 0, &st), 0);
	assert_int_equal(st->nevents, 6);
	for (i = 0; i < 6; i++) {
		assert_int_equal(st->events[i].what, want[i]);
		assert_int_equal(st->events[i].release, at[i]);
	}
	/* a removal tells what was removed */
	assert_string_equal(st->events[2].decl, "long int a");
	assert_string_equal(st->decl, "int a");
	assert_int_equal(st->introduced, R670);
	ks_blame_story_free(st);

	/* gone for good: last seen before the newest release */
	assert_int_equal(ks_blame_field(store_of(state), GEN, "alpha.b", 0, &st), 0);
	assert_int_equal(st->nevents, 2);
	assert_int_equal(st->events[1].what, KS_BLAME_REMOVED);
	assert_int_equal(st->events[1].release, R630);
	assert_string_equal(st->events[1].decl, "int b");
	assert_int_equal(st->events[1].offset, 32);
	assert_int_equal(st->last, R620_3);
	assert_int_equal(st->introduced, R610_2);
	assert_false(st->present);
	ks_blame_story_free(st);
}

static void test_blame_field_missing(void **state)
{
	struct ks_store *s = store_of(state);
	struct ks_blame_story *st = NULL;

	assert_int_equal(ks_blame_field(s, GEN, "outer.in.flag", 0, &st), KS_ENOTFOUND);
	assert_null(st);
	assert_non_null(strstr(ks_err_msg(), "outer has no field in.flag in any release of " GEN));
	assert_non_null(strstr(ks_err_msg(), "did you mean flags?"));

	assert_int_equal(ks_blame_field(s, GEN, "outer.id.x", 0, &st), KS_ENOTFOUND);
	assert_non_null(strstr(ks_err_msg(), "cannot follow outer.id: 'int id' is not an "
			       "embedded struct or union"));

	assert_int_equal(ks_blame_field(s, GEN, "nosuch.x", 0, &st), KS_ENOTFOUND);
	assert_int_equal(ks_blame_field(s, GEN, "outer", 0, &st), KS_EINVAL);
	assert_int_equal(ks_blame_field(s, GEN, "outer..in", 0, &st), KS_EINVAL);
	assert_int_equal(ks_blame_field(s, GEN, ".outer", 0, &st), KS_EINVAL);
	assert_null(st);
}

/* ---- matrix ---- */

static void test_matrix_against_regular(void **state)
{
	struct ks_matrix *m;
	const struct ks_matrix_lineage *rt, *arm;
	const struct ks_matrix_row *r;
	size_t k;

	assert_int_equal(ks_matrix_build(store_of(state), "alpha", &m), 0);
	assert_string_equal(m->name, "alpha");
	assert_string_equal(m->kind, "struct");
	assert_int_equal(m->n, 3);
	assert_ptr_equal(m->regular, &m->lin[0]);
	assert_string_equal(m->regular->lineage, GEN);
	assert_int_equal(m->regular->nrel, NGEN);
	assert_null(ks_matrix_def(m->regular, R610_1));
	assert_non_null(ks_matrix_def(m->regular, R610_2));
	arm = &m->lin[1];
	rt = &m->lin[2];
	assert_string_equal(arm->lineage, ARM);
	assert_string_equal(rt->lineage, RT);

	/* one row per release, in order */
	assert_int_equal(rt->nrel, 5);
	assert_int_equal(rt->nrows, 5);
	assert_ptr_equal(rt->against, m->regular);
	assert_int_equal(rt->basis, KS_MATRIX_BUILD);
	assert_ptr_equal(arm->against, m->regular);
	r = rt->rows;
	/* same ABI version */
	assert_int_equal(r[0].idx, 0);
	assert_int_equal(r[0].ref, R610_2);
	assert_int_equal(r[0].status, KS_MATRIX_SAME);
	assert_null(r[0].diff);
	/* no 6.2.0-9 in the regular lineage: the newest 6.2.0 */
	assert_int_equal(r[1].idx, 1);
	assert_int_equal(r[1].ref, R620_3);
	assert_int_equal(r[1].status, KS_MATRIX_DIFFERS);
	assert_false(r[1].only_here);
	assert_non_null(r[1].diff);
	assert_non_null(find_change(r[1].diff, KS_FIELD_ADDED, "c"));
	/* here, absent in the regular release */
	assert_int_equal(r[2].ref, R640);
	assert_int_equal(r[2].status, KS_MATRIX_DIFFERS);
	assert_true(r[2].only_here);
	assert_null(r[2].diff);
	assert_int_equal(r[3].ref, R650);
	assert_int_equal(r[3].status, KS_MATRIX_ABSENT);
	/* no regular release of its version: present, compared with none */
	assert_int_equal(r[4].idx, 4);
	assert_int_equal(r[4].ref, -1);
	assert_int_equal(r[4].status, KS_MATRIX_PRESENT);
	assert_null(r[4].diff);

	/* a lineage that never defines it still lists its releases */
	assert_null(arm->d.h);
	assert_int_equal(arm->nrel, 2);
	assert_int_equal(arm->nrows, 2);
	for (k = 0; k < arm->nrows; k++)
		assert_int_equal(arm->rows[k].status, KS_MATRIX_ABSENT);
	assert_int_equal(arm->rows[1].ref, R630);

	assert_string_equal(ks_matrix_status_name(KS_MATRIX_DIFFERS), "differs");
	assert_string_equal(ks_matrix_status_name(KS_MATRIX_SAME), "same");
	assert_string_equal(ks_matrix_status_name(KS_MATRIX_PRESENT), "present");
	assert_string_equal(ks_matrix_basis_name(KS_MATRIX_UPSTREAM), "upstream");
	ks_matrix_free(m);
}

static int counterpart(const struct ks_matrix_lineage *reg, const char *rel)
{
	char *up = ks_distro_upstream(NULL, rel);
	int k = ks_matrix_counterpart(reg, KS_MATRIX_BUILD, rel, up);

	free(up);
	return k;
}

static void test_matrix_counterpart(void **state)
{
	struct ks_matrix *m;
	const struct ks_matrix_lineage *reg;

	assert_int_equal(ks_matrix_build(store_of(state), "beta", &m), 0);
	reg = m->regular;
	assert_int_equal(counterpart(reg, "6.1.0-2-cloud-amd64"), R610_2);
	assert_int_equal(counterpart(reg, "6.1.0-1-rt-arm64"), R610_1);
	assert_int_equal(counterpart(reg, "6.2.0-7-cloud-amd64"), R620_3);
	assert_int_equal(counterpart(reg, "6.1.0+deb-arm64"), R610_2);
	assert_int_equal(counterpart(reg, "8.0.0-1-amd64"), -1);
	ks_matrix_free(m);
}

static void test_matrix_only_in_another_lineage(void **state)
{
	struct ks_matrix *m = NULL;

	assert_int_equal(ks_matrix_build(store_of(state), "rtonly", &m), 0);
	assert_string_equal(m->name, "rtonly");
	assert_null(m->regular->d.h);
	assert_int_equal(m->regular->nrel, NGEN);
	assert_int_equal(m->lin[2].rows[0].status, KS_MATRIX_DIFFERS);
	assert_true(m->lin[2].rows[0].only_here);
	ks_matrix_free(m);

	m = NULL;
	assert_int_equal(ks_matrix_build(store_of(state), "nosuch", &m), KS_ENOTFOUND);
	assert_null(m);
}

/* Distros as lineages: other arches of the regular distro are compared
 * build by build; other distros by upstream version, with upstream's
 * lineage of their arch, else with the regular one of their arch. */
static const char X1[] = "struct task {\n\tint pid;\t/* 0 4 */\n};\t/* size 4 */\n";
static const char X2[] = "struct task {\n\tint pid;\t/* 0 4 */\n\tint tgid;\t/* 4 4 */\n"
	"};\t/* size 8 */\n";
static const char X3[] = "struct task {\n\tint pid;\t/* 0 4 */\n\tvoid *kysec_fop;\t/* 8 8 */\n"
	"};\t/* size 16 */\n";

#define DEB "debian/x86_64/generic"
#define UPA "upstream/aarch64/generic"
#define KY "kylin/aarch64/generic"

static const struct rel distro_content[] = {
	{ DEB, "6.1.0-47-amd64", { { "task", X1 } } },
	{ DEB, "6.12.117+deb13-amd64", { { "task", X2 } } },
	{ DEB, "6.12.120+deb13-amd64", { { "task", X2 } } },
	{ "debian/aarch64/generic", "6.12.117+deb13-arm64", { { "task", X2 } } },
	{ UPA, "4.19.90", { { "task", X1 } } },
	{ UPA, "4.19.100", { { "task", X2 } } },
	{ KY, "4.19.90-24.4.v2101.ky10.aarch64", { { "task", X3 } } },
	{ KY, "4.19.90-52.22.v2207.ky10.aarch64", { { "task", X1 } } },
	{ "rhel/aarch64/generic", "4.18.0-147.5.1.el8_1.aarch64", { { "task", X1 } } },
	{ "bclinux/x86_64/generic", "4.19.90-2107.6.0.0248.35.oe1.bclinux.x86_64",
	  { { "task", X1 } } },
	{ "bclinux/x86_64/generic", "6.12.117-1.oe2403.bclinux.x86_64", { { NULL, NULL } } },
	{ "fedora/riscv64/generic", "6.12.117-300.fc41.riscv64", { { "task", X2 } } },
};

static const struct ks_matrix_lineage *lineage_in(const struct ks_matrix *m, const char *lin)
{
	size_t i;

	for (i = 0; i < m->n; i++)
		if (!strcmp(m->lin[i].lineage, lin))
			return &m->lin[i];
	fail_msg("no lineage %s in the matrix", lin);
	return NULL;
}

static void test_matrix_distros(void **state)
{
	char *tmp = ks_test_mkdtemp("test_history_distros"), *dir = ks_xasprintf("%s/s", tmp);
	const struct ks_matrix_lineage *l;
	struct ks_store *s;
	struct ks_matrix *m;
	size_t i;

	(void)state;
	assert_int_equal(ks_store_init(dir), 0);
	assert_int_equal(ks_store_open(&s, dir), 0);
	for (i = 0; i < sizeof(distro_content) / sizeof(distro_content[0]); i++)
		add_release(s, &distro_content[i]);
	/* two x86_64/generic lineages, neither upstream: the one with more releases */
	assert_string_equal(ks_store_default_lineage(s), DEB);
	assert_int_equal(ks_matrix_build(s, "task", &m), 0);
	assert_string_equal(m->regular->lineage, DEB);
	assert_string_equal(m->regular->upstream[0], "6.1.0");
	assert_string_equal(m->regular->upstream[1], "6.12.117");

	/* another arch of the regular distro: the same build */
	l = lineage_in(m, "debian/aarch64/generic");
	assert_int_equal(l->basis, KS_MATRIX_BUILD);
	assert_int_equal(l->rows[0].ref, 1);
	assert_int_equal(l->rows[0].status, KS_MATRIX_SAME);

	/* Kylin against upstream's aarch64 lineage, at 4.19.90, not 4.19.100 */
	l = lineage_in(m, KY);
	assert_string_equal(l->distro, "kylin");
	assert_string_equal(l->arch, "aarch64");
	assert_int_equal(l->basis, KS_MATRIX_UPSTREAM);
	assert_string_equal(l->against->lineage, UPA);
	assert_string_equal(l->upstream[0], "4.19.90");
	assert_int_equal(l->nrows, 2);
	assert_string_equal(l->against->rel[l->rows[0].ref], "4.19.90");
	assert_int_equal(l->rows[0].status, KS_MATRIX_DIFFERS);
	assert_non_null(find_change(l->rows[0].diff, KS_FIELD_ADDED, "kysec_fop"));
	assert_string_equal(l->against->rel[l->rows[1].ref], "4.19.90");
	assert_int_equal(l->rows[1].status, KS_MATRIX_SAME);

	/* RHEL's 4.18 has no upstream 4.18 here: present, compared with none */
	l = lineage_in(m, "rhel/aarch64/generic");
	assert_ptr_equal(l->against, lineage_in(m, UPA));
	assert_int_equal(l->rows[0].ref, -1);
	assert_int_equal(l->rows[0].status, KS_MATRIX_PRESENT);

	/* no upstream x86_64 lineage: BC-Linux against the regular one of its
	 * arch, by upstream version only (6.12.117, not Debian's 6.1.0-47) */
	l = lineage_in(m, "bclinux/x86_64/generic");
	assert_ptr_equal(l->against, m->regular);
	assert_int_equal(l->basis, KS_MATRIX_UPSTREAM);
	assert_int_equal(l->rows[0].ref, -1);
	assert_int_equal(l->rows[0].status, KS_MATRIX_PRESENT);
	assert_int_equal(l->rows[1].ref, 1);
	assert_int_equal(l->rows[1].status, KS_MATRIX_ABSENT);

	/* another distro and arch, no upstream of it: nothing to compare with */
	l = lineage_in(m, "fedora/riscv64/generic");
	assert_null(l->against);
	assert_int_equal(l->basis, KS_MATRIX_NONE);
	assert_int_equal(l->rows[0].status, KS_MATRIX_PRESENT);

	/* upstream itself is not compared with another distro of another arch */
	l = lineage_in(m, UPA);
	assert_null(l->against);
	ks_matrix_free(m);

	/* an upstream x86_64/generic lineage becomes the default */
	{
		const struct rel up = { "upstream/x86_64/generic", "6.12.117", { { "task", X2 } } };

		add_release(s, &up);
		ks_store_free(s);
		assert_int_equal(ks_store_open(&s, dir), 0);
		assert_string_equal(ks_store_default_lineage(s), "upstream/x86_64/generic");
		assert_int_equal(ks_matrix_build(s, "task", &m), 0);
		/* now Debian is another distro, compared with upstream by version */
		l = lineage_in(m, DEB);
		assert_int_equal(l->basis, KS_MATRIX_UPSTREAM);
		assert_int_equal(l->rows[0].ref, -1);
		assert_int_equal(l->rows[1].ref, 0);
		assert_int_equal(l->rows[1].status, KS_MATRIX_SAME);
		l = lineage_in(m, "bclinux/x86_64/generic");
		assert_string_equal(l->against->lineage, "upstream/x86_64/generic");
		ks_matrix_free(m);
	}
	ks_store_free(s);
	ks_test_rm_rf(tmp);
	free(tmp);
	free(dir);
}

/* ---- duplicate definitions ---- */

static void test_duplicates(void **state)
{
	struct ks_store *s = store_of(state);
	struct ks_variants *v;
	struct ks_log *log;
	struct ks_blame *b;
	char *name;
	size_t i;

	assert_int_equal(ks_variants_load(s, GEN, NULL, &v), 0);
	assert_int_equal(ks_variants_count(v, "struct", "dup"), 2);
	assert_int_equal(ks_variants_count(v, "struct", "alpha"), 1);
	assert_int_equal(ks_variants_count(v, "union", "dup"), 0);
	assert_int_equal(ks_variants_count(v, "struct", "nosuch"), 0);
	ks_variants_free(v);
	assert_int_equal(ks_variants_load(s, GEN, "6.6.0-1-amd64", &v), 0);
	assert_int_equal(ks_variants_count(v, "struct", "dup"), 1);
	ks_variants_free(v);
	assert_int_equal(ks_variants_load(s, ARM, "6.1.0-2-arm64", &v), 0);
	assert_int_equal(ks_variants_count(v, "struct", "dup"), 0);
	assert_int_equal(ks_variants_count(v, "struct", "anchor"), 1);
	ks_variants_free(v);

	name = ks_variants_display_name("dup", 2);
	assert_string_equal(name, "dup~2");
	free(name);
	name = ks_variants_display_name("dup", 1);
	assert_string_equal(name, "dup");
	free(name);

	/* bodies are numbered by their text: "int a" before "long int a" */
	assert_int_equal(ks_log_build(s, GEN, "dup~2", NULL, NULL, 0, &log), 0);
	assert_int_equal(log->h->variant, 2);
	for (i = 0; i < R670; i++)
		assert_int_equal(log->steps[i].st, KS_LOG_ABSENT);
	assert_int_equal(log->steps[R670].st, KS_LOG_ADDED);
	assert_int_equal(log->h->e[R670].nvariants, 2);
	assert_string_equal(log->steps[R670].def->members[0].decl, "long int a");
	ks_log_free(log);

	/* the first name changed body when the second appeared */
	assert_int_equal(ks_log_build(s, GEN, "dup", NULL, NULL, 0, &log), 0);
	assert_int_equal(log->steps[R660].st, KS_LOG_ADDED);
	assert_int_equal(log->steps[R670].st, KS_LOG_CHANGED);
	ks_log_free(log);

	assert_int_equal(ks_blame_type(s, GEN, "dup~2", 0, &b), 0);
	assert_int_equal(b->members[0].since, R670);
	ks_blame_free(b);
	assert_int_equal(ks_blame_type(s, GEN, "dup~3", 0, &b), KS_ENOTFOUND);
}

/* ---- defs ---- */

static void test_defs_share_unchanged(void **state)
{
	struct ks_defs d = { 0 };

	assert_int_equal(ks_defs_load(store_of(state), GEN, "inner", &d), 0);
	assert_ptr_equal(d.def[R610_2], d.def[R610_1]);
	assert_ptr_not_equal(d.def[R630], d.def[R620_3]);
	assert_int_equal(ks_defs_newest(&d), R670);
	assert_int_equal(ks_defs_since(&d, R670, ks_def_member(d.def[R670], "pad")), R630);
	assert_int_equal(ks_defs_since(&d, R670, ks_def_member(d.def[R670], "count")), R610_1);
	ks_defs_free(&d);
	assert_null(d.h);
	ks_defs_free(&d);

	assert_int_equal(ks_defs_load(store_of(state), GEN, "alpha", &d), 0);
	assert_null(d.def[R640]);
	ks_defs_free(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_log_steps),
		cmocka_unit_test(test_log_text_of_unchanged_release),
		cmocka_unit_test(test_log_since_until),
		cmocka_unit_test(test_log_window_distro_order),
		cmocka_unit_test(test_blame_type),
		cmocka_unit_test(test_blame_field_through_embedded),
		cmocka_unit_test(test_blame_field_removed_and_readded),
		cmocka_unit_test(test_blame_field_missing),
		cmocka_unit_test(test_matrix_against_regular),
		cmocka_unit_test(test_matrix_counterpart),
		cmocka_unit_test(test_matrix_only_in_another_lineage),
		cmocka_unit_test(test_matrix_distros),
		cmocka_unit_test(test_duplicates),
		cmocka_unit_test(test_defs_share_unchanged),
	};
	int rc;

	git_libgit2_init();
	rc = cmocka_run_group_tests(tests, setup, teardown);
	git_libgit2_shutdown();
	return rc;
}
