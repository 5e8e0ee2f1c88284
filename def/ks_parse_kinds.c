/* Reading the texts of the kinds after struct and union back into a
 * ks_def (docs/format.md, "The other kinds"). They share the struct's
 * line grammar, so a member here is what a field is there: one line (or,
 * for a declaration that writes an anonymous body out, the lines up to
 * its end), found by name; parameters and tracepoint arguments are also
 * found by position. */
#include "ks_parse_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ks_buf.h"
#include "ks_err.h"
#include "ks_kind.h"

struct reader {
	const char *p, *end;
	size_t lineno;
	struct ks_buf line;	/* the current line, tabs and comment cut */
	size_t tabs;
	const char *comment;	/* inside line, or NULL */
};

/* The next line into r->line; 0 at the end of the text, -1 when the
 * text does not end in '\n' or a comment is malformed. */
static int next_line(struct reader *r)
{
	const char *nl;
	char *c, *cm;
	size_t n;

	if (r->p >= r->end)
		return 0;
	nl = memchr(r->p, '\n', (size_t)(r->end - r->p));
	if (!nl)
		return -1;
	n = (size_t)(nl - r->p);
	ks_buf_truncate(&r->line, 0);
	ks_buf_add(&r->line, r->p, n);
	r->p = nl + 1;
	r->lineno++;
	c = r->line.p ? r->line.p : (char *)"";
	for (r->tabs = 0; c[r->tabs] == '\t'; r->tabs++)
		;
	if (ks__cut_comment(c + r->tabs, &cm))
		return -1;
	r->comment = cm;
	return 1;
}

static char *content(struct reader *r)
{
	return (r->line.p ? r->line.p : (char *)"") + r->tabs;
}

static void add(struct ks_def *d, size_t *cap, char *name, char *decl, int positional)
{
	struct ks_member *m;

	if (d->n == *cap) {
		*cap = *cap ? *cap * 2 : 16;
		d->members = ks_xrealloc(d->members, *cap * sizeof(*m));
	}
	m = &d->members[d->n];
	memset(m, 0, sizeof(*m));
	m->name = name;
	m->decl = decl;
	m->index = (unsigned int)d->n++;
	m->positional = positional;
}

static int is_int(const char *s)
{
	if (*s == '-')
		s++;
	return *s && strspn(s, "0123456789") == strlen(s);
}

/* "BPF_MAP_TYPE_HASH = 1," */
static int enumerator(struct ks_def *d, size_t *cap, const char *c)
{
	size_t n = strlen(c);
	const char *eq = strstr(c, " = ");
	char *val;
	int ok;

	if (n < 2 || c[n - 1] != ',' || !eq || eq == c)
		return -1;
	val = ks_xstrndup(eq + 3, (size_t)(c + n - 1 - (eq + 3)));
	ok = is_int(val);
	free(val);
	if (!ok)
		return -1;
	add(d, cap, ks_xstrndup(c, (size_t)(eq - c)), ks_xstrndup(c, n - 1), 0);
	return 0;
}

/* Whether @name, which ks_decl_name() found at the end of @decl, is in
 * fact the last word of an unnamed declaration's type: "int", "long
 * unsigned int", "struct file" (written so for an unnamed parameter),
 * or a lone typedef name. Names are never keywords. */
static int is_type_word(const char *decl, const char *name)
{
	static const char *const words[] = {
		"int", "char", "short", "long", "signed", "unsigned", "_Bool", "float",
		"double", "void", "const", "volatile", "restrict",
	};
	size_t nl = strlen(name), dl = strlen(decl), i, w, end;
	const char *before;

	if (!nl)
		return 1;
	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (!strcmp(name, words[i]))
			return 1;
	if (dl == nl)
		return 1;
	before = decl + dl - nl;	/* the name ends the declaration here */
	if (strcmp(before, name) || before[-1] != ' ')
		return 0;
	/* the word before: [i, end) */
	end = (size_t)(before - decl) - 1;
	for (i = end; i > 0 && decl[i - 1] != ' '; i--)
		;
	w = end - i;
	return (w == 6 && !strncmp(decl + i, "struct", 6)) ||
	       (w == 5 && !strncmp(decl + i, "union", 5)) ||
	       (w == 4 && !strncmp(decl + i, "enum", 4));
}

/* "struct file *file;", "...;", "int;" */
static int declaration(struct ks_def *d, size_t *cap, const char *c, int positional)
{
	size_t n = strlen(c);
	char *decl, *name;

	if (n < 2 || c[n - 1] != ';')
		return -1;
	decl = ks_xstrndup(c, n - 1);
	if (!strcmp(decl, "...")) {
		name = ks_xstrdup("...");
	} else {
		name = ks_decl_name(decl);
		if (is_type_word(decl, name)) {
			free(name);
			name = ks_xasprintf("#%zu", d->n);	/* its position */
		}
	}
	add(d, cap, name, decl, positional);
	return 0;
}

static int brace_balance(const char *s)
{
	int b = 0;

	for (; *s; s++)
		b += (*s == '{') - (*s == '}');
	return b;
}

/* "KIND NAME {" ... "};" and, for a tracepoint, its record after it. */
static int parse_block(struct ks_def *d, struct reader *r, const char *text, size_t len)
{
	struct ks_buf acc = KS_BUF_INIT;
	char *c = content(r), *sp = strchr(c, ' ');
	size_t cap = 0, cn = strlen(c);
	const char *kind;
	int err = 0, depth = 0, proto, rc = 0;

	if (r->tabs || !sp || cn < 4 || strcmp(c + cn - 2, " {") ||
	    (size_t)(sp + 1 - c) >= cn - 2)
		return -1;
	*sp = '\0';
	kind = ks_kind_canonical(c);
	if (!kind || !strcmp(kind, "struct") || !strcmp(kind, "union") ||
	    !strcmp(kind, "typedef"))
		return -1;
	d->kind = ks_xstrdup(kind);
	d->name = ks_xstrndup(sp + 1, cn - 2 - (size_t)(sp + 1 - c));
	if (!d->name[0] || strchr(d->name, ' '))
		return -1;
	if (r->comment) {
		const char *semi = strstr(r->comment, "; ");

		/* "global; symbols vfs_read": the linkage, then the symbols */
		if (semi && !strcmp(kind, "func")) {
			d->note = ks_xstrndup(r->comment, (size_t)(semi - r->comment));
			d->symbols = ks_xstrdup(semi + 2);
			if (strncmp(d->symbols, "symbols ", 8) &&
			    strcmp(d->symbols, "no callable symbol"))
				return -1;
		} else {
			d->note = ks_xstrdup(r->comment);
		}
	}
	proto = strcmp(kind, "enum") != 0;

	while (!err && (rc = next_line(r)) > 0) {
		c = content(r);
		if (!r->tabs)
			break;
		if (!proto && (r->comment || r->tabs != 1)) {
			err = -1;
			break;
		}
		if (!c[0]) {
			err = -1;
			break;
		}
		if (acc.len)
			ks_buf_putc(&acc, ' ');
		ks_buf_puts(&acc, c);
		depth += brace_balance(c);
		if (depth < 0 || (!depth && r->tabs != 1)) {
			err = -1;
		} else if (!depth) {
			if (!proto)
				err = enumerator(d, &cap, acc.p);
			else
				err = declaration(d, &cap, acc.p, strcmp(kind, "syscall") != 0);
			ks_buf_truncate(&acc, 0);
		}
	}
	ks_buf_free(&acc);
	if (err || rc <= 0 || depth || strcmp(c, "};"))
		return -1;
	if (!proto) {
		char sign[16], tail;

		if (!r->comment || sscanf(r->comment, "size %llu %15s %c", &d->size, sign,
					  &tail) != 2 ||
		    (strcmp(sign, "signed") && strcmp(sign, "unsigned")))
			return -1;
		d->note = ks_xstrdup(sign);
	}
	if (r->p < r->end) {
		struct ks_def *rec;
		size_t i, at = (size_t)(r->p - text);

		if (strcmp(kind, "tracepoint") || len - at < 8 || memcmp(r->p, "struct ", 7))
			return -1;
		if (ks__parse_composite(&rec, r->p, len - at)) {
			ks_err_clear();
			return -1;
		}
		d->size = rec->size;
		for (i = 0; i < rec->n; i++) {
			struct ks_member m = rec->members[i];

			add(d, &cap, m.name, m.decl, 0);
			d->members[d->n - 1].offset_bits = m.offset_bits;
			d->members[d->n - 1].size_bits = m.size_bits;
			d->members[d->n - 1].bitfield_size = m.bitfield_size;
		}
		rec->n = 0;
		ks_def_free(rec);
		r->p = r->end;
	}
	return 0;
}

/* "typedef unsigned int u32;" or, with an anonymous body, "typedef
 * struct {" ... "} atomic_t;": the body is read as the struct it is. */
static int parse_typedef(struct ks_def *d, struct reader *r)
{
	struct ks_buf body = KS_BUF_INIT, flat = KS_BUF_INIT;
	char *c = content(r) + 8, *opener = NULL, *tail, *decl;
	size_t cn = strlen(c), cap = 0, i;
	struct ks_def *rec = NULL;
	int err = 0, rc;

	d->kind = ks_xstrdup("typedef");
	if (r->tabs || cn < 2)
		return -1;
	if (strcmp(c + cn - 2, " {")) {
		if (c[cn - 1] != ';' || (r->comment && sscanf(r->comment, "size %llu", &d->size) != 1))
			return -1;
		decl = ks_xstrndup(c, cn - 1);
		d->name = ks_decl_name(decl);
		add(d, &cap, ks_xstrdup(d->name), decl, 0);
		return d->name[0] && next_line(r) == 0 ? 0 : -1;
	}
	opener = ks_xstrndup(c, cn - 2);	/* "struct", "const union", ... */
	ks_buf_puts(&body, strstr(opener, "union") ? "union t {\n" : "struct t {\n");
	ks_buf_printf(&flat, "%s {", opener);
	while ((rc = next_line(r)) > 0 && r->tabs) {
		/* back into one line of the body, as the struct reader wants it */
		ks_buf_add(&body, r->line.p, r->tabs);
		ks_buf_puts(&body, content(r));
		if (r->comment)
			ks_buf_printf(&body, "\t/* %s */", r->comment);
		ks_buf_putc(&body, '\n');
		ks_buf_printf(&flat, " %s", content(r));
	}
	c = content(r);
	cn = strlen(c);
	if (rc <= 0 || cn < 4 || c[0] != '}' || c[1] != ' ' || c[cn - 1] != ';' ||
	    (r->comment && sscanf(r->comment, "size %llu", &d->size) != 1) ||
	    next_line(r) != 0) {
		err = -1;
		goto out;
	}
	tail = ks_xstrndup(c + 2, cn - 3);
	ks_buf_printf(&body, "};\t/* size %llu */\n", d->size);
	ks_buf_printf(&flat, " } %s", tail);
	d->name = ks_decl_name(tail);
	free(tail);
	if (!d->name[0] || ks__parse_composite(&rec, body.p, body.len)) {
		ks_err_clear();
		err = -1;
		goto out;
	}
	add(d, &cap, ks_xstrdup(d->name), ks_buf_detach(&flat, NULL), 0);
	for (i = 0; i < rec->n; i++) {
		struct ks_member m = rec->members[i];

		add(d, &cap, m.name, m.decl, 0);
		d->members[d->n - 1].offset_bits = m.offset_bits;
		d->members[d->n - 1].size_bits = m.size_bits;
		d->members[d->n - 1].bitfield_size = m.bitfield_size;
	}
	rec->n = 0;
out:
	ks_def_free(rec);
	free(opener);
	ks_buf_free(&body);
	ks_buf_free(&flat);
	return err;
}

int ks__parse_other(struct ks_def **out, const char *text, size_t len)
{
	struct reader r = { text, text + len, 0, KS_BUF_INIT, 0, NULL };
	struct ks_def *d = ks_xcalloc(1, sizeof(*d));
	int err;

	if (memchr(text, '\0', len) || next_line(&r) <= 0)
		err = -1;
	else if (!strncmp(content(&r), "typedef ", 8))
		err = parse_typedef(d, &r);
	else
		err = parse_block(d, &r, text, len);
	ks_buf_free(&r.line);
	if (err) {
		ks_def_free(d);
		return ks_err_set(KS_EFORMAT, "not canonical type text (line %zu)",
				  r.lineno ? r.lineno : 1);
	}
	*out = d;
	return 0;
}
