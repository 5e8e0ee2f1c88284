/* One name in every lineage, as `status`, `report` and the site show it:
 * the regular lineage's releases, and each other lineage's releases
 * compared with the regular release of the same kernel version. */
#ifndef KS_MATRIX_H
#define KS_MATRIX_H

#include <stddef.h>

#include "ks_defs.h"
#include "ks_diff.h"

enum ks_matrix_status { KS_MATRIX_ABSENT, KS_MATRIX_SAME, KS_MATRIX_DIFFERS };

struct ks_matrix_row {
	int idx;		/* the release, in its lineage */
	int reg;		/* the regular release compared with */
	enum ks_matrix_status status;
	int only_here;		/* present here, absent in the regular release */
	struct ks_diff *diff;	/* both present, other text */
};

struct ks_matrix_lineage {
	char *lineage;
	struct ks_defs d;	/* d.h is NULL when no release defines the name */
	char **rel;		/* every release, oldest first */
	size_t nrel;
	struct ks_matrix_row *rows;	/* releases with a regular counterpart */
	size_t nrows;
};

struct ks_matrix {
	const char *name;	/* as the store spells it */
	const char *kind;	/* "struct" or "union" */
	struct ks_matrix_lineage *lin;	/* the regular lineage first */
	size_t n;
	struct ks_matrix_lineage *regular;
};

/* KS_ENOTFOUND (with suggestions) when no release of any lineage defines
 * NAME. */
int ks_matrix_build(struct ks_store *s, const char *name, struct ks_matrix **out);
/* Compares lineages 1.. with lin[0] and names the matrix: for a matrix
 * whose lineages were filled in elsewhere (the site). */
void ks_matrix_finish(struct ks_matrix *m);
void ks_matrix_free(struct ks_matrix *m);
/* Frees what one lineage holds (for matrices made elsewhere). */
void ks_matrix_lineage_free(struct ks_matrix_lineage *l);

/* "absent", "same", "differs". */
const char *ks_matrix_status_name(enum ks_matrix_status st);
/* The definition in release @i of @l, or NULL when absent. */
const struct ks_def *ks_matrix_def(const struct ks_matrix_lineage *l, size_t i);
/* The release of the regular lineage @reg to compare release @rel of
 * another lineage with: the same version with the distro's ABI number,
 * else the newest of the same upstream version; -1 when none. */
int ks_matrix_counterpart(const struct ks_matrix_lineage *reg, const char *rel);

#endif
