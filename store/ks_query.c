/* Reading releases and types back. A lookup reads one path of one tree:
 * nothing is checked out, whatever the number of types in a release. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ks_buf.h"
#include "ks_distro.h"
#include "ks_err.h"
#include "ks_suggest.h"
#include "ks_store_int.h"

static char *blob_text(git_repository *repo, git_tree *tree, const char *path,
		       size_t *len)
{
	git_tree_entry *e = NULL;
	git_blob *blob = NULL;
	char *text = NULL;

	if (git_tree_entry_bypath(&e, tree, path))
		return NULL;
	if (git_tree_entry_type(e) == GIT_OBJECT_BLOB &&
	    !git_blob_lookup(&blob, repo, git_tree_entry_id(e))) {
		size_t n = (size_t)git_blob_rawsize(blob);

		text = ks_xstrndup(git_blob_rawcontent(blob), n);
		if (len)
			*len = n;
	}
	git_blob_free(blob);
	git_tree_entry_free(e);
	return text;
}

static unsigned long meta_count(const char *meta, size_t len, const char *key)
{
	char *v = ks_meta_get(meta, len, key);
	unsigned long n = v ? strtoul(v, NULL, 10) : 0;

	free(v);
	return n;
}

static int cmp_info(const void *a, const void *b)
{
	const struct ks_release_info *x = a, *y = b;
	int c = strcmp(x->lineage, y->lineage);

	return c ? c : ks_distro_version_cmp(x->distro, x->release, y->release);
}

int ks_store_list_releases(struct ks_store *s, const char *lineage,
			   struct ks_release_list **out)
{
	struct ks_release_list *list = ks_xcalloc(1, sizeof(*list));
	git_reference_iterator *it = NULL;
	git_reference *ref;
	size_t cap = 0;
	char *glob = lineage ? ks_xasprintf("refs/tags/%s/*", lineage)
			     : ks_xstrdup("refs/tags/*");
	int err;

	if (git_reference_iterator_glob_new(&it, s->repo, glob)) {
		free(glob);
		free(list);
		return ks_err_git("cannot list releases");
	}
	free(glob);
	while (!(err = git_reference_next(&ref, it))) {
		struct ks_release_info info = { .recorded = KS_KINDS_LEGACY };
		git_commit *c = NULL;
		git_tree *tree = NULL;
		git_object *obj = NULL;
		char *meta;
		size_t mlen = 0;

		if (!ks_release_ref_parse(git_reference_name(ref), &info.distro, &info.arch,
					  &info.flavor, &info.release) ||
		    git_reference_peel(&obj, ref, GIT_OBJECT_COMMIT)) {
			free(info.distro);
			free(info.arch);
			free(info.flavor);
			free(info.release);
			git_reference_free(ref);
			continue;
		}
		c = (git_commit *)obj;
		git_oid_tostr(info.commit, sizeof(info.commit), git_commit_id(c));
		if (!git_commit_tree(&tree, c)) {
			meta = blob_text(s->repo, tree, KS_META_PATH, &mlen);
			if (meta) {
				char *sum = ks_meta_get(meta, mlen, "btf-sha256");

				/* a meta this kstruct cannot read still shows its
				 * struct and union counts */
				if (ks_meta_kinds(meta, mlen, &info.recorded, info.count)) {
					ks_err_clear();
					info.recorded = KS_KINDS_LEGACY;
					info.count[KS_KIND_STRUCT] = meta_count(meta, mlen, "structs");
					info.count[KS_KIND_UNION] = meta_count(meta, mlen, "unions");
				}
				info.nstructs = info.count[KS_KIND_STRUCT];
				info.nunions = info.count[KS_KIND_UNION];
				if (sum)
					snprintf(info.btf_sha256, sizeof(info.btf_sha256),
						 "%s", sum);
				free(sum);
				free(meta);
			}
			git_tree_free(tree);
		}
		info.lineage = ks_xasprintf("%s/%s/%s", info.distro, info.arch, info.flavor);
		info.upstream = ks_distro_upstream(info.distro, info.release);
		if (list->n == cap) {
			cap = cap ? cap * 2 : 16;
			list->items = ks_xrealloc(list->items, cap * sizeof(info));
		}
		list->items[list->n++] = info;
		git_object_free(obj);
		git_reference_free(ref);
	}
	git_reference_iterator_free(it);
	if (err != GIT_ITEROVER) {
		ks_release_list_free(list);
		return ks_err_git("cannot list releases");
	}
	if (list->n)
		qsort(list->items, list->n, sizeof(*list->items), cmp_info);
	*out = list;
	return 0;
}

void ks_release_list_free(struct ks_release_list *list)
{
	size_t i;

	if (!list)
		return;
	for (i = 0; i < list->n; i++) {
		free(list->items[i].lineage);
		free(list->items[i].arch);
		free(list->items[i].flavor);
		free(list->items[i].distro);
		free(list->items[i].upstream);
		free(list->items[i].release);
	}
	free(list->items);
	free(list);
}

int ks_store_list_lineages(struct ks_store *s, char ***out, size_t *n)
{
	struct ks_release_list *list;
	char **v;
	size_t i, k = 0;
	int err = ks_store_list_releases(s, NULL, &list);

	if (err)
		return err;
	v = ks_xcalloc(list->n + 1, sizeof(char *));
	for (i = 0; i < list->n; i++) {
		if (k && !strcmp(v[k - 1], list->items[i].lineage))
			continue;
		v[k++] = ks_xstrdup(list->items[i].lineage);
	}
	ks_release_list_free(list);
	*out = v;
	*n = k;
	return 0;
}

/* The error for a lineage or release that is not there, naming what is. */
int ks_store__missing_release(struct ks_store *s, const char *lineage,
			   const char *release)
{
	struct ks_release_list *all;
	struct ks_suggest *sg;
	struct ks_buf other = KS_BUF_INIT;
	char *close;
	size_t i;
	int err;

	if (ks_store_list_releases(s, NULL, &all))
		return ks_err_set(KS_ENOTFOUND, "no release %s in lineage %s",
				  release ? release : "", lineage);
	if (!all->n) {
		ks_release_list_free(all);
		return ks_err_set(KS_ENOTFOUND, "the store %s is empty; add a kernel "
				  "with 'kstruct import FILE'", s->path);
	}
	if (!release) {
		char **lin;
		size_t n;

		ks_release_list_free(all);
		if (ks_store_list_lineages(s, &lin, &n))
			return ks_err_set(KS_ENOTFOUND, "no releases in lineage %s", lineage);
		for (i = 0; i < n; i++)
			ks_buf_printf(&other, "%s%s", i ? ", " : "", lin[i]);
		err = ks_err_set(KS_ENOTFOUND, "no releases in lineage %s; the store has "
				 "%s (choose one with --lineage)", lineage, other.p);
		ks_strv_free(lin, n);
		ks_buf_free(&other);
		return err;
	}
	sg = ks_suggest_new(release);
	for (i = 0; i < all->n; i++) {
		const struct ks_release_info *r = &all->items[i];

		if (!strcmp(r->lineage, lineage))
			ks_suggest_add(sg, r->release);
		else if (!strcmp(r->release, release))
			ks_buf_printf(&other, "%s%s", other.len ? ", " : "", r->lineage);
	}
	close = ks_suggest_result(sg, 5);
	if (other.len)
		err = ks_err_set(KS_ENOTFOUND, "no release %s in lineage %s; it is in %s "
				 "(use --lineage)", release, lineage, other.p);
	else if (close)
		err = ks_err_set(KS_ENOTFOUND, "no release %s in lineage %s; did you "
				 "mean %s?", release, lineage, close);
	else
		err = ks_err_set(KS_ENOTFOUND, "no release %s in lineage %s (see "
				 "'kstruct releases')", release, lineage);
	free(close);
	ks_suggest_free(sg);
	ks_buf_free(&other);
	ks_release_list_free(all);
	return err;
}

/* Entries of a kind's folder sit two fan-out levels down. */
static int walk_level(git_repository *repo, git_tree *t, int level, const char *kind,
		      int want_text, ks_type_fn fn, ks_blob_fn bfn, void *ctx)
{
	size_t i;
	int ret = 0;

	for (i = 0; i < git_tree_entrycount(t) && !ret; i++) {
		const git_tree_entry *e = git_tree_entry_byindex(t, i);

		if (level < 2) {
			git_tree *sub = NULL;

			if (git_tree_entry_type(e) != GIT_OBJECT_TREE ||
			    git_tree_lookup(&sub, repo, git_tree_entry_id(e)))
				continue;
			ret = walk_level(repo, sub, level + 1, kind, want_text, fn, bfn, ctx);
			git_tree_free(sub);
		} else {
			unsigned int variant;
			char *name = ks_store_unescape_name(git_tree_entry_name(e), &variant);
			git_blob *blob = NULL;

			if (!name)
				continue;
			if (bfn) {
				char hex[GIT_OID_HEXSZ + 1];

				git_oid_tostr(hex, sizeof(hex), git_tree_entry_id(e));
				ret = bfn(kind, name, variant, hex, ctx);
			} else if (!want_text) {
				ret = fn(kind, name, variant, NULL, 0, ctx);
			} else if (git_blob_lookup(&blob, repo, git_tree_entry_id(e))) {
				ret = ks_err_git("cannot read %s", name);
			} else {
				ret = fn(kind, name, variant, git_blob_rawcontent(blob),
					 (size_t)git_blob_rawsize(blob), ctx);
				git_blob_free(blob);
			}
			free(name);
		}
	}
	return ret;
}

static int walk_tree(git_repository *repo, git_tree *root, unsigned int kinds, int want_text,
		     ks_type_fn fn, ks_blob_fn bfn, void *ctx)
{
	int k, ret = 0;

	for (k = 0; k < KS_KIND_COUNT && !ret; k++) {
		const char *kind = ks_kind_name((enum ks_kind)k);
		const git_tree_entry *ke;
		git_tree *kt = NULL;

		if (!(kinds & (1u << k)))
			continue;
		ke = git_tree_entry_byname(root, kind);
		if (ke && git_tree_entry_type(ke) == GIT_OBJECT_TREE &&
		    !git_tree_lookup(&kt, repo, git_tree_entry_id(ke)))
			ret = walk_level(repo, kt, 0, kind, want_text, fn, bfn, ctx);
		git_tree_free(kt);
	}
	return ret;
}

/* Names as a user types them: struct and union bare, the other kinds
 * with their prefix, each scored by the name alone. */
static int suggest_cb(const char *kind, const char *name, unsigned int variant,
		      const char *text, size_t len, void *ctx)
{
	(void)text, (void)len;
	if (variant != 1)
		return 0;
	if (!strcmp(kind, "struct") || !strcmp(kind, "union")) {
		ks_suggest_add(ctx, name);
	} else {
		char *shown = ks_xasprintf("%s:%s", kind, name);

		ks_suggest_add_as(ctx, name, shown);
		free(shown);
	}
	return 0;
}

/* The snapshot tree of @release, or of the lineage's newest release. */
int ks_store__release_tree(struct ks_store *s, const char *lineage,
			const char *release, git_tree **tree)
{
	git_commit *commit = NULL;
	git_oid id;
	char *ref;
	int err = 0;

	if ((err = ks_store_check_lineage(lineage)))
		return err;
	if (release) {
		ref = ks_tag_ref(lineage, release);
		err = git_reference_name_to_id(&id, s->repo, ref);
		free(ref);
	} else {
		err = ks_store__lineage_head(s, lineage, &id);
	}
	if (err)
		return ks_store__missing_release(s, lineage, release);
	if (git_commit_lookup(&commit, s->repo, &id) || git_commit_tree(tree, commit))
		err = ks_err_git("cannot read release snapshot");
	git_commit_free(commit);
	return err;
}

int ks_store_foreach_type(struct ks_store *s, const char *lineage,
			  const char *release, unsigned int kinds, int want_text, ks_type_fn fn,
			  void *ctx)
{
	git_tree *tree = NULL;
	int err = ks_store__release_tree(s, lineage, release, &tree);

	if (!err)
		err = walk_tree(s->repo, tree, kinds, want_text, fn, NULL, ctx);
	git_tree_free(tree);
	return err;
}

int ks_store_foreach_blob(struct ks_store *s, const char *lineage, const char *release,
			  unsigned int kinds, ks_blob_fn fn, void *ctx)
{
	git_tree *tree = NULL;
	int err = ks_store__release_tree(s, lineage, release, &tree);

	if (!err)
		err = walk_tree(s->repo, tree, kinds, 0, NULL, fn, ctx);
	git_tree_free(tree);
	return err;
}

int ks_store_read_blob(struct ks_store *s, const char *hex, char **text, size_t *len)
{
	git_blob *blob = NULL;
	git_oid id;

	if (git_oid_fromstr(&id, hex) || git_blob_lookup(&blob, s->repo, &id))
		return ks_err_git("cannot read object %s", hex);
	*len = (size_t)git_blob_rawsize(blob);
	*text = ks_xmalloc(*len + 1);
	memcpy(*text, git_blob_rawcontent(blob), *len);
	(*text)[*len] = '\0';
	git_blob_free(blob);
	return 0;
}

int ks_store__lineage_head(struct ks_store *s, const char *lineage, git_oid *id)
{
	char *ref = ks_branch_ref(lineage);
	int err = git_reference_name_to_id(id, s->repo, ref);

	free(ref);
	if (err) {
		ref = ks_xasprintf("refs/remotes/origin/%s", lineage);
		err = git_reference_name_to_id(id, s->repo, ref);
		free(ref);
	}
	return ks_err_from_git(err, "no branch for lineage %s", lineage);
}

unsigned int ks_store__tree_recorded(git_repository *repo, git_tree *tree)
{
	unsigned long count[KS_KIND_COUNT];
	unsigned int rec = KS_KINDS_LEGACY;
	size_t len;
	char *meta = blob_text(repo, tree, KS_META_PATH, &len);

	if (meta && ks_meta_kinds(meta, len, &rec, count))
		rec = KS_KINDS_LEGACY;
	ks_err_clear();
	free(meta);
	return rec;
}

/* The release a snapshot tree records, from its meta (allocated). */
static char *tree_release(git_repository *repo, git_tree *tree, const char *fallback)
{
	size_t len;
	char *meta = blob_text(repo, tree, KS_META_PATH, &len);
	char *rel = meta ? ks_meta_get(meta, len, "release") : NULL;

	free(meta);
	return rel ? rel : ks_xstrdup(fallback ? fallback : "?");
}

int ks_store__no_such_type(struct ks_store *s, git_tree *tree, const char *kind,
			   const char *name, const char *lineage, const char *release)
{
	struct ks_suggest *sg = ks_suggest_new(name);
	struct ks_buf what = KS_BUF_INIT, hint = KS_BUF_INIT;
	char *close;
	int err;

	walk_tree(s->repo, tree, KS_KINDS_ALL, 0, suggest_cb, NULL, sg);
	close = ks_suggest_result(sg, 5);
	if (kind)
		ks_buf_printf(&what, "no %s '%s'", kind, name);
	else
		ks_buf_printf(&what, "nothing named '%s'", name);
	/* a bare name nothing is close to may be of a kind an older import
	 * did not read */
	if (!kind && !close && ks_store__tree_recorded(s->repo, tree) == KS_KINDS_LEGACY) {
		char *rel = tree_release(s->repo, tree, release);

		ks_buf_printf(&hint, " (only structs and unions were recorded in %s: "
			      "imported by an older kstruct; import it again to complete it)", rel);
		free(rel);
	}
	if (close)
		err = ks_err_set(KS_ENOTFOUND, "%s in %s%s%s; did you mean %s?%s", what.p,
				 lineage, release ? " " : "", release ? release : "", close,
				 hint.len ? hint.p : "");
	else
		err = ks_err_set(KS_ENOTFOUND, "%s in %s%s%s%s", what.p, lineage,
				 release ? " " : "", release ? release : "", hint.len ? hint.p : "");
	free(close);
	ks_suggest_free(sg);
	ks_buf_free(&what);
	ks_buf_free(&hint);
	return err;
}

int ks_store__not_recorded(enum ks_kind kind, const char *name, const char *lineage,
			   const char *release)
{
	const char *k = ks_kind_name(kind);

	if (!release)
		return ks_err_set(KS_ENOTFOUND, "%s:%s: %ss were not recorded in any release "
				  "of %s (imported by an older kstruct; import them again to "
				  "complete them)", k, name, k, lineage);
	return ks_err_set(KS_ENOTFOUND, "%s:%s: %ss were not recorded in %s (imported by "
			  "an older kstruct; import it again to complete it)", k, name, k,
			  release);
}

static const char *article(enum ks_kind k)
{
	return k == KS_KIND_ENUM || k == KS_KIND_LSM ? "an" : "a";
}

int ks_store__ambiguous(const char *name, unsigned int kinds, const char *where)
{
	struct ks_buf is = KS_BUF_INIT, say = KS_BUF_INIT;
	int k, n = 0, total = 0, err;

	for (k = 0; k < KS_KIND_COUNT; k++)
		total += !!(kinds & (1u << k));
	for (k = 0; k < KS_KIND_COUNT; k++) {
		const char *sep;

		if (!(kinds & (1u << k)))
			continue;
		sep = !n ? "" : n == total - 1 ? " and " : ", ";
		ks_buf_printf(&is, "%s%s %s", sep, article((enum ks_kind)k),
			      ks_kind_name((enum ks_kind)k));
		ks_buf_printf(&say, "%s%s:%s", !n ? "" : n == total - 1 ? " or " : ", ",
			      ks_kind_name((enum ks_kind)k), name);
		n++;
	}
	err = ks_err_set(KS_EINVAL, "'%s' is %s in %s: say %s", name, is.p, where, say.p);
	ks_buf_free(&is);
	ks_buf_free(&say);
	return err;
}

const char *ks_store__split_kind(const char **name)
{
	if (!strncmp(*name, "struct ", 7)) {
		*name += 7;
		return "struct";
	}
	if (!strncmp(*name, "union ", 6)) {
		*name += 6;
		return "union";
	}
	return NULL;
}

/* Splits "name~N" into name and variant. */
char *ks_store__split_variant(const char *arg, unsigned int *variant)
{
	const char *t = strrchr(arg, '~');
	char *end;
	unsigned long v;

	*variant = 1;
	if (!t || t == arg)
		return ks_xstrdup(arg);
	v = strtoul(t + 1, &end, 10);
	if (*end || !t[1] || v < 1 || v > 1000000)
		return ks_xstrdup(arg);
	*variant = (unsigned int)v;
	return ks_xstrndup(arg, (size_t)(t - arg));
}

int ks_store__parse_spec(const char *spec, struct ks_name_spec *out)
{
	const char *legacy, *rest = spec;
	int err;

	memset(out, 0, sizeof(*out));
	legacy = ks_store__split_kind(&rest);
	if (legacy) {
		out->has_kind = 1;
		out->kind = legacy[0] == 's' ? KS_KIND_STRUCT : KS_KIND_UNION;
	} else if ((err = ks_kind_split(spec, &out->has_kind, &out->kind, &rest))) {
		ks_err_prefix("'%s'", spec);
		return err;
	}
	out->name = ks_store__split_variant(rest, &out->variant);
	if (!out->name[0]) {
		free(out->name);
		out->name = NULL;
		return ks_err_set(KS_EINVAL, "'%s': no name after the kind", spec);
	}
	return 0;
}

static int tree_has(git_tree *tree, const char *kind, const char *name, unsigned int variant)
{
	char *path = ks_store_type_path(kind, name, variant);
	git_tree_entry *e = NULL;
	int has = !git_tree_entry_bypath(&e, tree, path);

	git_tree_entry_free(e);
	free(path);
	return has;
}

unsigned int ks_store__kinds_in_tree(git_tree *tree, const char *name, unsigned int variant)
{
	unsigned int found = 0;
	int k;

	for (k = 0; k < KS_KIND_COUNT; k++) {
		if (tree_has(tree, ks_kind_name((enum ks_kind)k), name, variant))
			found |= 1u << k;
		/* a struct or union outranks every other kind (pick_kind): the
		 * other folders (a func tree is large) need not be read */
		if (found & KS_KINDS_LEGACY)
			break;
	}
	return found;
}

int ks_store__pick_kind(const char *name, unsigned int found, const char *where,
			enum ks_kind *kind)
{
	int k;

	/* struct and union first, as before the other kinds existed */
	if (found & (1u << KS_KIND_STRUCT)) {
		*kind = KS_KIND_STRUCT;
		return 0;
	}
	if (found & (1u << KS_KIND_UNION)) {
		*kind = KS_KIND_UNION;
		return 0;
	}
	if (found & (found - 1))
		return ks_store__ambiguous(name, found, where);
	for (k = 0; k < KS_KIND_COUNT; k++) {
		if (found & (1u << k)) {
			*kind = (enum ks_kind)k;
			return 0;
		}
	}
	return KS_ENOTFOUND;	/* the caller says what is missing */
}

int ks_store__resolve_in_tree(struct ks_store *s, git_tree *tree,
			      const struct ks_name_spec *sp, const char *lineage,
			      const char *release, enum ks_kind *kind)
{
	char *where;
	int err;

	if (sp->has_kind) {
		*kind = sp->kind;
		return 0;
	}
	where = release ? ks_xasprintf("%s %s", lineage, release) : ks_xstrdup(lineage);
	err = ks_store__pick_kind(sp->name, ks_store__kinds_in_tree(tree, sp->name, sp->variant),
				  where, kind);
	free(where);
	if (err == KS_ENOTFOUND)
		err = ks_store__no_such_type(s, tree, NULL, sp->name, lineage, release);
	return err;
}

int ks_store_read_type(struct ks_store *s, const char *lineage,
		       const char *release, const char *spec,
		       struct ks_type_text **out)
{
	struct ks_name_spec sp = { 0 };
	struct ks_type_text *tt = NULL;
	git_tree *tree = NULL;
	const char *kind;
	char *path, *text;
	enum ks_kind k;
	size_t len;
	int err = ks_store__release_tree(s, lineage, release, &tree);

	if (err)
		return err;
	if ((err = ks_store__parse_spec(spec, &sp)) ||
	    (err = ks_store__resolve_in_tree(s, tree, &sp, lineage, release, &k)))
		goto out;
	kind = ks_kind_name(k);
	path = ks_store_type_path(kind, sp.name, sp.variant);
	text = blob_text(s->repo, tree, path, &len);
	free(path);
	if (!text) {
		if (!(ks_store__tree_recorded(s->repo, tree) & (1u << k))) {
			char *rel = tree_release(s->repo, tree, release);

			err = ks_store__not_recorded(k, sp.name, lineage, rel);
			free(rel);
		} else {
			err = ks_store__no_such_type(s, tree, kind, sp.name, lineage, release);
		}
		goto out;
	}
	tt = ks_xcalloc(1, sizeof(*tt));
	tt->kind = kind;
	tt->name = ks_xstrdup(sp.name);
	tt->variant = sp.variant;
	tt->text = text;
	tt->len = len;
	tt->lineage = ks_xstrdup(lineage);
	for (tt->nvariants = 1; tree_has(tree, kind, sp.name, tt->nvariants + 1); tt->nvariants++)
		;
	/* "irte" is both a struct and a union in some kernels */
	if (!sp.has_kind && k == KS_KIND_STRUCT)
		tt->other_kind = tree_has(tree, "union", sp.name, 1);
	tt->release = tree_release(s->repo, tree, release);
	*out = tt;
	tt = NULL;
out:
	ks_type_text_free(tt);
	free(sp.name);
	git_tree_free(tree);
	return err;
}

void ks_type_text_free(struct ks_type_text *t)
{
	if (!t)
		return;
	free(t->name);
	free(t->release);
	free(t->lineage);
	free(t->text);
	free(t);
}
