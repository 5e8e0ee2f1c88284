#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "ks_err.h"

static const char *const clone_usage[] = { "kstruct clone URL [DIR]", NULL };

static const struct ks_opt_cmd clone_cmd = {
	.prog = KS_PROG,
	.name = "clone",
	.usage = clone_usage,
	.desc = "Makes a new store in DIR (default: the store kstruct would use, see\n"
		"'kstruct help') from the store at URL (a path, file://, git://, ssh:// or\n"
		"https:// address), with URL as remote \"origin\".\n",
};

int do_clone(int argc, char **argv)
{
	struct ks_sync_opts o;
	struct ks_sync_result r;
	char *dir;
	int n, err;

	if ((err = parse_opts(&clone_cmd, argc, argv, &n)) >= 0)
		return err;
	if (n < 1 || n > 2)
		return usage_err(&clone_cmd, "clone takes URL and an optional DIR");
	dir = n == 2 ? strdup(argv[2]) : ks_store_locate(g_opts.store);
	sync_opts_init(&o);
	err = ks_store_clone(argv[1], dir, &o, &r);
	if (!err) {
		sync_report("clone", &o, &r);
		char *shown = strdup(argv[1]);

		ks_redact_credentials(shown);
		printf("cloned %s into %s\n", shown, dir);
		free(shown);
	}
	ks_sync_result_free(&r);
	free(dir);
	return err ? fail(err) : EXIT_OK;
}
