/* kstruct report: the page people read for one struct (render/ks_report). */
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "ks_matrix.h"
#include "ks_report.h"

static const char *const report_usage[] = { "kstruct report NAME [--format markdown|html]", NULL };

static const char report_desc[] =
	"The page on struct or union NAME: Status (every release of the regular\n"
	"lineage with its definition, folded, or Absent; every other arch and\n"
	"flavor at each kernel version it shares with the regular lineage), then\n"
	"Differences (each pair of consecutive releases of each lineage). Member\n"
	"offsets and sizes are in the definitions, and the release since which each\n"
	"member has had its declaration.\n";

static const struct ks_opt_choice report_formats[] = {
	{ "markdown", 0 },
	{ "md", 0 },
	{ "html", 1 },
	{ NULL, 0 },
};

int do_report(int argc, char **argv)
{
	struct ks_store *store = NULL;
	struct ks_matrix *m = NULL;
	int n, err, html = 0;
	const struct ks_opt opts[] = {
		KS_OPT_ENUM(0, "format", "markdown|html", &html, report_formats,
			    "markdown (default; GitHub renders the folding) or a\n"
			    "standalone HTML page"),
		KS_OPT_END,
	};
	const struct ks_opt_cmd cmd = {
		.prog = KS_PROG,
		.name = "report",
		.usage = report_usage,
		.desc = report_desc,
		.opts = opts,
	};

	if ((err = parse_opts(&cmd, argc, argv, &n)) >= 0)
		return err;
	if (n != 1)
		return usage_err(&cmd, n ? "name one struct or union" :
				 "which struct or union? (report NAME)");
	if ((err = open_store(&store)))
		return err;
	err = ks_matrix_build(store, argv[1], &m);
	if (!err)
		ks_report_write(stdout, m, html ? KS_REPORT_HTML : KS_REPORT_MARKDOWN);
	ks_matrix_free(m);
	ks_store_free(store);
	return err ? fail(err) : EXIT_OK;
}
