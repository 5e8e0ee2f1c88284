#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "ks_buf.h"
#include "ks_canon_parse.h"
#include "ks_diff.h"
#include "ks_err.h"
#include "ks_variants.h"
#include "ks_kind.h"
#include "ks_snapshot.h"

static const char *const diff_usage[] = {
	"kstruct diff R1 R2 [NAME...] [--stat] [--layout] [--no-renames] [--kind K[,K...]]\n"
	"             [--lineage LINEAGE] [--format text|json]",
	NULL,
};

static int wanted(const struct ks_tree_change *c, char **names, int nnames, unsigned int kinds)
{
	int i;

	if (!(kinds & (1u << ks_kind_of(c->kind))))
		return 0;
	if (!nnames)
		return 1;
	for (i = 0; i < nnames; i++) {
		const char *n = names[i];
		const char *kind = !strncmp(n, "struct ", 7) ? "struct" :
				   !strncmp(n, "union ", 6) ? "union" : NULL;
		enum ks_kind k;
		int has;

		if (kind) {
			n += strlen(kind) + 1;
		} else if (!ks_kind_split(n, &has, &k, &n) && has) {
			kind = ks_kind_name(k);
		}
		ks_err_clear();
		if (!strcmp(n, c->name) && (!kind || !strcmp(kind, c->kind)))
			return 1;
	}
	return 0;
}

/* The kinds both releases recorded: a kind one of them lacks would show
 * every definition as added or removed. */
static int recorded_both(struct ks_store *s, const char *lineage, const char *r1,
			 const char *r2, unsigned int *both, unsigned int *either)
{
	struct ks_release_list *l = NULL;
	unsigned int a = 0, b = 0;
	size_t i;
	int err = ks_store_list_releases(s, lineage, &l);

	if (err)
		return err;
	for (i = 0; i < l->n; i++) {
		if (!strcmp(l->items[i].release, r1))
			a = l->items[i].recorded;
		if (!strcmp(l->items[i].release, r2))
			b = l->items[i].recorded;
	}
	ks_release_list_free(l);
	*both = a & b;
	*either = a | b;
	return 0;
}

/* A NAME to compare must exist in at least one of the two releases. */
static int check_name(struct ks_store *s, const char *lineage, const char *r1,
		      const char *r2, const char *name)
{
	struct ks_type_text *t = NULL;
	int err = ks_store_read_type(s, lineage, r2, name, &t);

	if (err == KS_ENOTFOUND)
		err = ks_store_read_type(s, lineage, r1, name, &t) ? err : 0;
	if (!err)
		ks_err_clear();
	ks_type_text_free(t);
	return err;
}

static char *display_name(const struct ks_tree_change *c)
{
	return ks_variants_display_name(c->name, c->variant);
}

int do_diff(int argc, char **argv)
{
	enum out_format fmt = FMT_TEXT;
	const char *lineage = NULL, *r1, *r2;
	struct ks_tree_changes *tc = NULL;
	struct ks_store *store;
	struct ks_diff **diffs = NULL;
	struct ks_def **defs = NULL;
	size_t i, counts[3] = { 0 }, kcounts[KS_KIND_COUNT][3], layout_only = 0;
	const char *kind_list = NULL;
	unsigned int kinds = KS_KINDS_ALL, both = 0, either = 0, k;
	int c, n, err, stat = 0, layout = 0, no_renames = 0, nnames;
	char **names;
	const struct ks_opt opts[] = {
		KS_OPT_FLAG(0, "stat", &stat, "only the counts"),
		KS_OPT_FLAG(0, "layout", &layout,
			    "also show layout-only changes (moved fields, size)"),
		OPT_NO_RENAMES(&no_renames),
		KS_OPT_STRING(0, "kind", "KIND[,KIND...]", &kind_list,
			      "only these kinds (default: every kind both releases recorded)"),
		OPT_LINEAGE(&lineage),
		OPT_FORMAT(&fmt),
		KS_OPT_END,
	};
	const struct ks_opt_cmd cmd = {
		.prog = KS_PROG,
		.name = "diff",
		.usage = diff_usage,
		.desc = "Every struct and union that differs between releases R1 and R2 of a\n"
			"lineage: added, removed, and changed with their field changes. NAMEs\n"
			"restrict the comparison to those types.\n",
		.opts = opts,
	};

	if ((err = parse_opts(&cmd, argc, argv, &n)) >= 0)
		return err;
	if (n < 2)
		return usage_err(&cmd, "name two releases");
	if (kind_list && parse_kind_list(kind_list, &kinds))
		return usage_err(&cmd, "%s", ks_err_msg());
	memset(kcounts, 0, sizeof(kcounts));
	r1 = argv[1];
	r2 = argv[2];
	names = argv + 3;
	nnames = n - 2;
	if ((err = open_store_lineage(&store, &lineage)))
		return err;
	if (!lineage)
		lineage = ks_store_default_lineage(store);
	err = ks_store_diff_releases(store, lineage, r1, r2, !stat || !layout, &tc);
	if (!err)
		err = recorded_both(store, lineage, r1, r2, &both, &either);
	kinds &= both;
	for (c = 0; !err && c < nnames; c++)
		err = check_name(store, lineage, r1, r2, names[c]);
	if (err)
		goto out;

	/* changed types are compared field by field */
	diffs = ks_xcalloc(tc->n + 1, sizeof(*diffs));
	defs = ks_xcalloc(2 * tc->n + 2, sizeof(*defs));
	for (i = 0; i < tc->n && !err; i++) {
		const struct ks_tree_change *t = &tc->c[i];

		if (!wanted(t, names, nnames, kinds))
			continue;
		counts[t->status == 'A' ? 0 : t->status == 'D' ? 1 : 2]++;
		kcounts[ks_kind_of(t->kind)][t->status == 'A' ? 0 : t->status == 'D' ? 1 : 2]++;
		if (t->status != 'M' || (stat && layout))
			continue;
		err = ks_canon_parse_named(&defs[2 * i], t->old_text, t->old_len, t->name,
					   r1);
		if (!err)
			err = ks_canon_parse_named(&defs[2 * i + 1], t->new_text, t->new_len,
						   t->name, r2);
		if (!err) {
			diffs[i] = ks_diff_defs_flags(defs[2 * i], defs[2 * i + 1],
						      no_renames ? KS_DIFF_NO_RENAMES : 0);
			if (!diffs[i]->ndecl) {
				layout_only++;
				if (!layout)
					kcounts[ks_kind_of(t->kind)][2]--;
			}
		}
	}
	if (err)
		goto out;
	if (!layout)
		counts[2] -= layout_only;

	if (fmt == FMT_JSON) {
		struct ks_json j;
		static const char *const keys[] = { "added", "removed", "changed" };
		static const char st[] = { 'A', 'D', 'M' };
		size_t k;

		ks_json_init(&j, stdout);
		ks_json_begin_object(&j, NULL);
		ks_json_put_str(&j, "lineage", lineage);
		ks_json_put_str(&j, "from", r1);
		ks_json_put_str(&j, "to", r2);
		ks_json_begin_object(&j, "stat");
		for (k = 0; k < 3; k++)
			ks_json_put_uint(&j, keys[k], counts[k]);
		if (!layout)
			ks_json_put_uint(&j, "layout_only", layout_only);
		ks_json_end_object(&j);
		if (either & ~KS_KINDS_LEGACY) {
			/* per kind, and the kinds only one release recorded */
			ks_json_begin_object(&j, "kinds");
			for (k = 0; k < KS_KIND_COUNT; k++) {
				if (!(kinds & (1u << k)))
					continue;
				ks_json_begin_object(&j, ks_kind_name(k));
				ks_json_put_uint(&j, "added", kcounts[k][0]);
				ks_json_put_uint(&j, "removed", kcounts[k][1]);
				ks_json_put_uint(&j, "changed", kcounts[k][2]);
				ks_json_end_object(&j);
			}
			ks_json_end_object(&j);
			ks_json_begin_array(&j, "not_recorded");
			for (k = 0; k < KS_KIND_COUNT; k++)
				if ((either & ~both) & (1u << k))
					ks_json_put_str(&j, NULL, ks_kind_name(k));
			ks_json_end_array(&j);
		}
		for (k = 0; k < 3 && !stat; k++) {
			ks_json_begin_array(&j, keys[k]);
			for (i = 0; i < tc->n; i++) {
				const struct ks_tree_change *t = &tc->c[i];
				char *dn;

				if (t->status != st[k] || !wanted(t, names, nnames, kinds) ||
				    (diffs[i] && !diffs[i]->ndecl && !layout))
					continue;
				dn = display_name(t);
				ks_json_begin_object(&j, NULL);
				ks_json_put_str(&j, "name", dn);
				ks_json_put_str(&j, "kind", t->kind);
				if (t->status == 'M')
					json_changes(&j, diffs[i], layout);
				ks_json_end_object(&j);
				free(dn);
			}
			ks_json_end_array(&j);
		}
		ks_json_end_object(&j);
		err = ks_json_finish(&j);
		goto out;
	}

	out_begin(fmt);
	printf("%s%s -> %s%s  %s(%s)%s: %zu added, %zu removed, %zu changed",
	       col(C_BOLD), r1, r2, col(C_RESET), col(C_DIM), lineage, col(C_RESET),
	       counts[0], counts[1], counts[2]);
	if (layout_only && !layout)
		printf(", %zu with layout-only changes (--layout)", layout_only);
	putchar('\n');
	if (either & ~KS_KINDS_LEGACY) {
		size_t nk = 0;

		/* per kind, when more than one kind changed */
		for (k = 0; k < KS_KIND_COUNT; k++)
			nk += kcounts[k][0] + kcounts[k][1] + kcounts[k][2] > 0;
		for (k = 0; k < KS_KIND_COUNT && nk > 1; k++)
			if (kcounts[k][0] + kcounts[k][1] + kcounts[k][2])
				printf("    %-10s %zu added, %zu removed, %zu changed\n", ks_kind_name(k),
				       kcounts[k][0], kcounts[k][1], kcounts[k][2]);
		for (k = 0; k < KS_KIND_COUNT; k++)
			if ((either & ~both) & (1u << k))
				printf("    %s%-10s not recorded in both releases: not compared%s\n",
				       col(C_DIM), ks_kind_name(k), col(C_RESET));
	}
	for (i = 0; i < tc->n && !stat; i++) {
		const struct ks_tree_change *t = &tc->c[i];
		char *dn;

		if (!wanted(t, names, nnames, kinds) || (diffs[i] && !diffs[i]->ndecl && !layout))
			continue;
		dn = display_name(t);
		if (t->status == 'A')
			printf("%sadded    %s %s%s\n", col(C_GREEN), t->kind, dn, col(C_RESET));
		else if (t->status == 'D')
			printf("%sremoved  %s %s%s\n", col(C_RED), t->kind, dn, col(C_RESET));
		else {
			printf("%schanged  %s %s%s\n", col(C_YELLOW), t->kind, dn, col(C_RESET));
			print_changes(diffs[i], layout, "    ");
		}
		free(dn);
	}
	out_end();
out:
	for (i = 0; tc && i < tc->n; i++) {
		ks_diff_free(diffs ? diffs[i] : NULL);
		if (defs) {
			ks_def_free(defs[2 * i]);
			ks_def_free(defs[2 * i + 1]);
		}
	}
	free(diffs);
	free(defs);
	ks_tree_changes_free(tc);
	ks_store_free(store);
	return err ? fail(err) : EXIT_OK;
}
