/* Unit tests of import/: the bulk pipeline over small raw BTF files
 * written here, into temporary stores. What is checked is what a user
 * relies on: every release recorded once, commit ids that do not depend
 * on the number of threads or the order of the inputs, a bad file
 * reported while the others still go in, a repeated import recognised. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <bpf/btf.h>
#include <git2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "ks_buf.h"
#include "ks_err.h"
#include "ks_test_fs.h"
#include "ks_import.h"
#include "ks_snapshot.h"
#include "ks_store.h"

/* Raw BTF with struct @name of @nfields ints (and, when @with_union, a
 * union of the same kernel), written to @file below the test folder.
 * With @truncate, only the first bytes: a file that claims to be BTF and
 * is not. */
static char *write_btf(const char *file, const char *name, int nfields, int with_union,
		       int truncate)
{
	struct btf *btf = btf__new_empty();
	char *path = ks_test_path(file);
	const void *raw;
	__u32 sz;
	int i32 = btf__add_int(btf, "int", 4, BTF_INT_SIGNED), i;

	assert_true(i32 > 0);
	assert_true(btf__add_struct(btf, name, 4 * (unsigned)nfields) > 0);
	for (i = 0; i < nfields; i++) {
		char f[16];

		snprintf(f, sizeof(f), "f%d", i);
		assert_int_equal(btf__add_field(btf, f, i32, 32 * (unsigned)i, 0), 0);
	}
	if (with_union) {
		assert_true(btf__add_union(btf, "val", 4) > 0);
		assert_int_equal(btf__add_field(btf, "v", i32, 0, 0), 0);
	}
	raw = btf__raw_data(btf, &sz);
	assert_non_null(raw);
	ks_test_write_file(path, raw, truncate ? 40 : sz);
	btf__free(btf);
	return path;
}

/* Raw BTF of a kernel with one of each kind but kfunc: a struct, an
 * enum, a typedef, a function, an LSM hook, a syscall entry and a
 * tracepoint. */
static char *write_btf_kinds(const char *file)
{
	struct btf *btf = btf__new_empty();
	char *path = ks_test_path(file);
	const void *raw;
	__u32 sz;
	int i32, vp, proto, tproto;

	assert_int_equal(btf__set_pointer_size(btf, 8), 0);
	i32 = btf__add_int(btf, "int", 4, BTF_INT_SIGNED);
	assert_true(btf__add_struct(btf, "task", 4) > 0);
	assert_int_equal(btf__add_field(btf, "pid", i32, 0, 0), 0);
	assert_true(btf__add_enum(btf, "state", 4) > 0);
	assert_int_equal(btf__add_enum_value(btf, "RUNNING", 0), 0);
	assert_true(btf__add_typedef(btf, "pid_t", i32) > 0);
	proto = btf__add_func_proto(btf, i32);
	assert_int_equal(btf__add_func_param(btf, "fd", i32), 0);
	assert_true(btf__add_func(btf, "bpf_lsm_file_open", BTF_FUNC_GLOBAL, proto) > 0);
	assert_true(btf__add_func(btf, "__x64_sys_close", BTF_FUNC_GLOBAL, proto) > 0);
	vp = btf__add_ptr(btf, 0);
	tproto = btf__add_func_proto(btf, 0);
	assert_int_equal(btf__add_func_param(btf, NULL, vp), 0);
	assert_int_equal(btf__add_func_param(btf, NULL, i32), 0);
	assert_true(btf__add_typedef(btf, "btf_trace_tick", btf__add_ptr(btf, tproto)) > 0);
	raw = btf__raw_data(btf, &sz);
	assert_non_null(raw);
	ks_test_write_file(path, raw, sz);
	btf__free(btf);
	return path;
}

/* What the callbacks saw, in order. */
struct seen {
	char lines[32][160];
	size_t n;
	size_t created;
	size_t progress_calls;
	size_t last_done, last_total;
	size_t count[KS_KIND_COUNT];	/* of the last snapshot recorded */
	unsigned int recorded;
};

static void on_result(const struct ks_import_result *r, void *payload)
{
	struct seen *s = payload;

	if (!r->err) {
		memcpy(s->count, r->count, sizeof(s->count));
		s->recorded = r->recorded;
	}

	assert_true(s->n < 32);
	if (r->err)
		snprintf(s->lines[s->n++], 160, "fail %s", r->msg);
	else
		snprintf(s->lines[s->n++], 160, "%s %s/%s %d %zu %zu %s", r->release,
			 r->arch, r->flavor, (int)r->status, r->nstructs, r->nunions,
			 r->commit);
}

static void on_progress(size_t done, size_t total, void *payload)
{
	struct seen *s = payload;

	assert_true(done > s->last_done);
	assert_true(done <= total);
	s->progress_calls++;
	s->last_done = done;
	s->last_total = total;
}

static void on_created(const char *path, void *payload)
{
	struct seen *s = payload;

	assert_non_null(strstr(path, ks_test_dir));
	s->created++;
}

static int import(const char *store, const char *const *inputs, size_t n, int jobs,
		  const char *release, struct seen *seen, struct ks_import_summary *sum)
{
	struct ks_import_opts o = KS_IMPORT_OPTS_INIT;

	memset(seen, 0, sizeof(*seen));
	o.jobs = jobs;
	o.release = release;
	o.result = on_result;
	o.progress = on_progress;
	o.created = on_created;
	o.payload = seen;
	return ks_import_run(store, inputs, n, &o, sum);
}

/* @line reports @what (release and lineage) recorded with @status and
 * the counts; returns where its commit id starts. */
static const char *expect_line(const char *line, const char *what, enum ks_add_status status,
			       size_t nstructs, size_t nunions)
{
	char prefix[128];
	size_t n;

	n = (size_t)snprintf(prefix, sizeof(prefix), "%s %d %zu %zu ", what, (int)status,
			     nstructs, nunions);
	if (strncmp(line, prefix, n))
		fail_msg("expected '%s...', got '%s'", prefix, line);
	assert_int_equal(strlen(line + n), 40);
	return line + n;
}

/* "release commit" of every release in the store, in list order. */
static char *releases_of(const char *store)
{
	struct ks_release_list *list = NULL;
	struct ks_store *s;
	struct ks_buf b = KS_BUF_INIT;
	size_t i;

	assert_int_equal(ks_store_open(&s, store), 0);
	assert_int_equal(ks_store_list_releases(s, NULL, &list), 0);
	for (i = 0; i < list->n; i++)
		ks_buf_printf(&b, "%s %s %s %lu %lu\n", list->items[i].lineage,
			      list->items[i].release, list->items[i].commit,
			      list->items[i].nstructs, list->items[i].nunions);
	ks_release_list_free(list);
	ks_store_free(s);
	return ks_buf_detach(&b, NULL);
}

static int exists(const char *path)
{
	struct stat st;

	return !stat(path, &st);
}

/* 1 and 2 threads, inputs forwards and backwards: the same releases with
 * the same commits; the bad file is reported in its place each time. */
static void test_import_jobs_and_order_agree(void **state)
{
	char *a = write_btf("6.1.0-1-amd64.btf", "task", 1, 0, 0);
	char *b = write_btf("6.2.0-1-amd64.btf", "task", 2, 1, 0);
	char *c = write_btf("6.3.0-1-cloud-amd64.btf", "task", 3, 1, 0);
	char *bad = write_btf("6.4.0-1-amd64.btf", "task", 1, 0, 1);
	const char *fwd[] = { a, b, bad, c }, *back[] = { c, bad, b, a };
	char *s1 = ks_test_path("s1"), *s2 = ks_test_path("s2"), *s3 = ks_test_path("s3");
	char *l1, *l2, *l3, commit_a[41];
	struct ks_import_summary sum;
	struct seen seen;

	(void)state;
	assert_int_equal(import(s1, fwd, 4, 1, NULL, &seen, &sum), 0);
	assert_int_equal(sum.files, 4);
	assert_int_equal(sum.imported, 3);
	assert_int_equal(sum.failed, 1);
	assert_int_equal(sum.present + sum.replaced + sum.skipped, 0);
	assert_int_equal(seen.created, 1);
	assert_int_equal(seen.progress_calls, 4);
	assert_int_equal(seen.last_total, 4);
	assert_int_equal(seen.n, 4);
	/* input order; a snapshot is complete (and reported) when the next
	 * input turns out to be another release, so the failure comes first */
	snprintf(commit_a, sizeof(commit_a), "%s",
		 expect_line(seen.lines[0], "6.1.0-1-amd64 x86_64/generic", KS_ADD_NEW, 1, 0));
	assert_true(!strncmp(seen.lines[1], "fail ", 5));
	assert_non_null(strstr(seen.lines[1], "6.4.0-1-amd64.btf"));
	expect_line(seen.lines[2], "6.2.0-1-amd64 x86_64/generic", KS_ADD_NEW, 1, 1);
	expect_line(seen.lines[3], "6.3.0-1-cloud-amd64 x86_64/cloud", KS_ADD_NEW, 1, 1);

	assert_int_equal(import(s2, fwd, 4, 2, NULL, &seen, &sum), 0);
	assert_int_equal(sum.imported, 3);
	assert_int_equal(sum.failed, 1);
	assert_true(!strncmp(seen.lines[1], "fail ", 5));
	assert_string_equal(expect_line(seen.lines[0], "6.1.0-1-amd64 x86_64/generic",
					KS_ADD_NEW, 1, 0), commit_a);

	assert_int_equal(import(s3, back, 4, 2, NULL, &seen, &sum), 0);
	assert_int_equal(sum.imported, 3);
	assert_int_equal(sum.failed, 1);
	assert_true(!strncmp(seen.lines[0], "fail ", 5));
	assert_string_equal(expect_line(seen.lines[3], "6.1.0-1-amd64 x86_64/generic",
					KS_ADD_NEW, 1, 0), commit_a);

	l1 = releases_of(s1);
	l2 = releases_of(s2);
	l3 = releases_of(s3);
	assert_non_null(strstr(l1, "x86_64/generic 6.1.0-1-amd64 "));
	assert_non_null(strstr(l1, "x86_64/generic 6.2.0-1-amd64 "));
	assert_non_null(strstr(l1, "x86_64/cloud 6.3.0-1-cloud-amd64 "));
	assert_null(strstr(l1, "6.4.0"));
	assert_non_null(strstr(l1, commit_a));
	assert_string_equal(l1, l2);
	assert_string_equal(l1, l3);
	free(l1);
	free(l2);
	free(l3);

	/* the same file again: recognised, nothing new */
	assert_int_equal(import(s1, fwd, 1, 2, NULL, &seen, &sum), 0);
	assert_int_equal(sum.files, 1);
	assert_int_equal(sum.present, 1);
	assert_int_equal(sum.imported + sum.failed + sum.replaced, 0);
	assert_int_equal(seen.created, 0);
	assert_int_equal(seen.n, 1);
	assert_string_equal(expect_line(seen.lines[0], "6.1.0-1-amd64 x86_64/generic",
					KS_ADD_SAME, 1, 0), commit_a);

	free(a);
	free(b);
	free(c);
	free(bad);
	free(s1);
	free(s2);
	free(s3);
}

/* A folder: files in name order, consecutive files of one release make
 * one snapshot, a file without kernel data is skipped, not failed. */
static void test_import_folder_groups_and_skips(void **state)
{
	char *sub = ks_test_path("kernels"), *store = ks_test_path("s4"), *readme, *x, *y, *l;
	const char *in[1];
	struct ks_import_summary sum;
	struct seen seen;

	(void)state;
	assert_int_equal(mkdir(sub, 0755), 0);
	x = write_btf("kernels/a.btf", "alpha", 1, 0, 0);
	y = write_btf("kernels/b.btf", "beta", 2, 1, 0);
	readme = ks_test_path("kernels/README");
	ks_test_write_file(readme, "not a kernel\n", 13);
	in[0] = sub;
	assert_int_equal(import(store, in, 1, 2, "7.0-1-amd64", &seen, &sum), 0);
	assert_int_equal(sum.files, 3);
	assert_int_equal(sum.imported, 1);
	assert_int_equal(sum.skipped, 1);
	assert_int_equal(sum.failed, 0);
	assert_int_equal(seen.n, 1);
	/* alpha and beta (and beta's union) in one release */
	expect_line(seen.lines[0], "7.0-1-amd64 x86_64/generic", KS_ADD_NEW, 2, 1);
	l = releases_of(store);
	assert_non_null(strstr(l, "7.0-1-amd64 "));
	assert_non_null(strstr(l, " 2 1\n"));
	free(l);
	free(x);
	free(y);
	free(readme);
	free(sub);
	free(store);
}

/* Nothing fit to write leaves no store behind; a run that cannot start
 * says why with a code of ours. */
static void test_import_failures_leave_no_store(void **state)
{
	char *bad = write_btf("9.9.0-1-amd64.btf", "t", 1, 0, 1);
	char *store = ks_test_path("s5"), *empty = ks_test_path("empty");
	const char *in[] = { bad }, *in_empty[] = { empty };
	struct ks_import_summary sum;
	struct seen seen;

	(void)state;
	assert_int_equal(import(store, in, 1, 1, NULL, &seen, &sum), 0);
	assert_int_equal(sum.failed, 1);
	assert_int_equal(seen.n, 1);
	assert_false(exists(store));

	assert_int_equal(import(store, in, 1, 1, "bad name", &seen, &sum), KS_EINVAL);
	assert_non_null(strstr(ks_err_msg(), "bad name"));
	assert_int_equal(seen.n, 0);

	assert_int_equal(mkdir(empty, 0755), 0);
	assert_int_equal(import(store, in_empty, 1, 1, NULL, &seen, &sum), KS_ENOTFOUND);
	assert_non_null(strstr(ks_err_msg(), "empty: no files to import"));
	assert_int_equal(sum.files, 0);
	assert_false(exists(store));
	free(bad);
	free(store);
	free(empty);
}

/* The distro of each recorded snapshot and where it came from. */
struct distros {
	char lines[8][200];
	size_t n;
};

static void on_distro(const struct ks_import_result *r, void *payload)
{
	struct distros *d = payload;

	assert_true(d->n < 8);
	if (r->err)
		snprintf(d->lines[d->n++], 200, "fail %s", r->msg);
	else
		snprintf(d->lines[d->n++], 200, "%s %s (%s)", r->release, r->distro,
			 r->distro_why);
}

static int import_distro(const char *store, const char *const *inputs, size_t n,
			 const char *distro, struct distros *d)
{
	struct ks_import_opts o = KS_IMPORT_OPTS_INIT;
	struct ks_import_summary sum;

	memset(d, 0, sizeof(*d));
	o.jobs = 1;
	o.distro = distro;
	o.result = on_distro;
	o.payload = d;
	return ks_import_run(store, inputs, n, &o, &sum);
}

/* Every recorded release says its distro and why; --distro wins over
 * what the file says; nothing known is "unknown", said so. */
static void test_import_distro(void **state)
{
	char *kylin = write_btf("4.19.90-24.4.v2101.ky10.aarch64.btf", "t", 1, 0, 0);
	char *deb = write_btf("6.1.0-47-amd64.btf", "t", 2, 0, 0);
	char *odd = write_btf("6.9.0-custom.btf", "t", 3, 0, 0);
	char *store = ks_test_path("s6"), *store2 = ks_test_path("s7");
	const char *in[] = { kylin, deb, odd };
	struct distros d;

	(void)state;
	assert_int_equal(import_distro(store, in, 3, NULL, &d), 0);
	assert_int_equal(d.n, 3);
	assert_string_equal(d.lines[0], "4.19.90-24.4.v2101.ky10.aarch64 kylin "
			    "(the release's .ky<N>)");
	assert_string_equal(d.lines[1], "6.1.0-47-amd64 debian "
			    "(the release's Debian architecture suffix)");
	assert_non_null(strstr(d.lines[2], "6.9.0-custom unknown (nothing"));

	assert_int_equal(import_distro(store2, in, 1, "centos", &d), 0);
	assert_int_equal(d.n, 1);
	assert_string_equal(d.lines[0], "4.19.90-24.4.v2101.ky10.aarch64 centos (--distro)");

	/* a bad --distro stops the run before anything is read */
	assert_int_equal(import_distro(store2, in, 1, "Bad/Name", &d), KS_EINVAL);
	assert_non_null(strstr(ks_err_msg(), "Bad/Name"));
	assert_int_equal(d.n, 0);
	free(kylin);
	free(deb);
	free(odd);
	free(store);
	free(store2);
}

/* Every kind is recorded and counted; KSTRUCT_KINDS=legacy (the
 * benchmark's) records struct and union only, as kstruct did before,
 * and so makes another commit. */
static void test_import_every_kind(void **state)
{
	char *k = write_btf_kinds("6.5.0-1-amd64.btf");
	const char *in[] = { k };
	char *s1 = ks_test_path("kinds1"), *s2 = ks_test_path("kinds2");
	char commit[41];
	struct ks_import_summary sum;
	struct seen seen;

	(void)state;
	assert_int_equal(import(s1, in, 1, 1, NULL, &seen, &sum), 0);
	assert_int_equal(sum.imported, 1);
	assert_int_equal(seen.recorded, KS_KINDS_ALL);
	snprintf(commit, sizeof(commit), "%s",
		 expect_line(seen.lines[0], "6.5.0-1-amd64 x86_64/generic", KS_ADD_NEW, 1, 0));
	assert_int_equal(seen.count[KS_KIND_ENUM], 1);
	assert_int_equal(seen.count[KS_KIND_TYPEDEF], 2);
	assert_int_equal(seen.count[KS_KIND_FUNC], 2);
	assert_int_equal(seen.count[KS_KIND_LSM], 1);
	assert_int_equal(seen.count[KS_KIND_SYSCALL], 1);
	assert_int_equal(seen.count[KS_KIND_TRACEPOINT], 1);
	assert_int_equal(seen.count[KS_KIND_KFUNC], 0);

	assert_int_equal(setenv("KSTRUCT_KINDS", "legacy", 1), 0);
	assert_int_equal(import(s2, in, 1, 1, NULL, &seen, &sum), 0);
	unsetenv("KSTRUCT_KINDS");
	assert_int_equal(sum.imported, 1);
	assert_int_equal(seen.recorded, KS_KINDS_LEGACY);
	assert_int_equal(seen.count[KS_KIND_FUNC], 0);
	assert_string_not_equal(expect_line(seen.lines[0], "6.5.0-1-amd64 x86_64/generic",
					    KS_ADD_NEW, 1, 0), commit);
	free(k);
	free(s1);
	free(s2);
}

/* Whether the release had function symbols, and from where. */
static void on_symbols(const struct ks_import_result *r, void *payload)
{
	struct seen *s = payload;

	assert_true(s->n < 32);
	snprintf(s->lines[s->n++], 160, "%d %d %s", r->err, r->symbols,
		 r->symbols_from ? r->symbols_from : "-");
}

static void import_symbols(const char *store, const char *input, const char *release,
			   struct seen *seen)
{
	struct ks_import_opts o = KS_IMPORT_OPTS_INIT;
	struct ks_import_summary sum;

	memset(seen, 0, sizeof(*seen));
	o.release = release;
	o.force = 1;
	o.result = on_symbols;
	o.payload = seen;
	assert_int_equal(ks_import_run(store, &input, 1, &o, &sum), 0);
	assert_int_equal(seen->n, 1);
}

/* Raw BTF has no symbols of its own; kallsyms (here a file named by
 * $KSTRUCT_KALLSYMS) gives them only to the running kernel's release. */
static void test_import_symbols(void **state)
{
	static const char ksyms[] = "0000000000000000 T vfs_read\n";
	char *btf = write_btf("sym.btf", "task", 1, 0, 0);
	char *store = ks_test_path("sym-store"), *ks = ks_test_path("kallsyms");
	char *want;
	struct utsname u;
	struct seen seen;

	(void)state;
	assert_int_equal(uname(&u), 0);
	ks_test_write_file(ks, ksyms, sizeof(ksyms) - 1);
	unsetenv("KSTRUCT_KALLSYMS");
	import_symbols(store, btf, u.release, &seen);
	assert_string_equal(seen.lines[0], "0 0 -");
	setenv("KSTRUCT_KALLSYMS", ks, 1);
	import_symbols(store, btf, "1.2.3-other", &seen);
	assert_string_equal(seen.lines[0], "0 0 -");
	import_symbols(store, btf, u.release, &seen);
	want = ks_xasprintf("0 1 %s", ks);
	assert_string_equal(seen.lines[0], want);
	setenv("KSTRUCT_KALLSYMS", "", 1);
	import_symbols(store, btf, u.release, &seen);
	assert_string_equal(seen.lines[0], "0 0 -");
	unsetenv("KSTRUCT_KALLSYMS");
	free(want);
	free(btf);
	free(store);
	free(ks);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_import_jobs_and_order_agree),
		cmocka_unit_test(test_import_folder_groups_and_skips),
		cmocka_unit_test(test_import_failures_leave_no_store),
		cmocka_unit_test(test_import_distro),
		cmocka_unit_test(test_import_every_kind),
		cmocka_unit_test(test_import_symbols),
	};
	int rc;

	git_libgit2_init();
	rc = cmocka_run_group_tests(tests, ks_test_dir_setup, ks_test_dir_teardown);
	git_libgit2_shutdown();
	return rc;
}
