/* kstruct report: the page people read for one struct (render/ks_report). */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "ks_matrix.h"
#include "ks_report.h"

static const char report_usage[] =
	"usage: kstruct report NAME [--format markdown|html]\n\n"
	"The page on struct or union NAME: Status (every release of the regular\n"
	"lineage with its definition, folded, or Absent; every other arch and\n"
	"flavor at each kernel version it shares with the regular lineage), then\n"
	"Differences (each pair of consecutive releases of each lineage). Member\n"
	"offsets and sizes are in the definitions, and the release since which each\n"
	"member has had its declaration.\n\n"
	"  --format markdown|html  markdown (default; GitHub renders the folding) or a\n"
	"                          standalone HTML page\n";

int do_report(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'F' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct ks_store *store = NULL;
	struct ks_matrix *m = NULL;
	int c, err, html = 0;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'F':
			if (!strcmp(optarg, "html"))
				html = 1;
			else if (strcmp(optarg, "markdown") && strcmp(optarg, "md"))
				return usage_err("report", "unknown format '%s' (markdown or html)",
						 optarg);
			break;
		case 'h':
			fputs(report_usage, stdout);
			return EXIT_OK;
		default:
			return bad_option("report", argv);
		}
	}
	if (argc - optind != 1)
		return usage_err("report", argc - optind ? "name one struct or union" :
				 "which struct or union? (report NAME)");
	if ((err = open_store(&store)))
		return err;
	err = ks_matrix_build(store, argv[optind], &m);
	if (!err)
		ks_report_write(stdout, m, html ? KS_REPORT_HTML : KS_REPORT_MARKDOWN);
	ks_matrix_free(m);
	ks_store_free(store);
	return err ? fail(err) : EXIT_OK;
}
