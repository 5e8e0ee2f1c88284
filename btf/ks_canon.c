/* Turns BTF struct/union types into the canonical text of docs/format.md.
 *
 * We print declarations ourselves instead of using libbpf's btf_dump:
 * its output differs between libbpf releases and it renames duplicate
 * names in encounter order, and canonical bytes must not depend on either.
 */
#include "ks_canon.h"
#include "ks_canon_int.h"

#include <bpf/btf.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "ks_buf.h"
#include "ks_err.h"
#include "ks_snapshot.h"

/* Type chains deeper than this only occur in corrupt or hostile BTF. */
#define KS_CANON_MAX_DEPTH 64

enum { Q_CONST = 1, Q_VOLATILE = 2, Q_RESTRICT = 4 };

struct render {
	const struct btf *btf;
	__u32 root;		/* type being rendered, for messages */
};

static int emit_members(struct render *r, __u32 id, int indent,
			__u64 base_bits, int depth, struct ks_buf *out);

static int bad_type(struct render *r, __u32 id)
{
	return ks_err_set(KS_EFORMAT,
			  "type %u refers to invalid or too deeply nested type %u",
			  r->root, id);
}

/* Names are printed as they are when they look like C; any other byte
 * is escaped so that a hostile name cannot break the line structure. */
static void put_name_sp(struct ks_buf *out, const char *name, int spaces)
{
	const unsigned char *p;

	for (p = (const unsigned char *)name; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '_' || *p == '$' ||
		    *p == '.' || (spaces && *p == ' ' && p[1] && p[1] != ' '))
			ks_buf_putc(out, (char)*p);
		else
			ks_buf_printf(out, "\\x%02x", *p);
	}
}

static void put_name(struct ks_buf *out, const char *name)
{
	put_name_sp(out, name, 0);
}

static const char *type_name(const struct btf *btf, const struct btf_type *t)
{
	const char *s = btf__name_by_offset(btf, t->name_off);

	return s ? s : "";
}

static const struct btf_type *skip_mods(const struct btf *btf, __u32 id,
					__u32 *out_id)
{
	const struct btf_type *t = btf__type_by_id(btf, id);
	int n = 0;

	while (t && id && n++ < KS_CANON_MAX_DEPTH &&
	       (btf_is_mod(t) || btf_is_type_tag(t))) {
		id = t->type;
		t = btf__type_by_id(btf, id);
	}
	if (out_id)
		*out_id = id;
	return n > KS_CANON_MAX_DEPTH ? NULL : t;
}

static int is_anon_composite(const struct btf *btf, const struct btf_type *t)
{
	return t && btf_is_composite(t) && !type_name(btf, t)[0];
}

static void put_quals(struct ks_buf *out, unsigned int quals)
{
	if (quals & Q_CONST)
		ks_buf_puts(out, "const ");
	if (quals & Q_VOLATILE)
		ks_buf_puts(out, "volatile ");
	if (quals & Q_RESTRICT)
		ks_buf_puts(out, "restrict ");
}

static void put_comment(struct ks_buf *out, __u64 bit_off, __u64 size_bytes,
			__u32 bits)
{
	if (bits || bit_off % 8)
		ks_buf_printf(out, "\t/* bit %llu %llu */", (unsigned long long)bit_off,
			      (unsigned long long)(bits ? bits : size_bytes * 8));
	else
		ks_buf_printf(out, "\t/* %llu %llu */", (unsigned long long)(bit_off / 8),
			      (unsigned long long)size_bytes);
}

static int put_base(struct render *r, __u32 id, const struct btf_type *t,
		    unsigned int quals, struct ks_canon_decl *dc, int depth,
		    struct ks_buf *out)
{
	const char *name = id ? type_name(r->btf, t) : "void";
	int i, err;

	put_quals(out, quals);
	if (!id) {
		ks_buf_puts(out, "void");
		return 0;
	}
	switch (btf_kind(t)) {
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
		ks_buf_puts(out, btf_is_struct(t) ? "struct " : "union ");
		if (name[0]) {
			put_name(out, name);
			return 0;
		}
		/* Anonymous bodies have no name to refer to, so they are
		 * written out where they are used. */
		ks_buf_putc(out, '{');
		/* Every opening line carries a comment; a second anonymous
		 * body on one member (two in a parameter list) gets its own. */
		if (dc->comment)
			ks_buf_puts(out, dc->comment);
		else
			put_comment(out, dc->base_bits, t->size, 0);
		dc->comment = NULL;
		ks_buf_putc(out, '\n');
		err = emit_members(r, id, dc->indent + 1, dc->base_bits,
				   depth + 1, out);
		if (err)
			return err;
		for (i = 0; i < dc->indent; i++)
			ks_buf_putc(out, '\t');
		ks_buf_putc(out, '}');
		return 0;
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64:
		ks_buf_puts(out, "enum ");
		if (name[0]) {
			put_name(out, name);
			return 0;
		}
		ks_buf_putc(out, '{');
		for (i = 0; i < btf_vlen(t); i++) {
			const char *vn;
			long long v;

			if (btf_is_enum(t)) {
				const struct btf_enum *e = btf_enum(t) + i;

				vn = btf__name_by_offset(r->btf, e->name_off);
				/* kind_flag marks a signed enum */
				if (btf_kflag(t))
					v = (__s32)e->val;
				else
					v = (__u32)e->val;
			} else {
				const struct btf_enum64 *e = btf_enum64(t) + i;

				vn = btf__name_by_offset(r->btf, e->name_off);
				v = (long long)btf_enum64_value(e);
			}
			ks_buf_puts(out, i ? ", " : " ");
			put_name(out, vn ? vn : "");
			if (btf_is_enum64(t) && !btf_kflag(t))
				ks_buf_printf(out, " = %llu", (unsigned long long)v);
			else
				ks_buf_printf(out, " = %lld", v);
		}
		ks_buf_puts(out, " }");
		return 0;
	case BTF_KIND_FWD:
		ks_buf_puts(out, btf_kflag(t) ? "union " : "struct ");
		put_name(out, name);
		return 0;
	case BTF_KIND_INT:
	case BTF_KIND_FLOAT:
		/* base types have names such as "long unsigned int" */
		put_name_sp(out, name, 1);
		return 0;
	case BTF_KIND_TYPEDEF:
		put_name(out, name);
		return 0;
	default:
		return bad_type(r, id);
	}
}

/* The type a declarator chain from @id ends in: what put_base() writes,
 * first on the line, however late it is written. */
static const struct btf_type *decl_base(const struct btf *btf, __u32 id)
{
	const struct btf_type *t;
	int n = 0;

	while (id && (t = btf__type_by_id(btf, id)) && n++ < KS_CANON_MAX_DEPTH) {
		if (btf_is_array(t))
			id = btf_array(t)->type;
		else if (btf_is_mod(t) || btf_is_type_tag(t) || btf_is_ptr(t) ||
			 btf_is_func_proto(t) || btf_is_func(t))
			id = t->type;
		else
			return t;
	}
	return NULL;
}

/* Appends the declaration of @inner as type @id (C's inside-out
 * declarator syntax): pointers prefix, arrays and parameters suffix,
 * and a pointer to an array or function needs parentheses. */
static int put_decl(struct render *r, __u32 id, const char *inner,
		    unsigned int quals, struct ks_canon_decl *dc, int depth,
		    struct ks_buf *out)
{
	const struct btf_type *t = id ? btf__type_by_id(r->btf, id) : NULL;
	struct ks_buf s = KS_BUF_INIT;
	int err, i;

	if (depth > KS_CANON_MAX_DEPTH || (id && !t))
		return bad_type(r, id);
	if (!id)
		goto base;

	switch (btf_kind(t)) {
	case BTF_KIND_CONST:
		return put_decl(r, t->type, inner, quals | Q_CONST, dc, depth + 1, out);
	case BTF_KIND_VOLATILE:
		return put_decl(r, t->type, inner, quals | Q_VOLATILE, dc, depth + 1, out);
	case BTF_KIND_RESTRICT:
		return put_decl(r, t->type, inner, quals | Q_RESTRICT, dc, depth + 1, out);
	case BTF_KIND_TYPE_TAG:
		/* Annotations such as __user are not part of the layout. */
		return put_decl(r, t->type, inner, quals, dc, depth + 1, out);
	case BTF_KIND_PTR: {
		const struct btf_type *tgt = skip_mods(r->btf, t->type, NULL);
		int group = tgt && t->type && (btf_is_array(tgt) || btf_is_func_proto(tgt));

		if (group)
			ks_buf_putc(&s, '(');
		ks_buf_putc(&s, '*');
		put_quals(&s, quals);
		if (!inner[0] && quals)
			ks_buf_truncate(&s, s.len - 1);
		ks_buf_puts(&s, inner);
		if (group)
			ks_buf_putc(&s, ')');
		/* What a pointer points to is not laid out here. */
		__u64 saved = dc->base_bits;

		dc->base_bits = 0;
		err = put_decl(r, t->type, s.p, 0, dc, depth + 1, out);
		dc->base_bits = saved;
		break;
	}
	case BTF_KIND_ARRAY: {
		const struct btf_array *a = btf_array(t);

		ks_buf_printf(&s, "%s[%u]", inner, a->nelems);
		err = put_decl(r, a->type, s.p, quals, dc, depth + 1, out);
		break;
	}
	case BTF_KIND_FUNC_PROTO:
	case BTF_KIND_FUNC: {
		const struct btf_type *proto = t;
		const struct btf_param *p;
		__u64 saved = dc->base_bits;
		const char *held = NULL;

		if (btf_is_func(t)) {
			proto = btf__type_by_id(r->btf, t->type);
			if (!proto || !btf_is_func_proto(proto))
				return bad_type(r, t->type);
		}
		/* An anonymous body the return type ends in comes first on the
		 * line, before any in the parameters: the member's comment is
		 * its (docs/format.md: on the member's first line). */
		if (dc->comment && is_anon_composite(r->btf, decl_base(r->btf, proto->type))) {
			held = dc->comment;
			dc->comment = NULL;
		}
		dc->base_bits = 0;
		ks_buf_puts(&s, inner);
		ks_buf_putc(&s, '(');
		p = btf_params(proto);
		for (i = 0; i < btf_vlen(proto); i++, p++) {
			const char *pn = btf__name_by_offset(r->btf, p->name_off);
			struct ks_buf pname = KS_BUF_INIT;

			if (i)
				ks_buf_puts(&s, ", ");
			if (!p->type && i == btf_vlen(proto) - 1) {
				ks_buf_puts(&s, "...");
				continue;
			}
			put_name(&pname, pn ? pn : "");
			err = put_decl(r, p->type, pname.p ? pname.p : "", 0, dc,
				       depth + 1, &s);
			ks_buf_free(&pname);
			if (err)
				goto out;
		}
		if (!btf_vlen(proto))
			ks_buf_puts(&s, "void");
		ks_buf_putc(&s, ')');
		if (held)
			dc->comment = held;
		err = put_decl(r, proto->type, s.p, 0, dc, depth + 1, out);
		dc->base_bits = saved;
		break;
	}
	default:
		goto base;
	}
out:
	ks_buf_free(&s);
	return err;

base:
	err = put_base(r, id, t, quals, dc, depth, out);
	if (!err && inner[0]) {
		ks_buf_putc(out, ' ');
		ks_buf_puts(out, inner);
	}
	return err;
}

/* Bitfield width of member @i: BTF with kind_flag carries it in the
 * member; older encoders put it in the INT type instead. */
static __u32 member_bits(const struct btf *btf, const struct btf_type *t,
			 int i, __u32 *extra_off)
{
	const struct btf_member *m = btf_members(t) + i;
	const struct btf_type *mt;

	*extra_off = 0;
	if (btf_kflag(t))
		return BTF_MEMBER_BITFIELD_SIZE(m->offset);
	mt = btf__type_by_id(btf, m->type);
	if (mt && btf_is_int(mt)) {
		__u32 enc = *(const __u32 *)(mt + 1);

		if (BTF_INT_BITS(enc) != mt->size * 8 || BTF_INT_OFFSET(enc)) {
			*extra_off = BTF_INT_OFFSET(enc);
			return BTF_INT_BITS(enc);
		}
	}
	return 0;
}

static __u64 member_offset(const struct btf_type *t, int i)
{
	const struct btf_member *m = btf_members(t) + i;

	return btf_kflag(t) ? BTF_MEMBER_BIT_OFFSET(m->offset) : m->offset;
}

static void put_indent(struct ks_buf *out, int indent)
{
	while (indent-- > 0)
		ks_buf_putc(out, '\t');
}

static int emit_members(struct render *r, __u32 id, int indent,
			__u64 base_bits, int depth, struct ks_buf *out)
{
	const struct btf_type *t = btf__type_by_id(r->btf, id);
	int i, err;

	if (!t || !btf_is_composite(t) || depth > KS_CANON_MAX_DEPTH)
		return bad_type(r, id);

	for (i = 0; i < btf_vlen(t); i++) {
		const struct btf_member *m = btf_members(t) + i;
		const char *name = btf__name_by_offset(r->btf, m->name_off);
		const struct btf_type *mt = skip_mods(r->btf, m->type, NULL);
		struct ks_buf comment = KS_BUF_INIT, inner = KS_BUF_INIT;
		struct ks_canon_decl dc;
		__u32 aid, extra, bits = member_bits(r->btf, t, i, &extra);
		__u64 off = base_bits + member_offset(t, i) + extra;
		__s64 size = btf__resolve_size(r->btf, m->type);

		if (size < 0)
			size = 0;
		put_comment(&comment, off, (__u64)size, bits);
		put_indent(out, indent);

		if (!name)
			name = "";
		if (!name[0] && !bits && is_anon_composite(r->btf, mt)) {
			/* An anonymous struct/union member: its members
			 * belong to the enclosing type, at absolute offsets. */
			ks_buf_puts(out, btf_is_struct(mt) ? "struct {" : "union {");
			ks_buf_puts(out, comment.p);
			ks_buf_putc(out, '\n');
			skip_mods(r->btf, m->type, &aid);
			err = emit_members(r, aid, indent + 1, off, depth + 1, out);
			ks_buf_free(&comment);
			if (err)
				return err;
			put_indent(out, indent);
			ks_buf_puts(out, "};\n");
			continue;
		}

		put_name(&inner, name);
		dc.indent = indent;
		dc.base_bits = off;
		dc.comment = comment.p;
		err = put_decl(r, m->type, inner.p ? inner.p : "", 0, &dc,
			       depth + 1, out);
		if (!err) {
			if (bits)	/* "int :3" keeps an unnamed bitfield readable */
				ks_buf_printf(out, name[0] ? ":%u" : " :%u", bits);
			ks_buf_putc(out, ';');
			if (dc.comment)
				ks_buf_puts(out, dc.comment);
			ks_buf_putc(out, '\n');
		}
		ks_buf_free(&comment);
		ks_buf_free(&inner);
		if (err)
			return err;
	}
	return 0;
}

int ks_canon_render(char **text, size_t *len, const struct btf *btf, __u32 id)
{
	const struct btf_type *t = btf__type_by_id(btf, id);
	struct render r = { .btf = btf, .root = id };
	struct ks_buf out = KS_BUF_INIT;
	int err;

	if (!t || !btf_is_composite(t))
		return ks_err_set(KS_EINVAL, "type %u is not a struct or union", id);

	ks_buf_puts(&out, btf_is_struct(t) ? "struct " : "union ");
	if (type_name(btf, t)[0]) {
		put_name(&out, type_name(btf, t));
		ks_buf_putc(&out, ' ');
	}
	ks_buf_puts(&out, "{\n");
	err = emit_members(&r, id, 1, 0, 0, &out);
	if (err) {
		ks_buf_free(&out);
		return err;
	}
	ks_buf_printf(&out, "};\t/* size %u */\n", t->size);
	*text = ks_buf_detach(&out, len);
	return 0;
}

int ks_canon_add_btf(struct ks_snapshot *snap, const struct btf *btf, __u32 start_id)
{
	__u32 id, n = btf__type_cnt(btf);

	for (id = start_id ? start_id : 1; id < n; id++) {
		const struct btf_type *t = btf__type_by_id(btf, id);
		const char *name;
		char *text;
		size_t len;
		int err;

		if (!t || !btf_is_composite(t))
			continue;
		name = type_name(btf, t);
		if (!name[0])
			continue;
		err = ks_canon_render(&text, &len, btf, id);
		if (!err)
			err = ks_snapshot_add(snap, btf_is_struct(t) ? "struct" : "union",
					      name, text, len);
		if (err)
			return err;
	}
	return 0;
}

int ks_canon__put_decl(const struct btf *btf, __u32 root, __u32 id, const char *name,
		       struct ks_canon_decl *dc, struct ks_buf *out)
{
	struct render r = { .btf = btf, .root = root };
	struct ks_buf inner = KS_BUF_INIT;
	const unsigned char *p;
	int err;

	/* (import's names are identifiers: escaping them is a copy) */
	for (p = (const unsigned char *)name; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '_'))
			break;
	if (!*p)
		return put_decl(&r, id, name, 0, dc, 0, out);
	put_name(&inner, name);
	err = put_decl(&r, id, inner.p ? inner.p : "", 0, dc, 0, out);
	ks_buf_free(&inner);
	return err;
}

void ks_canon__put_name(struct ks_buf *out, const char *name)
{
	put_name(out, name);
}
