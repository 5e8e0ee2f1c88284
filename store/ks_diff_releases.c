/* What differs between two releases, from git's tree diff: subtrees with
 * equal ids (most of the fan-out between neighbouring releases) are
 * skipped without being read. */
#include <stdlib.h>
#include <string.h>

#include "ks_buf.h"
#include "ks_err.h"
#include "ks_store_int.h"

static char *blob_copy(git_repository *repo, const git_oid *id, size_t *len)
{
	git_blob *b = NULL;
	char *text;

	if (git_blob_lookup(&b, repo, id))
		return NULL;
	*len = (size_t)git_blob_rawsize(b);
	text = ks_xstrndup(git_blob_rawcontent(b), *len);
	git_blob_free(b);
	return text;
}


static int cmp_change(const void *a, const void *b)
{
	const struct ks_tree_change *x = a, *y = b;
	int c = (int)ks_kind_of(x->kind) - (int)ks_kind_of(y->kind);

	if (!c)
		c = strcmp(x->name, y->name);
	if (!c)
		c = (x->variant > y->variant) - (x->variant < y->variant);
	return c;
}

int ks_store_diff_releases(struct ks_store *s, const char *lineage, const char *r1,
			   const char *r2, int want_text, struct ks_tree_changes **out)
{
	git_diff_options o;
	git_tree *t1 = NULL, *t2 = NULL;
	git_diff *diff = NULL;
	struct ks_tree_changes *res = NULL;
	size_t i, n, cap = 0;
	int err;

	if ((err = ks_store__release_tree(s, lineage, r1, &t1)) ||
	    (err = ks_store__release_tree(s, lineage, r2, &t2)))
		goto out;
	git_diff_options_init(&o, GIT_DIFF_OPTIONS_VERSION);
	o.flags |= GIT_DIFF_SKIP_BINARY_CHECK;
	if (git_diff_tree_to_tree(&diff, s->repo, t1, t2, &o)) {
		err = ks_err_git("cannot compare %s and %s", r1, r2);
		goto out;
	}
	res = ks_xcalloc(1, sizeof(*res));
	n = git_diff_num_deltas(diff);
	for (i = 0; i < n; i++) {
		const git_diff_delta *d = git_diff_get_delta(diff, i);
		const char *path = d->new_file.path ? d->new_file.path : d->old_file.path;
		const char *kind, *entry = strrchr(path, '/'), *slash = strchr(path, '/');
		struct ks_tree_change *c;
		unsigned int variant;
		enum ks_kind k;
		char *name;

		/* meta, or a folder of no kind this version knows */
		if (!slash || ks_kind_parse(path, (size_t)(slash - path), &k)) {
			ks_err_clear();
			continue;
		}
		kind = ks_kind_name(k);
		name = entry ? ks_store_unescape_name(entry + 1, &variant) : NULL;
		if (!name)
			continue;
		if (res->n == cap) {
			cap = cap ? cap * 2 : 64;
			res->c = ks_xrealloc(res->c, cap * sizeof(*res->c));
		}
		c = &res->c[res->n++];
		memset(c, 0, sizeof(*c));
		c->kind = kind;
		c->name = name;
		c->variant = variant;
		c->status = d->status == GIT_DELTA_ADDED ? 'A' :
			    d->status == GIT_DELTA_DELETED ? 'D' : 'M';
		if (want_text && c->status != 'A')
			c->old_text = blob_copy(s->repo, &d->old_file.id, &c->old_len);
		if (want_text && c->status != 'D')
			c->new_text = blob_copy(s->repo, &d->new_file.id, &c->new_len);
	}
	if (res->n)
		qsort(res->c, res->n, sizeof(*res->c), cmp_change);
	*out = res;
	res = NULL;
out:
	ks_tree_changes_free(res);
	git_diff_free(diff);
	git_tree_free(t1);
	git_tree_free(t2);
	return err;
}

void ks_tree_changes_free(struct ks_tree_changes *c)
{
	size_t i;

	if (!c)
		return;
	for (i = 0; i < c->n; i++) {
		free(c->c[i].name);
		free(c->c[i].old_text);
		free(c->c[i].new_text);
	}
	free(c->c);
	free(c);
}
