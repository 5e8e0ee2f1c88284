/* libFuzzer harness: the reader of canonical text (ks_canon_parse), which
 * `show --format json` and every history command (log, blame, diff) run
 * on the blobs of a store, a store that may come from anyone (clone,
 * pull). An input is one text, or two separated by a NUL byte (a text
 * never holds one): then the two definitions are also diffed (ks_diff),
 * both ways, and each with itself. Each text also goes through the
 * reader into C types (ks_ctype_parse) that `kstruct check` uses, and
 * each line through its declaration reader. */
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "ks_buf.h"
#include "ks_canon_parse.h"
#include "ks_ctype_parse.h"
#include "ks_diff.h"
#include "ks_kind.h"
#include "ks_err.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

static int names_unique(const struct ks_def *d)
{
	size_t i;

	for (i = 0; i < d->n; i++)
		if (d->members[i].name[0] && ks_def_member(d, d->members[i].name) !=
		    &d->members[i])
			return 0;
	return 1;
}

static void check_diff(const struct ks_def *a, const struct ks_def *b)
{
	struct ks_diff *df = ks_diff_defs(a, b);
	size_t i, ndecl = 0;

	for (i = 0; i < df->n; i++) {
		const struct ks_change *c = &df->changes[i];

		KS_FUZZ_CHECK(c->field, "change without a field");
		KS_FUZZ_CHECK(ks_change_kind_name(c->kind)[0] != '?', "unknown change kind");
		if (!ks_change_is_layout(c->kind))
			ndecl++;
		if (c->kind == KS_FIELD_ADDED)
			KS_FUZZ_CHECK(c->new_decl && !c->old_decl &&
				      ks_def_member(b, c->field) && !ks_def_member(a, c->field),
				      "bad field_added %s", c->field);
		if (c->kind == KS_FIELD_REMOVED)
			KS_FUZZ_CHECK(c->old_decl && !c->new_decl &&
				      ks_def_member(a, c->field) && !ks_def_member(b, c->field),
				      "bad field_removed %s", c->field);
		if (c->kind == KS_FIELD_RENAMED)
			KS_FUZZ_CHECK(c->old_field && c->old_decl && c->new_decl &&
				      ks_def_member(a, c->old_field) && !ks_def_member(b, c->old_field) &&
				      ks_def_member(b, c->field) && !ks_def_member(a, c->field),
				      "bad field_renamed %s", c->field);
	}
	KS_FUZZ_CHECK(ndecl == df->ndecl, "ndecl %zu, counted %zu", df->ndecl, ndecl);
	ks_diff_free(df);
}

/* the C type reader: an error is KS_EFORMAT with no type */
static void ctype_one(const char *text, size_t len)
{
	struct ks_ct_arena *a = ks_ct_arena_new();
	struct ks_ct_abi abi;
	struct ks_ctype *t = NULL;
	int err;

	ks_ct_abi_for(&abi, "x86_64");
	err = ks_ctype_parse(a, text, len, &abi, &t);
	KS_FUZZ_CHECK(err ? err == KS_EFORMAT && !t : t != NULL, "ks_ctype_parse returned %d", err);
	ks_err_clear();
	ks_ct_arena_free(a);
}

static void decl_one(const char *line)
{
	struct ks_ct_arena *a = ks_ct_arena_new();
	struct ks_ct_abi abi;
	struct ks_ctype *t = NULL;
	const char *name;
	int err;

	ks_ct_abi_for(&abi, "aarch64");
	err = ks_ctype_parse_decl(a, line, &abi, &t, &name);
	KS_FUZZ_CHECK(err ? err == KS_EFORMAT && !t : t != NULL && name != NULL,
		      "ks_ctype_parse_decl returned %d", err);
	ks_err_clear();
	ks_ct_arena_free(a);
}

static struct ks_def *parse_one(const char *text, size_t len)
{
	struct ks_def *d = NULL;
	int err = ks_canon_parse(&d, text, len);
	size_t i;

	ctype_one(text, len);
	if (err) {
		KS_FUZZ_CHECK(err == KS_EFORMAT && !d, "ks_canon_parse returned %d", err);
		ks_err_clear();
		return NULL;
	}
	KS_FUZZ_CHECK(d->kind && d->name, "definition without kind or name");
	KS_FUZZ_CHECK(ks_kind_canonical(d->kind) != NULL, "kind '%s'", d->kind);
	for (i = 0; i < d->n; i++) {
		const struct ks_member *m = &d->members[i];
		char *again;

		KS_FUZZ_CHECK(m->name && m->decl, "member %zu without name or decl", i);
		KS_FUZZ_CHECK(!strchr(m->decl, '\n') && !strchr(m->name, '\n'),
			      "a member spans lines");
		/* the declarator reader is total on what the parser gives it */
		again = ks_decl_name(m->decl);
		free(again);
	}
	/* a definition does not differ from itself */
	if (names_unique(d)) {
		struct ks_diff *df = ks_diff_defs(d, d);

		KS_FUZZ_CHECK(df->n == 0, "%s %s differs from itself (%zu changes, "
			      "first %s of %s)", d->kind, d->name, df->n,
			      ks_change_kind_name(df->changes[0].kind),
			      df->changes[0].field);
		ks_diff_free(df);
	}
	check_diff(d, d);
	return d;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	const char *nul = memchr(text, '\0', size);
	struct ks_def *a, *b;

	if (!nul) {
		ks_def_free(parse_one(text, size));
		/* every line alone, through the declarator reader */
		{
			char *copy = ks_xstrndup(text, size), *line, *save = NULL;

			for (line = strtok_r(copy, "\n", &save); line;
			     line = strtok_r(NULL, "\n", &save)) {
				free(ks_decl_name(line));
				decl_one(line);
			}
			free(copy);
		}
		return 0;
	}
	a = parse_one(text, (size_t)(nul - text));
	b = parse_one(nul + 1, size - (size_t)(nul - text) - 1);
	if (a && b) {
		check_diff(a, b);
		check_diff(b, a);
	}
	ks_def_free(a);
	ks_def_free(b);
	return 0;
}
