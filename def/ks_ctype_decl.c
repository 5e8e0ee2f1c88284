/* Declarations into C types: C's inside-out declarators as canonical
 * text writes them ("int (*p)[4]" is a pointer to an array). The text
 * may come from a fetched store: token counts and nesting are bounded
 * and any surprise is an error. */
#include "ks_ctype_parse.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ks_buf.h"
#include "ks_err.h"

#define MAX_TOKENS 4096
#define MAX_NEST 64

void ks_ct_abi_for(struct ks_ct_abi *abi, const char *arch)
{
	static const char *const ilp32[] = { "i386", "i486", "i586", "i686", "arm", "armv7l",
					     "armv6l", "mips", "mipsel", "ppc", "x86" };
	size_t i;

	abi->ptr_size = 8;
	abi->char_signed = 1;
	if (!arch)
		return;
	for (i = 0; i < sizeof(ilp32) / sizeof(ilp32[0]); i++)
		if (!strcmp(arch, ilp32[i]))
			abi->ptr_size = 4;
	/* plain char is unsigned on these (their ABIs say so) */
	if (!strncmp(arch, "aarch64", 7) || !strncmp(arch, "arm", 3) || !strncmp(arch, "ppc", 3) ||
	    !strncmp(arch, "s390", 4) || !strncmp(arch, "riscv", 5))
		abi->char_signed = 0;
}

/* ---- tokens ---- */

enum tok_kind { T_END, T_IDENT, T_NUM, T_PUNCT, T_DOTS };

struct tok {
	enum tok_kind kind;
	const char *s;
	size_t n;
};

struct lexer {
	struct tok *t;
	size_t n, at;
};

static int is_ident_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '$' || c == '.' || c == '\\';
}

static int lex(struct lexer *lx, const char *s)
{
	size_t cap = 0;

	lx->t = NULL;
	lx->n = lx->at = 0;
	for (;;) {
		struct tok tk = { T_END, s, 0 };

		while (*s == ' ')
			s++;
		tk.s = s;
		if (!*s) {
			tk.kind = T_END;
		} else if (!strncmp(s, "...", 3)) {
			tk.kind = T_DOTS;
			tk.n = 3;
		} else if ((*s >= '0' && *s <= '9') || (*s == '-' && s[1] >= '0' && s[1] <= '9')) {
			tk.kind = T_NUM;
			tk.n = 1;
			while (s[tk.n] >= '0' && s[tk.n] <= '9')
				tk.n++;
		} else if (is_ident_char(*s) && *s != '.') {
			tk.kind = T_IDENT;
			while (is_ident_char(s[tk.n]) && !(s[tk.n] == '.' && s[tk.n + 1] == '.'))
				tk.n++;
		} else if (strchr("*()[],{}=;:", *s)) {
			tk.kind = T_PUNCT;
			tk.n = 1;
		} else {
			free(lx->t);
			lx->t = NULL;
			return -1;
		}
		if (lx->n == MAX_TOKENS) {
			free(lx->t);
			lx->t = NULL;
			return -1;
		}
		if (lx->n == cap) {
			cap = cap ? cap * 2 : 32;
			lx->t = ks_xrealloc(lx->t, cap * sizeof(*lx->t));
		}
		lx->t[lx->n++] = tk;
		if (tk.kind == T_END)
			return 0;
		s += tk.n;
	}
}

static const struct tok *peek(const struct lexer *lx)
{
	return &lx->t[lx->at < lx->n ? lx->at : lx->n - 1];
}

static int is_punct(const struct tok *t, char c)
{
	return t->kind == T_PUNCT && *t->s == c;
}

static int tok_is(const struct tok *t, const char *w)
{
	return t->kind == T_IDENT && t->n == strlen(w) && !strncmp(t->s, w, t->n);
}

/* ---- base types ---- */

static int is_base_word(const struct tok *t)
{
	static const char *const words[] = { "void", "char", "short", "int", "long", "signed",
					     "unsigned", "_Bool", "float", "double", "__int128" };
	size_t i;

	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (tok_is(t, words[i]))
			return 1;
	return 0;
}

static struct ks_ctype *base_type(struct ks_ct_arena *a, const char *name,
				  const struct ks_ct_abi *abi)
{
	struct ks_ctype *t;
	int longs = 0;
	const char *p;

	if (!strcmp(name, "void")) {
		t = ks_ct_new(a, KS_CT_VOID, NULL);
		t->complete = 1;
		return t;
	}
	if (strstr(name, "float") || strstr(name, "double")) {
		t = ks_ct_new(a, KS_CT_FLOAT, name);
		t->size = !strcmp(name, "float") ? 4 : !strcmp(name, "double") ? 8 : 16;
		t->complete = 1;
		return t;
	}
	t = ks_ct_new(a, KS_CT_INT, name);
	t->complete = 1;
	for (p = name; (p = strstr(p, "long")); p += 4)
		longs++;
	if (!strcmp(name, "_Bool")) {
		t->size = 1;
		t->is_bool = 1;
		return t;
	}
	t->is_signed = !strstr(name, "unsigned");
	if (strstr(name, "__int128"))
		t->size = 16;
	else if (strstr(name, "char"))
		t->size = 1;
	else if (strstr(name, "short"))
		t->size = 2;
	else if (longs >= 2)
		t->size = 8;
	else if (longs == 1)
		t->size = abi->ptr_size;
	else
		t->size = 4;
	if (!strcmp(name, "char"))
		t->is_signed = abi->char_signed;
	return t;
}

/* ---- declarations ---- */

struct decl_ctx {
	struct ks_ct_arena *a;
	const struct ks_ct_abi *abi;
	struct lexer lx;
	int depth;
};

static int parse_params(struct decl_ctx *c, struct ks_ctype *fn);
static int parse_full(struct decl_ctx *c, struct ks_ctype **type, const char **name,
		      const char *stop);

/* Skips a balanced { ... } (an anonymous body inside a declaration,
 * as in a prototype's parameter); the enumerators of an enum's. */
static int skip_body(struct decl_ctx *c, struct ks_ctype *t)
{
	int level = 0;
	size_t cap = 0;

	do {
		const struct tok *k = peek(&c->lx);

		if (k->kind == T_END)
			return -1;
		if (is_punct(k, '{'))
			level++;
		else if (is_punct(k, '}'))
			level--;
		else if (t->kind == KS_CT_ENUM && level == 1 && k->kind == T_IDENT &&
			 c->lx.at + 2 < c->lx.n && is_punct(&c->lx.t[c->lx.at + 1], '=') &&
			 c->lx.t[c->lx.at + 2].kind == T_NUM) {
			struct ks_ct_enumerator *e;

			if (t->nenums == cap) {
				struct ks_ct_enumerator *n;

				cap = cap ? cap * 2 : 8;
				n = ks_ct_alloc(c->a, cap * sizeof(*n));
				if (t->nenums)
					memcpy(n, t->enums, t->nenums * sizeof(*n));
				t->enums = n;
			}
			e = &t->enums[t->nenums++];
			e->name = ks_ct_strndup(c->a, k->s, k->n);
			e->value = strtoll(c->lx.t[c->lx.at + 2].s, NULL, 10);
			c->lx.at += 2;
		}
		c->lx.at++;
	} while (level > 0);
	return 0;
}

static int parse_specifiers(struct decl_ctx *c, struct ks_ctype **out)
{
	struct ks_buf words = KS_BUF_INIT;
	const struct tok *k;
	int err = 0;

	*out = NULL;
	for (;;) {
		k = peek(&c->lx);
		if (tok_is(k, "const") || tok_is(k, "volatile") || tok_is(k, "restrict")) {
			c->lx.at++;
			continue;
		}
		if (tok_is(k, "struct") || tok_is(k, "union") || tok_is(k, "enum")) {
			enum ks_ct_kind kind = tok_is(k, "struct") ? KS_CT_STRUCT :
					       tok_is(k, "union") ? KS_CT_UNION : KS_CT_ENUM;
			const struct tok *nm;

			if (*out || words.len) {
				err = -1;
				break;
			}
			c->lx.at++;
			nm = peek(&c->lx);
			if (nm->kind == T_IDENT) {
				char *s = ks_xstrndup(nm->s, nm->n);

				*out = ks_ct_new(c->a, kind, s);
				free(s);
				c->lx.at++;
			} else {
				*out = ks_ct_new(c->a, kind, NULL);
			}
			if (!(*out)->name && !is_punct(peek(&c->lx), '{')) {
				err = -1;	/* neither a name nor a body */
				break;
			}
			if (is_punct(peek(&c->lx), '{')) {
				/* an anonymous body written out in place: complete,
				 * with its enumerators; a struct's members unknown */
				(*out)->complete = 1;
				if (kind == KS_CT_ENUM)
					(*out)->size = 4;
				if (skip_body(c, *out)) {
					err = -1;
					break;
				}
			}
			continue;
		}
		if (k->kind == T_IDENT && !*out) {
			if (is_base_word(k)) {
				if (words.len)
					ks_buf_putc(&words, ' ');
				ks_buf_add(&words, k->s, k->n);
				c->lx.at++;
				continue;
			}
			if (!words.len) {	/* a typedef's name */
				char *s = ks_xstrndup(k->s, k->n);

				*out = ks_ct_new(c->a, KS_CT_TYPEDEF, s);
				free(s);
				c->lx.at++;
				/* the next identifier, if any, is the declared name */
				break;
			}
		}
		break;
	}
	if (!err && !*out && words.len)
		*out = base_type(c->a, words.p, c->abi);
	if (!err && !*out)
		err = -1;
	ks_buf_free(&words);
	return err;
}

struct suffix {
	int is_func;
	uint64_t nelems;
	struct ks_ctype *fn;
};

static struct ks_ctype *wrap(struct decl_ctx *c, enum ks_ct_kind kind, struct ks_ctype *inner)
{
	struct ks_ctype *t = ks_ct_new(c->a, kind, NULL);

	t->complete = 1;
	t->ref = inner;
	if (kind == KS_CT_PTR)
		t->size = c->abi->ptr_size;
	return t;
}

/* A declarator after its specifiers: pointers, a name or a nested
 * declarator in parentheses, then array and parameter suffixes. */
static int parse_declarator(struct decl_ctx *c, struct ks_ctype *base, struct ks_ctype **type,
			    const char **name)
{
	struct suffix sfx[16];
	size_t nsfx = 0, inner_at = 0, inner_end = 0, i;
	int ptrs = 0, nested = 0, err = 0;
	const struct tok *k;

	if (++c->depth > MAX_NEST)
		return -1;
	for (;;) {
		k = peek(&c->lx);
		if (is_punct(k, '*'))
			ptrs++;
		else if (!(tok_is(k, "const") || tok_is(k, "volatile") || tok_is(k, "restrict")))
			break;
		c->lx.at++;
	}
	k = peek(&c->lx);
	if (is_punct(k, '(') && c->lx.at + 1 < c->lx.n &&
	    (is_punct(&c->lx.t[c->lx.at + 1], '*') || is_punct(&c->lx.t[c->lx.at + 1], '('))) {
		int level = 0;

		nested = 1;
		inner_at = c->lx.at + 1;
		do {
			k = peek(&c->lx);
			if (k->kind == T_END)
				return -1;
			level += is_punct(k, '(') - is_punct(k, ')');
			c->lx.at++;
		} while (level > 0);
		inner_end = c->lx.at - 1;
	} else if (k->kind == T_IDENT) {
		*name = ks_ct_strndup(c->a, k->s, k->n);
		c->lx.at++;
	}
	for (;;) {
		k = peek(&c->lx);
		if (nsfx == sizeof(sfx) / sizeof(sfx[0]))
			return -1;
		if (is_punct(k, '[')) {
			const struct tok *num = &c->lx.t[c->lx.at + 1];

			if (num->kind == T_NUM && *num->s != '-' &&
			    is_punct(&c->lx.t[c->lx.at + 2], ']')) {
				sfx[nsfx].is_func = 0;
				sfx[nsfx++].nelems = strtoull(num->s, NULL, 10);
				c->lx.at += 3;
			} else if (is_punct(num, ']')) {
				sfx[nsfx].is_func = 0;
				sfx[nsfx++].nelems = 0;
				c->lx.at += 2;
			} else {
				return -1;
			}
		} else if (is_punct(k, '(')) {
			struct ks_ctype *fn = ks_ct_new(c->a, KS_CT_FUNC, NULL);

			fn->complete = 1;
			c->lx.at++;
			if ((err = parse_params(c, fn)))
				return err;
			sfx[nsfx].is_func = 1;
			sfx[nsfx++].fn = fn;
		} else {
			break;
		}
	}
	for (; ptrs; ptrs--)
		base = wrap(c, KS_CT_PTR, base);
	for (i = nsfx; i-- > 0;) {
		if (sfx[i].is_func) {
			sfx[i].fn->ref = base;
			base = sfx[i].fn;
		} else {
			base = wrap(c, KS_CT_ARRAY, base);
			base->nelems = sfx[i].nelems;
		}
	}
	if (nested) {
		size_t after = c->lx.at;
		struct lexer outer = c->lx;

		/* the inner declarator, read over the same tokens with an end
		 * where its parenthesis closes */
		c->lx.at = inner_at;
		c->lx.n = inner_end + 1;
		c->lx.t[inner_end].kind = T_END;
		err = parse_declarator(c, base, type, name);
		if (!err && peek(&c->lx)->kind != T_END)
			err = -1;
		c->lx.t[inner_end].kind = T_PUNCT;
		c->lx = outer;
		c->lx.at = after;
	} else {
		*type = base;
	}
	c->depth--;
	return err;
}

/* "(void)", "(int, char *)", "(int, ...)": parameters as members */
static int parse_params(struct decl_ctx *c, struct ks_ctype *fn)
{
	struct ks_ct_member *m = NULL;
	size_t cap = 0;
	int err = 0;

	if (is_punct(peek(&c->lx), ')')) {
		c->lx.at++;
		return 0;
	}
	for (;;) {
		struct ks_ctype *t = NULL;
		const char *name = "";

		if (peek(&c->lx)->kind == T_DOTS) {
			c->lx.at++;
		} else {
			if ((err = parse_full(c, &t, &name, ",)")))
				break;
			if (!(t->kind == KS_CT_VOID && !fn->nmembers && is_punct(peek(&c->lx), ')'))) {
				if (fn->nmembers == cap) {
					struct ks_ct_member *n;

					cap = cap ? cap * 2 : 4;
					n = ks_ct_alloc(c->a, cap * sizeof(*n));
					if (fn->nmembers)
						memcpy(n, m, fn->nmembers * sizeof(*n));
					m = n;
				}
				m[fn->nmembers].name = name;
				m[fn->nmembers++].type = t;
			}
		}
		if (is_punct(peek(&c->lx), ',')) {
			c->lx.at++;
			continue;
		}
		if (is_punct(peek(&c->lx), ')')) {
			c->lx.at++;
			break;
		}
		err = -1;
		break;
	}
	fn->members = m;
	return err;
}

static int parse_full(struct decl_ctx *c, struct ks_ctype **type, const char **name,
		      const char *stop)
{
	struct ks_ctype *base;
	const struct tok *k;
	int err;

	*name = "";
	if ((err = parse_specifiers(c, &base)))
		return err;
	if ((err = parse_declarator(c, base, type, name)))
		return err;
	k = peek(&c->lx);
	if (k->kind != T_END && !(k->kind == T_PUNCT && strchr(stop, *k->s)))
		return -1;
	return 0;
}

int ks_ctype_parse_decl(struct ks_ct_arena *a, const char *decl,
			const struct ks_ct_abi *abi, struct ks_ctype **type, const char **name)
{
	struct decl_ctx c = { a, abi, { NULL, 0, 0 }, 0 };
	int err;

	*type = NULL;
	*name = "";
	if (lex(&c.lx, decl))
		return ks_err_set(KS_EFORMAT, "cannot read the declaration '%.80s'", decl);
	err = parse_full(&c, type, name, "");
	if (!err && peek(&c.lx)->kind != T_END)
		err = -1;
	free(c.lx.t);
	if (err) {
		*type = NULL;
		return ks_err_set(KS_EFORMAT, "cannot read the declaration '%.80s'", decl);
	}
	return 0;
}

/* A declarator alone over @base ("name[4]", "*p"): the rest of a
 * member whose type is an anonymous body written above it. */
int ks_ctype_parse_declarator(struct ks_ct_arena *a, const struct ks_ct_abi *abi,
			      const char *text, struct ks_ctype *base,
			      struct ks_ctype **type, const char **name)
{
	struct decl_ctx c = { a, abi, { NULL, 0, 0 }, 0 };
	int err;

	*name = "";
	if (lex(&c.lx, text))
		return -1;
	err = parse_declarator(&c, base, type, name);
	if (!err && peek(&c.lx)->kind != T_END)
		err = -1;
	free(c.lx.t);
	return err;
}

