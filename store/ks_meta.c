/* The snapshot's metadata file and the commit texts: plain "key value"
 * lines, every value a function of the release and its BTF alone, so the
 * same kernel gives the same objects wherever and however it was read. */
#include <stdlib.h>
#include <string.h>

#include "ks_buf.h"
#include "ks_distro.h"
#include "ks_err.h"
#include "ks_snapshot.h"
#include "ks_store_int.h"

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

unsigned int ks_meta_recorded(const struct ks_snapshot *snap)
{
	unsigned int rec = snap->recorded | KS_KINDS_LEGACY;
	int k;

	/* a kind with entries was read, whatever the producer claimed: the
	 * tree must never hold a folder its meta does not record */
	for (k = 0; k < KS_KIND_COUNT; k++)
		if (snap->count[k])
			rec |= 1u << k;
	return rec & KS_KINDS_ALL;
}

char *ks_meta_format(const struct ks_release_meta *meta, size_t nstructs,
		     size_t nunions, size_t *len)
{
	size_t count[KS_KIND_COUNT] = { 0 };

	count[KS_KIND_STRUCT] = nstructs;
	count[KS_KIND_UNION] = nunions;
	return ks_meta_format_kinds(meta, KS_KINDS_LEGACY, count, len);
}

char *ks_meta_format_kinds(const struct ks_release_meta *meta, unsigned int rec,
			   const size_t count[KS_KIND_COUNT], size_t *len)
{
	struct ks_buf b = KS_BUF_INIT;
	const char **sums = ks_xcalloc(meta->nbtf, sizeof(char *));
	size_t i;
	int k;

	rec |= KS_KINDS_LEGACY;
	ks_buf_printf(&b, "kstruct-format %d\n", KS_SNAPSHOT_FORMAT);
	ks_buf_printf(&b, "release %s\n", meta->release);
	ks_buf_printf(&b, "arch %s\n", meta->arch);
	ks_buf_printf(&b, "flavor %s\n", meta->flavor);
	/* Inputs may come in any order; their digests go in one. */
	if (meta->nbtf) {
		memcpy(sums, meta->btf_sha256, meta->nbtf * sizeof(char *));
		qsort(sums, meta->nbtf, sizeof(char *), cmp_str);
	}
	for (i = 0; i < meta->nbtf; i++)
		ks_buf_printf(&b, "btf-sha256 %s\n", sums[i]);
	ks_buf_printf(&b, "structs %zu\n", count[KS_KIND_STRUCT]);
	ks_buf_printf(&b, "unions %zu\n", count[KS_KIND_UNION]);
	/* Left out for struct and union alone: such a snapshot keeps the
	 * bytes, and its release the commit id, it had before the kinds. */
	if (rec != KS_KINDS_LEGACY) {
		ks_buf_puts(&b, "kinds");
		for (k = 0; k < KS_KIND_COUNT; k++)
			if (rec & (1u << k))
				ks_buf_printf(&b, " %s", ks_kind_name((enum ks_kind)k));
		ks_buf_putc(&b, '\n');
		for (k = 0; k < KS_KIND_COUNT; k++)
			if ((rec & (1u << k)) && !((1u << k) & KS_KINDS_LEGACY))
				ks_buf_printf(&b, "%ss %zu\n", ks_kind_name((enum ks_kind)k),
					      count[k]);
	}
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

/* A count as the writer prints it: decimal digits, no sign, no spaces. */
static int parse_count(const char *p, size_t n, unsigned long *out)
{
	unsigned long v = 0;
	size_t i;

	if (!n || n > 9 || (n > 1 && p[0] == '0'))
		return -1;
	for (i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
		v = v * 10 + (unsigned long)(p[i] - '0');
	}
	*out = v;
	return 0;
}

/* The kind whose count key ("enums") is the @n bytes at @p, or -1. */
static int count_key_kind(const char *p, size_t n)
{
	enum ks_kind k;

	if (n < 2 || p[n - 1] != 's' || ks_kind_parse(p, n - 1, &k)) {
		ks_err_clear();
		return -1;
	}
	return (int)k;
}

/* "kinds struct union enum ...": known kinds in table order, struct
 * and union among them, and more than them (else the line is left out). */
static int parse_kinds_line(const char *p, size_t n, unsigned int *rec)
{
	const char *end = p + n;
	int last = -1;

	*rec = 0;
	while (p < end) {
		const char *sp = memchr(p, ' ', (size_t)(end - p));
		size_t wl = (size_t)((sp ? sp : end) - p);
		enum ks_kind k;

		if (!wl || ks_kind_parse(p, wl, &k))
			return ks_err_set(KS_EFORMAT, "meta: bad kinds line (unknown kind "
					  "'%.*s')", (int)wl, p);
		if ((int)k <= last)
			return ks_err_set(KS_EFORMAT, "meta: kinds not in table order at '%s'",
					  ks_kind_name(k));
		last = (int)k;
		*rec |= 1u << k;
		p += wl + (sp ? 1 : 0);
		if (sp && p == end)
			return ks_err_set(KS_EFORMAT, "meta: kinds line ends in a space");
	}
	if ((*rec & KS_KINDS_LEGACY) != KS_KINDS_LEGACY || *rec == KS_KINDS_LEGACY)
		return ks_err_set(KS_EFORMAT, "meta: a kinds line lists struct, union and "
				  "more kinds");
	return 0;
}

int ks_meta_kinds(const char *text, size_t len, unsigned int *recorded,
		  unsigned long count[KS_KIND_COUNT])
{
	const char *p = text, *end = text + len;
	unsigned int rec = KS_KINDS_LEGACY, counted = 0;
	int have_kinds = 0, next = -1, k;

	memset(count, 0, KS_KIND_COUNT * sizeof(*count));
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl ? nl : end, *sp;
		size_t ll = (size_t)(eol - p), kl;

		sp = memchr(p, ' ', ll);
		kl = sp ? (size_t)(sp - p) : ll;
		if (kl == 5 && !memcmp(p, "kinds", 5)) {
			if (have_kinds++ || !sp)
				return ks_err_set(KS_EFORMAT, "meta: more than one kinds line, "
						  "or an empty one");
			if ((k = parse_kinds_line(sp + 1, (size_t)(eol - sp - 1), &rec)))
				return k;
			/* the count lines follow, in table order */
			for (next = KS_KIND_ENUM; next < KS_KIND_COUNT && !(rec & (1u << next));
			     next++)
				;
		} else if ((k = count_key_kind(p, kl)) >= 0) {
			unsigned long v;

			if (!sp || parse_count(sp + 1, (size_t)(eol - sp - 1), &v))
				return ks_err_set(KS_EFORMAT, "meta: '%.*s' is not a count",
						  (int)ll, p);
			if (counted & (1u << k))
				return ks_err_set(KS_EFORMAT, "meta: two %.*s lines", (int)kl, p);
			if (!((1u << k) & KS_KINDS_LEGACY)) {
				if (k != next)
					return ks_err_set(KS_EFORMAT, "meta: %.*s out of place (the "
							  "count lines follow the kinds line, one "
							  "per recorded kind, in its order)",
							  (int)kl, p);
				for (next++; next < KS_KIND_COUNT && !(rec & (1u << next)); next++)
					;
			}
			counted |= 1u << k;
			count[k] = v;
		} else if (next >= 0 && next < KS_KIND_COUNT) {
			return ks_err_set(KS_EFORMAT, "meta: %ss line missing after the kinds line",
					  ks_kind_name((enum ks_kind)next));
		}
		p = eol + 1;
	}
	if (next >= 0 && next < KS_KIND_COUNT)
		return ks_err_set(KS_EFORMAT, "meta: %ss line missing after the kinds line",
				  ks_kind_name((enum ks_kind)next));
	if ((counted & KS_KINDS_LEGACY) != KS_KINDS_LEGACY)
		return ks_err_set(KS_EFORMAT, "meta: structs or unions line missing");
	*recorded = rec;
	return 0;
}

char *ks_commit_format(const git_oid *tree, const git_oid *parent,
		       const char *lineage, const char *release, size_t *len)
{
	struct ks_buf b = KS_BUF_INIT;
	char hex[GIT_OID_HEXSZ + 1];
	char *distro = NULL, *upstream = NULL;

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
	/* A pure function of distro and release, so the id stays one. */
	if (!ks_lineage_split(lineage, &distro, NULL, NULL))
		upstream = ks_distro_upstream(distro, release);
	if (upstream && *upstream)
		ks_buf_printf(&b, "\nupstream %s\n", upstream);
	free(upstream);
	free(distro);
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

/* Splits @s at its '/' into exactly @n non-empty parts; 0 on success. */
static int split_parts(const char *s, const char **start, size_t *len, size_t n)
{
	size_t k;

	for (k = 0; k < n; k++) {
		const char *slash = strchr(s, '/');
		size_t l = slash ? (size_t)(slash - s) : strlen(s);

		if (!l || (k + 1 < n) != !!slash)
			return -1;
		start[k] = s;
		len[k] = l;
		s += l + 1;
	}
	return 0;
}

static void put_part(char **out, const char *start, size_t len)
{
	if (out)
		*out = ks_xstrndup(start, len);
}

int ks_lineage_split(const char *lineage, char **distro, char **arch, char **flavor)
{
	const char *st[3];
	size_t ln[3];

	if (split_parts(lineage, st, ln, 3))
		return ks_err_set(KS_EINVAL, "lineage '%s' is not of the form "
				  "DISTRO/ARCH/FLAVOR (e.g. %s)", lineage,
				  KS_DISTRO_UNKNOWN "/" KS_DEFAULT_LINEAGE);
	put_part(distro, st[0], ln[0]);
	put_part(arch, st[1], ln[1]);
	put_part(flavor, st[2], ln[2]);
	return 0;
}

/* refs/tags/ followed by @n non-empty parts, no peeled suffix. */
static int tag_parts(const char *ref, const char **st, size_t *ln, size_t n)
{
	if (strncmp(ref, "refs/tags/", 10) || strchr(ref, '^'))
		return 0;
	return !split_parts(ref + 10, st, ln, n);
}

int ks_release_ref_parse(const char *ref, char **distro, char **arch, char **flavor,
			 char **release)
{
	const char *st[4];
	size_t ln[4];

	if (!tag_parts(ref, st, ln, 4))
		return 0;
	put_part(distro, st[0], ln[0]);
	put_part(arch, st[1], ln[1]);
	put_part(flavor, st[2], ln[2]);
	put_part(release, st[3], ln[3]);
	return 1;
}

int ks_release_ref_parse_v1(const char *ref, char **arch, char **flavor, char **release)
{
	const char *st[3];
	size_t ln[3];

	if (!tag_parts(ref, st, ln, 3))
		return 0;
	put_part(arch, st[0], ln[0]);
	put_part(flavor, st[1], ln[1]);
	put_part(release, st[2], ln[2]);
	return 1;
}

int ks_lineage_ref_is(const char *ref)
{
	const char *st[3];
	size_t ln[3];

	return !strncmp(ref, "refs/heads/", 11) && !split_parts(ref + 11, st, ln, 3);
}
