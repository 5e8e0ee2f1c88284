#include "ks_defs.h"

#include <stdlib.h>
#include <string.h>

#include "ks_buf.h"
#include "ks_diff.h"

void ks_defs_free(struct ks_defs *d)
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
	memset(d, 0, sizeof(*d));
}

int ks_defs_load(struct ks_store *s, const char *lineage, const char *name,
		 struct ks_defs *d)
{
	struct ks_history *h;
	int err = ks_store_history(s, lineage, name, &h);

	return err ? err : ks_defs_parse(d, h);
}

int ks_defs_complete(struct ks_store *s, struct ks_defs *d, struct ks_history *h)
{
	size_t i;
	int err = 0;

	for (i = 0; i < h->n && !err; i++)
		if (h->e[i].present && !h->e[i].same_as_prev)
			err = ks_history_load_text(s, h, i);
	if (err) {
		ks_history_free(h);
		return err;
	}
	return ks_defs_parse(d, h);
}

int ks_defs_parse(struct ks_defs *d, struct ks_history *h)
{
	size_t i;
	int err = 0;

	d->h = h;
	d->def = ks_xcalloc(h->n + 1, sizeof(*d->def));
	d->owned = ks_xcalloc(h->n + 1, sizeof(int));
	for (i = 0; i < h->n && !err; i++) {
		const struct ks_hist_entry *e = &h->e[i];

		if (!e->present)
			continue;
		if (e->same_as_prev) {
			d->def[i] = d->def[i - 1];
			continue;
		}
		err = ks_canon_parse_named(&d->def[i], e->text, e->len, h->name, e->release);
		d->owned[i] = !err;
	}
	if (err)
		ks_defs_free(d);
	return err;
}

int ks_defs_newest(const struct ks_defs *d)
{
	int i;

	for (i = (int)d->h->n - 1; i >= 0; i--)
		if (d->def[i])
			return i;
	return -1;
}

int ks_defs_since(const struct ks_defs *d, int at, const struct ks_member *m)
{
	int i, since = at;

	/* an unnamed member has no identity to follow back */
	for (i = at - 1; i >= 0 && m->name[0]; i--) {
		const struct ks_member *pm = d->def[i] ? ks_def_member(d->def[i], m->name) : NULL;

		if (!pm || strcmp(pm->decl, m->decl))
			break;
		since = i;
	}
	return since;
}
