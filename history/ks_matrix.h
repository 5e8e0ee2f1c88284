/* One name in every lineage, as `status`, `report` and the site show it:
 * the regular lineage's releases, each other arch and flavor of its
 * distro compared with the regular release of the same build, and each
 * other distro's releases compared with upstream's (or the regular
 * lineage's) release of the same upstream version. */
#ifndef KS_MATRIX_H
#define KS_MATRIX_H

#include <stddef.h>

#include "ks_defs.h"
#include "ks_diff.h"

enum ks_matrix_status {
	KS_MATRIX_ABSENT,	/* not defined in this release */
	KS_MATRIX_SAME,		/* the same text as the release compared with */
	KS_MATRIX_DIFFERS,	/* another text, or absent there */
	KS_MATRIX_PRESENT,	/* defined; no release to compare with */
};

/* What a lineage's releases are lined up with. */
enum ks_matrix_basis {
	KS_MATRIX_NONE,		/* nothing: the regular lineage, or no match */
	KS_MATRIX_BUILD,	/* the regular lineage, same distro: same build */
	KS_MATRIX_UPSTREAM,	/* another distro's: same upstream version */
};

struct ks_matrix_row {
	int idx;		/* the release, in its lineage */
	int ref;		/* the release compared with, in l->against; -1 none */
	enum ks_matrix_status status;
	int only_here;		/* present here, absent in the release compared with */
	struct ks_diff *diff;	/* both present, other text */
};

struct ks_matrix_lineage {
	char *lineage;
	char *distro, *arch, *flavor;	/* its parts */
	struct ks_defs d;	/* d.h is NULL when no release defines the name */
	char **rel;		/* every release, oldest first */
	char **upstream;	/* the upstream version each is based on */
	size_t nrel;
	/* The lineage compared with: the regular one for another arch or
	 * flavor of its distro, else an upstream lineage of the same arch,
	 * else the regular one if of the same arch; NULL for the regular
	 * lineage itself and when none fits. */
	const struct ks_matrix_lineage *against;
	enum ks_matrix_basis basis;
	struct ks_matrix_row *rows;	/* one per release, in order */
	size_t nrows;
};

struct ks_matrix {
	const char *name;	/* as the store spells it */
	const char *kind;	/* "struct", "union", "enum", ... */
	unsigned int variant;	/* N of NAME~N, 1 for the first definition */
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

/* "absent", "same", "differs", "present". */
const char *ks_matrix_status_name(enum ks_matrix_status st);
/* The definition in release @i of @l, or NULL when absent. */
const struct ks_def *ks_matrix_def(const struct ks_matrix_lineage *l, size_t i);
/* "build", "upstream", "none". */
const char *ks_matrix_basis_name(enum ks_matrix_basis b);
/* The release of @against to compare release @rel (based on upstream
 * @up) with: for KS_MATRIX_BUILD the one of the same version and ABI
 * number (ks_distro_abi); else, and for KS_MATRIX_UPSTREAM, the newest of
 * the same upstream version, else the newest of its series where one
 * side names only the series (ks_distro_upstream_match); -1 when none. */
int ks_matrix_counterpart(const struct ks_matrix_lineage *against, enum ks_matrix_basis b,
			  const char *rel, const char *up);

#endif
