/* kstruct site: the pages of render/ks_site written into OUTDIR. Every
 * page is rendered on each run and written only when its bytes differ,
 * so a run after one more import rewrites the pages that changed; a
 * manifest names the pages, so those of names gone from the store go. */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "ks_buf.h"
#include "ks_err.h"
#include "ks_site.h"
#include "ks_snapshot.h"

static const char *const site_usage[] = { "kstruct site OUTDIR [--kind KIND[,KIND...]]", NULL };

static const char site_desc[] =
	"Writes a static HTML site of the whole store into OUTDIR, readable from\n"
	"file:// without a server: index.html (every struct and union against the\n"
	"regular releases: absent, added, changed, layout changed; search by name\n"
	"or member name), KIND.html the same for each other kind the store holds\n"
	"(enum.html, func.html, ...), one page per definition (the report; a name\n"
	"defined twice in a release has NAME and NAME~2) and one per pair of\n"
	"consecutive regular releases. Run again after an import: only pages whose\n"
	"content changed are rewritten, and it says how many.\n";

#define MANIFEST ".kstruct-site"
#define MANIFEST_HEAD "kstruct site 1\n"

/* The folder being written and what this run put in it. */
struct site {
	const char *out;
	char **files;		/* written this run, for the manifest */
	size_t nfiles, cap;
	size_t written, unchanged;
};

static void note_file(struct site *st, const char *rel)
{
	if (st->nfiles == st->cap) {
		st->cap = st->cap ? st->cap * 2 : 1024;
		st->files = ks_xrealloc(st->files, st->cap * sizeof(char *));
	}
	st->files[st->nfiles++] = ks_xstrdup(rel);
}

/* Writes @rel under OUTDIR unless it already holds exactly @buf. */
static int put_file(const char *rel, const char *buf, size_t len, void *ctx)
{
	struct site *st = ctx;
	char *path, *tmp;
	FILE *f;
	int same = 0, err = 0;
	size_t k;

	/* a page's folder (s/, u/, d/, func/, ...: names the renderer
	 * chose, never a store's), made when its first page comes */
	k = strcspn(rel, "/");
	if (rel[k]) {
		char *sub = ks_xasprintf("%s/%.*s", st->out, (int)k, rel);

		if (mkdir(sub, 0755) && errno != EEXIST)
			err = ks_err_set(KS_EIO, "cannot make %s: %s", sub, strerror(errno));
		free(sub);
		if (err)
			return err;
	}
	path = ks_xasprintf("%s/%s", st->out, rel);
	f = fopen(path, "rb");
	note_file(st, rel);
	if (f) {
		struct stat sb;

		if (!fstat(fileno(f), &sb) && (size_t)sb.st_size == len) {
			char *old = ks_xmalloc(len + 1);

			same = fread(old, 1, len, f) == len && !memcmp(old, buf, len);
			free(old);
		}
		fclose(f);
	}
	if (same) {
		st->unchanged++;
		free(path);
		return 0;
	}
	tmp = ks_xasprintf("%s.tmp%ld", path, (long)getpid());
	f = fopen(tmp, "wb");
	if (!f || fwrite(buf, 1, len, f) != len || fclose(f) || rename(tmp, path)) {
		err = ks_err_set(KS_EIO, "cannot write %s: %s", path, strerror(errno));
		if (f)
			unlink(tmp);
	}
	st->written += !err;
	free(tmp);
	free(path);
	return err;
}

/* OUTDIR is new, empty or ours; refuses anything else untouched. */
static int check_outdir(const char *out, char **old_manifest)
{
	char *mf = ks_xasprintf("%s/%s", out, MANIFEST);
	struct stat sb;
	FILE *f;
	int err = 0;

	*old_manifest = NULL;
	if (stat(out, &sb)) {
		if (mkdir(out, 0755))
			err = ks_err_set(KS_EIO, "cannot create %s: %s", out, strerror(errno));
	} else if (!S_ISDIR(sb.st_mode)) {
		err = ks_err_set(KS_EEXISTS, "%s exists and is not a folder", out);
	} else if ((f = fopen(mf, "r"))) {
		struct ks_buf b = KS_BUF_INIT;
		char chunk[4096];
		size_t n;

		while ((n = fread(chunk, 1, sizeof(chunk), f)))
			ks_buf_add(&b, chunk, n);
		fclose(f);
		if (b.len < strlen(MANIFEST_HEAD) || memcmp(b.p, MANIFEST_HEAD, strlen(MANIFEST_HEAD)))
			err = ks_err_set(KS_EEXISTS, "%s has a %s that kstruct did not write; "
					 "choose another folder", out, MANIFEST);
		else
			*old_manifest = ks_buf_detach(&b, NULL);
		ks_buf_free(&b);
	} else {
		DIR *d = opendir(out);
		struct dirent *e;

		while (d && (e = readdir(d)))
			if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
				err = 1;
		if (d)
			closedir(d);
		if (err)
			err = ks_err_set(KS_EEXISTS, "%s exists and is not a kstruct site (no %s); "
					 "choose a new or empty folder", out, MANIFEST);
	}
	free(mf);
	return err;
}

static int cmp_strp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The manifest names what this run wrote; pages of names or pairs no
 * longer in the store go. */
static int finish_manifest(struct site *st, char *old)
{
	struct ks_buf b = KS_BUF_INIT;
	size_t i, removed = 0;
	char *line, *save = NULL;
	int err;

	qsort(st->files, st->nfiles, sizeof(char *), cmp_strp);
	for (line = old ? strtok_r(old + strlen(MANIFEST_HEAD), "\n", &save) : NULL; line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *path;

		if (strstr(line, "..") == line || line[0] == '/' || strstr(line, "/../") ||
		    bsearch(&line, st->files, st->nfiles, sizeof(char *), cmp_strp))
			continue;
		path = ks_xasprintf("%s/%s", st->out, line);
		removed += !unlink(path);
		free(path);
	}
	ks_buf_puts(&b, MANIFEST_HEAD);
	for (i = 0; i < st->nfiles; i++)
		ks_buf_printf(&b, "%s\n", st->files[i]);
	{
		/* not a page: written aside from the counts */
		size_t w = st->written, u = st->unchanged;

		err = put_file(MANIFEST, b.p, b.len, st);
		st->written = w;
		st->unchanged = u;
		free(st->files[--st->nfiles]);
	}
	ks_buf_free(&b);
	if (removed)
		printf("removed %zu pages of names no longer in the store\n", removed);
	return err;
}

static void site_free(struct site *st)
{
	ks_strv_free(st->files, st->nfiles);
}

int do_site(int argc, char **argv)
{
	struct site st = { 0 };
	struct ks_store *store = NULL;
	const char *kinds = NULL;
	unsigned int mask = KS_KINDS_ALL;
	char *old = NULL;
	struct timespec t0, t1;
	int n, err;
	const struct ks_opt opts[] = {
		KS_OPT_STRING(0, "kind", "KIND[,KIND...]", &kinds,
			      "pages of these kinds only (default: every kind the store holds)"),
		KS_OPT_END,
	};
	const struct ks_opt_cmd site_cmd = {
		.prog = KS_PROG,
		.name = "site",
		.usage = site_usage,
		.desc = site_desc,
		.opts = opts,
		.footer = "OUTDIR must be new, empty, or a site kstruct made.\n",
	};

	if ((err = parse_opts(&site_cmd, argc, argv, &n)) >= 0)
		return err;
	if (n != 1)
		return usage_err(&site_cmd, "name one OUTDIR");
	if (kinds && parse_kind_list(kinds, &mask))
		return usage_err(&site_cmd, "%s", ks_err_msg());
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if ((err = open_store(&store)))
		return err;
	st.out = argv[1];
	err = check_outdir(st.out, &old);
	if (!err)
		err = ks_site_render(store, mask, put_file, &st);
	if (!err)
		err = finish_manifest(&st, old);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (!err)
		printf("%s: %zu pages, %zu written, %zu unchanged (%.1f s)\n", st.out,
		       st.written + st.unchanged, st.written, st.unchanged,
		       (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	free(old);
	site_free(&st);
	ks_store_free(store);
	return err ? fail(err) : EXIT_OK;
}
