/* The inputs of one import: files as named, folders walked in name
 * order so that a run over the same tree repeats itself exactly. */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ks_import_int.h"

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

/* Every regular file below @dir; links are not followed, and depth is
 * bounded so that a hostile tree cannot exhaust the stack. */
static void walk_dir(struct ks_import_paths *ps, const char *dir, int depth)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **names = NULL;
	size_t n = 0, i;

	if (!d || depth > 32) {
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

		if (!lstat(names[i], &st) && S_ISDIR(st.st_mode))
			walk_dir(ps, names[i], depth + 1);
		else if (!lstat(names[i], &st) && S_ISREG(st.st_mode))
			add_file(ps, names[i], 1);
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
	walk_dir(ps, path, 0);
	return ps->n == before;
}

void ks_import__paths_clear(struct ks_import_paths *ps)
{
	size_t i;

	for (i = 0; i < ps->n; i++)
		free(ps->v[i]);
	free(ps->v);
	free(ps->from_dir);
	memset(ps, 0, sizeof(*ps));
}
