#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "ks_err.h"

static const char *const config_usage[] = { "kstruct config [regular [LINEAGE]]", NULL };

static const struct ks_opt_cmd config_cmd = {
	.prog = KS_PROG,
	.name = "config",
	.usage = config_usage,
	.desc = "Shows or sets the store's settings. One so far:\n\n"
		"  regular LINEAGE   the lineage (DISTRO/ARCH/FLAVOR, or a part naming one)\n"
		"                    that commands read when none is named, and that status\n"
		"                    and report compare the other lineages with (default: the\n"
		"                    only DISTRO/x86_64/generic, else the first lineage)\n\n"
		"Without a value, prints the setting; without a name, all of them.\n",
};

int do_config(int argc, char **argv)
{
	struct ks_store *store = NULL;
	char *full = NULL;
	int n, err;

	if ((err = parse_opts(&config_cmd, argc, argv, &n)) >= 0)
		return err;
	if (n > 2)
		return usage_err(&config_cmd, "too many arguments");
	if (n >= 1 && strcmp(argv[1], "regular"))
		return usage_err(&config_cmd, "unknown setting '%s' (known: regular)", argv[1]);
	if ((err = n == 2 ? open_store_write(&store) : open_store(&store)))
		return err;
	if (n == 2 && (err = ks_store_resolve_lineage(store, argv[2], &full))) {
		ks_store_free(store);
		return fail(err);
	}
	if (n < 2) {
		printf(n ? "%s\n" : "regular %s\n", ks_store_default_lineage(store));
		ks_store_free(store);
		return EXIT_OK;
	}
	err = ks_store_set_default_lineage(store, full);
	if (!err) {
		char **lineages = NULL;
		size_t nl = 0, i;
		int known = 0;

		/* allowed before its first import, but worth a word */
		if (!ks_store_list_lineages(store, &lineages, &nl)) {
			for (i = 0; i < nl; i++)
				known |= !strcmp(lineages[i], full);
			if (!known)
				fprintf(stderr, "kstruct: note: no release of %s in the store yet\n",
					full);
			ks_strv_free(lineages, nl);
		}
	}
	free(full);
	ks_store_free(store);
	return err ? fail(err) : EXIT_OK;
}
