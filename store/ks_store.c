#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <dirent.h>

#include "ks_buf.h"
#include "ks_distro.h"
#include "ks_err.h"
#include "ks_store_int.h"


static char *find_upward(void)
{
	char cwd[PATH_MAX], *end;
	struct stat st;

	if (!getcwd(cwd, sizeof(cwd)))
		return NULL;
	for (;;) {
		char *cand = ks_xasprintf("%s/.kstruct", strcmp(cwd, "/") ? cwd : "");

		if (!stat(cand, &st) && S_ISDIR(st.st_mode))
			return cand;
		free(cand);
		end = strrchr(cwd, '/');
		if (!end || end == cwd)
			break;
		*end = '\0';
	}
	if (!stat("/.kstruct", &st) && S_ISDIR(st.st_mode))
		return ks_xstrdup("/.kstruct");
	return NULL;
}

char *ks_store_locate(const char *flag)
{
	const char *env = getenv("KSTRUCT_STORE"), *xdg, *home;
	char *up;

	if (flag && flag[0])
		return ks_xstrdup(flag);
	if (env && env[0])
		return ks_xstrdup(env);
	up = find_upward();
	if (up)
		return up;
	xdg = getenv("XDG_DATA_HOME");
	if (xdg && xdg[0] == '/')
		return ks_xasprintf("%s/kstruct", xdg);
	home = getenv("HOME");
	return ks_xasprintf("%s/.local/share/kstruct", home && home[0] ? home : ".");
}

static int is_store(git_repository *repo)
{
	git_config *cfg;
	int32_t v = 0;
	int ok;

	if (git_repository_config_snapshot(&cfg, repo))
		return 0;
	ok = !git_config_get_int32(&v, cfg, CFG_FORMAT) && v > 0;
	git_config_free(cfg);
	return ok;
}

static int dir_is_empty(const char *path)
{
	struct stat st;
	int r;

	if (stat(path, &st))
		return errno == ENOENT ? 1 : 0;
	if (!S_ISDIR(st.st_mode))
		return 0;
	{
		DIR *d = opendir(path);
		struct dirent *e;

		if (!d)
			return 0;
		r = 1;
		while ((e = readdir(d))) {
			if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
				r = 0;
				break;
			}
		}
		closedir(d);
	}
	return r;
}

int ks_store_init(const char *path)
{
	git_repository_init_options o;
	git_repository *repo = NULL;
	git_config *cfg = NULL;
	int err;

	if (!git_repository_open_bare(&repo, path)) {
		int store = is_store(repo);

		git_repository_free(repo);
		if (store)
			return 1;
		return ks_err_set(KS_ENOTSTORE, "%s is a git repository but not a "
				  "kstruct store", path);
	}
	if (!dir_is_empty(path))
		return ks_err_set(KS_ENOTSTORE, "%s exists and is not an empty "
				  "folder; not creating a store there", path);

	git_repository_init_options_init(&o, GIT_REPOSITORY_INIT_OPTIONS_VERSION);
	o.flags = GIT_REPOSITORY_INIT_BARE | GIT_REPOSITORY_INIT_MKPATH |
		  GIT_REPOSITORY_INIT_NO_REINIT;
	o.description = "kstruct store: kernel struct history";
	/* plain `git log` in the store shows the default lineage */
	o.initial_head = KS_DISTRO_UNKNOWN "/" KS_DEFAULT_LINEAGE;
	if (git_repository_init_ext(&repo, path, &o))
		return ks_err_git("cannot create store %s", path);
	err = git_repository_config(&cfg, repo);
	if (!err)
		err = git_config_set_int32(cfg, CFG_FORMAT, KS_STORE_FORMAT_VERSION);
	if (err)
		err = ks_err_git("cannot configure store %s", path);
	git_config_free(cfg);
	git_repository_free(repo);
	return err;
}

/* A git clone of a store lacks kstruct's config; its release tags and
 * their metadata still say what it is, and the tags' shape which format
 * (four parts: 2, three: 1). Returns the format or 0. */
static int looks_like_store(git_repository *repo)
{
	git_reference_iterator *it = NULL;
	git_reference *ref;
	int format = 0;

	if (git_reference_iterator_glob_new(&it, repo, "refs/tags/*"))
		return 0;
	while (!format && !git_reference_next(&ref, it)) {
		const char *name = git_reference_name(ref);
		int shape = ks_release_ref_parse(name, NULL, NULL, NULL, NULL) ? 2 :
			    ks_release_ref_parse_v1(name, NULL, NULL, NULL) ? 1 : 0;
		git_object *c = NULL;
		git_tree *t = NULL;
		git_tree_entry *e = NULL;
		git_blob *b = NULL;

		if (shape && !git_reference_peel(&c, ref, GIT_OBJECT_COMMIT) &&
		    !git_commit_tree(&t, (git_commit *)c) &&
		    !git_tree_entry_bypath(&e, t, KS_META_PATH) &&
		    !git_blob_lookup(&b, repo, git_tree_entry_id(e))) {
			char *v = ks_meta_get(git_blob_rawcontent(b), (size_t)git_blob_rawsize(b),
					      "kstruct-format");

			format = v && atoi(v) == KS_SNAPSHOT_FORMAT ? shape : 0;
			free(v);
		}
		git_blob_free(b);
		git_tree_entry_free(e);
		git_tree_free(t);
		git_object_free(c);
		git_reference_free(ref);
	}
	git_reference_iterator_free(it);
	return format;
}

int ks_store_open(struct ks_store **out, const char *path)
{
	struct ks_store *s;
	git_config *cfg;
	int32_t v = 0;
	struct stat st;

	if (stat(path, &st))
		return ks_err_set(KS_ENOTFOUND, "no store at %s (run 'kstruct import' "
				  "or 'kstruct init' to create one)", path);
	s = ks_xcalloc(1, sizeof(*s));
	s->lock_fd = -1;
	/* bare as kstruct makes them, or a plain `git clone` of one */
	if (git_repository_open_ext(&s->repo, path, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL)) {
		free(s);
		return ks_err_set(KS_ENOTSTORE, "%s is not a kstruct store "
				  "(not a git repository)", path);
	}
	if (git_repository_config_snapshot(&cfg, s->repo) ||
	    ((git_config_get_int32(&v, cfg, CFG_FORMAT) || v <= 0) &&
	     !(v = looks_like_store(s->repo)))) {
		if (cfg)
			git_config_free(cfg);
		git_repository_free(s->repo);
		free(s);
		return ks_err_set(KS_ENOTSTORE, "%s is a git repository but not a "
				  "kstruct store (no %s)", path, CFG_FORMAT);
	}
	if (v > KS_STORE_FORMAT_VERSION) {
		git_config_free(cfg);
		git_repository_free(s->repo);
		free(s);
		return ks_err_set(KS_ENOTSTORE, "%s has store format %d; this kstruct "
				  "reads format %d (upgrade kstruct)", path, (int)v,
				  KS_STORE_FORMAT_VERSION);
	}
	{
		git_buf b = GIT_BUF_INIT;

		if (!git_config_get_string_buf(&b, cfg, CFG_LINEAGE) && b.size)
			s->default_lineage = ks_xstrdup(b.ptr);
		git_buf_dispose(&b);
	}
	git_config_free(cfg);
	s->format = (int)v;
	/* Reads re-hash every object by default; a history walk reads a
	 * tree per release, so that doubles its cost. git fsck checks. */
	git_libgit2_opts(GIT_OPT_ENABLE_STRICT_HASH_VERIFICATION, 0);
	if (git_repository_odb(&s->odb, s->repo)) {
		int err = ks_err_git("cannot open objects of %s", path);

		ks_store_free(s);
		return err;
	}
	s->path = ks_xstrdup(path);
	/* git_repository_path() ends in a slash */
	s->objdir = ks_xasprintf("%sobjects", git_repository_path(s->repo));
	*out = s;
	return 0;
}

void ks_store_free(struct ks_store *s)
{
	if (!s)
		return;
	if (s->lock_depth) {
		s->lock_depth = 1;
		ks_store_unlock(s);
	}
	git_odb_free(s->odb);
	git_repository_free(s->repo);
	ks_pack_written_free(s->written);
	free(s->path);
	free(s->objdir);
	free(s->default_lineage);
	free(s->derived_lineage);
	free(s);
}

const char *ks_store_path(const struct ks_store *s)
{
	return s->path;
}

int ks_store_format(const struct ks_store *s)
{
	return s->format;
}

static int cmp_strp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The lineages that have a release tag, sorted and unique, and in
 * @count (if not NULL, allocated) how many tags each has: from ref names
 * alone, since every import asks (no metadata is read). */
static void tag_lineages(struct ks_store *s, char ***out, size_t *n, size_t **count)
{
	git_reference_iterator *it = NULL;
	git_reference *ref;
	char **v = NULL;
	size_t k = 0, i, cap = 0, *c;

	*out = NULL;
	*n = 0;
	if (count)
		*count = NULL;
	if (git_reference_iterator_glob_new(&it, s->repo, "refs/tags/*"))
		return;
	while (!git_reference_next(&ref, it)) {
		char *d = NULL, *a = NULL, *f = NULL;

		if (ks_release_ref_parse(git_reference_name(ref), &d, &a, &f, NULL)) {
			if (k == cap) {
				cap = cap ? cap * 2 : 16;
				v = ks_xrealloc(v, cap * sizeof(char *));
			}
			v[k++] = ks_xasprintf("%s/%s/%s", d, a, f);
		}
		free(d);
		free(a);
		free(f);
		git_reference_free(ref);
	}
	git_reference_iterator_free(it);
	if (k)
		qsort(v, k, sizeof(char *), cmp_strp);
	c = ks_xcalloc(k + 1, sizeof(*c));
	for (i = 0; i < k; i++) {
		if (*n && !strcmp(v[*n - 1], v[i])) {
			c[*n - 1]++;
			free(v[i]);
			continue;
		}
		c[*n] = 1;
		v[(*n)++] = v[i];
	}
	*out = v;
	if (count)
		*count = c;
	else
		free(c);
}

/* Rank of @lin as the default: DISTRO/x86_64/generic lineages first (the
 * build most users run), among them upstream's (what other distros are
 * compared with), then the one with most releases. */
static void default_rank(const char *lin, size_t count, size_t rank[3])
{
	size_t l = strlen(lin), tail = strlen(KS_DEFAULT_LINEAGE);

	rank[0] = l > tail + 1 && lin[l - tail - 1] == '/' &&
		  !strcmp(lin + l - tail, KS_DEFAULT_LINEAGE);
	rank[1] = !strncmp(lin, KS_DISTRO_UPSTREAM "/", strlen(KS_DISTRO_UPSTREAM) + 1);
	rank[2] = count;
}

/* Without a configured one: the best by default_rank, the first in
 * sorted order among equals (unknown/x86_64/generic when empty). */
static char *derive_default(struct ks_store *s)
{
	char **lin = NULL, *pick = NULL;
	size_t *count = NULL, n = 0, i, best[3] = { 0, 0, 0 };

	tag_lineages(s, &lin, &n, &count);
	for (i = 0; i < n; i++) {
		size_t r[3];

		default_rank(lin[i], count[i], r);
		if (!pick || r[0] > best[0] || (r[0] == best[0] && (r[1] > best[1] ||
		    (r[1] == best[1] && r[2] > best[2])))) {
			memcpy(best, r, sizeof(best));
			pick = lin[i];
		}
	}
	pick = ks_xstrdup(pick ? pick : KS_DISTRO_UNKNOWN "/" KS_DEFAULT_LINEAGE);
	ks_strv_free(lin, n);
	free(count);
	return pick;
}

/* The lineage whose branch HEAD names, when HEAD is a symbolic ref to
 * an existing lineage branch; else NULL. Writers keep HEAD at the
 * derived default (ks_store__update_head), so reading it back spares a
 * reader the count of every release tag (a millisecond at 1,000
 * releases, a third of a `show`). Anything else in HEAD (a fresh store's
 * branch that does not exist yet, a format-1 store, a name that is not
 * a lineage) leaves the answer to the count. */
static char *head_lineage(struct ks_store *s)
{
	git_reference *head = NULL;
	const char *target;
	char *lineage = NULL;
	git_oid id;

	if (s->format < KS_STORE_FORMAT_VERSION ||
	    git_reference_lookup(&head, s->repo, "HEAD") ||
	    git_reference_type(head) != GIT_REFERENCE_SYMBOLIC)
		goto out;
	target = git_reference_symbolic_target(head);
	if (strncmp(target, "refs/heads/", 11))
		goto out;
	if (ks_store_check_lineage(target + 11)) {
		ks_err_clear();	/* not an error: HEAD is only a hint */
		goto out;
	}
	if (!git_reference_name_to_id(&id, s->repo, target))
		lineage = ks_xstrdup(target + 11);
out:
	git_reference_free(head);
	git_error_clear();
	return lineage;
}

const char *ks_store_default_lineage(struct ks_store *s)
{
	if (s->default_lineage)
		return s->default_lineage;
	if (!s->derived_lineage && !(s->derived_lineage = head_lineage(s)))
		s->derived_lineage = derive_default(s);
	return s->derived_lineage;
}

int ks_store__update_head(struct ks_store *s)
{
	git_reference *head = NULL, *ref = NULL;
	const char *lineage;
	char *branch;
	int err = 0;

	/* the lineages may have changed: counted again, not read from HEAD */
	free(s->derived_lineage);
	s->derived_lineage = s->default_lineage ? NULL : derive_default(s);
	lineage = ks_store_default_lineage(s);
	branch = ks_branch_ref(lineage);
	if (!git_reference_lookup(&head, s->repo, "HEAD") &&
	    git_reference_type(head) == GIT_REFERENCE_SYMBOLIC &&
	    !strcmp(git_reference_symbolic_target(head), branch))
		goto out;
	if (git_reference_symbolic_create(&ref, s->repo, "HEAD", branch, 1,
					  "kstruct: default lineage"))
		err = ks_err_git("cannot point HEAD at %s", branch);
out:
	git_reference_free(ref);
	git_reference_free(head);
	free(branch);
	return err;
}

int ks_store__writable(struct ks_store *s)
{
	struct ks_upgrade_result res;

	return s->format < KS_STORE_FORMAT_VERSION ? ks_store_upgrade(s, &res) : 0;
}

int ks_store_set_default_lineage(struct ks_store *s, const char *lineage)
{
	git_config *cfg = NULL;
	int err = ks_store_check_lineage(lineage);

	if (err || (err = ks_store__writable(s)) || (err = ks_store_lock(s)))
		return err;
	if (git_repository_config(&cfg, s->repo) ||
	    git_config_set_string(cfg, CFG_LINEAGE, lineage))
		err = ks_err_git("cannot write the configuration of %s", s->path);
	git_config_free(cfg);
	if (!err) {
		free(s->default_lineage);
		s->default_lineage = ks_xstrdup(lineage);
		err = ks_store__update_head(s);
	}
	ks_store_unlock(s);
	return err;
}

void ks_strv_free(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}
