/* Canonical texts of structs, unions, enums and typedefs into C types,
 * keeping the nesting of anonymous members, with offsets made relative
 * to the enclosing type as BTF has them. The text may come from a
 * fetched store: every surprise is KS_EFORMAT. */
#include "ks_ctype_parse.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ks_buf.h"
#include "ks_err.h"
#include "ks_parse_int.h"

#define MAX_NEST 64

struct frame {
	struct ks_ctype *t;	/* the composite being read */
	uint64_t abs_bits;	/* its offset in the outermost type */
	uint64_t size;		/* its opening comment's size */
	struct ks_ct_member *m;	/* its members so far (heap) */
	size_t n, cap;
	int opaque;		/* a declaration spanning bodies: kept as text */
	struct ks_buf raw;
};

struct text_reader {
	struct ks_ct_arena *a;
	const struct ks_ct_abi *abi;
	struct frame stack[MAX_NEST];
	size_t depth;
};

static void add_member(struct frame *f, const char *name, uint64_t bits, unsigned int bitfield,
		       struct ks_ctype *type)
{
	if (f->n == f->cap) {
		f->cap = f->cap ? f->cap * 2 : 16;
		f->m = ks_xrealloc(f->m, f->cap * sizeof(*f->m));
	}
	f->m[f->n].name = name;
	f->m[f->n].bit_offset = bits;
	f->m[f->n].bitfield = bitfield;
	f->m[f->n++].type = type;
}

/* Members are read with offsets in the text's coordinates: from the
 * start of the outermost type, except inside the body of a pointer to
 * an anonymous type, which counts from its own start. @base is where
 * the frame starts in those coordinates. */
static int finish_frame(struct text_reader *r, struct frame *f, uint64_t base)
{
	size_t i;
	int err = 0;

	for (i = 0; i < f->n; i++) {
		if (f->m[i].bit_offset < base)
			err = -1;
		else
			f->m[i].bit_offset -= base;
	}
	f->t->nmembers = f->n;
	f->t->members = ks_ct_alloc(r->a, (f->n ? f->n : 1) * sizeof(*f->m));
	if (f->n)
		memcpy(f->t->members, f->m, f->n * sizeof(*f->m));
	f->t->complete = 1;
	free(f->m);
	f->m = NULL;
	ks_buf_free(&f->raw);
	return err;
}

static int through_pointer(const struct ks_ctype *t, const struct ks_ctype *body)
{
	for (; t && t != body; t = t->ref)
		if (t->kind == KS_CT_PTR || t->kind == KS_CT_FUNC)
			return 1;
	return 0;
}

/* A member's size comment sizes its type, and arrays' elements. */
static void set_size(struct ks_ctype *t, uint64_t size)
{
	while (t && !t->size) {
		t->size = size;
		if (t->kind != KS_CT_ARRAY || !t->nelems)
			break;
		size /= t->nelems;
		t = t->ref;
	}
}

/* "OFF SIZE" or "bit OFF BITS" */
static int parse_comment(const char *cm, uint64_t *bits, uint64_t *size, unsigned int *bitfield)
{
	unsigned long long x, y;
	int n = 0;

	*bitfield = 0;
	if (!strncmp(cm, "bit ", 4)) {
		if (sscanf(cm + 4, "%llu %llu%n", &x, &y, &n) != 2 || cm[4 + n] || !y || y > 128)
			return -1;
		*bits = x;
		*size = 0;
		*bitfield = (unsigned int)y;
		return 0;
	}
	if (sscanf(cm, "%llu %llu%n", &x, &y, &n) != 2 || cm[n] || x > UINT64_MAX / 8)
		return -1;
	*bits = x * 8;
	*size = y;
	return 0;
}

static int body_line(struct text_reader *r, char *content, const char *cm)
{
	struct frame *f = &r->stack[r->depth - 1];
	size_t cl = strlen(content);
	uint64_t bits = 0, size = 0;
	unsigned int bitfield = 0;
	struct ks_ctype *type;
	const char *name;

	if (cm && parse_comment(cm, &bits, &size, &bitfield))
		return -1;
	if (!cl)
		return -1;
	if (content[0] == '}' && content[cl - 1] == '{') {
		/* "} a, union {": one declaration across bodies */
		if (!cm)
			return -1;
		ks_buf_puts(&f->raw, content);
		ks_buf_putc(&f->raw, ' ');
		f->opaque = 1;
		return 0;
	}
	if (content[cl - 1] == '{') {
		struct frame *nf;

		if (!cm || bitfield || r->depth == MAX_NEST)
			return -1;
		if (f->opaque) {	/* inside a declaration kept as text */
			ks_buf_puts(&f->raw, content);
			ks_buf_putc(&f->raw, ' ');
		}
		nf = &r->stack[r->depth++];
		memset(nf, 0, sizeof(*nf));
		nf->abs_bits = bits;
		nf->size = size;
		if (!strcmp(content, "struct {") || !strcmp(content, "union {")) {
			nf->t = ks_ct_new(r->a, content[0] == 's' ? KS_CT_STRUCT : KS_CT_UNION, NULL);
			nf->t->size = size;
		} else {
			nf->t = ks_ct_new(r->a, KS_CT_STRUCT, NULL);
			nf->opaque = 1;
			ks_buf_puts(&nf->raw, content);
			ks_buf_putc(&nf->raw, ' ');
		}
		return 0;
	}
	if (content[0] == '}') {
		struct frame *parent;
		int err = 0;

		if (cm || r->depth < 2 || content[cl - 1] != ';')
			return -1;
		content[cl - 1] = '\0';
		parent = &r->stack[r->depth - 2];
		if (f->opaque) {
			ks_buf_puts(&f->raw, content);
			if (parent->opaque) {
				ks_buf_puts(&parent->raw, f->raw.p);
				ks_buf_puts(&parent->raw, "; ");
				finish_frame(r, f, 0);
				r->depth--;
				return 0;
			}
			err = ks_ctype_parse_decl(r->a, f->raw.p, r->abi, &type, &name) ? -1 : 0;
		} else if (!strcmp(content, "}")) {
			type = f->t;
			name = "";
		} else {
			err = ks_ctype_parse_declarator(r->a, r->abi, content + 1, f->t, &type, &name);
			if (!err)
				set_size(type, 0);
		}
		if (!err && parent->opaque) {
			ks_buf_puts(&parent->raw, "x; ");
		} else if (!err) {
			/* "} name[4];": the opening comment sized the array */
			if (type != f->t) {
				set_size(type, f->size);
				if (!f->t->size)
					f->t->size = f->size;
			}
			add_member(parent, name, f->abs_bits, 0, type);
		}
		if (finish_frame(r, f, !err && through_pointer(type, f->t) ? 0 : f->abs_bits))
			err = -1;
		r->depth--;
		return err;
	}
	/* a member */
	if (!cm || content[cl - 1] != ';')
		return -1;
	content[cl - 1] = '\0';
	if (f->opaque) {
		ks_buf_puts(&f->raw, content);
		ks_buf_puts(&f->raw, "; ");
		return 0;
	}
	if (bitfield) {
		char *colon = strrchr(content, ':');

		if (!colon)
			return -1;
		*colon = '\0';
	}
	if (ks_ctype_parse_decl(r->a, content, r->abi, &type, &name))
		return -1;
	if (!bitfield)
		set_size(type, size);
	add_member(f, name, bits, bitfield, type);
	return 0;
}

static int parse_enum_line(struct ks_ct_arena *a, const char *content, struct ks_ctype *t,
			   size_t *cap)
{
	const char *eq = strstr(content, " = ");
	char *end;
	long long v;
	unsigned long long u;
	size_t cl = strlen(content);

	if (!eq || cl < 6 || content[cl - 1] != ',')
		return -1;
	if (eq[3] == '-')
		v = strtoll(eq + 3, &end, 10);
	else
		v = (long long)(u = strtoull(eq + 3, &end, 10));
	if (end != content + cl - 1)
		return -1;
	if (t->nenums == *cap) {
		struct ks_ct_enumerator *n;

		*cap = *cap ? *cap * 2 : 16;
		n = ks_xrealloc(t->enums, *cap * sizeof(*n));
		t->enums = n;
	}
	t->enums[t->nenums].name = ks_ct_strndup(a, content, (size_t)(eq - content));
	t->enums[t->nenums++].value = v;
	return 0;
}

/* "size N" */
static int read_size(const char *cm, uint64_t *size)
{
	unsigned long long v;
	int n = 0;

	if (sscanf(cm, "size %llu%n", &v, &n) != 1 || cm[n])
		return 0;
	*size = v;
	return 1;
}

int ks_ctype_parse(struct ks_ct_arena *a, const char *text, size_t len,
		   const struct ks_ct_abi *abi, struct ks_ctype **out)
{
	struct text_reader r = { .a = a, .abi = abi };
	struct ks_buf lb = KS_BUF_INIT;
	const char *p = text, *end = text + len;
	struct ks_ctype *t = NULL, *td = NULL;
	size_t lineno = 0, ecap = 0;
	int err = 0, done = 0, is_enum = 0;

	*out = NULL;
	if (memchr(text, '\0', len))
		return ks_err_set(KS_EFORMAT, "not canonical text (a NUL byte)");
	while (p < end && !err) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p), tabs = 0;
		char *line, *content, *cm = NULL;

		ks_buf_truncate(&lb, 0);
		ks_buf_add(&lb, p, n);
		line = lb.p;
		p += n + (nl ? 1 : 0);
		lineno++;
		if (done) {
			err = -1;
			break;
		}
		while (line[tabs] == '\t')
			tabs++;
		content = line + tabs;
		if (ks__cut_comment(content, &cm)) {
			err = -1;
			break;
		}
		if (lineno == 1) {
			size_t cl = strlen(content);

			if (tabs) {
				err = -1;
			} else if (!strncmp(content, "typedef ", 8) && cl > 10 &&
				   content[cl - 1] == '{') {
				/* "typedef struct {": the body, then "} NAME;" */
				td = ks_ct_new(a, KS_CT_TYPEDEF, NULL);
				t = ks_ct_new(a, !strcmp(content + 8, "struct {") ? KS_CT_STRUCT :
						 KS_CT_UNION, NULL);
				if (strcmp(content + 8, "struct {") && strcmp(content + 8, "union {"))
					err = -1;
			} else if (!strncmp(content, "typedef ", 8)) {
				struct ks_ctype *target;
				const char *name;

				if (!cl || content[cl - 1] != ';') {
					err = -1;
					break;
				}
				content[cl - 1] = '\0';
				if (ks_ctype_parse_decl(a, content + 8, abi, &target, &name) || !*name) {
					err = -1;
					break;
				}
				t = ks_ct_new(a, KS_CT_TYPEDEF, name);
				t->ref = target;
				t->complete = 1;
				if (cm && !read_size(cm, &t->size))
					err = -1;
				if (!err && t->size)
					set_size(target, t->size);
				done = 1;
			} else if (cl > 2 && !strcmp(content + cl - 2, " {") &&
				   (!strncmp(content, "struct ", 7) || !strncmp(content, "union ", 6) ||
				    !strncmp(content, "enum ", 5))) {
				const char *sp = strchr(content, ' ');

				content[cl - 2] = '\0';
				is_enum = content[0] == 'e';
				t = ks_ct_new(a, content[0] == 's' ? KS_CT_STRUCT :
						 content[0] == 'u' ? KS_CT_UNION : KS_CT_ENUM, sp + 1);
			} else {
				err = -1;
			}
			if (!err && t && !done && !is_enum) {
				memset(&r.stack[0], 0, sizeof(r.stack[0]));
				r.stack[0].t = t;
				r.depth = 1;
			}
		} else if (tabs == 0) {
			/* the footer */
			if (!nl || (!is_enum && r.depth != 1) || !cm) {
				err = -1;
			} else if (td) {
				size_t cl = strlen(content);

				if (cl < 4 || content[0] != '}' || content[1] != ' ' ||
				    content[cl - 1] != ';') {
					err = -1;
				} else {
					td->name = ks_ct_strndup(a, content + 2, cl - 3);
					if (!read_size(cm, &t->size))
						err = -1;
					td->size = t->size;
				}
			} else if (strcmp(content, "};")) {
				err = -1;
			} else if (is_enum) {
				char sign[16];

				unsigned long long sz;

				if (sscanf(cm, "size %llu %15s", &sz, sign) != 2)
					err = -1;
				t->size = sz;
				t->is_signed = !strcmp(sign, "signed");
				t->is_enum64 = t->size == 8;
			} else if (!read_size(cm, &t->size)) {
				err = -1;
			}
			done = 1;
		} else if (is_enum) {
			if (tabs != 1 || cm || parse_enum_line(a, content, t, &ecap))
				err = -1;
		} else if (r.depth && tabs == r.depth - (content[0] == '}')) {
			err = body_line(&r, content, cm);
		} else {
			err = -1;
		}
	}
	ks_buf_free(&lb);
	if (!err && !done)
		err = -1;
	if (is_enum && t) {
		struct ks_ct_enumerator *e = t->enums;

		t->enums = ks_ct_alloc(a, (t->nenums ? t->nenums : 1) * sizeof(*e));
		if (t->nenums)
			memcpy(t->enums, e, t->nenums * sizeof(*e));
		free(e);
		t->complete = 1;
	}
	while (r.depth > 1)
		finish_frame(&r, &r.stack[--r.depth], 0);
	if (r.depth == 1 && finish_frame(&r, &r.stack[0], 0))
		err = -1;
	if (err)
		return ks_err_set(KS_EFORMAT, "not canonical text (line %zu)", lineno);
	if (td) {
		td->ref = t;
		td->complete = 1;
		t = td;
	}
	*out = t;
	return 0;
}
