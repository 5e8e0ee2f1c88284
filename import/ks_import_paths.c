/* The inputs of one import: files as named, folders walked in name
 * order so that a run over the same tree repeats itself exactly.
 *
 * Symbolic links are followed: btfhub-archive checkouts and package
 * caches are often link farms. Every folder and file is taken once,
 * by its device and inode, which is what stops a link loop (a link to
 * an ancestor is a folder already seen) and keeps two links to one
 * kernel from importing it twice. */
#include <dirent.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ks_import_int.h"

/* Depth bound, so that a hostile tree cannot exhaust the stack. */
#define MAX_DEPTH 32

/* The (device, inode) pairs seen so far: open addressing, grown at half full. */
struct ks_import_seen {
	struct { dev_t dev; ino_t ino; int used; } *v;
	size_t n, cap;
};

static size_t slot(const struct ks_import_seen *s, dev_t dev, ino_t ino)
{
	uint64_t h = ((uint64_t)dev * 0x9e3779b97f4a7c15ull) ^ (uint64_t)ino;
	size_t i;

	h ^= h >> 29;
	h *= 0xbf58476d1ce4e5b9ull;
	for (i = (size_t)(h ^ (h >> 32)) & (s->cap - 1); s->v[i].used;
	     i = (i + 1) & (s->cap - 1))
		if (s->v[i].dev == dev && s->v[i].ino == ino)
			break;
	return i;
}

/* 1 when @st's file was seen before; else records it and returns 0. */
static int seen_before(struct ks_import_seen *s, const struct stat *st)
{
	size_t i;

	if (2 * (s->n + 1) > s->cap) {
		struct ks_import_seen g = { .cap = s->cap ? 2 * s->cap : 64 };

		g.v = ks_xcalloc(g.cap, sizeof(*g.v));
		for (i = 0; i < s->cap; i++)
			if (s->v[i].used)
				g.v[slot(&g, s->v[i].dev, s->v[i].ino)] = s->v[i];
		g.n = s->n;
		free(s->v);
		*s = g;
	}
	i = slot(s, st->st_dev, st->st_ino);
	if (s->v[i].used)
		return 1;
	s->v[i].dev = st->st_dev;
	s->v[i].ino = st->st_ino;
	s->v[i].used = 1;
	s->n++;
	return 0;
}

static void add_file(struct ks_import_paths *ps, const char *p, int from_dir)
{
	if (ps->n == ps->cap) {
		ps->cap = ps->cap ? ps->cap * 2 : 16;
		ps->v = ks_xrealloc(ps->v, ps->cap * sizeof(char *));
		ps->from_dir = ks_xrealloc(ps->from_dir, ps->cap * sizeof(int));
	}
	ps->v[ps->n] = ks_xstrdup(p);
	ps->from_dir[ps->n++] = from_dir;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every regular file below @dir, through links. A link that leads
 * nowhere is kept as an input, so that its failure is reported rather
 * than the file silently missing; fifos, sockets and devices are left
 * alone (reading a fifo would block). */
static void walk_dir(struct ks_import_paths *ps, struct ks_import_seen *seen, const char *dir,
		     int depth)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **names = NULL;
	size_t n = 0, i;

	if (!d || depth > MAX_DEPTH) {
		if (d)
			closedir(d);
		return;
	}
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		names = ks_xrealloc(names, (n + 1) * sizeof(char *));
		names[n++] = ks_xasprintf("%s/%s", dir, e->d_name);
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof(char *), cmp_str);
	for (i = 0; i < n; i++) {
		struct stat st;

		if (stat(names[i], &st)) {
			if (!lstat(names[i], &st) && S_ISLNK(st.st_mode))
				add_file(ps, names[i], 0);
		} else if (S_ISDIR(st.st_mode)) {
			if (!seen_before(seen, &st))
				walk_dir(ps, seen, names[i], depth + 1);
		} else if (S_ISREG(st.st_mode) && !seen_before(seen, &st)) {
			add_file(ps, names[i], 1);
		}
		free(names[i]);
	}
	free(names);
}

int ks_import__paths_add(struct ks_import_paths *ps, const char *path)
{
	struct stat st;
	size_t before = ps->n;

	if (stat(path, &st) || !S_ISDIR(st.st_mode)) {
		add_file(ps, path, 0);
		return 0;
	}
	if (!ps->seen)
		ps->seen = ks_xcalloc(1, sizeof(*ps->seen));
	/* a folder named twice, or inside another one named, counts once */
	if (!seen_before(ps->seen, &st))
		walk_dir(ps, ps->seen, path, 0);
	return ps->n == before;
}

void ks_import__paths_clear(struct ks_import_paths *ps)
{
	size_t i;

	for (i = 0; i < ps->n; i++)
		free(ps->v[i]);
	free(ps->v);
	free(ps->from_dir);
	if (ps->seen)
		free(ps->seen->v);
	free(ps->seen);
	memset(ps, 0, sizeof(*ps));
}
