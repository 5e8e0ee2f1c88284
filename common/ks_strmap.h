/* A string-keyed open-addressing map, for the caches of the walks over
 * many releases (grep, check, the checks of a fetch): each key holds a
 * pointer and a count, whichever its user needs. */
#ifndef KS_STRMAP_H
#define KS_STRMAP_H

#include <stddef.h>

struct ks_strmap_val {
	void *ptr;
	size_t n;
};

struct ks_strmap {
	char **keys;
	struct ks_strmap_val *vals;
	size_t cap, n;
};

#define KS_STRMAP_INIT { NULL, NULL, 0, 0 }

/* The value of @key, added (zeroed, the key copied) when absent; *found
 * says which. Valid until the next call that adds. */
struct ks_strmap_val *ks_strmap_slot(struct ks_strmap *m, const char *key, int *found);
/* The value of @key, or NULL. */
struct ks_strmap_val *ks_strmap_find(const struct ks_strmap *m, const char *key);
/* Frees the keys, and with @free_ptrs every value's pointer. */
void ks_strmap_free(struct ks_strmap *m, int free_ptrs);

#endif
