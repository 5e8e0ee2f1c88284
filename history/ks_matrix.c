#include "ks_matrix.h"

#include <stdlib.h>
#include <string.h>

#include "ks_buf.h"
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

int ks_matrix_counterpart(const struct ks_matrix_lineage *reg, const char *rel)
{
	char *abi = ks_release_version(rel, 1), *up = ks_release_version(rel, 0);
	int i, hit = -1;

	for (i = 0; i < (int)reg->nrel && hit < 0; i++) {
		char *v = ks_release_version(reg->rel[i], 1);

		if (!strcmp(v, abi))
			hit = i;
		free(v);
	}
	for (i = (int)reg->nrel - 1; i >= 0 && hit < 0; i--) {
		char *v = ks_release_version(reg->rel[i], 0);

		if (!strcmp(v, up))
			hit = i;
		free(v);
	}
	free(abi);
	free(up);
	return hit;
}

static void compare(const struct ks_matrix_lineage *reg, struct ks_matrix_lineage *l)
{
	size_t i;

	l->rows = ks_xcalloc(l->nrel + 1, sizeof(*l->rows));
	for (i = 0; i < l->nrel; i++) {
		int j = ks_matrix_counterpart(reg, l->rel[i]);
		struct ks_matrix_row *r;

		if (j < 0)
			continue;	/* no regular release of this version */
		r = &l->rows[l->nrows++];
		r->idx = (int)i;
		r->reg = j;
		if (!present(l, i)) {
			r->status = KS_MATRIX_ABSENT;
		} else if (!present(reg, (size_t)j)) {
			r->status = KS_MATRIX_DIFFERS;
			r->only_here = 1;
		} else if (!strcmp(l->d.h->e[i].blob, reg->d.h->e[j].blob)) {
			r->status = KS_MATRIX_SAME;
		} else {
			r->status = KS_MATRIX_DIFFERS;
			r->diff = ks_diff_defs(reg->d.def[j], l->d.def[i]);
		}
	}
}

const char *ks_matrix_status_name(enum ks_matrix_status st)
{
	return st == KS_MATRIX_ABSENT ? "absent" : st == KS_MATRIX_SAME ? "same" : "differs";
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
	for (i = 1; i < m->n; i++)
		compare(m->regular, &m->lin[i]);
	m->name = m->regular->d.h ? m->regular->d.h->name : NULL;
	for (i = 1; !m->name && i < m->n; i++)
		if (m->lin[i].d.h)
			m->name = m->lin[i].d.h->name;
	m->kind = "struct";
	for (i = 0; i < m->n; i++) {
		int k = m->lin[i].d.h ? ks_defs_newest(&m->lin[i].d) : -1;

		if (k >= 0) {
			m->kind = m->lin[i].d.def[k]->kind;
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
	free(l->lineage);
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
