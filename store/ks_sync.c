/* Sync between stores over git's protocols. Releases travel as their
 * tags, which never move; a fetch adds the tags this store lacks and
 * re-derives the lineage branches, so two stores that pull from each
 * other hold the same tags and therefore the same branches. A tag that
 * names other content here than there is a conflict, never chosen. */
#include <dirent.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ks_buf.h"
#include "ks_err.h"
#include "ks_store_int.h"
#include "ks_validate.h"

#define KS_AUTH_TRIES 6

/* ---- remotes ---- */

int ks_store_remote_add(struct ks_store *s, const char *name, const char *url)
{
	git_remote *r = NULL;
	int valid = 0, err;

	if (git_remote_name_is_valid(&valid, name) || !valid)
		return ks_err_set(KS_EINVAL, "invalid remote name '%s'", name);
	if (!git_remote_lookup(&r, s->repo, name)) {
		git_remote_free(r);
		return ks_err_set(KS_EEXISTS, "remote %s already exists", name);
	}
	/* kstruct chooses its own wants; this refspec is for a plain
	 * `git fetch` in the store: tags only, never forced, so a conflicting
	 * release is refused there too. */
	if ((err = ks_store__writable(s)) || (err = ks_store_lock(s)))
		return err;
	if (git_remote_create_with_fetchspec(&r, s->repo, name, url, "refs/tags/*:refs/tags/*"))
		err = ks_err_git("cannot add remote %s", name);
	git_remote_free(r);
	ks_store_unlock(s);
	return err;
}

int ks_store_remote_remove(struct ks_store *s, const char *name)
{
	git_remote *r = NULL;
	int err;

	if (git_remote_lookup(&r, s->repo, name))
		return ks_err_set(KS_ENOTFOUND, "no remote %s", name);
	git_remote_free(r);
	if ((err = ks_store__writable(s)) || (err = ks_store_lock(s)))
		return err;
	if (git_remote_delete(s->repo, name))
		err = ks_err_git("cannot remove remote %s", name);
	ks_store_unlock(s);
	return err;
}

int ks_store_remote_list(struct ks_store *s, char ***names, char ***urls, size_t *n)
{
	git_strarray list = { 0 };
	size_t i;

	if (git_remote_list(&list, s->repo))
		return ks_err_git("cannot list remotes");
	*names = ks_xcalloc(list.count + 1, sizeof(char *));
	*urls = ks_xcalloc(list.count + 1, sizeof(char *));
	for (i = 0; i < list.count; i++) {
		git_remote *r = NULL;

		(*names)[i] = ks_xstrdup(list.strings[i]);
		if (!git_remote_lookup(&r, s->repo, list.strings[i]))
			(*urls)[i] = ks_xstrdup(git_remote_url(r) ? git_remote_url(r) : "");
		else
			(*urls)[i] = ks_xstrdup("");
		git_remote_free(r);
	}
	*n = list.count;
	git_strarray_dispose(&list);
	return 0;
}

/* ---- callbacks: credentials as git users have them, progress ---- */

struct cb_state {
	const struct ks_sync_opts *opts;
	struct timespec start;	/* for the transfer rate */
	double last;		/* seconds since start at the last line */
	int tries;
	int ssh_key;		/* next ~/.ssh key to offer */
	int local;		/* a push by libgit2's local transport */
	struct ks_buf rejected;	/* refs the server refused, one line each */
};

static int file_exists(const char *p)
{
	struct stat st;

	return !stat(p, &st) && S_ISREG(st.st_mode);
}

/* `git credential fill`, when git is installed: helpers, stores, caches. */
static int credential_helper(git_credential **out, const char *url, const char *user)
{
	char *cmd, line[1024], *u = NULL, *p = NULL;
	char tmpl[] = "/tmp/kstruct-cred-XXXXXX";
	int fd = mkstemp(tmpl), err = GIT_PASSTHROUGH;
	FILE *f;

	if (fd < 0)
		return GIT_PASSTHROUGH;
	f = fdopen(fd, "w");
	fprintf(f, "url=%s\n", url);
	if (user)
		fprintf(f, "username=%s\n", user);
	fclose(f);
	cmd = ks_xasprintf("GIT_TERMINAL_PROMPT=0 git credential fill < %s 2>/dev/null", tmpl);
	f = popen(cmd, "r");
	free(cmd);
	while (f && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (!strncmp(line, "username=", 9))
			u = ks_xstrdup(line + 9);
		else if (!strncmp(line, "password=", 9))
			p = ks_xstrdup(line + 9);
	}
	if (f)
		pclose(f);
	unlink(tmpl);
	if (u && p && !git_credential_userpass_plaintext_new(out, u, p))
		err = 0;
	free(u);
	free(p);
	return err;
}

static int cred_cb(git_credential **out, const char *url, const char *user_from_url,
		   unsigned int allowed, void *payload)
{
	static const char *const keys[] = { "id_ed25519", "id_ecdsa", "id_rsa" };
	struct cb_state *st = payload;
	const char *user = user_from_url;
	const char *home = getenv("HOME");

	if (++st->tries > KS_AUTH_TRIES) {
		git_error_set_str(GIT_ERROR_NET, "authentication failed");
		return GIT_EAUTH;
	}
	if (!user || !user[0])
		user = getenv("USER") && getenv("USER")[0] ? getenv("USER") : "git";
	if (allowed & GIT_CREDENTIAL_SSH_KEY) {
		/* the agent first, then ~/.ssh keys, like ssh(1) */
		if (st->ssh_key == 0) {
			st->ssh_key++;
			if (getenv("SSH_AUTH_SOCK") && !git_credential_ssh_key_from_agent(out, user))
				return 0;
		}
		while (home && st->ssh_key - 1 < (int)(sizeof(keys) / sizeof(keys[0]))) {
			char *key = ks_xasprintf("%s/.ssh/%s", home, keys[st->ssh_key - 1]);
			char *pub = ks_xasprintf("%s.pub", key);
			int ok = -1;

			st->ssh_key++;
			if (file_exists(key))
				ok = git_credential_ssh_key_new(out, user, file_exists(pub) ? pub : NULL,
								key, getenv("KSTRUCT_SSH_PASSPHRASE"));
			free(key);
			free(pub);
			if (!ok)
				return 0;
		}
	}
	if (allowed & GIT_CREDENTIAL_USERPASS_PLAINTEXT) {
		const char *eu = getenv("KSTRUCT_USERNAME"), *ep = getenv("KSTRUCT_PASSWORD");

		if (ep && st->tries == 1)
			return git_credential_userpass_plaintext_new(out, eu ? eu : user, ep);
		if (st->tries <= 2 && !credential_helper(out, url, user_from_url))
			return 0;
	}
	if (allowed & GIT_CREDENTIAL_USERNAME)
		return git_credential_username_new(out, user);
	git_error_set_str(GIT_ERROR_NET, "authentication failed: no usable credentials "
			  "(ssh agent or ~/.ssh key; KSTRUCT_USERNAME/KSTRUCT_PASSWORD or a "
			  "git credential helper for https)");
	return GIT_EAUTH;
}

static int cert_cb(git_cert *cert, int valid, const char *host, void *payload)
{
	(void)cert, (void)valid, (void)host, (void)payload;
	/* libgit2's own checks: CA store for https, known_hosts for ssh */
	return GIT_PASSTHROUGH;
}

static void report(struct cb_state *st, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void report(struct cb_state *st, const char *fmt, ...)
{
	char line[256];
	va_list ap;

	if (!st->opts || !st->opts->progress)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	st->opts->progress(line, st->opts->payload);
}

static double elapsed(struct cb_state *st)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	if (!st->start.tv_sec && !st->start.tv_nsec)
		st->start = now;
	return (double)(now.tv_sec - st->start.tv_sec) +
	       (double)(now.tv_nsec - st->start.tv_nsec) / 1e9;
}

/* A line at most every tenth of a second, and the last one. */
static int due(struct cb_state *st, unsigned int cur, unsigned int total, double *secs)
{
	*secs = elapsed(st);
	if (cur != total && *secs - st->last < 0.1)
		return 0;
	st->last = *secs;
	return 1;
}

static int fetch_progress(const git_indexer_progress *p, void *payload)
{
	double secs;

	if (due(payload, p->received_objects, p->total_objects, &secs))
		report(payload, "receiving objects: %u/%u, %.1f KiB, %.0f KiB/s",
		       p->received_objects, p->total_objects, p->received_bytes / 1024.0,
		       secs > 0.01 ? p->received_bytes / 1024.0 / secs : 0);
	return 0;
}

static int push_progress(unsigned int current, unsigned int total, size_t bytes,
			 void *payload)
{
	struct cb_state *st = payload;
	double secs;

	if (!due(st, current, total, &secs))
		return 0;
	/* libgit2 1.5's local transport passes a byte count it never set (the
	 * git_indexer_progress of git_packbuilder_write): objects only */
	if (st->local)
		report(st, "sending objects: %u/%u", current, total);
	else
		report(st, "sending objects: %u/%u, %.1f KiB, %.0f KiB/s", current, total,
		       bytes / 1024.0, secs > 0.01 ? bytes / 1024.0 / secs : 0);
	return 0;
}

static int push_ref_cb(const char *ref, const char *status, void *payload)
{
	struct cb_state *st = payload;

	/* the push call itself succeeds; refusals arrive only here */
	if (status)
		ks_buf_printf(&st->rejected, "%s%s: %s", st->rejected.len ? "; " : "", ref, status);
	return 0;
}

static void init_callbacks(git_remote_callbacks *cb, struct cb_state *st)
{
	git_remote_init_callbacks(cb, GIT_REMOTE_CALLBACKS_VERSION);
	cb->credentials = cred_cb;
	cb->certificate_check = cert_cb;
	cb->transfer_progress = fetch_progress;
	cb->push_transfer_progress = push_progress;
	cb->push_update_reference = push_ref_cb;
	cb->payload = st;
}

/* ---- fetch ---- */

/* Where https certificates are checked against, in git's order:
 * $GIT_SSL_CAINFO, else git's http.sslCAInfo (of @repo when there is
 * one, which includes the user's and the system's git config), else
 * $SSL_CERT_FILE and $SSL_CERT_DIR (OpenSSL's), else libgit2's default,
 * the system's store. */
static void tls_setup(git_repository *repo)
{
	const char *file = getenv("GIT_SSL_CAINFO"), *dir = NULL;
	git_config *cfg = NULL;
	git_buf path = { 0 };

	if ((!file || !*file) && !(repo ? git_repository_config(&cfg, repo)
					: git_config_open_default(&cfg)) &&
	    !git_config_get_path(&path, cfg, "http.sslCAInfo"))
		file = path.ptr;
	if (!file || !*file) {
		file = getenv("SSL_CERT_FILE");
		dir = getenv("SSL_CERT_DIR");
	}
	if ((file && *file) || (dir && *dir))
		git_libgit2_opts(GIT_OPT_SET_SSL_CERT_LOCATIONS, file && *file ? file : NULL,
				 dir && *dir ? dir : NULL);
	git_buf_dispose(&path);
	git_config_free(cfg);
	git_error_clear();
}

static int is_local_path(const char *url)
{
	const char *colon = strchr(url, ':');

	/* user@host:path (scp-like) and scheme:// are not local */
	return !strstr(url, "://") && (!colon || (strchr(url, '/') && strchr(url, '/') < colon));
}

static int open_remote(struct ks_store *s, const char *name, git_remote **out)
{
	const char *url;
	struct stat st;

	tls_setup(s->repo);
	if (!git_remote_lookup(out, s->repo, name)) {
		url = git_remote_url(*out);
		if (url && is_local_path(url) && stat(url, &st)) {
			int err = ks_err_set(KS_ENOTFOUND, "remote %s: no store at %s", name, url);

			git_remote_free(*out);
			*out = NULL;
			return err;
		}
		return 0;
	}
	if (is_local_path(name) && (strchr(name, '/') || name[0] == '.') && stat(name, &st))
		return ks_err_set(KS_ENOTFOUND, "no store at %s (no such folder)", name);
	/* not a configured remote: a URL or a path */
	if (strchr(name, '/') || strchr(name, ':') || !strcmp(name, ".") || !strcmp(name, "..")) {
		if (git_remote_create_anonymous(out, s->repo, name))
			return ks_err_git("invalid remote URL %s", name);
		return 0;
	}
	return ks_err_set(KS_ENOTFOUND, "no remote %s (see 'kstruct remote list')", name);
}

static int fail_remote(git_remote *r, const char *what)
{
	const git_error *e = git_error_last();
	const char *url = git_remote_url(r) ? git_remote_url(r) : "?";
	char msg[512];
	size_t i;

	/* libgit2's TLS messages span lines: one line here */
	snprintf(msg, sizeof(msg), "%s", e && e->message ? e->message : "unknown error");
	for (i = 0; msg[i]; i++)
		if (msg[i] == '\n' || msg[i] == '\r')
			msg[i] = i + 1 < sizeof(msg) && msg[i + 1] ? ';' : ' ';

	/* the one refusal a user must act on: say how */
	if (e && (e->klass == GIT_ERROR_SSL ||
		  (e->message && strstr(e->message, "certificate"))))
		return ks_err_set(KS_EGIT, "%s %s: the server's certificate is not trusted here "
				  "(%s); give its CA in SSL_CERT_FILE or git's http.sslCAInfo",
				  what, url, msg);
	return ks_err_set(KS_EGIT, "%s %s: %s", what, url, msg);
}

/* What is wrong with the release @ref of another store points to, or
 * NULL when it is exactly what kstruct writes: a parentless commit whose
 * text is kstruct's for the tag's lineage and release over its tree,
 * that tree a well-formed snapshot of that release (ks_validate.c). */
static char *release_problem(struct ks_store *s, struct ks_vcache *cache, const git_oid *id,
			     const char *ref)
{
	char *distro = NULL, *arch = NULL, *flavor = NULL, *release = NULL, *lineage = NULL;
	char *problem = NULL, *want = NULL, why[256];
	git_object *obj = NULL;
	git_commit *c = NULL;
	git_oid want_id;
	size_t len;

	if (!ks_release_ref_parse(ref, &distro, &arch, &flavor, &release) ||
	    ks_store_check_release_name(release) ||
	    ks_store_check_lineage(lineage = ks_xasprintf("%s/%s/%s", distro, arch, flavor))) {
		problem = ks_xstrdup("not a release tag's name");
		goto out;
	}
	if (git_object_lookup(&obj, s->repo, id, GIT_OBJECT_ANY)) {
		problem = ks_xstrdup("the object it names was not sent");
		goto out;
	}
	if (git_object_type(obj) != GIT_OBJECT_COMMIT) {
		problem = ks_xasprintf("it names a %s, not a release commit",
				       git_object_type2string(git_object_type(obj)));
		goto out;
	}
	c = (git_commit *)obj;
	want = ks_commit_format(git_commit_tree_id(c), NULL, lineage, release, &len);
	ks_object_id(&want_id, GIT_OBJECT_COMMIT, want, len);
	if (git_commit_parentcount(c) || git_oid_cmp(&want_id, id)) {
		problem = ks_xstrdup("not a kstruct release commit");
		goto out;
	}
	if (ks_store__validate_tree(s, cache, git_commit_tree_id(c), release, arch, flavor, why,
				    sizeof(why)))
		problem = ks_xstrdup(why[0] ? why : "its snapshot cannot be read");
out:
	ks_err_clear();
	git_object_free(obj);
	free(want);
	free(lineage);
	free(distro);
	free(arch);
	free(flavor);
	free(release);
	return problem;
}

/* The pack folder's file names, sorted: what a refused fetch compares
 * with to remove the pack it downloaded. */
static char **pack_files(const char *objdir, size_t *n)
{
	char *dir = ks_xasprintf("%s/pack", objdir);
	DIR *d = opendir(dir);
	struct dirent *de;
	char **v = NULL;

	*n = 0;
	while (d && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		v = ks_xrealloc(v, (*n + 1) * sizeof(*v));
		v[(*n)++] = ks_xstrdup(de->d_name);
	}
	if (d)
		closedir(d);
	free(dir);
	return v;
}

/* Removes what a refused fetch downloaded: the files of the pack folder
 * that were not there before (the writer lock is held, so no other
 * writer added them). Nothing it brought is then left, reachable or not. */
static void remove_new_packs(struct ks_store *s, char **before, size_t nbefore)
{
	size_t n, i, k;
	char **now = pack_files(s->objdir, &n);

	for (i = 0; i < n; i++) {
		for (k = 0; k < nbefore && strcmp(before[k], now[i]); k++)
			;
		if (k == nbefore) {
			char *p = ks_xasprintf("%s/pack/%s", s->objdir, now[i]);

			unlink(p);
			free(p);
		}
	}
	ks_strv_free(now, n);
	git_odb_refresh(s->odb);
}

static void add_message(struct ks_sync_result *res, char *msg)
{
	ks_redact_credentials(msg);
	res->messages = ks_xrealloc(res->messages, (res->nmessages + 1) * sizeof(char *));
	res->messages[res->nmessages++] = msg;
}

/* Adds the lineage of @ref ("refs/tags/A/F/R") to @lineages once. */
static void note_lineage(char ***lineages, size_t *n, const char *ref)
{
	const char *l = ref + 10, *end = strrchr(l, '/');
	size_t i;

	for (i = 0; i < *n; i++)
		if (strlen((*lineages)[i]) == (size_t)(end - l) &&
		    !strncmp((*lineages)[i], l, (size_t)(end - l)))
			return;
	*lineages = ks_xrealloc(*lineages, (*n + 1) * sizeof(char *));
	(*lineages)[(*n)++] = ks_xstrndup(l, (size_t)(end - l));
}


/* A format-1 release tag: refs/tags/ARCH/FLAVOR/RELEASE whose lineage
 * branch refs/heads/ARCH/FLAVOR the remote also has, as every format-1
 * store does; a user's own three-part tag alone is not one. */
static int v1_release(const git_remote_head **heads, size_t n, const char *name)
{
	char *arch = NULL, *flavor = NULL, *branch;
	size_t i;
	int hit = 0;

	if (!ks_release_ref_parse_v1(name, &arch, &flavor, NULL))
		return 0;
	branch = ks_xasprintf("refs/heads/%s/%s", arch, flavor);
	for (i = 0; i < n && !hit; i++)
		hit = !strcmp(heads[i]->name, branch);
	free(branch);
	free(arch);
	free(flavor);
	return hit;
}
static int fetch_remote(struct ks_store *s, git_remote *r, const struct ks_sync_opts *opts,
			struct ks_sync_result *res)
{
	struct cb_state st = { .opts = opts };
	git_remote_callbacks cb;
	git_fetch_options fo;
	const git_remote_head **heads;
	size_t nheads, i, nwant = 0, nother = 0, nlin = 0, nreleases = 0, ntags, nold = 0;
	char **lineages = NULL;
	git_strarray specs = { 0 };
	const git_indexer_progress *stats;
	struct ks_vcache *cache;
	char **packs_before = NULL;
	size_t npacks_before = 0;
	int err = 0;

	init_callbacks(&cb, &st);
	if (git_remote_connect(r, GIT_DIRECTION_FETCH, &cb, NULL, NULL)) {
		err = fail_remote(r, "cannot reach");
		goto out;
	}
	if (git_remote_ls(&heads, &nheads, r)) {
		err = fail_remote(r, "cannot list");
		goto out;
	}
	specs.strings = ks_xcalloc(nheads + 1, sizeof(char *));
	for (i = 0; i < nheads; i++) {
		git_oid here;

		/* only what is new here: a release present (or in conflict)
		 * brings nothing, so a pull of only conflicts writes nothing */
		if (!nold && v1_release(heads, nheads, heads[i]->name))
			nold++;
		if (ks_release_ref_parse(heads[i]->name, NULL, NULL, NULL, NULL)) {
			if (git_reference_name_to_id(&here, s->repo, heads[i]->name))
				specs.strings[nwant++] = ks_xasprintf("%s", heads[i]->name);
			nreleases++;
		}
		else if (strcmp(heads[i]->name, "HEAD") && strncmp(heads[i]->name, "refs/heads/", 11) &&
			 strncmp(heads[i]->name, "refs/notes/", 11))
			nother++;
	}
	/* Release commits have no parents, so a server sends all of a new
	 * release's objects; a lineage branch's commit has the previous
	 * release as parent, which lets the server leave out what this store
	 * has. So the branches of lineages with new releases are asked for
	 * too; the branches themselves are re-derived here, not taken. */
	for (i = 0, ntags = nwant; i < nheads; i++) {
		size_t k, ll;

		if (!ks_lineage_ref_is(heads[i]->name) || git_odb_exists(s->odb, &heads[i]->oid))
			continue;
		ll = strlen(heads[i]->name + 11);
		for (k = 0; k < ntags; k++)
			if (!strncmp(specs.strings[k] + 10, heads[i]->name + 11, ll) &&
			    specs.strings[k][10 + ll] == '/')
				break;
		if (k < ntags)
			specs.strings[nwant++] = ks_xasprintf("%s", heads[i]->name);
	}
	specs.count = nwant;
	/* Its release commits name other lineages: refused before anything
	 * is written here. */
	if (nold) {
		err = ks_err_set(KS_ENOTSTORE, "%s is a kstruct store in format 1 (release "
				 "tags ARCH/FLAVOR/RELEASE); run 'kstruct upgrade' there first",
				 git_remote_url(r));
		goto out;
	}
	if (!nreleases && (nother || nheads > 0)) {
		int only_branches = 1;

		for (i = 0; i < nheads; i++)
			if (strcmp(heads[i]->name, "HEAD"))
				only_branches = 0;
		if (!only_branches) {
			err = ks_err_set(KS_ENOTSTORE, "%s is not a kstruct store (no release "
					 "tags refs/tags/DISTRO/ARCH/FLAVOR/RELEASE)", git_remote_url(r));
			goto out;
		}
	}
	packs_before = pack_files(s->objdir, &npacks_before);
	if (nwant) {
		git_fetch_options_init(&fo, GIT_FETCH_OPTIONS_VERSION);
		fo.callbacks = cb;
		fo.download_tags = GIT_REMOTE_DOWNLOAD_TAGS_NONE;
		fo.update_fetchhead = 0;
		if (git_remote_download(r, &specs, &fo)) {
			err = fail_remote(r, "cannot fetch from");
			goto out;
		}
		stats = git_remote_stats(r);
		res->bytes += stats->received_bytes;
		res->objects += stats->received_objects;
		git_odb_refresh(s->odb);
	}
	/* Every tag this store lacks is checked before any ref moves: one
	 * that is not a release, and the fetch records nothing. */
	cache = ks_vcache_new();
	for (i = 0; i < nheads && !err; i++) {
		const char *ref = heads[i]->name;
		git_oid here;
		char *problem, shown[128];

		if (!ks_release_ref_parse(ref, NULL, NULL, NULL, NULL) ||
		    !git_reference_name_to_id(&here, s->repo, ref))
			continue;
		if ((problem = release_problem(s, cache, &heads[i]->oid, ref))) {
			ks_store__shown_name(shown, sizeof(shown), ref + 10);
			err = ks_err_set(KS_EFORMAT, "%s: %s: %s; nothing was recorded",
					 git_remote_url(r), shown, problem);
			free(problem);
		}
	}
	ks_vcache_free(cache);
	if (err) {
		remove_new_packs(s, packs_before, npacks_before);
		goto out;
	}
	/* integrate: every tag this store lacks */
	for (i = 0; i < nheads; i++) {
		const char *ref = heads[i]->name;
		git_oid here;
		git_reference *nref = NULL;
		char a[GIT_OID_HEXSZ + 1], b[GIT_OID_HEXSZ + 1];

		if (!ks_release_ref_parse(ref, NULL, NULL, NULL, NULL))
			continue;
		if (!git_reference_name_to_id(&here, s->repo, ref)) {
			if (!git_oid_cmp(&here, &heads[i]->oid)) {
				res->present++;
				continue;
			}
			git_oid_tostr(a, sizeof(a), &here);
			git_oid_tostr(b, sizeof(b), &heads[i]->oid);
			add_message(res, ks_xasprintf("conflict: %s is %.12s here and %.12s in %s; "
						      "kept this store's", ref + 10, a, b,
						      git_remote_url(r)));
			res->conflicts++;
			continue;
		}
		if (git_reference_create_matching(&nref, s->repo, ref, &heads[i]->oid, 0, NULL,
						  "kstruct: fetch")) {
			git_reference_free(nref);
			err = ks_err_git("cannot record %s", ref);
			goto out;
		}
		git_reference_free(nref);
		res->added++;
		note_lineage(&lineages, &nlin, ref);
	}
	for (i = 0; i < nlin && !err; i++)
		err = ks_lineage_rebuild(s, lineages[i]);
	if (!err && nlin)
		err = ks_store__update_head(s);
out:
	git_remote_disconnect(r);
	for (i = 0; i < nwant; i++)
		free(specs.strings[i]);
	free(specs.strings);
	ks_strv_free(lineages, nlin);
	ks_strv_free(packs_before, npacks_before);
	ks_buf_free(&st.rejected);
	return err;
}

int ks_store_fetch(struct ks_store *s, const char *remote, const struct ks_sync_opts *opts,
		   struct ks_sync_result *res)
{
	git_remote *r = NULL;
	int err;

	memset(res, 0, sizeof(*res));
	if ((err = ks_store__writable(s)) || (err = open_remote(s, remote, &r)))
		return err;
	/* the whole fetch: the pack it downloads is a writer's file too */
	if (!err && !(err = ks_store_lock(s))) {
		err = fetch_remote(s, r, opts, res);
		ks_store_unlock(s);
	}
	git_remote_free(r);
	return err;
}

/* ---- push ---- */

/* The remote has @name at @id already: nothing to send for it. */
static int remote_has(const git_remote_head **heads, size_t n, const char *name,
		      const git_oid *id)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(heads[i]->name, name))
			return id && !git_oid_cmp(&heads[i]->oid, id);
	return 0;
}

int ks_store_push(struct ks_store *s, const char *remote, const struct ks_sync_opts *opts,
		  struct ks_sync_result *res)
{
	struct cb_state st = { .opts = opts };
	git_remote *r = NULL;
	git_remote_callbacks cb;
	git_push_options po;
	git_reference_iterator *it = NULL;
	git_reference *ref;
	git_strarray specs = { 0 };
	const git_remote_head **heads;
	const char *url;
	size_t cap = 0, i, nheads;
	int err;

	/* the union first: the branches pushed then hold both sides'
	 * releases, and a conflict stops the push before anything moves */
	err = ks_store_fetch(s, remote, opts, res);
	if (err)
		return err;
	if (res->conflicts) {
		for (i = 0; i < res->nmessages; i++)
			if (!strncmp(res->messages[i], "conflict: ", 10))
				break;
		return ks_err_set(KS_ECONFLICT, "nothing pushed: %s%s",
				  i < res->nmessages ? res->messages[i] + 10 : "conflicting releases",
				  res->conflicts > 1 ? " (and more: kstruct pull shows them)" : "");
	}
	err = open_remote(s, remote, &r);
	if (err)
		return err;
	url = git_remote_url(r);
	st.local = url && (!strncmp(url, "file://", 7) || is_local_path(url));
	init_callbacks(&cb, &st);
	if (git_remote_connect(r, GIT_DIRECTION_PUSH, &cb, NULL, NULL) ||
	    git_remote_ls(&heads, &nheads, r)) {
		err = fail_remote(r, "cannot reach");
		git_remote_free(r);
		return err;
	}
	if (git_reference_iterator_new(&it, s->repo)) {
		git_remote_free(r);
		return ks_err_git("cannot list refs");
	}
	/* tags first (never forced), then the derived branches (forced) */
	while (!git_reference_next(&ref, it)) {
		const char *name = git_reference_name(ref);

		if (ks_release_ref_parse(name, NULL, NULL, NULL, NULL) &&
		    !remote_has(heads, nheads, name, git_reference_target(ref))) {
			if (specs.count == cap) {
				cap = cap ? cap * 2 : 64;
				specs.strings = ks_xrealloc(specs.strings, cap * sizeof(char *));
			}
			specs.strings[specs.count++] = ks_xasprintf("%s:%s", name, name);
		}
		git_reference_free(ref);
	}
	git_reference_iterator_free(it);
	if (!git_reference_iterator_glob_new(&it, s->repo, "refs/heads/*")) {
		while (!git_reference_next(&ref, it)) {
			if (git_reference_target(ref) &&
			    !remote_has(heads, nheads, git_reference_name(ref),
					git_reference_target(ref))) {
				if (specs.count == cap) {
					cap = cap ? cap * 2 : 64;
					specs.strings = ks_xrealloc(specs.strings,
								    cap * sizeof(char *));
				}
				specs.strings[specs.count++] = ks_xasprintf(
					"+%s:%s", git_reference_name(ref), git_reference_name(ref));
			}
			git_reference_free(ref);
		}
		git_reference_iterator_free(it);
	}
	git_push_options_init(&po, GIT_PUSH_OPTIONS_VERSION);
	po.callbacks = cb;
	if (specs.count && git_remote_push(r, &specs, &po)) {
		err = fail_remote(r, "cannot push to");
	} else if (st.rejected.len) {
		err = ks_err_set(KS_ECONFLICT, "%s refused: %s", git_remote_url(r), st.rejected.p);
	} else {
		const git_indexer_progress *stats = git_remote_stats(r);

		res->sent = specs.count;
		res->bytes += stats->received_bytes;
	}
	for (i = 0; i < specs.count; i++)
		free(specs.strings[i]);
	free(specs.strings);
	ks_buf_free(&st.rejected);
	git_remote_free(r);
	return err;
}

/* ---- clone ---- */

static int rm_entry(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb, (void)flag;
	if (ftw->level == 0)
		return 0;
	return remove(p);
}

/* Removes what a failed clone created; an existing folder stays. */
static void remove_tree(const char *path, int keep_top)
{
	nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	if (!keep_top)
		rmdir(path);
}

int ks_store_clone(const char *url, const char *path, const struct ks_sync_opts *opts,
		   struct ks_sync_result *res)
{
	struct ks_store *s = NULL;
	struct stat st;
	int existed = !stat(path, &st), err;

	memset(res, 0, sizeof(*res));
	if (existed) {
		err = ks_store_init(path);
		if (err == 1)
			return ks_err_set(KS_EEXISTS, "%s is already a kstruct store; use "
					  "'kstruct pull' there", path);
		if (err < 0)
			return err;
	} else if ((err = ks_store_init(path)) < 0) {
		return err;
	}
	err = ks_store_open(&s, path);
	if (!err)
		err = ks_store_remote_add(s, "origin", url);
	if (!err)
		err = ks_store_fetch(s, "origin", opts, res);
	ks_store_free(s);
	if (err)
		remove_tree(path, existed);	/* nothing half-made stays behind */
	return err;
}

void ks_sync_result_free(struct ks_sync_result *res)
{
	ks_strv_free(res->messages, res->nmessages);
	res->messages = NULL;
	res->nmessages = 0;
}
