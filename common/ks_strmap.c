/* Linear probing over a power-of-two table kept at most half full. */
#include "ks_strmap.h"

#include <stdlib.h>
#include <string.h>

#include "ks_buf.h"

static size_t hash(const char *s)
{
	size_t h = 1469598103934665603ull;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ull;
	return h;
}

static size_t probe(const struct ks_strmap *m, const char *key)
{
	size_t i;

	for (i = hash(key) & (m->cap - 1); m->keys[i] && strcmp(m->keys[i], key);
	     i = (i + 1) & (m->cap - 1))
		;
	return i;
}

static void grow(struct ks_strmap *m)
{
	struct ks_strmap big = KS_STRMAP_INIT;
	size_t k, i;

	big.cap = m->cap ? 2 * m->cap : 1024;
	big.keys = ks_xcalloc(big.cap, sizeof(*big.keys));
	big.vals = ks_xcalloc(big.cap, sizeof(*big.vals));
	for (k = 0; k < m->cap; k++) {
		if (!m->keys[k])
			continue;
		i = probe(&big, m->keys[k]);
		big.keys[i] = m->keys[k];
		big.vals[i] = m->vals[k];
	}
	big.n = m->n;
	free(m->keys);
	free(m->vals);
	*m = big;
}

struct ks_strmap_val *ks_strmap_slot(struct ks_strmap *m, const char *key, int *found)
{
	size_t i;

	if (2 * (m->n + 1) > m->cap)
		grow(m);
	i = probe(m, key);
	*found = m->keys[i] != NULL;
	if (!*found) {
		m->keys[i] = ks_xstrdup(key);
		m->n++;
	}
	return &m->vals[i];
}

struct ks_strmap_val *ks_strmap_find(const struct ks_strmap *m, const char *key)
{
	size_t i;

	if (!m->cap)
		return NULL;
	i = probe(m, key);
	return m->keys[i] ? &m->vals[i] : NULL;
}

void ks_strmap_free(struct ks_strmap *m, int free_ptrs)
{
	size_t i;

	for (i = 0; i < m->cap; i++) {
		free(m->keys[i]);
		if (free_ptrs)
			free(m->vals[i].ptr);
	}
	free(m->keys);
	free(m->vals);
	memset(m, 0, sizeof(*m));
}
