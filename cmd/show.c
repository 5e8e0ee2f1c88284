#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "ks_buf.h"
#include "ks_canon_parse.h"
#include "ks_err.h"
#include "ks_snapshot.h"
#include "ks_variants.h"

static const char *const show_usage[] = {
	"kstruct show NAME[@RELEASE] [--lineage LINEAGE] [--format text|json]",
	"kstruct show --all [RELEASE] [--kind KIND[,KIND...]] [--lineage LINEAGE]\n"
	"             [--format text|json]",
	NULL,
};

static const char show_desc[] =
	"Prints the canonical definition of NAME: for a struct or union every member\n"
	"with its declaration, offset and size (bit offset for bitfields), and the\n"
	"size; for the other kinds (KIND:NAME: enum, typedef, func, tracepoint,\n"
	"syscall, lsm, kfunc) their enumerators, target, or prototype. A bare NAME\n"
	"is the struct or union, else the one kind that has it.\n"
	"Without @RELEASE, the newest release of the lineage. A name that one kernel\n"
	"defines more than once is NAME, NAME~2, ... (see docs/format.md).\n";

/* Display column after @s, with tabs at multiples of 8. */
static size_t width(const char *s, size_t n)
{
	size_t col = 0, i;

	for (i = 0; i < n; i++)
		col = s[i] == '\t' ? (col / 8 + 1) * 8 : col + 1;
	return col;
}

/* Where the trailing offset comment of a line starts (its tab), or NULL. */
static const char *comment_of(const char *p, const char *eol)
{
	const char *q, *cm = NULL;

	for (q = p; q + 3 < eol; q++)
		if (!memcmp(q, "\t/* ", 4))
			cm = q;
	return cm;
}

/* For people, the offset comments line up in one column; the stored
 * text keeps a single tab so that one long member does not shift every
 * line of a diff. */
static void print_aligned(const char *text, size_t len)
{
	const char *p = text, *end = text + len;
	size_t col = 0;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl ? nl : end, *cm = comment_of(p, eol);

		if (cm && width(p, (size_t)(cm - p)) > col)
			col = width(p, (size_t)(cm - p));
		p = eol + 1;
	}
	if (col > 64)
		col = 64;
	for (p = text; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl ? nl : end, *cm = comment_of(p, eol);

		if (cm && p[0] == '\t') {
			size_t w = width(p, (size_t)(cm - p));

			fwrite(p, 1, (size_t)(cm - p), stdout);
			do
				fputc(' ', stdout);
			while (++w < col + 1);
			fwrite(cm + 1, 1, (size_t)(eol - cm - 1), stdout);
		} else if (cm) {
			fwrite(p, 1, (size_t)(cm - p), stdout);
			fputc(' ', stdout);
			fwrite(cm + 1, 1, (size_t)(eol - cm - 1), stdout);
		} else {
			fwrite(p, 1, (size_t)(eol - p), stdout);
		}
		fputc('\n', stdout);
		p = eol + 1;
	}
}

static int print_json(const struct ks_type_text *t, int pretty)
{
	struct ks_def *d;
	struct ks_json j;
	size_t i;
	int err = ks_canon_parse(&d, t->text, t->len);

	if (err) {
		ks_err_prefix("%s in %s %s", t->name, t->lineage, t->release);
		return err;
	}
	ks_json_init(&j, stdout);
	j.pretty = pretty;
	ks_json_begin_object(&j, NULL);
	ks_json_put_str(&j, "name", t->name);
	ks_json_put_str(&j, "kind", t->kind);
	ks_json_put_str(&j, "release", t->release);
	ks_json_put_str(&j, "lineage", t->lineage);
	ks_json_put_uint(&j, "size", d->size);
	if (d->note)	/* a function's linkage, an enum's signedness */
		ks_json_put_str(&j, !strcmp(d->kind, "enum") ? "signedness" : "linkage", d->note);
	if (d->symbols) {
		/* recorded: the forms a kprobe can name, none when inlined */
		char *copy = ks_xstrdup(d->symbols), *p, *save = NULL;

		ks_json_begin_array(&j, "symbols");
		if (!strncmp(copy, "symbols ", 8))
			for (p = strtok_r(copy + 8, " ", &save); p; p = strtok_r(NULL, " ", &save))
				ks_json_put_str(&j, NULL, p);
		ks_json_end_array(&j);
		free(copy);
	}
	ks_json_put_uint(&j, "variant", t->variant);
	ks_json_put_uint(&j, "variants", t->nvariants);
	ks_json_begin_array(&j, "members");
	for (i = 0; i < d->n; i++) {
		const struct ks_member *m = &d->members[i];
		const char *eq = !strcmp(d->kind, "enum") ? strstr(m->decl, " = ") : NULL;

		ks_json_begin_object(&j, NULL);
		ks_json_put_str(&j, "name", m->name);
		ks_json_put_str(&j, "decl", m->decl);
		if (eq) {
			/* as written: a u64 value does not fit every JSON reader */
			ks_json_put_str(&j, "value", eq + 3);
		} else if (m->positional) {
			ks_json_put_uint(&j, "position", m->index);
		} else {
			ks_json_put_uint(&j, "offset_bits", m->offset_bits);
			ks_json_put_uint(&j, "size_bits", m->size_bits);
			ks_json_put_uint(&j, "bitfield_size", m->bitfield_size);
		}
		ks_json_end_object(&j);
	}
	ks_json_end_array(&j);
	ks_json_put_strn(&j, "text", t->text, t->len);
	ks_json_end_object(&j);
	err = ks_json_finish(&j);
	ks_def_free(d);
	return err;
}

struct all_ctx {
	enum out_format fmt;
	struct ks_type_text t;
	size_t n;
	const struct ks_variants *variants;
};

static int show_one(const char *kind, const char *name, unsigned int variant,
		    const char *text, size_t len, void *ctx)
{
	struct all_ctx *a = ctx;
	char *full = ks_variants_display_name(name, variant);
	int err = 0;

	a->t.kind = (char *)kind;
	a->t.name = full;
	a->t.variant = variant;
	a->t.nvariants = ks_variants_count(a->variants, kind, name);
	a->t.text = (char *)text;
	a->t.len = len;
	if (a->fmt == FMT_JSON) {
		err = print_json(&a->t, 0);
	} else {
		if (a->n)
			fputc('\n', stdout);
		fwrite(text, 1, len, stdout);
	}
	a->n++;
	free(full);
	return err;
}

static int show_all(struct ks_store *store, const char *lineage,
		    const char *release, unsigned int kinds, enum out_format fmt)
{
	struct all_ctx a = { .fmt = fmt };
	struct ks_release_list *list = NULL;
	struct ks_variants *variants = NULL;
	int err;

	/* The release name for each object: the newest when none is named. */
	err = ks_store_list_releases(store, lineage, &list);
	if (!err && !release && list->n)
		release = list->items[list->n - 1].release;
	a.t.lineage = (char *)lineage;
	a.t.release = (char *)(release ? release : "");
	if (!err)
		err = ks_variants_load(store, lineage, release, &variants);
	a.variants = variants;
	if (!err)
		err = ks_store_foreach_type(store, lineage, release, kinds, 1, show_one, &a);
	ks_release_list_free(list);
	ks_variants_free(variants);
	return err;
}

int do_show(int argc, char **argv)
{
	enum out_format fmt = FMT_TEXT;
	const char *lineage = NULL;
	struct ks_store *store;
	struct ks_type_text *t = NULL;
	char *name, *at, *release = NULL;
	const char *kinds = NULL;
	unsigned int mask = KS_KINDS_ALL;
	int n, err, all = 0;
	const struct ks_opt opts[] = {
		KS_OPT_FLAG(0, "all", &all, "every definition of the release; with\n"
			    "--format json, one JSON object per line"),
		KS_OPT_STRING(0, "kind", "KIND[,KIND...]", &kinds,
			      "with --all: only these kinds (default: all)"),
		OPT_LINEAGE(&lineage),
		OPT_FORMAT(&fmt),
		KS_OPT_END,
	};
	const struct ks_opt_cmd cmd = {
		.prog = KS_PROG,
		.name = "show",
		.usage = show_usage,
		.desc = show_desc,
		.opts = opts,
	};

	if ((err = parse_opts(&cmd, argc, argv, &n)) >= 0)
		return err;
	if (all) {
		const char *rel = n ? argv[1] : NULL;

		if (n > 1)
			return usage_err(&cmd, "--all takes at most one RELEASE");
		if (rel && rel[0] == '@')
			rel++;
		if (kinds && parse_kind_list(kinds, &mask))
			return usage_err(&cmd, "%s", ks_err_msg());
		if ((err = open_store_lineage(&store, &lineage)))
			return err;
		err = show_all(store, lineage ? lineage : ks_store_default_lineage(store),
			       rel, mask, fmt);
		ks_store_free(store);
		return err ? fail(err) : EXIT_OK;
	}
	if (n != 1)
		return usage_err(&cmd, !n ? "name a struct or union" :
				 "show takes one NAME[@RELEASE]");
	name = strdup(argv[1]);
	at = strchr(name, '@');
	if (at) {
		*at = '\0';
		release = at + 1;
		if (!release[0]) {
			free(name);
			return usage_err(&cmd, "empty release after '@'");
		}
	}
	if (!name[0]) {
		free(name);
		return usage_err(&cmd, "empty name");
	}
	if ((err = open_store_lineage(&store, &lineage))) {
		free(name);
		return err;
	}
	err = ks_store_read_type(store, lineage ? lineage : ks_store_default_lineage(store),
				 release, name, &t);
	if (!err) {
		if (fmt == FMT_JSON) {
			err = print_json(t, 1);
		} else {
			print_aligned(t->text, t->len);
			if (t->other_kind)
				fprintf(stderr, "kstruct: note: there is also a union %s in %s "
					"(kstruct show 'union %s')\n", t->name, t->release, t->name);
			if (t->nvariants > 1)
				fprintf(stderr, "kstruct: note: %s %s has %u different "
					"definitions in %s (%s~2 ...)\n", t->kind, t->name,
					t->nvariants, t->release, t->name);
		}
	}
	ks_type_text_free(t);
	ks_store_free(store);
	free(name);
	return err ? fail(err) : EXIT_OK;
}
