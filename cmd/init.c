#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"

static const char init_usage[] =
	"usage: kstruct init [DIR]\n\n"
	"Creates an empty store: a bare git repository with kstruct's\n"
	"configuration. Without DIR, the store kstruct would use (see 'kstruct help').\n";

int do_init(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char *path;
	int c, r;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'h') {
			fputs(init_usage, stdout);
			return EXIT_OK;
		}
		return bad_option("init", argv);
	}
	if (argc - optind > 1)
		return usage_err("init", "too many arguments");
	path = argc - optind == 1 ? strdup(argv[optind]) : ks_store_locate(g_opts.store);
	r = ks_store_init(path);
	if (r < 0) {
		free(path);
		return fail(r);
	}
	printf(r ? "%s is already a kstruct store\n" : "created empty kstruct store in %s\n",
	       path);
	free(path);
	return EXIT_OK;
}
