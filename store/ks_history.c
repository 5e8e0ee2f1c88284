/* History walks along a lineage branch. The cost of a walk must not grow
 * with the number of types in a release: each release costs the trees on
 * one path, and a tree whose id equals the previous release's is not read
 * again, nor is a blob. */
#include <stdlib.h>
#include <string.h>

#include "ks_buf.h"
#include "ks_err.h"
#include "ks_store_int.h"

struct chain {
	git_commit **commits;	/* oldest first */
	char **releases;
	size_t n;
};

static void chain_free(struct chain *c)
{
	size_t i;

	for (i = 0; i < c->n; i++) {
		git_commit_free(c->commits[i]);
		free(c->releases[i]);
	}
	free(c->commits);
	free(c->releases);
}

/* The release a chain commit records: its message is "<lineage> <release>". */
static char *commit_release(git_commit *c)
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
	if (git_commit_lookup(&c, s->repo, &id))
		return ks_err_git("cannot read lineage %s", lineage);
	while (c) {
		git_commit *parent = NULL;
		char *rel = commit_release(c);

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
	size_t i;
	int err = load_chain(s, lineage, &c);

	if (err)
		return err;
	for (i = 0; i < c.n; i++)
		git_commit_free(c.commits[i]);
	free(c.commits);
	*releases = c.releases;
	*n = c.n;
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
	free(kp->letter);
	free(kp->bucket);
	free(kp->entry);
	free(kp->entry2);
	free(kp->base_entry);
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

int ks_store_history(struct ks_store *s, const char *lineage, const char *arg,
		     struct ks_history **out)
{
	struct ks_history *h = ks_xcalloc(1, sizeof(*h));
	struct kind_path kp[2];
	const char *only;
	struct chain c;
	git_oid prev_blob;
	int have_prev = 0, any = 0, err;
	size_t i, k;

	err = load_chain(s, lineage, &c);
	if (err) {
		free(h);
		return err;
	}
	h->lineage = ks_xstrdup(lineage);
	only = ks_store__split_kind(&arg);
	h->name = ks_store__split_variant(arg, &h->variant);
	h->e = ks_xcalloc(c.n ? c.n : 1, sizeof(*h->e));
	h->n = c.n;
	kind_path_init(&kp[0], "struct", h->name, h->variant);
	kind_path_init(&kp[1], "union", h->name, h->variant);

	for (i = 0; i < c.n && !err; i++) {
		struct ks_hist_entry *e = &h->e[i];
		const git_oid *root = git_commit_tree_id(c.commits[i]);

		e->release = ks_xstrdup(c.releases[i]);
		for (k = 0; k < 2 && !err && !e->present; k++) {
			git_oid blob;
			int found, more;

			if (only && strcmp(only, kp[k].kind))
				continue;
			err = kind_path_find(s->repo, &kp[k], root, &found, &blob, &more);
			if (err || !found)
				continue;
			e->present = 1;
			e->kind = kp[k].kind;
			e->nvariants = more || h->variant > 1 ?
				count_variants(s->repo, &kp[k].bucket_step.id, kp[k].base_entry) : 1;
			git_oid_tostr(e->blob, sizeof(e->blob), &blob);
			if (have_prev && !git_oid_cmp(&prev_blob, &blob)) {
				e->same_as_prev = 1;
			} else {
				git_blob *b = NULL;

				if (git_blob_lookup(&b, s->repo, &blob)) {
					err = ks_err_git("cannot read %s in %s", h->name, e->release);
					break;
				}
				e->len = (size_t)git_blob_rawsize(b);
				e->text = ks_xstrndup(git_blob_rawcontent(b), e->len);
				git_blob_free(b);
			}
			prev_blob = blob;
			have_prev = 1;
			any = 1;
		}
		if (!e->present)
			have_prev = 0;
	}
	kind_path_free(&kp[0]);
	kind_path_free(&kp[1]);
	if (!err && !any) {
		git_tree *tree = NULL;

		if (c.n && !git_commit_tree(&tree, c.commits[c.n - 1]))
			err = ks_store__no_such_type(s, tree, arg, lineage, NULL);
		else
			err = ks_err_set(KS_ENOTFOUND, "no struct or union '%s' in %s", arg,
					 lineage);
		git_tree_free(tree);
	}
	chain_free(&c);
	if (err) {
		ks_history_free(h);
		return err;
	}
	*out = h;
	return 0;
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
