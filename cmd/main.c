/* kstruct: the command table and the global options. Each subcommand
 * lives in its own file and parses its own arguments. */
#include <bpf/libbpf.h>
#include <git2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "ks_buf.h"
#include "ks_err.h"

struct global_opts g_opts;

static const struct cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
	int net;	/* talks to other stores: loads TLS certificates */
} commands[] = {
	{ "help", do_help, "show help for kstruct or a command", 0 },
	{ "init", do_init, "create an empty store", 0 },
	{ "import", do_import, "record kernel BTF as releases in the store", 0 },
	{ "releases", do_releases, "list the releases in the store", 0 },
	{ "show", do_show, "print a struct or union as one release defines it", 0 },
	{ "log", do_log, "how a struct or union changed, release by release", 0 },
	{ "blame", do_blame, "in which release each field (or one field) got its form", 0 },
	{ "diff", do_diff, "what changed between two releases", 0 },
	{ "grep", do_grep, "which types or members match a pattern, and in which releases", 0 },
	{ "check", do_check, "on which releases an eBPF object loads and reads what it means", 0 },
	{ "status", do_status, "a struct in every release, arch and flavor", 0 },
	{ "report", do_report, "a struct's page: status, definitions, differences", 0 },
	{ "site", do_site, "a static HTML site of the whole store", 0 },
	{ "config", do_config, "show or set the regular lineage", 0 },
	{ "clone", do_clone, "make a store from another one", 1 },
	{ "remote", do_remote, "name the stores to sync with", 1 },
	{ "fetch", do_fetch, "bring in another store's releases", 1 },
	{ "pull", do_pull, "the same as fetch", 1 },
	{ "push", do_push, "send this store's releases to another one", 1 },
	{ "upgrade", do_upgrade, "bring a store of an older format to this one's", 0 },
	{ "gc", do_gc, "pack the store's objects with deltas (done by itself after writes)", 0 },
	{ NULL, NULL, NULL, 0 },
};

static const char *const main_usage[] = {
	"kstruct [--store DIR] COMMAND [ARGS]",
	"kstruct --version | --help",
	NULL,
};

static const char main_desc[] = "Kernel struct layouts, one git commit per kernel release.\n";

static const char main_footer[] =
	"The store is --store DIR, else $KSTRUCT_STORE, else the nearest .kstruct\n"
	"folder upward from here, else ${XDG_DATA_HOME:-~/.local/share}/kstruct.\n"
	"'kstruct COMMAND --help' describes a command; 'man kstruct' (docs/kstruct.1)\n"
	"all of them.\n";

static int show_version;

static const struct ks_opt main_opts[] = {
	KS_OPT_STRING(0, "store", "DIR", &g_opts.store, "the store to use (see below)"),
	KS_OPT_FLAG(0, "version", &show_version, "print the versions of kstruct and its libraries"),
	KS_OPT_END,
};

/* Stops at the command's name: what follows is the command's to parse. */
static const struct ks_opt_cmd main_cmd = {
	.prog = KS_PROG,
	.usage = main_usage,
	.desc = main_desc,
	.opts = main_opts,
	.flags = KS_OPT_STOP_AT_ARG,
};

/* The generated help with the command list between the options and the
 * words on the store. */
static void usage(FILE *f)
{
	struct ks_buf b = KS_BUF_INIT;
	const struct cmd *c;

	ks_opt_help(&main_cmd, &b);
	fputs(b.p, f);
	ks_buf_free(&b);
	fputs("\nCommands:\n", f);
	for (c = commands; c->name; c++)
		fprintf(f, "  %-10s %s\n", c->name, c->summary);
	fprintf(f, "\n%s", main_footer);
}

static const char *const help_usage[] = { "kstruct help [COMMAND]", NULL };

static const struct ks_opt_cmd help_cmd = {
	.prog = KS_PROG,
	.name = "help",
	.usage = help_usage,
	.desc = "Without COMMAND, what kstruct does and its commands; with one, the\n"
		"command's help (the same as 'kstruct COMMAND --help').\n",
};

int do_help(int argc, char **argv)
{
	const struct cmd *c;
	int n, err;

	if ((err = parse_opts(&help_cmd, argc, argv, &n)) >= 0)
		return err;
	if (!n) {
		usage(stdout);
		return EXIT_OK;
	}
	for (c = commands; c->name; c++) {
		if (!strcmp(c->name, argv[1]) && c->fn != do_help) {
			char *args[] = { argv[1], "--help", NULL };

			return c->fn(2, args);
		}
	}
	return usage_err(&help_cmd, "no command '%s'", argv[1]);
}

static int libbpf_quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	(void)level;
	(void)fmt;
	(void)ap;
	/* Errors reach the user once, through our own messages. */
	return 0;
}

static const struct cmd *find_cmd(const char *word)
{
	const struct cmd *c, *hit = NULL;
	size_t n = strlen(word);
	int hits = 0;

	for (c = commands; c->name; c++) {
		if (!strcmp(c->name, word))
			return c;
		if (n && !strncmp(c->name, word, n)) {
			hit = c;
			hits++;
		}
	}
	/* Like bpftool, a unique prefix is enough ("rel" for releases). */
	return hits == 1 ? hit : NULL;
}

int main(int argc, char **argv)
{
	const struct cmd *c;
	int n, ret;

	ret = ks_opt_parse(&main_cmd, argc, argv, &n);
	if (ret == KS_OPT_HELP) {
		usage(stdout);
		return EXIT_OK;
	}
	if (ret) {
		p_err("%s", ks_err_msg());
		return EXIT_USAGE;
	}
	if (show_version) {
		printf("kstruct %s (store format %d, libgit2 %d.%d.%d, libbpf %d.%d)\n",
		       KS_VERSION, KS_STORE_FORMAT_VERSION, LIBGIT2_VER_MAJOR,
		       LIBGIT2_VER_MINOR, LIBGIT2_VER_REVISION,
		       libbpf_major_version(), libbpf_minor_version());
		return EXIT_OK;
	}
	if (!n) {
		usage(stderr);
		return EXIT_USAGE;
	}
	c = find_cmd(argv[1]);
	if (!c)
		return usage_err(&main_cmd, "'%s' is not a kstruct command", argv[1]);

	libbpf_set_print(libbpf_quiet);
	if (c->net)
		tls_enable();
	git_libgit2_init();
	ret = c->fn(n, argv + 1);
	git_libgit2_shutdown();
	return ret;
}
