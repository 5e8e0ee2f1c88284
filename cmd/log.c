#include <git2.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "ks_buf.h"
#include "ks_canon_parse.h"
#include "ks_diff.h"
#include "ks_err.h"
#include "ks_suggest.h"

static const char *const log_usage[] = {
	"kstruct log NAME [--since R] [--until R] [-p] [--layout]\n"
	"            [--lineage ARCH/FLAVOR] [--format text|json]",
	NULL,
};

static const char log_desc[] =
	"How struct or union NAME changed, release by release, oldest first:\n"
	"where it appeared, disappeared or changed, and how (fields added, removed,\n"
	"retyped, bitfield widths). Releases without change collapse into one line.\n";

enum status { ST_ABSENT, ST_ADDED, ST_REMOVED, ST_CHANGED, ST_UNCHANGED };

static const char *const status_names[] = {
	"absent", "added", "removed", "changed", "unchanged",
};

struct step {
	enum status st;
	struct ks_def *def;	/* parsed when the text differs from the last one */
	struct ks_diff *diff;	/* against the previous definition, when changed */
	int from;		/* index of the release compared with, or -1 */
	int identical;		/* back after a gap exactly as it was */
};

struct log_opts {
	const char *since, *until, *lineage;
	int patch, layout;
	enum out_format fmt;
};

/* Classifies every release against the previous one that defined NAME. */
static int compute_steps(const struct ks_history *h, struct step *steps)
{
	const struct ks_def *last = NULL;
	const char *last_text = NULL;
	size_t last_len = 0;
	int last_idx = -1, err = 0;
	size_t i;

	for (i = 0; i < h->n && !err; i++) {
		const struct ks_hist_entry *e = &h->e[i];
		struct step *s = &steps[i];
		int was = i > 0 && h->e[i - 1].present;

		s->from = -1;
		if (!e->present) {
			s->st = was ? ST_REMOVED : ST_ABSENT;
			if (was)
				s->from = (int)i - 1;
			continue;
		}
		if (e->same_as_prev) {
			s->st = ST_UNCHANGED;
			s->from = (int)i - 1;
			last_idx = (int)i;
			continue;
		}
		err = parse_def(&s->def, e->text, e->len, h->name, e->release);
		if (err)
			break;
		if (!last) {
			s->st = ST_ADDED;
		} else if (!was) {
			/* back after a gap: compare with the last definition */
			s->st = ST_ADDED;
			s->from = last_idx;
			s->identical = last_len == e->len && !memcmp(last_text, e->text, e->len);
			s->diff = ks_diff_defs(last, s->def);
		} else {
			s->st = ST_CHANGED;
			s->from = last_idx;
			s->diff = ks_diff_defs(last, s->def);
		}
		last = s->def;
		last_text = e->text;
		last_len = e->len;
		last_idx = (int)i;
	}
	return err;
}

struct patch_ctx {
	int any;
};

static int patch_line(const git_diff_delta *delta, const git_diff_hunk *hunk,
		      const git_diff_line *line, void *payload)
{
	const char *c = "";

	(void)delta, (void)hunk, (void)payload;
	if (line->origin != GIT_DIFF_LINE_ADDITION && line->origin != GIT_DIFF_LINE_DELETION &&
	    line->origin != GIT_DIFF_LINE_CONTEXT)
		return 0;	/* headers come through their own callbacks */
	if (line->origin == GIT_DIFF_LINE_ADDITION)
		c = col(C_GREEN);
	else if (line->origin == GIT_DIFF_LINE_DELETION)
		c = col(C_RED);
	printf("%s%c", c, line->origin);
	fwrite(line->content, 1, line->content_len, stdout);
	printf("%s", col(C_RESET));
	return 0;
}

static int patch_file(const git_diff_delta *delta, float progress, void *payload)
{
	(void)progress, (void)payload;
	printf("%s--- %s\n+++ %s%s\n", col(C_BOLD), delta->old_file.path,
	       delta->new_file.path, col(C_RESET));
	return 0;
}

static int patch_hunk(const git_diff_delta *delta, const git_diff_hunk *hunk,
		      void *payload)
{
	(void)delta, (void)payload;
	printf("%s%.*s%s", col(C_CYAN), (int)hunk->header_len, hunk->header, col(C_RESET));
	return 0;
}

static void print_patch(const char *name, const char *r1, const char *t1, size_t l1,
			const char *r2, const char *t2, size_t l2)
{
	git_diff_options o;
	char *a = ks_xasprintf("%s@%s", name, r1), *b = ks_xasprintf("%s@%s", name, r2);

	git_diff_options_init(&o, GIT_DIFF_OPTIONS_VERSION);
	o.context_lines = 3;
	git_diff_buffers(t1, l1, a, t2, l2, b, &o, patch_file, NULL, patch_hunk,
			 patch_line, NULL);
	free(a);
	free(b);
}

static int in_window(const char *rel, const struct log_opts *o)
{
	return (!o->since || ks_version_cmp(rel, o->since) >= 0) &&
	       (!o->until || ks_version_cmp(rel, o->until) <= 0);
}

static const char *text_of(const struct ks_history *h, int i)
{
	while (i > 0 && h->e[i].same_as_prev)
		i--;
	return h->e[i].text;
}

static size_t len_of(const struct ks_history *h, int i)
{
	while (i > 0 && h->e[i].same_as_prev)
		i--;
	return h->e[i].len;
}

static void print_text(const struct ks_history *h, const struct step *steps,
		       const struct log_opts *o)
{
	const char *kind = NULL;
	size_t i, w = 8;
	int run_start = -1, run_end = -1, absent_start = -1, absent_end = -1;

	for (i = 0; i < h->n; i++) {
		if (h->e[i].present)
			kind = h->e[i].kind;	/* the newest */
		if (strlen(h->e[i].release) > w)
			w = strlen(h->e[i].release);
	}
	printf("%s%s %s", col(C_BOLD), kind ? kind : "struct", h->name);
	if (h->variant > 1)
		printf("~%u", h->variant);
	printf("%s  %s(%s)%s\n", col(C_RESET), col(C_DIM), h->lineage, col(C_RESET));

	for (i = 0; i <= h->n; i++) {
		const struct step *s = i < h->n ? &steps[i] : NULL;
		const struct ks_hist_entry *e = i < h->n ? &h->e[i] : NULL;

		if (s && !in_window(e->release, o))
			continue;
		/* flush the pending runs before anything else is printed */
		if (run_start >= 0 && (!s || s->st != ST_UNCHANGED)) {
			if (run_end > run_start)
				printf("%sNo changes between %s and %s%s\n", col(C_DIM),
				       h->e[run_start].release, h->e[run_end].release, col(C_RESET));
			run_start = -1;
		}
		if (absent_start >= 0 && (!s || s->st != ST_ABSENT)) {
			if (absent_end > absent_start)
				printf("%-*s  absent (through %s)\n", (int)w,
				       h->e[absent_start].release, h->e[absent_end].release);
			else
				printf("%-*s  absent\n", (int)w, h->e[absent_start].release);
			absent_start = -1;
		}
		if (!s)
			break;
		switch (s->st) {
		case ST_ABSENT:
			if (absent_start < 0)
				absent_start = (int)i;
			absent_end = (int)i;
			break;
		case ST_UNCHANGED:
			if (run_start < 0)
				run_start = s->from >= 0 && in_window(h->e[s->from].release, o) ?
					    s->from : (int)i;
			run_end = (int)i;
			break;
		case ST_REMOVED:
			printf("%s%-*s  removed%s\n", col(C_RED), (int)w, e->release, col(C_RESET));
			break;
		case ST_ADDED:
		case ST_CHANGED:
			printf("%s%-*s%s  %s", col(C_YELLOW), (int)w, e->release, col(C_RESET),
			       s->st == ST_ADDED ? (s->diff ? "added again" : "added") : "changed");
			if (s->st == ST_ADDED)
				printf(": %zu fields, size %llu", s->def->n, s->def->size);
			if (s->identical)
				printf(" (as in %s)", h->e[s->from].release);
			else if (s->diff)
				printf(" (from %s)", h->e[s->from].release);
			if (e->nvariants > 1)
				printf(" [%u definitions of this name]", e->nvariants);
			putchar('\n');
			if (s->diff) {
				print_changes(s->diff, o->layout, "    ");
				if (!s->diff->n && !s->identical)
					printf("    %s(only the nesting of anonymous members changed)%s\n",
					       col(C_DIM), col(C_RESET));
			}
			if (o->patch)
				print_patch(h->name, s->from >= 0 ? h->e[s->from].release : "none",
					    s->from >= 0 ? text_of(h, s->from) : "",
					    s->from >= 0 ? len_of(h, s->from) : 0,
					    e->release, e->text, e->len);
			/* the run of unchanged releases starts here */
			run_start = (int)i;
			run_end = (int)i;
			break;
		}
	}
}

static void print_json(const struct ks_history *h, const struct step *steps,
		       const struct log_opts *o)
{
	const char *kind = NULL;
	struct json j;
	const char *prev = NULL;
	size_t i;

	for (i = 0; i < h->n; i++)
		if (h->e[i].present)
			kind = h->e[i].kind;	/* the newest */
	json_init(&j, stdout);
	json_obj_begin(&j, NULL);
	json_str(&j, "name", h->name);
	json_uint(&j, "variant", h->variant);
	json_str(&j, "kind", kind);
	json_str(&j, "lineage", h->lineage);
	json_arr_begin(&j, "history");
	for (i = 0; i < h->n; i++) {
		const struct step *s = &steps[i];

		if (!in_window(h->e[i].release, o)) {
			prev = h->e[i].release;
			continue;
		}
		json_obj_begin(&j, NULL);
		json_str(&j, "release", h->e[i].release);
		json_str(&j, "previous", prev);
		json_str(&j, "status", status_names[s->st]);
		if (h->e[i].present) {
			json_str(&j, "blob", h->e[i].blob);
			json_uint(&j, "definitions", h->e[i].nvariants);
		}
		if (s->st == ST_CHANGED || s->st == ST_ADDED)
			json_str(&j, "compared_with", s->from >= 0 ? h->e[s->from].release : NULL);
		json_changes(&j, s->diff, o->layout);
		json_obj_end(&j);
		prev = h->e[i].release;
	}
	json_arr_end(&j);
	json_obj_end(&j);
	json_finish(&j);
}

/* --since/--until must name releases of the lineage. */
static int check_release(const struct ks_history *h, const char *r)
{
	struct ks_suggest *sg = ks_suggest_new(r);
	char *close;
	size_t i;
	int err;

	for (i = 0; i < h->n; i++) {
		if (!strcmp(h->e[i].release, r)) {
			ks_suggest_free(sg);
			return 0;
		}
		ks_suggest_add(sg, h->e[i].release);
	}
	close = ks_suggest_result(sg, 5);
	if (close)
		err = ks_err_set(KS_ENOTFOUND, "no release %s in lineage %s; did you mean %s?",
				 r, h->lineage, close);
	else
		err = ks_err_set(KS_ENOTFOUND, "no release %s in lineage %s (see 'kstruct "
				 "releases --lineage %s')", r, h->lineage, h->lineage);
	free(close);
	ks_suggest_free(sg);
	return err;
}

int do_log(int argc, char **argv)
{
	struct log_opts o = { .fmt = FMT_TEXT };
	struct ks_store *store = NULL;
	struct ks_history *h = NULL;
	struct step *steps = NULL;
	size_t i;
	int n, err;
	const struct ks_opt opts[] = {
		KS_OPT_STRING(0, "since", "R", &o.since, "only releases from R on (inclusive)"),
		KS_OPT_STRING(0, "until", "R", &o.until, "only releases up to R (inclusive)"),
		KS_OPT_FLAG('p', "patch", &o.patch, "add a unified diff of the canonical text"),
		KS_OPT_FLAG(0, "layout", &o.layout,
			    "also show layout-only changes (moved fields, size)"),
		OPT_LINEAGE(&o.lineage),
		OPT_FORMAT(&o.fmt),
		KS_OPT_END,
	};
	const struct ks_opt_cmd cmd = {
		.prog = KS_PROG,
		.name = "log",
		.usage = log_usage,
		.desc = log_desc,
		.opts = opts,
	};

	if ((err = parse_opts(&cmd, argc, argv, &n)) >= 0)
		return err;
	if (n != 1)
		return usage_err(&cmd, !n ? "name a struct or union" : "log takes one NAME");
	if (o.lineage && (err = ks_store_check_lineage(o.lineage)))
		return fail(err);
	if ((err = open_store(&store)))
		return err;
	if (!o.lineage)
		o.lineage = ks_store_default_lineage(store);
	err = ks_store_history(store, o.lineage, argv[1], &h);
	if (!err && o.since)
		err = check_release(h, o.since);
	if (!err && o.until)
		err = check_release(h, o.until);
	if (!err) {
		steps = ks_xcalloc(h->n + 1, sizeof(*steps));
		err = compute_steps(h, steps);
	}
	if (!err) {
		out_begin(o.fmt);
		if (o.fmt == FMT_JSON)
			print_json(h, steps, &o);
		else
			print_text(h, steps, &o);
		out_end();
	}
	for (i = 0; h && steps && i < h->n; i++) {
		ks_def_free(steps[i].def);
		ks_diff_free(steps[i].diff);
	}
	free(steps);
	ks_history_free(h);
	ks_store_free(store);
	return err ? fail(err) : EXIT_OK;
}
