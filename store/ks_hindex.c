/* The history index of a lineage, in the spirit of git's commit-graph:
 * a derived file that answers "in which releases does this path's blob
 * change" without reading a tree per release. A log or blame of a name
 * then costs the releases where the name changed, not the length of the
 * lineage. The file names the branch head it was built from; readers
 * use it only while the branch is still there, else they walk the
 * commits as before, so it is never trusted over them. It is written by
 * `kstruct gc` (run detached after every write), extended from the
 * releases it already has when the branch only grew.
 *
 * <gitdir>/kstruct-history/<distro>~<arch>~<flavor>, little-endian:
 *   "KSHIDX1\n", head[20], nrel, npath, nchg, nstr      (u32 each)
 *   nrel x { commit[20], tree[20], name u32, recorded u32 }
 *   npath x { path u32, first u32, count u32 }           sorted by path
 *   nchg x { rel u32, blob[20] }    zero blob: absent from rel on
 *   nstr bytes of NUL-terminated strings                 (names, paths) */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ks_buf.h"
#include "ks_err.h"
#include "ks_strmap.h"
#include "ks_store_int.h"

#define MAGIC "KSHIDX1\n"
#define HDR (8 + 20 + 16)
#define REL_SZ 48
#define PATH_SZ 12
#define CHG_SZ 24
#define DIR_NAME "kstruct-history"

struct ks_hindex {
	const unsigned char *map;
	size_t len;
	uint32_t nrel, npath, nchg, nstr;
	const unsigned char *rel, *path, *chg;
	const char *str;
};

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put32(struct ks_buf *b, uint32_t v)
{
	unsigned char p[4] = { (unsigned char)v, (unsigned char)(v >> 8),
			       (unsigned char)(v >> 16), (unsigned char)(v >> 24) };

	ks_buf_add(b, p, 4);
}

static char *index_path(struct ks_store *s, const char *lineage)
{
	char *name = ks_xstrdup(lineage), *p, *path;

	for (p = name; *p; p++)
		if (*p == '/')
			*p = '~';
	path = ks_xasprintf("%s/%s/%s", git_repository_path(s->repo), DIR_NAME, name);
	free(name);
	return path;
}

/* ---- reading ---- */

/* The sizes: a file cut short or grown is not an index. Readers check
 * no more up front (a query must not pay for reading the whole file):
 * every offset a lookup follows is checked where it is followed. */
static int check_header(struct ks_hindex *x)
{
	uint64_t need;

	if (x->len < HDR || memcmp(x->map, MAGIC, 8))
		return 0;
	x->nrel = le32(x->map + 28);
	x->npath = le32(x->map + 32);
	x->nchg = le32(x->map + 36);
	x->nstr = le32(x->map + 40);
	need = HDR + (uint64_t)x->nrel * REL_SZ + (uint64_t)x->npath * PATH_SZ +
	       (uint64_t)x->nchg * CHG_SZ + x->nstr;
	if (need != x->len || !x->nrel || !x->nstr)
		return 0;
	x->rel = x->map + HDR;
	x->path = x->rel + (size_t)x->nrel * REL_SZ;
	x->chg = x->path + (size_t)x->npath * PATH_SZ;
	x->str = (const char *)(x->chg + (size_t)x->nchg * CHG_SZ);
	return !x->str[x->nstr - 1];
}

/* Every count and offset, and the order of the paths: what an index is
 * checked for before a writer extends it. */
static int check_map(struct ks_hindex *x)
{
	uint32_t i;

	if (!check_header(x))
		return 0;
	for (i = 0; i < x->nrel; i++)
		if (le32(x->rel + (size_t)i * REL_SZ + 40) >= x->nstr)
			return 0;
	for (i = 0; i < x->npath; i++) {
		const unsigned char *p = x->path + (size_t)i * PATH_SZ;
		uint64_t first = le32(p + 4), count = le32(p + 8);

		if (le32(p) >= x->nstr || !count || first + count > x->nchg)
			return 0;
		if (i && strcmp(x->str + le32(p - PATH_SZ), x->str + le32(p)) >= 0)
			return 0;
	}
	for (i = 0; i < x->nchg; i++)
		if (le32(x->chg + (size_t)i * CHG_SZ) >= x->nrel)
			return 0;
	return 1;
}

/* The index file of @lineage mapped and checked, or NULL. */
static struct ks_hindex *map_index(struct ks_store *s, const char *lineage, int full)
{
	char *path = index_path(s, lineage);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct ks_hindex *x;
	struct stat st;
	void *map;

	free(path);
	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) || st.st_size < HDR ||
	    (map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0)) == MAP_FAILED) {
		close(fd);
		return NULL;
	}
	close(fd);
	x = ks_xcalloc(1, sizeof(*x));
	x->map = map;
	x->len = (size_t)st.st_size;
	if (!(full ? check_map(x) : check_header(x))) {
		ks_hindex_close(x);
		return NULL;
	}
	return x;
}

static int describes(const struct ks_hindex *x, const git_oid *head)
{
	return !memcmp(x->map + 8, head->id, GIT_OID_RAWSZ);
}

int ks_hindex_open(struct ks_store *s, const char *lineage, const git_oid *head,
		   struct ks_hindex **out)
{
	*out = map_index(s, lineage, 0);
	if (*out && !describes(*out, head)) {
		ks_hindex_close(*out);
		*out = NULL;	/* the branch moved since: walk */
	}
	return 0;
}

void ks_hindex_close(struct ks_hindex *x)
{
	if (!x)
		return;
	munmap((void *)x->map, x->len);
	free(x);
}

size_t ks_hindex_nreleases(const struct ks_hindex *x)
{
	return x->nrel;
}

const char *ks_hindex_release(const struct ks_hindex *x, size_t i, git_oid *tree,
			      unsigned int *recorded)
{
	const unsigned char *r = x->rel + i * REL_SZ;
	uint32_t name = le32(r + 40);

	if (tree)
		memcpy(tree->id, r + 20, GIT_OID_RAWSZ);
	if (recorded)
		*recorded = le32(r + 44);
	/* the table ends in a NUL, so any offset in it is a string */
	return name < x->nstr ? x->str + name : "?";
}

int ks_hindex_find(const struct ks_hindex *x, const char *path, struct ks_hindex_run *run)
{
	size_t lo = 0, hi = x->npath;

	memset(run, 0, sizeof(*run));
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const unsigned char *p = x->path + mid * PATH_SZ;
		uint64_t first = le32(p + 4), count = le32(p + 8);
		int c;

		if (le32(p) >= x->nstr || first + count > x->nchg)
			return 0;	/* damaged: as if absent */
		c = strcmp(x->str + le32(p), path);
		if (!c) {
			run->chg = x->chg + (size_t)first * CHG_SZ;
			run->n = (size_t)count;
			return 1;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

int ks_hindex_at(struct ks_hindex_run *run, size_t rel, git_oid *blob)
{
	static const unsigned char zero[GIT_OID_RAWSZ];
	const unsigned char *c;

	/* callers go forward release by release: the cursor only advances */
	if (run->at > 0 && le32(run->chg + (run->at - 1) * CHG_SZ) > rel)
		run->at = 0;
	while (run->at < run->n && le32(run->chg + run->at * CHG_SZ) <= rel)
		run->at++;
	if (!run->at)
		return 0;
	c = run->chg + (run->at - 1) * CHG_SZ + 4;
	if (!memcmp(c, zero, GIT_OID_RAWSZ))
		return 0;
	memcpy(blob->id, c, GIT_OID_RAWSZ);
	return 1;
}

/* ---- building ---- */

struct bchg {
	uint32_t rel;
	git_oid blob;
};

struct bpath {
	struct bchg *c;
	size_t n, cap;
};

struct builder {
	struct ks_strmap paths;	/* path -> struct bpath * */
	struct {
		git_oid commit, tree;
		char *name;
		unsigned int recorded;
	} *rel;
	size_t nrel, cap;
};

static void add_change(struct builder *b, const char *path, uint32_t rel, const git_oid *blob)
{
	int found;
	struct ks_strmap_val *v = ks_strmap_slot(&b->paths, path, &found);
	struct bpath *p = v->ptr;

	if (!p)
		p = v->ptr = ks_xcalloc(1, sizeof(*p));
	if (p->n == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 2;
		p->c = ks_xrealloc(p->c, p->cap * sizeof(*p->c));
	}
	p->c[p->n].rel = rel;
	if (blob)
		p->c[p->n].blob = *blob;
	else
		memset(&p->c[p->n].blob, 0, sizeof(git_oid));
	p->n++;
}

static void builder_free(struct builder *b)
{
	size_t i;

	for (i = 0; i < b->paths.cap; i++)
		if (b->paths.keys && b->paths.keys[i] && b->paths.vals[i].ptr)
			free(((struct bpath *)b->paths.vals[i].ptr)->c);
	ks_strmap_free(&b->paths, 1);
	for (i = 0; i < b->nrel; i++)
		free(b->rel[i].name);
	free(b->rel);
}

/* The entries that differ between two trees (either may be absent),
 * as changes of release @rel; equal subtrees are not entered. */
static int diff_trees(git_repository *repo, struct builder *b, uint32_t rel,
		      const git_oid *a, const git_oid *n, struct ks_buf *path, int depth)
{
	git_tree *ta = NULL, *tn = NULL;
	size_t i, len = path->len;
	int err = 0;

	if (a && n && !git_oid_cmp(a, n))
		return 0;
	if (depth > 8)
		return ks_err_set(KS_EFORMAT, "a snapshot tree nests too deep");
	if ((a && git_tree_lookup(&ta, repo, a)) || (n && git_tree_lookup(&tn, repo, n))) {
		git_tree_free(ta);
		return ks_err_git("cannot read a snapshot tree");
	}
	for (i = 0; tn && i < git_tree_entrycount(tn) && !err; i++) {
		const git_tree_entry *e = git_tree_entry_byindex(tn, i);
		const char *name = git_tree_entry_name(e);
		const git_tree_entry *o = ta ? git_tree_entry_byname(ta, name) : NULL;
		int is_tree = git_tree_entry_type(e) == GIT_OBJECT_TREE;

		if (!depth && !strcmp(name, KS_META_PATH))
			continue;
		ks_buf_truncate(path, len);
		ks_buf_printf(path, "%s%s", len ? "/" : "", name);
		if (o && (git_tree_entry_type(o) == GIT_OBJECT_TREE) != is_tree) {
			/* a blob became a folder or back: both sides in full */
			err = is_tree ? diff_trees(repo, b, rel, NULL, git_tree_entry_id(e), path,
						   depth + 1) : 0;
			if (!is_tree)
				add_change(b, path->p, rel, git_tree_entry_id(e));
			o = NULL;
			continue;
		}
		if (is_tree)
			err = diff_trees(repo, b, rel, o ? git_tree_entry_id(o) : NULL,
					 git_tree_entry_id(e), path, depth + 1);
		else if (!o || git_oid_cmp(git_tree_entry_id(o), git_tree_entry_id(e)))
			add_change(b, path->p, rel, git_tree_entry_id(e));
	}
	for (i = 0; ta && i < git_tree_entrycount(ta) && !err; i++) {
		const git_tree_entry *e = git_tree_entry_byindex(ta, i);
		const char *name = git_tree_entry_name(e);
		const git_tree_entry *o = tn ? git_tree_entry_byname(tn, name) : NULL;
		int is_tree = git_tree_entry_type(e) == GIT_OBJECT_TREE;

		if ((!depth && !strcmp(name, KS_META_PATH)) ||
		    (o && (git_tree_entry_type(o) == GIT_OBJECT_TREE) == is_tree))
			continue;
		ks_buf_truncate(path, len);
		ks_buf_printf(path, "%s%s", len ? "/" : "", name);
		if (is_tree)
			err = diff_trees(repo, b, rel, git_tree_entry_id(e), NULL, path, depth + 1);
		else
			add_change(b, path->p, rel, NULL);
	}
	ks_buf_truncate(path, len);
	git_tree_free(ta);
	git_tree_free(tn);
	return err;
}

/* The releases of an index that are still the first of the chain: all
 * of them when its last commit is the chain's commit at that place (a
 * commit names its parent, so the whole prefix is the same), else none. */
static void load_prefix(struct builder *b, const struct ks_hindex *x, git_commit *const *chain,
			size_t n)
{
	uint32_t i, k;

	if (!x || x->nrel > n ||
	    memcmp(x->rel + (size_t)(x->nrel - 1) * REL_SZ, git_commit_id(chain[x->nrel - 1])->id,
		   GIT_OID_RAWSZ))
		return;
	for (i = 0; i < x->nrel; i++) {
		const unsigned char *r = x->rel + (size_t)i * REL_SZ;

		memcpy(b->rel[i].commit.id, r, GIT_OID_RAWSZ);
		memcpy(b->rel[i].tree.id, r + 20, GIT_OID_RAWSZ);
		b->rel[i].name = ks_xstrdup(x->str + le32(r + 40));
		b->rel[i].recorded = le32(r + 44);
	}
	b->nrel = x->nrel;
	for (i = 0; i < x->npath; i++) {
		const unsigned char *p = x->path + (size_t)i * PATH_SZ;
		uint32_t first = le32(p + 4), count = le32(p + 8);

		for (k = 0; k < count; k++) {
			const unsigned char *c = x->chg + (size_t)(first + k) * CHG_SZ;
			git_oid blob;
			static const unsigned char zero[GIT_OID_RAWSZ];

			memcpy(blob.id, c + 4, GIT_OID_RAWSZ);
			add_change(b, x->str + le32(p), le32(c),
				   memcmp(c + 4, zero, GIT_OID_RAWSZ) ? &blob : NULL);
		}
	}
}

static int cmp_key(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int write_index(struct ks_store *s, const char *lineage, const struct builder *b,
		       const git_oid *head)
{
	struct ks_buf rels = KS_BUF_INIT, paths = KS_BUF_INIT, chgs = KS_BUF_INIT,
		      strs = KS_BUF_INIT, hdr = KS_BUF_INIT;
	char **keys = ks_xmalloc((b->paths.n ? b->paths.n : 1) * sizeof(char *));
	char *path = index_path(s, lineage), *tmp, *dir;
	size_t i, k, nk = 0;
	uint32_t nchg = 0;
	FILE *f;
	int err = 0;

	for (i = 0; i < b->paths.cap; i++)
		if (b->paths.keys[i])
			keys[nk++] = b->paths.keys[i];
	qsort(keys, nk, sizeof(*keys), cmp_key);
	for (i = 0; i < b->nrel; i++) {
		ks_buf_add(&rels, b->rel[i].commit.id, GIT_OID_RAWSZ);
		ks_buf_add(&rels, b->rel[i].tree.id, GIT_OID_RAWSZ);
		put32(&rels, (uint32_t)strs.len);
		put32(&rels, b->rel[i].recorded);
		ks_buf_add(&strs, b->rel[i].name, strlen(b->rel[i].name) + 1);
	}
	for (i = 0; i < nk; i++) {
		const struct bpath *p = ks_strmap_find(&b->paths, keys[i])->ptr;

		put32(&paths, (uint32_t)strs.len);
		put32(&paths, nchg);
		put32(&paths, (uint32_t)p->n);
		ks_buf_add(&strs, keys[i], strlen(keys[i]) + 1);
		for (k = 0; k < p->n; k++) {
			put32(&chgs, p->c[k].rel);
			ks_buf_add(&chgs, p->c[k].blob.id, GIT_OID_RAWSZ);
		}
		nchg += (uint32_t)p->n;
	}
	ks_buf_add(&hdr, MAGIC, 8);
	ks_buf_add(&hdr, head->id, GIT_OID_RAWSZ);
	put32(&hdr, (uint32_t)b->nrel);
	put32(&hdr, (uint32_t)nk);
	put32(&hdr, nchg);
	put32(&hdr, (uint32_t)strs.len);

	dir = ks_xasprintf("%s/%s", git_repository_path(s->repo), DIR_NAME);
	if (mkdir(dir, 0755) && errno != EEXIST)
		err = ks_err_set(KS_EIO, "cannot create %s: %s", dir, strerror(errno));
	free(dir);
	tmp = ks_xasprintf("%s.tmp%ld", path, (long)getpid());
	if (!err && !(f = fopen(tmp, "we")))
		err = ks_err_set(KS_EIO, "cannot write %s: %s", tmp, strerror(errno));
	if (!err) {
		int bad = fwrite(hdr.p, 1, hdr.len, f) != hdr.len ||
			  fwrite(rels.p, 1, rels.len, f) != rels.len ||
			  (paths.len && fwrite(paths.p, 1, paths.len, f) != paths.len) ||
			  (chgs.len && fwrite(chgs.p, 1, chgs.len, f) != chgs.len) ||
			  fwrite(strs.p, 1, strs.len, f) != strs.len;

		bad |= fclose(f) != 0;
		/* readers see the old file or the new one, never half */
		if (bad || rename(tmp, path)) {
			err = ks_err_set(KS_EIO, "cannot write %s: %s", path, strerror(errno));
			unlink(tmp);
		}
	}
	free(tmp);
	free(path);
	free(keys);
	ks_buf_free(&rels);
	ks_buf_free(&paths);
	ks_buf_free(&chgs);
	ks_buf_free(&strs);
	ks_buf_free(&hdr);
	return err;
}

int ks_hindex_update(struct ks_store *s, const char *lineage, int *updated)
{
	struct builder b = { KS_STRMAP_INIT, NULL, 0, 0 };
	struct ks_buf path = KS_BUF_INIT;
	struct ks_hindex *old = NULL;
	git_commit **chain = NULL, *c = NULL;
	size_t n = 0, cap = 0, i;
	git_oid head;
	int err = 0;

	*updated = 0;
	if (ks_store__lineage_head(s, lineage, &head))
		return 0;	/* no branch: nothing to index */
	old = map_index(s, lineage, 1);
	if (old && describes(old, &head)) {
		ks_hindex_close(old);
		return 0;	/* current */
	}
	/* the chain, oldest first */
	if (git_commit_lookup(&c, s->repo, &head))
		return ks_err_git("cannot read lineage %s", lineage);
	while (c) {
		git_commit *parent = NULL;

		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			chain = ks_xrealloc(chain, cap * sizeof(*chain));
		}
		chain[n++] = c;
		if (!git_commit_parentcount(c))
			break;
		if (git_commit_parent(&parent, c, 0)) {
			err = ks_err_git("cannot read lineage %s", lineage);
			break;
		}
		c = parent;
	}
	for (i = 0; i < n / 2; i++) {
		git_commit *t = chain[i];

		chain[i] = chain[n - 1 - i];
		chain[n - 1 - i] = t;
	}
	b.rel = ks_xcalloc(n ? n : 1, sizeof(*b.rel));
	if (!err)
		load_prefix(&b, old, chain, n);
	ks_buf_add(&path, "", 0);
	for (i = b.nrel; i < n && !err; i++) {
		git_tree *tree = NULL;
		char *name = ks_store__commit_release(chain[i]);

		if (!name) {
			err = ks_err_set(KS_EFORMAT, "lineage %s has a commit that is not a "
					 "kstruct release", lineage);
			break;
		}
		b.rel[i].commit = *git_commit_id(chain[i]);
		b.rel[i].tree = *git_commit_tree_id(chain[i]);
		b.rel[i].name = name;
		if (git_commit_tree(&tree, chain[i])) {
			err = ks_err_git("cannot read lineage %s", lineage);
			b.nrel = i + 1;
			break;
		}
		b.rel[i].recorded = ks_store__tree_recorded(s->repo, tree);
		git_tree_free(tree);
		b.nrel = i + 1;
		ks_buf_truncate(&path, 0);
		err = diff_trees(s->repo, &b, (uint32_t)i, i ? &b.rel[i - 1].tree : NULL,
				 &b.rel[i].tree, &path, 0);
	}
	if (!err && n)
		err = write_index(s, lineage, &b, &head);
	if (!err)
		*updated = 1;
	for (i = 0; i < n; i++)
		git_commit_free(chain[i]);
	free(chain);
	ks_hindex_close(old);
	ks_buf_free(&path);
	builder_free(&b);
	return err;
}

int ks_store_index_history(struct ks_store *s, size_t *updated)
{
	char **lin = NULL;
	size_t n = 0, i;
	int err;

	*updated = 0;
	if ((err = ks_store_list_lineages(s, &lin, &n)))
		return err;
	for (i = 0; i < n && !err; i++) {
		int up = 0;

		err = ks_hindex_update(s, lin[i], &up);
		*updated += (size_t)up;
	}
	ks_strv_free(lin, n);
	return err;
}

int ks_store_history_stale(struct ks_store *s)
{
	char **lin = NULL;
	size_t n = 0, i;
	int stale = 0;

	if (ks_store_list_lineages(s, &lin, &n)) {
		ks_err_clear();
		return 0;
	}
	for (i = 0; i < n && !stale; i++) {
		git_oid head;
		struct ks_hindex *x;

		if (ks_store__lineage_head(s, lin[i], &head))
			continue;
		x = map_index(s, lin[i], 0);
		stale = !x || !describes(x, &head);
		ks_hindex_close(x);
	}
	ks_strv_free(lin, n);
	return stale;
}

int ks_store_history_paths(struct ks_store *s, const char *lineage, size_t min,
			   ks_path_history_fn fn, void *ctx)
{
	struct ks_hindex *x;
	unsigned char *blobs = NULL;
	git_oid head;
	size_t cap = 0;
	uint32_t i, k;
	int err = 0;

	if (ks_store__lineage_head(s, lineage, &head))
		return 0;	/* no branch: nothing indexed, nothing behind */
	x = map_index(s, lineage, 1);
	if (!x || !describes(x, &head)) {
		ks_hindex_close(x);
		return 1;
	}
	for (i = 0; i < x->npath && !err; i++) {
		const unsigned char *p = x->path + (size_t)i * PATH_SZ;
		uint32_t first = le32(p + 4), count = le32(p + 8);

		if (count < min)
			continue;
		if (count > cap) {
			cap = count;
			blobs = ks_xrealloc(blobs, cap * GIT_OID_RAWSZ);
		}
		for (k = 0; k < count; k++)
			memcpy(blobs + (size_t)k * GIT_OID_RAWSZ,
			       x->chg + (size_t)(first + k) * CHG_SZ + 4, GIT_OID_RAWSZ);
		err = fn(x->str + le32(p), blobs, count, ctx);
	}
	free(blobs);
	ks_hindex_close(x);
	return err;
}

char *ks_store_derived_path(struct ks_store *s, const char *name, int create)
{
	char *dir = ks_xasprintf("%s/%s", git_repository_path(s->repo), DIR_NAME);
	char *path = ks_xasprintf("%s/%s", dir, name);

	if (create)
		mkdir(dir, 0755);	/* a failure shows when the file is written */
	free(dir);
	return path;
}
