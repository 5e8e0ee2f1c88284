/* Names that one kernel defines more than once with different bodies:
 * the store keeps them as NAME, NAME~2, ... (docs/format.md). This says
 * how many bodies each name of a release has, and spells variants. */
#ifndef KS_VARIANTS_H
#define KS_VARIANTS_H

#include "ks_store.h"

struct ks_variants;

/* Reads every name of @release of @lineage (the newest when NULL). */
int ks_variants_load(struct ks_store *s, const char *lineage, const char *release,
		     struct ks_variants **out);
/* How many bodies @kind @name has in that release; 0 when none. */
unsigned int ks_variants_count(const struct ks_variants *v, const char *kind,
			       const char *name);
void ks_variants_free(struct ks_variants *v);

/* "NAME" for the first body, "NAME~N" for the others. Allocated. */
char *ks_variants_display_name(const char *name, unsigned int variant);

#endif
