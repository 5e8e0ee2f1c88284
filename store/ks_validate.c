/* Checking a snapshot tree from elsewhere, level by level: the top (meta
 * and one folder per recorded kind), then letter, bucket and entry, each
 * name the one kstruct would write for the entry's definition, so no
 * path, depth or name can differ from what an import makes. */
#include "ks_validate.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ks_buf.h"
#include "ks_err.h"
#include "ks_kind.h"
#include "ks_store.h"
#include "ks_store_int.h"
#include "ks_strmap.h"

/* ---- the cache: "kind id" -> entries below ---- */

struct ks_vcache {
	struct ks_strmap m;
};

struct ks_vcache *ks_vcache_new(void)
{
	return ks_xcalloc(1, sizeof(struct ks_vcache));
}

void ks_vcache_free(struct ks_vcache *c)
{
	if (!c)
		return;
	ks_strmap_free(&c->m, 0);
	free(c);
}

/* ---- checks ---- */

struct check {
	const struct ks_vsource *src;
	struct ks_vcache *cache;
	char *why;
	size_t whysz;
};

void ks_store__shown_name(char *out, size_t n, const char *name)
{
	size_t i;

	for (i = 0; name[i] && i + 1 < n && i < 60; i++)
		out[i] = name[i] >= 0x20 && name[i] < 0x7f ? name[i] : '?';
	out[i] = '\0';
}

static int bad(struct check *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int bad(struct check *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (vsnprintf(c->why, c->whysz, fmt, ap) >= (int)c->whysz && c->whysz)
		c->why[c->whysz - 1] = '\0';
	va_end(ap);
	return 1;
}

/* git's order of tree entries: bytes, a tree's name as if it ended in '/' */
static int git_order(const struct ks_ventry *a, const struct ks_ventry *b)
{
	size_t i;

	for (i = 0; a->name[i] && a->name[i] == b->name[i]; i++)
		;
	{
		unsigned char x = a->name[i] ? (unsigned char)a->name[i] : a->is_tree ? '/' : 0;
		unsigned char y = b->name[i] ? (unsigned char)b->name[i] : b->is_tree ? '/' : 0;

		return (x > y) - (x < y);
	}
}

static int sorted(const struct ks_ventry *e, size_t n)
{
	size_t i;

	for (i = 1; i < n; i++)
		if (git_order(&e[i - 1], &e[i]) >= 0)
			return 0;
	return 1;
}

static int is_ident(const char *s)
{
	if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || *s == '_'))
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '_'))
			return 0;
	return 1;
}

/* One entry of a bucket: a blob whose name is a definition's entry
 * name, at exactly the path kstruct would give that definition. */
static int check_entry(struct check *c, const char *kind, const char *letter,
		       const char *bucket, const struct ks_ventry *e)
{
	char want_path[1024], got[64];
	unsigned int variant;
	char *name, *path;
	uint64_t size;
	int r = 0;

	ks_store__shown_name(got, sizeof(got), e->name);
	if (e->is_tree)
		return bad(c, "%s/%s/%s/%s is a folder where a definition belongs", kind, letter,
			   bucket, got);
	name = ks_store_unescape_name(e->name, &variant);
	if (!name || strlen(name) > 511 || !is_ident(name)) {
		free(name);
		return bad(c, "%s/%s/%s/%s is not a definition's name", kind, letter, bucket, got);
	}
	path = ks_store_type_path(kind, name, variant);
	snprintf(want_path, sizeof(want_path), "%s/%s/%s/%s", kind, letter, bucket, e->name);
	if (!path || strcmp(path, want_path))
		r = bad(c, "%s/%s/%s/%s is not where kstruct puts it", kind, letter, bucket, got);
	else if (c->src->blob_size(c->src->ctx, e->id, &size))
		r = bad(c, "%s/%s/%s/%s is missing or not a file", kind, letter, bucket, got);
	else if (size > KS_MAX_TEXT)
		r = bad(c, "%s/%s/%s/%s claims %llu bytes (at most %u)", kind, letter, bucket, got,
			(unsigned long long)size, KS_MAX_TEXT);
	else if (!size)
		r = bad(c, "%s/%s/%s/%s is empty", kind, letter, bucket, got);
	free(path);
	free(name);
	return r;
}

/* A kind's folder: letters, buckets, entries; *count the entries. */
static int check_kind(struct check *c, const char *kind, const char *id, size_t *count)
{
	const struct ks_ventry *le, *be, *ee;
	size_t nl, nb, ne, i, j, k;
	char key[128], got[64];
	struct ks_strmap_val *hit;
	int r, found;

	snprintf(key, sizeof(key), "%s %s", kind, id);
	if (c->cache && (hit = ks_strmap_find(&c->cache->m, key))) {
		*count = hit->n;
		return 0;
	}
	*count = 0;
	if (c->src->tree(c->src->ctx, id, &le, &nl))
		return bad(c, "the %s folder is missing", kind);
	if (!sorted(le, nl))
		return bad(c, "the %s folder is not a sorted git tree", kind);
	for (i = 0; i < nl; i++) {
		char letter[8];

		ks_store__shown_name(got, sizeof(got), le[i].name);
		if (!le[i].is_tree || strlen(le[i].name) != 1)
			return bad(c, "%s/%s is not a letter folder", kind, got);
		memcpy(letter, le[i].name, 2);
		if (c->src->tree(c->src->ctx, le[i].id, &be, &nb))
			return bad(c, "%s/%s is missing", kind, got);
		if (!sorted(be, nb))
			return bad(c, "%s/%s is not a sorted git tree", kind, got);
		for (j = 0; j < nb; j++) {
			char bucket[8];

			ks_store__shown_name(got, sizeof(got), be[j].name);
			if (!be[j].is_tree || !be[j].name[0] || strlen(be[j].name) > 2)
				return bad(c, "%s/%s/%s is not a bucket folder", kind, letter, got);
			memcpy(bucket, be[j].name, strlen(be[j].name) + 1);
			if (c->src->tree(c->src->ctx, be[j].id, &ee, &ne))
				return bad(c, "%s/%s/%s is missing", kind, letter, got);
			if (!ne)
				return bad(c, "%s/%s/%s is an empty folder", kind, letter, got);
			if (!sorted(ee, ne))
				return bad(c, "%s/%s/%s is not a sorted git tree", kind, letter, got);
			for (k = 0; k < ne; k++)
				if ((r = check_entry(c, kind, letter, bucket, &ee[k])))
					return r;
			*count += ne;
		}
		if (!nb)
			return bad(c, "%s/%s is an empty folder", kind, letter);
	}
	if (c->cache)
		ks_strmap_slot(&c->cache->m, key, &found)->n = *count;
	return 0;
}

static int meta_is(const char *meta, size_t len, const char *key, const char *want)
{
	char *v = ks_meta_get(meta, len, key);
	int ok = v && !strcmp(v, want);

	free(v);
	ks_err_clear();
	return ok;
}

int ks_validate_snapshot(const struct ks_vsource *src, struct ks_vcache *cache,
			 const char *tree_id, const char *release, const char *arch,
			 const char *flavor, char *why, size_t whysz)
{
	struct check c = { src, cache, why, whysz };
	const struct ks_ventry *top;
	unsigned long count[KS_KIND_COUNT];
	unsigned int recorded, seen = 0;
	const char *meta = NULL, *meta_id = NULL;
	size_t n, i, mlen = 0;
	uint64_t msize;
	char *copy_ids[KS_KIND_COUNT + 1];
	enum ks_kind kinds[KS_KIND_COUNT + 1];
	size_t nk = 0;
	int r = 0;

	if (whysz)
		why[0] = '\0';
	if (src->tree(src->ctx, tree_id, &top, &n))
		return bad(&c, "its snapshot tree is missing");
	if (!sorted(top, n))
		return bad(&c, "its snapshot tree is not a sorted git tree");
	for (i = 0; i < n && !r; i++) {
		enum ks_kind k;
		char got[64];

		ks_store__shown_name(got, sizeof(got), top[i].name);
		if (!strcmp(top[i].name, KS_META_PATH) && !top[i].is_tree) {
			meta_id = ks_xstrdup(top[i].id);
		} else if (!top[i].is_tree || ks_kind_parse(top[i].name, (size_t)-1, &k) ||
			   strcmp(top[i].name, ks_kind_name(k)) || nk == KS_KIND_COUNT) {
			r = bad(&c, "its snapshot has '%s', which is not a kind's folder", got);
		} else {
			kinds[nk] = k;
			copy_ids[nk++] = ks_xstrdup(top[i].id);
		}
	}
	if (!r && !meta_id)
		r = bad(&c, "its snapshot has no meta");
	if (!r && (src->blob_size(src->ctx, meta_id, &msize) || msize > KS_MAX_META ||
		   src->blob(src->ctx, meta_id, &meta, &mlen)))
		r = bad(&c, "its meta is missing or larger than %u bytes", KS_MAX_META);
	if (!r && (memchr(meta, '\0', mlen) ||
		   ks_meta_kinds(meta, mlen, &recorded, count)))
		r = bad(&c, "its meta is not a snapshot's");
	if (!r && !meta_is(meta, mlen, "kstruct-format", "1"))
		r = bad(&c, "its meta is not of snapshot format 1");
	if (!r && !(meta_is(meta, mlen, "release", release) && meta_is(meta, mlen, "arch", arch) &&
		    meta_is(meta, mlen, "flavor", flavor)))
		r = bad(&c, "its meta names another release, arch or flavor than the tag");
	ks_err_clear();
	for (i = 0; i < nk && !r; i++) {
		size_t got;

		if (!(recorded & (1u << kinds[i])))
			r = bad(&c, "its snapshot has a folder of %ss, a kind its meta does not record",
				ks_kind_name(kinds[i]));
		else if (!(r = check_kind(&c, ks_kind_name(kinds[i]), copy_ids[i], &got)) &&
			 got != count[kinds[i]])
			r = bad(&c, "its meta counts %lu %ss, its %s folder holds %zu",
				count[kinds[i]], ks_kind_name(kinds[i]), ks_kind_name(kinds[i]), got);
		seen |= 1u << kinds[i];
	}
	for (i = 0; i < KS_KIND_COUNT && !r; i++)
		if ((recorded & (1u << i)) && count[i] && !(seen & (1u << i)))
			r = bad(&c, "its meta counts %lu %ss, and it has no %s folder", count[i],
				ks_kind_name((enum ks_kind)i), ks_kind_name((enum ks_kind)i));
	for (i = 0; i < nk; i++)
		free(copy_ids[i]);
	free((char *)meta_id);
	return r;
}

/* ---- the source: a store's objects through libgit2 ---- */

struct gsrc {
	git_repository *repo;
	git_odb *odb;
	struct ks_ventry **lists;	/* every tree read, until the check ends */
	char **ids;			/* their entries' ids */
	size_t n;
	git_blob **blobs;
	size_t nblobs;
};

static int gtree(void *ctx, const char *hex, const struct ks_ventry **out, size_t *n)
{
	struct gsrc *g = ctx;
	git_oid id;
	git_tree *t = NULL;
	struct ks_ventry *e;
	char *ids;
	size_t i, cnt;

	if (git_oid_fromstr(&id, hex) || git_tree_lookup(&t, g->repo, &id))
		return -1;
	cnt = git_tree_entrycount(t);
	e = ks_xcalloc(cnt + 1, sizeof(*e));	/* a NULL name ends it */
	ids = ks_xcalloc(cnt ? cnt : 1, GIT_OID_HEXSZ + 1);
	/* names copied: the tree is freed now, the entries live on */
	for (i = 0; i < cnt; i++) {
		const git_tree_entry *te = git_tree_entry_byindex(t, i);
		git_filemode_t mode = git_tree_entry_filemode(te);

		e[i].name = ks_xstrdup(git_tree_entry_name(te));
		/* a link, a submodule or an executable file is neither: it
		 * reads as a folder that cannot be looked up, refused at
		 * every level */
		e[i].is_tree = mode != GIT_FILEMODE_BLOB;
		git_oid_tostr(ids + i * (GIT_OID_HEXSZ + 1), GIT_OID_HEXSZ + 1, git_tree_entry_id(te));
		e[i].id = mode == GIT_FILEMODE_BLOB || mode == GIT_FILEMODE_TREE ?
			  ids + i * (GIT_OID_HEXSZ + 1) : "";
	}
	git_tree_free(t);
	g->lists = ks_xrealloc(g->lists, (g->n + 1) * sizeof(*g->lists));
	g->ids = ks_xrealloc(g->ids, (g->n + 1) * sizeof(*g->ids));
	g->lists[g->n] = e;
	g->ids[g->n] = ids;
	g->n++;
	*out = e;
	*n = cnt;
	return 0;
}

static int gblob_size(void *ctx, const char *hex, uint64_t *size)
{
	struct gsrc *g = ctx;
	git_oid id;
	size_t len;
	git_object_t type;

	if (git_oid_fromstr(&id, hex) || git_odb_read_header(&len, &type, g->odb, &id) ||
	    type != GIT_OBJECT_BLOB)
		return -1;
	*size = len;
	return 0;
}

static int gblob(void *ctx, const char *hex, const char **data, size_t *len)
{
	struct gsrc *g = ctx;
	git_oid id;
	git_blob *b;

	if (git_oid_fromstr(&id, hex) || git_blob_lookup(&b, g->repo, &id))
		return -1;
	g->blobs = ks_xrealloc(g->blobs, (g->nblobs + 1) * sizeof(*g->blobs));
	g->blobs[g->nblobs++] = b;
	*data = git_blob_rawcontent(b);
	*len = (size_t)git_blob_rawsize(b);
	return 0;
}

static void gsrc_clear(struct gsrc *g)
{
	size_t i, k;

	for (i = 0; i < g->n; i++) {
		for (k = 0; g->lists[i][k].name; k++)
			free((char *)g->lists[i][k].name);
		free(g->lists[i]);
		free(g->ids[i]);
	}
	for (i = 0; i < g->nblobs; i++)
		git_blob_free(g->blobs[i]);
	free(g->lists);
	free(g->ids);
	free(g->blobs);
	g->lists = NULL;
	g->ids = NULL;
	g->blobs = NULL;
	g->n = g->nblobs = 0;
}

int ks_store__validate_tree(struct ks_store *s, struct ks_vcache *cache, const git_oid *tree,
			    const char *release, const char *arch, const char *flavor,
			    char *why, size_t whysz)
{
	struct gsrc g = { s->repo, s->odb, NULL, NULL, 0, NULL, 0 };
	struct ks_vsource src = { gtree, gblob_size, gblob, &g };
	char hex[GIT_OID_HEXSZ + 1];
	int r;

	git_oid_tostr(hex, sizeof(hex), tree);
	r = ks_validate_snapshot(&src, cache, hex, release, arch, flavor, why, whysz);
	gsrc_clear(&g);
	return r;
}
