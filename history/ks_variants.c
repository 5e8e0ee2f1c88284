#include "ks_variants.h"

#include <stdlib.h>
#include <string.h>

#include "ks_buf.h"
#include "ks_snapshot.h"

/* "kind name" once per body, sorted: a name's bodies are one run. */
struct ks_variants {
	char **names;
	size_t n, cap;
};

static int collect(const char *kind, const char *name, unsigned int variant,
		   const char *text, size_t len, void *ctx)
{
	struct ks_variants *v = ctx;

	(void)variant, (void)text, (void)len;
	if (v->n == v->cap) {
		v->cap = v->cap ? v->cap * 2 : 1024;
		v->names = ks_xrealloc(v->names, v->cap * sizeof(char *));
	}
	v->names[v->n++] = ks_xasprintf("%s %s", kind, name);
	return 0;
}

static int cmp_str(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

int ks_variants_load(struct ks_store *s, const char *lineage, const char *release,
		     struct ks_variants **out)
{
	struct ks_variants *v = ks_xcalloc(1, sizeof(*v));
	int err = ks_store_foreach_type(s, lineage, release, KS_KINDS_ALL, 0, collect, v);

	if (err) {
		ks_variants_free(v);
		return err;
	}
	if (v->n)
		qsort(v->names, v->n, sizeof(char *), cmp_str);
	*out = v;
	return 0;
}

unsigned int ks_variants_count(const struct ks_variants *v, const char *kind,
			       const char *name)
{
	char *key = ks_xasprintf("%s %s", kind, name), **hit = NULL;
	unsigned int n = 0;

	if (v->n)
		hit = bsearch(&key, v->names, v->n, sizeof(char *), cmp_str);
	if (hit) {
		while (hit > v->names && !strcmp(hit[-1], key))
			hit--;
		while (hit < v->names + v->n && !strcmp(*hit, key))
			hit++, n++;
	}
	free(key);
	return n;
}

void ks_variants_free(struct ks_variants *v)
{
	if (!v)
		return;
	ks_strv_free(v->names, v->n);
	free(v);
}

char *ks_variants_display_name(const char *name, unsigned int variant)
{
	return variant > 1 ? ks_xasprintf("%s~%u", name, variant) : ks_xstrdup(name);
}
