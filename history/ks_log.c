#include "ks_log.h"

#include <stdlib.h>
#include <string.h>

#include "ks_buf.h"
#include "ks_distro.h"
#include "ks_err.h"
#include "ks_steps.h"
#include "ks_suggest.h"

static const char *const status_names[] = {
	"absent", "added", "removed", "changed", "unchanged", "not_recorded",
};

const char *ks_log_status_name(enum ks_log_status st)
{
	return status_names[st];
}

void ks_log_free(struct ks_log *log)
{
	size_t i;

	if (!log)
		return;
	for (i = 0; log->h && i < log->h->n; i++) {
		ks_def_free(log->steps[i].def);
		ks_diff_free(log->steps[i].diff);
	}
	free(log->steps);
	ks_history_free(log->h);
	ks_steps_close(log->kept);	/* after the diffs that borrow from it */
	free(log);
}

/* Where classify finds definitions: in the history's texts, or (with a
 * store) in the kept steps, reading a text only where a step is not
 * kept or a definition itself is wanted. */
struct source {
	struct ks_store *store;		/* NULL: every text is loaded */
	const struct ks_steps *steps;
};

/* Entry @i's definition, parsed into @slot unless it is there. */
static int def_of(const struct source *src, struct ks_history *h, size_t i,
		  struct ks_def **slot)
{
	const struct ks_hist_entry *e = &h->e[i];
	int err;

	if (*slot)
		return 0;
	if (src->store && (err = ks_history_load_text(src->store, h, i)))
		return err;
	return ks_canon_parse_named(slot, e->text, e->len, h->name, e->release);
}

/* The difference from release @from's definition to @i's: kept, or made
 * from the two (parsing whichever is not yet). */
static int diff_of(const struct source *src, struct ks_history *h, struct ks_log_step *steps,
		   int from, size_t i, unsigned int flags, struct ks_diff **out)
{
	int err;

	if (!flags && (*out = ks_steps_find(src->steps, h->e[from].blob, h->e[i].blob)))
		return 0;
	while (from > 0 && h->e[from].same_as_prev)
		from--;		/* the step that parsed it */
	if ((err = def_of(src, h, (size_t)from, &steps[from].def)) ||
	    (err = def_of(src, h, i, &steps[i].def)))
		return err;
	*out = ks_diff_defs_flags(steps[from].def, steps[i].def, flags);
	return 0;
}

/* Classifies every release against the previous one that defined NAME. */
static int classify(const struct source *src, struct ks_history *h, unsigned int flags,
		    struct ks_log_step *steps)
{
	size_t i;
	/* the last release that recorded the kind had the name: releases
	 * that did not record it do not break a run */
	int last_idx = -1, err = 0, had = 0;

	for (i = 0; i < h->n && !err; i++) {
		const struct ks_hist_entry *e = &h->e[i];
		struct ks_log_step *s = &steps[i];
		int was = had;

		s->from = -1;
		if (!e->recorded) {
			s->st = KS_LOG_NOT_RECORDED;
			continue;
		}
		had = e->present;
		if (!e->present) {
			s->st = was ? KS_LOG_REMOVED : KS_LOG_ABSENT;
			if (was)
				s->from = last_idx;
			continue;
		}
		if (e->same_as_prev) {
			s->st = KS_LOG_UNCHANGED;
			s->from = (int)i - 1;
			last_idx = (int)i;
			continue;
		}
		if (last_idx < 0) {
			s->st = KS_LOG_ADDED;
			err = def_of(src, h, i, &s->def);
		} else if (!was) {
			/* back after a gap: compared with the last definition,
			 * and summed up as a first appearance is */
			s->st = KS_LOG_ADDED;
			s->from = last_idx;
			s->identical = !strcmp(h->e[last_idx].blob, e->blob);
			err = diff_of(src, h, steps, last_idx, i, flags, &s->diff);
			if (!err)
				err = def_of(src, h, i, &s->def);
		} else {
			s->st = KS_LOG_CHANGED;
			s->from = last_idx;
			err = diff_of(src, h, steps, last_idx, i, flags, &s->diff);
		}
		last_idx = (int)i;
	}
	return err;
}

static int compute(const struct source *src, struct ks_history *h, unsigned int flags,
		   struct ks_log **out)
{
	struct ks_log *log = ks_xcalloc(1, sizeof(*log));
	int err;

	log->h = h;
	log->lo = 0;
	log->hi = h->n;
	log->steps = ks_xcalloc(h->n + 1, sizeof(*log->steps));
	err = classify(src, h, flags, log->steps);
	if (err) {
		ks_log_free(log);
		return err;
	}
	*out = log;
	return 0;
}

int ks_log_compute(struct ks_history *h, unsigned int flags, struct ks_log **out)
{
	const struct source src = { NULL, NULL };

	return compute(&src, h, flags, out);
}

/* As ks_log_check_release, with the release's index in *@at. */
static int find_release(const struct ks_history *h, const char *release, size_t *at)
{
	struct ks_suggest *sg = ks_suggest_new(release);
	char *close;
	size_t i;
	int err;

	for (i = 0; i < h->n; i++) {
		if (!strcmp(h->e[i].release, release)) {
			ks_suggest_free(sg);
			*at = i;
			return 0;
		}
		ks_suggest_add(sg, h->e[i].release);
	}
	close = ks_suggest_result(sg, 5);
	if (close)
		err = ks_err_set(KS_ENOTFOUND, "no release %s in lineage %s; did you mean %s?",
				 release, h->lineage, close);
	else
		err = ks_err_set(KS_ENOTFOUND, "no release %s in lineage %s (see 'kstruct "
				 "releases --lineage %s')", release, h->lineage, h->lineage);
	free(close);
	ks_suggest_free(sg);
	return err;
}

int ks_log_check_release(const struct ks_history *h, const char *release)
{
	size_t at;

	return find_release(h, release, &at);
}

int ks_log_build(struct ks_store *s, const char *lineage, const char *name,
		 const char *since, const char *until, unsigned int flags, struct ks_log **out)
{
	struct ks_history *h;
	struct source src = { s, NULL };
	struct ks_steps *kept;
	size_t lo = 0, hi;
	int err = (flags & KS_LOG_TEXTS) ? ks_store_history(s, lineage, name, &h) :
		  ks_store_history_lazy(s, lineage, name, &h);

	if (err)
		return err;
	hi = h->n;
	if (since && (err = find_release(h, since, &lo)))
		goto fail;
	if (until && (err = find_release(h, until, &hi)))
		goto fail;
	if (until)
		hi++;
	kept = ks_steps_open(s);
	src.steps = kept;
	err = compute(&src, h, flags & ~KS_LOG_TEXTS, out);
	if (err) {
		ks_steps_close(kept);
		return err;
	}
	(*out)->kept = kept;
	/* positions in the lineage, which is in its distro's version order */
	(*out)->lo = lo;
	(*out)->hi = hi > lo ? hi : lo;
	return 0;
fail:
	ks_history_free(h);
	return err;
}

int ks_log_in_window(const struct ks_log *log, size_t i)
{
	return i >= log->lo && i < log->hi;
}

const char *ks_log_text(const struct ks_history *h, size_t i, size_t *len)
{
	while (i > 0 && h->e[i].same_as_prev)
		i--;
	*len = h->e[i].len;
	return h->e[i].text;
}
