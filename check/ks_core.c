/* libbpf's CO-RE rules (tools/lib/bpf/relo_core.c of libbpf 1.x), read
 * and written again over the C type model: bpf_core_spec_match,
 * bpf_core_match_member, bpf_core_fields_are_compat,
 * bpf_core_types_are_compat, bpf_core_types_match and
 * bpf_core_calc_relo. The object's types are complete; the kernel's are
 * looked up by kind and name when the walk needs their insides. */
#include "ks_core.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ks_err.h"

/* libbpf's limits: access paths and type recursion */
#define MAX_SPEC 64
#define MAX_LEVEL 32

struct walk {
	const struct ks_core_target *t;
	int err;		/* the lookup failed: a KS_E* code */
	char *reason;		/* where a mismatch is explained (256 bytes) */
	const char *unknown;	/* a type the release does not have */
};

static void why(struct walk *w, const char *fmt, const char *a, const char *b, const char *c)
	__attribute__((format(printf, 2, 0)));
static void why(struct walk *w, const char *fmt, const char *a, const char *b, const char *c)
{
	/* a long name is cut: the reason stays one line */
	if (!w->reason[0] && snprintf(w->reason, 256, fmt, a, b, c) >= 256)
		w->reason[255] = '\0';
}

/* A reference by name made complete, the first definition of the name
 * (a second body of the same name is what libbpf would see as another
 * BTF type; member types in text say only the name). */
static const struct ks_ctype *complete(struct walk *w, const struct ks_ctype *t)
{
	struct ks_ctype *const *defs;
	size_t n = 0;
	int err;

	if (!t || t->complete)
		return t;
	if (!t->name)
		return NULL;
	err = w->t->lookup(w->t->ctx, t->kind, t->name, &defs, &n);
	if (err) {
		if (!w->err)
			w->err = err;
		return NULL;
	}
	if (!n) {
		if (!w->unknown)
			w->unknown = t->name;
		return NULL;
	}
	return defs[0];
}

/* skip_mods_and_typedefs: modifiers are gone already; typedefs are
 * followed (looked up when only named). Structs and unions stay as they
 * are: their kind and name are known without their body. */
static const struct ks_ctype *skip(struct walk *w, const struct ks_ctype *t)
{
	int n = 0;

	while (t && t->kind == KS_CT_TYPEDEF && n++ < MAX_LEVEL) {
		t = complete(w, t);
		t = t ? t->ref : NULL;
	}
	return t && t->kind == KS_CT_TYPEDEF ? NULL : t;
}

static int is_composite(const struct ks_ctype *t)
{
	return t && (t->kind == KS_CT_STRUCT || t->kind == KS_CT_UNION);
}

/* btf__resolve_size */
static int size_of(struct walk *w, const struct ks_ctype *t, uint64_t *out, int level)
{
	uint64_t n;

	t = skip(w, t);
	if (!t || level > MAX_LEVEL)
		return -1;
	switch (t->kind) {
	case KS_CT_PTR:
		*out = w->t->abi.ptr_size;
		return 0;
	case KS_CT_ARRAY:
		if (size_of(w, t->ref, &n, level + 1))
			return -1;
		*out = n * t->nelems;
		return 0;
	case KS_CT_INT:
	case KS_CT_FLOAT:
	case KS_CT_ENUM:
	case KS_CT_STRUCT:
	case KS_CT_UNION:
		if (!t->size)
			t = complete(w, t);
		if (!t)
			return -1;
		*out = t->size;
		return 0;
	default:
		return -1;
	}
}

static int names_match(const char *a, const char *b)
{
	size_t la, lb;

	a = a ? a : "";
	b = b ? b : "";
	la = ks_ct_essential_len(a);
	lb = ks_ct_essential_len(b);
	return la == lb && !strncmp(a, b, la);
}

/* bpf_core_fields_are_compat */
static int fields_compat(struct walk *w, const struct ks_ctype *l, const struct ks_ctype *t)
{
	int level;

	for (level = 0; level < MAX_LEVEL; level++) {
		l = skip(w, l);
		t = skip(w, t);
		if (!l || !t)
			return 0;
		if (is_composite(l) && is_composite(t))
			return 1;
		if (l->kind != t->kind)
			return 0;
		switch (l->kind) {
		case KS_CT_PTR:
		case KS_CT_FLOAT:
		case KS_CT_INT:
			return 1;
		case KS_CT_ENUM:
		case KS_CT_FWD:
			return names_match(l->name, t->name);
		case KS_CT_ARRAY:
			l = l->ref;
			t = t->ref;
			continue;
		default:
			return 0;
		}
	}
	return 0;
}

/* bpf_core_types_are_compat */
static int types_compat(struct walk *w, const struct ks_ctype *l, const struct ks_ctype *t,
			int level)
{
	size_t i;

	for (; level < MAX_LEVEL; level++) {
		l = skip(w, l);
		t = skip(w, t);
		if (!l || !t || l->kind != t->kind)
			return 0;
		switch (l->kind) {
		case KS_CT_STRUCT:
		case KS_CT_UNION:
		case KS_CT_ENUM:
		case KS_CT_FWD:
		case KS_CT_INT:
		case KS_CT_FLOAT:
		case KS_CT_VOID:
			return 1;
		case KS_CT_PTR:
		case KS_CT_ARRAY:
			l = l->ref;
			t = t->ref;
			continue;
		case KS_CT_FUNC:
			if (l->nmembers != t->nmembers)
				return 0;
			for (i = 0; i < l->nmembers; i++)
				if (!types_compat(w, l->members[i].type, t->members[i].type, level + 1))
					return 0;
			l = l->ref;
			t = t->ref;
			continue;
		default:
			return 0;
		}
	}
	return 0;
}

/* bpf_core_types_match: the stricter relation behind
 * bpf_core_type_matches(): ints of the same size and signedness, arrays
 * of the same length, every local member or enumerator there by name
 * (members matching in turn, behind a pointer only by name), prototypes
 * argument by argument. clang 14 cannot emit it, so no test object
 * cross-checks this against libbpf. */
static int types_match(struct walk *w, const struct ks_ctype *l, const struct ks_ctype *t,
		       int behind_ptr, int level)
{
	size_t i, j;

	if (level > MAX_LEVEL)
		return 0;
	l = skip(w, l);
	t = skip(w, t);
	if (!l || !t || l->kind != t->kind)
		return 0;
	if ((l->kind == KS_CT_STRUCT || l->kind == KS_CT_UNION || l->kind == KS_CT_ENUM ||
	     l->kind == KS_CT_FWD) && !names_match(l->name, t->name))
		return 0;
	switch (l->kind) {
	case KS_CT_VOID:
	case KS_CT_FWD:
		return 1;
	case KS_CT_INT:
		return l->size == t->size && l->is_signed == t->is_signed;
	case KS_CT_FLOAT:
		return l->size == t->size;
	case KS_CT_PTR:
		return types_match(w, l->ref, t->ref, 1, level + 1);
	case KS_CT_ARRAY:
		return l->nelems == t->nelems && types_match(w, l->ref, t->ref, behind_ptr, level + 1);
	case KS_CT_FUNC:
		if (l->nmembers != t->nmembers)
			return 0;
		for (i = 0; i < l->nmembers; i++)
			if (!types_match(w, l->members[i].type, t->members[i].type, behind_ptr,
					 level + 1))
				return 0;
		return types_match(w, l->ref, t->ref, behind_ptr, level + 1);
	case KS_CT_ENUM:
		if (behind_ptr)
			return 1;
		if (!(t = complete(w, t)) || l->size != t->size)
			return 0;
		/* every local enumerator exists there */
		for (i = 0; i < l->nenums; i++) {
			for (j = 0; j < t->nenums; j++)
				if (names_match(l->enums[i].name, t->enums[j].name))
					break;
			if (j == t->nenums)
				return 0;
		}
		return 1;
	case KS_CT_STRUCT:
	case KS_CT_UNION:
		if (behind_ptr)
			return 1;
		if (!(t = complete(w, t)))
			return 0;
		/* every local member exists there by name, its type matching */
		for (i = 0; i < l->nmembers; i++) {
			for (j = 0; j < t->nmembers; j++)
				if (!strcmp(l->members[i].name, t->members[j].name))
					break;
			if (j == t->nmembers ||
			    !types_match(w, l->members[i].type, t->members[j].type, 0, level + 1))
				return 0;
		}
		return 1;
	default:
		return 0;
	}
}

/* The target side of a field access: where the walk is. */
struct spec {
	uint64_t bit_offset;
	const struct ks_ctype *type;	/* of the last step */
	const struct ks_ctype *owner;	/* the composite holding the last member */
	size_t member;			/* its index there */
	int last_is_member;
	size_t raw_len;
};

/* bpf_core_match_member: @step's member by name in @t, through
 * anonymous members. 1 found (and compatible), 0 not, -1 too deep. */
static int match_member(struct walk *w, const struct ks_access *step, const struct ks_ctype *t,
			struct spec *s, int level)
{
	size_t i;

	if (level > MAX_SPEC)
		return -1;
	t = complete(w, skip(w, t));
	if (!is_composite(t))
		return 0;
	for (i = 0; i < t->nmembers; i++) {
		const struct ks_ct_member *m = &t->members[i];

		if (s->raw_len == MAX_SPEC)
			return -1;
		s->bit_offset += m->bit_offset;
		s->raw_len++;
		if (!m->name[0]) {
			int found = match_member(w, step, m->type, s, level + 1);

			if (found)
				return found;
		} else if (!strcmp(m->name, step->name)) {
			const struct ks_ctype *lt = step->parent->members[step->index].type;

			s->owner = t;
			s->member = i;
			s->type = m->type;
			s->last_is_member = 1;
			if (fields_compat(w, lt, m->type))
				return 1;
			why(w, "member %s of %s %s has an incompatible type", m->name,
			    ks_ct_kind_name(t->kind), t->name ? t->name : "(anonymous)");
			return 0;
		}
		s->bit_offset -= m->bit_offset;
		s->raw_len--;
	}
	return 0;
}

static int match_field(struct walk *w, const struct ks_relo *r, const struct ks_ctype *cand,
		       struct spec *s)
{
	const struct ks_ctype *cur = cand;
	uint64_t sz;
	size_t i;

	memset(s, 0, sizeof(*s));
	for (i = 0; i < r->nsteps; i++) {
		const struct ks_access *step = &r->steps[i];
		const struct ks_ctype *t;

		if (step->name) {
			int found = match_member(w, step, cur, s, 0);

			if (found < 0) {
				why(w, "the access path is nested too deep", "", "", "");
				return -1;
			}
			if (!found) {
				t = skip(w, cur);
				why(w, "%s %s has no member %s", t ? ks_ct_kind_name(t->kind) : "type",
				    t && t->name ? t->name : "(anonymous)", step->name);
				return 0;
			}
			cur = s->type;
			continue;
		}
		t = skip(w, cur);
		if (i > 0) {
			int flex;

			if (!t || t->kind != KS_CT_ARRAY) {
				why(w, "%s is not an array here", r->access, "", "");
				return 0;
			}
			/* libbpf's is_flex_arr: a zero-length last member */
			flex = s->last_is_member && !t->nelems && s->owner &&
			       s->member + 1 == s->owner->nmembers;
			if (!flex && step->index >= t->nelems) {
				why(w, "the index in %s is beyond the array's length here", r->access,
				    "", "");
				return 0;
			}
			cur = t->ref;
		}
		if (size_of(w, cur, &sz, 0)) {
			why(w, "the size of a type on the path of %s is unknown here", r->access, "",
			    "");
			return 0;
		}
		s->bit_offset += (uint64_t)step->index * sz * 8;
		s->type = cur;
		s->last_is_member = 0;
		s->raw_len++;
	}
	return 1;
}

static int is_signed_type(struct walk *w, const struct ks_ctype *t)
{
	t = skip(w, t);
	if (t && t->kind == KS_CT_ENUM)
		t = complete(w, t);
	return t && (t->kind == KS_CT_INT || t->kind == KS_CT_ENUM) && t->is_signed;
}

/* bpf_core_calc_field_relo */
static int calc_field(struct walk *w, const struct ks_relo *r, const struct spec *s,
		      struct ks_core_result *res)
{
	uint64_t byte_sz, byte_off, bit_sz, bit_off = s->bit_offset;
	const struct ks_ctype *mt;

	if (r->kind == KS_RELO_FIELD_EXISTS) {
		res->value = 1;
		return 0;
	}
	if (!s->last_is_member) {
		if (r->kind != KS_RELO_FIELD_BYTE_OFFSET && r->kind != KS_RELO_FIELD_BYTE_SIZE) {
			why(w, "a %s relocation on an array element", ks_relo_kind_name(r->kind),
			    "", "");
			return -1;
		}
		if (size_of(w, s->type, &byte_sz, 0))
			return -1;
		res->value = r->kind == KS_RELO_FIELD_BYTE_OFFSET ? bit_off / 8 : byte_sz;
		res->size = byte_sz;
		res->has_size = 1;
		return 0;
	}
	mt = skip(w, s->owner->members[s->member].type);
	bit_sz = s->owner->members[s->member].bitfield;
	res->is_bitfield = bit_sz > 0;
	if (bit_sz) {
		if (!mt || size_of(w, mt, &byte_sz, 0) || !byte_sz)
			return -1;
		byte_off = bit_off / 8 / byte_sz * byte_sz;
		/* the smallest load that holds the bitfield */
		while (bit_off + bit_sz - byte_off * 8 > byte_sz * 8) {
			if (byte_sz >= 8) {
				why(w, "bitfield %s cannot be read with one load here", r->access,
				    "", "");
				return -1;
			}
			byte_sz *= 2;
			byte_off = bit_off / 8 / byte_sz * byte_sz;
		}
	} else {
		if (size_of(w, s->owner->members[s->member].type, &byte_sz, 0))
			return -1;
		byte_off = bit_off / 8;
		bit_sz = byte_sz * 8;
	}
	res->size = byte_sz;
	res->has_size = !res->is_bitfield;
	res->is_signed = is_signed_type(w, mt);
	switch (r->kind) {
	case KS_RELO_FIELD_BYTE_OFFSET:
		res->value = byte_off;
		break;
	case KS_RELO_FIELD_BYTE_SIZE:
		res->value = byte_sz;
		break;
	case KS_RELO_FIELD_SIGNED:
		res->value = (uint64_t)res->is_signed;
		break;
	case KS_RELO_FIELD_LSHIFT_U64:	/* little-endian BPF */
		res->value = 64 - (bit_off + bit_sz - byte_off * 8);
		break;
	case KS_RELO_FIELD_RSHIFT_U64:
		res->value = 64 - bit_sz;
		break;
	default:
		return -1;
	}
	return 0;
}

/* The object's own view of the accessed member, for comparison. */
static void local_field(struct walk *w, const struct ks_relo *r, struct ks_core_result *res)
{
	const struct ks_access *last = r->nsteps ? &r->steps[r->nsteps - 1] : NULL;
	uint64_t sz;

	if (!last)
		return;
	if (last->name && last->parent->members[last->index].bitfield)
		return;
	if (!size_of(w, last->type, &sz, 0))
		res->local_size = sz;
	res->local_signed = is_signed_type(w, last->type);
}

static enum ks_ct_kind cand_kind(const struct ks_ctype *root)
{
	return root->kind;
}

static int candidates(struct walk *w, const struct ks_relo *r, struct ks_ctype *const **defs,
		      size_t *n, char **name_out, char *buf, size_t bufsz)
{
	const char *name = r->root->name ? r->root->name : "";
	size_t len = ks_ct_essential_len(name);
	int err;

	*n = 0;
	if (len >= bufsz)
		len = bufsz - 1;
	memcpy(buf, name, len);
	buf[len] = '\0';
	*name_out = buf;
	err = w->t->lookup(w->t->ctx, cand_kind(r->root), buf, defs, n);
	return err;
}

static void say(struct ks_core_result *res, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void say(struct ks_core_result *res, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (vsnprintf(res->reason, sizeof(res->reason), fmt, ap) >= (int)sizeof(res->reason))
		res->reason[sizeof(res->reason) - 1] = '\0';
	va_end(ap);
}

static void no_candidate(struct walk *w, const struct ks_relo *r, const char *name)
{
	why(w, "no %s %s in this release", ks_ct_kind_name(r->root->kind), name, "");
}

static int resolve_field(struct walk *w, const struct ks_relo *r, struct ks_ctype *const *defs,
			 size_t n, struct ks_core_result *res)
{
	struct ks_core_result best;
	int have = 0;
	size_t i;

	memset(&best, 0, sizeof(best));
	for (i = 0; i < n; i++) {
		struct ks_core_result one = *res;
		struct spec s;
		int m = match_field(w, r, defs[i], &s);

		if (w->err)
			return w->err;
		if (m < 0) {
			res->status = KS_CORE_ERROR;
			return 0;
		}
		if (!m)
			continue;
		if (calc_field(w, r, &s, &one)) {
			if (w->err)
				return w->err;
			res->status = KS_CORE_ERROR;
			if (w->unknown)
				why(w, "%s is not in this release (%s needs its size)", w->unknown,
				    r->access, "");
			else
				why(w, "libbpf cannot compute %s for %s here",
				    ks_relo_kind_name(r->kind), r->access, "");
			return 0;
		}
		one.bit_offset = s.bit_offset;
		if (have && (one.bit_offset != best.bit_offset || one.value != best.value)) {
			res->status = KS_CORE_ERROR;
			say(res,
				 "ambiguous: %zu definitions of %s disagree", n, r->access);
			return 0;
		}
		best = one;
		have = 1;
	}
	if (!have) {
		res->status = r->kind == KS_RELO_FIELD_EXISTS ? KS_CORE_ABSENT : KS_CORE_POISONED;
		res->value = 0;
		return 0;
	}
	best.status = KS_CORE_OK;
	best.value_known = 1;
	best.ncands = res->ncands;
	best.local_size = res->local_size;
	best.local_signed = res->local_signed;
	*res = best;
	res->reason[0] = '\0';
	return 0;
}

static int enum_value(struct walk *w, const struct ks_relo *r, const struct ks_ctype *cand,
		      int64_t *v)
{
	size_t i;

	cand = complete(w, skip(w, cand));
	if (!cand || cand->kind != KS_CT_ENUM)
		return 0;
	for (i = 0; i < cand->nenums; i++)
		if (names_match(cand->enums[i].name, r->enumerator)) {
			*v = cand->enums[i].value;
			return 1;
		}
	return 0;
}

int ks_core_resolve(const struct ks_relo *r, const struct ks_core_target *target,
		    struct ks_core_result *res)
{
	struct walk w = { target, 0, res->reason, NULL };
	struct ks_ctype *const *defs = NULL;
	char buf[512], *name;
	size_t n = 0, i, nmatch = 0;
	int err;

	memset(res, 0, sizeof(*res));
	if (r->kind == KS_RELO_TYPE_ID_LOCAL) {	/* never looks at the kernel */
		res->status = KS_CORE_OK;
		return 0;
	}
	if (r->root->kind == KS_CT_INT || r->root->kind == KS_CT_FLOAT) {
		/* base types: every kernel has them */
		res->status = KS_CORE_OK;
		res->value_known = r->kind != KS_RELO_TYPE_ID_TARGET;
		res->value = r->kind == KS_RELO_TYPE_SIZE ? r->root->size : 1;
		return 0;
	}
	if ((err = candidates(&w, r, &defs, &n, &name, buf, sizeof(buf))))
		return err;
	res->ncands = n;
	if (!n)
		no_candidate(&w, r, name);
	switch (ks_relo_class(r->kind)) {
	case KS_RELO_FIELD:
		local_field(&w, r, res);
		err = resolve_field(&w, r, defs, n, res);
		if (!err && res->status != KS_CORE_OK && !res->reason[0] && w.unknown)
			say(res,
				 "type %s on the path of %s is not in this release", w.unknown,
				 r->access);
		return err ? err : w.err;
	case KS_RELO_ENUMVAL: {
		int64_t v = 0, first = 0;

		for (i = 0; i < n; i++) {
			if (!enum_value(&w, r, defs[i], &v))
				continue;
			if (nmatch++ && v != first) {
				res->status = KS_CORE_ERROR;
				say(res,
					 "ambiguous: definitions of %s disagree", r->access);
				return 0;
			}
			first = v;
		}
		if (w.err)
			return w.err;
		if (n && !nmatch) {
			char e[256];
			size_t el = ks_ct_essential_len(r->enumerator);

			/* the enumerator as the kernel would spell it */
			snprintf(e, sizeof(e), "%.*s", (int)(el < 255 ? el : 255), r->enumerator);
			why(&w, "enum %s has no enumerator %s", name, e, "");
		}
		res->status = nmatch ? KS_CORE_OK :
			      r->kind == KS_RELO_ENUMVAL_EXISTS ? KS_CORE_ABSENT : KS_CORE_POISONED;
		res->value_known = 1;
		res->value = !nmatch ? 0 : r->kind == KS_RELO_ENUMVAL_EXISTS ? 1 : (uint64_t)first;
		if (nmatch)
			res->reason[0] = '\0';
		return 0;
	}
	case KS_RELO_TYPE: {
		uint64_t sz = 0, first = 0;

		for (i = 0; i < n; i++) {
			int ok = r->kind == KS_RELO_TYPE_MATCHES ? types_match(&w, r->root, defs[i], 0, 0)
								 : types_compat(&w, r->root, defs[i], 0);

			if (!ok)
				continue;
			if (r->kind == KS_RELO_TYPE_SIZE && size_of(&w, defs[i], &sz, 0))
				continue;
			if (nmatch++ && r->kind == KS_RELO_TYPE_SIZE && sz != first) {
				res->status = KS_CORE_ERROR;
				say(res,
					 "ambiguous: definitions of %s disagree in size", r->access);
				return 0;
			}
			first = sz;
		}
		if (w.err)
			return w.err;
		if (n && !nmatch)
			why(&w, "%s %s differs here", ks_ct_kind_name(r->root->kind), name, "");
		res->status = nmatch ? KS_CORE_OK :
			      (r->kind == KS_RELO_TYPE_EXISTS || r->kind == KS_RELO_TYPE_MATCHES) ?
			      KS_CORE_ABSENT : KS_CORE_POISONED;
		res->value_known = r->kind != KS_RELO_TYPE_ID_TARGET;
		res->value = !nmatch ? 0 : r->kind == KS_RELO_TYPE_SIZE ? first : 1;
		if (nmatch)
			res->reason[0] = '\0';
		return 0;
	}
	}
	return 0;
}
