/* One release's snapshot held open for many lookups by kind and name:
 * what `kstruct check` asks for every relocation and release, where
 * resolving the release's tag for each lookup would dominate. */
#include <git2.h>
#include <stdlib.h>

#include "ks_buf.h"
#include "ks_err.h"
#include "ks_store.h"
#include "ks_store_int.h"

struct ks_view {
	git_tree *tree;
};

int ks_store_view_open(struct ks_store *s, const char *lineage, const char *release,
		       struct ks_view **out)
{
	git_tree *tree = NULL;
	int err = ks_store__release_tree(s, lineage, release, &tree);

	*out = NULL;
	if (err)
		return err;
	*out = ks_xcalloc(1, sizeof(**out));
	(*out)->tree = tree;
	return 0;
}

int ks_store_view_blob(struct ks_view *v, const char *kind, const char *name,
		       unsigned int variant, char hex[41])
{
	char *path = ks_store_type_path(kind, name, variant);
	git_tree_entry *e = NULL;
	int found = 0;

	if (path && !git_tree_entry_bypath(&e, v->tree, path)) {
		/* a fetched store is checked, but a blob is what must be there */
		if (git_tree_entry_type(e) == GIT_OBJECT_BLOB) {
			git_oid_tostr(hex, 41, git_tree_entry_id(e));
			found = 1;
		}
	}
	git_tree_entry_free(e);
	free(path);
	return found;
}

void ks_store_view_free(struct ks_view *v)
{
	if (!v)
		return;
	git_tree_free(v->tree);
	free(v);
}
