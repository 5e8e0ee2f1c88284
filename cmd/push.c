#include <string.h>

#include "cmd.h"

static const char *const push_usage[] = { "kstruct push [REMOTE]", NULL };

static const struct ks_opt_cmd push_cmd = {
	.prog = KS_PROG,
	.name = "push",
	.usage = push_usage,
	.desc = "Sends this store's releases to REMOTE (a remote's name, default origin, or\n"
		"a URL; a bare git repository). It fetches first, so that the lineage\n"
		"branches it sends hold the releases of both sides; a release with other\n"
		"content there stops the push before anything is sent. Release tags are\n"
		"never forced; lineage branches are (they are derived from the tags).\n",
};

int do_push(int argc, char **argv)
{
	struct ks_sync_opts o;
	struct ks_sync_result r;
	struct ks_store *store;
	const char *remote;
	int err = sync_begin(&push_cmd, argc, argv, &remote, &store);

	if (err >= 0)
		return err;
	sync_opts_init(&o);
	err = ks_store_push(store, remote, &o, &r);
	if (!err)
		sync_report("push (fetched first)", &o, &r);
	if (!err)
		printf("push: %s is up to date with this store\n", remote);
	ks_sync_result_free(&r);
	ks_store_free(store);
	return err ? fail(err) : EXIT_OK;
}
