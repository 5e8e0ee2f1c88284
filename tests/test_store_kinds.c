/* Unit tests of store/ with every kind (issue 14): folders and meta of
 * the kinds after union, a struct/union-only snapshot keeping its commit
 * id, names with and without a kind, "not recorded", completion by
 * re-import, the walks and the fetch checks. Texts follow docs/format.md
 * "The other kinds", written by hand: this suite links no BTF library. */
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
#include "ks_store_int.h"
#include "ks_test_fs.h"

#define LIN "debian/x86_64/generic"
#define R1 "6.1.0-47-amd64"
#define R2 "6.12.117-amd64"

/* What store/ks_release.c wrote for legacy_snapshot() as R1 before the
 * kinds existed (measured on main at 63888fa): it must never change. */
#define LEGACY_COMMIT "05cd4a43013afab552c93b0f956e6c9492e39f05"

static const char point1[] =
	"struct point {\n\tint x;\t/* 0 4 */\n\tint y;\t/* 4 4 */\n};\t/* size 8 */\n";
static const char point2[] = "struct point {\n\tlong x;\t/* 0 8 */\n};\t/* size 8 */\n";
static const char union_u[] = "union u {\n\tint a;\t/* 0 4 */\n};\t/* size 4 */\n";
static const char enum_e[] = "enum e {\n\tE_A = 0,\n\tE_B = 1,\n};\t/* size 4 unsigned */\n";
static const char enum_dup[] = "enum dup {\n\tD = 0,\n};\t/* size 4 unsigned */\n";
static const char td_dup[] = "typedef int dup;\t/* size 4 */\n";
static const char td_u32[] = "typedef unsigned int u32;\t/* size 4 */\n";
static const char func_read[] =
	"func vfs_read {\t/* global */\n\tssize_t return;\n\tstruct file *file;\n};\n";
static const char sys_read[] =
	"syscall read {\n\tlong int __x64_sys_read(const struct pt_regs *regs);\n};\n";

static void snap_add(struct ks_snapshot *snap, const char *kind, const char *name,
		     const char *text)
{
	assert_int_equal(ks_snapshot_add(snap, kind, name, ks_xstrdup(text), strlen(text)), 0);
}

static struct ks_snapshot *legacy_snapshot(void)
{
	struct ks_snapshot *s = ks_snapshot_new();

	snap_add(s, "union", "u", union_u);
	snap_add(s, "struct", "point", point1);
	snap_add(s, "struct", "point", point2);
	return s;
}

/* The legacy snapshot plus every kind after union recorded, some with
 * entries, kfuncs with none. */
static struct ks_snapshot *full_snapshot(void)
{
	struct ks_snapshot *s = legacy_snapshot();

	snap_add(s, "enum", "e", enum_e);
	snap_add(s, "enum", "dup", enum_dup);
	snap_add(s, "typedef", "dup", td_dup);
	snap_add(s, "typedef", "u32", td_u32);
	snap_add(s, "func", "vfs_read", func_read);
	snap_add(s, "syscall", "read", sys_read);
	s->recorded = KS_KINDS_ALL;
	return s;
}

static int add_snap(struct ks_store *st, const char *release, struct ks_snapshot *snap,
		    int force, enum ks_add_status *status, char hex[41])
{
	const char *sums[] = { "0123abcd" };
	struct ks_release_meta meta = { release, "x86_64", "generic", sums, 1, "debian" };
	struct ks_add_opts opts = KS_ADD_OPTS_INIT;
	int err;

	opts.force = force;
	opts.source = "test input";
	ks_snapshot_finish(snap);
	err = ks_store_add_release(st, &meta, snap, &opts, status, hex);
	ks_snapshot_free(snap);
	return err;
}

struct fx {
	char *dir;
	struct ks_store *s;
};

static int setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));

	fx->dir = ks_test_mkdtemp("test_store_kinds");
	ks_test_rm_rf(fx->dir);
	if (ks_store_init(fx->dir) || ks_store_open(&fx->s, fx->dir))
		return -1;
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fx *fx = *state;

	ks_store_free(fx->s);
	ks_test_rm_rf(fx->dir);
	free(fx->dir);
	free(fx);
	return 0;
}

/* `git show REV` of the store, '\0'-terminated (allocated). */
static char *git_show(const char *dir, const char *rev)
{
	struct ks_buf b = KS_BUF_INIT;
	char *cmd = ks_xasprintf("git --git-dir='%s' show '%s' 2>/dev/null", dir, rev);
	FILE *p = popen(cmd, "r");
	char line[512];

	while (p && fgets(line, sizeof(line), p))
		ks_buf_puts(&b, line);
	if (p)
		pclose(p);
	free(cmd);
	if (!b.p)
		ks_buf_puts(&b, "");
	return ks_buf_detach(&b, NULL);
}

static void test_store_kinds_legacy_commit_unchanged(void **state)
{
	struct fx *fx = *state;
	enum ks_add_status st;
	char hex[41], *meta;

	assert_int_equal(add_snap(fx->s, R1, legacy_snapshot(), 0, &st, hex), 0);
	assert_string_equal(hex, LEGACY_COMMIT);
	meta = git_show(fx->dir, LEGACY_COMMIT ":meta");
	assert_null(strstr(meta, "kinds"));
	assert_non_null(strstr(meta, "structs 2\nunions 1\n"));
	free(meta);
}

static void test_store_kinds_meta_and_folders(void **state)
{
	struct fx *fx = *state;
	enum ks_add_status st;
	char hex[41], *meta, *top, *rev;

	assert_int_equal(add_snap(fx->s, R2, full_snapshot(), 0, &st, hex), 0);
	assert_int_equal(st, KS_ADD_NEW);
	rev = ks_xasprintf("%s:meta", hex);
	meta = git_show(fx->dir, rev);
	assert_non_null(strstr(meta, "structs 2\nunions 1\n"
				"kinds struct union enum typedef func tracepoint syscall lsm kfunc\n"
				"enums 2\ntypedefs 2\nfuncs 1\ntracepoints 0\nsyscalls 1\n"
				"lsms 0\nkfuncs 0\n"));
	free(rev);
	free(meta);
	/* a folder per kind with entries, none for the empty kinds */
	rev = ks_xasprintf("%s:", hex);
	top = git_show(fx->dir, rev);
	assert_non_null(strstr(top, "enum/\nfunc/\nmeta\nstruct/\nsyscall/\ntypedef/\nunion/\n"));
	free(top);
	free(rev);
}

static void expect_read(struct ks_store *s, const char *release, const char *spec,
			const char *kind, const char *name, unsigned int variant)
{
	struct ks_type_text *t = NULL;

	if (ks_store_read_type(s, LIN, release, spec, &t))
		fail_msg("%s: %s", spec, ks_err_msg());
	assert_string_equal(t->kind, kind);
	assert_string_equal(t->name, name);
	assert_int_equal(t->variant, variant);
	ks_type_text_free(t);
}

static void expect_fail(struct ks_store *s, const char *release, const char *spec, int err,
			const char *msg)
{
	struct ks_type_text *t = NULL;

	assert_int_equal(ks_store_read_type(s, LIN, release, spec, &t), err);
	assert_null(t);
	if (!strstr(ks_err_msg(), msg))
		fail_msg("%s: '%s' has no '%s'", spec, ks_err_msg(), msg);
}

/* R1 recorded structs and unions only, R2 every kind. */
static void add_both(struct fx *fx)
{
	enum ks_add_status st;
	char hex[41];

	assert_int_equal(add_snap(fx->s, R1, legacy_snapshot(), 0, &st, hex), 0);
	assert_int_equal(add_snap(fx->s, R2, full_snapshot(), 0, &st, hex), 0);
}

static void test_store_kinds_read_names(void **state)
{
	struct fx *fx = *state;

	add_both(fx);
	expect_read(fx->s, NULL, "enum:e", "enum", "e", 1);
	expect_read(fx->s, NULL, "e", "enum", "e", 1);
	expect_read(fx->s, NULL, "u32", "typedef", "u32", 1);
	expect_read(fx->s, NULL, "syscall:read", "syscall", "read", 1);
	expect_read(fx->s, NULL, "func:vfs_read", "func", "vfs_read", 1);
	expect_read(fx->s, NULL, "point~2", "struct", "point", 2);
	expect_read(fx->s, NULL, "struct point", "struct", "point", 1);
	expect_read(fx->s, NULL, "struct:point~2", "struct", "point", 2);
	expect_read(fx->s, NULL, "union u", "union", "u", 1);
	expect_read(fx->s, NULL, "union:u", "union", "u", 1);
	expect_read(fx->s, NULL, "typedef:dup", "typedef", "dup", 1);
	expect_fail(fx->s, NULL, "dup", KS_EINVAL,
		    "'dup' is an enum and a typedef in " LIN ": say enum:dup or typedef:dup");
	expect_fail(fx->s, NULL, "enum:point", KS_ENOTFOUND, "no enum 'point'");
	expect_fail(fx->s, NULL, "vfs_reat", KS_ENOTFOUND, "did you mean func:vfs_read?");
	expect_fail(fx->s, NULL, "pointt", KS_ENOTFOUND, "did you mean point?");
	expect_fail(fx->s, NULL, "bogus:x", KS_EINVAL, "unknown kind 'bogus'");
	expect_fail(fx->s, NULL, "enum:", KS_EINVAL, "no name");
	/* R1 predates the kinds: "not recorded", never "absent" */
	expect_read(fx->s, R1, "point", "struct", "point", 1);
	expect_fail(fx->s, R1, "enum:e", KS_ENOTFOUND,
		    "enum:e: enums were not recorded in " R1 " (imported by an older kstruct; "
		    "import it again to complete it)");
	expect_fail(fx->s, R1, "zzzzzz", KS_ENOTFOUND, "only structs and unions were recorded");
	/* a kind recorded with nothing in it is absent */
	expect_fail(fx->s, NULL, "kfunc:x", KS_ENOTFOUND, "no kfunc 'x'");
}

/* What the history of each kind says, with or without the index. */
static void history_answers(struct fx *fx)
{
	struct ks_history *h = NULL;
	const char *kind;
	char *name = NULL;
	unsigned int variant;

	assert_int_equal(ks_store_history(fx->s, LIN, "enum:e", &h), 0);
	assert_string_equal(h->kind, "enum");
	assert_int_equal(h->n, 2);
	assert_string_equal(h->e[0].release, R1);
	assert_int_equal(h->e[0].recorded, 0);
	assert_int_equal(h->e[0].present, 0);
	assert_int_equal(h->e[1].recorded, 1);
	assert_int_equal(h->e[1].present, 1);
	assert_string_equal(h->e[1].kind, "enum");
	assert_string_equal(h->e[1].text, enum_e);
	ks_history_free(h);

	/* a bare name resolves in the whole lineage */
	assert_int_equal(ks_store_history(fx->s, LIN, "u32", &h), 0);
	assert_string_equal(h->kind, "typedef");
	assert_int_equal(h->e[0].recorded, 0);
	ks_history_free(h);
	assert_int_equal(ks_store_history(fx->s, LIN, "point~2", &h), 0);
	assert_string_equal(h->kind, "struct");
	assert_int_equal(h->e[0].recorded && h->e[1].recorded, 1);
	assert_int_equal(h->e[0].present && h->e[1].present, 1);
	assert_int_equal(h->e[1].same_as_prev, 1);
	assert_int_equal(h->e[0].nvariants, 2);
	ks_history_free(h);
	/* "syscall" starts with 's' too: it is no struct */
	assert_int_equal(ks_store_history(fx->s, LIN, "read", &h), 0);
	assert_string_equal(h->kind, "syscall");
	assert_int_equal(h->e[1].present, 1);
	assert_string_equal(h->e[1].kind, "syscall");
	ks_history_free(h);

	assert_int_equal(ks_store_history(fx->s, LIN, "dup", &h), KS_EINVAL);
	assert_string_equal(ks_err_msg(), "'dup' is an enum and a typedef in " LIN
			    ": say enum:dup or typedef:dup");
	assert_int_equal(ks_store_history(fx->s, LIN, "enum:nosuch", &h), KS_ENOTFOUND);
	assert_non_null(strstr(ks_err_msg(), "no enum 'nosuch'"));
	assert_int_equal(ks_store_history(fx->s, LIN, "lsm:file_open", &h), KS_ENOTFOUND);
	assert_non_null(strstr(ks_err_msg(), "no lsm 'file_open'"));

	assert_int_equal(ks_store_resolve_name(fx->s, LIN, NULL, "u32", &kind, &name, &variant), 0);
	assert_string_equal(kind, "typedef");
	assert_string_equal(name, "u32");
	assert_int_equal(variant, 1);
	free(name);
	assert_int_equal(ks_store_resolve_name(fx->s, LIN, R1, "point~2", &kind, &name, &variant),
			 0);
	assert_string_equal(kind, "struct");
	assert_int_equal(variant, 2);
	free(name);
	assert_int_equal(ks_store_resolve_name(fx->s, LIN, NULL, "tracepoint:sched_switch",
					       &kind, &name, &variant), 0);
	assert_string_equal(kind, "tracepoint");
	assert_string_equal(name, "sched_switch");
	free(name);
	assert_int_equal(ks_store_resolve_name(fx->s, LIN, R1, "u32", &kind, &name, &variant),
			 KS_ENOTFOUND);
	assert_int_equal(ks_store_resolve_name(fx->s, LIN, NULL, "dup", &kind, &name, &variant),
			 KS_EINVAL);
}

static void test_store_kinds_history(void **state)
{
	struct fx *fx = *state;

	add_both(fx);
	history_answers(fx);
}

/* The same answers from the history index (ks_hindex.c). */
static void test_store_kinds_history_indexed(void **state)
{
	struct fx *fx = *state;
	size_t n;

	add_both(fx);
	assert_int_equal(ks_store_history_stale(fx->s), 1);
	assert_int_equal(ks_store_index_history(fx->s, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(ks_store_history_stale(fx->s), 0);
	assert_int_equal(ks_store_index_history(fx->s, &n), 0);
	assert_int_equal(n, 0);		/* current: not written again */
	history_answers(fx);
}

/* Every field of @spec's history, as text, or the error. */
static char *history_text(struct ks_store *s, const char *spec)
{
	struct ks_history *h = NULL;
	struct ks_buf b = KS_BUF_INIT;
	int err = ks_store_history(s, LIN, spec, &h);
	size_t i;

	ks_buf_printf(&b, "%s: %d %s\n", spec, err, err ? ks_err_msg() : h->kind);
	for (i = 0; !err && i < h->n; i++) {
		const struct ks_hist_entry *e = &h->e[i];

		ks_buf_printf(&b, "%s p%d r%d %s v%u %s s%d %.*s\n", e->release, e->present,
			      e->recorded, e->kind ? e->kind : "-", e->nvariants,
			      e->present ? e->blob : "-", e->same_as_prev,
			      (int)(e->text ? e->len : 0), e->text ? e->text : "");
	}
	ks_history_free(h);
	return ks_buf_detach(&b, NULL);
}

static char *all_answers(struct ks_store *s)
{
	static const char *const specs[] = {
		"point", "point~2", "point~3", "struct point", "union u", "u", "enum:e", "e",
		"dup", "typedef:dup", "u32", "func:vfs_read", "read", "nosuch", "lsm:file_open",
	};
	struct ks_buf b = KS_BUF_INIT;
	size_t i;

	for (i = 0; i < sizeof(specs) / sizeof(specs[0]); i++) {
		char *t = history_text(s, specs[i]);

		ks_buf_puts(&b, t);
		free(t);
	}
	return ks_buf_detach(&b, NULL);
}

/* A longer lineage with names that come, change, go and come back, a
 * variant that appears later, a release that arrives out of order:
 * the index answers as the walk does, is extended as the branch grows,
 * rebuilt when a release lands in the middle, and a damaged or stale
 * index file is not used. */
static void test_store_kinds_history_index_matches(void **state)
{
	struct fx *fx = *state;
	enum ks_add_status st;
	char hex[41], rel[32], *walk, *idx, *path;
	size_t n, i;
	FILE *f;

	for (i = 1; i <= 9; i++) {
		struct ks_snapshot *snap = i % 3 ? full_snapshot() : legacy_snapshot();

		if (i % 4 == 1)
			snap_add(snap, "struct", "point", point2);	/* the same: no variant */
		if (i >= 5)
			snap_add(snap, "struct", "point",
				 "struct point {\n\tchar c;\t/* 0 1 */\n};\t/* size 1 */\n");
		snprintf(rel, sizeof(rel), "6.%zu.0", i * 2);
		assert_int_equal(add_snap(fx->s, rel, snap, 0, &st, hex), 0);
		if (i == 4 || i == 7) {
			/* the index follows the branch as it grows */
			assert_int_equal(ks_store_index_history(fx->s, &n), 0);
			walk = all_answers(fx->s);
			assert_int_equal(ks_store_history_stale(fx->s), 0);
			free(walk);
		}
	}
	path = ks_xasprintf("%s/kstruct-history/debian~x86_64~generic", fx->dir);
	for (i = 0; i < 3; i++) {
		/* 0: grown at the end; 1: a release in the middle; 2: as is */
		if (i == 1)
			assert_int_equal(add_snap(fx->s, "6.5.0", full_snapshot(), 0, &st, hex), 0);
		assert_int_equal(ks_store_history_stale(fx->s), i < 2);
		idx = NULL;
		unlink(path);
		walk = all_answers(fx->s);
		assert_int_equal(ks_store_index_history(fx->s, &n), 0);
		assert_int_equal(n, 1);
		idx = all_answers(fx->s);
		assert_string_equal(idx, walk);
		free(idx);
		free(walk);
	}
	/* extended in place from an older index: the same file as built anew */
	walk = all_answers(fx->s);
	assert_int_equal(add_snap(fx->s, "6.20.0", legacy_snapshot(), 0, &st, hex), 0);
	idx = all_answers(fx->s);	/* stale: walked */
	assert_int_equal(ks_store_index_history(fx->s, &n), 0);
	free(walk);
	walk = all_answers(fx->s);
	assert_string_equal(idx, walk);
	free(idx);
	free(walk);

	/* a damaged index is not read: cut, then garbage */
	walk = all_answers(fx->s);
	assert_int_equal(truncate(path, 100), 0);
	idx = all_answers(fx->s);
	assert_string_equal(idx, walk);
	free(idx);
	assert_int_equal(ks_store_history_stale(fx->s), 1);	/* so gc writes it anew */
	/* the right size, but the last string not ended: no index either */
	assert_int_equal(ks_store_index_history(fx->s, &n), 0);
	assert_int_equal(n, 1);
	f = fopen(path, "r+");
	assert_non_null(f);
	assert_int_equal(fseek(f, -1, SEEK_END), 0);
	fputc('x', f);
	fclose(f);
	idx = all_answers(fx->s);
	assert_string_equal(idx, walk);
	free(idx);
	free(walk);
	free(path);
}

/* A lineage of legacy releases only: a kind no release recorded. */
static void test_store_kinds_history_not_recorded(void **state)
{
	struct fx *fx = *state;
	struct ks_history *h = NULL;
	enum ks_add_status st;
	char hex[41];

	assert_int_equal(add_snap(fx->s, R1, legacy_snapshot(), 0, &st, hex), 0);
	assert_int_equal(ks_store_history(fx->s, LIN, "enum:e", &h), KS_ENOTFOUND);
	assert_string_equal(ks_err_msg(), "enum:e: enums were not recorded in any release of "
			    LIN " (imported by an older kstruct; import them again to "
			    "complete them)");
	assert_null(h);
}

struct seen {
	struct ks_buf b;
};

static int seen_type(const char *kind, const char *name, unsigned int variant,
		     const char *text, size_t len, void *ctx)
{
	struct seen *sn = ctx;

	(void)text;
	ks_buf_printf(&sn->b, "%s:%s~%u %zu\n", kind, name, variant, len);
	return 0;
}

static int seen_blob(const char *kind, const char *name, unsigned int variant,
		     const char *blob, void *ctx)
{
	struct seen *sn = ctx;

	ks_buf_printf(&sn->b, "%s:%s~%u %zu\n", kind, name, variant, strlen(blob));
	return 0;
}

static void test_store_kinds_walks(void **state)
{
	struct fx *fx = *state;
	struct ks_tree_changes *tc = NULL;
	struct ks_release_list *list = NULL;
	struct seen sn = { KS_BUF_INIT };
	size_t i;

	add_both(fx);
	assert_int_equal(ks_store_foreach_type(fx->s, LIN, NULL, KS_KINDS_LEGACY, 1, seen_type,
					       &sn), 0);
	{
		char *want = ks_xasprintf("struct:point~1 %zu\nstruct:point~2 %zu\nunion:u~1 %zu\n",
					  strlen(point1), strlen(point2), strlen(union_u));

		/* bodies are numbered by their text: "\tint" before "\tlong" */
		assert_string_equal(sn.b.p, want);
		free(want);
	}
	ks_buf_free(&sn.b);
	/* table order of the kinds, tree order within one */
	assert_int_equal(ks_store_foreach_type(fx->s, LIN, NULL, KS_KINDS_ALL, 0, seen_type,
					       &sn), 0);
	assert_string_equal(sn.b.p, "struct:point~1 0\nstruct:point~2 0\nunion:u~1 0\n"
			    "enum:dup~1 0\nenum:e~1 0\ntypedef:dup~1 0\ntypedef:u32~1 0\n"
			    "func:vfs_read~1 0\nsyscall:read~1 0\n");
	ks_buf_free(&sn.b);
	assert_int_equal(ks_store_foreach_blob(fx->s, LIN, NULL, 1u << KS_KIND_TYPEDEF,
					       seen_blob, &sn), 0);
	assert_string_equal(sn.b.p, "typedef:dup~1 40\ntypedef:u32~1 40\n");
	ks_buf_free(&sn.b);

	/* every kind differs, in table order; the unrecorded ones read as added */
	assert_int_equal(ks_store_diff_releases(fx->s, LIN, R1, R2, 1, &tc), 0);
	for (i = 0; i < tc->n; i++)
		ks_buf_printf(&sn.b, "%c %s:%s\n", tc->c[i].status, tc->c[i].kind, tc->c[i].name);
	assert_string_equal(sn.b.p, "A enum:dup\nA enum:e\nA typedef:dup\nA typedef:u32\n"
			    "A func:vfs_read\nA syscall:read\n");
	assert_string_equal(tc->c[0].new_text, enum_dup);
	ks_buf_free(&sn.b);
	ks_tree_changes_free(tc);

	assert_int_equal(ks_store_list_releases(fx->s, LIN, &list), 0);
	assert_int_equal(list->n, 2);
	assert_int_equal(list->items[0].recorded, KS_KINDS_LEGACY);
	assert_int_equal(list->items[0].count[KS_KIND_STRUCT], 2);
	assert_int_equal(list->items[0].count[KS_KIND_ENUM], 0);
	assert_int_equal(list->items[1].recorded, KS_KINDS_ALL);
	assert_int_equal(list->items[1].nstructs, 2);
	assert_int_equal(list->items[1].nunions, 1);
	assert_int_equal(list->items[1].count[KS_KIND_ENUM], 2);
	assert_int_equal(list->items[1].count[KS_KIND_SYSCALL], 1);
	assert_int_equal(list->items[1].count[KS_KIND_KFUNC], 0);
	ks_release_list_free(list);
}

/* Re-importing a kernel recorded by an older kstruct completes it. */
static void test_store_kinds_completion(void **state)
{
	struct fx *fx = *state;
	struct ks_type_text *t = NULL;
	struct ks_snapshot *changed;
	enum ks_add_status st;
	char old[41], hex[41], *tag, *note, *rev;

	assert_int_equal(add_snap(fx->s, R1, legacy_snapshot(), 0, &st, old), 0);
	assert_int_equal(add_snap(fx->s, R2, legacy_snapshot(), 0, &st, hex), 0);
	/* other struct content: still needs --force */
	changed = full_snapshot();
	snap_add(changed, "struct", "extra", "struct extra {\n};\t/* size 0 */\n");
	assert_int_equal(add_snap(fx->s, R1, changed, 0, &st, hex), KS_EEXISTS);
	assert_non_null(strstr(ks_err_msg(), "--force"));

	assert_int_equal(add_snap(fx->s, R1, full_snapshot(), 0, &st, hex), 0);
	assert_int_equal(st, KS_ADD_COMPLETED);
	assert_string_not_equal(hex, old);
	tag = git_show(fx->dir, "refs/tags/" LIN "/" R1);
	assert_non_null(strstr(tag, hex));
	free(tag);
	rev = ks_xasprintf("refs/notes/kstruct:%s", hex);
	note = git_show(fx->dir, rev);
	assert_string_equal(note, "test input");
	free(note);
	free(rev);
	/* the lineage is re-linked: its first commit is the new one */
	rev = git_show(fx->dir, "refs/heads/" LIN "~1");
	assert_non_null(strstr(rev, hex));
	free(rev);
	assert_int_equal(ks_store_read_type(fx->s, LIN, R1, "enum:e", &t), 0);
	ks_type_text_free(t);
	/* complete now: the same again is the same, a legacy one conflicts */
	assert_int_equal(add_snap(fx->s, R1, full_snapshot(), 0, &st, hex), 0);
	assert_int_equal(st, KS_ADD_SAME);
	assert_int_equal(add_snap(fx->s, R1, legacy_snapshot(), 0, &st, hex), KS_EEXISTS);
	assert_int_equal(add_snap(fx->s, R1, legacy_snapshot(), 1, &st, hex), 0);
	assert_int_equal(st, KS_ADD_REPLACED);
	assert_string_equal(hex, LEGACY_COMMIT);
}

static void expect_meta(const char *text, int err, unsigned int rec, const char *msg)
{
	unsigned long count[KS_KIND_COUNT];
	unsigned int got = 0;
	int r = ks_meta_kinds(text, strlen(text), &got, count);

	if (r != err)
		fail_msg("%s: %d (%s), expected %d", text, r, ks_err_msg(), err);
	if (!err)
		assert_int_equal(got, rec);
	else if (!strstr(ks_err_msg(), msg))
		fail_msg("'%s' has no '%s'", ks_err_msg(), msg);
}

#define HEAD "kstruct-format 1\nrelease r\narch x86_64\nflavor generic\nbtf-sha256 aa\n"

static void test_store_kinds_meta_parse(void **state)
{
	unsigned long count[KS_KIND_COUNT];
	unsigned int rec;
	const char *full = HEAD "structs 5\nunions 2\nkinds struct union enum kfunc\nenums 7\n"
			   "kfuncs 0\n";

	(void)state;
	assert_int_equal(ks_meta_kinds(full, strlen(full), &rec, count), 0);
	assert_int_equal(rec, KS_KINDS_LEGACY | 1u << KS_KIND_ENUM | 1u << KS_KIND_KFUNC);
	assert_int_equal(count[KS_KIND_STRUCT], 5);
	assert_int_equal(count[KS_KIND_UNION], 2);
	assert_int_equal(count[KS_KIND_ENUM], 7);
	assert_int_equal(count[KS_KIND_KFUNC], 0);
	assert_int_equal(count[KS_KIND_FUNC], 0);
	expect_meta(HEAD "structs 5\nunions 2\n", 0, KS_KINDS_LEGACY, NULL);
	expect_meta(HEAD "structs 5\nunions 2", 0, KS_KINDS_LEGACY, NULL);
	expect_meta(HEAD "structs 5\n", KS_EFORMAT, 0, "unions line missing");
	expect_meta(HEAD "structs x\nunions 2\n", KS_EFORMAT, 0, "not a count");
	expect_meta(HEAD "structs 5\nunions -2\n", KS_EFORMAT, 0, "not a count");
	expect_meta(HEAD "structs 5\nunions 2\nkinds struct union enum\nenums 1 2\n",
		    KS_EFORMAT, 0, "not a count");
	expect_meta(HEAD "structs 5\nunions 2\nkinds struct union bogus\nboguss 1\n",
		    KS_EFORMAT, 0, "unknown kind 'bogus'");
	expect_meta(HEAD "structs 5\nunions 2\nkinds struct union kfunc enum\nenums 1\n"
		    "kfuncs 1\n", KS_EFORMAT, 0, "table order");
	expect_meta(HEAD "structs 5\nunions 2\nkinds struct union enum enum\nenums 1\n",
		    KS_EFORMAT, 0, "table order");
	expect_meta(HEAD "structs 5\nunions 2\nkinds struct union\n", KS_EFORMAT, 0,
		    "struct, union and more");
	expect_meta(HEAD "structs 5\nunions 2\nkinds union enum\nenums 1\n", KS_EFORMAT, 0,
		    "struct, union and more");
	expect_meta(HEAD "structs 5\nunions 2\nkinds struct union enum typedef\nenums 1\n",
		    KS_EFORMAT, 0, "typedefs line missing");
	expect_meta(HEAD "structs 5\nunions 2\nkinds struct union enum\nenums 1\ntypedefs 3\n",
		    KS_EFORMAT, 0, "out of place");
	expect_meta(HEAD "structs 5\nunions 2\nenums 1\n", KS_EFORMAT, 0, "out of place");
	expect_meta(HEAD "structs 5\nunions 2\nkinds struct union enum\nenums 1\nenums 1\n",
		    KS_EFORMAT, 0, "two enums");
	expect_meta(HEAD "structs 5\nunions 2\nkinds struct union enum\nkinds struct union enum\n"
		    "enums 1\n", KS_EFORMAT, 0, "more than one kinds line");
	expect_meta(HEAD "structs 5\nunions 2\nkinds struct union enum \nenums 1\n",
		    KS_EFORMAT, 0, "ends in a space");
}

/* Tags, in the store at @dir, release @rel2 over the tree of @rel with
 * its meta replaced by @meta, in kstruct's exact commit text: only the
 * tree can make a fetch refuse it. */
static void forge_release(const char *dir, const char *rel, const char *rel2,
			  const char *meta)
{
	char *spec = ks_xasprintf("refs/tags/%s/%s^{tree}", LIN, rel);
	char *tag = ks_xasprintf("refs/tags/%s/%s", LIN, rel2), *text;
	git_repository *r;
	git_treebuilder *tb;
	git_reference *ref;
	git_object *obj;
	git_odb *odb;
	git_oid blob, tid, cid;
	size_t len;

	assert_int_equal(git_repository_open_bare(&r, dir), 0);
	assert_int_equal(git_revparse_single(&obj, r, spec), 0);
	assert_int_equal(git_treebuilder_new(&tb, r, (git_tree *)obj), 0);
	assert_int_equal(git_blob_create_from_buffer(&blob, r, meta, strlen(meta)), 0);
	assert_int_equal(git_treebuilder_insert(NULL, tb, "meta", &blob, GIT_FILEMODE_BLOB), 0);
	assert_int_equal(git_treebuilder_write(&tid, tb), 0);
	text = ks_commit_format(&tid, NULL, LIN, rel2, &len);
	assert_int_equal(git_repository_odb(&odb, r), 0);
	assert_int_equal(git_odb_write(&cid, odb, text, len, GIT_OBJECT_COMMIT), 0);
	assert_int_equal(git_reference_create(&ref, r, tag, &cid, 0, "forged"), 0);
	git_reference_free(ref);
	git_odb_free(odb);
	free(text);
	git_treebuilder_free(tb);
	git_object_free(obj);
	git_repository_free(r);
	free(spec);
	free(tag);
}

/* A fetch takes releases of every kind, and refuses, recording nothing,
 * when one release's meta does not match its tree. */
static void test_store_kinds_fetch(void **state)
{
	struct fx *fx = *state;
	struct ks_sync_result res;
	struct ks_type_text *t = NULL;
	struct ks_store *b;
	char *dir = ks_test_mkdtemp("test_store_kinds_b");
	size_t i, nother = 0;

	add_both(fx);
	/* enum/ and friends under a meta that records struct and union only */
	forge_release(fx->dir, R2, "6.13.0-1-amd64",
		      "kstruct-format 1\nrelease 6.13.0-1-amd64\narch x86_64\nflavor generic\n"
		      "btf-sha256 0123abcd\nstructs 2\nunions 1\n");
	/* a kinds line out of order */
	forge_release(fx->dir, R2, "6.14.0-1-amd64",
		      "kstruct-format 1\nrelease 6.14.0-1-amd64\narch x86_64\nflavor generic\n"
		      "btf-sha256 0123abcd\nstructs 2\nunions 1\n"
		      "kinds struct union typedef enum func tracepoint syscall lsm kfunc\n"
		      "enums 2\ntypedefs 2\nfuncs 1\ntracepoints 0\nsyscalls 1\nlsms 0\nkfuncs 0\n");
	/* a kind recorded without its folder is fine: none of them */
	forge_release(fx->dir, R1, "6.15.0-1-amd64",
		      "kstruct-format 1\nrelease 6.15.0-1-amd64\narch x86_64\nflavor generic\n"
		      "btf-sha256 0123abcd\nstructs 2\nunions 1\nkinds struct union lsm\nlsms 0\n");

	ks_test_rm_rf(dir);
	assert_int_equal(ks_store_init(dir), 0);
	assert_int_equal(ks_store_open(&b, dir), 0);
	/* one bad release, and nothing is recorded: the first in ref order */
	assert_int_equal(ks_store_fetch(b, fx->dir, NULL, &res), KS_EFORMAT);
	assert_non_null(strstr(ks_err_msg(), "6.13.0-1-amd64: its snapshot has a folder of enums"));
	assert_int_equal(res.added, 0);
	ks_sync_result_free(&res);
	{
		git_repository *r;
		git_reference *ref;
		const char *bad[] = { "6.13.0-1-amd64", "6.14.0-1-amd64" };

		assert_int_equal(git_repository_open(&r, fx->dir), 0);
		for (i = 0; i < 2; i++) {
			char *name = ks_xasprintf("refs/tags/%s/%s", LIN, bad[i]);

			assert_int_equal(git_reference_lookup(&ref, r, name), 0);
			assert_int_equal(git_reference_delete(ref), 0);
			git_reference_free(ref);
			free(name);
		}
		git_repository_free(r);
	}
	assert_int_equal(ks_store_fetch(b, fx->dir, NULL, &res), 0);
	assert_int_equal(res.added, 3);
	for (i = 0; i < res.nmessages; i++)
		nother++;
	assert_int_equal(nother, 0);
	ks_sync_result_free(&res);
	assert_int_equal(ks_store_read_type(b, LIN, R2, "syscall:read", &t), 0);
	assert_string_equal(t->text, sys_read);
	ks_type_text_free(t);
	assert_int_equal(ks_store_read_type(b, LIN, "6.15.0-1-amd64", "lsm:file_open", &t),
			 KS_ENOTFOUND);
	assert_non_null(strstr(ks_err_msg(), "no lsm 'file_open'"));
	ks_store_free(b);
	ks_test_rm_rf(dir);
	free(dir);
}

static void test_store_kinds_paths_and_plan(void **state)
{
	struct fx *fx = *state;
	struct ks_add_opts opts = KS_ADD_OPTS_INIT;
	struct ks_snapshot_plan *plan;
	struct ks_snapshot *snap;
	enum ks_add_status st;
	const char *sums[] = { "0123abcd" };
	struct ks_release_meta meta = { R1, "x86_64", "generic", sums, 1, "debian" };
	char hex[41], hex2[41], *p;
	int k;

	for (k = 0; k < KS_KIND_COUNT; k++) {
		char *want = ks_xasprintf("%s/s/sc/__sched_switch~2", ks_kind_name((enum ks_kind)k));

		p = ks_store_type_path(ks_kind_name((enum ks_kind)k), "__sched_switch", 2);
		assert_string_equal(p, want);
		free(p);
		free(want);
	}
	/* a plan made beforehand gives the very commit */
	snap = full_snapshot();
	ks_snapshot_finish(snap);
	plan = ks_snapshot_plan_new(snap);
	assert_non_null(plan);
	opts.plan = plan;
	assert_int_equal(ks_store_add_release(fx->s, &meta, snap, &opts, &st, hex), 0);
	ks_snapshot_plan_free(plan);
	ks_snapshot_free(snap);
	assert_int_equal(add_snap(fx->s, R1, full_snapshot(), 0, &st, hex2), 0);
	assert_int_equal(st, KS_ADD_SAME);
	assert_string_equal(hex, hex2);
	/* entries of a kind the producer did not mark recorded still make
	 * the meta record it: no folder without its kind in meta */
	snap = legacy_snapshot();
	snap_add(snap, "lsm", "file_open", "lsm file_open {\n\tint return;\n};\n");
	assert_int_equal(add_snap(fx->s, R2, snap, 0, &st, hex), 0);
	p = git_show(fx->dir, "refs/tags/" LIN "/" R2 ":meta");
	assert_non_null(strstr(p, "unions 1\nkinds struct union lsm\nlsms 1\n"));
	free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_store_kinds_legacy_commit_unchanged, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_store_kinds_meta_and_folders, setup, teardown),
		cmocka_unit_test_setup_teardown(test_store_kinds_read_names, setup, teardown),
		cmocka_unit_test_setup_teardown(test_store_kinds_history, setup, teardown),
		cmocka_unit_test_setup_teardown(test_store_kinds_history_indexed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_store_kinds_history_index_matches, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_store_kinds_history_not_recorded, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_store_kinds_walks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_store_kinds_completion, setup, teardown),
		cmocka_unit_test(test_store_kinds_meta_parse),
		cmocka_unit_test_setup_teardown(test_store_kinds_paths_and_plan, setup, teardown),
		cmocka_unit_test_setup_teardown(test_store_kinds_fetch, setup, teardown),
	};
	int rc;

	git_libgit2_init();
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	git_libgit2_shutdown();
	return rc;
}
