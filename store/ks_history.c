/* History walks along a lineage branch. The cost of a walk must not grow
 * with the number of types in a release: each release costs the trees on
 * one path, and a tree whose id equals the previous release's is not read
 * again, nor is a blob. */
#include <stdlib.h>
#include <string.h>

#include "ks_buf.h"
#include "ks_err.h"
#include "ks_store_int.h"

/* A lineage's releases, oldest first: from the history index when it
 * describes the branch head (then no commit is read), else walked. */
struct chain {
	git_commit **commits;	/* NULL when from the index */
	char **releases;
	size_t n;
	struct ks_hindex *x;
};

static void chain_free(struct chain *c)
{
	size_t i;

	for (i = 0; i < c->n; i++) {
		if (c->commits)
			git_commit_free(c->commits[i]);
		free(c->releases[i]);
	}
	free(c->commits);
	free(c->releases);
	ks_hindex_close(c->x);
}

/* Release @i's snapshot tree. */
static void chain_tree(const struct chain *c, size_t i, git_oid *tree)
{
	if (c->x)
		ks_hindex_release(c->x, i, tree, NULL);
	else
		*tree = *git_commit_tree_id(c->commits[i]);
}

char *ks_store__commit_release(git_commit *c)
{
	const char *msg = git_commit_message(c), *sp = msg ? strchr(msg, ' ') : NULL;
	size_t n;

	if (!sp)
		return NULL;
	n = strcspn(sp + 1, "\n");
	return n ? ks_xstrndup(sp + 1, n) : NULL;
}

static int load_chain(struct ks_store *s, const char *lineage, struct chain *out)
{
	char *ref = ks_branch_ref(lineage);
	git_commit *c = NULL;
	git_oid id;
	size_t cap = 0, i;
	int err = 0;

	memset(out, 0, sizeof(*out));
	if ((err = ks_store_check_lineage(lineage))) {
		free(ref);
		return err;
	}
	free(ref);
	if (ks_store__lineage_head(s, lineage, &id))
		return ks_store__missing_release(s, lineage, NULL);
	if ((err = ks_hindex_open(s, lineage, &id, &out->x)))
		return err;
	if (out->x) {
		out->n = ks_hindex_nreleases(out->x);
		out->releases = ks_xmalloc(out->n * sizeof(char *));
		for (i = 0; i < out->n; i++)
			out->releases[i] = ks_xstrdup(ks_hindex_release(out->x, i, NULL, NULL));
		return 0;
	}
	if (git_commit_lookup(&c, s->repo, &id))
		return ks_err_git("cannot read lineage %s", lineage);
	while (c) {
		git_commit *parent = NULL;
		char *rel = ks_store__commit_release(c);

		if (!rel) {
			git_commit_free(c);
			err = ks_err_set(KS_EFORMAT, "lineage %s has a commit that is not "
					 "a kstruct release", lineage);
			break;
		}
		if (out->n == cap) {
			cap = cap ? cap * 2 : 64;
			out->commits = ks_xrealloc(out->commits, cap * sizeof(*out->commits));
			out->releases = ks_xrealloc(out->releases, cap * sizeof(char *));
		}
		out->commits[out->n] = c;
		out->releases[out->n++] = rel;
		if (git_commit_parentcount(c) == 0)
			break;
		if (git_commit_parent(&parent, c, 0)) {
			err = ks_err_git("cannot read lineage %s", lineage);
			break;
		}
		c = parent;
	}
	/* newest first as walked; history reads oldest first */
	for (i = 0; i < out->n / 2; i++) {
		git_commit *tc = out->commits[i];
		char *tr = out->releases[i];

		out->commits[i] = out->commits[out->n - 1 - i];
		out->releases[i] = out->releases[out->n - 1 - i];
		out->commits[out->n - 1 - i] = tc;
		out->releases[out->n - 1 - i] = tr;
	}
	if (err)
		chain_free(out);
	return err;
}

int ks_store_lineage_releases(struct ks_store *s, const char *lineage,
			      char ***releases, size_t *n)
{
	struct chain c;
	int err = load_chain(s, lineage, &c);

	if (err)
		return err;
	*releases = c.releases;
	*n = c.n;
	/* the names are the caller's now: chain_free() takes the rest */
	c.releases = ks_xcalloc(c.n ? c.n : 1, sizeof(char *));
	chain_free(&c);
	return 0;
}

/* One step down a path: the entry @name of tree @parent, remembering
 * the last tree read so that an unchanged subtree costs nothing. */
struct step {
	git_oid tree;		/* the tree this step looked in */
	int have_tree;
	int found;
	git_oid id;		/* what @name is in it */
};

static int step_lookup(git_repository *repo, struct step *st, const git_oid *tree_id,
		       const char *name)
{
	git_tree *t = NULL;
	const git_tree_entry *e;

	if (st->have_tree && !git_oid_cmp(&st->tree, tree_id))
		return 0;
	if (git_tree_lookup(&t, repo, tree_id))
		return ks_err_git("cannot read tree");
	e = git_tree_entry_byname(t, name);
	st->found = e != NULL;
	if (e)
		st->id = *git_tree_entry_id(e);
	st->tree = *tree_id;
	st->have_tree = 1;
	git_tree_free(t);
	return 0;
}

/* The path of @name in one kind's folder, and the variant-2 entry that
 * tells whether more bodies exist. */
struct kind_path {
	const char *kind;
	char *letter, *bucket, *entry, *entry2, *base_entry;
	struct step kind_step, letter_step, bucket_step, entry_step, entry2_step;
	/* the same from the history index: the entry, the next variant,
	 * and the variants 2.. of the base name, as runs of changes */
	int indexed, has, has2;
	struct ks_hindex_run run, run2, *vrun;
	size_t nv;
};

static void kind_path_init(struct kind_path *kp, const char *kind, const char *name,
			   unsigned int variant)
{
	char *path = ks_store_type_path(kind, name, variant);
	char *p2 = ks_store_type_path(kind, name, variant + 1);
	char *p1 = ks_store_type_path(kind, name, 1);
	char *l = strchr(path, '/') + 1, *b = strchr(l, '/') + 1, *e = strchr(b, '/');

	memset(kp, 0, sizeof(*kp));
	kp->kind = kind;
	kp->letter = ks_xstrndup(l, (size_t)(b - 1 - l));
	kp->bucket = ks_xstrndup(b, (size_t)(e - b));
	kp->entry = ks_xstrdup(e + 1);
	kp->entry2 = ks_xstrdup(strrchr(p2, '/') + 1);
	kp->base_entry = ks_xstrdup(strrchr(p1, '/') + 1);
	free(path);
	free(p1);
	free(p2);
}

static void kind_path_free(struct kind_path *kp)
{
	free(kp->vrun);
	free(kp->letter);
	free(kp->bucket);
	free(kp->entry);
	free(kp->entry2);
	free(kp->base_entry);
}

/* Finds the name's paths in the history index: lookups then read no tree. */
static void kind_path_index(struct kind_path *kp, const struct ks_hindex *x, const char *name,
			    unsigned int variant)
{
	char *p = ks_store_type_path(kp->kind, name, variant);
	unsigned int v;

	kp->indexed = 1;
	kp->has = ks_hindex_find(x, p, &kp->run);
	free(p);
	p = ks_store_type_path(kp->kind, name, variant + 1);
	kp->has2 = ks_hindex_find(x, p, &kp->run2);
	free(p);
	for (v = 2; kp->has || kp->has2; v++) {
		struct ks_hindex_run r;
		int hit;

		p = ks_store_type_path(kp->kind, name, v);
		hit = ks_hindex_find(x, p, &r);
		free(p);
		if (!hit)
			break;
		kp->vrun = ks_xrealloc(kp->vrun, (kp->nv + 1) * sizeof(*kp->vrun));
		kp->vrun[kp->nv++] = r;
	}
}

/* The name in release @i, from the index; *nvariants as count_variants
 * counts them (consecutive ~2, ~3, ... present). */
static void kind_path_at(struct kind_path *kp, size_t i, int *found, git_oid *blob,
			 int *more, unsigned int *nvariants)
{
	git_oid other;
	size_t v;

	*found = kp->has && ks_hindex_at(&kp->run, i, blob);
	*more = kp->has2 && ks_hindex_at(&kp->run2, i, &other);
	*nvariants = 1;
	for (v = 0; v < kp->nv && ks_hindex_at(&kp->vrun[v], i, &other); v++)
		(*nvariants)++;
}

/* Looks the name up in one release's root tree. */
static int kind_path_find(git_repository *repo, struct kind_path *kp,
			  const git_oid *root, int *found, git_oid *blob, int *more)
{
	int err;

	*found = *more = 0;
	if ((err = step_lookup(repo, &kp->kind_step, root, kp->kind)) || !kp->kind_step.found)
		return err;
	if ((err = step_lookup(repo, &kp->letter_step, &kp->kind_step.id, kp->letter)) ||
	    !kp->letter_step.found)
		return err;
	if ((err = step_lookup(repo, &kp->bucket_step, &kp->letter_step.id, kp->bucket)) ||
	    !kp->bucket_step.found)
		return err;
	if ((err = step_lookup(repo, &kp->entry_step, &kp->bucket_step.id, kp->entry)) ||
	    (err = step_lookup(repo, &kp->entry2_step, &kp->bucket_step.id, kp->entry2)))
		return err;
	*found = kp->entry_step.found;
	*more = kp->entry2_step.found;
	if (*found)
		*blob = kp->entry_step.id;
	return 0;
}

/* How many bodies the name has in the bucket (only asked when > 1). */
static unsigned int count_variants(git_repository *repo, const git_oid *bucket,
				   const char *entry)
{
	git_tree *t = NULL;
	unsigned int n = 1;

	if (git_tree_lookup(&t, repo, bucket))
		return 1;
	for (;;) {
		char *e = ks_xasprintf("%s~%u", entry, n + 1);
		int has = git_tree_entry_byname(t, e) != NULL;

		free(e);
		if (!has)
			break;
		n++;
	}
	git_tree_free(t);
	return n;
}

/* One kind_path per kind, so a name is looked up in every folder. */
static void kind_paths_init(struct kind_path kp[KS_KIND_COUNT], const struct chain *c,
			    const char *name, unsigned int variant)
{
	int k;

	for (k = 0; k < KS_KIND_COUNT; k++) {
		kind_path_init(&kp[k], ks_kind_name((enum ks_kind)k), name, variant);
		if (c->x)
			kind_path_index(&kp[k], c->x, name, variant);
	}
}

static void kind_paths_free(struct kind_path kp[KS_KIND_COUNT])
{
	int k;

	for (k = 0; k < KS_KIND_COUNT; k++)
		kind_path_free(&kp[k]);
}

/* The kinds NAME has in any release of @c. A struct found ends the
 * search: nothing can outrank it. */
static int kinds_in_chain(git_repository *repo, const struct chain *c,
			  struct kind_path kp[KS_KIND_COUNT], unsigned int *found)
{
	size_t i;
	int k, err = 0;

	*found = 0;
	if (c->x) {
		/* a path the index knows had a blob in some release */
		for (k = 0; k < KS_KIND_COUNT; k++)
			if (kp[k].has)
				*found |= 1u << k;
		return 0;
	}
	for (i = 0; i < c->n && !err && !(*found & (1u << KS_KIND_STRUCT)); i++) {
		git_oid root;

		chain_tree(c, i, &root);
		for (k = 0; k < KS_KIND_COUNT && !err; k++) {
			git_oid blob;
			int hit, more;

			if (*found & (1u << k))
				continue;
			err = kind_path_find(repo, &kp[k], &root, &hit, &blob, &more);
			if (hit)
				*found |= 1u << k;
		}
	}
	return err;
}

/* KS_ENOTFOUND for @sp in lineage @c, suggesting from its newest release. */
static int not_in_lineage(struct ks_store *s, const struct chain *c,
			  const struct ks_name_spec *sp, const char *lineage)
{
	git_tree *tree = NULL;
	git_oid root;
	int err;

	if (c->n)
		chain_tree(c, c->n - 1, &root);
	if (c->n && !git_tree_lookup(&tree, s->repo, &root))
		err = ks_store__no_such_type(s, tree, sp->has_kind ? ks_kind_name(sp->kind) : NULL,
					     sp->name, lineage, NULL);
	else
		err = ks_err_set(KS_ENOTFOUND, "nothing named '%s' in %s", sp->name, lineage);
	git_tree_free(tree);
	return err;
}

/* The kind a bare name means in the whole lineage. */
static int resolve_in_chain(struct ks_store *s, const struct chain *c,
			    struct kind_path kp[KS_KIND_COUNT], const struct ks_name_spec *sp,
			    const char *lineage, enum ks_kind *kind)
{
	unsigned int found;
	int err;

	if (sp->has_kind) {
		*kind = sp->kind;
		return 0;
	}
	if ((err = kinds_in_chain(s->repo, c, kp, &found)))
		return err;
	err = ks_store__pick_kind(sp->name, found, lineage, kind);
	if (err == KS_ENOTFOUND)
		err = not_in_lineage(s, c, sp, lineage);
	return err;
}

int ks_store_resolve_name(struct ks_store *s, const char *lineage, const char *release,
			  const char *spec, const char **kind, char **name,
			  unsigned int *variant)
{
	struct ks_name_spec sp;
	enum ks_kind k;
	int err = ks_store__parse_spec(spec, &sp);

	if (err)
		return err;
	if (sp.has_kind) {
		k = sp.kind;
	} else if (release) {
		git_tree *tree = NULL;

		err = ks_store__release_tree(s, lineage, release, &tree);
		if (!err)
			err = ks_store__resolve_in_tree(s, tree, &sp, lineage, release, &k);
		git_tree_free(tree);
	} else {
		struct kind_path kp[KS_KIND_COUNT];
		struct chain c;

		if (!(err = load_chain(s, lineage, &c))) {
			kind_paths_init(kp, &c, sp.name, sp.variant);
			err = resolve_in_chain(s, &c, kp, &sp, lineage, &k);
			kind_paths_free(kp);
			chain_free(&c);
		}
	}
	if (err) {
		free(sp.name);
		return err;
	}
	*kind = ks_kind_name(k);
	*name = sp.name;
	*variant = sp.variant;
	return 0;
}

/* Whether release @i records @k: a folder of the kind says so without
 * reading the meta, which only a release without one needs. */
static int chain_records(git_repository *repo, const struct chain *c, size_t i,
			 const struct kind_path *kp, enum ks_kind k)
{
	git_tree *tree = NULL;
	int rec;

	git_oid root;
	unsigned int recorded;

	if (((1u << k) & KS_KINDS_LEGACY) || (!c->x && kp->kind_step.found))
		return 1;
	if (c->x) {
		ks_hindex_release(c->x, i, NULL, &recorded);
		return !!(recorded & (1u << k));
	}
	chain_tree(c, i, &root);
	if (git_tree_lookup(&tree, repo, &root))
		return 0;
	rec = !!(ks_store__tree_recorded(repo, tree) & (1u << k));
	git_tree_free(tree);
	return rec;
}

static int read_text(struct ks_store *s, struct ks_hist_entry *e, const git_oid *blob,
		     const char *name)
{
	git_blob *b = NULL;

	if (git_blob_lookup(&b, s->repo, blob))
		return ks_err_git("cannot read %s in %s", name, e->release);
	e->len = (size_t)git_blob_rawsize(b);
	e->text = ks_xstrndup(git_blob_rawcontent(b), e->len);
	git_blob_free(b);
	return 0;
}

int ks_history_load_text(struct ks_store *s, struct ks_history *h, size_t i)
{
	git_oid blob;

	while (i > 0 && h->e[i].same_as_prev)
		i--;
	if (h->e[i].text || !h->e[i].present)
		return 0;
	if (git_oid_fromstr(&blob, h->e[i].blob))
		return ks_err_set(KS_EINVAL, "bad blob id %s", h->e[i].blob);
	return read_text(s, &h->e[i], &blob, h->name);
}

static int history(struct ks_store *s, const char *lineage, const char *arg, int lazy,
		   struct ks_history **out)
{
	struct ks_history *h = NULL;
	struct kind_path kp[KS_KIND_COUNT];
	struct ks_name_spec sp;
	unsigned int look;
	enum ks_kind kind;
	struct chain c;
	git_oid prev_blob;
	int have_prev = 0, any = 0, any_recorded = 0, err, k;
	size_t i;

	if ((err = ks_store__parse_spec(arg, &sp)))
		return err;
	if ((err = load_chain(s, lineage, &c))) {
		free(sp.name);
		return err;
	}
	kind_paths_init(kp, &c, sp.name, sp.variant);
	if ((err = resolve_in_chain(s, &c, kp, &sp, lineage, &kind)))
		goto out;
	/* a bare name of a struct or union follows both, release by release,
	 * as it did before the other kinds: one that changed kind is one
	 * history */
	look = 1u << kind;
	if (!sp.has_kind && ((1u << kind) & KS_KINDS_LEGACY))
		look = KS_KINDS_LEGACY;

	h = ks_xcalloc(1, sizeof(*h));
	h->lineage = ks_xstrdup(lineage);
	h->name = sp.name;
	sp.name = NULL;
	h->variant = sp.variant;
	h->kind = ks_kind_name(kind);
	h->e = ks_xcalloc(c.n ? c.n : 1, sizeof(*h->e));
	h->n = c.n;

	for (i = 0; i < c.n && !err; i++) {
		struct ks_hist_entry *e = &h->e[i];
		git_oid root;

		chain_tree(&c, i, &root);
		e->release = ks_xstrdup(c.releases[i]);
		for (k = 0; k < KS_KIND_COUNT && !err && !e->present; k++) {
			git_oid blob;
			int found, more;
			unsigned int nv = 1;

			if (!(look & (1u << k)))
				continue;
			if (c.x)
				kind_path_at(&kp[k], i, &found, &blob, &more, &nv);
			else
				err = kind_path_find(s->repo, &kp[k], &root, &found, &blob, &more);
			if (err)
				break;
			if (!e->recorded)
				e->recorded = chain_records(s->repo, &c, i, &kp[k], (enum ks_kind)k);
			if (!found)
				continue;
			e->present = 1;
			e->kind = kp[k].kind;
			if (!c.x)
				nv = more || h->variant > 1 ? count_variants(s->repo,
					&kp[k].bucket_step.id, kp[k].base_entry) : 1;
			e->nvariants = nv;
			git_oid_tostr(e->blob, sizeof(e->blob), &blob);
			if (have_prev && !git_oid_cmp(&prev_blob, &blob))
				e->same_as_prev = 1;
			else if (!lazy && (err = read_text(s, e, &blob, h->name)))
				break;
			prev_blob = blob;
			have_prev = 1;
			any = 1;
		}
		any_recorded |= e->recorded;
		if (!e->present)
			have_prev = 0;
	}
	if (!err && !any) {
		struct ks_name_spec want = { 1, kind, h->name, h->variant };

		err = any_recorded ? not_in_lineage(s, &c, &want, lineage) :
		      ks_store__not_recorded(kind, h->name, lineage, NULL);
	}
out:
	kind_paths_free(kp);
	chain_free(&c);
	free(sp.name);
	if (err) {
		ks_history_free(h);
		return err;
	}
	*out = h;
	return 0;
}

int ks_store_history(struct ks_store *s, const char *lineage, const char *arg,
		     struct ks_history **out)
{
	return history(s, lineage, arg, 0, out);
}

int ks_store_history_lazy(struct ks_store *s, const char *lineage, const char *arg,
			  struct ks_history **out)
{
	return history(s, lineage, arg, 1, out);
}

void ks_history_free(struct ks_history *h)
{
	size_t i;

	if (!h)
		return;
	for (i = 0; i < h->n; i++) {
		free(h->e[i].release);
		free(h->e[i].text);
	}
	free(h->e);
	free(h->lineage);
	free(h->name);
	free(h);
}
