/* --lineage as people type it: the full DISTRO/ARCH/FLAVOR, or the part
 * of it that tells one lineage of this store from the others. */
#include <stdlib.h>
#include <string.h>

#include "ks_buf.h"
#include "ks_err.h"
#include "ks_suggest.h"
#include "ks_store_int.h"

/* Does @spec (one or two parts) equal consecutive parts of @lineage? */
static int matches(const char *lineage, const char *spec)
{
	size_t l = strlen(spec);
	const char *p = lineage;

	for (;;) {
		if (!strncmp(p, spec, l) && (!p[l] || p[l] == '/'))
			return 1;
		p = strchr(p, '/');
		if (!p)
			return 0;
		p++;
	}
}

static int check_spec(const char *spec)
{
	char *copy = ks_xstrdup(spec), *part, *save = NULL;
	int err = 0, n = 0;

	if (!*spec || spec[strlen(spec) - 1] == '/' || *spec == '/' || strstr(spec, "//"))
		err = ks_err_set(KS_EINVAL, "lineage '%s' is not of the form "
				 "DISTRO/ARCH/FLAVOR or a part of it", spec);
	for (part = strtok_r(copy, "/", &save); part && !err;
	     part = strtok_r(NULL, "/", &save), n++)
		err = ks_store_check_lineage_part("lineage part", part);
	free(copy);
	return err;
}

int ks_store_resolve_lineage(struct ks_store *s, const char *spec, char **full)
{
	struct ks_buf cands = KS_BUF_INIT;
	struct ks_suggest *sg;
	char **lin = NULL, *hit = NULL, *close;
	size_t n = 0, i, nhits = 0;
	int err;

	*full = NULL;
	if (!ks_lineage_split(spec, NULL, NULL, NULL)) {
		if ((err = ks_store_check_lineage(spec)))
			return err;
		*full = ks_xstrdup(spec);
		return 0;
	}
	ks_err_clear();
	if (strchr(spec, '/') && strchr(strchr(spec, '/') + 1, '/'))
		return ks_lineage_split(spec, NULL, NULL, NULL);
	if ((err = check_spec(spec)) || (err = ks_store_list_lineages(s, &lin, &n)))
		return err;
	for (i = 0; i < n; i++) {
		if (!matches(lin[i], spec))
			continue;
		ks_buf_printf(&cands, "%s%s", nhits ? ", " : "", lin[i]);
		if (!nhits++)
			hit = lin[i];
	}
	if (nhits == 1) {
		*full = ks_xstrdup(hit);
		err = 0;
	} else if (nhits) {
		err = ks_err_set(KS_EINVAL, "lineage '%s' is ambiguous: it names %s "
				 "(give more of it)", spec, cands.p);
	} else if (!n) {
		err = ks_err_set(KS_ENOTFOUND, "no lineage '%s': the store %s is empty",
				 spec, s->path);
	} else {
		sg = ks_suggest_new(spec);
		for (i = 0; i < n; i++)
			ks_suggest_add(sg, lin[i]);
		close = ks_suggest_result(sg, 5);
		for (i = 0; i < n; i++)
			ks_buf_printf(&cands, "%s%s", i ? ", " : "", lin[i]);
		if (close)
			err = ks_err_set(KS_ENOTFOUND, "no lineage '%s' in the store; did you "
					 "mean %s?", spec, close);
		else
			err = ks_err_set(KS_ENOTFOUND, "no lineage '%s' in the store; it has %s",
					 spec, cands.p);
		free(close);
		ks_suggest_free(sg);
	}
	ks_buf_free(&cands);
	ks_strv_free(lin, n);
	return err;
}
