/* The snapshot's metadata file and the commit texts: plain "key value"
 * lines, every value a function of the release and its BTF alone, so the
 * same kernel gives the same objects wherever and however it was read. */
#include <stdlib.h>
#include <string.h>

#include "ks_buf.h"
#include "ks_err.h"
#include "ks_store_int.h"

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

char *ks_meta_format(const struct ks_release_meta *meta, size_t nstructs,
		     size_t nunions, size_t *len)
{
	struct ks_buf b = KS_BUF_INIT;
	const char **sums = ks_xcalloc(meta->nbtf, sizeof(char *));
	size_t i;

	ks_buf_printf(&b, "kstruct-format %d\n", KS_STORE_FORMAT_VERSION);
	ks_buf_printf(&b, "release %s\n", meta->release);
	ks_buf_printf(&b, "arch %s\n", meta->arch);
	ks_buf_printf(&b, "flavor %s\n", meta->flavor);
	/* Inputs may come in any order; their digests go in one. */
	memcpy(sums, meta->btf_sha256, meta->nbtf * sizeof(char *));
	qsort(sums, meta->nbtf, sizeof(char *), cmp_str);
	for (i = 0; i < meta->nbtf; i++)
		ks_buf_printf(&b, "btf-sha256 %s\n", sums[i]);
	ks_buf_printf(&b, "structs %zu\n", nstructs);
	ks_buf_printf(&b, "unions %zu\n", nunions);
	free(sums);
	return ks_buf_detach(&b, len);
}

char *ks_meta_get(const char *text, size_t len, const char *key)
{
	size_t kl = strlen(key);
	const char *p = text, *end = text + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl ? nl : end;

		if ((size_t)(eol - p) > kl && !memcmp(p, key, kl) && p[kl] == ' ')
			return ks_xstrndup(p + kl + 1, (size_t)(eol - p - kl - 1));
		p = eol + 1;
	}
	return NULL;
}

char *ks_commit_format(const git_oid *tree, const git_oid *parent,
		       const char *lineage, const char *release, size_t *len)
{
	struct ks_buf b = KS_BUF_INIT;
	char hex[GIT_OID_HEXSZ + 1];

	git_oid_tostr(hex, sizeof(hex), tree);
	ks_buf_printf(&b, "tree %s\n", hex);
	if (parent) {
		git_oid_tostr(hex, sizeof(hex), parent);
		ks_buf_printf(&b, "parent %s\n", hex);
	}
	/* Fixed identity and time: commit ids must not depend on who
	 * imported a release, or when. */
	ks_buf_puts(&b, "author kstruct <kstruct@kstruct.invalid> 0 +0000\n");
	ks_buf_puts(&b, "committer kstruct <kstruct@kstruct.invalid> 0 +0000\n");
	ks_buf_printf(&b, "\n%s %s\n", lineage, release);
	return ks_buf_detach(&b, len);
}

char *ks_tag_ref(const char *lineage, const char *release)
{
	return ks_xasprintf("refs/tags/%s/%s", lineage, release);
}

char *ks_branch_ref(const char *lineage)
{
	return ks_xasprintf("refs/heads/%s", lineage);
}

int ks_lineage_split(const char *lineage, char **arch, char **flavor)
{
	const char *slash = strchr(lineage, '/');

	if (!slash || slash == lineage || !slash[1] || strchr(slash + 1, '/'))
		return ks_err_set(KS_EINVAL,
				  "lineage '%s' is not of the form ARCH/FLAVOR (e.g. %s)",
				  lineage, KS_DEFAULT_LINEAGE);
	if (arch)
		*arch = ks_xstrndup(lineage, (size_t)(slash - lineage));
	if (flavor)
		*flavor = ks_xstrdup(slash + 1);
	return 0;
}

int ks_release_ref_parse(const char *ref, char **arch, char **flavor, char **release)
{
	const char *a = ref + 10, *f, *r;

	if (strncmp(ref, "refs/tags/", 10) || strchr(ref, '^'))
		return 0;
	f = strchr(a, '/');
	r = f ? strchr(f + 1, '/') : NULL;
	if (!r || strchr(r + 1, '/') || f == a || r == f + 1 || !r[1])
		return 0;
	if (arch)
		*arch = ks_xstrndup(a, (size_t)(f - a));
	if (flavor)
		*flavor = ks_xstrndup(f + 1, (size_t)(r - f - 1));
	if (release)
		*release = ks_xstrdup(r + 1);
	return 1;
}

int ks_lineage_ref_is(const char *ref)
{
	const char *a = ref + 11, *f;

	if (strncmp(ref, "refs/heads/", 11))
		return 0;
	f = strchr(a, '/');
	return f && f != a && f[1] && !strchr(f + 1, '/');
}
