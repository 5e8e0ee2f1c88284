#include "ks_suggest.h"

#include <stdlib.h>
#include <string.h>

#include "ks_buf.h"

struct cand {
	char *name;
	size_t score;
};

struct ks_suggest {
	char *query;
	size_t qlen;
	struct cand *c;
	size_t n, cap;
};

struct ks_suggest *ks_suggest_new(const char *query)
{
	struct ks_suggest *s = ks_xcalloc(1, sizeof(*s));

	s->query = ks_xstrdup(query);
	s->qlen = strlen(query);
	return s;
}

/* Levenshtein distance, giving up (returning limit + 1) past @limit. */
static size_t distance(const char *a, size_t an, const char *b, size_t bn,
		       size_t limit)
{
	size_t *row, i, j, best, d;

	if ((an > bn ? an - bn : bn - an) > limit)
		return limit + 1;
	row = ks_xmalloc((bn + 1) * sizeof(size_t));
	for (j = 0; j <= bn; j++)
		row[j] = j;
	for (i = 1; i <= an; i++) {
		size_t diag = row[0];

		row[0] = i;
		best = row[0];
		for (j = 1; j <= bn; j++) {
			size_t up = row[j];

			d = diag + (a[i - 1] != b[j - 1]);
			if (row[j - 1] + 1 < d)
				d = row[j - 1] + 1;
			if (up + 1 < d)
				d = up + 1;
			row[j] = d;
			diag = up;
			if (d < best)
				best = d;
		}
		if (best > limit) {
			free(row);
			return limit + 1;
		}
	}
	d = row[bn];
	free(row);
	return d;
}

void ks_suggest_add(struct ks_suggest *s, const char *candidate)
{
	ks_suggest_add_as(s, candidate, candidate);
}

void ks_suggest_add_as(struct ks_suggest *s, const char *candidate, const char *shown)
{
	size_t limit = s->qlen / 3 + 1, cl = strlen(candidate), score;

	if (limit > 4)
		limit = 4;
	score = distance(s->query, s->qlen, candidate, cl, limit);
	if (score > limit) {
		/* A name that contains the query is close enough to offer. */
		if (s->qlen < 3 || !strstr(candidate, s->query))
			return;
		score = limit + 1 + (cl - s->qlen);
	}
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 16;
		s->c = ks_xrealloc(s->c, s->cap * sizeof(*s->c));
	}
	s->c[s->n].name = ks_xstrdup(shown);
	s->c[s->n].score = score;
	s->n++;
}

static int cmp_cand(const void *a, const void *b)
{
	const struct cand *x = a, *y = b;

	if (x->score != y->score)
		return x->score < y->score ? -1 : 1;
	return strcmp(x->name, y->name);
}

char *ks_suggest_result(struct ks_suggest *s, size_t max)
{
	struct ks_buf b = KS_BUF_INIT;
	size_t i, shown = 0;

	if (!s->n)
		return NULL;
	qsort(s->c, s->n, sizeof(*s->c), cmp_cand);
	for (i = 0; i < s->n && shown < max; i++) {
		if (i && !strcmp(s->c[i].name, s->c[i - 1].name))
			continue;
		if (shown++)
			ks_buf_puts(&b, ", ");
		ks_buf_puts(&b, s->c[i].name);
	}
	return ks_buf_detach(&b, NULL);
}

void ks_suggest_free(struct ks_suggest *s)
{
	size_t i;

	if (!s)
		return;
	for (i = 0; i < s->n; i++)
		free(s->c[i].name);
	free(s->c);
	free(s->query);
	free(s);
}
