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

#include "ks_buf.h"
#include "ks_err.h"
#include "ks_snapshot.h"
#include "ks_store.h"
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_store_kinds_legacy_commit_unchanged, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_store_kinds_meta_and_folders, setup, teardown),
		cmocka_unit_test_setup_teardown(test_store_kinds_read_names, setup, teardown),
	};
	int rc;

	git_libgit2_init();
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	git_libgit2_shutdown();
	return rc;
}
