/* The C type model's memory (an arena: a type graph has cycles through
 * pointers and is dropped at once) and its small helpers. */
#include <stdlib.h>
#include <string.h>

#include "ks_ctype.h"
#include "ks_buf.h"

/* Blocks of at least this many bytes; larger requests get their own. */
#define BLOCK 65536

struct block {
	struct block *next;
	size_t used, cap;
	max_align_t data[];
};

struct ks_ct_arena {
	struct block *head;
};

struct ks_ct_arena *ks_ct_arena_new(void)
{
	return ks_xcalloc(1, sizeof(struct ks_ct_arena));
}

void ks_ct_arena_free(struct ks_ct_arena *a)
{
	struct block *b, *next;

	if (!a)
		return;
	for (b = a->head; b; b = next) {
		next = b->next;
		free(b);
	}
	free(a);
}

void *ks_ct_alloc(struct ks_ct_arena *a, size_t size)
{
	struct block *b = a->head;
	size_t need = (size + sizeof(max_align_t) - 1) / sizeof(max_align_t) * sizeof(max_align_t);
	void *p;

	if (!b || b->cap - b->used < need) {
		size_t cap = need > BLOCK ? need : BLOCK;

		b = ks_xmalloc(sizeof(*b) + cap);
		b->used = 0;
		b->cap = cap;
		b->next = a->head;
		a->head = b;
	}
	p = (char *)b->data + b->used;
	b->used += need;
	memset(p, 0, size);
	return p;
}

const char *ks_ct_strndup(struct ks_ct_arena *a, const char *s, size_t n)
{
	char *p = ks_ct_alloc(a, n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

const char *ks_ct_strdup(struct ks_ct_arena *a, const char *s)
{
	return s ? ks_ct_strndup(a, s, strlen(s)) : NULL;
}

struct ks_ctype *ks_ct_new(struct ks_ct_arena *a, enum ks_ct_kind kind, const char *name)
{
	struct ks_ctype *t = ks_ct_alloc(a, sizeof(*t));

	t->kind = kind;
	t->name = name ? ks_ct_strdup(a, name) : NULL;
	return t;
}

const char *ks_ct_kind_name(enum ks_ct_kind kind)
{
	static const char *const names[] = {
		[KS_CT_VOID] = "void", [KS_CT_INT] = "int", [KS_CT_FLOAT] = "float",
		[KS_CT_PTR] = "pointer", [KS_CT_ARRAY] = "array", [KS_CT_STRUCT] = "struct",
		[KS_CT_UNION] = "union", [KS_CT_ENUM] = "enum", [KS_CT_FUNC] = "function",
		[KS_CT_TYPEDEF] = "typedef", [KS_CT_FWD] = "forward declaration",
	};

	return (size_t)kind < sizeof(names) / sizeof(names[0]) && names[kind] ?
	       names[kind] : "unknown";
}

/* libbpf's rule: the last "X___Y" with X and Y not '_' ends the name
 * at X. */
size_t ks_ct_essential_len(const char *name)
{
	size_t n = strlen(name), i;

	if (n < 5)
		return n;
	for (i = n - 5 + 1; i-- > 0;)
		if (name[i] != '_' && name[i + 1] == '_' && name[i + 2] == '_' &&
		    name[i + 3] == '_' && name[i + 4] != '_')
			return i + 1;
	return n;
}
