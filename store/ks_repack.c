/* Keeping the store compact: every import writes one pack without deltas
 * (fast, and objects of one release compress poorly against each other),
 * so a store of many releases is mostly near-copies of the trees and
 * blobs that changed. Packs are rolled up as git's geometric repack does
 * (`git repack --geometric=4`): sorted by object count, the smallest
 * packs that break a progression of factor 4 are written again as one
 * pack with deltas (ks_rollup.c: each version against the next newer one
 * of its path). Each object is rewritten O(log releases) times over the
 * store's life, and a roll-up costs what it rolls up, never the whole
 * store unless the store doubled since. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ks_buf.h"
#include "ks_err.h"
#include "ks_store_int.h"

/* The progression of pack sizes (object counts) roll-ups keep. Each
 * pack holds one whole version of every path it touches, and a real
 * kernel's release touches most bucket trees: fewer packs is a smaller
 * store. Measured on the 57 Debian 12 kernels imported one by one,
 * waiting for each roll-up: factor 2, 7 packs, 35.3 MB, 60 s; factor 4,
 * 5 packs, 31.7 MB, 40 s (git gc --aggressive: 27.3 MB); factor 8 left
 * 7 packs again (32.0 MB). */
#ifndef KS_REPACK_FACTOR
#define KS_REPACK_FACTOR 4
#endif
#define FACTOR KS_REPACK_FACTOR

struct pack_info {
	char *base;		/* <objects>/pack/pack-<hex>, without suffix */
	uint32_t count;
	uint64_t bytes;		/* of the pack file */
	int rolled;		/* written by a roll-up: has its deltas */
	int take;		/* to be rolled up now */
};

/* The packs written by roll-ups, one name a line, so that the packs of
 * imports (no deltas, fast compression) are known to want rolling up. A
 * derived list: lost, every pack only looks unrolled once. */
#define ROLLED_LIST "kstruct-rolled"


static uint32_t rd32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* The object count of a version-2 index, 0 when it is not one. */
static uint32_t idx_count(const char *path)
{
	unsigned char h[8 + 1024];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return 0;
	n = pread(fd, h, sizeof(h), 0);
	close(fd);
	if (n != (ssize_t)sizeof(h) || memcmp(h, "\377tOc\0\0\0\2", 8))
		return 0;
	return rd32(h + 8 + 255 * 4);
}

static int cmp_pack(const void *a, const void *b)
{
	const struct pack_info *x = a, *y = b;

	if (x->count != y->count)
		return x->count < y->count ? -1 : 1;
	return strcmp(x->base, y->base);
}

static void packs_free(struct pack_info *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(p[i].base);
	free(p);
}

/* The packs a roll-up may take (not kept by a .keep file), smallest first. */
static char *read_rolled(struct ks_store *s)
{
	char *path = ks_xasprintf("%s/%s", git_repository_path(s->repo), ROLLED_LIST);
	struct ks_buf b = KS_BUF_INIT;
	char chunk[4096];
	size_t got;
	FILE *f = fopen(path, "re");

	free(path);
	ks_buf_add(&b, "\n", 1);
	while (f && (got = fread(chunk, 1, sizeof(chunk), f)) > 0 && b.len < (1u << 20))
		ks_buf_add(&b, chunk, got);
	if (f)
		fclose(f);
	return ks_buf_detach(&b, NULL);
}

static int listed(const char *list, const char *base)
{
	const char *name = strrchr(base, '/') + 1;
	char *line = ks_xasprintf("\n%s\n", name);
	int hit = strstr(list, line) != NULL;

	free(line);
	return hit;
}

static struct pack_info *list_packs(struct ks_store *s, size_t *n)
{
	const char *objdir = s->objdir;
	char *dir = ks_xasprintf("%s/pack", objdir), *rolled = read_rolled(s);
	DIR *d = opendir(dir);
	struct pack_info *p = NULL;
	struct dirent *e;
	size_t cap = 0;

	*n = 0;
	while (d && (e = readdir(d))) {
		size_t l = strlen(e->d_name);
		char *base, *keep, *idx, *pack;
		struct stat st;
		uint32_t count;
		uint64_t bytes = 0;

		if (l < 10 || strncmp(e->d_name, "pack-", 5) || strcmp(e->d_name + l - 4, ".idx"))
			continue;
		base = ks_xasprintf("%s/%.*s", dir, (int)(l - 4), e->d_name);
		keep = ks_xasprintf("%s.keep", base);
		idx = ks_xasprintf("%s.idx", base);
		pack = ks_xasprintf("%s.pack", base);
		count = stat(keep, &st) ? idx_count(idx) : 0;
		if (count && !stat(pack, &st))
			bytes = (uint64_t)st.st_size;
		free(keep);
		free(idx);
		free(pack);
		if (!count) {
			free(base);
			continue;
		}
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			p = ks_xrealloc(p, cap * sizeof(*p));
		}
		p[*n].base = base;
		p[*n].count = count;
		p[*n].bytes = bytes;
		p[*n].rolled = listed(rolled, base);
		p[(*n)++].take = 0;
	}
	if (d)
		closedir(d);
	free(dir);
	free(rolled);
	if (*n)
		qsort(p, *n, sizeof(*p), cmp_pack);
	return p;
}

/* How many of the smallest packs to roll up so that the rest, and the
 * new pack, form a progression of FACTOR (git's split_pack_geometry). */
static size_t geometric_split(const struct pack_info *p, size_t n)
{
	uint64_t total = 0;
	size_t i, split;

	if (n < 2)
		return 0;
	for (i = n - 1; i > 0; i--)
		if ((uint64_t)p[i].count < (uint64_t)FACTOR * p[i - 1].count)
			break;
	split = i ? i + 1 : 0;
	for (i = 0; i < split; i++)
		total += p[i].count;
	for (i = split; i < n && (uint64_t)p[i].count < FACTOR * total; i++) {
		total += p[i].count;
		split++;
	}
	return split >= 2 ? split : 0;
}

/* Marks the packs to roll up: all of them with KS_REPACK_ALL; else,
 * when there are many packs or the imports' packs are more than a
 * sixteenth of the store, the geometric split and every import's pack (so
 * that no release stays without deltas for long). How many it marked. */
static size_t choose(struct pack_info *p, size_t n, unsigned int flags)
{
	uint64_t raw = 0, total = 0;
	size_t i, split, taken = 0;

	for (i = 0; i < n; i++) {
		total += p[i].bytes;
		if (!p[i].rolled)
			raw += p[i].bytes;
	}
	if (!(flags & KS_REPACK_ALL) && n <= KS_AUTO_PACKS && raw * 16 <= total)
		return 0;
	split = (flags & KS_REPACK_ALL) ? n : geometric_split(p, n);
	for (i = 0; i < n; i++)
		if ((p[i].take = i < split || !p[i].rolled))
			taken++;
	if (taken < 2)
		for (i = 0; i < n; i++)
			p[i].take = 0;
	return taken < 2 ? 0 : taken;
}

int ks_store_repack_wanted(struct ks_store *s)
{
	size_t n;
	struct pack_info *p = list_packs(s, &n);
	int wanted = choose(p, n, 0) > 0;

	packs_free(p, n);
	return wanted;
}

/* ---- the objects of the packs rolled up ---- */

struct oidset {
	git_oid *ids;		/* sorted, unique */
	size_t n, cap;
};

static void oidset_add(struct oidset *o, const unsigned char *raw)
{
	if (o->n == o->cap) {
		o->cap = o->cap ? o->cap * 2 : 4096;
		o->ids = ks_xrealloc(o->ids, o->cap * sizeof(*o->ids));
	}
	memcpy(o->ids[o->n++].id, raw, GIT_OID_RAWSZ);
}

static int cmp_oid(const void *a, const void *b)
{
	return git_oid_cmp(a, b);
}

static void oidset_finish(struct oidset *o)
{
	size_t i, k = 0;

	if (o->n)
		qsort(o->ids, o->n, sizeof(*o->ids), cmp_oid);
	for (i = 0; i < o->n; i++)
		if (!k || git_oid_cmp(&o->ids[k - 1], &o->ids[i]))
			o->ids[k++] = o->ids[i];
	o->n = k;
}

static void oidset_free(struct oidset *o)
{
	free(o->ids);
}

/* Every object id an index lists. */
static int read_idx_ids(const char *path, struct oidset *o)
{
	struct stat st;
	unsigned char *idx;
	uint32_t count, i;
	int fd = open(path, O_RDONLY | O_CLOEXEC), ok = 0;

	if (fd < 0 || fstat(fd, &st) || st.st_size < 8 + 1024 + 40) {
		if (fd >= 0)
			close(fd);
		return ks_err_set(KS_EIO, "cannot read %s", path);
	}
	idx = ks_xmalloc((size_t)st.st_size);
	if (pread(fd, idx, (size_t)st.st_size, 0) == st.st_size &&
	    !memcmp(idx, "\377tOc\0\0\0\2", 8)) {
		count = rd32(idx + 8 + 255 * 4);
		if ((uint64_t)st.st_size >= 8 + 1024 + (uint64_t)count * 28 + 40) {
			for (i = 0; i < count; i++)
				oidset_add(o, idx + 8 + 1024 + (size_t)i * GIT_OID_RAWSZ);
			ok = 1;
		}
	}
	close(fd);
	free(idx);
	return ok ? 0 : ks_err_set(KS_EFORMAT, "%s is not a pack index", path);
}

/* Loose objects (notes, chain commits of a concurrent re-link) join the
 * roll-up; their files are removed with the packs. */
static char **read_loose_ids(const char *objdir, struct oidset *o, size_t *n)
{
	char **paths = NULL;
	int d;

	*n = 0;
	for (d = 0; d < 256; d++) {
		char *sub = ks_xasprintf("%s/%02x", objdir, d);
		DIR *dir = opendir(sub);
		struct dirent *e;

		while (dir && (e = readdir(dir))) {
			char hex[GIT_OID_HEXSZ + 1];
			git_oid id;

			if (strlen(e->d_name) != GIT_OID_HEXSZ - 2)
				continue;
			snprintf(hex, sizeof(hex), "%02x%.38s", d, e->d_name);
			if (git_oid_fromstr(&id, hex))
				continue;
			oidset_add(o, id.id);
			paths = ks_xrealloc(paths, (*n + 1) * sizeof(*paths));
			paths[(*n)++] = ks_xasprintf("%s/%s", sub, e->d_name);
		}
		if (dir)
			closedir(dir);
		free(sub);
	}
	return paths;
}

/* ---- writing ---- */

static int fsync_path(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), err;

	if (fd < 0)
		return -1;
	err = fsync(fd);
	close(fd);
	return err;
}

/* A roll-up's own folder and the files in it (it has no subfolders). */
static void remove_folder(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	while (d && (e = readdir(d))) {
		char *p;

		if (e->d_name[0] == '.')
			continue;
		p = ks_xasprintf("%s/%s", dir, e->d_name);
		unlink(p);
		free(p);
	}
	if (d)
		closedir(d);
	rmdir(dir);
}

/* Writes the pack in a folder of its own (the writer lock's sweep
 * removes the folders of roll-ups killed while writing), then moves it
 * in: the pack first, as an index is what makes git look. */
static int write_rollup(struct ks_store *s, const struct oidset *o, size_t *deltas,
			char **base_out)
{
	char *tmp = ks_xasprintf("%s/pack/tmp_kstruct_%ld_repack", s->objdir, (long)getpid());
	char *from = NULL, *to = NULL, *packdir = ks_xasprintf("%s/pack", s->objdir);
	char name[GIT_OID_HEXSZ + 1];
	int err = 0, k;
	static const char *const sfx[] = { ".pack", ".idx" };

	if (mkdir(tmp, 0755) && errno != EEXIST) {
		err = ks_err_set(KS_EIO, "cannot create %s: %s", tmp, strerror(errno));
		goto out;
	}
	if ((err = ks_rollup_write(s->repo, s->odb, o->ids, o->n, tmp, name, deltas)))
		goto out;
	for (k = 0; k < 2 && !err; k++) {
		free(from);
		free(to);
		from = ks_xasprintf("%s/pack-%s%s", tmp, name, sfx[k]);
		to = ks_xasprintf("%s/pack-%s%s", packdir, name, sfx[k]);
		if (fsync_path(from) || rename(from, to))
			err = ks_err_set(KS_EIO, "cannot install %s: %s", to, strerror(errno));
	}
	if (!err && fsync_path(packdir))
		err = ks_err_set(KS_EIO, "cannot sync %s: %s", packdir, strerror(errno));
	if (!err)
		*base_out = ks_xasprintf("%s/pack-%s", packdir, name);
out:
	remove_folder(tmp);	/* what a failed write left */
	free(from);
	free(to);
	free(tmp);
	free(packdir);
	return err;
}

/* The folders of roll-ups whose process is gone. */
void ks_repack__remove_dead(const char *objdir)
{
	char *dir = ks_xasprintf("%s/pack", objdir);
	DIR *d = opendir(dir);
	struct dirent *e;

	while (d && (e = readdir(d))) {
		long pid;
		char *end, *p;

		if (strncmp(e->d_name, "tmp_kstruct_", 12))
			continue;
		pid = strtol(e->d_name + 12, &end, 10);
		if (pid <= 0 || strcmp(end, "_repack") || !kill((pid_t)pid, 0) || errno != ESRCH)
			continue;
		p = ks_xasprintf("%s/%s", dir, e->d_name);
		remove_folder(p);
		free(p);
	}
	if (d)
		closedir(d);
	free(dir);
}

static int open_lock(struct ks_store *s, const char *name, int *fd)
{
	char *path = ks_xasprintf("%s/%s", git_repository_path(s->repo), name);
	int err = 0;

	*fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (*fd < 0)
		err = ks_err_set(KS_EIO, "cannot open %s: %s", path, strerror(errno));
	free(path);
	return err;
}

/* One roll-up at a time. Without KS_REPACK_QUEUE a busy lock is an
 * answer (*fd -1). With it, the caller waits for the running roll-up,
 * unless another already waits: that one starts after the running one
 * and lists the packs then, so it does this caller's work too; and no
 * pack written while a roll-up runs is left without one after it. */
static int take_repack_lock(struct ks_store *s, unsigned int flags, int *fd)
{
	int err, q = -1;

	if ((err = open_lock(s, KS_REPACK_LOCK_FILE, fd)))
		return err;
	if (!flock(*fd, LOCK_EX | LOCK_NB))
		return 0;
	if ((flags & KS_REPACK_QUEUE) && !(err = open_lock(s, KS_REPACK_QUEUE_FILE, &q)) &&
	    !flock(q, LOCK_EX | LOCK_NB)) {
		while (flock(*fd, LOCK_EX) && errno == EINTR)
			;
		close(q);	/* the next caller may queue now */
		return 0;
	}
	if (q >= 0)
		close(q);
	close(*fd);
	*fd = -1;
	return err;
}

/* The roll-ups' packs after this one: those still there and the new. */
static void write_rolled(struct ks_store *s, const struct pack_info *p, size_t n,
			 const char *newbase)
{
	char *path = ks_xasprintf("%s/%s", git_repository_path(s->repo), ROLLED_LIST);
	char *tmp = ks_xasprintf("%s.tmp", path);
	FILE *f = fopen(tmp, "we");
	size_t i;
	int bad = !f;

	for (i = 0; f && i < n; i++)
		if (p[i].rolled && !p[i].take)
			bad |= fprintf(f, "%s\n", strrchr(p[i].base, '/') + 1) < 0;
	if (f) {
		bad |= fprintf(f, "%s\n", strrchr(newbase, '/') + 1) < 0;
		bad |= fclose(f) != 0;
	}
	/* a list not written only makes a pack look unrolled */
	if (bad || rename(tmp, path))
		unlink(tmp);
	free(tmp);
	free(path);
}

int ks_store_repack(struct ks_store *s, unsigned int flags, struct ks_repack_result *res)
{
	struct pack_info *p = NULL;
	struct oidset o = { 0 };
	char **loose = NULL, *newbase = NULL;
	size_t n = 0, taken, nloose = 0, i;
	int err, fd;

	memset(res, 0, sizeof(*res));
	if ((err = ks_store__writable(s)) || (err = take_repack_lock(s, flags, &fd)))
		return err;
	if (fd < 0) {
		res->busy = 1;
		return 0;
	}
	ks_repack__remove_dead(s->objdir);
	p = list_packs(s, &n);
	res->packs_before = n;
	taken = choose(p, n, flags);
	for (i = 0; i < n && !err; i++) {
		char *idx;

		if (!p[i].take)
			continue;
		idx = ks_xasprintf("%s.idx", p[i].base);
		err = read_idx_ids(idx, &o);
		free(idx);
	}
	/* loose objects (the notes of each import) go with any roll-up */
	if (!err && (taken || (flags & KS_REPACK_ALL)))
		loose = read_loose_ids(s->objdir, &o, &nloose);
	if (err || taken + nloose < 2)
		goto out;
	oidset_finish(&o);
	if ((err = write_rollup(s, &o, &res->deltas, &newbase)))
		goto out;
	write_rolled(s, p, n, newbase);
	/* the sources go once the new pack is in: an index first, so that
	 * no reader finds an index without its pack */
	for (i = 0; i < n; i++) {
		char *idx, *pack;

		if (!p[i].take || !strcmp(p[i].base, newbase))
			continue;
		idx = ks_xasprintf("%s.idx", p[i].base);
		pack = ks_xasprintf("%s.pack", p[i].base);
		unlink(idx);
		unlink(pack);
		free(idx);
		free(pack);
	}
	for (i = 0; i < nloose; i++)
		unlink(loose[i]);
	res->packs_merged = taken;
	res->loose_merged = nloose;
	res->objects = o.n;
	git_odb_refresh(s->odb);
out:
	ks_strv_free(loose, nloose);
	oidset_free(&o);
	packs_free(p, n);
	free(newbase);
	close(fd);
	return err;
}

int ks_store_pack_refs(struct ks_store *s)
{
	git_refdb *db = NULL;
	int err = ks_store_lock(s);

	/* under the writer lock: its sweep takes git lock files it finds
	 * under refs/ for leftovers of killed writers */
	if (err)
		return err;
	if (git_repository_refdb(&db, s->repo) || git_refdb_compress(db))
		err = ks_err_git("cannot pack the refs of %s", s->path);
	git_refdb_free(db);
	ks_store_unlock(s);
	return err;
}
