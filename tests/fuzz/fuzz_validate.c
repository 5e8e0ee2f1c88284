/* libFuzzer harness: the check of a fetched snapshot tree
 * (ks_validate_snapshot), over trees and blobs described in the input:
 *
 *   tree ID            then one line per entry: "t NAME ID" or "b NAME ID"
 *   blob ID SIZE       then the blob's bytes up to a line "."
 *
 * The tree "root" is checked as release 6.1.0-47 of x86_64/generic. The
 * verdict must be 0 or 1, a refusal one line; nothing may crash, hang or
 * read beyond what was described. */
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "ks_buf.h"
#include "ks_validate.h"

#define MAX_OBJS 256
#define MAX_ENTRIES 64

struct obj {
	char *id;
	int is_tree;
	struct ks_ventry e[MAX_ENTRIES];
	size_t n;
	char *data;
	size_t len;
	uint64_t size;
};

static struct obj objs[MAX_OBJS];
static size_t nobjs;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

static struct obj *find(const char *id, int is_tree)
{
	size_t i;

	for (i = 0; i < nobjs; i++)
		if (objs[i].is_tree == is_tree && !strcmp(objs[i].id, id))
			return &objs[i];
	return NULL;
}

static int vtree(void *ctx, const char *id, const struct ks_ventry **e, size_t *n)
{
	struct obj *o = find(id, 1);

	(void)ctx;
	if (!o)
		return -1;
	*e = o->e;
	*n = o->n;
	return 0;
}

static int vsize(void *ctx, const char *id, uint64_t *size)
{
	struct obj *o = find(id, 0);

	(void)ctx;
	if (!o)
		return -1;
	*size = o->size;
	return 0;
}

static int vblob(void *ctx, const char *id, const char **data, size_t *len)
{
	struct obj *o = find(id, 0);

	(void)ctx;
	if (!o)
		return -1;
	*data = o->data;
	*len = o->len;
	return 0;
}

static void parse(char *text)
{
	char *line, *save = NULL;
	struct obj *cur = NULL;

	for (line = strtok_r(text, "\n", &save); line && nobjs < MAX_OBJS;
	     line = strtok_r(NULL, "\n", &save)) {
		char *sp;

		if (!strncmp(line, "tree ", 5)) {
			cur = &objs[nobjs++];
			cur->id = ks_xstrdup(line + 5);
			cur->is_tree = 1;
		} else if (!strncmp(line, "blob ", 5) && (sp = strchr(line + 5, ' '))) {
			struct ks_buf b = KS_BUF_INIT;

			cur = &objs[nobjs++];
			cur->id = ks_xstrndup(line + 5, (size_t)(sp - line - 5));
			cur->size = strtoull(sp + 1, NULL, 10);
			while ((line = strtok_r(NULL, "\n", &save)) && strcmp(line, ".")) {
				ks_buf_puts(&b, line);
				ks_buf_putc(&b, '\n');
			}
			cur->data = ks_buf_detach(&b, &cur->len);
			if (!cur->data)
				cur->data = ks_xstrdup("");
			cur = NULL;
			if (!line)
				break;
		} else if (cur && cur->n < MAX_ENTRIES && (line[0] == 't' || line[0] == 'b') &&
			   line[1] == ' ' && (sp = strchr(line + 2, ' '))) {
			struct ks_ventry *e = &cur->e[cur->n++];

			e->is_tree = line[0] == 't';
			e->name = ks_xstrndup(line + 2, (size_t)(sp - line - 2));
			e->id = ks_xstrdup(sp + 1);
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct ks_vsource src = { vtree, vsize, vblob, NULL };
	char *text = ks_xstrndup((const char *)data, size), why[256];
	struct ks_vcache *cache = ks_vcache_new();
	size_t i, k;
	int r, again;

	nobjs = 0;
	parse(text);
	r = ks_validate_snapshot(&src, cache, "root", "6.1.0-47", "x86_64", "generic", why,
				 sizeof(why));
	KS_FUZZ_CHECK(r == 0 || r == 1, "verdict %d", r);
	KS_FUZZ_CHECK(r == 0 || (why[0] && !strchr(why, '\n')), "refusal without one line");
	/* the cache changes nothing */
	again = ks_validate_snapshot(&src, cache, "root", "6.1.0-47", "x86_64", "generic", why,
				     sizeof(why));
	KS_FUZZ_CHECK(again == r, "verdict %d, then %d with the cache", r, again);
	ks_vcache_free(cache);
	for (i = 0; i < nobjs; i++) {
		for (k = 0; k < objs[i].n; k++) {
			free((char *)objs[i].e[k].name);
			free((char *)objs[i].e[k].id);
		}
		free(objs[i].id);
		free(objs[i].data);
		memset(&objs[i], 0, sizeof(objs[i]));
	}
	free(text);
	return 0;
}
