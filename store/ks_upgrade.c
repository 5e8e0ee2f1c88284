/* Store format 1 -> 2: the distro joins the lineage. Snapshot trees stay
 * as they are; only release commits (their message names the lineage),
 * refs and config change. Every step before the version bump only adds
 * refs that format-1 readers do not see, so a killed run leaves a working
 * format-1 store, and the next run writes the same objects again. */
#include <stdlib.h>
#include <string.h>

#include "ks_buf.h"
#include "ks_distro.h"
#include "ks_err.h"
#include "ks_store_int.h"

#define KS_NOTES_REF "refs/notes/kstruct"

struct old_tags {
	char **refs;		/* format-1 ref names, removed at the end */
	char **lineages;	/* the new lineages, sorted, unique */
	size_t nrefs, nlin;
};

static void old_tags_free(struct old_tags *t)
{
	ks_strv_free(t->refs, t->nrefs);
	ks_strv_free(t->lineages, t->nlin);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void add_lineage(struct old_tags *t, const char *lineage)
{
	size_t i;

	for (i = 0; i < t->nlin; i++)
		if (!strcmp(t->lineages[i], lineage))
			return;
	t->lineages = ks_xrealloc(t->lineages, (t->nlin + 1) * sizeof(char *));
	t->lineages[t->nlin++] = ks_xstrdup(lineage);
}

static void add_ref(struct old_tags *t, const char *ref)
{
	t->refs = ks_xrealloc(t->refs, (t->nrefs + 1) * sizeof(char *));
	t->refs[t->nrefs++] = ks_xstrdup(ref);
}

/* The format-2 release commit and tag of one format-1 tag, its note
 * copied. Same tree, so the same snapshot; the id depends on the
 * lineage and release only, so a rerun writes the same. */
static int upgrade_tag(struct ks_store *s, git_commit *old, const char *arch,
		       const char *flavor, const char *release, struct old_tags *t)
{
	const char *distro = ks_distro_from_release(release, NULL);
	char *lineage, *tag, *buf;
	git_reference *ref = NULL;
	git_note *note = NULL;
	git_oid id;
	size_t len;
	int err = 0;

	if (!distro || ks_distro_check_name(distro))
		distro = KS_DISTRO_UNKNOWN;
	lineage = ks_xasprintf("%s/%s/%s", distro, arch, flavor);
	tag = ks_tag_ref(lineage, release);
	buf = ks_commit_format(git_commit_tree_id(old), NULL, lineage, release, &len);
	if (git_odb_write(&id, s->odb, buf, len, GIT_OBJECT_COMMIT))
		err = ks_err_git("cannot write the release commit of %s", release);
	else if (git_reference_create(&ref, s->repo, tag, &id, 1, "kstruct: upgrade"))
		err = ks_err_git("cannot create %s", tag);
	if (!err && !git_note_read(&note, s->repo, KS_NOTES_REF, git_commit_id(old)))
		err = ks_store__write_note(s, &id, git_note_message(note));
	if (!err)
		add_lineage(t, lineage);
	git_note_free(note);
	git_reference_free(ref);
	free(buf);
	free(tag);
	free(lineage);
	return err;
}

/* Is this tag a kstruct release: a commit whose tree holds a meta. */
static int is_release(git_commit *c)
{
	git_tree *tree = NULL;
	git_tree_entry *e = NULL;
	int ok = !git_commit_tree(&tree, c) && !git_tree_entry_bypath(&e, tree, KS_META_PATH);

	git_tree_entry_free(e);
	git_tree_free(tree);
	return ok;
}

/* After a run killed between the version bump and the removal of the old
 * refs: an old tag whose new one exists is a leftover. */
static int new_tag_exists(struct ks_store *s, const char *arch, const char *flavor,
			  const char *release)
{
	const char *distro = ks_distro_from_release(release, NULL);
	char *tag;
	git_oid id;
	int ok;

	if (!distro || ks_distro_check_name(distro))
		distro = KS_DISTRO_UNKNOWN;
	tag = ks_xasprintf("refs/tags/%s/%s/%s/%s", distro, arch, flavor, release);
	ok = !git_reference_name_to_id(&id, s->repo, tag);
	free(tag);
	return ok;
}

static int upgrade_tags(struct ks_store *s, struct old_tags *t, int leftovers)
{
	git_reference_iterator *it = NULL;
	git_reference *ref;
	int err = 0, gerr;

	if (git_reference_iterator_glob_new(&it, s->repo, "refs/tags/*"))
		return ks_err_git("cannot list the releases of %s", s->path);
	while (!err && !(gerr = git_reference_next(&ref, it))) {
		char *arch = NULL, *flavor = NULL, *release = NULL;
		git_object *obj = NULL;

		if (ks_release_ref_parse_v1(git_reference_name(ref), &arch, &flavor, &release) &&
		    !git_reference_peel(&obj, ref, GIT_OBJECT_COMMIT) &&
		    is_release((git_commit *)obj)) {
			if (!leftovers)
				err = upgrade_tag(s, (git_commit *)obj, arch, flavor, release, t);
			if (!leftovers || new_tag_exists(s, arch, flavor, release))
				add_ref(t, git_reference_name(ref));
		}
		git_object_free(obj);
		free(arch);
		free(flavor);
		free(release);
		git_reference_free(ref);
	}
	git_reference_iterator_free(it);
	if (!err && gerr != GIT_ITEROVER)
		err = ks_err_git("cannot list the releases of %s", s->path);
	if (t->nlin)
		qsort(t->lineages, t->nlin, sizeof(char *), cmp_str);
	return err;
}

/* A configured "ARCH/FLAVOR" becomes the lineage that now holds it (the
 * first in order if several distros do), else unknown/ARCH/FLAVOR. */
static char *map_default(const char *old, const struct old_tags *t)
{
	size_t i, l = strlen(old);

	if (!ks_lineage_split(old, NULL, NULL, NULL))
		return ks_xstrdup(old);	/* already three parts */
	ks_err_clear();
	for (i = 0; i < t->nlin; i++) {
		const char *slash = strchr(t->lineages[i], '/');

		if (slash && strlen(slash + 1) == l && !strcmp(slash + 1, old))
			return ks_xstrdup(t->lineages[i]);
	}
	return ks_xasprintf("%s/%s", KS_DISTRO_UNKNOWN, old);
}

static int finish_config(struct ks_store *s, const struct old_tags *t)
{
	git_config *cfg = NULL;
	git_buf b = GIT_BUF_INIT;
	char *mapped = NULL;
	int err = 0;

	if (git_repository_config(&cfg, s->repo))
		return ks_err_git("cannot read the configuration of %s", s->path);
	if (!git_config_get_string_buf(&b, cfg, CFG_LINEAGE) && b.size) {
		mapped = map_default(b.ptr, t);
		if (git_config_set_string(cfg, CFG_LINEAGE, mapped))
			err = ks_err_git("cannot write the configuration of %s", s->path);
	}
	/* the point of no return: old refs go only after this */
	if (!err && git_config_set_int32(cfg, CFG_FORMAT, KS_STORE_FORMAT_VERSION))
		err = ks_err_git("cannot write the configuration of %s", s->path);
	if (!err) {
		free(s->default_lineage);
		s->default_lineage = mapped;
		mapped = NULL;
		s->format = KS_STORE_FORMAT_VERSION;
	}
	free(mapped);
	git_buf_dispose(&b);
	git_config_free(cfg);
	return err;
}

/* The format-1 tags, and the two-part branches derived from them. */
static int remove_old_refs(struct ks_store *s, const struct old_tags *t)
{
	git_reference_iterator *it = NULL;
	git_reference *ref;
	size_t i;
	int err = 0;

	for (i = 0; i < t->nrefs && !err; i++)
		if (!git_reference_lookup(&ref, s->repo, t->refs[i])) {
			if (git_reference_delete(ref))
				err = ks_err_git("cannot remove %s", t->refs[i]);
			git_reference_free(ref);
		}
	if (err || git_reference_iterator_glob_new(&it, s->repo, "refs/heads/*"))
		return err ? err : ks_err_git("cannot list the branches of %s", s->path);
	while (!err && !git_reference_next(&ref, it)) {
		const char *name = git_reference_name(ref), *slash = strchr(name + 11, '/');

		if (slash && slash > name + 11 && slash[1] && !strchr(slash + 1, '/') &&
		    git_reference_delete(ref))
			err = ks_err_git("cannot remove %s", name);
		git_reference_free(ref);
	}
	git_reference_iterator_free(it);
	return err;
}

static int read_format(struct ks_store *s, int *format)
{
	git_config *cfg = NULL;
	int32_t v = 0;

	if (git_repository_config_snapshot(&cfg, s->repo))
		return ks_err_git("cannot read the configuration of %s", s->path);
	/* a plain git clone has no config: its refs said which */
	*format = git_config_get_int32(&v, cfg, CFG_FORMAT) ? s->format : (int)v;
	git_config_free(cfg);
	return 0;
}

int ks_store_upgrade(struct ks_store *s, struct ks_upgrade_result *res)
{
	struct old_tags t = { 0 };
	size_t i;
	int format = 0, err;

	memset(res, 0, sizeof(*res));
	if ((err = ks_store_lock(s)))
		return err;
	/* another writer may have upgraded it since we opened it */
	if ((err = read_format(s, &format)))
		goto out;
	if (format >= KS_STORE_FORMAT_VERSION) {
		s->format = format;
		/* a run killed while removing the old refs leaves some */
		if (!(err = upgrade_tags(s, &t, 1)) && t.nrefs)
			err = remove_old_refs(s, &t);
		goto out;
	}
	err = upgrade_tags(s, &t, 0);
	for (i = 0; i < t.nlin && !err; i++)
		err = ks_lineage_rebuild(s, t.lineages[i]);
	if (!err)
		err = finish_config(s, &t);
	if (!err)
		err = remove_old_refs(s, &t);
	if (!err)
		err = ks_store__update_head(s);
	if (!err) {
		res->releases = t.nrefs;
		res->lineages = t.nlin;
		res->upgraded = 1;
	}
out:
	old_tags_free(&t);
	ks_store_unlock(s);
	return err;
}
