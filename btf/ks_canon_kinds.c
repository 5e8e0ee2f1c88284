/* Canonical text of the kinds after struct and union: enums, typedefs,
 * functions and what the kernel makes of some of them (tracepoints,
 * system calls, LSM hooks, kfuncs), as docs/format.md "The other kinds"
 * specifies. Declarations go through the struct printer
 * (ks_canon__put_decl), so a parameter reads as a member would.
 *
 * One pass over the types: vmlinux has ~50,000 functions, and a function
 * may be a func, an lsm, a kfunc and a syscall's member at once, so its
 * parameter list is written once and shared.
 */
#include "ks_canon.h"

#include <bpf/btf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ks_buf.h"
#include "ks_canon_int.h"
#include "ks_err.h"
#include "ks_snapshot.h"
#include "ks_symbols.h"

#define TRACE_PREFIX "btf_trace_"
#define RECORD_PREFIX "trace_event_raw_"
#define LSM_PREFIX "bpf_lsm_"
#define KFUNC_TAG "bpf_kfunc"

/* One entry function of a system call, until all are known. */
struct sys_member {
	const char *group;	/* "read": points into the BTF's strings */
	const char *func;	/* "__x64_sys_read" */
	char *line;		/* "\tlong int __x64_sys_read(...);\n" */
};

/* A struct trace_event_raw_<name>, found by <name>. */
struct record {
	const char *name;	/* after the prefix */
	__u32 id;
};

struct kinds {
	const struct btf *btf;
	struct ks_snapshot *snap;
	__u32 start, n;
	unsigned char *kfunc;	/* per type id: a bpf_kfunc tag names it */
	struct sys_member *sys;
	size_t nsys, capsys;
	struct record *rec;	/* sorted by name; NULL until needed */
	size_t nrec;
	const struct ks_symtab *symtab;	/* NULL: symbols not recorded */
};

static const char *name_of(const struct btf *btf, const struct btf_type *t)
{
	const char *s = btf__name_by_offset(btf, t->name_off);

	return s ? s : "";
}

static int add(struct kinds *k, enum ks_kind kind, const char *name, struct ks_buf *text)
{
	size_t len;
	char *p = ks_buf_detach(text, &len);

	return ks_snapshot_add(k->snap, ks_kind_name(kind), name, p, len);
}

/* The enumerators in BTF order; the footer's comment gives the size and
 * the signedness (BTF's kind flag). */
static void put_enum(struct kinds *k, const struct btf_type *t, struct ks_buf *out)
{
	int i, sign = btf_kflag(t);

	ks_buf_puts(out, "enum ");
	ks_canon__put_name(out, name_of(k->btf, t));
	ks_buf_puts(out, " {\n");
	for (i = 0; i < btf_vlen(t); i++) {
		const char *vn;

		ks_buf_putc(out, '\t');
		if (btf_is_enum(t)) {
			const struct btf_enum *e = btf_enum(t) + i;

			vn = btf__name_by_offset(k->btf, e->name_off);
			ks_canon__put_name(out, vn ? vn : "");
			if (sign)
				ks_buf_printf(out, " = %d,\n", (int)(__s32)e->val);
			else
				ks_buf_printf(out, " = %u,\n", (unsigned int)e->val);
		} else {
			const struct btf_enum64 *e = btf_enum64(t) + i;
			__u64 v = btf_enum64_value(e);

			vn = btf__name_by_offset(k->btf, e->name_off);
			ks_canon__put_name(out, vn ? vn : "");
			if (sign)
				ks_buf_printf(out, " = %lld,\n", (long long)v);
			else
				ks_buf_printf(out, " = %llu,\n", (unsigned long long)v);
		}
	}
	ks_buf_printf(out, "};\t/* size %u %s */\n", t->size, sign ? "signed" : "unsigned");
}

/* One line, "typedef unsigned int u32;" and a size comment; a target
 * written out (an anonymous struct) ends the text with "} NAME;" and
 * the size. */
static int put_typedef(struct kinds *k, __u32 id, const struct btf_type *t,
		       struct ks_buf *out)
{
	/* the opening line of a body written out has no comment: the size
	 * closes the text */
	struct ks_canon_decl dc = { 0, 0, "" };
	__s64 size;
	int err;

	ks_buf_puts(out, "typedef ");
	err = ks_canon__put_decl(k->btf, id, t->type, name_of(k->btf, t), &dc, out);
	if (err)
		return err;
	ks_buf_putc(out, ';');
	/* void, function types and incomplete types have no size */
	size = t->type ? btf__resolve_size(k->btf, t->type) : -1;
	if (size >= 0)
		ks_buf_printf(out, "\t/* size %lld */", (long long)size);
	ks_buf_putc(out, '\n');
	return 0;
}

/* One member line: tab, declaration of @name as @type, ';'. */
static int put_member(struct kinds *k, __u32 root, __u32 type, const char *name,
		      struct ks_buf *out)
{
	struct ks_canon_decl dc = { 1, 0, NULL };
	int err;

	ks_buf_putc(out, '\t');
	err = ks_canon__put_decl(k->btf, root, type, name, &dc, out);
	if (!err)
		ks_buf_puts(out, ";\n");
	return err;
}

/* The members of function @id after its header: "return", the
 * parameters, "};". */
static int put_func_body(struct kinds *k, __u32 id, const struct btf_type *proto,
			 struct ks_buf *out)
{
	const struct btf_param *p = btf_params(proto);
	int i, err;

	err = put_member(k, id, proto->type, "return", out);
	for (i = 0; !err && i < btf_vlen(proto); i++, p++) {
		const char *pn = btf__name_by_offset(k->btf, p->name_off);

		if (!p->type && i == btf_vlen(proto) - 1)
			ks_buf_puts(out, "\t...;\n");
		else
			err = put_member(k, id, p->type, pn ? pn : "", out);
	}
	if (!err)
		ks_buf_puts(out, "};\n");
	return err;
}

static const struct btf_type *proto_of(const struct btf *btf, const struct btf_type *t)
{
	const struct btf_type *p = btf__type_by_id(btf, t->type);

	return p && btf_is_func_proto(p) ? p : NULL;
}

/* The <name> of a system call entry "__<arch>[_compat]_sys_<name>"
 * (docs/format.md lists the arches), or NULL. */
static const char *syscall_name(const char *fn)
{
	static const char *const arches[] = {
		"x64", "x32", "ia32", "arm64", "riscv", "s390x", "s390", "powerpc", "se",
	};
	size_t i, n;

	if (fn[0] != '_' || fn[1] != '_')
		return NULL;
	fn += 2;
	for (i = 0; i < sizeof(arches) / sizeof(arches[0]); i++) {
		const char *p = fn;

		n = strlen(arches[i]);
		if (strncmp(p, arches[i], n))
			continue;
		p += n;
		if (!strncmp(p, "_compat", 7))
			p += 7;
		if (!strncmp(p, "_sys_", 5) && p[5])
			return p + 5;
	}
	return NULL;
}

static int add_sys(struct kinds *k, __u32 id, const char *fn, const char *group)
{
	struct ks_canon_decl dc = { 1, 0, NULL };
	struct ks_buf line = KS_BUF_INIT;
	struct sys_member *m;
	int err;

	ks_buf_putc(&line, '\t');
	err = ks_canon__put_decl(k->btf, id, id, fn, &dc, &line);
	if (err) {
		ks_buf_free(&line);
		return err;
	}
	ks_buf_puts(&line, ";\n");
	if (k->nsys == k->capsys) {
		k->capsys = k->capsys ? k->capsys * 2 : 256;
		k->sys = ks_xrealloc(k->sys, k->capsys * sizeof(*k->sys));
	}
	m = &k->sys[k->nsys++];
	m->group = group;
	m->func = fn;
	m->line = ks_buf_detach(&line, NULL);
	return 0;
}

static int cmp_sys(const void *a, const void *b)
{
	const struct sys_member *x = a, *y = b;
	int c = strcmp(x->group, y->group);

	if (!c)
		c = strcmp(x->func, y->func);
	return c ? c : strcmp(x->line, y->line);
}

/* One entry per system call, its entry functions sorted by name. */
static int add_syscalls(struct kinds *k)
{
	size_t i = 0, j;
	int err = 0;

	if (k->nsys)
		qsort(k->sys, k->nsys, sizeof(*k->sys), cmp_sys);
	while (!err && i < k->nsys) {
		struct ks_buf text = KS_BUF_INIT;

		ks_buf_puts(&text, "syscall ");
		ks_canon__put_name(&text, k->sys[i].group);
		ks_buf_puts(&text, " {\n");
		for (j = i; j < k->nsys && !strcmp(k->sys[j].group, k->sys[i].group); j++)
			if (j == i || strcmp(k->sys[j].line, k->sys[j - 1].line))
				ks_buf_puts(&text, k->sys[j].line);
		ks_buf_puts(&text, "};\n");
		err = add(k, KS_KIND_SYSCALL, k->sys[i].group, &text);
		i = j;
	}
	return err;
}

static int cmp_rec(const void *a, const void *b)
{
	const struct record *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	return c ? c : (x->id > y->id) - (x->id < y->id);
}

/* Every named struct trace_event_raw_*, the whole BTF (a module's
 * tracepoint may use its base's), sorted: looking each tracepoint's up
 * by name in BTF is a scan of all types. */
static void index_records(struct kinds *k)
{
	size_t cap = 0;
	__u32 id;

	k->rec = ks_xmalloc(sizeof(*k->rec));
	for (id = 1; id < k->n; id++) {
		const struct btf_type *t = btf__type_by_id(k->btf, id);
		const char *s;

		if (!btf_is_struct(t))
			continue;
		s = name_of(k->btf, t);
		if (strncmp(s, RECORD_PREFIX, sizeof(RECORD_PREFIX) - 1))
			continue;
		if (k->nrec == cap) {
			cap = cap ? cap * 2 : 256;
			k->rec = ks_xrealloc(k->rec, cap * sizeof(*k->rec));
		}
		k->rec[k->nrec].name = s + sizeof(RECORD_PREFIX) - 1;
		k->rec[k->nrec++].id = id;
	}
	if (k->nrec)
		qsort(k->rec, k->nrec, sizeof(*k->rec), cmp_rec);
}

/* Appends the canonical text of struct trace_event_raw_<name> when the
 * BTF has one. Of several with different bodies, the text first in byte
 * order, so that the choice does not depend on type ids. */
static int put_record(struct kinds *k, const char *name, struct ks_buf *out)
{
	struct record key = { name, 0 };
	char *best = NULL;
	size_t lo = 0, hi, best_len = 0;
	int err = 0;

	if (!k->rec)
		index_records(k);
	hi = k->nrec;
	while (lo < hi) {	/* the first with this name */
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(k->rec[mid].name, key.name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; !err && lo < k->nrec && !strcmp(k->rec[lo].name, name); lo++) {
		char *text;
		size_t len;

		err = ks_canon_render(&text, &len, k->btf, k->rec[lo].id);
		if (err)
			break;
		if (!best || strcmp(text, best) < 0) {
			free(best);
			best = text;
			best_len = len;
		} else {
			free(text);
		}
	}
	if (best)
		ks_buf_add(out, best, best_len);
	free(best);
	return err;
}

/* Tracepoint <name> of typedef btf_trace_<name>, when it is what the
 * kernel makes one (a pointer to a prototype whose first parameter is
 * the hidden context); else it is only a typedef. */
static int add_tracepoint(struct kinds *k, __u32 id, const struct btf_type *t,
			  const char *name)
{
	const struct btf_type *ptr = btf__type_by_id(k->btf, t->type), *proto;
	const struct btf_param *p;
	struct ks_buf text = KS_BUF_INIT;
	int i, err = 0;

	if (!t->type || !ptr || !btf_is_ptr(ptr) || !ptr->type)
		return 0;
	proto = btf__type_by_id(k->btf, ptr->type);
	if (!proto || !btf_is_func_proto(proto) || !btf_vlen(proto))
		return 0;
	ks_buf_puts(&text, "tracepoint ");
	ks_canon__put_name(&text, name);
	ks_buf_puts(&text, " {\n");
	p = btf_params(proto) + 1;
	for (i = 1; !err && i < btf_vlen(proto); i++, p++) {
		char arg[24];

		if (!p->type && i == btf_vlen(proto) - 1) {
			ks_buf_puts(&text, "\t...;\n");
			continue;
		}
		snprintf(arg, sizeof(arg), "arg%d", i - 1);
		err = put_member(k, id, p->type, arg, &text);
	}
	if (!err) {
		ks_buf_puts(&text, "};\n");
		err = put_record(k, name, &text);
	}
	if (err) {
		ks_buf_free(&text);
		return err;
	}
	return add(k, KS_KIND_TRACEPOINT, name, &text);
}

static const char *linkage_word(const struct btf_type *t)
{
	switch (btf_vlen(t)) {
	case BTF_FUNC_STATIC:
		return "static";
	case BTF_FUNC_GLOBAL:
		return "global";
	case BTF_FUNC_EXTERN:
		return "extern";
	default:
		return NULL;
	}
}

/* func, and lsm, kfunc and syscall member where the function is one. */
static int add_func(struct kinds *k, __u32 id, const struct btf_type *t, const char *name,
		    struct ks_buf *body)
{
	const struct btf_type *proto = proto_of(k->btf, t);
	const char *link = linkage_word(t), *sys;
	struct ks_buf text = KS_BUF_INIT;
	int err;

	if (!proto)
		return ks_err_set(KS_EFORMAT, "BTF type %u (function): type %u is not a "
				  "function prototype", id, t->type);
	if (!link)
		return ks_err_set(KS_EFORMAT, "BTF type %u (function): linkage %u is none of "
				  "static, global, extern", id, btf_vlen(t));
	ks_buf_truncate(body, 0);
	err = put_func_body(k, id, proto, body);
	if (err)
		return err;

	/* (one allocation per entry: ~50,000 of them) */
	ks_buf_grow(&text, strlen(name) + body->len + 32);
	ks_buf_puts(&text, "func ");
	ks_canon__put_name(&text, name);
	ks_buf_puts(&text, " {\t/* ");
	ks_buf_puts(&text, link);
	if (k->symtab) {
		/* what a kprobe or fentry can attach to (docs/format.md
		 * "Function symbols") */
		const char **forms;
		size_t nf = ks_symtab_forms(k->symtab, name, &forms), f;

		ks_buf_puts(&text, nf ? "; symbols" : "; no callable symbol");
		for (f = 0; f < nf; f++) {
			ks_buf_putc(&text, ' ');
			ks_buf_puts(&text, forms[f]);
		}
	}
	ks_buf_puts(&text, " */\n");
	ks_buf_add(&text, body->p, body->len);
	if ((err = add(k, KS_KIND_FUNC, name, &text)))
		return err;

	if (!strncmp(name, LSM_PREFIX, sizeof(LSM_PREFIX) - 1) &&
	    name[sizeof(LSM_PREFIX) - 1]) {
		const char *hook = name + sizeof(LSM_PREFIX) - 1;

		ks_buf_puts(&text, "lsm ");
		ks_canon__put_name(&text, hook);
		ks_buf_puts(&text, " {\n");
		ks_buf_add(&text, body->p, body->len);
		if ((err = add(k, KS_KIND_LSM, hook, &text)))
			return err;
	}
	if (k->kfunc[id]) {
		ks_buf_puts(&text, "kfunc ");
		ks_canon__put_name(&text, name);
		ks_buf_puts(&text, " {\n");
		ks_buf_add(&text, body->p, body->len);
		if ((err = add(k, KS_KIND_KFUNC, name, &text)))
			return err;
	}
	sys = syscall_name(name);
	return sys ? add_sys(k, id, name, sys) : 0;
}

/* Marks the functions a "bpf_kfunc" declaration tag names as a whole
 * (component -1; other components are parameters). */
static void find_kfuncs(struct kinds *k)
{
	__u32 id;

	for (id = k->start; id < k->n; id++) {
		const struct btf_type *t = btf__type_by_id(k->btf, id), *f;

		if (!btf_is_decl_tag(t) || btf_decl_tag(t)->component_idx != -1 ||
		    strcmp(name_of(k->btf, t), KFUNC_TAG) || t->type < k->start ||
		    t->type >= k->n)
			continue;
		f = btf__type_by_id(k->btf, t->type);
		if (f && btf_is_func(f))
			k->kfunc[t->type] = 1;
	}
}

int ks_canon_add_btf_kinds(struct ks_snapshot *snap, const struct btf *btf, __u32 start_id)
{
	return ks_canon_add_btf_kinds_syms(snap, btf, start_id, NULL);
}

int ks_canon_add_btf_kinds_syms(struct ks_snapshot *snap, const struct btf *btf,
				__u32 start_id, const struct ks_symtab *symtab)
{
	return ks_canon_add_btf_kinds_part(snap, btf, start_id, symtab, KS_CANON_ALL);
}

int ks_canon_add_btf_kinds_part(struct ks_snapshot *snap, const struct btf *btf,
				__u32 start_id, const struct ks_symtab *symtab,
				enum ks_canon_part part)
{
	struct kinds k = { .btf = btf, .snap = snap, .symtab = symtab };
	struct ks_buf body = KS_BUF_INIT, text = KS_BUF_INIT;
	__u32 id;
	size_t i;
	int err = 0;

	k.start = start_id ? start_id : 1;
	k.n = btf__type_cnt(btf);
	k.kfunc = ks_xcalloc(k.n ? k.n : 1, 1);
	if (part & KS_CANON_FUNCS)
		find_kfuncs(&k);

	for (id = k.start; !err && id < k.n; id++) {
		const struct btf_type *t = btf__type_by_id(btf, id);
		const char *name = name_of(btf, t);

		if (!name[0])
			continue;
		if (!(part & (btf_is_func(t) ? KS_CANON_FUNCS : KS_CANON_TYPES)))
			continue;
		switch (btf_kind(t)) {
		case BTF_KIND_ENUM:
		case BTF_KIND_ENUM64:
			/* no enumerators: a forward declaration */
			if (!btf_vlen(t))
				break;
			put_enum(&k, t, &text);
			err = add(&k, KS_KIND_ENUM, name, &text);
			break;
		case BTF_KIND_TYPEDEF:
			err = put_typedef(&k, id, t, &text);
			if (!err)
				err = add(&k, KS_KIND_TYPEDEF, name, &text);
			if (!err && !strncmp(name, TRACE_PREFIX, sizeof(TRACE_PREFIX) - 1) &&
			    name[sizeof(TRACE_PREFIX) - 1])
				err = add_tracepoint(&k, id, t, name + sizeof(TRACE_PREFIX) - 1);
			break;
		case BTF_KIND_FUNC:
			err = add_func(&k, id, t, name, &body);
			break;
		default:
			break;
		}
	}
	if (!err)
		err = add_syscalls(&k);
	if (!err)
		snap->recorded = KS_KINDS_ALL;

	for (i = 0; i < k.nsys; i++)
		free(k.sys[i].line);
	free(k.sys);
	free(k.rec);
	free(k.kfunc);
	ks_buf_free(&body);
	ks_buf_free(&text);
	return err;
}
