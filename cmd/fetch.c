#include <string.h>

#include "cmd.h"
#include "ks_err.h"

static const char *const fetch_usage[] = {
	"kstruct fetch [REMOTE]",
	"kstruct pull [REMOTE]",
	NULL,
};

static const char fetch_desc[] =
	"Brings in the releases REMOTE (a remote's name, default origin, or a URL)\n"
	"has and this store lacks, and re-links the lineages. Releases never change,\n"
	"so there is nothing to merge: fetch and pull do the same. A release with\n"
	"other content there than here is reported as a conflict and left as it is\n"
	"here (exit status 1).\n";

static const struct ks_opt_cmd fetch_cmd = {
	.prog = KS_PROG, .name = "fetch", .usage = fetch_usage, .desc = fetch_desc,
};

static const struct ks_opt_cmd pull_cmd = {
	.prog = KS_PROG, .name = "pull", .usage = fetch_usage, .desc = fetch_desc,
};

static int run(const struct ks_opt_cmd *cmd, int argc, char **argv)
{
	struct ks_sync_opts o;
	struct ks_sync_result r;
	struct ks_store *store;
	const char *remote;
	int err = sync_begin(cmd, argc, argv, &remote, &store);

	if (err >= 0)
		return err;
	sync_opts_init(&o);
	err = ks_store_fetch(store, remote, &o, &r);
	if (!err) {
		sync_report(cmd->name, &o, &r);
		if (r.conflicts)
			err = ks_err_set(KS_ECONFLICT, "%zu release%s differ between this store "
					 "and %s", r.conflicts, r.conflicts > 1 ? "s" : "", remote);
	}
	if (!err && r.added)
		gc_auto(ks_store_path(store));
	ks_sync_result_free(&r);
	ks_store_free(store);
	return err ? fail(err) : EXIT_OK;
}

int do_fetch(int argc, char **argv)
{
	return run(&fetch_cmd, argc, argv);
}

int do_pull(int argc, char **argv)
{
	return run(&pull_cmd, argc, argv);
}
