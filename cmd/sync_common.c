/* What clone, fetch, pull and push print: a progress line on a terminal,
 * the outcome, and every conflict. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"

static void progress_line(const char *line, void *payload)
{
	(void)payload;
	fprintf(stderr, "\r%s\033[K", line);
}

void sync_opts_init(struct ks_sync_opts *o)
{
	struct ks_sync_opts init = KS_SYNC_OPTS_INIT;

	*o = init;
	/* a server that hangs up is an error to report, not a signal */
	signal(SIGPIPE, SIG_IGN);
	if (isatty(STDERR_FILENO))
		o->progress = progress_line;
}

void sync_report(const char *what, const struct ks_sync_opts *o,
		 const struct ks_sync_result *r)
{
	size_t i;

	if (o->progress)
		fputs("\r\033[K", stderr);
	for (i = 0; i < r->nmessages; i++)
		fprintf(stderr, "kstruct: %s\n", r->messages[i]);
	printf("%s: %zu new release%s, %zu already here", what, r->added,
	       r->added == 1 ? "" : "s", r->present);
	if (r->conflicts)
		printf(", %zu conflict%s", r->conflicts, r->conflicts == 1 ? "" : "s");
	if (r->objects || r->bytes)
		printf(" (%u objects, %.1f KiB received)", r->objects, r->bytes / 1024.0);
	putchar('\n');
}

int sync_begin(const struct ks_opt_cmd *cmd, int argc, char **argv, const char **remote,
	       struct ks_store **store)
{
	int n, err;

	*store = NULL;
	if ((err = parse_opts(cmd, argc, argv, &n)) >= 0)
		return err;
	if (n > 1)
		return usage_err(cmd, "%s takes at most one REMOTE", cmd->name);
	*remote = n ? argv[1] : "origin";
	if ((err = open_store_write(store)))
		return err;
	return -1;
}
