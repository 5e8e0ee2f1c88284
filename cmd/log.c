#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "ks_buf.h"
#include "ks_log.h"

static const char *const log_usage[] = {
	"kstruct log NAME [--since R] [--until R] [-p] [--layout] [--no-renames]\n"
	"            [--lineage LINEAGE] [--format text|json]",
	NULL,
};

static const char log_desc[] =
	"How struct or union NAME changed, release by release, oldest first:\n"
	"where it appeared, disappeared or changed, and how (fields added, removed,\n"
	"retyped, renamed, bitfield widths). Releases without change collapse into\n"
	"one line. A field removed and one added in its place (same offset, a\n"
	"compatible type, a similar name) is shown as a rename: old -> new.\n";

struct log_opts {
	const char *since, *until, *lineage;
	int patch, layout, no_renames;
	enum out_format fmt;
};

static int patch_out(enum ks_patch_origin origin, const char *text, size_t len, void *ctx)
{
	(void)ctx;
	switch (origin) {
	case KS_PATCH_OLD_FILE:
		printf("%s--- %.*s\n", col(C_BOLD), (int)len, text);
		break;
	case KS_PATCH_NEW_FILE:
		printf("+++ %.*s%s\n", (int)len, text, col(C_RESET));
		break;
	case KS_PATCH_HUNK:
		printf("%s%.*s%s", col(C_CYAN), (int)len, text, col(C_RESET));
		break;
	default:
		printf("%s%c%.*s%s", origin == KS_PATCH_ADDED ? col(C_GREEN) :
		       origin == KS_PATCH_REMOVED ? col(C_RED) : "", origin, (int)len, text,
		       col(C_RESET));
	}
	return 0;
}

static int print_patch(const char *name, const char *r1, const char *t1, size_t l1,
		       const char *r2, const char *t2, size_t l2)
{
	char *a = ks_xasprintf("%s@%s", name, r1), *b = ks_xasprintf("%s@%s", name, r2);
	int err = ks_store_patch(a, t1, l1, b, t2, l2, patch_out, NULL);

	free(a);
	free(b);
	return err;
}

static int print_text(const struct ks_log *log, const struct log_opts *o)
{
	const struct ks_history *h = log->h;
	const struct ks_log_step *steps = log->steps;
	const char *kind = NULL;
	size_t i, w = 8;
	int run_start = -1, run_end = -1, absent_start = -1, absent_end = -1, err = 0;
	int nr_start = -1, nr_end = -1;

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
		const struct ks_log_step *s = i < h->n ? &steps[i] : NULL;
		const struct ks_hist_entry *e = i < h->n ? &h->e[i] : NULL;

		if (s && !ks_log_in_window(log, i))
			continue;
		/* flush the pending runs before anything else is printed */
		if (run_start >= 0 && (!s || s->st != KS_LOG_UNCHANGED)) {
			if (run_end > run_start)
				printf("%sNo changes between %s and %s%s\n", col(C_DIM),
				       h->e[run_start].release, h->e[run_end].release, col(C_RESET));
			run_start = -1;
		}
		if (absent_start >= 0 && (!s || s->st != KS_LOG_ABSENT)) {
			if (absent_end > absent_start)
				printf("%-*s  absent (through %s)\n", (int)w,
				       h->e[absent_start].release, h->e[absent_end].release);
			else
				printf("%-*s  absent\n", (int)w, h->e[absent_start].release);
			absent_start = -1;
		}
		if (nr_start >= 0 && (!s || s->st != KS_LOG_NOT_RECORDED)) {
			printf("%s%-*s  not recorded%s%s (imported by an older kstruct: "
			       "import again to complete)%s\n", col(C_DIM), (int)w,
			       h->e[nr_start].release, nr_end > nr_start ? " through " : "",
			       nr_end > nr_start ? h->e[nr_end].release : "", col(C_RESET));
			nr_start = -1;
		}
		if (!s)
			break;
		switch (s->st) {
		case KS_LOG_NOT_RECORDED:
			if (nr_start < 0)
				nr_start = (int)i;
			nr_end = (int)i;
			break;
		case KS_LOG_ABSENT:
			if (absent_start < 0)
				absent_start = (int)i;
			absent_end = (int)i;
			break;
		case KS_LOG_UNCHANGED:
			if (run_start < 0)
				run_start = s->from >= 0 && ks_log_in_window(log, (size_t)s->from) ?
					    s->from : (int)i;
			run_end = (int)i;
			break;
		case KS_LOG_REMOVED:
			printf("%s%-*s  removed%s\n", col(C_RED), (int)w, e->release, col(C_RESET));
			break;
		case KS_LOG_ADDED:
		case KS_LOG_CHANGED:
			printf("%s%-*s%s  %s", col(C_YELLOW), (int)w, e->release, col(C_RESET),
			       s->st == KS_LOG_ADDED ? (s->diff ? "added again" : "added") : "changed");
			if (s->st == KS_LOG_ADDED) {
				printf(": ");
				print_def_summary(s->def);
			}
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
			if (o->patch && !err) {
				size_t plen = 0;
				const char *ptext = s->from >= 0 ?
						    ks_log_text(h, (size_t)s->from, &plen) : "";

				err = print_patch(h->name,
						  s->from >= 0 ? h->e[s->from].release : "none",
						  ptext, plen, e->release, e->text, e->len);
			}
			/* the run of unchanged releases starts here */
			run_start = (int)i;
			run_end = (int)i;
			break;
		}
	}
	return err;
}

static int print_json(const struct ks_log *log, const struct log_opts *o)
{
	const struct ks_history *h = log->h;
	const struct ks_log_step *steps = log->steps;
	const char *kind = NULL;
	struct ks_json j;
	const char *prev = NULL;
	size_t i;

	for (i = 0; i < h->n; i++)
		if (h->e[i].present)
			kind = h->e[i].kind;	/* the newest */
	ks_json_init(&j, stdout);
	ks_json_begin_object(&j, NULL);
	ks_json_put_str(&j, "name", h->name);
	ks_json_put_uint(&j, "variant", h->variant);
	ks_json_put_str(&j, "kind", kind);
	ks_json_put_str(&j, "lineage", h->lineage);
	ks_json_begin_array(&j, "history");
	for (i = 0; i < h->n; i++) {
		const struct ks_log_step *s = &steps[i];

		if (!ks_log_in_window(log, i)) {
			prev = h->e[i].release;
			continue;
		}
		ks_json_begin_object(&j, NULL);
		ks_json_put_str(&j, "release", h->e[i].release);
		ks_json_put_str(&j, "previous", prev);
		ks_json_put_str(&j, "status", ks_log_status_name(s->st));
		if (h->e[i].present) {
			ks_json_put_str(&j, "blob", h->e[i].blob);
			ks_json_put_uint(&j, "definitions", h->e[i].nvariants);
		}
		if (s->st == KS_LOG_CHANGED || s->st == KS_LOG_ADDED)
			ks_json_put_str(&j, "compared_with", s->from >= 0 ? h->e[s->from].release : NULL);
		json_changes(&j, s->diff, o->layout);
		ks_json_end_object(&j);
		prev = h->e[i].release;
	}
	ks_json_end_array(&j);
	ks_json_end_object(&j);
	return ks_json_finish(&j);
}

int do_log(int argc, char **argv)
{
	struct log_opts o = { .fmt = FMT_TEXT };
	struct ks_store *store = NULL;
	struct ks_log *log = NULL;
	int n, err;
	const struct ks_opt opts[] = {
		KS_OPT_STRING(0, "since", "R", &o.since, "only releases from R on (inclusive)"),
		KS_OPT_STRING(0, "until", "R", &o.until, "only releases up to R (inclusive)"),
		KS_OPT_FLAG('p', "patch", &o.patch, "add a unified diff of the canonical text"),
		KS_OPT_FLAG(0, "layout", &o.layout,
			    "also show layout-only changes (moved fields, size)"),
		OPT_NO_RENAMES(&o.no_renames),
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
	if ((err = open_store_lineage(&store, &o.lineage)))
		return err;
	if (!o.lineage)
		o.lineage = ks_store_default_lineage(store);
	err = ks_log_build(store, o.lineage, argv[1], o.since, o.until,
			   (o.no_renames ? KS_DIFF_NO_RENAMES : 0) | (o.patch ? KS_LOG_TEXTS : 0),
			   &log);
	if (!err) {
		out_begin(o.fmt);
		if (o.fmt == FMT_JSON)
			err = print_json(log, &o);
		else
			err = print_text(log, &o);
		out_end();
	}
	ks_log_free(log);
	ks_store_free(store);
	return err ? fail(err) : EXIT_OK;
}
