#include "ks_matrix.h"

#include <stdlib.h>
#include <string.h>

#include "ks_buf.h"
#include "ks_distro.h"
#include "ks_err.h"

/* The history of @name in @lineage; a lineage that never defines it
 * still lists its releases, all absent. */
static int load(struct ks_store *s, const char *lineage, const char *name,
		struct ks_matrix_lineage *l)
{
	int err;

	l->lineage = ks_xstrdup(lineage);
	err = ks_defs_load(s, lineage, name, &l->d);
	if (!err) {
		size_t i;

		l->nrel = l->d.h->n;
		l->rel = ks_xcalloc(l->nrel + 1, sizeof(char *));
		for (i = 0; i < l->nrel; i++)
			l->rel[i] = ks_xstrdup(l->d.h->e[i].release);
		return 0;
	}
	if (err != KS_ENOTFOUND)
		return err;
	return ks_store_lineage_releases(s, lineage, &l->rel, &l->nrel);
}

static int present(const struct ks_matrix_lineage *l, size_t i)
{
	return l->d.h && l->d.def[i];
}

const struct ks_def *ks_matrix_def(const struct ks_matrix_lineage *l, size_t i)
{
	return present(l, i) ? l->d.def[i] : NULL;
}

int ks_matrix_counterpart(const struct ks_matrix_lineage *against, enum ks_matrix_basis b,
			  const char *rel, const char *up)
{
	int i, hit = -1, best = 0;

	if (b == KS_MATRIX_BUILD) {
		char *abi = ks_distro_abi(rel);

		for (i = 0; i < (int)against->nrel && hit < 0; i++) {
			char *v = ks_distro_abi(against->rel[i]);

			if (!strcmp(v, abi))
				hit = i;
			free(v);
		}
		free(abi);
		if (hit >= 0)
			return hit;
	}
	/* newest first, so the newest of the best score wins */
	for (i = (int)against->nrel - 1; i >= 0 && best < 2; i--) {
		int score = ks_distro_upstream_match(up, against->upstream[i]);

		if (score > best) {
			best = score;
			hit = i;
		}
	}
	return hit;
}

static void compare(struct ks_matrix_lineage *l)
{
	const struct ks_matrix_lineage *ref = l->against;
	size_t i;

	l->rows = ks_xcalloc(l->nrel + 1, sizeof(*l->rows));
	for (i = 0; i < l->nrel; i++) {
		struct ks_matrix_row *r = &l->rows[l->nrows++];
		int j = ref ? ks_matrix_counterpart(ref, l->basis, l->rel[i], l->upstream[i]) : -1;

		r->idx = (int)i;
		r->ref = j;
		if (!present(l, i)) {
			r->status = KS_MATRIX_ABSENT;
		} else if (j < 0) {
			r->status = KS_MATRIX_PRESENT;
		} else if (!present(ref, (size_t)j)) {
			r->status = KS_MATRIX_DIFFERS;
			r->only_here = 1;
		} else if (!strcmp(l->d.h->e[i].blob, ref->d.h->e[j].blob)) {
			r->status = KS_MATRIX_SAME;
		} else {
			r->status = KS_MATRIX_DIFFERS;
			r->diff = ks_diff_defs(ref->d.def[j], l->d.def[i]);
		}
	}
}

const char *ks_matrix_status_name(enum ks_matrix_status st)
{
	static const char *const names[] = { "absent", "same", "differs", "present" };

	return names[st];
}

const char *ks_matrix_basis_name(enum ks_matrix_basis b)
{
	return b == KS_MATRIX_BUILD ? "build" : b == KS_MATRIX_UPSTREAM ? "upstream" : "none";
}

static int streq(const char *a, const char *b)
{
	return a && b && !strcmp(a, b);
}

/* The upstream lineage of @l's arch to compare it with: the same flavor,
 * else generic, else the first; NULL when there is none (or @l is one). */
static const struct ks_matrix_lineage *upstream_of(const struct ks_matrix *m,
						   const struct ks_matrix_lineage *l)
{
	const struct ks_matrix_lineage *pick = NULL;
	int rank = 0;
	size_t i;

	if (streq(l->distro, KS_DISTRO_UPSTREAM))
		return NULL;
	for (i = 0; i < m->n; i++) {
		const struct ks_matrix_lineage *u = &m->lin[i];
		int r;

		if (!streq(u->distro, KS_DISTRO_UPSTREAM) || !streq(u->arch, l->arch))
			continue;
		r = streq(u->flavor, l->flavor) ? 3 : streq(u->flavor, "generic") ? 2 : 1;
		if (r > rank) {
			rank = r;
			pick = u;
		}
	}
	return pick;
}

/* Lineages of another distro are not later builds of the regular one,
 * so only their upstream version lines them up. */
static void choose_against(struct ks_matrix *m, struct ks_matrix_lineage *l)
{
	const struct ks_matrix_lineage *reg = m->regular;

	l->basis = KS_MATRIX_NONE;
	l->against = NULL;
	if (l == reg)
		return;
	if (streq(l->distro, reg->distro)) {
		l->against = reg;
		l->basis = KS_MATRIX_BUILD;
	} else if ((l->against = upstream_of(m, l))) {
		l->basis = KS_MATRIX_UPSTREAM;
	} else if (streq(l->arch, reg->arch)) {
		l->against = reg;
		l->basis = KS_MATRIX_UPSTREAM;
	}
}

static void describe(struct ks_matrix_lineage *l)
{
	size_t i;

	if (!l->distro && ks_lineage_split(l->lineage, &l->distro, &l->arch, &l->flavor))
		ks_err_clear();
	l->upstream = ks_xcalloc(l->nrel + 1, sizeof(char *));
	for (i = 0; i < l->nrel; i++)
		l->upstream[i] = ks_distro_upstream(l->distro, l->rel[i]);
}

int ks_matrix_build(struct ks_store *s, const char *name, struct ks_matrix **out)
{
	struct ks_matrix *m = ks_xcalloc(1, sizeof(*m));
	char **lineages = NULL;
	size_t nl = 0, i;
	int err, found;
	char *notfound = NULL;

	err = ks_store_list_lineages(s, &lineages, &nl);
	if (err)
		goto fail;
	m->lin = ks_xcalloc(nl + 1, sizeof(*m->lin));
	m->regular = &m->lin[0];
	/* the regular lineage first, even when it has no release */
	err = load(s, ks_store_default_lineage(s), name, &m->lin[0]);
	if (err == KS_ENOTFOUND || (!err && !m->lin[0].d.h))
		notfound = ks_xstrdup(ks_err_msg());
	if (err && err != KS_ENOTFOUND)
		goto fail;
	m->n = 1;
	found = m->lin[0].d.h != NULL;
	for (i = 0; i < nl; i++) {
		struct ks_matrix_lineage *l;

		if (!strcmp(lineages[i], ks_store_default_lineage(s)))
			continue;
		l = &m->lin[m->n++];
		if ((err = load(s, lineages[i], name, l)))
			goto fail;
		found |= l->d.h != NULL;
	}
	if (!found) {
		err = ks_err_set(KS_ENOTFOUND, "%s", notfound ? notfound :
				 "no release defines it");
		goto fail;
	}
	ks_matrix_finish(m);
	free(notfound);
	ks_strv_free(lineages, nl);
	*out = m;
	return 0;
fail:
	free(notfound);
	ks_strv_free(lineages, nl);
	ks_matrix_free(m);
	return err;
}

void ks_matrix_finish(struct ks_matrix *m)
{
	size_t i;

	m->regular = &m->lin[0];
	for (i = 0; i < m->n; i++)
		describe(&m->lin[i]);
	for (i = 1; i < m->n; i++) {
		choose_against(m, &m->lin[i]);
		compare(&m->lin[i]);
	}
	m->name = m->regular->d.h ? m->regular->d.h->name : NULL;
	for (i = 1; !m->name && i < m->n; i++)
		if (m->lin[i].d.h)
			m->name = m->lin[i].d.h->name;
	m->kind = "struct";
	m->variant = 1;
	for (i = 0; i < m->n; i++) {
		int k = m->lin[i].d.h ? ks_defs_newest(&m->lin[i].d) : -1;

		if (k >= 0) {
			m->kind = m->lin[i].d.def[k]->kind;
			m->variant = m->lin[i].d.h->variant;
			break;
		}
	}
}

void ks_matrix_lineage_free(struct ks_matrix_lineage *l)
{
	size_t k;

	if (!l)
		return;
	for (k = 0; k < l->nrows; k++)
		ks_diff_free(l->rows[k].diff);
	free(l->rows);
	ks_defs_free(&l->d);
	ks_strv_free(l->rel, l->nrel);
	if (l->upstream)
		ks_strv_free(l->upstream, l->nrel);
	free(l->lineage);
	free(l->distro);
	free(l->arch);
	free(l->flavor);
	memset(l, 0, sizeof(*l));
}

void ks_matrix_free(struct ks_matrix *m)
{
	size_t i;

	if (!m)
		return;
	for (i = 0; i < m->n; i++)
		ks_matrix_lineage_free(&m->lin[i]);
	free(m->lin);
	free(m);
}
