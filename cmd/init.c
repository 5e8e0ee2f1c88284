#include <stdlib.h>
#include <string.h>

#include "cmd.h"

static const char *const init_usage[] = { "kstruct init [DIR]", NULL };

static const struct ks_opt_cmd init_cmd = {
	.prog = KS_PROG,
	.name = "init",
	.usage = init_usage,
	.desc = "Creates an empty store: a bare git repository with kstruct's\n"
		"configuration. Without DIR, the store kstruct would use (see 'kstruct help').\n",
};

int do_init(int argc, char **argv)
{
	char *path;
	int n, r;

	if ((r = parse_opts(&init_cmd, argc, argv, &n)) >= 0)
		return r;
	if (n > 1)
		return usage_err(&init_cmd, "too many arguments");
	path = n == 1 ? strdup(argv[1]) : ks_store_locate(g_opts.store);
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
