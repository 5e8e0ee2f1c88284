#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "ks_blame.h"

static const char *const blame_usage[] = {
	"kstruct blame NAME [--no-renames] [--lineage LINEAGE] [--format text|json]",
	"kstruct blame NAME.FIELD[.FIELD...] [--no-renames] [--lineage LINEAGE]\n"
	"             [--format text|json]",
	NULL,
};

static const char blame_desc[] =
	"NAME: every member of the newest definition, with the release in which it\n"
	"appeared in its present declaration (and, if its type changed since, the\n"
	"release where a member of that name first appeared).\n"
	"NAME.FIELD: the whole story of one field: when it appeared, each type,\n"
	"bitfield or offset change, removals and re-additions, when it was last seen.\n"
	"A path such as task_struct.se.vruntime follows an embedded member into its\n"
	"type's own definition in each release. Both follow a field back through\n"
	"releases that renamed it (task_struct.__state was state before 5.14).\n";

static int print_type_json(const struct ks_blame *b, const char *lineage)
{
	const struct ks_history *h = b->d.h;
	struct ks_json j;
	size_t k;

	ks_json_init(&j, stdout);
	ks_json_begin_object(&j, NULL);
	ks_json_put_str(&j, "name", h->name);
	ks_json_put_str(&j, "kind", b->cur->kind);
	ks_json_put_str(&j, "lineage", lineage);
	ks_json_put_str(&j, "release", h->e[b->newest].release);
	ks_json_begin_array(&j, "members");
	for (k = 0; k < b->n; k++) {
		const struct ks_blame_member *bm = &b->members[k];

		ks_json_begin_object(&j, NULL);
		ks_json_put_str(&j, "name", bm->m->name);
		ks_json_put_str(&j, "decl", bm->m->decl);
		ks_json_put_uint(&j, bm->m->positional ? "position" : "offset_bits",
				 bm->m->positional ? bm->m->index : bm->m->offset_bits);
		ks_json_put_str(&j, "introduced", h->e[bm->since].release);
		ks_json_put_str(&j, "first_seen", h->e[bm->first].release);
		if (bm->first_name)
			ks_json_put_str(&j, "first_name", bm->first_name);
		ks_json_end_object(&j);
	}
	ks_json_end_array(&j);
	ks_json_end_object(&j);
	return ks_json_finish(&j);
}

static void print_type_text(const struct ks_blame *b, const char *lineage)
{
	const struct ks_history *h = b->d.h;
	size_t k, w = 8;

	for (k = 0; k < b->n; k++)
		if (strlen(h->e[b->members[k].since].release) > w)
			w = strlen(h->e[b->members[k].since].release);
	out_begin(FMT_TEXT);
	printf("%s%s %s%s  %s(%s, as of %s)%s\n", col(C_BOLD), b->cur->kind, h->name,
	       col(C_RESET), col(C_DIM), lineage, h->e[b->newest].release, col(C_RESET));
	for (k = 0; k < b->n; k++) {
		const struct ks_blame_member *bm = &b->members[k];

		printf("%s%-*s%s  %s;", col(C_YELLOW), (int)w, h->e[bm->since].release,
		       col(C_RESET), bm->m->decl);
		if (bm->first_name)
			printf("  %s(as %s since %s)%s", col(C_DIM), bm->first_name,
			       h->e[bm->first].release, col(C_RESET));
		else if (bm->first != bm->since)
			printf("  %s(name since %s)%s", col(C_DIM), h->e[bm->first].release,
			       col(C_RESET));
		putchar('\n');
	}
	out_end();
}

static int blame_type(struct ks_store *s, const char *lineage, const char *name,
		      unsigned int flags, enum out_format fmt)
{
	struct ks_blame *b;
	int err = ks_blame_type(s, lineage, name, flags, &b);

	if (err)
		return err;
	if (fmt == FMT_JSON)
		err = print_type_json(b, lineage);
	else
		print_type_text(b, lineage);
	ks_blame_free(b);
	return err;
}

static int print_field_json(const struct ks_blame_story *st, const char *lineage)
{
	const struct ks_history *h = st->h;
	struct ks_json j;
	size_t i;

	ks_json_init(&j, stdout);
	ks_json_begin_object(&j, NULL);
	ks_json_put_str(&j, "name", st->name);
	ks_json_put_str(&j, "field", st->field);
	ks_json_put_str(&j, "lineage", lineage);
	ks_json_put_str(&j, "decl", st->decl);
	ks_json_put_str(&j, "introduced", h->e[st->introduced].release);
	ks_json_put_str(&j, "last_seen", h->e[st->last].release);
	ks_json_put_str(&j, "status", st->present ? "present" : "removed");
	ks_json_begin_array(&j, "events");
	for (i = 0; i < st->nevents; i++) {
		const struct ks_blame_event *e = &st->events[i];

		ks_json_begin_object(&j, NULL);
		ks_json_put_str(&j, "release", h->e[e->release].release);
		ks_json_put_str(&j, "event", ks_blame_event_name(e->what));
		ks_json_put_str(&j, "decl", e->decl);
		if (e->what == KS_BLAME_RENAMED) {
			ks_json_put_str(&j, "old_name", e->old_name);
			ks_json_put_str(&j, "old_decl", e->old_decl);
		}
		ks_json_put_uint(&j, e->positional ? "position" : "offset_bits", e->offset);
		ks_json_end_object(&j);
	}
	ks_json_end_array(&j);
	ks_json_end_object(&j);
	return ks_json_finish(&j);
}

static void print_field_text(const struct ks_blame_story *st, const char *lineage,
			     const char *arg)
{
	const struct ks_history *h = st->h;
	size_t i, w = 8;

	for (i = 0; i < st->nevents; i++)
		if (strlen(h->e[st->events[i].release].release) > w)
			w = strlen(h->e[st->events[i].release].release);
	out_begin(FMT_TEXT);
	printf("%s%s%s  %s(%s)%s\n", col(C_BOLD), arg, col(C_RESET), col(C_DIM),
	       lineage, col(C_RESET));
	for (i = 0; i < st->nevents; i++) {
		const struct ks_blame_event *e = &st->events[i];

		printf("%s%-*s%s  %-12s %s;  ", col(C_YELLOW), (int)w,
		       h->e[e->release].release, col(C_RESET), ks_blame_event_name(e->what),
		       e->decl);
		if (e->what == KS_BLAME_RENAMED)
			printf("%s(was %s) %s", col(C_DIM), e->old_decl, col(C_RESET));
		if (e->positional)
			printf("%s(position %llu)%s\n", col(C_DIM), e->offset, col(C_RESET));
		else if (e->offset % 8)
			printf("%s(bit offset %llu)%s\n", col(C_DIM), e->offset, col(C_RESET));
		else
			printf("%s(offset %llu)%s\n", col(C_DIM), e->offset / 8, col(C_RESET));
	}
	printf("present in its current form since %s; last seen in %s%s\n",
	       h->e[st->introduced].release, h->e[st->last].release,
	       st->present ? " (the newest release)" : "");
	out_end();
}

static int blame_field(struct ks_store *s, const char *lineage, const char *arg,
		       unsigned int flags, enum out_format fmt)
{
	struct ks_blame_story *st;
	int err = ks_blame_field(s, lineage, arg, flags, &st);

	if (err)
		return err;
	if (fmt == FMT_JSON)
		err = print_field_json(st, lineage);
	else
		print_field_text(st, lineage, arg);
	ks_blame_story_free(st);
	return err;
}

int do_blame(int argc, char **argv)
{
	enum out_format fmt = FMT_TEXT;
	const char *lineage = NULL, *arg;
	struct ks_store *store;
	int n, err, no_renames = 0;
	unsigned int flags;
	const struct ks_opt opts[] = {
		OPT_NO_RENAMES(&no_renames),
		OPT_LINEAGE(&lineage),
		OPT_FORMAT(&fmt),
		KS_OPT_END,
	};
	const struct ks_opt_cmd cmd = {
		.prog = KS_PROG,
		.name = "blame",
		.usage = blame_usage,
		.desc = blame_desc,
		.opts = opts,
	};

	if ((err = parse_opts(&cmd, argc, argv, &n)) >= 0)
		return err;
	if (n != 1)
		return usage_err(&cmd, !n ? "name a struct or NAME.FIELD" :
				 "blame takes one NAME or NAME.FIELD");
	arg = argv[1];
	if (!arg[0] || arg[0] == '.' || arg[strlen(arg) - 1] == '.' || strstr(arg, ".."))
		return usage_err(&cmd, "'%s' is not NAME or NAME.FIELD[.FIELD...]", arg);
	if ((err = open_store_lineage(&store, &lineage)))
		return err;
	if (!lineage)
		lineage = ks_store_default_lineage(store);
	flags = no_renames ? KS_DIFF_NO_RENAMES : 0;
	err = strchr(arg, '.') ? blame_field(store, lineage, arg, flags, fmt)
			       : blame_type(store, lineage, arg, flags, fmt);
	ks_store_free(store);
	return err ? fail(err) : EXIT_OK;
}
