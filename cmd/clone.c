#include <stdlib.h>
#include <string.h>

#include "cmd.h"

static const char clone_usage[] =
	"usage: kstruct clone URL [DIR]\n\n"
	"Makes a new store in DIR (default: the store kstruct would use, see\n"
	"'kstruct help') from the store at URL (a path, file://, git://, ssh:// or\n"
	"https:// address), with URL as remote \"origin\".\n";

int do_clone(int argc, char **argv)
{
	struct ks_sync_opts o;
	struct ks_sync_result r;
	char *dir;
	int err;

	if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		fputs(clone_usage, stdout);
		return EXIT_OK;
	}
	if (argc < 2 || argc > 3)
		return usage_err("clone", "clone takes URL and an optional DIR");
	dir = argc == 3 ? strdup(argv[2]) : ks_store_locate(g_opts.store);
	sync_opts_init(&o);
	err = ks_store_clone(argv[1], dir, &o, &r);
	if (!err) {
		sync_report("clone", &o, &r);
		printf("cloned %s into %s\n", argv[1], dir);
	}
	ks_sync_result_free(&r);
	free(dir);
	return err ? fail(err) : EXIT_OK;
}
