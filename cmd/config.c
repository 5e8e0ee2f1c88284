#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "ks_err.h"

static const char config_usage[] =
	"usage: kstruct config [regular [ARCH/FLAVOR]]\n\n"
	"Shows or sets the store's settings. One so far:\n\n"
	"  regular ARCH/FLAVOR   the lineage that commands read when none is named,\n"
	"                        and that status and report compare the other arches\n"
	"                        and flavors with (default x86_64/generic)\n\n"
	"Without a value, prints the setting; without a name, all of them.\n";

int do_config(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct ks_store *store = NULL;
	int c, n, err;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'h') {
			fputs(config_usage, stdout);
			return EXIT_OK;
		}
		return bad_option("config", argv);
	}
	n = argc - optind;
	if (n > 2)
		return usage_err("config", "too many arguments");
	if (n >= 1 && strcmp(argv[optind], "regular"))
		return usage_err("config", "unknown setting '%s' (known: regular)",
				 argv[optind]);
	if (n == 2 && (err = ks_store_check_lineage(argv[optind + 1])))
		return fail(err);
	if ((err = open_store(&store)))
		return err;
	if (n < 2) {
		printf(n ? "%s\n" : "regular %s\n", ks_store_default_lineage(store));
		ks_store_free(store);
		return EXIT_OK;
	}
	err = ks_store_set_default_lineage(store, argv[optind + 1]);
	if (!err) {
		char **lineages = NULL;
		size_t nl = 0, i;
		int known = 0;

		/* allowed before its first import, but worth a word */
		if (!ks_store_list_lineages(store, &lineages, &nl)) {
			for (i = 0; i < nl; i++)
				known |= !strcmp(lineages[i], argv[optind + 1]);
			if (!known)
				fprintf(stderr, "kstruct: note: no release of %s in the store yet\n",
					argv[optind + 1]);
			ks_strv_free(lineages, nl);
		}
	}
	ks_store_free(store);
	return err ? fail(err) : EXIT_OK;
}
