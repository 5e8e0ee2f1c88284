#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "ks_err.h"

static const char *const remote_usage[] = {
	"kstruct remote add NAME URL",
	"kstruct remote remove NAME",
	"kstruct remote [list]",
	NULL,
};

static const struct ks_opt_cmd remote_cmd = {
	.prog = KS_PROG,
	.name = "remote",
	.usage = remote_usage,
	.desc = "Names other stores to sync with. URL is a path, file://, git://, ssh://\n"
		"(or user@host:path) or https:// address of a git repository.\n",
};

int do_remote(int argc, char **argv)
{
	struct ks_store *store;
	const char *sub;
	int n, err = 0;

	/* the subcommands take no options either: one table for all three */
	if ((err = parse_opts(&remote_cmd, argc, argv, &n)) >= 0)
		return err;
	sub = n ? argv[1] : "list";
	if (!strcmp(sub, "add") && n != 3)
		return usage_err(&remote_cmd, "remote add takes NAME and URL");
	if ((!strcmp(sub, "remove") || !strcmp(sub, "rm")) && n != 2)
		return usage_err(&remote_cmd, "remote remove takes NAME");
	if (!strcmp(sub, "list") && n > 1)
		return usage_err(&remote_cmd, "remote list takes no arguments");
	if (strcmp(sub, "add") && strcmp(sub, "remove") && strcmp(sub, "rm") && strcmp(sub, "list"))
		return usage_err(&remote_cmd, "unknown remote command '%s' (add, remove, list)",
				 sub);
	if ((err = strcmp(sub, "list") ? open_store_write(&store) : open_store(&store)))
		return err;
	if (!strcmp(sub, "add")) {
		err = ks_store_remote_add(store, argv[2], argv[3]);
	} else if (!strcmp(sub, "list")) {
		char **names, **urls;
		size_t n, i;

		err = ks_store_remote_list(store, &names, &urls, &n);
		for (i = 0; !err && i < n; i++) {
			ks_redact_credentials(urls[i]);	/* a listing is shown too */
			printf("%s\t%s\n", names[i], urls[i]);
		}
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
