/* Report pages: one struct or union across every release and lineage. */
#ifndef KS_REPORT_H
#define KS_REPORT_H

#include <stdio.h>

struct ks_matrix;
struct ks_diff;

enum ks_report_format {
	KS_REPORT_MARKDOWN,	/* GitHub renders its <details> folding */
	KS_REPORT_HTML,		/* a standalone page */
};

/* The page on @m's name. */
void ks_report_write(FILE *f, const struct ks_matrix *m, enum ks_report_format fmt);
/* A list of changes as the report shows them (the site's pair pages too). */
void ks_report_write_changes(FILE *f, const struct ks_diff *d);

#endif
