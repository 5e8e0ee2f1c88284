/* An eBPF object, read the way libbpf reads it before loading: program
 * sections and their attach points, then each CO-RE relocation record
 * of .BTF.ext with its local access spec resolved in the object's own
 * BTF (libbpf's bpf_core_parse_spec). The object is hostile input:
 * every offset, count and id is checked before it is used. */
#include "ks_bpfobj.h"

#include <bpf/btf.h>
#include <gelf.h>
#include <libelf.h>
#include <stdlib.h>
#include <string.h>

#include "ks_btf_check.h"
#include "ks_buf.h"
#include "ks_err.h"
#include "ks_file.h"
#include "ks_input.h"

#ifndef EM_BPF
#define EM_BPF 247
#endif

/* libbpf's BPF_CORE_SPEC_MAX_LEN: longer access strings are refused. */
#define MAX_SPEC 64
/* How deep a type may nest (struct in struct in array ...) before the
 * object is refused; converting it recurses. */
#define MAX_DEPTH 256

struct reader {
	const char *path;
	struct ks_prog *prog;
	struct btf *btf;
	struct ks_ctype **memo;	/* converted types by BTF id */
	__u32 ntypes;
	int depth;
};

/* ---- local types into the model ---- */

static struct ks_ctype *conv(struct reader *r, __u32 id, int *err);

static int too_deep(struct reader *r)
{
	return ks_err_set(KS_EFORMAT, "%s: BTF types nest more than %d levels deep",
			  r->path, MAX_DEPTH);
}

static void conv_members(struct reader *r, const struct btf_type *t, struct ks_ctype *c,
			 int *err)
{
	struct ks_ct_arena *a = r->prog->arena;
	__u16 n = btf_vlen(t), i;

	c->nmembers = n;
	c->members = ks_ct_alloc(a, (n ? n : 1) * sizeof(*c->members));
	if (btf_is_composite(t)) {
		const struct btf_member *m = btf_members(t);

		for (i = 0; i < n && !*err; i++, m++) {
			c->members[i].name = ks_ct_strdup(a, btf__name_by_offset(r->btf, m->name_off));
			c->members[i].bit_offset = btf_member_bit_offset(t, i);
			c->members[i].bitfield = btf_member_bitfield_size(t, i);
			c->members[i].type = conv(r, m->type, err);
		}
	} else {		/* a prototype's parameters */
		const struct btf_param *p = btf_params(t);

		for (i = 0; i < n && !*err; i++, p++) {
			c->members[i].name = ks_ct_strdup(a, btf__name_by_offset(r->btf, p->name_off));
			c->members[i].type = conv(r, p->type, err);
		}
	}
}

static void conv_enum(struct reader *r, const struct btf_type *t, struct ks_ctype *c)
{
	struct ks_ct_arena *a = r->prog->arena;
	__u16 n = btf_vlen(t), i;

	c->size = t->size;
	c->is_signed = btf_kflag(t);
	c->is_enum64 = btf_is_enum64(t);
	c->nenums = n;
	c->enums = ks_ct_alloc(a, (n ? n : 1) * sizeof(*c->enums));
	for (i = 0; i < n; i++) {
		if (btf_is_enum(t)) {
			const struct btf_enum *e = btf_enum(t) + i;

			c->enums[i].name = ks_ct_strdup(a, btf__name_by_offset(r->btf, e->name_off));
			c->enums[i].value = c->is_signed ? (int64_t)(__s32)e->val
							 : (int64_t)(__u32)e->val;
		} else {
			const struct btf_enum64 *e = btf_enum64(t) + i;

			c->enums[i].name = ks_ct_strdup(a, btf__name_by_offset(r->btf, e->name_off));
			c->enums[i].value = (int64_t)btf_enum64_value(e);
		}
	}
}

/* Modifiers and tags are skipped: CO-RE skips them everywhere. */
static struct ks_ctype *conv(struct reader *r, __u32 id, int *err)
{
	struct ks_ct_arena *a = r->prog->arena;
	const struct btf_type *t;
	struct ks_ctype *c;
	const char *name;

	if (*err)
		return NULL;
	if (id >= r->ntypes) {
		*err = ks_err_set(KS_EFORMAT, "%s: BTF type id %u out of range", r->path, id);
		return NULL;
	}
	if (r->memo[id])
		return r->memo[id];
	if (++r->depth > MAX_DEPTH) {
		*err = too_deep(r);
		r->depth--;
		return NULL;
	}
	t = btf__type_by_id(r->btf, id);
	name = id ? btf__name_by_offset(r->btf, t->name_off) : NULL;
	if (name && !*name)
		name = NULL;
	switch (id ? btf_kind(t) : BTF_KIND_UNKN) {
	case BTF_KIND_CONST:
	case BTF_KIND_VOLATILE:
	case BTF_KIND_RESTRICT:
	case BTF_KIND_TYPE_TAG:
		c = conv(r, t->type, err);
		r->depth--;
		return r->memo[id] = c;
	case BTF_KIND_INT:
		c = ks_ct_new(a, KS_CT_INT, name);
		c->size = t->size;
		c->is_signed = !!(btf_int_encoding(t) & BTF_INT_SIGNED);
		c->is_bool = !!(btf_int_encoding(t) & BTF_INT_BOOL);
		break;
	case BTF_KIND_FLOAT:
		c = ks_ct_new(a, KS_CT_FLOAT, name);
		c->size = t->size;
		break;
	case BTF_KIND_PTR:
		c = ks_ct_new(a, KS_CT_PTR, NULL);
		c->size = 8;
		break;
	case BTF_KIND_ARRAY:
		c = ks_ct_new(a, KS_CT_ARRAY, NULL);
		c->nelems = btf_array(t)->nelems;
		break;
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
		c = ks_ct_new(a, btf_is_struct(t) ? KS_CT_STRUCT : KS_CT_UNION, name);
		c->size = t->size;
		break;
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64:
		c = ks_ct_new(a, KS_CT_ENUM, name);
		conv_enum(r, t, c);
		break;
	case BTF_KIND_FWD:
		c = ks_ct_new(a, KS_CT_FWD, name);
		c->is_enum64 = btf_kflag(t);	/* (kflag: a union) */
		break;
	case BTF_KIND_TYPEDEF:
		c = ks_ct_new(a, KS_CT_TYPEDEF, name);
		break;
	case BTF_KIND_FUNC_PROTO:
		c = ks_ct_new(a, KS_CT_FUNC, NULL);
		break;
	default:		/* functions, variables, sections, decl tags */
		c = ks_ct_new(a, KS_CT_VOID, NULL);
		break;
	}
	c->complete = 1;
	r->memo[id] = c;	/* before the parts: pointers make cycles */
	if (btf_is_ptr(t) || btf_is_typedef(t) || btf_is_func_proto(t))
		c->ref = conv(r, t->type, err);
	if (btf_is_array(t)) {
		__s64 sz = btf__resolve_size(r->btf, id);

		c->ref = conv(r, btf_array(t)->type, err);
		c->size = sz > 0 ? (uint64_t)sz : 0;
	}
	if (btf_is_typedef(t) && c->ref)
		c->size = c->ref->size;
	if (btf_is_composite(t) || btf_is_func_proto(t))
		conv_members(r, t, c, err);
	r->depth--;
	return c;
}

static const struct btf_type *skip_mods_typedefs(const struct btf *btf, __u32 id, __u32 *res)
{
	const struct btf_type *t = btf__type_by_id(btf, id);
	int n = 0;

	/* ks_btf_check refused cycles; the bound is for safety only */
	while (t && n++ < MAX_DEPTH &&
	       (btf_is_mod(t) || btf_is_typedef(t) || btf_is_type_tag(t))) {
		id = t->type;
		t = btf__type_by_id(btf, id);
	}
	if (res)
		*res = id;
	return t;
}

/* ---- the access spec ---- */

static int bad_relo(struct reader *r, const char *sec, size_t i, const char *why)
{
	return ks_err_set(KS_EFORMAT, "%s: CO-RE relocation #%zu of section %s: %s",
			  r->path, i, sec, why);
}

static int parse_numbers(const char *s, uint32_t *out, size_t *n)
{
	*n = 0;
	if (!*s)
		return -1;
	for (;;) {
		uint64_t v = 0;

		if (*s < '0' || *s > '9')
			return -1;
		while (*s >= '0' && *s <= '9') {
			v = v * 10 + (uint64_t)(*s++ - '0');
			if (v > UINT32_MAX)
				return -1;
		}
		if (*n == MAX_SPEC)
			return -1;
		out[(*n)++] = (uint32_t)v;
		if (!*s)
			return 0;
		if (*s++ != ':')
			return -1;
	}
}

static void add_step(struct reader *r, struct ks_relo *rl, const char *name, uint32_t index,
		     __u32 parent, __u32 type, int *err)
{
	struct ks_access *s = &rl->steps[rl->nsteps++];

	s->name = name ? ks_ct_strdup(r->prog->arena, name) : NULL;
	s->index = index;
	s->parent = conv(r, parent, err);
	s->type = conv(r, type, err);
}

static int parse_field_spec(struct reader *r, struct ks_relo *rl, __u32 root,
			    const uint32_t *raw, size_t n, const char *sec, size_t i,
			    struct ks_buf *desc)
{
	const struct btf_type *t;
	__u32 id = root, tid;
	__s64 sz;
	size_t k;
	int err = 0;

	rl->steps = ks_ct_alloc(r->prog->arena, n * sizeof(*rl->steps));
	sz = btf__resolve_size(r->btf, root);
	if (sz < 0)
		return bad_relo(r, sec, i, "the root type has no size");
	rl->local_bit_offset = (uint64_t)raw[0] * (uint64_t)sz * 8;
	add_step(r, rl, NULL, raw[0], root, root, &err);
	if (raw[0])
		ks_buf_printf(desc, "[%u]", raw[0]);
	for (k = 1; k < n && !err; k++) {
		t = skip_mods_typedefs(r->btf, id, &tid);
		if (!t)
			return bad_relo(r, sec, i, "a type id out of range");
		if (btf_is_composite(t)) {
			const struct btf_member *m;
			const char *name;

			if (raw[k] >= btf_vlen(t))
				return bad_relo(r, sec, i, "a member index out of range");
			m = btf_members(t) + raw[k];
			rl->local_bit_offset += btf_member_bit_offset(t, raw[k]);
			name = btf__name_by_offset(r->btf, m->name_off);
			if (name && *name) {
				add_step(r, rl, name, raw[k], tid, m->type, &err);
				ks_buf_printf(desc, ".%s", name);
			}
			id = m->type;
		} else if (btf_is_array(t)) {
			const struct btf_array *arr = btf_array(t);
			const struct ks_access *prev = &rl->steps[rl->nsteps - 1];
			/* libbpf's is_flex_arr: a zero-length last member */
			int flex = prev->name && !arr->nelems && prev->parent &&
				   prev->index + 1 == prev->parent->nmembers;

			if (!flex && raw[k] >= arr->nelems)
				return bad_relo(r, sec, i, "an array index out of range");
			sz = btf__resolve_size(r->btf, arr->type);
			if (sz < 0)
				return bad_relo(r, sec, i, "an array element has no size");
			rl->local_bit_offset += (uint64_t)raw[k] * (uint64_t)sz * 8;
			add_step(r, rl, NULL, raw[k], tid, arr->type, &err);
			ks_buf_printf(desc, "[%u]", raw[k]);
			id = arr->type;
		} else {
			return bad_relo(r, sec, i, "the access goes into a type that has no members");
		}
	}
	return err;
}

/* One record: kind, root, spec; the local side resolved. */
static int parse_relo(struct reader *r, struct ks_relo *rl, __u32 type_id,
		      __u32 spec_off, __u32 kind, const char *sec, size_t i)
{
	struct ks_ct_arena *a = r->prog->arena;
	struct ks_buf desc = KS_BUF_INIT;
	const struct btf_type *t;
	const char *spec = btf__str_by_offset(r->btf, spec_off), *name;
	uint32_t raw[MAX_SPEC];
	size_t n;
	int err = 0;

	if (kind >= KS_RELO_KIND_COUNT)
		return bad_relo(r, sec, i, "unknown relocation kind");
	if (!type_id || type_id >= r->ntypes)
		return bad_relo(r, sec, i, "type id out of range");
	if (!spec || parse_numbers(spec, raw, &n))
		return bad_relo(r, sec, i, "the access string is not a list of numbers "
				"(at most 64)");
	rl->kind = kind;
	rl->spec = ks_ct_strdup(a, spec);
	rl->root = conv(r, type_id, &err);
	if (err)
		return err;
	t = btf__type_by_id(r->btf, type_id);
	while (btf_is_mod(t) || btf_is_type_tag(t))
		t = btf__type_by_id(r->btf, t->type);
	name = btf__name_by_offset(r->btf, t->name_off);
	/* libbpf looks candidates up by name: an anonymous root has none */
	if (!name || !*name)
		return bad_relo(r, sec, i, "relocation against an anonymous type");
	ks_buf_printf(&desc, "%s%s%s",
		      rl->root->kind == KS_CT_STRUCT || rl->root->kind == KS_CT_UNION ||
		      rl->root->kind == KS_CT_ENUM ? ks_ct_kind_name(rl->root->kind) : "",
		      rl->root->kind == KS_CT_STRUCT || rl->root->kind == KS_CT_UNION ||
		      rl->root->kind == KS_CT_ENUM ? " " : "", name);
	switch (ks_relo_class(rl->kind)) {
	case KS_RELO_TYPE:
		if (n != 1 || raw[0])
			err = bad_relo(r, sec, i, "a type relocation's access string must be 0");
		break;
	case KS_RELO_ENUMVAL: {
		const struct ks_ctype *e = rl->root;

		while (e && e->kind == KS_CT_TYPEDEF)
			e = e->ref;
		if (!e || e->kind != KS_CT_ENUM)
			err = bad_relo(r, sec, i, "an enumerator relocation on a type that is not an enum");
		else if (n != 1 || raw[0] >= e->nenums)
			err = bad_relo(r, sec, i, "an enumerator index out of range");
		if (!err) {
			rl->enumerator = e->enums[raw[0]].name;
			rl->enum_value = e->enums[raw[0]].value;
			ks_buf_printf(&desc, "::%s", rl->enumerator);
		}
		break;
	}
	case KS_RELO_FIELD:
		err = parse_field_spec(r, rl, type_id, raw, n, sec, i, &desc);
		break;
	}
	if (!err)
		rl->access = ks_ct_strdup(a, desc.p);
	ks_buf_free(&desc);
	return err;
}

/* Section and symbol names reach messages and terminals: libbpf's are
 * printable ASCII without spaces, and nothing else is accepted. */
static int printable(const char *s)
{
	if (!*s || strlen(s) > 255)
		return 0;
	for (; *s; s++)
		if (*s < 0x21 || *s > 0x7e)
			return 0;
	return 1;
}

/* ---- .BTF.ext ---- */

struct ext {
	const unsigned char *p;
	size_t len;
	int swap;
};

static uint32_t ext_u32(const struct ext *x, size_t off)
{
	const unsigned char *b = x->p + off;

	if (x->swap)
		return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
	return (uint32_t)b[3] << 24 | (uint32_t)b[2] << 16 | (uint32_t)b[1] << 8 | b[0];
}

static int truncated(struct reader *r, const char *what)
{
	return ks_err_set(KS_EFORMAT, "%s: .BTF.ext is truncated or invalid (%s)", r->path, what);
}

/* The CO-RE records of .BTF.ext: a header (libbpf's struct
 * btf_ext_header), then per section its name, a count and fixed-size
 * records { insn_off, type_id, access_str_off, kind }. */
static int read_ext(struct reader *r, const unsigned char *p, size_t len)
{
	struct ext x = { p, len, 0 };
	size_t hdr_len, off, end, rec, nrelos = 0, cap = 0;
	struct ks_relo *relos = NULL;
	int err = 0;

	if (len < 24)
		return truncated(r, "no header");
	if (p[0] == 0x9f && p[1] == 0xeb)
		x.swap = 0;
	else if (p[0] == 0xeb && p[1] == 0x9f)
		x.swap = 1;
	else
		return truncated(r, "bad magic");
	if (p[2] != 1)
		return truncated(r, "version is not 1");
	hdr_len = ext_u32(&x, 4);
	if (hdr_len < 24 || hdr_len > len)
		return truncated(r, "header length");
	if (hdr_len < 32)
		return 0;	/* a header without CO-RE records */
	off = ext_u32(&x, 24);
	end = off + (size_t)ext_u32(&x, 28);
	if (end < off || hdr_len + end > len)
		return truncated(r, "CO-RE records beyond the section");
	if (end == off)
		return 0;
	off += hdr_len;
	end += hdr_len;
	if (end - off < 4)
		return truncated(r, "CO-RE record size");
	rec = ext_u32(&x, off);
	off += 4;
	if (rec < 16 || rec > 1024)
		return truncated(r, "CO-RE record size");
	while (off < end && !err) {
		const char *sec;
		uint32_t nrec, k;

		if (end - off < 8) {
			err = truncated(r, "section header of CO-RE records");
			break;
		}
		sec = btf__str_by_offset(r->btf, ext_u32(&x, off));
		nrec = ext_u32(&x, off + 4);
		off += 8;
		if (!sec || !printable(sec)) {
			err = truncated(r, "section name of CO-RE records");
			break;
		}
		if (nrec > (end - off) / rec) {
			err = truncated(r, "more CO-RE records than bytes");
			break;
		}
		sec = ks_ct_strdup(r->prog->arena, sec);
		for (k = 0; k < nrec && !err; k++, off += rec) {
			uint32_t insn_off = ext_u32(&x, off);
			struct ks_relo *rl;

			if (insn_off % 8) {
				err = truncated(r, "an instruction offset not a multiple of 8");
				break;
			}
			if (nrelos == cap) {
				cap = cap ? cap * 2 : 64;
				relos = ks_xrealloc(relos, cap * sizeof(*relos));
			}
			rl = &relos[nrelos++];
			memset(rl, 0, sizeof(*rl));
			rl->section = sec;
			rl->insn = insn_off / 8;
			err = parse_relo(r, rl, ext_u32(&x, off + 4), ext_u32(&x, off + 8),
					 ext_u32(&x, off + 12), sec, k);
		}
	}
	r->prog->relos = relos;
	r->prog->nrelos = nrelos;
	return err;
}

/* ---- program sections ---- */

struct sec_def {
	const char *prefix;	/* with its '/' when a target follows */
	enum ks_attach_kind attach;
	int by_symbol;
};

/* libbpf's section names that name a kernel attach point; every other
 * program section (xdp, tc, cgroup, socket, uprobe, usdt, ...) needs no
 * kernel type or symbol to attach. */
static const struct sec_def sec_defs[] = {
	{ "kprobe/", KS_ATTACH_FUNC, 1 },
	{ "kretprobe/", KS_ATTACH_FUNC, 1 },
	{ "ksyscall/", KS_ATTACH_SYSCALL, 1 },
	{ "kretsyscall/", KS_ATTACH_SYSCALL, 1 },
	{ "fentry/", KS_ATTACH_FUNC, 0 },
	{ "fexit/", KS_ATTACH_FUNC, 0 },
	{ "fmod_ret/", KS_ATTACH_FUNC, 0 },
	{ "fentry.s/", KS_ATTACH_FUNC, 0 },
	{ "fexit.s/", KS_ATTACH_FUNC, 0 },
	{ "fmod_ret.s/", KS_ATTACH_FUNC, 0 },
	{ "tp_btf/", KS_ATTACH_TRACEPOINT, 0 },
	{ "raw_tp/", KS_ATTACH_TRACEPOINT, 0 },
	{ "raw_tracepoint/", KS_ATTACH_TRACEPOINT, 0 },
	{ "raw_tp.w/", KS_ATTACH_TRACEPOINT, 0 },
	{ "raw_tracepoint.w/", KS_ATTACH_TRACEPOINT, 0 },
	{ "tracepoint/", KS_ATTACH_EVENT, 0 },
	{ "tp/", KS_ATTACH_EVENT, 0 },
	{ "lsm/", KS_ATTACH_LSM, 0 },
	{ "lsm.s/", KS_ATTACH_LSM, 0 },
	{ "lsm_cgroup/", KS_ATTACH_LSM, 0 },
};

static void set_attach(struct ks_ct_arena *a, struct ks_bpf_prog *p, const char *sec)
{
	size_t i;
	const char *slash = strchr(sec, '/');

	p->type = slash ? ks_ct_strndup(a, sec, (size_t)(slash - sec)) : ks_ct_strdup(a, sec);
	p->attach = KS_ATTACH_NONE;
	for (i = 0; i < sizeof(sec_defs) / sizeof(sec_defs[0]); i++) {
		size_t n = strlen(sec_defs[i].prefix);
		const char *t = sec + n, *e;

		if (strncmp(sec, sec_defs[i].prefix, n) || !*t)
			continue;
		if (sec_defs[i].attach == KS_ATTACH_EVENT) {
			/* tracepoint/CATEGORY/NAME: both kept, the category
			 * tells a syscall's event from a tracepoint */
			const char *s = strchr(t, '/');

			if (!s || !s[1] || s == t)
				return;
		}
		/* kprobe/FUNC+0x10: the function */
		e = sec_defs[i].by_symbol ? t + strcspn(t, "+") : t + strlen(t);
		p->attach = sec_defs[i].attach;
		p->by_symbol = sec_defs[i].by_symbol;
		p->target = ks_ct_strndup(a, t, (size_t)(e - t));
		return;
	}
}

/* A section's instructions in host form; @big: the object is big-endian
 * (bpfeb), whose register nibbles are swapped too. */
static struct ks_insn *decode(struct ks_ct_arena *a, const unsigned char *p, size_t n, int big)
{
	struct ks_insn *in = ks_ct_alloc(a, (n ? n : 1) * sizeof(*in));
	size_t i;

	for (i = 0; i < n; i++, p += 8) {
		in[i].code = p[0];
		in[i].dst = big ? p[1] >> 4 : p[1] & 15;
		in[i].src = big ? p[1] & 15 : p[1] >> 4;
		in[i].off = (int16_t)(big ? (p[2] << 8 | p[3]) : (p[3] << 8 | p[2]));
		in[i].imm = (int32_t)(big ? ((uint32_t)p[4] << 24 | (uint32_t)p[5] << 16 |
					     (uint32_t)p[6] << 8 | p[7])
					  : ((uint32_t)p[7] << 24 | (uint32_t)p[6] << 16 |
					     (uint32_t)p[5] << 8 | p[4]));
	}
	return in;
}

/* Function symbols of section @ndx: their offsets (in instructions) into
 * @entries, the one at offset 0 named in *@first. */
static size_t func_entries(struct reader *r, Elf *elf, Elf_Scn *symscn, size_t ndx, size_t ninsns,
			   uint32_t **entries, const char **first)
{
	GElf_Shdr sh;
	Elf_Data *sd;
	size_t k, nsyms, n = 0;

	*entries = NULL;
	*first = "";
	if (!symscn || !(sd = elf_getdata(symscn, NULL)) || !gelf_getshdr(symscn, &sh) ||
	    !sh.sh_entsize)
		return 0;
	nsyms = sd->d_size / sh.sh_entsize;
	*entries = ks_ct_alloc(r->prog->arena, (nsyms ? nsyms : 1) * sizeof(**entries));
	for (k = 0; k < nsyms; k++) {
		GElf_Sym sym;
		const char *sn;

		if (!gelf_getsym(sd, (int)k, &sym) || GELF_ST_TYPE(sym.st_info) != STT_FUNC ||
		    sym.st_shndx != ndx || sym.st_value % 8 || sym.st_value / 8 >= ninsns)
			continue;
		(*entries)[n++] = (uint32_t)(sym.st_value / 8);
		sn = elf_strptr(elf, sh.sh_link, sym.st_name);
		if (sn && printable(sn) && !sym.st_value && !**first)
			*first = sn;
	}
	return n;
}

static int read_progs(struct reader *r, Elf *elf, size_t shstrndx, const struct ks_file_bytes *fb,
		      int big)
{
	struct ks_ct_arena *a = r->prog->arena;
	Elf_Scn *scn = NULL, *symscn = NULL;
	GElf_Shdr sh;
	size_t cap = 0, ccap = 0;

	while ((scn = elf_nextscn(elf, scn)))
		if (gelf_getshdr(scn, &sh) && sh.sh_type == SHT_SYMTAB)
			symscn = scn;
	scn = NULL;
	while ((scn = elf_nextscn(elf, scn))) {
		const char *name, *fname;
		struct ks_bpf_prog *p;
		struct ks_code *c;
		uint32_t *entries;
		size_t n;

		if (!gelf_getshdr(scn, &sh))
			return ks_err_set(KS_EFORMAT, "%s: broken ELF section table", r->path);
		name = elf_strptr(elf, shstrndx, sh.sh_name);
		if (!name || sh.sh_type != SHT_PROGBITS || !(sh.sh_flags & SHF_EXECINSTR) ||
		    !sh.sh_size)
			continue;
		if (!printable(name))
			return ks_err_set(KS_EFORMAT, "%s: a code section's name is not printable",
					  r->path);
		if (sh.sh_offset > fb->len || sh.sh_size > fb->len - sh.sh_offset || sh.sh_size % 8)
			return ks_err_set(KS_EFORMAT, "%s: section %s is cut off or not whole "
					  "instructions", r->path, name);
		n = sh.sh_size / 8;
		if (r->prog->ncode == ccap) {
			ccap = ccap ? ccap * 2 : 8;
			r->prog->code = ks_xrealloc(r->prog->code, ccap * sizeof(*r->prog->code));
		}
		c = &r->prog->code[r->prog->ncode++];
		c->section = ks_ct_strdup(a, name);
		c->insns = decode(a, fb->p + sh.sh_offset, n, big);
		c->n = n;
		c->nentries = func_entries(r, elf, symscn, elf_ndxscn(scn), n, &entries, &fname);
		c->entries = entries;
		if (!strcmp(name, ".text"))	/* subprograms, not a program */
			continue;
		if (r->prog->nprogs == cap) {
			cap = cap ? cap * 2 : 8;
			r->prog->progs = ks_xrealloc(r->prog->progs, cap * sizeof(*r->prog->progs));
		}
		p = &r->prog->progs[r->prog->nprogs++];
		memset(p, 0, sizeof(*p));
		p->section = c->section;
		p->name = ks_ct_strdup(a, fname);
		set_attach(a, p, name);
	}
	return 0;
}

/* ---- the object ---- */

static int read_btf(struct reader *r, const unsigned char *data, size_t len)
{
	struct ks_input in;
	int err;

	memset(&in, 0, sizeof(in));
	in.path = (char *)r->path;
	if (len < 24 || ((data[0] != 0x9f || data[1] != 0xeb) && (data[0] != 0xeb || data[1] != 0x9f)))
		return ks_err_set(KS_EFORMAT, "%s: .BTF has no BTF header", r->path);
	if ((err = ks_btf_check_header(&in, data)))
		return err;
	r->btf = btf__new(data, (__u32)len);
	if (!r->btf)
		return ks_err_set(KS_EFORMAT, "%s: invalid or truncated .BTF", r->path);
	in.btf = r->btf;
	in.start_id = 1;
	if ((err = ks_btf_check(&in)))
		return err;
	r->ntypes = btf__type_cnt(r->btf);
	r->memo = ks_xcalloc(r->ntypes, sizeof(*r->memo));
	return 0;
}

static int read_object(struct reader *r, const struct ks_file_bytes *fb)
{
	Elf *elf;
	GElf_Ehdr eh;
	GElf_Shdr sh;
	Elf_Scn *scn;
	size_t shstrndx;
	int err = 0, found;

	if (fb->len < 4 || memcmp(fb->p, "\177ELF", 4))
		return ks_err_set(KS_EFORMAT, "%s: not an ELF file (an eBPF object is one: "
				  "clang -target bpf -c)", r->path);
	elf_version(EV_CURRENT);
	elf = elf_memory((char *)fb->p, fb->len);
	if (!elf || !gelf_getehdr(elf, &eh) || elf_getshdrstrndx(elf, &shstrndx)) {
		err = ks_err_set(KS_EFORMAT, "%s: broken ELF file", r->path);
		goto out;
	}
	if (eh.e_machine != EM_BPF) {
		err = ks_err_set(KS_EFORMAT, "%s: not an eBPF object (ELF machine %u, not BPF)",
				 r->path, (unsigned int)eh.e_machine);
		goto out;
	}
	found = ks_elf_section(elf, shstrndx, ".BTF", fb->len, &sh, &scn);
	if (found < 0 || (found && sh.sh_type == SHT_NOBITS)) {
		err = ks_err_set(KS_EFORMAT, "%s: broken .BTF section", r->path);
		goto out;
	}
	if (!found) {
		err = ks_err_set(KS_EFORMAT, "%s: no .BTF section (compile with clang -g)", r->path);
		goto out;
	}
	if ((err = read_btf(r, fb->p + sh.sh_offset, sh.sh_size)))
		goto out;
	if ((err = read_progs(r, elf, shstrndx, fb, eh.e_ident[EI_DATA] == ELFDATA2MSB)))
		goto out;
	found = ks_elf_section(elf, shstrndx, ".BTF.ext", fb->len, &sh, &scn);
	if (found < 0 || (found && sh.sh_type == SHT_NOBITS)) {
		err = ks_err_set(KS_EFORMAT, "%s: broken .BTF.ext section", r->path);
		goto out;
	}
	if (found)
		err = read_ext(r, fb->p + sh.sh_offset, sh.sh_size);
out:
	if (elf)
		elf_end(elf);
	return err;
}

int ks_bpfobj_open(struct ks_prog **out, const char *path)
{
	struct ks_file_bytes fb;
	struct reader r;
	int err;

	*out = NULL;
	memset(&r, 0, sizeof(r));
	r.path = path;
	if ((err = ks_file_read(&fb, path)))
		return err;
	r.prog = ks_xcalloc(1, sizeof(*r.prog));
	r.prog->arena = ks_ct_arena_new();
	r.prog->path = ks_ct_strdup(r.prog->arena, path);
	err = read_object(&r, &fb);
	ks_file_bytes_free(&fb);
	free(r.memo);
	btf__free(r.btf);
	if (err) {
		ks_prog_free(r.prog);
		return err;
	}
	*out = r.prog;
	return 0;
}
