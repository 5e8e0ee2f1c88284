/* A name's parsed definition in every release of a lineage, shared by
 * blame, status and report. */
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "ks_buf.h"
#include "ks_canon_parse.h"
#include "ks_diff.h"

void defs_free(struct defs *d)
{
	size_t i;

	if (!d || !d->h)
		return;
	for (i = 0; i < d->h->n; i++)
		if (d->owned[i])
			ks_def_free(d->def[i]);
	free(d->def);
	free(d->owned);
	ks_history_free(d->h);
	d->h = NULL;
}

int defs_load(struct ks_store *s, const char *lineage, const char *name, struct defs *d)
{
	struct ks_history *h;
	int err = ks_store_history(s, lineage, name, &h);

	return err ? err : defs_parse(d, h);
}

int defs_parse(struct defs *d, struct ks_history *h)
{
	size_t i;
	int err = 0;

	d->h = h;
	d->def = ks_xcalloc(d->h->n + 1, sizeof(*d->def));
	d->owned = ks_xcalloc(d->h->n + 1, sizeof(int));
	for (i = 0; i < d->h->n && !err; i++) {
		const struct ks_hist_entry *e = &d->h->e[i];

		if (!e->present)
			continue;
		if (e->same_as_prev) {
			d->def[i] = d->def[i - 1];
			continue;
		}
		err = parse_def(&d->def[i], e->text, e->len, d->h->name, e->release);
		d->owned[i] = !err;
	}
	if (err)
		defs_free(d);
	return err;
}

int defs_newest(const struct defs *d)
{
	int i;

	for (i = (int)d->h->n - 1; i >= 0; i--)
		if (d->def[i])
			return i;
	return -1;
}

int defs_since(const struct defs *d, int at, const struct ks_member *m)
{
	int i, since = at;

	/* back from @at while the declaration holds */
	for (i = at - 1; i >= 0 && m->name[0]; i--) {
		const struct ks_member *pm = d->def[i] ? ks_def_member(d->def[i], m->name) : NULL;

		if (!pm || strcmp(pm->decl, m->decl))
			break;
		since = i;
	}
	return since;
}
