/* libFuzzer harness: the store's metadata readers and name parsers
 * (store/ks_meta.c), which read what a cloned or pulled store holds: meta
 * blobs (ks_meta_get, ks_meta_kinds), ref names (ks_release_ref_parse, ks_lineage_ref_is),
 * lineages (ks_lineage_split); with the name checks import and sync apply
 * (ks_store_check_*) and the release name rules of btf/ks_input.c.
 *
 * An input is NUL-separated fields: the first is read as a meta blob,
 * every field as a name of each kind. Where a field is a valid lineage
 * and the next a valid release name, what the store writes for them
 * (meta blob, tag and branch ref, commit text, parsed by libgit2 from an
 * in-memory object database) must read back to the same parts. */
#include <git2.h>
#include <git2/sys/mempack.h>
#include <git2/sys/repository.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "ks_buf.h"
#include "ks_distro.h"
#include "ks_err.h"
#include "ks_input.h"
#include "ks_store.h"
#include "ks_store_int.h"

#define MAX_FIELDS 16

static git_repository *repo;
static git_odb *odb;
static git_odb_backend *mempack;

static void git_check(int r, const char *what)
{
	if (r < 0) {
		const git_error *e = git_error_last();

		ks_fuzz_fail("%s: %s", what, e && e->message ? e->message : "?");
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	git_libgit2_init();
	/* parse every commit anew, and keep memory flat over millions of runs */
	git_libgit2_opts(GIT_OPT_ENABLE_CACHING, 0);
	git_check(git_repository_new(&repo), "git_repository_new");
	git_check(git_odb_new(&odb), "git_odb_new");
	git_check(git_mempack_new(&mempack), "git_mempack_new");
	git_check(git_odb_add_backend(odb, mempack, 1), "git_odb_add_backend");
	git_check(git_repository_set_odb(repo, odb), "git_repository_set_odb");
	return 0;
}

static const char *const meta_keys[] = {
	"kstruct-format", "release", "arch", "flavor", "btf-sha256", "structs",
	"unions",
};

/* The value ks_meta_get() returns stands after "KEY " on the first line
 * that starts so (up to a NUL: values are C strings). */
static void check_meta_get(const char *text, size_t len, const char *key)
{
	char *v = ks_meta_get(text, len, key);
	const char *p, *end = text + len;
	size_t kl = strlen(key);

	if (!v)
		return;
	KS_FUZZ_CHECK(!memchr(v, '\n', strlen(v)), "meta value of %s spans lines", key);
	for (p = text; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl ? nl : end;

		if ((size_t)(eol - p) > kl && !memcmp(p, key, kl) && p[kl] == ' ') {
			char *want = ks_xstrndup(p + kl + 1, (size_t)(eol - p - kl - 1));

			KS_FUZZ_CHECK(!strcmp(want, v), "ks_meta_get(%s) gave '%s', the "
				      "line has '%s'", key, v, want);
			free(want);
			break;
		}
		p = eol + 1;
	}
	KS_FUZZ_CHECK(p < end, "ks_meta_get(%s) gave '%s' from no line", key, v);
	free(v);
}

static int is_hex64(const char *s)
{
	return strlen(s) == 64 && strspn(s, "0123456789abcdef") == 64;
}

static void check_names(const char *f)
{
	char *d = NULL, *a = NULL, *b = NULL, *c = NULL;

	if (ks_release_ref_parse(f, &d, &a, &b, &c)) {
		char *lineage = ks_xasprintf("%s/%s/%s", d, a, b), *ref = ks_tag_ref(lineage, c);

		KS_FUZZ_CHECK(!strcmp(ref, f), "release ref '%s' parsed to '%s' '%s' '%s' '%s'",
			      f, d, a, b, c);
		KS_FUZZ_CHECK(!ks_release_ref_parse_v1(f, NULL, NULL, NULL),
			      "release ref '%s' of both formats", f);
		free(lineage);
		free(ref);
		free(d);
		free(a);
		free(b);
		free(c);
	}
	if (ks_lineage_ref_is(f))
		KS_FUZZ_CHECK(!ks_lineage_split(f + strlen("refs/heads/"), NULL, NULL, NULL),
			      "lineage ref '%s' names no lineage", f);
	d = a = b = NULL;
	if (!ks_lineage_split(f, &d, &a, &b)) {
		char *again = ks_xasprintf("%s/%s/%s", d, a, b);

		KS_FUZZ_CHECK(!strcmp(again, f), "lineage '%s' split to '%s' '%s' '%s'", f, d,
			      a, b);
		free(again);
		free(d);
		free(a);
		free(b);
	}
	(void)ks_store_check_lineage(f);
	(void)ks_store_check_lineage_part("flavor", f);
	(void)ks_release_arch(f);
	(void)ks_release_flavor(f);
	free(ks_input_release_from_filename(f));
	ks_err_clear();
}

/* What the store writes for a lineage and a release reads back. */
static void check_release(const char *lineage, const char *release, const char **sums,
			  size_t nsums, int with_parent)
{
	static const char zero_sum[65] =
		"0000000000000000000000000000000000000000000000000000000000000000";
	struct ks_release_meta meta = { 0 };
	char *distro = NULL, *arch = NULL, *flavor = NULL, *text, *v, *tag, *branch, *pd, *pa,
	     *pf, *pr, *want, *up;
	const char *first = nsums ? sums[0] : zero_sum;
	git_oid tree, parent, id;
	git_commit *c = NULL;
	size_t len, i;

	KS_FUZZ_CHECK(!ks_lineage_split(lineage, &distro, &arch, &flavor), "valid lineage '%s' "
		      "does not split", lineage);
	meta.release = release;
	meta.arch = arch;
	meta.flavor = flavor;
	meta.btf_sha256 = nsums ? sums : (const char **)&first;
	meta.nbtf = nsums ? nsums : 1;
	for (i = 1; i < nsums; i++)
		if (strcmp(sums[i], first) < 0)
			first = sums[i];
	text = ks_meta_format(&meta, 3, 4, &len);
	KS_FUZZ_CHECK(strlen(text) == len, "meta with a NUL");
	v = ks_meta_get(text, len, "release");
	KS_FUZZ_CHECK(v && !strcmp(v, release), "meta release '%s' read as '%s'", release,
		      v ? v : "(none)");
	free(v);
	v = ks_meta_get(text, len, "arch");
	KS_FUZZ_CHECK(v && !strcmp(v, arch), "meta arch");
	free(v);
	v = ks_meta_get(text, len, "flavor");
	KS_FUZZ_CHECK(v && !strcmp(v, flavor), "meta flavor");
	free(v);
	v = ks_meta_get(text, len, "btf-sha256");
	KS_FUZZ_CHECK(v && !strcmp(v, first), "meta btf-sha256");
	free(v);
	v = ks_meta_get(text, len, "kstruct-format");
	KS_FUZZ_CHECK(v && atoi(v) == KS_SNAPSHOT_FORMAT, "meta format");
	free(v);
	v = ks_meta_get(text, len, "unions");
	KS_FUZZ_CHECK(v && !strcmp(v, "4"), "meta unions");
	free(v);
	free(text);

	tag = ks_tag_ref(lineage, release);
	KS_FUZZ_CHECK(ks_release_ref_parse(tag, &pd, &pa, &pf, &pr) == 1, "tag '%s' is no "
		      "release ref", tag);
	KS_FUZZ_CHECK(!strcmp(pd, distro) && !strcmp(pa, arch) && !strcmp(pf, flavor) && !strcmp(pr, release),
		      "tag '%s' parsed to '%s' '%s' '%s'", tag, pa, pf, pr);
	KS_FUZZ_CHECK(!ks_lineage_ref_is(tag), "tag '%s' taken for a branch", tag);
	free(pd);
	free(pa);
	free(pf);
	free(pr);
	free(tag);
	branch = ks_branch_ref(lineage);
	KS_FUZZ_CHECK(ks_lineage_ref_is(branch), "branch '%s' is no lineage ref", branch);
	KS_FUZZ_CHECK(!ks_release_ref_parse(branch, NULL, NULL, NULL, NULL), "branch as a tag");
	free(branch);

	/* the commit text, as git (libgit2) reads it */
	git_check(git_odb_hash(&tree, lineage, strlen(lineage), GIT_OBJECT_TREE), "hash");
	git_check(git_odb_hash(&parent, release, strlen(release), GIT_OBJECT_COMMIT), "hash");
	text = ks_commit_format(&tree, with_parent ? &parent : NULL, lineage, release, &len);
	git_check(git_odb_write(&id, odb, text, len, GIT_OBJECT_COMMIT), "odb write");
	git_check(git_commit_lookup(&c, repo, &id), "commit parse");
	up = ks_distro_upstream(distro, release);
	want = up && *up ? ks_xasprintf("%s %s\n\nupstream %s\n", lineage, release, up)
			 : ks_xasprintf("%s %s\n", lineage, release);
	free(up);
	KS_FUZZ_CHECK(!strcmp(git_commit_message(c), want), "commit message '%s'",
		      git_commit_message(c));
	KS_FUZZ_CHECK(git_oid_equal(git_commit_tree_id(c), &tree), "commit tree");
	KS_FUZZ_CHECK(git_commit_parentcount(c) == (unsigned)!!with_parent, "parents");
	KS_FUZZ_CHECK(!with_parent || git_oid_equal(git_commit_parent_id(c, 0), &parent),
		      "parent");
	KS_FUZZ_CHECK(git_commit_time(c) == 0 && !strcmp(git_commit_author(c)->name, "kstruct"),
		      "commit identity");
	free(want);
	git_commit_free(c);
	free(text);
	free(distro);
	free(arch);
	free(flavor);
	ks_err_clear();
}

/* The kinds a meta records, as a fetch checks them: an accepted meta
 * records struct and union, known kinds only, counts only for those, and
 * what the store writes for them reads back the same. */
static void check_meta_kinds(const char *text, size_t len)
{
	struct ks_release_meta meta = { "r", "x86_64", "generic", NULL, 0, NULL };
	unsigned long count[KS_KIND_COUNT], again[KS_KIND_COUNT];
	size_t wcount[KS_KIND_COUNT];
	unsigned int rec = 0, rec2 = 0;
	char *out;
	size_t olen;
	int k;

	if (ks_meta_kinds(text, len, &rec, count)) {
		ks_err_clear();
		return;
	}
	KS_FUZZ_CHECK((rec & KS_KINDS_LEGACY) == KS_KINDS_LEGACY && !(rec & ~KS_KINDS_ALL),
		      "meta accepted with kinds %#x", rec);
	for (k = 0; k < KS_KIND_COUNT; k++) {
		KS_FUZZ_CHECK((rec & (1u << k)) || !count[k], "count of unrecorded kind %d", k);
		wcount[k] = count[k];
	}
	out = ks_meta_format_kinds(&meta, rec, wcount, &olen);
	KS_FUZZ_CHECK(!ks_meta_kinds(out, olen, &rec2, again), "written meta refused: %s",
		      ks_err_msg());
	KS_FUZZ_CHECK(rec2 == rec && !memcmp(count, again, sizeof(count)),
		      "kinds %#x read back as %#x", rec, rec2);
	free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy = ks_xmalloc(size + 1);
	const char *fields[MAX_FIELDS], *sums[MAX_FIELDS];
	size_t nf = 0, ns = 0, i, k, off = 0;

	/* the meta blob: the bytes up to the first NUL (a blob may hold
	 * NULs: also the whole input) */
	for (k = 0; k < sizeof(meta_keys) / sizeof(meta_keys[0]); k++) {
		const char *nul = memchr(data, '\0', size);

		check_meta_get((const char *)data, size, meta_keys[k]);
		if (nul)
			check_meta_get((const char *)data, (size_t)(nul - (const char *)data),
				       meta_keys[k]);
	}
	check_meta_kinds((const char *)data, size);
	memcpy(copy, data, size);
	copy[size] = '\0';
	while (off <= size && nf < MAX_FIELDS) {
		fields[nf++] = copy + off;
		off += strlen(copy + off) + 1;
	}
	for (i = 0; i < nf; i++) {
		check_names(fields[i]);
		if (i && fields[i][0])	/* as a key into the first field */
			check_meta_get(fields[0], strlen(fields[0]), fields[i]);
		if (is_hex64(fields[i]))
			sums[ns++] = fields[i];
	}
	for (i = 0; i + 1 < nf; i++) {
		if (!ks_store_check_lineage(fields[i]) &&
		    !ks_store_check_release_name(fields[i + 1]))
			check_release(fields[i], fields[i + 1], sums, ns, (int)(i & 1));
		ks_err_clear();
	}
	git_mempack_reset(mempack);
	free(copy);
	return 0;
}
