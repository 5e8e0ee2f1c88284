/* Unit tests of store/: version order, paths, init/open, recording
 * releases, determinism, lineage re-linking and lookups. Snapshots are
 * built from canonical text written here: the store never sees BTF, and
 * this suite links no BTF library. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <git2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ks_buf.h"
#include "ks_distro.h"
#include "ks_snapshot.h"
#include "ks_err.h"
#include "ks_git_err.h"
#include "ks_store.h"
#include "ks_store_int.h"
#include "ks_test_fs.h"

static void snap_add(struct ks_snapshot *snap, const char *kind, const char *name,
		     const char *text)
{
	assert_int_equal(ks_snapshot_add(snap, kind, name, ks_xstrdup(text), strlen(text)), 0);
}

/* A snapshot with struct point { int x; int y; } and, when @extra,
 * a field z and a union u; the texts are what btf/ makes of them. The
 * union is added first: the snapshot orders its entries itself. */
static struct ks_snapshot *make_set(int extra)
{
	struct ks_snapshot *set = ks_snapshot_new();

	if (extra) {
		snap_add(set, "union", "u", "union u {\n\tint a;\t/* 0 4 */\n};\t/* size 4 */\n");
		snap_add(set, "struct", "point",
			 "struct point {\n\tint x;\t/* 0 4 */\n\tint y;\t/* 4 4 */\n"
			 "\tint z;\t/* 8 4 */\n};\t/* size 12 */\n");
	} else {
		snap_add(set, "struct", "point",
			 "struct point {\n\tint x;\t/* 0 4 */\n\tint y;\t/* 4 4 */\n"
			 "};\t/* size 8 */\n");
	}
	ks_snapshot_finish(set);
	return set;
}

static int add(struct ks_store *s, const char *release, int extra, int force,
	       enum ks_add_status *status)
{
	const char *sums[] = { extra ? "bb" : "aa" };
	struct ks_release_meta meta = { release, "x86_64", "generic", sums, 1, NULL };
	struct ks_add_opts opts = KS_ADD_OPTS_INIT;
	struct ks_snapshot *set = make_set(extra);
	char hex[41];
	int err;

	opts.force = force;
	err = ks_store_add_release(s, &meta, set, &opts, status, hex);
	ks_snapshot_free(set);
	return err;
}

static struct ks_store *new_store(char **dir)
{
	struct ks_store *s;

	*dir = ks_test_mkdtemp("test_store");
	ks_test_rm_rf(*dir);
	assert_int_equal(ks_store_init(*dir), 0);
	assert_int_equal(ks_store_open(&s, *dir), 0);
	return s;
}

static void test_store_version_order(void **state)
{
	static const char *const order[] = {
		"4.4", "4.8", "4.10", "5.4.0-91", "5.4.0-100", "6.1.0-47", "6.12.100",
	};
	size_t i, j, n = sizeof(order) / sizeof(order[0]);

	(void)state;
	for (i = 0; i < n; i++) {
		assert_int_equal(ks_version_cmp(order[i], order[i]), 0);
		for (j = i + 1; j < n; j++) {
			assert_int_equal(ks_version_cmp(order[i], order[j]), -1);
			assert_int_equal(ks_version_cmp(order[j], order[i]), 1);
		}
	}
	/* same value, other spelling: still a total order */
	assert_int_not_equal(ks_version_cmp("4.08", "4.8"), 0);
	assert_int_equal(ks_version_cmp("4.08", "4.8"), -ks_version_cmp("4.8", "4.08"));
	assert_int_equal(ks_version_cmp("6.1", "6.1.0"), -1);
}

static void expect_type_path(const char *kind, const char *name, unsigned int variant,
			     const char *want)
{
	char *p = ks_store_type_path(kind, name, variant);

	assert_string_equal(p, want);
	free(p);
}

static void test_store_type_paths(void **state)
{
	char *p;
	unsigned int v;

	(void)state;
	expect_type_path("struct", "bpf_mem_alloc", 1, "struct/b/bp/bpf_mem_alloc");
	expect_type_path("struct", "__sk_buff", 1, "struct/s/sk/__sk_buff");
	expect_type_path("union", "a", 3, "union/a/a/a~3");
	expect_type_path("struct", "___", 1, "struct/_/_/___");
	/* no name can leave its folder or hide as another */
	p = ks_store_type_path("struct", "../../x/y", 1);
	assert_null(strstr(p + strlen("struct/"), "/.."));
	assert_null(strchr(strrchr(p, '/') + 1, '.'));
	assert_string_equal(strrchr(p, '/') + 1, "%2e%2e%2f%2e%2e%2fx%2fy");
	assert_string_equal(p, "struct/%/%2/%2e%2e%2f%2e%2e%2fx%2fy");
	free(p);
	expect_type_path("func", "", 1, "func/_/_/");
	expect_type_path("enum", "\xff_x", 12, "enum/%/%f/%ff_x~12");

	p = ks_store_unescape_name("%2e%2e%2fx~2", &v);
	assert_string_equal(p, "../x");
	assert_int_equal(v, 2);
	free(p);
	assert_null(ks_store_unescape_name("bad%zz", &v));
	assert_null(ks_store_unescape_name("a~1", &v));
	assert_null(ks_store_unescape_name("a.b", &v));
}

static int cmp_path_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The sort compares 16-byte keys before strcmp: paths that share them,
 * end inside them or at their edge must still come out in strcmp order. */
static void test_store_path_sort(void **state)
{
	static const char *const paths[] = {
		"func/v/vf/vfs_read", "func/v/vf/vfs_readv", "func/v/vf/vfs_read~2",
		"func/v/vf/vfs", "func/v/vf", "func/v/v", "func/v/vf/vfs_re",
		"func/v/vf/vfs_rf", "func/v/vf/vfs_r", "func/", "func", "fun",
		"struct/a/a/a", "struct/a/a/a~2", "struct/a/a/a~10", "enum/%/%f/%ff",
		"func/_/__/__x64_sys_read", "func/_/__/__x64_sys_readv", "func/v/vf/vfs_re\x7f",
		"meta", "union/a/a/a", "func/v/vf/vfs_read", "func/v/vf/vfs_reae",
	};
	enum { N = sizeof(paths) / sizeof(paths[0]) };
	struct ks_path_entry pe[N];
	const char *want[N];
	size_t i;

	(void)state;
	memset(pe, 0, sizeof(pe));
	for (i = 0; i < N; i++) {
		/* in reverse, so the sort has work to do */
		pe[i].path = (char *)paths[N - 1 - i];
		pe[i].len = N - 1 - i;
		want[i] = paths[i];
	}
	qsort(want, N, sizeof(want[0]), cmp_path_str);
	ks_path_entries_sort(pe, N);
	for (i = 0; i < N; i++) {
		assert_string_equal(pe[i].path, want[i]);
		/* each entry moved whole */
		assert_string_equal(pe[i].path, paths[pe[i].len]);
	}
	ks_path_entries_sort(pe, 1);
	ks_path_entries_sort(NULL, 0);
}

static void test_store_init_and_open(void **state)
{
	struct ks_store *s = NULL;
	char *dir = ks_test_mkdtemp("test_store"), *sub = ks_xasprintf("%s/new/store", dir);
	char *junk = ks_xasprintf("%s/junk", dir), *file;
	FILE *f;

	(void)state;
	assert_int_equal(ks_store_open(&s, sub), KS_ENOTFOUND);
	assert_int_equal(ks_store_init(sub), 0);
	assert_int_equal(ks_store_init(sub), 1);
	assert_int_equal(ks_store_open(&s, sub), 0);
	assert_string_equal(ks_store_default_lineage(s), "unknown/x86_64/generic");
	ks_store_free(s);

	/* a folder with something else in it is neither opened nor taken */
	mkdir(junk, 0755);
	file = ks_xasprintf("%s/f", junk);
	f = fopen(file, "w");
	fputs("x", f);
	fclose(f);
	assert_int_equal(ks_store_open(&s, junk), KS_ENOTSTORE);
	assert_int_equal(ks_store_init(junk), KS_ENOTSTORE);
	assert_non_null(strstr(ks_err_msg(), junk));

	free(file);
	free(junk);
	free(sub);
	ks_test_rm_rf(dir);
	free(dir);
}

static void test_store_add_release_status(void **state)
{
	enum ks_add_status st;
	char *dir;
	struct ks_store *s = new_store(&dir);

	(void)state;
	assert_int_equal(add(s, "6.1.0-1-amd64", 0, 0, &st), 0);
	assert_int_equal(st, KS_ADD_NEW);
	assert_int_equal(add(s, "6.1.0-1-amd64", 0, 0, &st), 0);
	assert_int_equal(st, KS_ADD_SAME);
	assert_int_equal(add(s, "6.1.0-1-amd64", 1, 0, &st), KS_EEXISTS);
	assert_non_null(strstr(ks_err_msg(), "--force"));
	assert_int_equal(add(s, "6.1.0-1-amd64", 1, 1, &st), 0);
	assert_int_equal(st, KS_ADD_REPLACED);
	/* names that cannot be refs are refused before anything is written */
	assert_int_equal(add(s, "a/b", 0, 0, &st), KS_EINVAL);
	assert_int_equal(add(s, "a..b", 0, 0, &st), KS_EINVAL);
	assert_int_equal(add(s, "", 0, 0, &st), KS_EINVAL);
	ks_store_free(s);
	ks_test_rm_rf(dir);
	free(dir);
}

static char *ref_id(const char *dir, const char *ref)
{
	git_repository *r;
	git_oid id;
	char *hex = NULL;

	assert_int_equal(git_repository_open_bare(&r, dir), 0);
	if (!git_reference_name_to_id(&id, r, ref)) {
		hex = ks_xmalloc(GIT_OID_HEXSZ + 1);
		git_oid_tostr(hex, GIT_OID_HEXSZ + 1, &id);
	}
	git_repository_free(r);
	return hex;
}

static void test_store_commits_are_deterministic(void **state)
{
	enum ks_add_status st;
	char *d1, *d2, *h1, *h2, *t1, *t2;
	struct ks_store *a = new_store(&d1), *b = new_store(&d2);

	(void)state;
	/* a: old then new; b: new then old (a late arrival re-links) */
	assert_int_equal(add(a, "5.4.0-91", 0, 0, &st), 0);
	assert_int_equal(add(a, "5.4.0-95", 1, 0, &st), 0);
	assert_int_equal(add(b, "5.4.0-95", 1, 0, &st), 0);
	assert_int_equal(add(b, "5.4.0-91", 0, 0, &st), 0);

	h1 = ref_id(d1, "refs/heads/unknown/x86_64/generic");
	h2 = ref_id(d2, "refs/heads/unknown/x86_64/generic");
	assert_non_null(h1);
	assert_string_equal(h1, h2);
	t1 = ref_id(d1, "refs/tags/unknown/x86_64/generic/5.4.0-91");
	t2 = ref_id(d2, "refs/tags/unknown/x86_64/generic/5.4.0-91");
	assert_string_equal(t1, t2);

	/* the head's parent is the older release, which has no parent */
	{
		git_repository *r;
		git_commit *c, *p;
		git_oid id;

		assert_int_equal(git_repository_open_bare(&r, d2), 0);
		git_oid_fromstr(&id, h2);
		assert_int_equal(git_commit_lookup(&c, r, &id), 0);
		assert_int_equal(git_commit_parentcount(c), 1);
		assert_int_equal(git_commit_parent(&p, c, 0), 0);
		assert_string_equal(git_oid_tostr_s(git_commit_id(p)), t2);
		assert_int_equal(git_commit_parentcount(p), 0);
		{
			char *up = ks_distro_upstream("unknown", "5.4.0-95");
			char *want = ks_xasprintf("unknown/x86_64/generic 5.4.0-95\n\n"
						  "upstream %s\n", up);

			assert_string_equal(git_commit_message(c), want);
			free(want);
			free(up);
		}
		assert_int_equal(git_commit_time(c), 0);
		git_commit_free(p);
		git_commit_free(c);
		git_repository_free(r);
	}
	free(h1);
	free(h2);
	free(t1);
	free(t2);
	ks_store_free(a);
	ks_store_free(b);
	ks_test_rm_rf(d1);
	ks_test_rm_rf(d2);
	free(d1);
	free(d2);
}


static int add_in(struct ks_store *s, const char *distro, const char *arch,
		  const char *release, int extra, char hex[41])
{
	const char *sums[] = { extra ? "bb" : "aa" };
	struct ks_release_meta meta = { release, arch, "generic", sums, 1, distro };
	struct ks_snapshot *set = make_set(extra);
	enum ks_add_status st;
	int err = ks_store_add_release(s, &meta, set, NULL, &st, hex);

	ks_snapshot_free(set);
	return err;
}

static char *commit_message(const char *dir, const char *ref)
{
	git_repository *r;
	git_commit *c;
	git_oid id;
	char *msg;

	assert_int_equal(git_repository_open_bare(&r, dir), 0);
	assert_int_equal(git_reference_name_to_id(&id, r, ref), 0);
	assert_int_equal(git_commit_lookup(&c, r, &id), 0);
	msg = ks_xstrdup(git_commit_message(c));
	git_commit_free(c);
	git_repository_free(r);
	return msg;
}

/* Format 2: the distro is the first part of every ref, the release
 * commit names the lineage and the upstream version, and HEAD follows
 * the default lineage. */
static void test_store_format2_refs_and_messages(void **state)
{
	struct ks_release_list *list;
	char *dir, hex[41], *msg, *want, *up, *id;
	struct ks_store *s = new_store(&dir);
	git_repository *r;
	git_reference *head;

	(void)state;
	assert_int_equal(ks_store_format(s), 2);
	assert_int_equal(add_in(s, "centos", "aarch64", "4.18.0-147.5.1.el8_1.aarch64", 0, hex), 0);
	id = ref_id(dir, "refs/tags/centos/aarch64/generic/4.18.0-147.5.1.el8_1.aarch64");
	assert_non_null(id);
	assert_string_equal(id, hex);
	free(id);
	id = ref_id(dir, "refs/heads/centos/aarch64/generic");
	assert_string_equal(id, hex);	/* one release: the chain is its commit */
	free(id);
	msg = commit_message(dir, "refs/tags/centos/aarch64/generic/4.18.0-147.5.1.el8_1.aarch64");
	up = ks_distro_upstream("centos", "4.18.0-147.5.1.el8_1.aarch64");
	want = ks_xasprintf("centos/aarch64/generic 4.18.0-147.5.1.el8_1.aarch64\n\n"
			    "upstream %s\n", up);
	assert_string_equal(msg, want);
	free(msg);
	free(want);

	/* a meta without a distro is "unknown" */
	assert_int_equal(add_in(s, NULL, "x86_64", "6.1", 1, hex), 0);
	id = ref_id(dir, "refs/tags/unknown/x86_64/generic/6.1");
	assert_string_equal(id, hex);
	free(id);
	assert_int_equal(add_in(s, "Bad/Name", "x86_64", "6.2", 1, hex), KS_EINVAL);

	assert_int_equal(ks_store_list_releases(s, NULL, &list), 0);
	assert_int_equal(list->n, 2);
	assert_string_equal(list->items[0].lineage, "centos/aarch64/generic");
	assert_string_equal(list->items[0].distro, "centos");
	assert_string_equal(list->items[0].arch, "aarch64");
	assert_string_equal(list->items[0].upstream, up);
	assert_string_equal(list->items[1].lineage, "unknown/x86_64/generic");
	ks_release_list_free(list);
	free(up);

	/* the only .../x86_64/generic is the default, and HEAD points at it */
	assert_string_equal(ks_store_default_lineage(s), "unknown/x86_64/generic");
	assert_int_equal(git_repository_open_bare(&r, dir), 0);
	assert_int_equal(git_reference_lookup(&head, r, "HEAD"), 0);
	assert_string_equal(git_reference_symbolic_target(head),
			    "refs/heads/unknown/x86_64/generic");
	git_reference_free(head);
	git_repository_free(r);
	assert_int_equal(ks_store_check_lineage("x86_64/generic"), KS_EINVAL);
	assert_int_equal(ks_store_check_lineage("centos/x86_64/generic"), 0);
	assert_int_equal(ks_store_check_lineage("Centos/x86_64/generic"), KS_EINVAL);
	ks_store_free(s);
	ks_test_rm_rf(dir);
	free(dir);
}

static void expect_resolve(struct ks_store *s, const char *spec, int err, const char *full)
{
	char *got = NULL;

	assert_int_equal(ks_store_resolve_lineage(s, spec, &got), err);
	if (full)
		assert_string_equal(got, full);
	else
		assert_null(got);
	free(got);
}

static void test_store_resolve_lineage(void **state)
{
	char *dir, hex[41];
	struct ks_store *s = new_store(&dir);

	(void)state;
	expect_resolve(s, "centos", KS_ENOTFOUND, NULL);
	assert_non_null(strstr(ks_err_msg(), "empty"));
	assert_int_equal(add_in(s, "centos", "aarch64", "4.18.0-147", 0, hex), 0);
	assert_int_equal(add_in(s, "kylin", "aarch64", "4.19.90-24", 0, hex), 0);
	assert_int_equal(add_in(s, "debian", "x86_64", "6.1.0-47-amd64", 1, hex), 0);

	expect_resolve(s, "centos", 0, "centos/aarch64/generic");
	expect_resolve(s, "kylin/aarch64", 0, "kylin/aarch64/generic");
	expect_resolve(s, "x86_64", 0, "debian/x86_64/generic");
	expect_resolve(s, "x86_64/generic", 0, "debian/x86_64/generic");
	expect_resolve(s, "debian/x86_64/generic", 0, "debian/x86_64/generic");
	/* a full lineage is taken as it is, releases or not */
	expect_resolve(s, "ubuntu/x86_64/aws", 0, "ubuntu/x86_64/aws");
	expect_resolve(s, "aarch64", KS_EINVAL, NULL);
	assert_non_null(strstr(ks_err_msg(), "centos/aarch64/generic"));
	assert_non_null(strstr(ks_err_msg(), "kylin/aarch64/generic"));
	expect_resolve(s, "aarch64/generic", KS_EINVAL, NULL);
	expect_resolve(s, "generic", KS_EINVAL, NULL);
	expect_resolve(s, "kylinn", KS_ENOTFOUND, NULL);
	assert_non_null(strstr(ks_err_msg(), "kylin/aarch64/generic"));
	/* parts match whole, not as prefixes */
	expect_resolve(s, "cent", KS_ENOTFOUND, NULL);
	expect_resolve(s, "a/b/c/d", KS_EINVAL, NULL);
	expect_resolve(s, "centos/", KS_EINVAL, NULL);
	expect_resolve(s, "", KS_EINVAL, NULL);
	/* one x86_64/generic lineage among others: still the default */
	assert_string_equal(ks_store_default_lineage(s), "debian/x86_64/generic");
	ks_store_free(s);
	ks_test_rm_rf(dir);
	free(dir);
}

/* Without a configured one: an x86_64/generic lineage, upstream's
 * first, else the one with most releases, else the first in order. */
/* The ref HEAD points at, as git reads it (static buffer). */
static const char *ref_target_of_head(const char *dir)
{
	static char buf[256];
	char *cmd = ks_xasprintf("git --git-dir='%s' symbolic-ref HEAD", dir);
	FILE *f = popen(cmd, "r");

	assert_non_null(f);
	buf[0] = '\0';
	if (fgets(buf, sizeof(buf), f))
		buf[strcspn(buf, "\n")] = '\0';
	pclose(f);
	free(cmd);
	return buf;
}

static void test_store_default_lineage_derived(void **state)
{
	char *dir, hex[41];
	struct ks_store *s = new_store(&dir);

	(void)state;
	assert_string_equal(ks_store_default_lineage(s), "unknown/x86_64/generic");
	assert_int_equal(add_in(s, "ubuntu", "x86_64", "5.4.0-91-generic", 0, hex), 0);
	assert_int_equal(add_in(s, "debian", "x86_64", "6.1.0-47-amd64", 0, hex), 0);
	assert_int_equal(add_in(s, "centos", "aarch64", "4.18.0-147", 0, hex), 0);
	ks_store_free(s);
	assert_int_equal(ks_store_open(&s, dir), 0);
	assert_string_equal(ks_store_default_lineage(s), "debian/x86_64/generic");
	assert_int_equal(add_in(s, "ubuntu", "x86_64", "5.4.0-92-generic", 0, hex), 0);
	ks_store_free(s);
	assert_int_equal(ks_store_open(&s, dir), 0);
	assert_string_equal(ks_store_default_lineage(s), "ubuntu/x86_64/generic");
	assert_int_equal(add_in(s, "upstream", "x86_64", "6.8.1", 0, hex), 0);
	ks_store_free(s);
	assert_int_equal(ks_store_open(&s, dir), 0);
	assert_string_equal(ks_store_default_lineage(s), "upstream/x86_64/generic");
	assert_int_equal(ks_store_set_default_lineage(s, "ubuntu/x86_64/generic"), 0);
	ks_store_free(s);
	assert_int_equal(ks_store_open(&s, dir), 0);
	assert_string_equal(ks_store_default_lineage(s), "ubuntu/x86_64/generic");
	assert_int_equal(ks_store_set_default_lineage(s, "x86_64/generic"), KS_EINVAL);
	ks_store_free(s);
	/* readers take HEAD's lineage branch, which writers keep at the
	 * derived default; a HEAD that names no lineage branch is counted
	 * past, and the next write puts HEAD back */
	{
		struct { const char *head, *want; } c[] = {
			{ "refs/heads/centos/aarch64/generic", "centos/aarch64/generic" },
			{ "refs/heads/centos/aarch64/nothere", "upstream/x86_64/generic" },
			{ "refs/heads/../x", "upstream/x86_64/generic" },
			{ "refs/tags/debian/x86_64/generic/6.1.0-47-amd64", "upstream/x86_64/generic" },
		};
		size_t i;
		char *cmd = ks_xasprintf("git --git-dir='%s' config --unset kstruct.defaultLineage", dir);

		assert_int_equal(system(cmd), 0);
		free(cmd);
		for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
			cmd = ks_xasprintf("git --git-dir='%s' symbolic-ref HEAD '%s' 2>/dev/null || "
					   "printf 'ref: %s\\n' > '%s/HEAD'", dir, c[i].head,
					   c[i].head, dir);
			assert_int_equal(system(cmd), 0);
			free(cmd);
			assert_int_equal(ks_store_open(&s, dir), 0);
			assert_string_equal(ks_store_default_lineage(s), c[i].want);
			ks_store_free(s);
		}
		assert_int_equal(ks_store_open(&s, dir), 0);
		assert_int_equal(add_in(s, "centos", "aarch64", "4.18.0-148", 0, hex), 0);
		ks_store_free(s);
		assert_string_equal(ref_target_of_head(dir), "refs/heads/upstream/x86_64/generic");
	}
	ks_test_rm_rf(dir);
	free(dir);
}

/* The branch follows the lineage's distro's order, whatever the order
 * of arrival. */
static void test_store_order_by_distro(void **state)
{
	static const char *const rels[] = {
		"4.18.0-193.el8", "4.18.0-147.5.1.el8_1", "4.18.0-80.el8", "4.18.0-147.el8",
	};
	const size_t n = sizeof(rels) / sizeof(rels[0]);
	char **got = NULL, *dir, hex[41];
	const char *want[4];
	struct ks_store *s = new_store(&dir);
	size_t i, j, ngot = 0;

	(void)state;
	for (i = 0; i < n; i++)
		assert_int_equal(add_in(s, "centos", "x86_64", rels[i], (int)(i & 1), hex), 0);
	/* the expected order, by insertion with the distro's comparison */
	for (i = 0; i < n; i++) {
		for (j = i; j > 0 && ks_distro_version_cmp("centos", want[j - 1], rels[i]) > 0; j--)
			want[j] = want[j - 1];
		want[j] = rels[i];
	}
	assert_int_equal(ks_store_lineage_releases(s, "centos/x86_64/generic", &got, &ngot), 0);
	assert_int_equal(ngot, n);
	for (i = 0; i < n; i++)
		assert_string_equal(got[i], want[i]);
	ks_strv_free(got, ngot);
	ks_store_free(s);
	ks_test_rm_rf(dir);
	free(dir);
}

/* ---- upgrade of a format-1 store ---- */

struct v1_release {
	const char *arch, *release;
	int extra;
	char commit2[41];	/* what format 2 records for it */
	char tree[41];
};

/* Makes @dir a store as format 1 left it: releases recorded by today's
 * code (so their trees are the real ones), then rewritten with the old
 * commit text, tag and branch shapes, a note on each, and format 1.
 * With @keep_new the format-2 tags stay: an upgrade killed before the
 * version bump. */
static void make_v1_store(const char *dir, struct v1_release *rel, size_t n, int keep_new)
{
	git_repository *r;
	git_signature *sig;
	git_config *cfg;
	struct ks_store *s;
	size_t i;

	assert_int_equal(ks_store_init(dir), 0);
	assert_int_equal(ks_store_open(&s, dir), 0);
	for (i = 0; i < n; i++)
		assert_int_equal(add_in(s, NULL, rel[i].arch, rel[i].release, rel[i].extra,
					rel[i].commit2), 0);
	ks_store_free(s);
	assert_int_equal(git_repository_open_bare(&r, dir), 0);
	assert_int_equal(git_signature_new(&sig, "t", "t@t", 0, 0), 0);
	for (i = 0; i < n; i++) {
		char *tag2 = ks_xasprintf("refs/tags/unknown/%s/generic/%s", rel[i].arch,
					  rel[i].release);
		char *tag1 = ks_xasprintf("refs/tags/%s/generic/%s", rel[i].arch, rel[i].release);
		char *branch1 = ks_xasprintf("refs/heads/%s/generic", rel[i].arch);
		char *text, *note = ks_xasprintf("imported from %s.btf\n", rel[i].release);
		git_oid id, c1, nid;
		git_commit *c;
		git_reference *ref;
		git_odb *odb;

		assert_int_equal(git_reference_name_to_id(&id, r, tag2), 0);
		assert_int_equal(git_commit_lookup(&c, r, &id), 0);
		git_oid_tostr(rel[i].tree, sizeof(rel[i].tree), git_commit_tree_id(c));
		text = ks_xasprintf("tree %s\nauthor kstruct <kstruct@kstruct.invalid> 0 +0000\n"
				    "committer kstruct <kstruct@kstruct.invalid> 0 +0000\n\n"
				    "%s/generic %s\n", rel[i].tree, rel[i].arch, rel[i].release);
		assert_int_equal(git_repository_odb(&odb, r), 0);
		assert_int_equal(git_odb_write(&c1, odb, text, strlen(text), GIT_OBJECT_COMMIT), 0);
		git_odb_free(odb);
		assert_int_equal(git_reference_create(&ref, r, tag1, &c1, 0, NULL), 0);
		git_reference_free(ref);
		/* one release per arch here: the chain is the release commit */
		assert_int_equal(git_reference_create(&ref, r, branch1, &c1, 1, NULL), 0);
		git_reference_free(ref);
		assert_int_equal(git_note_create(&nid, r, "refs/notes/kstruct", sig, sig, &c1,
						 note, 1), 0);
		git_commit_free(c);
		free(text);
		free(note);
		free(tag1);
		free(tag2);
		free(branch1);
	}
	git_signature_free(sig);
	if (!keep_new)
		for (i = 0; i < 2; i++) {
			git_reference_iterator *it;
			git_reference *ref;

			assert_int_equal(git_reference_iterator_glob_new(&it, r, i ? "refs/heads/*/*/*"
									 : "refs/tags/*/*/*/*"), 0);
			while (!git_reference_next(&ref, it)) {
				assert_int_equal(git_reference_delete(ref), 0);
				git_reference_free(ref);
			}
			git_reference_iterator_free(it);
		}
	assert_int_equal(git_repository_config(&cfg, r), 0);
	assert_int_equal(git_config_set_int32(cfg, "kstruct.formatVersion", 1), 0);
	assert_int_equal(git_config_set_string(cfg, "kstruct.defaultLineage", "x86_64/generic"), 0);
	git_config_free(cfg);
	assert_int_equal(git_repository_set_head(r, "refs/heads/x86_64/generic"), 0);
	git_repository_free(r);
}

static int has_ref(const char *dir, const char *ref)
{
	char *id = ref_id(dir, ref);
	int ok = id != NULL;

	free(id);
	return ok;
}

static void check_upgraded(const char *dir, struct v1_release *rel, size_t n)
{
	struct ks_release_list *list;
	struct ks_store *s;
	git_repository *r;
	size_t i;

	assert_int_equal(ks_store_open(&s, dir), 0);
	assert_int_equal(ks_store_format(s), 2);
	assert_string_equal(ks_store_default_lineage(s), "unknown/x86_64/generic");
	assert_int_equal(ks_store_list_releases(s, NULL, &list), 0);
	assert_int_equal(list->n, n);
	ks_release_list_free(list);
	ks_store_free(s);
	assert_int_equal(git_repository_open_bare(&r, dir), 0);
	for (i = 0; i < n; i++) {
		char *tag2 = ks_xasprintf("refs/tags/unknown/%s/generic/%s", rel[i].arch,
					  rel[i].release);
		char *tag1 = ks_xasprintf("refs/tags/%s/generic/%s", rel[i].arch, rel[i].release);
		char *branch1 = ks_xasprintf("refs/heads/%s/generic", rel[i].arch);
		char *id = ref_id(dir, tag2);
		git_commit *c;
		git_note *note;
		git_oid oid;

		/* the same commit as today's import of it, so the same tree */
		assert_non_null(id);
		assert_string_equal(id, rel[i].commit2);
		git_oid_fromstr(&oid, id);
		assert_int_equal(git_commit_lookup(&c, r, &oid), 0);
		assert_string_equal(git_oid_tostr_s(git_commit_tree_id(c)), rel[i].tree);
		git_commit_free(c);
		assert_int_equal(git_note_read(&note, r, "refs/notes/kstruct", &oid), 0);
		assert_non_null(strstr(git_note_message(note), rel[i].release));
		git_note_free(note);
		assert_false(has_ref(dir, tag1));
		assert_false(has_ref(dir, branch1));
		free(id);
		free(tag1);
		free(tag2);
		free(branch1);
	}
	{
		git_reference *head;

		assert_int_equal(git_reference_lookup(&head, r, "HEAD"), 0);
		assert_string_equal(git_reference_symbolic_target(head),
				    "refs/heads/unknown/x86_64/generic");
		git_reference_free(head);
	}
	git_repository_free(r);
}

static void test_store_upgrade_format1(void **state)
{
	struct v1_release rel[] = {
		{ "x86_64", "6.1.0-47-custom", 0, "", "" },
		{ "aarch64", "6.1.0-47-custom2", 1, "", "" },
	};
	struct ks_upgrade_result res;
	struct ks_type_text *t = NULL;
	char *dir = ks_test_mkdtemp("test_store"), *cmd;
	struct ks_store *s;

	(void)state;
	ks_test_rm_rf(dir);
	make_v1_store(dir, rel, 2, 0);
	assert_true(has_ref(dir, "refs/tags/aarch64/generic/6.1.0-47-custom2"));
	assert_false(has_ref(dir, "refs/tags/unknown/aarch64/generic/6.1.0-47-custom2"));
	assert_int_equal(ks_store_open(&s, dir), 0);
	assert_int_equal(ks_store_format(s), 1);
	assert_int_equal(ks_store_upgrade(s, &res), 0);
	assert_true(res.upgraded);
	assert_int_equal(res.releases, 2);
	assert_int_equal(res.lineages, 2);
	/* usable at once, through the same handle */
	assert_int_equal(ks_store_read_type(s, "unknown/aarch64/generic", NULL, "point", &t), 0);
	assert_non_null(strstr(t->text, "int z;"));
	ks_type_text_free(t);
	ks_store_free(s);
	check_upgraded(dir, rel, 2);

	/* again: nothing to do, nothing changes */
	assert_int_equal(ks_store_open(&s, dir), 0);
	assert_int_equal(ks_store_upgrade(s, &res), 0);
	assert_false(res.upgraded);
	ks_store_free(s);
	check_upgraded(dir, rel, 2);
	if (!system("git --version >/dev/null 2>&1")) {
		cmd = ks_xasprintf("git --git-dir='%s' fsck --strict --no-dangling >/dev/null 2>&1",
				   dir);
		assert_int_equal(system(cmd), 0);
		free(cmd);
	}
	ks_test_rm_rf(dir);
	free(dir);
}

/* A run killed after writing the new tags but before the version bump:
 * the store still reads as format 1, and the next upgrade completes it
 * with the same commits. A write upgrades first. */
static void test_store_upgrade_half_done(void **state)
{
	struct v1_release rel[] = {
		{ "x86_64", "5.4.0-91-generic", 1, "", "" },
	};
	char *dir = ks_test_mkdtemp("test_store"), hex[41];
	struct ks_store *s;

	(void)state;
	ks_test_rm_rf(dir);
	make_v1_store(dir, rel, 1, 1);
	assert_true(has_ref(dir, "refs/tags/x86_64/generic/5.4.0-91-generic"));
	assert_int_equal(ks_store_open(&s, dir), 0);
	assert_int_equal(ks_store_format(s), 1);
	/* a write to it upgrades it first */
	assert_int_equal(add_in(s, NULL, "x86_64", "5.4.0-100-generic", 0, hex), 0);
	assert_int_equal(ks_store_format(s), 2);
	ks_store_free(s);
	assert_true(has_ref(dir, "refs/tags/unknown/x86_64/generic/5.4.0-100-generic"));
	assert_false(has_ref(dir, "refs/tags/x86_64/generic/5.4.0-91-generic"));
	{
		struct ks_release_list *list;

		assert_int_equal(ks_store_open(&s, dir), 0);
		assert_int_equal(ks_store_list_releases(s, "unknown/x86_64/generic", &list), 0);
		assert_int_equal(list->n, 2);
		ks_release_list_free(list);
		ks_store_free(s);
	}
	{
		char *id = ref_id(dir, "refs/tags/unknown/x86_64/generic/5.4.0-91-generic");

		assert_string_equal(id, rel[0].commit2);
		free(id);
	}
	ks_test_rm_rf(dir);
	free(dir);
}

static void test_store_list_and_read(void **state)
{
	enum ks_add_status st;
	struct ks_release_list *list;
	struct ks_type_text *t = NULL;
	char *dir;
	struct ks_store *s = new_store(&dir);
	int k;

	(void)state;
	assert_int_equal(ks_store_list_releases(s, NULL, &list), 0);
	assert_int_equal(list->n, 0);
	ks_release_list_free(list);
	assert_int_equal(ks_store_read_type(s, "unknown/x86_64/generic", NULL, "point", &t),
			 KS_ENOTFOUND);
	assert_non_null(strstr(ks_err_msg(), "empty"));

	assert_int_equal(add(s, "4.10", 1, 0, &st), 0);
	assert_int_equal(add(s, "4.8", 0, 0, &st), 0);
	assert_int_equal(ks_store_list_releases(s, "unknown/x86_64/generic", &list), 0);
	assert_int_equal(list->n, 2);
	/* the lineage's distro decides the order (natural order for unknown) */
	k = ks_distro_version_cmp("unknown", "4.8", "4.10") < 0;
	assert_string_equal(list->items[!k].release, "4.8");
	assert_string_equal(list->items[k].release, "4.10");
	assert_int_equal(list->items[!k].nstructs, 1);
	assert_int_equal(list->items[k].nunions, 1);
	assert_string_equal(list->items[k].btf_sha256, "bb");
	ks_release_list_free(list);

	/* newest by default, a named release on request */
	assert_int_equal(ks_store_read_type(s, "unknown/x86_64/generic", NULL, "point", &t), 0);
	assert_string_equal(t->release, k ? "4.10" : "4.8");
	assert_string_equal(t->kind, "struct");
	assert_int_equal(!!strstr(t->text, "\tint z;\t/* 8 4 */\n"), k);
	ks_type_text_free(t);
	assert_int_equal(ks_store_read_type(s, "unknown/x86_64/generic", "4.8", "point", &t), 0);
	assert_null(strstr(t->text, "int z;"));
	ks_type_text_free(t);
	assert_int_equal(ks_store_read_type(s, "unknown/x86_64/generic", "4.10", "u", &t), 0);
	assert_string_equal(t->kind, "union");
	ks_type_text_free(t);

	assert_int_equal(ks_store_read_type(s, "unknown/x86_64/generic", NULL, "pointt", &t),
			 KS_ENOTFOUND);
	assert_non_null(strstr(ks_err_msg(), "did you mean point"));
	assert_int_equal(ks_store_read_type(s, "unknown/x86_64/generic", "4.9", "point", &t),
			 KS_ENOTFOUND);
	assert_non_null(strstr(ks_err_msg(), "4.9"));
	assert_int_equal(ks_store_read_type(s, "unknown/aarch64/generic", NULL, "point", &t),
			 KS_ENOTFOUND);
	assert_non_null(strstr(ks_err_msg(), "unknown/x86_64/generic"));
	assert_int_equal(ks_store_read_type(s, "nolineage", NULL, "point", &t), KS_EINVAL);

	ks_store_free(s);
	ks_test_rm_rf(dir);
	free(dir);
}

static void test_store_git_fsck_clean(void **state)
{
	enum ks_add_status st;
	char *dir, *cmd;
	struct ks_store *s = new_store(&dir);

	(void)state;
	assert_int_equal(add(s, "6.2", 1, 0, &st), 0);
	assert_int_equal(add(s, "6.1", 0, 0, &st), 0);
	ks_store_free(s);
	if (system("git --version >/dev/null 2>&1")) {
		skip();
	}
	cmd = ks_xasprintf("git --git-dir='%s' fsck --strict --no-dangling >/dev/null 2>&1", dir);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	ks_test_rm_rf(dir);
	free(dir);
}

static size_t count_packs(const char *dir)
{
	char *cmd = ks_xasprintf("ls '%s'/objects/pack/*.idx | wc -l", dir);
	FILE *f = popen(cmd, "r");
	unsigned long n = 0;

	assert_non_null(f);
	assert_int_equal(fscanf(f, "%lu", &n), 1);
	pclose(f);
	free(cmd);
	return n;
}

/* Each import writes one pack; the newest packs are rolled up (as a
 * writing command does after it wrote) so that few packs remain, and
 * gc puts everything into one pack with deltas, without losing an
 * object. */
static void test_store_packs_are_rolled_up(void **state)
{
	enum ks_add_status st;
	struct ks_type_text *t = NULL;
	struct ks_repack_result r;
	git_repository *repo;
	git_oid loose;
	char *dir, rel[32], *cmd;
	struct ks_store *s = new_store(&dir);
	size_t rolled = 0;
	int i;

	(void)state;
	for (i = 1; i <= 40; i++) {
		snprintf(rel, sizeof(rel), "5.%d", i);
		assert_int_equal(add(s, rel, i % 2, 0, &st), 0);
		assert_int_equal(st, KS_ADD_NEW);
		if (ks_store_repack_wanted(s)) {
			assert_int_equal(ks_store_repack(s, KS_REPACK_BACKGROUND, &r), 0);
			assert_false(r.busy);
			assert_true(r.packs_merged >= 2);
			rolled++;
		}
		assert_true(count_packs(dir) <= 9);
	}
	/* geometric: fewer roll-ups than imports, even in a store this
	 * small, where each import's pack is a twentieth of the store */
	assert_true(rolled >= 2 && rolled <= 30);
	/* a loose object (as libgit2 writes notes) goes into the pack too */
	assert_int_equal(git_repository_open(&repo, dir), 0);
	assert_int_equal(git_blob_create_from_buffer(&loose, repo, "loose\n", 6), 0);
	git_repository_free(repo);
	assert_int_equal(ks_store_repack(s, KS_REPACK_ALL, &r), 0);
	assert_int_equal(count_packs(dir), 1);
	assert_int_equal(r.loose_merged, 1);
	for (i = 1; i <= 40; i++) {
		snprintf(rel, sizeof(rel), "5.%d", i);
		assert_int_equal(ks_store_read_type(s, "unknown/x86_64/generic", rel, "point", &t), 0);
		assert_int_equal(strstr(t->text, "int z;") != NULL, i % 2);
		ks_type_text_free(t);
	}
	ks_store_free(s);
	/* whole, nothing loose, and trees stored as deltas */
	cmd = ks_xasprintf("git --git-dir='%s' fsck --strict --no-dangling >/dev/null 2>&1 && "
			   "test -z \"$(find '%s'/objects -type f ! -path '*/pack/*')\" && "
			   "git --git-dir='%s' verify-pack -v '%s'/objects/pack/*.idx | "
			   "grep -q '^chain length = 1:' && git --git-dir='%s' cat-file -e %s",
			   dir, dir, dir, dir, dir, git_oid_tostr_s(&loose));
	assert_int_equal(system(cmd), 0);
	free(cmd);
	ks_test_rm_rf(dir);
	free(dir);
}

/* struct grow with @n members: one more a release, as the notes tree
 * (one entry an import) grows. */
static char *grow_text(int n)
{
	struct ks_buf b = KS_BUF_INIT;
	int i;

	ks_buf_puts(&b, "struct grow {\n");
	for (i = 0; i < n; i++)
		ks_buf_printf(&b, "\tint member_%04d;\t/* %d 4 */\n", i, 4 * i);
	ks_buf_printf(&b, "};\t/* size %d */\n", 4 * n);
	return ks_buf_detach(&b, NULL);
}

/* A path with hundreds of versions stays deltas: a plain chain cut at
 * depth 50 wrote every 51st version whole (six of 300 here); skip-deltas
 * between every 32nd keep them deltas, within git's depth of 50, and
 * every version reads back. */
static void test_store_long_path_deltas(void **state)
{
	enum ks_add_status st;
	struct ks_repack_result r;
	struct ks_type_text *t = NULL;
	char *dir, rel[32], *cmd;
	struct ks_store *s = new_store(&dir);
	int i, wholes = -1, depth = -1;
	FILE *f;

	(void)state;
	for (i = 1; i <= 300; i++) {
		struct ks_snapshot *set = ks_snapshot_new();
		const char *sums[] = { "aa" };
		struct ks_release_meta meta = { rel, "x86_64", "generic", sums, 1, NULL };
		struct ks_add_opts opts = KS_ADD_OPTS_INIT;
		char hex[41], *text = grow_text(200 + i);

		snprintf(rel, sizeof(rel), "5.%d", i);
		assert_int_equal(ks_snapshot_add(set, "struct", "grow", text, strlen(text)), 0);
		ks_snapshot_finish(set);
		assert_int_equal(ks_store_add_release(s, &meta, set, &opts, &st, hex), 0);
		ks_snapshot_free(set);
	}
	assert_int_equal(ks_store_repack(s, KS_REPACK_ALL, &r), 0);
	assert_true(r.deltas > 0);
	for (i = 1; i <= 300; i += 37) {
		char *want = grow_text(200 + i);

		snprintf(rel, sizeof(rel), "5.%d", i);
		assert_int_equal(ks_store_read_type(s, "unknown/x86_64/generic", rel, "grow", &t), 0);
		assert_string_equal(t->text, want);
		ks_type_text_free(t);
		free(want);
	}
	ks_store_free(s);
	/* the versions of grow are the only blobs over 5,000 bytes */
	cmd = ks_xasprintf("git --git-dir='%s' fsck --strict --no-dangling >/dev/null 2>&1 && "
			   "git --git-dir='%s' verify-pack -v '%s'/objects/pack/*.idx | awk "
			   "'$2 == \"blob\" && $3 > 5000 && NF <= 5 { w++ } "
			   "NF > 6 && $6 > d { d = $6 } END { print w + 0, d + 0 }'",
			   dir, dir, dir);
	assert_non_null(f = popen(cmd, "r"));
	assert_int_equal(fscanf(f, "%d %d", &wholes, &depth), 2);
	assert_int_equal(pclose(f), 0);
	free(cmd);
	assert_true(wholes >= 1 && wholes <= 3);
	assert_true(depth >= 2 && depth <= 50);
	ks_test_rm_rf(dir);
	free(dir);
}

/* A roll-up writes its pack in a folder of its own while imports go on:
 * the writer lock's sweep for leftovers must not take libgit2's files
 * there (it once did, and no roll-up beside imports ever finished); the
 * folder of a roll-up that died goes with the next writer or roll-up. */
static void test_store_rollup_folder_kept(void **state)
{
	struct ks_repack_result r;
	enum ks_add_status st;
	char *dir, *live, *dead, *f1, *f2;
	struct ks_store *s = new_store(&dir);
	struct stat sb;
	FILE *f;

	(void)state;
	assert_int_equal(add(s, "5.1", 0, 0, &st), 0);
	live = ks_xasprintf("%s/objects/pack/tmp_kstruct_%ld_repack", dir, (long)getpid());
	dead = ks_xasprintf("%s/objects/pack/tmp_kstruct_999999999_repack", dir);
	f1 = ks_xasprintf("%s/pack_git2_0123456789abcdef", live);
	f2 = ks_xasprintf("%s/pack_git2_fedcba9876543210", dead);
	assert_int_equal(mkdir(live, 0755), 0);
	assert_int_equal(mkdir(dead, 0755), 0);
	assert_non_null(f = fopen(f1, "w"));
	fclose(f);
	assert_non_null(f = fopen(f2, "w"));
	fclose(f);
	assert_int_equal(add(s, "5.2", 1, 0, &st), 0);	/* takes the lock: sweeps */
	assert_int_equal(stat(f1, &sb), 0);
	assert_int_not_equal(stat(dead, &sb), 0);
	/* and a roll-up clears one that died while no writer came by */
	assert_int_equal(mkdir(dead, 0755), 0);
	assert_non_null(f = fopen(f2, "w"));
	fclose(f);
	unlink(f1);
	rmdir(live);
	assert_int_equal(ks_store_repack(s, KS_REPACK_ALL, &r), 0);
	assert_int_not_equal(stat(dead, &sb), 0);
	ks_store_free(s);
	ks_test_rm_rf(dir);
	free(dir);
	free(live);
	free(dead);
	free(f1);
	free(f2);
}

/* An object the store already holds loose (libgit2 writes the notes
 * loose; a git push may leave objects so) is not written again into the
 * import's pack; junk in a fan-out folder is not taken for an object. */
static void test_store_loose_objects_known(void **state)
{
	static const char text[] = "struct point {\n\tint x;\t/* 0 4 */\n\tint y;\t/* 4 4 */\n"
				   "};\t/* size 8 */\n";
	enum ks_add_status st;
	git_repository *repo;
	git_oid blob;
	char hex[GIT_OID_HEXSZ + 1], *dir, *cmd, *junk;
	struct ks_store *s = new_store(&dir);
	FILE *f;

	(void)state;
	assert_int_equal(git_repository_open(&repo, dir), 0);
	assert_int_equal(git_blob_create_from_buffer(&blob, repo, text, strlen(text)), 0);
	git_repository_free(repo);
	git_oid_tostr(hex, sizeof(hex), &blob);
	junk = ks_xasprintf("%s/objects/ab/not-an-object", dir);
	cmd = ks_xasprintf("mkdir -p '%s/objects/ab'", dir);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	f = fopen(junk, "w");
	assert_non_null(f);
	fputs("junk\n", f);
	fclose(f);

	assert_int_equal(add(s, "5.1", 0, 0, &st), 0);
	assert_int_equal(st, KS_ADD_NEW);
	ks_store_free(s);
	/* loose still, in no pack, and the store is whole */
	cmd = ks_xasprintf("test -f '%s/objects/%.2s/%s' && "
			   "! git --git-dir='%s' verify-pack -v '%s'/objects/pack/*.idx | grep -q '^%s' && "
			   "git --git-dir='%s' show refs/tags/unknown/x86_64/generic/5.1:struct/p/po/point "
			   "| cmp -s - /dev/stdin <<'EOF'\n%sEOF\n",
			   dir, hex, hex + 2, dir, dir, hex, dir, text);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	unlink(junk);
	free(junk);
	cmd = ks_xasprintf("git --git-dir='%s' fsck --strict --no-dangling >/dev/null 2>&1", dir);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	ks_test_rm_rf(dir);
	free(dir);
}

/* A plan made apart (as import's workers do) gives the same commit as the
 * writer's own hashing; a plan of another set is not used. */
static void test_store_plan_matches(void **state)
{
	const char *sums[] = { "aa" };
	struct ks_release_meta meta = { "6.1", "x86_64", "generic", sums, 1, NULL };
	struct ks_add_opts opts = KS_ADD_OPTS_INIT;
	struct ks_snapshot *set = make_set(1), *other = make_set(0);
	struct ks_snapshot_plan *plan = ks_snapshot_plan_new(set);
	struct ks_snapshot_plan *wrong = ks_snapshot_plan_new(other);
	enum ks_add_status st;
	struct ks_store *a, *b, *c;
	char *da, *db, *dc, ha[41], hb[41], hc[41];

	(void)state;
	assert_non_null(plan);
	a = new_store(&da);
	b = new_store(&db);
	c = new_store(&dc);
	assert_int_equal(ks_store_add_release(a, &meta, set, &opts, &st, ha), 0);
	opts.plan = plan;
	assert_int_equal(ks_store_add_release(b, &meta, set, &opts, &st, hb), 0);
	opts.plan = wrong;
	assert_int_equal(ks_store_add_release(c, &meta, set, &opts, &st, hc), 0);
	assert_string_equal(ha, hb);
	assert_string_equal(ha, hc);
	/* an unfinished set has no plan */
	{
		struct ks_snapshot *raw = ks_snapshot_new();

		assert_null(ks_snapshot_plan_new(raw));
		ks_snapshot_free(raw);
	}
	ks_snapshot_plan_free(plan);
	ks_snapshot_plan_free(wrong);
	ks_snapshot_free(set);
	ks_snapshot_free(other);
	ks_store_free(a);
	ks_store_free(b);
	ks_store_free(c);
	ks_test_rm_rf(da);
	ks_test_rm_rf(db);
	ks_test_rm_rf(dc);
	free(da);
	free(db);
	free(dc);
}

/* How many of the store's packs hold @blob (git verify-pack). */
static int packs_holding(const char *dir, const git_oid *blob)
{
	char hex[GIT_OID_HEXSZ + 1], *cmd, line[256];
	int n = 0;
	FILE *f;

	git_oid_tostr(hex, sizeof(hex), blob);
	cmd = ks_xasprintf("for i in '%s'/objects/pack/*.idx; do git verify-pack -v \"$i\"; done "
			   "| grep -c '^%s '", dir, hex);
	f = popen(cmd, "r");
	assert_non_null(f);
	if (fgets(line, sizeof(line), f))
		n = atoi(line);
	pclose(f);
	free(cmd);
	return n;
}

static const git_oid *plan_blob(const struct ks_snapshot_plan *plan, const char *path)
{
	size_t i;

	for (i = 0; i < plan->n; i++)
		if (!strcmp(plan->entries[i].path, path))
			return &plan->entries[i].blob;
	fail_msg("no %s in the plan", path);
	return NULL;
}

/* A plan probed on a worker thread (import) says which blobs the store
 * has; the writer trusts it only for the store it was probed in, and an
 * "absent" that this handle's own writes made stale writes nothing twice. */
static void test_store_plan_probed(void **state)
{
	const char *sums[] = { "bb" };
	struct ks_release_meta meta = { "6.0", "x86_64", "generic", sums, 1, NULL };
	struct ks_add_opts opts = KS_ADD_OPTS_INIT;
	struct ks_snapshot *set0 = make_set(0), *set1 = make_set(1);
	struct ks_snapshot_plan *p0 = ks_snapshot_plan_new(set0);
	struct ks_snapshot_plan *p1 = ks_snapshot_plan_new(set1);
	struct ks_snapshot_plan *pelse = ks_snapshot_plan_new(set1);
	enum ks_add_status st;
	char *dir, hex[41], *nowhere;
	struct ks_store *s = new_store(&dir);
	const git_oid *point1, *u;
	size_t i;

	(void)state;
	assert_int_equal(add(s, "5.1", 0, 0, &st), 0);
	/* the set of 5.1: all there; the bigger set: its blobs are new */
	ks_snapshot_plan_probe(p0, dir);
	assert_non_null(p0->probed);
	for (i = 0; i < p0->n; i++)
		assert_int_equal(p0->entries[i].probe, KS_PROBE_PRESENT);
	ks_snapshot_plan_probe(p1, dir);
	for (i = 0; i < p1->n; i++)
		assert_int_equal(p1->entries[i].probe, KS_PROBE_ABSENT);
	/* a store that does not exist yet has nothing */
	nowhere = ks_xasprintf("%s/not-yet", dir);
	ks_snapshot_plan_probe(pelse, nowhere);
	assert_string_equal(pelse->probed, nowhere);
	for (i = 0; i < pelse->n; i++)
		assert_int_equal(pelse->entries[i].probe, KS_PROBE_ABSENT);

	/* 6.0 writes the bigger set's blobs: p1's "absent" is stale now */
	assert_int_equal(ks_store_add_release(s, &meta, set1, &opts, &st, hex), 0);
	point1 = plan_blob(p1, "struct/p/po/point");
	u = plan_blob(p1, "union/u/u/u");
	assert_int_equal(packs_holding(dir, point1), 1);
	meta.release = "6.1";
	opts.plan = p1;
	assert_int_equal(ks_store_add_release(s, &meta, set1, &opts, &st, hex), 0);
	assert_int_equal(st, KS_ADD_NEW);
	assert_int_equal(packs_holding(dir, point1), 1);
	assert_int_equal(packs_holding(dir, u), 1);
	/* another handle knows nothing of the first one's writes, and a
	 * plan probed for another path is not taken at its word */
	ks_store_free(s);
	assert_int_equal(ks_store_open(&s, dir), 0);
	meta.release = "6.2";
	opts.plan = pelse;
	assert_int_equal(ks_store_add_release(s, &meta, set1, &opts, &st, hex), 0);
	assert_int_equal(packs_holding(dir, point1), 1);
	/* the 5.1 set, probed present, gives 5.2 without writing a blob */
	meta.release = "5.2";
	opts.plan = p0;
	assert_int_equal(ks_store_add_release(s, &meta, set0, &opts, &st, hex), 0);
	assert_int_equal(packs_holding(dir, plan_blob(p0, "struct/p/po/point")), 1);
	ks_store_free(s);
	{
		char *cmd = ks_xasprintf("git --git-dir='%s' fsck --strict >/dev/null 2>&1 && "
					 "test \"$(git --git-dir='%s' show refs/tags/unknown/x86_64/"
					 "generic/6.1:struct/p/po/point)\" = \"$(git --git-dir='%s' "
					 "show refs/tags/unknown/x86_64/generic/6.0:struct/p/po/point)\"",
					 dir, dir, dir);

		assert_int_equal(system(cmd), 0);
		free(cmd);
	}
	ks_snapshot_plan_free(p0);
	ks_snapshot_plan_free(p1);
	ks_snapshot_plan_free(pelse);
	ks_snapshot_free(set0);
	ks_snapshot_free(set1);
	ks_test_rm_rf(dir);
	free(dir);
	free(nowhere);
}

/* libgit2's GSSAPI calls go to store/ks_gss.c, which opens the real
 * library only then: not mapped at start, and working once called. */
static int gssapi_mapped(void)
{
	char line[512];
	int found = 0;
	FILE *f = fopen("/proc/self/maps", "r");

	assert_non_null(f);
	while (fgets(line, sizeof(line), f))
		if (strstr(line, "libgssapi_krb5"))
			found = 1;
	fclose(f);
	return found;
}

uint32_t gss_indicate_mechs(uint32_t *minor, void **set);
uint32_t gss_release_oid_set(uint32_t *minor, void **set);

static void test_store_gssapi_lazy(void **state)
{
	uint32_t minor = 1;
	void *set = NULL;

	(void)state;
	assert_false(gssapi_mapped());
	assert_int_equal(gss_indicate_mechs(&minor, &set), 0);
	assert_non_null(set);
	assert_true(gssapi_mapped());
	assert_int_equal(gss_release_oid_set(&minor, &set), 0);
	assert_null(set);
}

/* kstruct's codes and libgit2's never meet: KS_EFORMAT once was -4,
 * GIT_EEXISTS, so a git code passed up read as "bad input". */
static void test_store_error_space_apart(void **state)
{
	static const int ks[] = {
		KS_EINVAL, KS_ENOTFOUND, KS_EIO, KS_EFORMAT, KS_EEXISTS, KS_ENOTSTORE,
		KS_EGIT, KS_ECONFLICT, KS_ENOMEM, KS_ENOTKERNEL, KS_EBUSY,
	};
	static const int git[] = {
		GIT_ERROR, GIT_ENOTFOUND, GIT_EEXISTS, GIT_EAMBIGUOUS, GIT_EBUFS,
		GIT_EUSER, GIT_EBAREREPO, GIT_EUNBORNBRANCH, GIT_EUNMERGED,
		GIT_ENONFASTFORWARD, GIT_EINVALIDSPEC, GIT_ECONFLICT, GIT_ELOCKED,
		GIT_EMODIFIED, GIT_EAUTH, GIT_ECERTIFICATE, GIT_EAPPLIED, GIT_EPEEL,
		GIT_EEOF, GIT_EINVALID, GIT_EUNCOMMITTED, GIT_EDIRECTORY,
		GIT_EMERGECONFLICT, GIT_PASSTHROUGH, GIT_ITEROVER, GIT_RETRY,
		GIT_EMISMATCH, GIT_EINDEXDIRTY, GIT_EAPPLYFAIL,
	};
	size_t i, j;

	(void)state;
	for (i = 0; i < sizeof(ks) / sizeof(ks[0]); i++) {
		assert_true(ks[i] < KS_ERR_BASE);
		for (j = 0; j < sizeof(git) / sizeof(git[0]); j++) {
			assert_true(git[j] > KS_ERR_BASE);
			assert_int_not_equal(ks[i], git[j]);
		}
	}
}

/* A libgit2 failure arrives as a kstruct code with libgit2's message
 * appended to ours. */
static void test_store_git_errors_translated(void **state)
{
	struct ks_history *h = NULL;
	enum ks_add_status st;
	struct ks_store *s;
	char *dir, *text = NULL;
	size_t len;
	int err;

	(void)state;
	assert_int_equal(ks_err_from_git(0, "unused"), 0);
	git_error_set_str(GIT_ERROR_REFERENCE, "the ref moved");
	assert_int_equal(ks_err_from_git(GIT_EMODIFIED, "moving %s", "x"), KS_ECONFLICT);
	assert_string_equal(ks_err_msg(), "moving x: the ref moved");
	assert_int_equal(ks_err_from_git(GIT_EEXISTS, "creating"), KS_ECONFLICT);
	assert_int_equal(ks_err_from_git(GIT_ENOTFOUND, "finding"), KS_ENOTFOUND);
	assert_int_equal(ks_err_from_git(GIT_ELOCKED, "locking"), KS_EBUSY);
	assert_int_equal(ks_err_from_git(GIT_EINVALIDSPEC, "parsing"), KS_EGIT);

	s = new_store(&dir);
	assert_int_equal(add(s, "6.1", 0, 0, &st), 0);
	err = ks_store_read_blob(s, "0123456789012345678901234567890123456789", &text, &len);
	assert_int_equal(err, KS_EGIT);
	assert_null(text);
	assert_true(!strncmp(ks_err_msg(), "cannot read object 0123456789", 29));
	/* libgit2's own words follow ours */
	assert_true(strlen(ks_err_msg()) > strlen("cannot read object ") + 40 + 2);
	/* a lineage without a branch is not found, not a git code */
	err = ks_store_history(s, "unknown/arm64/generic", "point", &h);
	assert_int_equal(err, KS_ENOTFOUND);
	assert_null(h);
	ks_store_free(s);
	ks_test_rm_rf(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_store_version_order),
		cmocka_unit_test(test_store_type_paths),
		cmocka_unit_test(test_store_path_sort),
		cmocka_unit_test(test_store_init_and_open),
		cmocka_unit_test(test_store_add_release_status),
		cmocka_unit_test(test_store_commits_are_deterministic),
		cmocka_unit_test(test_store_list_and_read),
		cmocka_unit_test(test_store_format2_refs_and_messages),
		cmocka_unit_test(test_store_resolve_lineage),
		cmocka_unit_test(test_store_default_lineage_derived),
		cmocka_unit_test(test_store_order_by_distro),
		cmocka_unit_test(test_store_upgrade_format1),
		cmocka_unit_test(test_store_upgrade_half_done),
		cmocka_unit_test(test_store_git_fsck_clean),
		cmocka_unit_test(test_store_packs_are_rolled_up),
		cmocka_unit_test(test_store_long_path_deltas),
		cmocka_unit_test(test_store_rollup_folder_kept),
		cmocka_unit_test(test_store_loose_objects_known),
		cmocka_unit_test(test_store_plan_matches),
		cmocka_unit_test(test_store_plan_probed),
		cmocka_unit_test(test_store_gssapi_lazy),
		cmocka_unit_test(test_store_error_space_apart),
		cmocka_unit_test(test_store_git_errors_translated),
	};
	int rc;

	git_libgit2_init();
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	git_libgit2_shutdown();
	return rc;
}
