/* Checking an eBPF object against stored releases. Types are read per
 * release through a snapshot view and parsed once per blob (releases
 * share most of their texts), so a check costs lookups, not parses. */
#include "ks_check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ks_buf.h"
#include "ks_canon_parse.h"
#include "ks_ctype_parse.h"
#include "ks_err.h"
#include "ks_kind.h"
#include "ks_reach.h"
#include "ks_strmap.h"

/* ---- the target: one release's types ---- */

struct target_ctx {
	struct ks_store *store;
	struct ks_view *view;
	struct ks_ct_arena *arena;	/* parsed types, shared by all releases */
	struct ks_strmap *blobs;	/* "hex abi" -> struct ks_ctype * */
	struct ks_strmap names;		/* "kind name" -> struct ks_ctype *[] (this release) */
	const struct ks_ct_abi *abi;
};

static const char *kind_word(enum ks_ct_kind k)
{
	switch (k) {
	case KS_CT_STRUCT: return "struct";
	case KS_CT_UNION: return "union";
	case KS_CT_ENUM: return "enum";
	case KS_CT_TYPEDEF: return "typedef";
	default: return NULL;
	}
}

static int parsed_blob(struct target_ctx *c, const char *hex, struct ks_ctype **out)
{
	char key[64];
	struct ks_strmap_val *sl;
	char *text;
	size_t len;
	int err, found;

	snprintf(key, sizeof(key), "%s %u %d", hex, c->abi->ptr_size, c->abi->char_signed);
	if ((sl = ks_strmap_find(c->blobs, key))) {
		*out = sl->ptr;
		return 0;
	}
	if ((err = ks_store_read_blob(c->store, hex, &text, &len)))
		return err;
	/* a text that does not read is a type this check cannot see into */
	if (ks_ctype_parse(c->arena, text, len, c->abi, out))
		*out = NULL;
	free(text);
	ks_strmap_slot(c->blobs, key, &found)->ptr = *out;
	return 0;
}

static int lookup(void *ctx, enum ks_ct_kind kind, const char *name,
		  struct ks_ctype *const **defs, size_t *n)
{
	struct target_ctx *c = ctx;
	const char *word = kind_word(kind);
	struct ks_ctype **v = NULL;
	struct ks_strmap_val *sl;
	char *key;
	unsigned int variant;
	size_t cnt = 0;
	int err = 0, found;

	*defs = NULL;
	*n = 0;
	if (!word || !*name)
		return 0;
	key = ks_xasprintf("%s %s", word, name);
	if ((sl = ks_strmap_find(&c->names, key))) {
		free(key);
		*defs = sl->ptr;
		*n = sl->n;
		return 0;
	}
	/* NAME, NAME~2, ...: every distinct body of the name */
	for (variant = 1; variant <= 64 && !err; variant++) {
		char hex[41];
		struct ks_ctype *t;

		if (ks_store_view_blob(c->view, word, name, variant, hex) != 1)
			break;
		if ((err = parsed_blob(c, hex, &t)) || !t)
			continue;
		v = ks_xrealloc(v, (cnt + 1) * sizeof(*v));
		v[cnt++] = t;
	}
	sl = ks_strmap_slot(&c->names, key, &found);
	free(key);
	sl->ptr = v;
	sl->n = cnt;
	*defs = v;
	*n = cnt;
	return err;
}

/* ---- attach points ---- */

static enum ks_attach_status check_attach(struct target_ctx *c, const struct ks_bpf_prog *p,
					  const struct ks_release_info *ri)
{
	unsigned int recorded = ri->recorded;
	enum ks_kind kind;
	const char *name;
	char hex[41];
	char *text = NULL;
	size_t len;
	struct ks_def *def = NULL;
	enum ks_attach_status st;

	switch (p->attach) {
	case KS_ATTACH_FUNC: kind = KS_KIND_FUNC; break;
	case KS_ATTACH_TRACEPOINT:
	case KS_ATTACH_EVENT: kind = KS_KIND_TRACEPOINT; break;
	case KS_ATTACH_LSM: kind = KS_KIND_LSM; break;
	case KS_ATTACH_SYSCALL: kind = KS_KIND_SYSCALL; break;
	default: return KS_ATTACH_NEEDS_NOTHING;
	}
	name = p->target;
	if (p->attach == KS_ATTACH_EVENT) {
		/* syscalls/sys_enter_NAME is the syscall's own event, which
		 * has no tracepoint type in BTF: the syscall says it exists */
		const char *slash = strchr(name, '/');

		name = slash + 1;
		if (!strncmp(p->target, "syscalls/", 9) &&
		    (!strncmp(name, "sys_enter_", 10) || !strncmp(name, "sys_exit_", 9))) {
			kind = KS_KIND_SYSCALL;
			name += name[4] == 'e' && name[5] == 'n' ? 10 : 9;
		}
	}
	/* BTF without a single function (btfhub's of old kernels, made by
	 * an older pahole) cannot tell an absent one either */
	if (!(recorded & (1u << kind)) || !ri->count[kind])
		return KS_ATTACH_NOT_RECORDED;
	if (ks_store_view_blob(c->view, ks_kind_name(kind), name, 1, hex) != 1)
		return KS_ATTACH_MISSING;
	if (!p->by_symbol || kind != KS_KIND_FUNC)
		return KS_ATTACH_OK;
	/* a kprobe needs a symbol to attach to: "no callable symbol" when
	 * the import saw the function inlined everywhere */
	st = KS_ATTACH_OK;
	if (!ks_store_read_blob(c->store, hex, &text, &len) && !ks_canon_parse(&def, text, len) &&
	    def->symbols && strstr(def->symbols, "no callable symbol"))
		st = KS_ATTACH_NOT_CALLABLE;
	ks_def_free(def);
	free(text);
	return st;
}

/* ---- verdicts ---- */

static int spec_prefix(const char *a, const char *b)
{
	size_t n = strlen(a);

	return !strncmp(a, b, n) && (b[n] == '\0' || b[n] == ':');
}

/* @g (an existence check that is 0 here) guards @r: it asks about the
 * same local type and member (or a member on the way to it), or about
 * the type or enumerator itself, earlier in the same program. */
static int guards(const struct ks_relo *g, const struct ks_relo *r)
{
	if (strcmp(g->section, r->section) || g->insn >= r->insn || g->root != r->root)
		return 0;
	switch (g->kind) {
	case KS_RELO_FIELD_EXISTS:
		return ks_relo_class(r->kind) == KS_RELO_FIELD && spec_prefix(g->spec, r->spec);
	case KS_RELO_TYPE_EXISTS:
	case KS_RELO_TYPE_MATCHES:
		return 1;
	case KS_RELO_ENUMVAL_EXISTS:
		return r->kind == KS_RELO_ENUMVAL_VALUE && !strcmp(g->spec, r->spec);
	default:
		return 0;
	}
}

static int covered(const struct ks_prog *p, const struct ks_relo *r, enum ks_relo_kind kind)
{
	size_t i;

	for (i = 0; i < p->nrelos; i++)
		if (p->relos[i].kind == kind && p->relos[i].root == r->root &&
		    !strcmp(p->relos[i].spec, r->spec))
			return 1;
	return 0;
}

/* The instructions of @r's section that run here, once this release's
 * values are patched in; NULL for .text (subprograms: reached through
 * calls this does not follow), where the earlier existence check in
 * the same section decides instead. */
static unsigned char *reached_in(const struct ks_prog *p, const struct ks_check_release *cr,
				 const char *section)
{
	const struct ks_code *code = ks_prog_code(p, section);
	struct ks_patch *patches;
	unsigned char *reached;
	size_t i, n = 0;

	if (!code || !strcmp(section, ".text") || !code->n)
		return NULL;
	patches = ks_xcalloc(p->nrelos ? p->nrelos : 1, sizeof(*patches));
	for (i = 0; i < p->nrelos; i++) {
		const struct ks_core_result *c = &cr->relos[i].core;

		if (strcmp(p->relos[i].section, section))
			continue;
		if ((c->status == KS_CORE_OK && c->value_known) || c->status == KS_CORE_ABSENT) {
			patches[n].insn = p->relos[i].insn;
			patches[n++].value = c->status == KS_CORE_OK ? (int64_t)c->value : 0;
		}
	}
	reached = ks_xmalloc(code->n);
	ks_reach(code, patches, n, reached);
	free(patches);
	return reached;
}

static void judge(const struct ks_prog *p, struct ks_check_release *cr)
{
	const char *sec = NULL;
	unsigned char *reached = NULL;
	size_t i, k;
	int fail = 0, guarded = 0;

	for (i = 0; i < p->nrelos; i++) {
		struct ks_check_relo *x = &cr->relos[i];
		const struct ks_relo *r = &p->relos[i];

		switch (x->core.status) {
		case KS_CORE_OK:
			x->verdict = KS_RV_OK;
			if (r->kind == KS_RELO_FIELD_BYTE_OFFSET && x->core.has_size &&
			    x->core.local_size && x->core.size != x->core.local_size &&
			    !covered(p, r, KS_RELO_FIELD_BYTE_SIZE))
				x->size_differs = 1;
			if (r->kind == KS_RELO_FIELD_BYTE_OFFSET && x->core.has_size &&
			    x->core.is_signed != x->core.local_signed &&
			    !covered(p, r, KS_RELO_FIELD_SIGNED))
				x->sign_differs = 1;
			break;
		case KS_CORE_ABSENT:
			x->verdict = KS_RV_GUARD_FALSE;
			break;
		case KS_CORE_POISONED:
			/* libbpf poisons the instruction; the verifier refuses
			 * the program only if it can reach it */
			if (!sec || strcmp(sec, r->section)) {
				free(reached);
				sec = r->section;
				reached = reached_in(p, cr, sec);
			}
			x->verdict = KS_RV_FAIL;
			if (reached) {
				if (r->insn < ks_prog_code(p, sec)->n && !reached[r->insn])
					x->verdict = KS_RV_GUARDED;
				break;
			}
			for (k = 0; k < p->nrelos; k++)
				if (cr->relos[k].core.status == KS_CORE_ABSENT &&
				    guards(&p->relos[k], r))
					x->verdict = KS_RV_GUARDED;
			break;
		case KS_CORE_ERROR:
			x->verdict = KS_RV_FAIL;
			break;
		}
		fail |= x->verdict == KS_RV_FAIL;
		guarded |= x->verdict == KS_RV_GUARDED || x->verdict == KS_RV_GUARD_FALSE;
	}
	free(reached);
	for (i = 0; i < p->nprogs; i++)
		fail |= cr->attach[i] == KS_ATTACH_MISSING || cr->attach[i] == KS_ATTACH_NOT_CALLABLE;
	cr->verdict = fail ? KS_VERDICT_FAIL : guarded ? KS_VERDICT_GUARDED : KS_VERDICT_OK;
}

/* ---- the run ---- */

static int selected(const struct ks_release_info *ri, const struct ks_check_opts *o)
{
	size_t i;
	int lin = !o || !o->nlineages, rel = !o || !o->nreleases;

	for (i = 0; o && i < o->nlineages; i++)
		lin |= !strcmp(o->lineages[i], ri->lineage);
	for (i = 0; o && i < o->nreleases; i++)
		rel |= !strcmp(o->releases[i], ri->release);
	return lin && rel;
}

static int check_release(struct ks_store *s, const struct ks_prog *p,
			 const struct ks_release_info *ri, struct ks_ct_arena *arena,
			 struct ks_strmap *blobs, struct ks_check_release *cr)
{
	struct ks_ct_abi abi;
	struct target_ctx c = { .store = s, .arena = arena, .blobs = blobs, .abi = &abi };
	struct ks_core_target t;
	size_t i;
	int err;

	ks_ct_abi_for(&abi, ri->arch);
	cr->lineage = ks_xstrdup(ri->lineage);
	cr->release = ks_xstrdup(ri->release);
	cr->arch = ks_xstrdup(ri->arch ? ri->arch : "");
	cr->relos = ks_xcalloc(p->nrelos ? p->nrelos : 1, sizeof(*cr->relos));
	cr->attach = ks_xcalloc(p->nprogs ? p->nprogs : 1, sizeof(*cr->attach));
	if ((err = ks_store_view_open(s, ri->lineage, ri->release, &c.view)))
		return err;
	t.lookup = lookup;
	t.ctx = &c;
	t.abi = abi;
	for (i = 0; i < p->nrelos && !err; i++) {
		struct ks_core_result *res = &cr->relos[i].core;

		err = ks_core_resolve(&p->relos[i], &t, res);
		/* the classic portability bug: registers by x86 name */
		if (!err && res->status != KS_CORE_OK && p->relos[i].root->name &&
		    !strncmp(p->relos[i].root->name, "pt_regs", 7) &&
		    ks_ct_essential_len(p->relos[i].root->name) == 7) {
			size_t l = strlen(res->reason);

			snprintf(res->reason + l, sizeof(res->reason) - l,
				 " (pt_regs is arch-specific: this release is %s; build the "
				 "object for it)", ri->arch ? ri->arch : "another arch");
		}
		/* an older import without enums or typedefs cannot tell */
		if (!err && res->status != KS_CORE_OK &&
		    (~ri->recorded & ((1u << KS_KIND_ENUM) | (1u << KS_KIND_TYPEDEF))) &&
		    strlen(res->reason) < sizeof(res->reason) - 60)
			strcat(res->reason, " (enums and typedefs not recorded: import it again)");
	}
	for (i = 0; i < p->nprogs && !err; i++)
		cr->attach[i] = check_attach(&c, &p->progs[i], ri);
	ks_strmap_free(&c.names, 1);
	ks_store_view_free(c.view);
	if (!err)
		judge(p, cr);
	return err;
}

int ks_check_run(struct ks_store *s, const struct ks_prog *p, const struct ks_check_opts *o,
		 struct ks_check_result **out)
{
	struct ks_release_list *list = NULL;
	struct ks_check_result *res;
	struct ks_ct_arena *arena;
	struct ks_strmap blobs = KS_STRMAP_INIT;
	size_t i, k;
	int err;

	*out = NULL;
	if ((err = ks_store_list_releases(s, NULL, &list)))
		return err;
	for (k = 0; o && k < o->nlineages; k++) {
		for (i = 0; i < list->n && strcmp(list->items[i].lineage, o->lineages[k]); i++)
			;
		if (i == list->n) {
			ks_release_list_free(list);
			return ks_err_set(KS_ENOTFOUND, "no lineage %s in the store", o->lineages[k]);
		}
	}
	for (k = 0; o && k < o->nreleases; k++) {
		for (i = 0; i < list->n && strcmp(list->items[i].release, o->releases[k]); i++)
			;
		if (i == list->n) {
			ks_release_list_free(list);
			return ks_err_set(KS_ENOTFOUND, "no release %s in the store", o->releases[k]);
		}
	}
	res = ks_xcalloc(1, sizeof(*res));
	res->rel = ks_xcalloc(list->n ? list->n : 1, sizeof(*res->rel));
	arena = ks_ct_arena_new();
	for (i = 0; i < list->n && !err; i++) {
		if (!selected(&list->items[i], o))
			continue;
		err = check_release(s, p, &list->items[i], arena, &blobs, &res->rel[res->n++]);
	}
	ks_strmap_free(&blobs, 0);
	ks_ct_arena_free(arena);
	ks_release_list_free(list);
	if (err) {
		ks_check_result_free(res);
		return err;
	}
	*out = res;
	return 0;
}

void ks_check_result_free(struct ks_check_result *res)
{
	size_t i;

	if (!res)
		return;
	for (i = 0; i < res->n; i++) {
		free(res->rel[i].lineage);
		free(res->rel[i].release);
		free(res->rel[i].arch);
		free(res->rel[i].relos);
		free(res->rel[i].attach);
	}
	free(res->rel);
	free(res);
}

const char *ks_verdict_name(enum ks_verdict v)
{
	return v == KS_VERDICT_OK ? "ok" : v == KS_VERDICT_GUARDED ? "guarded" : "fail";
}

const char *ks_attach_status_name(enum ks_attach_status s)
{
	static const char *const names[] = { "ok", "needs nothing", "missing",
					     "no callable symbol", "not recorded" };

	return (unsigned int)s < sizeof(names) / sizeof(names[0]) ? names[s] : "?";
}

const char *ks_relo_verdict_name(enum ks_relo_verdict v)
{
	static const char *const names[] = { "ok", "check is false", "guarded", "fail" };

	return (unsigned int)v < sizeof(names) / sizeof(names[0]) ? names[v] : "?";
}
