/* Recording a release: snapshot objects into one pack, then the tag,
 * then the lineage branch. Refs move last and by compare-and-swap, so an
 * import that fails or is killed leaves at most unreferenced objects. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ks_buf.h"
#include "ks_distro.h"
#include "ks_err.h"
#include "ks_snapshot.h"
#include "ks_store_int.h"

#define KS_REF_RETRIES 8
#define KS_NOTES_REF "refs/notes/kstruct"


int ks_store_check_lineage_part(const char *what, const char *value)
{
	const char *p;

	if (!value || !value[0])
		return ks_err_set(KS_EINVAL, "empty %s", what);
	if (value[0] == '.' || value[0] == '-' || strlen(value) > 64)
		goto bad;
	for (p = value; *p; p++) {
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '_' || *p == '-' || *p == '.'))
			goto bad;
	}
	if (strstr(value, "..") || !strcmp(p - 5 > value ? p - 5 : value, ".lock"))
		goto bad;
	return 0;
bad:
	return ks_err_set(KS_EINVAL, "invalid %s '%s' (use letters, digits, '.', '_', '-')",
			  what, value);
}

int ks_store_check_lineage(const char *lineage)
{
	char *distro = NULL, *arch = NULL, *flavor = NULL;
	int err = ks_lineage_split(lineage, &distro, &arch, &flavor);

	if (!err)
		err = ks_distro_check_name(distro);
	if (!err)
		err = ks_store_check_lineage_part("arch", arch);
	if (!err)
		err = ks_store_check_lineage_part("flavor", flavor);
	free(distro);
	free(arch);
	free(flavor);
	return err;
}

int ks_store_check_release_name(const char *release)
{
	char *ref;
	int valid = 0;

	if (!release || !release[0])
		return ks_err_set(KS_EINVAL, "empty release name");
	if (strchr(release, '/') || strlen(release) > 200)
		return ks_err_set(KS_EINVAL, "invalid release name '%s' "
				  "(no '/', at most 200 characters)", release);
	ref = ks_xasprintf("refs/tags/a/b/c/%s", release);
	if (git_reference_name_is_valid(&valid, ref) || !valid)
		valid = 0;
	free(ref);
	if (!valid)
		return ks_err_set(KS_EINVAL, "invalid release name '%s' (it must be "
				  "usable as a git tag name)", release);
	return 0;
}

/* The ids of a snapshot tree's kind folders, for telling whether a new
 * snapshot only completes an older one. */
struct top_ids {
	git_oid id[KS_KIND_COUNT];
	unsigned int have;	/* bit 1u << kind: the folder exists */
};

/* Writes the tree of entries [*i, n) sharing the prefix of length @plen
 * and the next path component; recursion follows the path's depth. The
 * root's folders are noted in @top when given. */
static void build_tree(struct ks_pack *pk, struct ks_path_entry *pe, size_t *i,
		       size_t n, size_t plen, git_oid *out, struct top_ids *top)
{
	struct ks_tree_entry *ents = NULL;
	size_t nents = 0, cap = 0, k;
	char **names = NULL;
	char *buf;
	size_t len;
	const char *prefix = pe[*i].path;

	while (*i < n && !strncmp(pe[*i].path, prefix, plen)) {
		const char *comp = pe[*i].path + plen;
		const char *slash = strchr(comp, '/');
		struct ks_tree_entry *e;

		if (nents == cap) {
			cap = cap ? cap * 2 : 64;
			ents = ks_xrealloc(ents, cap * sizeof(*ents));
			names = ks_xrealloc(names, cap * sizeof(*names));
		}
		e = &ents[nents];
		if (slash) {
			names[nents] = ks_xstrndup(comp, (size_t)(slash - comp));
			e->is_tree = 1;
			build_tree(pk, pe, i, n, (size_t)(slash - pe[*i].path) + 1, &e->id, NULL);
			if (top) {
				enum ks_kind k;

				if (!ks_kind_parse(names[nents], (size_t)-1, &k)) {
					top->id[k] = e->id;
					top->have |= 1u << k;
				}
				ks_err_clear();
			}
		} else {
			names[nents] = ks_xstrdup(comp);
			e->is_tree = 0;
			e->id = pe[*i].blob;
			(*i)++;
		}
		e->name = names[nents];
		nents++;
		if (*i < n && strncmp(pe[*i].path, prefix, plen))
			break;
	}
	ks_tree_serialize(ents, nents, &buf, &len);
	ks_pack_add(pk, GIT_OBJECT_TREE, buf, len, out);
	free(buf);
	for (k = 0; k < nents; k++)
		free(names[k]);
	free(names);
	free(ents);
}

/* Puts the snapshot's blobs and trees into @pk and returns its tree. */
static void snapshot_tree(struct ks_store *s, struct ks_pack *pk,
			  const struct ks_release_meta *meta,
			  const struct ks_snapshot *snap,
			  const struct ks_snapshot_plan *plan, git_oid *tree, struct top_ids *top)
{
	struct ks_snapshot_plan *own = NULL;
	struct ks_path_entry *pe, meta_e;
	char *metatext;
	size_t i, n, at, metalen;
	int probed;

	if (!plan || plan->snap != snap || plan->n != snap->n)
		plan = own = ks_snapshot_plan_new(snap);
	probed = plan->probed && !strcmp(plan->probed, s->path);
	n = plan->n;
	for (i = 0; i < n; i++) {
		const struct ks_path_entry *e = &plan->entries[i];

		ks_pack_add_probed(pk, GIT_OBJECT_BLOB, e->data, e->len, &e->blob,
				   probed ? e->probe : KS_PROBE_UNKNOWN);
	}
	metatext = ks_meta_format_kinds(meta, ks_meta_recorded(snap), snap->count, &metalen);
	meta_e.path = KS_META_PATH;
	ks_pack_add(pk, GIT_OBJECT_BLOB, metatext, metalen, &meta_e.blob);
	free(metatext);

	/* the plan is sorted: put the meta entry in its place */
	pe = ks_xcalloc(n + 1, sizeof(*pe));
	for (at = 0; at < n && strcmp(plan->entries[at].path, KS_META_PATH) < 0; at++)
		;
	memcpy(pe, plan->entries, at * sizeof(*pe));
	pe[at] = meta_e;
	memcpy(pe + at + 1, plan->entries + at, (n - at) * sizeof(*pe));
	i = 0;
	memset(top, 0, sizeof(*top));
	build_tree(pk, pe, &i, n + 1, 0, tree, top);
	free(pe);
	ks_snapshot_plan_free(own);
}

static int odb_write(struct ks_store *s, const char *buf, size_t len,
		     git_object_t type, git_oid *out)
{
	if (git_odb_write(out, s->odb, buf, len, type))
		return ks_err_git("cannot write object to %s", s->path);
	return 0;
}

struct chain_item {
	char *release;
	char tree[GIT_OID_HEXSZ + 1];
	const char *distro;	/* the lineage's, for its version scheme */
};

static int cmp_release(const void *a, const void *b)
{
	const struct chain_item *x = a, *y = b;

	return ks_distro_version_cmp(x->distro, x->release, y->release);
}

/* The branch is a pure function of the lineage's tags: each release's
 * tree, with the previous release in version order as parent. @extra_rel
 * (with @extra_tree) is a release about to be tagged, counted in already.
 * Commits go into @pk when given, else straight into the object store. */
static int compute_chain(struct ks_store *s, const char *lineage, const char *extra_rel,
			 const git_oid *extra_tree, struct ks_pack *pk, git_oid *head,
			 int *empty)
{
	char *glob = ks_xasprintf("refs/tags/%s/*", lineage), *distro = NULL;
	git_reference_iterator *it = NULL;
	git_reference *ref;
	size_t plen = strlen(glob) - 1, n = 0, cap = 0, i;
	struct chain_item *items = NULL;
	int err = 0;

	*empty = 1;
	if ((err = ks_lineage_split(lineage, &distro, NULL, NULL))) {
		free(glob);
		return err;
	}
	if (git_reference_iterator_glob_new(&it, s->repo, glob)) {
		free(glob);
		free(distro);
		return ks_err_git("cannot list releases of %s", lineage);
	}
	while (!(err = git_reference_next(&ref, it)) || (err == GIT_ITEROVER && extra_rel)) {
		const char *name = err ? NULL : git_reference_name(ref);
		git_object *obj = NULL;

		if (name && (strchr(name + plen, '/') ||
			     (extra_rel && !strcmp(name + plen, extra_rel)) ||
			     git_reference_peel(&obj, ref, GIT_OBJECT_COMMIT))) {
			git_reference_free(ref);
			continue;
		}
		if (n == cap) {
			cap = cap ? cap * 2 : 32;
			items = ks_xrealloc(items, cap * sizeof(*items));
		}
		items[n].distro = distro;
		if (name) {
			git_oid_tostr(items[n].tree, sizeof(items[n].tree),
				      git_commit_tree_id((git_commit *)obj));
			items[n].release = ks_xstrdup(name + plen);
			git_object_free(obj);
			git_reference_free(ref);
		} else {
			git_oid_tostr(items[n].tree, sizeof(items[n].tree), extra_tree);
			items[n].release = ks_xstrdup(extra_rel);
			extra_rel = NULL;	/* added once, at the end of the list */
		}
		n++;
	}
	git_reference_iterator_free(it);
	free(glob);
	if (err != GIT_ITEROVER) {
		err = ks_err_git("cannot list releases of %s", lineage);
		goto out;
	}
	err = 0;
	if (n)
		qsort(items, n, sizeof(*items), cmp_release);
	for (i = 0; i < n && !err; i++) {
		git_oid tree, id;
		char *buf;
		size_t len;

		git_oid_fromstr(&tree, items[i].tree);
		buf = ks_commit_format(&tree, i ? head : NULL, lineage, items[i].release, &len);
		if (pk)
			ks_pack_add(pk, GIT_OBJECT_COMMIT, buf, len, &id);
		else
			err = odb_write(s, buf, len, GIT_OBJECT_COMMIT, &id);
		free(buf);
		*head = id;
		*empty = 0;
	}
out:
	for (i = 0; i < n; i++)
		free(items[i].release);
	free(items);
	free(distro);
	return err;
}

/* Moves (or removes) the branch from @old to @head; KS_ECONFLICT when
 * another writer moved it first. */
static int move_branch(struct ks_store *s, const char *branch, int have_old,
		       const git_oid *old, const git_oid *head, int empty)
{
	git_reference *ref = NULL;
	int err;

	if (empty)
		return have_old && git_reference_remove(s->repo, branch) ?
		       ks_err_git("cannot remove %s", branch) : 0;
	if (have_old && !git_oid_cmp(old, head))
		return 0;
	err = git_reference_create_matching(&ref, s->repo, branch, head, have_old,
					    have_old ? old : NULL, "kstruct: re-link lineage");
	git_reference_free(ref);
	if (err == GIT_EMODIFIED || err == GIT_EEXISTS)
		return ks_err_set(KS_ECONFLICT, "%s was moved by another writer", branch);
	return err ? ks_err_git("cannot update %s", branch) : 0;
}

/* A release tagged but not yet linked into its branch is marked by a
 * file (<gitdir>/kstruct-relink/<lineage>) from just before its tag is
 * made until its branch has moved, so that after a killed import the
 * next write of the lineage derives the branch from all tags again
 * instead of appending to a branch that lacks one. */
static char *relink_path(struct ks_store *s, const char *lineage)
{
	char *name = ks_xstrdup(lineage), *p, *path;

	for (p = name; *p; p++)
		if (*p == '/')
			*p = '~';
	path = ks_xasprintf("%s/kstruct-relink/%s", git_repository_path(s->repo), name);
	free(name);
	return path;
}

static int relink_mark(struct ks_store *s, const char *lineage)
{
	char *path = relink_path(s, lineage), *dir = ks_xstrdup(path);
	int fd, err = 0;

	*strrchr(dir, '/') = '\0';
	if (mkdir(dir, 0755) && errno != EEXIST)
		err = ks_err_set(KS_EIO, "cannot create %s: %s", dir, strerror(errno));
	else if ((fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644)) < 0)
		err = ks_err_set(KS_EIO, "cannot create %s: %s", path, strerror(errno));
	else
		close(fd);
	free(dir);
	free(path);
	return err;
}

static void relink_done(struct ks_store *s, const char *lineage)
{
	char *path = relink_path(s, lineage);

	unlink(path);
	free(path);
}

static int relink_pending(struct ks_store *s, const char *lineage)
{
	char *path = relink_path(s, lineage);
	struct stat st;
	int pending = !stat(path, &st);

	free(path);
	return pending;
}

/* Whether @release goes after the newest release of the branch at
 * @head: then the new chain is one commit on top of it, and nothing
 * else of the lineage is read (the common case: a new kernel). */
static int appends(struct ks_store *s, const git_oid *head, const char *distro,
		   const char *release)
{
	git_commit *c = NULL;
	char *newest;
	int after;

	if (git_commit_lookup(&c, s->repo, head))
		return 0;
	newest = ks_store__commit_release(c);
	after = newest && ks_distro_version_cmp(distro, newest, release) < 0;
	free(newest);
	git_commit_free(c);
	return after;
}

int ks_lineage_rebuild(struct ks_store *s, const char *lineage)
{
	char *branch;
	int attempt, err = ks_store_lock(s);

	if (err)
		return err;
	branch = ks_branch_ref(lineage);
	for (attempt = 0; attempt < KS_REF_RETRIES; attempt++) {
		git_oid head, old;
		int empty, have_old = !git_reference_name_to_id(&old, s->repo, branch);

		err = compute_chain(s, lineage, NULL, NULL, NULL, &head, &empty);
		if (!err)
			err = move_branch(s, branch, have_old, &old, &head, empty);
		if (!err)
			relink_done(s, lineage);
		if (err != KS_ECONFLICT)
			break;
		/* Another writer moved the branch: derive it again. */
		err = ks_err_set(KS_ECONFLICT, "%s kept moving under concurrent imports",
				 branch);
	}
	free(branch);
	ks_store_unlock(s);
	return err;
}

int ks_store__write_note(struct ks_store *s, const git_oid *commit, const char *text)
{
	git_signature *sig = NULL;
	git_note *old = NULL;
	git_oid note;
	int err;

	if (!git_note_read(&old, s->repo, KS_NOTES_REF, commit)) {
		git_note_free(old);
		return 0;	/* a rerun after a kill: the note is there */
	}

	if (git_signature_now(&sig, "kstruct", "kstruct@kstruct.invalid"))
		return ks_err_git("cannot make a signature");
	err = git_note_create(&note, s->repo, KS_NOTES_REF, sig, sig, commit, text, 1);
	git_signature_free(sig);
	return err ? ks_err_git("cannot record where the release came from") : 0;
}

/* The snapshot @top (recording @rec) completes the release commit @old
 * when @old recorded fewer kinds and holds, for each of them, the very
 * folder @top has: re-importing a kernel recorded by an older kstruct
 * adds the kinds it lacked and changes nothing it had. */
static int completes(struct ks_store *s, const git_oid *old, unsigned int rec,
		     const struct top_ids *top)
{
	git_commit *c = NULL;
	git_tree *t = NULL;
	unsigned int old_rec;
	int ok = 0, k;

	if (git_commit_lookup(&c, s->repo, old) || git_commit_tree(&t, c))
		goto out;
	old_rec = ks_store__tree_recorded(s->repo, t);
	if ((old_rec & ~rec) || old_rec == rec)
		goto out;
	for (k = 0; k < KS_KIND_COUNT; k++) {
		const git_tree_entry *e;
		int has;

		if (!(old_rec & (1u << k)))
			continue;
		e = git_tree_entry_byname(t, ks_kind_name((enum ks_kind)k));
		has = e && git_tree_entry_type(e) == GIT_OBJECT_TREE;
		if (has != !!(top->have & (1u << k)) ||
		    (has && git_oid_cmp(git_tree_entry_id(e), &top->id[k])))
			goto out;
	}
	ok = 1;
out:
	git_tree_free(t);
	git_commit_free(c);
	return ok;
}

/* A completed release keeps the note of where it was first read from. */
static int copy_note(struct ks_store *s, const git_oid *from, const git_oid *to)
{
	git_note *n = NULL;
	int err;

	if (git_note_read(&n, s->repo, KS_NOTES_REF, from))
		return 0;
	err = ks_store__write_note(s, to, git_note_message(n));
	git_note_free(n);
	return err;
}

int ks_store_add_release(struct ks_store *s, const struct ks_release_meta *meta,
			 const struct ks_snapshot *snap, const struct ks_add_opts *opts,
			 enum ks_add_status *status, char commit_hex[41])
{
	struct ks_add_opts defaults = KS_ADD_OPTS_INIT;
	struct ks_pack *pk = NULL;
	git_oid tree, commit, old, old_branch, head;
	struct top_ids top;
	git_reference *ref = NULL;
	char *lineage = NULL, *tag = NULL, *buf, *objdir = NULL, *branch = NULL;
	size_t len;
	const char *distro;
	int err, gerr, have_old, have_old_branch, empty, locked = 0, completing = 0;

	if (!opts)
		opts = &defaults;
	distro = meta->distro && *meta->distro ? meta->distro : KS_DISTRO_UNKNOWN;
	if ((err = ks_store__writable(s)) ||
	    (err = ks_store_check_release_name(meta->release)) ||
	    (err = ks_distro_check_name(distro)) ||
	    (err = ks_store_check_lineage_part("arch", meta->arch)) ||
	    (err = ks_store_check_lineage_part("flavor", meta->flavor)))
		return err;
	if (!snap->finished)
		return ks_err_set(KS_EINVAL, "snapshot not finished");

	lineage = ks_xasprintf("%s/%s/%s", distro, meta->arch, meta->flavor);
	tag = ks_tag_ref(lineage, meta->release);

	objdir = ks_xstrdup(s->objdir);
	pk = ks_pack_new(s->odb, objdir);
	ks_pack_use_written(pk, &s->written);
	snapshot_tree(s, pk, meta, snap, opts->plan, &tree, &top);
	buf = ks_commit_format(&tree, NULL, lineage, meta->release, &len);
	ks_pack_add(pk, GIT_OBJECT_COMMIT, buf, len, &commit);
	free(buf);
	git_oid_tostr(commit_hex, 41, &commit);

	have_old = !git_reference_name_to_id(&old, s->repo, tag);
	if (have_old && !git_oid_cmp(&old, &commit)) {
		*status = KS_ADD_SAME;
		/* Re-link and note anyway: a previous run may have been
		 * killed before it did. */
		err = ks_lineage_rebuild(s, lineage);
		if (!err && opts->source && !(err = ks_store_lock(s))) {
			err = ks_store__write_note(s, &commit, opts->source);
			ks_store_unlock(s);
		}
		goto out;
	}
	if (have_old)
		completing = completes(s, &old, ks_meta_recorded(snap), &top);
	if (have_old && !opts->force && !completing) {
		char oldhex[GIT_OID_HEXSZ + 1];

		git_oid_tostr(oldhex, sizeof(oldhex), &old);
		err = ks_err_set(KS_EEXISTS, "release %s of %s is already in the store "
				 "with different content (commit %.12s, new %.12s); "
				 "use --force to replace it", meta->release, lineage,
				 oldhex, commit_hex);
		goto out;
	}

	/* The lineage's new chain goes into the same pack, so an import
	 * writes one pack and no loose objects. */
	branch = ks_branch_ref(lineage);
	have_old_branch = !git_reference_name_to_id(&old_branch, s->repo, branch);
	if (!have_old && have_old_branch && !relink_pending(s, lineage) &&
	    appends(s, &old_branch, distro, meta->release)) {
		buf = ks_commit_format(&tree, &old_branch, lineage, meta->release, &len);
		ks_pack_add(pk, GIT_OBJECT_COMMIT, buf, len, &head);
		free(buf);
		empty = 0;
	} else if ((err = compute_chain(s, lineage, meta->release, &tree, pk, &head, &empty))) {
		goto out;
	}
	err = ks_pack_write(pk, objdir);
	/* Refs move one writer at a time; the objects went in before,
	 * so concurrent imports canonicalize and write in parallel. */
	if (!err && !(err = ks_store_lock(s)))
		locked = 1;
	if (err)
		goto out;
	if (git_odb_refresh(s->odb)) {
		err = ks_err_git("cannot re-read objects of %s", s->path);
		goto out;
	}

	if ((err = relink_mark(s, lineage)))
		goto out;
	gerr = git_reference_create_matching(&ref, s->repo, tag, &commit, have_old,
					     have_old ? &old : NULL, "kstruct: import");
	git_reference_free(ref);
	if (gerr == GIT_EEXISTS || gerr == GIT_EMODIFIED) {
		git_oid now;

		if (git_reference_name_to_id(&now, s->repo, tag) || git_oid_cmp(&now, &commit)) {
			err = ks_err_set(KS_ECONFLICT, "release %s of %s was recorded by "
					 "another import meanwhile", meta->release, lineage);
			goto out;
		}
		/* A concurrent import recorded the same content. */
		*status = KS_ADD_SAME;
	} else if (gerr) {
		err = ks_err_git("cannot create %s", tag);
		goto out;
	} else {
		*status = !have_old ? KS_ADD_NEW : completing ? KS_ADD_COMPLETED :
			  KS_ADD_REPLACED;
	}
	err = move_branch(s, branch, have_old_branch, &old_branch, &head, empty);
	if (err == KS_ECONFLICT)
		err = ks_lineage_rebuild(s, lineage);
	else if (!err)
		relink_done(s, lineage);
	if (!err && completing && *status == KS_ADD_COMPLETED)
		err = copy_note(s, &old, &commit);
	if (!err && opts->source)
		err = ks_store__write_note(s, &commit, opts->source);
	if (!err)
		err = ks_store__update_head(s);
out:
	if (locked)
		ks_store_unlock(s);
	free(branch);
	free(objdir);
	ks_pack_free(pk);
	free(tag);
	free(lineage);
	return err;
}
