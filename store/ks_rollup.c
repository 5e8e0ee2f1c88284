/* A roll-up's pack: the objects of the packs rolled up, each tree and
 * blob as a delta against the next newer version of its path.
 *
 * The lineage branches are walked from their newest release back, and
 * each release's snapshot tree is entered where it holds objects of the
 * set: the first version of a path met is the newest, written whole (so
 * that `show` of a newest release reads no delta chain); each older one
 * is a delta against the last one met at that path, which is a release's
 * neighbour with one or two structs changed. libgit2's packbuilder,
 * choosing bases by name hash and size within a window, made stores 1.4x
 * what git gc --aggressive makes of them at 5,000 releases; the import
 * knows better which object resembles which. Chains stop at MAX_DEPTH,
 * as git's do (reading the oldest release of a path applies at most that
 * many deltas). What no walk reaches (release commits, notes, objects of
 * releases whose branch is elsewhere) is written whole after; the notes
 * (where each release came from) are walked as the branches are. */
#include <stdlib.h>
#include <string.h>

#include "ks_buf.h"
#include "ks_delta.h"
#include "ks_err.h"
#include "ks_store_int.h"

#define MAX_DEPTH 50
/* Every HEAD_EVERY-th version of a path is a head, a delta against an
 * earlier head by skip-deltas (Subversion's): head h against head h with
 * its lowest set bit cleared, so that a head is at most popcount(h) deltas
 * from a whole object and the versions between heads chain from theirs.
 * A plain chain cut at MAX_DEPTH wrote one version in 51 whole, which for
 * an object that grows a little each release (the notes tree: one entry
 * an import, 60 KB at 1,000 releases) was most of what it cost. */
#define HEAD_EVERY 32
#define LEVEL 9			/* libdeflate: a roll-up runs detached */
#define MAX_TREE_DEPTH 8	/* kind/letter/bucket/entry: 4 */
/* the "paths" of commits and of what no walk reaches: no tree has them */
#define COMMITS "\001commits"
#define REST "\001rest"
#define NOTES "\001notes"

/* A version written, as a possible base. */
struct version {
	git_odb_object *obj;	/* NULL: none */
	uint64_t offset;
	int depth;
	uint32_t head;		/* for a head: its number */
};

/* What a path's next older version may be a delta against: the version
 * met before it, and the heads that later heads will want. */
struct last {
	char *path;
	struct version prev;
	uint32_t met;		/* versions met at this path */
	struct version *heads;	/* O(log heads) of them, by number */
	size_t nheads;
};

struct rollup {
	git_repository *repo;
	git_odb *odb;
	const git_oid *ids;	/* sorted, unique */
	size_t n;
	unsigned char *done;
	struct ks_packw *w;
	struct last *paths;	/* open addressing on the path's hash */
	size_t npaths, nslots;
	struct ks_buf delta;
	size_t deltas;
};

static ptrdiff_t find(const struct rollup *r, const git_oid *id)
{
	size_t lo = 0, hi = r->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = git_oid_cmp(&r->ids[mid], id);

		if (!c)
			return (ptrdiff_t)mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

static size_t path_hash(const char *p)
{
	size_t h = 14695981039346656037ull;

	while (*p)
		h = (h ^ (unsigned char)*p++) * 1099511628211ull;
	return h;
}

static struct last *slot_of(struct rollup *r, const char *path)
{
	size_t i = path_hash(path) & (r->nslots - 1);

	while (r->paths[i].path && strcmp(r->paths[i].path, path))
		i = (i + 1) & (r->nslots - 1);
	return &r->paths[i];
}

static void grow(struct rollup *r)
{
	struct last *old = r->paths;
	size_t i, n = r->nslots;

	r->nslots = n ? n * 2 : 1024;
	r->paths = ks_xcalloc(r->nslots, sizeof(*r->paths));
	for (i = 0; i < n; i++)
		if (old[i].path)
			*slot_of(r, old[i].path) = old[i];
	free(old);
}

static void version_free(struct version *v)
{
	git_odb_object_free(v->obj);
	v->obj = NULL;
}

/* The base head of head @h, and forgetting the heads no later head
 * wants: head g serves the heads in (g, g + lowbit(g)), head 0 all. */
static struct version *head_base(struct last *l, uint32_t h)
{
	uint32_t want = h & (h - 1);
	struct version *base = NULL;
	size_t i, k = 0;

	for (i = 0; i < l->nheads; i++) {
		struct version *g = &l->heads[i];

		if (g->head && g->head + (g->head & -g->head) <= h) {
			version_free(g);
			continue;
		}
		l->heads[k++] = *g;
	}
	l->nheads = k;
	for (i = 0; i < l->nheads; i++)
		if (l->heads[i].head == want)
			base = &l->heads[i];
	return base;
}

/* Appends @obj as a delta against @base when that is shorter than half
 * of it, else whole; its offset and depth into @v. */
static int write_version(struct rollup *r, ptrdiff_t at, git_odb_object *obj,
			 const struct version *base, struct version *v)
{
	const unsigned char *data = git_odb_object_data(obj);
	size_t len = git_odb_object_size(obj), clen;
	unsigned char *check = NULL;

	ks_buf_truncate(&r->delta, 0);
	v->depth = 0;
	if (base && base->obj && base->depth < MAX_DEPTH &&
	    git_odb_object_type(base->obj) == git_odb_object_type(obj) &&
	    !ks_delta_make(git_odb_object_data(base->obj), git_odb_object_size(base->obj), data,
			   len, len / 2, &r->delta)) {
		/* a wrong delta would lose the object for good: check it */
		if (ks_delta_apply(git_odb_object_data(base->obj), git_odb_object_size(base->obj),
				   (const unsigned char *)r->delta.p, r->delta.len, &check, &clen) ||
		    clen != len || memcmp(check, data, len)) {
			free(check);
			return ks_err_set(KS_EINVAL, "a delta did not give its object back");
		}
		free(check);
		v->depth = base->depth + 1;
		r->deltas++;
		return ks_packw_add_delta(r->w, &r->ids[at], base->offset, r->delta.p,
					  r->delta.len, &v->offset);
	}
	return ks_packw_add(r->w, &r->ids[at], git_odb_object_type(obj), data, len, &v->offset);
}

/* Writes object @at, reached at @path: a head against its base head, any
 * other version against the one met before it at the path. */
static int put(struct rollup *r, ptrdiff_t at, const char *path, git_odb_object **objp)
{
	git_odb_object *obj;
	struct last *l;
	struct version v = { NULL, 0, 0, 0 };
	int err, is_head;

	r->done[at] = 1;
	if (git_odb_read(&obj, r->odb, &r->ids[at]))
		return ks_err_git("cannot read an object to repack");
	if (r->npaths * 2 >= r->nslots)
		grow(r);
	l = slot_of(r, path);
	is_head = l->met % HEAD_EVERY == 0;
	v.head = l->met / HEAD_EVERY;
	err = write_version(r, at, obj, is_head ? (v.head ? head_base(l, v.head) : NULL) : &l->prev,
			    &v);
	if (err) {
		git_odb_object_free(obj);
		return err;
	}
	if (!l->path) {
		l->path = ks_xstrdup(path);
		r->npaths++;
	}
	l->met++;
	if (is_head) {
		l->heads = ks_xrealloc(l->heads, (l->nheads + 1) * sizeof(*l->heads));
		l->heads[l->nheads] = v;
		git_odb_object_dup(&l->heads[l->nheads++].obj, obj);
	}
	version_free(&l->prev);
	l->prev = v;
	l->prev.obj = obj;
	if (objp)
		*objp = obj;
	return 0;
}

/* The objects of the set under tree @at, at @path. Entries are read from
 * the tree's bytes (mode, space, name, NUL, 20-byte id), bounds checked:
 * a fetched store's trees were validated, but a roll-up must not trust
 * that. A subtree not in the set holds nothing new (an import writes
 * every tree its new objects need), so it is not entered. */
static int put_tree(struct rollup *r, ptrdiff_t at, struct ks_buf *path, int depth)
{
	git_odb_object *obj;
	const char *p, *end;
	size_t len = path->len;
	int err;

	if ((err = put(r, at, path->p, &obj)) || depth > MAX_TREE_DEPTH)
		return err;
	git_odb_object_dup(&obj, obj);	/* the path's slot may drop it */
	p = git_odb_object_data(obj);
	end = p + git_odb_object_size(obj);
	while (!err && p < end) {
		const char *sp = memchr(p, ' ', (size_t)(end - p)), *name, *nul;
		git_oid id;
		ptrdiff_t eat;
		int is_tree = !strncmp(p, "40000 ", 6);

		if (!sp || !(nul = memchr(sp, '\0', (size_t)(end - sp))) || end - nul < 21)
			break;
		name = sp + 1;
		git_oid_fromraw(&id, (const unsigned char *)nul + 1);
		p = nul + 21;
		if ((eat = find(r, &id)) < 0 || r->done[eat])
			continue;
		ks_buf_truncate(path, len);
		ks_buf_printf(path, "%s%.*s", len ? "/" : "", (int)(nul - name), name);
		err = is_tree ? put_tree(r, eat, path, depth + 1) : put(r, eat, path->p, NULL);
	}
	ks_buf_truncate(path, len);
	git_odb_object_free(obj);
	return err;
}

/* One chain of commits from @tip, newest first: a lineage branch (one
 * release a commit) or the notes (one import a commit); @root is the
 * path of their trees, so that notes trees meet notes trees only. */
static int walk_chain(struct rollup *r, const git_oid *tip, const char *root,
		      struct ks_buf *path)
{
	git_oid id = *tip;
	int err = 0;

	for (;;) {
		git_commit *c;
		ptrdiff_t at;

		if (git_commit_lookup(&c, r->repo, &id))
			return ks_err_git("cannot read a commit to repack");
		if ((at = find(r, &id)) >= 0 && !r->done[at])
			err = put(r, at, COMMITS, NULL);
		if (!err && (at = find(r, git_commit_tree_id(c))) >= 0 && !r->done[at]) {
			ks_buf_truncate(path, 0);
			ks_buf_add(path, root, strlen(root));	/* a string, even empty */
			err = put_tree(r, at, path, 0);
		}
		if (err || !git_commit_parentcount(c)) {
			git_commit_free(c);
			return err;
		}
		id = *git_commit_parent_id(c, 0);
		git_commit_free(c);
	}
}

static int walk_refs(struct rollup *r, const char *glob, const char *root)
{
	git_reference_iterator *it;
	git_reference *ref;
	struct ks_buf path = KS_BUF_INIT;
	int err = 0;

	if (git_reference_iterator_glob_new(&it, r->repo, glob))
		return ks_err_git("cannot list %s", glob);
	while (!err && !git_reference_next(&ref, it)) {
		if (git_reference_type(ref) == GIT_REFERENCE_DIRECT)
			err = walk_chain(r, git_reference_target(ref), root, &path);
		git_reference_free(ref);
	}
	git_reference_iterator_free(it);
	ks_buf_free(&path);
	return err;
}

int ks_rollup_write(git_repository *repo, git_odb *odb, const git_oid *ids, size_t n,
		    const char *dir, char hex[GIT_OID_HEXSZ + 1], size_t *deltas)
{
	struct rollup r;
	size_t i;
	int err;

	if (n > UINT32_MAX)
		return ks_err_set(KS_EINVAL, "too many objects for one pack");
	memset(&r, 0, sizeof(r));
	r.repo = repo;
	r.odb = odb;
	r.ids = ids;
	r.n = n;
	r.done = ks_xcalloc(n ? n : 1, 1);
	grow(&r);
	err = ks_packw_open(&r.w, dir, (uint32_t)n, LEVEL);
	if (!err)
		err = walk_refs(&r, "refs/heads/*", "");
	if (!err)
		err = walk_refs(&r, "refs/notes/*", NOTES);
	for (i = 0; i < n && !err; i++)
		if (!r.done[i])
			err = put(&r, (ptrdiff_t)i, REST, NULL);
	if (!err) {
		err = ks_packw_finish(r.w, hex);
		r.w = NULL;
	}
	ks_packw_free(r.w);
	for (i = 0; i < r.nslots; i++) {
		struct last *l = &r.paths[i];

		free(l->path);
		version_free(&l->prev);
		while (l->nheads)
			version_free(&l->heads[--l->nheads]);
		free(l->heads);
	}
	free(r.paths);
	free(r.done);
	ks_buf_free(&r.delta);
	if (deltas)
		*deltas = r.deltas;
	return err;
}
