#include "ks_canon_parse.h"

#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>

#include "ks_buf.h"
#include "ks_err.h"
#include "ks_parse_int.h"

#define KS_PARSE_MAX_DEPTH 64

static int ident_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_' || c == '$' || c == '.' ||
	       c == '\\';
}

/* Index of the bracket that opens the one closing at @close, or -1. */
static long match_open(const char *s, long close, char open_c, char close_c)
{
	int depth = 0;
	long i;

	for (i = close; i >= 0; i--) {
		if (s[i] == close_c)
			depth++;
		else if (s[i] == open_c && --depth == 0)
			return i;
	}
	return -1;
}

/* Peels a declarator from the outside in: trailing [N] and parameter
 * lists go, a parenthesised group is entered, pointers and qualifiers
 * are dropped; what is left ends in the name. */
char *ks_decl_name(const char *decl)
{
	static const char *const quals[] = { "const", "volatile", "restrict" };
	const char *s = decl;
	long start = 0, end = (long)strlen(s) - 1, i;

	for (;;) {
		while (end >= start && s[end] == ' ')
			end--;
		if (end < start)
			break;
		if (s[end] == ']') {
			long o = match_open(s, end, '[', ']');

			if (o < start)
				break;
			end = o - 1;
			continue;
		}
		if (s[end] == ')') {
			long o = match_open(s, end, '(', ')'), p = o - 1;
			int more = 1;

			if (o < start)
				break;
			/* Parameters follow their declarator directly; a group
			 * follows the base type after a space (or a '*'). */
			if (p >= start && (s[p] == ')' || s[p] == ']' || ident_char(s[p]))) {
				end = o - 1;	/* a parameter list */
				continue;
			}
			start = o + 1;		/* a group holds the declarator */
			end--;
			while (more) {
				size_t q;

				more = 0;
				while (start <= end && (s[start] == '*' || s[start] == ' '))
					start++;
				for (q = 0; q < 3; q++) {
					size_t ql = strlen(quals[q]);

					if (!strncmp(s + start, quals[q], ql) &&
					    !ident_char(s[start + (long)ql])) {
						start += (long)ql;
						more = 1;
					}
				}
			}
			continue;
		}
		break;
	}
	for (i = end; i >= start && ident_char(s[i]); i--)
		;
	{
		size_t q, nl = end >= i + 1 ? (size_t)(end - i) : 0;

		for (q = 0; q < 3; q++)
			if (nl == strlen(quals[q]) && !strncmp(s + i + 1, quals[q], nl))
				nl = 0;
		return ks_xstrndup(s + i + 1, nl);
	}
}

struct frame {
	size_t first_member;	/* members before this container */
	char *open;		/* "struct {" / "const union {" */
	struct ks_buf body;	/* the members on one line: "int a; int b; " */
	unsigned long long off_bits, size_bits;
};

static int parse_comment(const char *c, unsigned long long *off_bits,
			 unsigned long long *size_bits, int *is_bits)
{
	unsigned long long a, b;
	char tail;

	if (sscanf(c, "bit %llu %llu %c", &a, &b, &tail) == 2) {
		*off_bits = a;
		*size_bits = b;
		*is_bits = 1;
		return 0;
	}
	if (sscanf(c, "%llu %llu %c", &a, &b, &tail) == 2) {
		*off_bits = a * 8;
		*size_bits = b * 8;
		*is_bits = 0;
		return 0;
	}
	return -1;
}

static void add_member(struct ks_def *d, size_t *cap, char *name, char *decl,
		       unsigned long long off, unsigned long long size,
		       unsigned int bits)
{
	struct ks_member *m;

	if (d->n == *cap) {
		*cap = *cap ? *cap * 2 : 16;
		d->members = ks_xrealloc(d->members, *cap * sizeof(*m));
	}
	m = &d->members[d->n++];
	m->name = name;
	m->decl = decl;
	m->offset_bits = off;
	m->size_bits = size;
	m->bitfield_size = bits;
	m->index = (unsigned int)(d->n - 1);
	m->positional = 0;
}

static void truncate_members(struct ks_def *d, size_t n)
{
	while (d->n > n) {
		d->n--;
		free(d->members[d->n].name);
		free(d->members[d->n].decl);
	}
}

static void body_add(struct ks_buf *b, const char *s, const char *sep)
{
	ks_buf_puts(b, s);
	ks_buf_puts(b, sep);
}

int ks__cut_comment(char *content, char **comment)
{
	char *cm = strstr(content, "\t/* ");
	size_t cl;

	*comment = NULL;
	if (!cm)
		return 0;
	cl = strlen(cm);
	if (cl < 7 || strcmp(cm + cl - 3, " */"))
		return -1;
	cm[cl - 3] = '\0';
	*cm = '\0';
	*comment = cm + 4;
	return 0;
}

/* A struct or union (also the record of a tracepoint, and the body of a
 * typedef of an anonymous struct, which arrive rewritten as one). */
int ks__parse_composite(struct ks_def **out, const char *text, size_t len)
{
	struct ks_buf lbuf = KS_BUF_INIT;
	struct ks_def *d = ks_xcalloc(1, sizeof(*d));
	struct frame stack[KS_PARSE_MAX_DEPTH];
	const char *p = text, *end = text + len;
	size_t cap = 0, lineno = 0, depth = 0, i;
	int err = 0, done = 0;

	if (memchr(text, '\0', len))
		p = end = text;	/* not text: fails below as not done */

	while (p < end && !err) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		char *line, *content, *cm;
		unsigned long long off = 0, size = 0;
		int is_bits = 0, has_comment = 0;
		size_t tabs = 0;

		/* one buffer for every line: parsing is on the history path */
		ks_buf_truncate(&lbuf, 0);
		ks_buf_add(&lbuf, p, n);
		line = lbuf.p;
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
		has_comment = cm != NULL;

		if (lineno == 1) {
			char *sp = strchr(content, ' ');
			size_t cn = strlen(content);

			if (tabs || has_comment || !sp || cn < 3 ||
			    strcmp(content + cn - 2, " {") ||
			    (strncmp(content, "struct ", 7) && strncmp(content, "union ", 6))) {
				err = -1;
			} else {
				/* the name between "KIND " and " {"; none in "struct {" */
				size_t at = (size_t)(sp - content) + 1;

				d->kind = ks_xstrndup(content, (size_t)(sp - content));
				d->name = ks_xstrndup(sp + 1, cn - 2 > at ? cn - 2 - at : 0);
				if (!strcmp(d->name, "{"))
					d->name[0] = '\0';
			}
		} else if (tabs == 0) {
			/* the closing line: "};", then the size comment */
			if (!nl || depth || !has_comment || strcmp(content, "};") ||
			    sscanf(cm, "size %llu", &d->size) != 1)
				err = -1;
			done = 1;
		} else if (!content[0]) {
			err = -1;	/* indentation alone: nothing to read */
		} else if (tabs != depth + (content[0] != '}')) {
			err = -1;	/* closing lines sit at their opening's depth */
		} else if (content[0] == '}' && content[strlen(content) - 1] == '{') {
			/* "} a, union {": a declaration goes on from one anonymous
			 * body to the next (two in a parameter list); the member's
			 * place stays that of its first line */
			struct frame *f = depth ? &stack[depth - 1] : NULL;

			if (!f || !has_comment || parse_comment(cm, &off, &size, &is_bits))
				err = -1;
			else	/* (the body holds the rest of the declaration) */
				body_add(&f->body, content, " ");
		} else if (content[0] == '}') {
			/* a container closes; comment-less by construction */
			struct frame *f;

			if (!depth || has_comment) {
				err = -1;
			} else {
				size_t cl = strlen(content);

				f = &stack[--depth];
				if (content[cl - 1] != ';') {
					err = -1;
				} else if (strcmp(content, "};")) {
					/* "} name[2];": one member of an unnamed type,
					 * whose declaration is the whole type on one line */
					char *decl, *name;

					content[cl - 1] = '\0';
					decl = ks_xasprintf("%s %s%s", f->open,
							    f->body.p ? f->body.p : "", content);
					name = ks_decl_name(decl);
					truncate_members(d, f->first_member);
					add_member(d, &cap, name, decl, f->off_bits,
						   f->size_bits, 0);
					if (depth)
						body_add(&stack[depth - 1].body, decl, "; ");
				} else if (depth) {
					body_add(&stack[depth - 1].body, f->open, " ");
					body_add(&stack[depth - 1].body, f->body.p ? f->body.p : "",
						 "}; ");
				}
				free(f->open);
				ks_buf_free(&f->body);
			}
		} else if (content[strlen(content) - 1] == '{') {
			if (!has_comment || depth + 1 >= KS_PARSE_MAX_DEPTH ||
			    parse_comment(cm, &off, &size, &is_bits)) {
				err = -1;
			} else {
				struct frame *f = &stack[depth++];

				f->first_member = d->n;
				f->open = ks_xstrdup(content);
				memset(&f->body, 0, sizeof(f->body));
				f->off_bits = off;
				f->size_bits = size;
			}
		} else {
			size_t cl = strlen(content);
			unsigned int bits = 0;

			if (!has_comment || content[cl - 1] != ';' ||
			    parse_comment(cm, &off, &size, &is_bits)) {
				err = -1;
			} else {
				char *colon;

				content[cl - 1] = '\0';
				colon = strrchr(content, ':');
				if (is_bits && colon && colon[1] >= '0' && colon[1] <= '9' &&
				    strspn(colon + 1, "0123456789") == strlen(colon + 1)) {
					bits = (unsigned int)strtoul(colon + 1, NULL, 10);
					*colon = '\0';
				}
				{
					size_t dl = strlen(content);
					/* "int :3" is an unnamed bitfield */
					char *name = dl && content[dl - 1] == ' ' ?
						     ks_xstrdup("") : ks_decl_name(content);

					/* "struct foo;" (-fms-extensions) declares no name */
					if (!strncmp(content, "struct ", 7) &&
					    !strcmp(content + 7, name))
						name[0] = '\0';
					if (!strncmp(content, "union ", 6) &&
					    !strcmp(content + 6, name))
						name[0] = '\0';
					char *decl = bits ? ks_xasprintf("%s:%u", content, bits)
							  : ks_xstrdup(content);

					add_member(d, &cap, name, decl, off, size, bits);
					if (depth)
						body_add(&stack[depth - 1].body, decl, "; ");
				}
			}
		}
	}
	ks_buf_free(&lbuf);
	if (!err && !done)
		err = -1;
	if (err) {
		for (i = 0; i < depth; i++) {
			free(stack[i].open);
			ks_buf_free(&stack[i].body);
		}
		ks_def_free(d);
		return ks_err_set(KS_EFORMAT, "not canonical type text (line %zu)", lineno);
	}
	*out = d;
	return 0;
}


static size_t name_slot(const char *name, size_t nslots)
{
	uint64_t h = 0xcbf29ce484222325ull;	/* FNV-1a */

	while (*name)
		h = (h ^ (unsigned char)*name++) * 0x100000001b3ull;
	return (size_t)(h ^ (h >> 32)) & (nslots - 1);
}

/* History commands look members up by name in every definition of a
 * type, hundreds of times each: a scan made `blame task_struct` at
 * 1,000 releases spend four fifths of its time in strcmp. */
static void index_names(struct ks_def *d)
{
	size_t i, s;

	for (d->nslots = 16; d->nslots < 2 * d->n; d->nslots *= 2)
		;
	d->byname = ks_xcalloc(d->nslots, sizeof(*d->byname));
	for (i = 0; i < d->n; i++) {
		const char *name = d->members[i].name;

		if (!name[0])
			continue;
		for (s = name_slot(name, d->nslots); d->byname[s];
		     s = (s + 1) & (d->nslots - 1))
			if (!strcmp(d->members[d->byname[s] - 1].name, name))
				break;
		if (!d->byname[s])	/* the first of that name keeps the slot */
			d->byname[s] = i + 1;
	}
}

const struct ks_member *ks_def_member(const struct ks_def *def, const char *name)
{
	size_t i, s;

	if (!def->nslots) {
		for (i = 0; i < def->n; i++)
			if (def->members[i].name[0] && !strcmp(def->members[i].name, name))
				return &def->members[i];
		return NULL;
	}
	if (!name[0])
		return NULL;
	for (s = name_slot(name, def->nslots); def->byname[s]; s = (s + 1) & (def->nslots - 1))
		if (!strcmp(def->members[def->byname[s] - 1].name, name))
			return &def->members[def->byname[s] - 1];
	return NULL;
}

int ks_canon_parse(struct ks_def **out, const char *text, size_t len)
{
	int err;

	if ((len > 7 && !memcmp(text, "struct ", 7)) || (len > 6 && !memcmp(text, "union ", 6)))
		err = ks__parse_composite(out, text, len);
	else
		err = ks__parse_other(out, text, len);
	if (!err)
		index_names(*out);
	return err;
}

int ks_canon_parse_named(struct ks_def **out, const char *text, size_t len,
			 const char *name, const char *release)
{
	int err = ks_canon_parse(out, text, len);

	if (err)
		ks_err_prefix("%s in %s", name, release);
	return err;
}

void ks_def_free(struct ks_def *d)
{
	size_t i;

	if (!d)
		return;
	for (i = 0; i < d->n; i++) {
		free(d->members[i].name);
		free(d->members[i].decl);
	}
	free(d->members);
	free(d->byname);
	free(d->note);
	free(d->symbols);
	free(d->kind);
	free(d->name);
	free(d);
}
