#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"

static const char remote_usage[] =
	"usage: kstruct remote add NAME URL\n"
	"       kstruct remote remove NAME\n"
	"       kstruct remote [list]\n\n"
	"Names other stores to sync with. URL is a path, file://, git://, ssh://\n"
	"(or user@host:path) or https:// address of a git repository.\n";

int do_remote(int argc, char **argv)
{
	struct ks_store *store;
	const char *sub = argc > 1 ? argv[1] : "list";
	int err = 0;

	if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		fputs(remote_usage, stdout);
		return EXIT_OK;
	}
	if (!strcmp(sub, "add") && argc != 4)
		return usage_err("remote", "remote add takes NAME and URL");
	if ((!strcmp(sub, "remove") || !strcmp(sub, "rm")) && argc != 3)
		return usage_err("remote", "remote remove takes NAME");
	if (!strcmp(sub, "list") && argc > 2)
		return usage_err("remote", "remote list takes no arguments");
	if (strcmp(sub, "add") && strcmp(sub, "remove") && strcmp(sub, "rm") && strcmp(sub, "list"))
		return usage_err("remote", "unknown remote command '%s' (add, remove, list)", sub);
	if ((err = open_store(&store)))
		return err;
	if (!strcmp(sub, "add")) {
		err = ks_store_remote_add(store, argv[2], argv[3]);
	} else if (!strcmp(sub, "list")) {
		char **names, **urls;
		size_t n, i;

		err = ks_store_remote_list(store, &names, &urls, &n);
		for (i = 0; !err && i < n; i++)
			printf("%s\t%s\n", names[i], urls[i]);
		if (!err) {
			ks_strv_free(names, n);
			ks_strv_free(urls, n);
		}
	} else {
		err = ks_store_remote_remove(store, argv[2]);
	}
	ks_store_free(store);
	return err ? fail(err) : EXIT_OK;
}
