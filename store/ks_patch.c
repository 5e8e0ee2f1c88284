/* A unified diff of two texts, made by libgit2 (git's own algorithm and
 * hunk headers), handed out line by line without libgit2's types, so
 * that commands print patches without speaking git. */
#include <git2.h>
#include <string.h>

#include "ks_err.h"
#include "ks_store_int.h"

struct patch_ctx {
	ks_patch_fn fn;
	void *ctx;
	int err;
};

static int on_file(const git_diff_delta *delta, float progress, void *payload)
{
	struct patch_ctx *p = payload;
	const char *a = delta->old_file.path, *b = delta->new_file.path;

	(void)progress;
	if (!p->err)
		p->err = p->fn(KS_PATCH_OLD_FILE, a, strlen(a), p->ctx);
	if (!p->err)
		p->err = p->fn(KS_PATCH_NEW_FILE, b, strlen(b), p->ctx);
	return p->err;
}

static int on_hunk(const git_diff_delta *delta, const git_diff_hunk *hunk, void *payload)
{
	struct patch_ctx *p = payload;

	(void)delta;
	if (!p->err)
		p->err = p->fn(KS_PATCH_HUNK, hunk->header, hunk->header_len, p->ctx);
	return p->err;
}

static int on_line(const git_diff_delta *delta, const git_diff_hunk *hunk,
		   const git_diff_line *line, void *payload)
{
	struct patch_ctx *p = payload;
	enum ks_patch_origin o;

	(void)delta, (void)hunk;
	if (line->origin == GIT_DIFF_LINE_ADDITION)
		o = KS_PATCH_ADDED;
	else if (line->origin == GIT_DIFF_LINE_DELETION)
		o = KS_PATCH_REMOVED;
	else if (line->origin == GIT_DIFF_LINE_CONTEXT)
		o = KS_PATCH_CONTEXT;
	else
		return 0;	/* "no newline at end" markers: canonical text always has one */
	if (!p->err)
		p->err = p->fn(o, line->content, line->content_len, p->ctx);
	return p->err;
}

int ks_store_patch(const char *name_a, const char *a, size_t la, const char *name_b,
		   const char *b, size_t lb, ks_patch_fn fn, void *ctx)
{
	struct patch_ctx p = { fn, ctx, 0 };
	git_diff_options o;
	int err;

	git_diff_options_init(&o, GIT_DIFF_OPTIONS_VERSION);
	o.context_lines = 3;
	err = git_diff_buffers(a, la, name_a, b, lb, name_b, &o, on_file, NULL, on_hunk,
			       on_line, &p);
	if (p.err)
		return p.err;
	return err ? ks_err_git("diff of %s and %s", name_a, name_b) : 0;
}
