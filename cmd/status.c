#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "ks_diff.h"
#include "ks_err.h"
#include "ks_matrix.h"

static const char *const status_usage[] = { "kstruct status NAME [--format text|json]", NULL };

static const char status_desc[] =
	"Where struct or union NAME exists: present or absent in every release of\n"
	"the regular lineage (see 'kstruct config regular'), then every release of\n"
	"each other lineage, compared where a release to compare with exists:\n"
	"  - another arch or flavor of the regular lineage's distro with the\n"
	"    regular release of the same build (version and ABI number);\n"
	"  - another distro with the upstream lineage of its arch, else with the\n"
	"    regular lineage if of the same arch, at the same upstream version.\n"
	"Each says: absent, the same definition, or how it differs (fields added,\n"
	"removed, retyped; layout).\n";

/* What @l's releases are compared with, for its heading. */
static void print_basis(const struct ks_matrix_lineage *l)
{
	printf("  %s", col(C_DIM));
	if (l->basis == KS_MATRIX_BUILD)
		printf("(against %s, the same build)", l->against->lineage);
	else if (l->basis == KS_MATRIX_UPSTREAM)
		printf("(against %s, the same upstream version)", l->against->lineage);
	else
		printf("(no upstream/%s lineage to compare with)", l->arch ? l->arch : "?");
	printf("%s\n", col(C_RESET));
}

static void print_row(const struct ks_matrix_lineage *l, const struct ks_matrix_row *r)
{
	const char *with = r->ref >= 0 ? l->against->rel[r->ref] : NULL;

	if (r->status == KS_MATRIX_ABSENT)
		printf("⚠️  absent");
	else if (r->status == KS_MATRIX_SAME)
		printf("✅ same as %s", with);
	else if (r->only_here)
		printf("⚠️  present, absent in %s", with);
	else if (r->status == KS_MATRIX_DIFFERS)
		printf("⚠️  differs from %s", with);
	else if (l->against && l->basis == KS_MATRIX_BUILD)
		printf("✅ present %s(no regular release of this build)%s", col(C_DIM), col(C_RESET));
	else if (l->against)
		printf("✅ present %s(no %s release of upstream %s)%s", col(C_DIM),
		       l->against->lineage, l->upstream[r->idx], col(C_RESET));
	else
		printf("✅ present");
	putchar('\n');
}

static void print_text(const struct ks_matrix *m)
{
	const struct ks_matrix_lineage *reg = m->regular;
	size_t i, k, w = 8, uw = 0;

	for (i = 0; i < m->n; i++)
		for (k = 0; k < m->lin[i].nrel; k++) {
			if (strlen(m->lin[i].rel[k]) > w)
				w = strlen(m->lin[i].rel[k]);
			if (strlen(m->lin[i].upstream[k]) > uw)
				uw = strlen(m->lin[i].upstream[k]);
		}
	out_begin(FMT_TEXT);
	printf("%s%s %s%s\n", col(C_BOLD), m->kind, m->name, col(C_RESET));
	printf("\n%sregular: %s%s\n", col(C_BOLD), reg->lineage, col(C_RESET));
	if (!reg->nrel)
		printf("  (no releases)\n");
	for (k = 0; k < reg->nrel; k++)
		printf("  %-*s  %s\n", (int)w, reg->rel[k], ks_matrix_def(reg, k) ?
		       "✅ present" : "⚠️  absent");
	for (i = 1; i < m->n; i++) {
		const struct ks_matrix_lineage *l = &m->lin[i];

		printf("\n%s%s%s", col(C_BOLD), l->lineage, col(C_RESET));
		print_basis(l);
		for (k = 0; k < l->nrows; k++) {
			const struct ks_matrix_row *r = &l->rows[k];

			printf("  %-*s  ", (int)w, l->rel[r->idx]);
			/* another distro's release numbers say little; its base does */
			if (l->basis != KS_MATRIX_BUILD)
				printf("%supstream %-*s%s  ", col(C_DIM), (int)uw,
				       l->upstream[r->idx], col(C_RESET));
			print_row(l, r);
			if (r->diff)
				print_changes(r->diff, 1, "      ");
		}
	}
	out_end();
}

static int print_json(const struct ks_matrix *m)
{
	const struct ks_matrix_lineage *reg = m->regular;
	struct ks_json j;
	size_t i, k;

	ks_json_init(&j, stdout);
	ks_json_begin_object(&j, NULL);
	ks_json_put_str(&j, "name", m->name);
	ks_json_put_str(&j, "kind", m->kind);
	ks_json_put_str(&j, "regular_lineage", reg->lineage);
	ks_json_begin_array(&j, "regular");
	for (k = 0; k < reg->nrel; k++) {
		ks_json_begin_object(&j, NULL);
		ks_json_put_str(&j, "release", reg->rel[k]);
		ks_json_put_str(&j, "upstream", reg->upstream[k]);
		ks_json_put_bool(&j, "present", ks_matrix_def(reg, k) != NULL);
		ks_json_end_object(&j);
	}
	ks_json_end_array(&j);
	ks_json_begin_array(&j, "lineages");
	for (i = 1; i < m->n; i++) {
		const struct ks_matrix_lineage *l = &m->lin[i];

		for (k = 0; k < l->nrows; k++) {
			const struct ks_matrix_row *r = &l->rows[k];

			ks_json_begin_object(&j, NULL);
			ks_json_put_str(&j, "lineage", l->lineage);
			ks_json_put_str(&j, "release", l->rel[r->idx]);
			ks_json_put_str(&j, "upstream", l->upstream[r->idx]);
			ks_json_put_str(&j, "basis", ks_matrix_basis_name(l->basis));
			ks_json_put_str(&j, "compared_lineage", l->against ? l->against->lineage : NULL);
			ks_json_put_str(&j, "compared_with", r->ref >= 0 ? l->against->rel[r->ref] : NULL);
			ks_json_put_str(&j, "status", ks_matrix_status_name(r->status));
			if (r->ref >= 0)
				ks_json_put_bool(&j, "present_in_compared",
						 ks_matrix_def(l->against, (size_t)r->ref) != NULL);
			else
				ks_json_put_null(&j, "present_in_compared");
			json_changes(&j, r->diff, 1);
			ks_json_end_object(&j);
		}
	}
	ks_json_end_array(&j);
	ks_json_end_object(&j);
	return ks_json_finish(&j);
}

int do_status(int argc, char **argv)
{
	enum out_format fmt = FMT_TEXT;
	struct ks_store *store = NULL;
	struct ks_matrix *m = NULL;
	int n, err;
	const struct ks_opt opts[] = {
		OPT_FORMAT(&fmt),
		KS_OPT_END,
	};
	const struct ks_opt_cmd cmd = {
		.prog = KS_PROG,
		.name = "status",
		.usage = status_usage,
		.desc = status_desc,
		.opts = opts,
	};

	if ((err = parse_opts(&cmd, argc, argv, &n)) >= 0)
		return err;
	if (n != 1)
		return usage_err(&cmd, n ? "name one struct or union" :
				 "which struct or union? (status NAME)");
	if ((err = open_store(&store)))
		return err;
	err = ks_matrix_build(store, argv[1], &m);
	if (!err) {
		if (fmt == FMT_JSON)
			err = print_json(m);
		else
			print_text(m);
	}
	ks_matrix_free(m);
	ks_store_free(store);
	return err ? fail(err) : EXIT_OK;
}
