#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "ks_diff.h"
#include "ks_err.h"

static const char *const status_usage[] = { "kstruct status NAME [--format text|json]", NULL };

static const char status_desc[] =
	"Where struct or union NAME exists: present or absent in every release of\n"
	"the regular lineage (see 'kstruct config regular'), then every other arch\n"
	"and flavor at each kernel version it shares with the regular lineage:\n"
	"absent, the same definition, or how it differs (fields added, removed,\n"
	"retyped; layout) from the regular release of that version.\n";

static void print_text(const struct matrix *m)
{
	const struct mx_lineage *reg = m->regular;
	size_t i, k, w = 8;

	for (i = 0; i < m->n; i++)
		for (k = 0; k < m->lin[i].nrel; k++)
			if (strlen(m->lin[i].rel[k]) > w)
				w = strlen(m->lin[i].rel[k]);
	out_begin(FMT_TEXT);
	printf("%s%s %s%s\n", col(C_BOLD), m->kind, m->name, col(C_RESET));
	printf("\n%sregular: %s%s\n", col(C_BOLD), reg->lineage, col(C_RESET));
	if (!reg->nrel)
		printf("  (no releases)\n");
	for (k = 0; k < reg->nrel; k++)
		printf("  %-*s  %s\n", (int)w, reg->rel[k], mx_def(reg, k) ?
		       "✅ present" : "⚠️  absent");
	for (i = 1; i < m->n; i++) {
		const struct mx_lineage *l = &m->lin[i];

		printf("\n%s%s%s\n", col(C_BOLD), l->lineage, col(C_RESET));
		if (!l->nrows)
			printf("  %s(no release of a kernel version the regular lineage has)%s\n",
			       col(C_DIM), col(C_RESET));
		for (k = 0; k < l->nrows; k++) {
			const struct mx_row *r = &l->rows[k];

			printf("  %-*s  ", (int)w, l->rel[r->idx]);
			if (r->status == MX_ABSENT)
				printf("⚠️  absent");
			else if (r->status == MX_SAME)
				printf("✅ same as %s", reg->rel[r->reg]);
			else if (r->only_here)
				printf("⚠️  present, absent in %s", reg->rel[r->reg]);
			else
				printf("⚠️  differs from %s", reg->rel[r->reg]);
			putchar('\n');
			if (r->diff)
				print_changes(r->diff, 1, "      ");
		}
	}
	out_end();
}

static void print_json(const struct matrix *m)
{
	const struct mx_lineage *reg = m->regular;
	struct json j;
	size_t i, k;

	json_init(&j, stdout);
	json_obj_begin(&j, NULL);
	json_str(&j, "name", m->name);
	json_str(&j, "kind", m->kind);
	json_str(&j, "regular_lineage", reg->lineage);
	json_arr_begin(&j, "regular");
	for (k = 0; k < reg->nrel; k++) {
		json_obj_begin(&j, NULL);
		json_str(&j, "release", reg->rel[k]);
		json_bool(&j, "present", mx_def(reg, k) != NULL);
		json_obj_end(&j);
	}
	json_arr_end(&j);
	json_arr_begin(&j, "lineages");
	for (i = 1; i < m->n; i++) {
		const struct mx_lineage *l = &m->lin[i];

		for (k = 0; k < l->nrows; k++) {
			const struct mx_row *r = &l->rows[k];

			json_obj_begin(&j, NULL);
			json_str(&j, "lineage", l->lineage);
			json_str(&j, "release", l->rel[r->idx]);
			json_str(&j, "compared_with", reg->rel[r->reg]);
			json_str(&j, "status", mx_status_name(r->status));
			json_bool(&j, "present_in_regular", mx_def(reg, (size_t)r->reg) != NULL);
			json_changes(&j, r->diff, 1);
			json_obj_end(&j);
		}
	}
	json_arr_end(&j);
	json_obj_end(&j);
	json_finish(&j);
}

int do_status(int argc, char **argv)
{
	enum out_format fmt = FMT_TEXT;
	struct ks_store *store = NULL;
	struct matrix *m = NULL;
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
	err = matrix_build(store, argv[1], &m);
	if (!err) {
		if (fmt == FMT_JSON)
			print_json(m);
		else
			print_text(m);
	}
	matrix_free(m);
	ks_store_free(store);
	return err ? fail(err) : EXIT_OK;
}
