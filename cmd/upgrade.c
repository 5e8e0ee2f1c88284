#include <stdio.h>
#include <stdlib.h>

#include "cmd.h"
#include "ks_err.h"

static const char *const upgrade_usage[] = { "kstruct upgrade", NULL };

static const struct ks_opt_cmd upgrade_cmd = {
	.prog = KS_PROG,
	.name = "upgrade",
	.usage = upgrade_usage,
	.desc = "Upgrades the store in place to the store format of this kstruct (2:\n"
		"lineages are DISTRO/ARCH/FLAVOR). Every release keeps its snapshot; the\n"
		"distro of each is found from its release name, else it is 'unknown'. The\n"
		"old refs are removed only once the new ones are complete, so a killed\n"
		"upgrade leaves a working store, and running it again completes it. Every\n"
		"command that writes to an old store does this first.\n",
};

int do_upgrade(int argc, char **argv)
{
	struct ks_store *store = NULL;
	struct ks_upgrade_result r;
	int n, err;

	if ((err = parse_opts(&upgrade_cmd, argc, argv, &n)) >= 0)
		return err;
	if (n)
		return usage_err(&upgrade_cmd, "unexpected argument '%s'", argv[1]);
	{
		char *path = ks_store_locate(g_opts.store);

		err = ks_store_open(&store, path);
		free(path);
		if (err)
			return fail(err);
	}
	err = ks_store_upgrade(store, &r);
	if (!err && r.upgraded)
		printf("upgraded %s to format %d: %zu releases in %zu lineages\n",
		       ks_store_path(store), KS_STORE_FORMAT_VERSION, r.releases, r.lineages);
	else if (!err)
		printf("%s is in format %d already\n", ks_store_path(store),
		       KS_STORE_FORMAT_VERSION);
	ks_store_free(store);
	return err ? fail(err) : EXIT_OK;
}
