#include <string.h>

#include "cmd.h"
#include "ks_err.h"

static const char *const releases_usage[] = {
	"kstruct releases [--lineage LINEAGE] [--format text|json]",
	NULL,
};

int do_releases(int argc, char **argv)
{
	enum out_format fmt = FMT_TEXT;
	const char *lineage = NULL;
	struct ks_release_list *list;
	struct ks_store *store;
	size_t i;
	int n, k, err;
	const struct ks_opt opts[] = {
		KS_OPT_STRING(0, "lineage", "LINEAGE", &lineage,
			      "only this lineage (e.g. debian/x86_64/generic, or centos)"),
		OPT_FORMAT(&fmt),
		KS_OPT_END,
	};
	const struct ks_opt_cmd cmd = {
		.prog = KS_PROG,
		.name = "releases",
		.usage = releases_usage,
		.desc = "Lists the releases in the store, per lineage, in kernel version order,\n"
			"with how many structs and unions each defines.\n",
		.opts = opts,
	};

	if ((err = parse_opts(&cmd, argc, argv, &n)) >= 0)
		return err;
	if (n)
		return usage_err(&cmd, "unexpected argument '%s'", argv[1]);
	if ((err = open_store_lineage(&store, &lineage)))
		return err;
	err = ks_store_list_releases(store, lineage, &list);
	if (err) {
		ks_store_free(store);
		return fail(err);
	}
	if (fmt == FMT_JSON) {
		struct ks_json j;

		ks_json_init(&j, stdout);
		ks_json_begin_array(&j, NULL);
		for (i = 0; i < list->n; i++) {
			const struct ks_release_info *r = &list->items[i];

			ks_json_begin_object(&j, NULL);
			ks_json_put_str(&j, "release", r->release);
			ks_json_put_str(&j, "lineage", r->lineage);
			ks_json_put_str(&j, "arch", r->arch);
			ks_json_put_str(&j, "flavor", r->flavor);
			ks_json_put_str(&j, "distro", r->distro);
			ks_json_put_str(&j, "upstream", r->upstream);
			ks_json_put_uint(&j, "structs", r->nstructs);
			ks_json_put_uint(&j, "unions", r->nunions);
			/* every kind its import recorded, none for the others:
			 * a kind missing here was not recorded, one with 0 is
			 * absent from that kernel */
			ks_json_begin_object(&j, "kinds");
			for (k = 0; k < KS_KIND_COUNT; k++)
				if (r->recorded & (1u << k))
					ks_json_put_uint(&j, ks_kind_name((enum ks_kind)k),
							 r->count[k]);
			ks_json_end_object(&j);
			ks_json_put_str(&j, "commit", r->commit);
			ks_json_put_str(&j, "btf_sha256", r->btf_sha256);
			ks_json_end_object(&j);
		}
		ks_json_end_array(&j);
		err = ks_json_finish(&j);
	} else if (!list->n) {
		if (lineage)
			printf("no releases in lineage %s\n", lineage);
		else
			printf("the store %s is empty; add a kernel with 'kstruct import FILE'\n",
			       ks_store_path(store));
	} else {
		int w = 7;

		for (i = 0; i < list->n; i++)
			if ((int)strlen(list->items[i].release) > w)
				w = (int)strlen(list->items[i].release);
		for (i = 0; i < list->n; i++) {
			const struct ks_release_info *r = &list->items[i];

			if (!i || strcmp(r->lineage, list->items[i - 1].lineage))
				printf("%s%s\n", i ? "\n" : "", r->lineage);
			printf("  %-*s  %6lu structs  %5lu unions  %.12s\n", w, r->release,
			       r->nstructs, r->nunions, r->commit);
		}
	}
	ks_release_list_free(list);
	ks_store_free(store);
	return err ? fail(err) : EXIT_OK;
}
