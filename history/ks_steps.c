/* <gitdir>/kstruct-history/steps, little-endian:
 *   "KSSTEP1\n", KS_DIFF_VERSION u32, nent u32, reclen u32
 *   nent x { old[20], new[20], record u32 }      sorted by (old, new)
 *   reclen bytes of records, each:
 *     len u32, n u32, ndecl u32, kind u32
 *     n x change { kind, positional, field, old_field, old_decl, new_decl
 *                  (u32 each), old_value u64, new_value u64,
 *                  old member, new member }
 *       member { present, name, decl, bitfield_size, index, positional
 *                (u32 each), offset_bits u64, size_bits u64 }
 *     the strings, NUL-terminated
 * String fields are offsets from the record's start, 0xffffffff for
 * NULL. A record ends in a NUL and every offset is checked against its
 * length, so no field read from a damaged file leaves its record. */
#include "ks_steps.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ks_buf.h"
#include "ks_err.h"
#include "ks_hash.h"
#include "ks_strmap.h"

#define MAGIC "KSSTEP1\n"
#define FILE_NAME "steps"
#define HDR 20
#define KEY 40
#define ENT (KEY + 4)
#define REC_HDR 16
#define MEM 40
#define CHG (40 + 2 * MEM)
#define NONE 0xffffffffu

struct ks_steps {
	const unsigned char *map;
	size_t len;
	uint32_t nent, reclen;
	const unsigned char *ent, *rec;
};

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t le64(const unsigned char *p)
{
	return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

static void set32(struct ks_buf *b, size_t at, uint32_t v)
{
	unsigned char *p = (unsigned char *)b->p + at;

	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
	p[2] = (unsigned char)(v >> 16);
	p[3] = (unsigned char)(v >> 24);
}

static void set64(struct ks_buf *b, size_t at, uint64_t v)
{
	set32(b, at, (uint32_t)v);
	set32(b, at + 4, (uint32_t)(v >> 32));
}

static void put32(struct ks_buf *b, uint32_t v)
{
	ks_buf_grow(b, 4);
	b->len += 4;
	set32(b, b->len - 4, v);
}

static int unhex(const char *hex, unsigned char *out)
{
	size_t i;

	for (i = 0; i < 40; i++) {
		int c = hex[i], v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ?
				    c - 'a' + 10 : -1;

		if (v < 0)
			return -1;
		if (i % 2)
			out[i / 2] |= (unsigned char)v;
		else
			out[i / 2] = (unsigned char)(v << 4);
	}
	return hex[40] ? -1 : 0;
}

/* ---- reading ---- */

struct ks_steps *ks_steps_open(struct ks_store *s)
{
	char *path = ks_store_derived_path(s, FILE_NAME, 0);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct ks_steps *st;
	struct stat sb;
	void *map;

	free(path);
	if (fd < 0)
		return NULL;
	if (fstat(fd, &sb) || sb.st_size < HDR ||
	    (map = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_PRIVATE, fd, 0)) == MAP_FAILED) {
		close(fd);
		return NULL;
	}
	close(fd);
	st = ks_xcalloc(1, sizeof(*st));
	st->map = map;
	st->len = (size_t)sb.st_size;
	st->nent = le32(st->map + 12);
	st->reclen = le32(st->map + 16);
	st->ent = st->map + HDR;
	st->rec = st->ent + (size_t)st->nent * ENT;
	if (memcmp(st->map, MAGIC, 8) || le32(st->map + 8) != KS_DIFF_VERSION ||
	    (uint64_t)HDR + (uint64_t)st->nent * ENT + st->reclen != st->len) {
		ks_steps_close(st);
		return NULL;
	}
	return st;
}

void ks_steps_close(struct ks_steps *st)
{
	if (!st)
		return;
	munmap((void *)st->map, st->len);
	free(st);
}

/* The record of @key, its length in *len; NULL when there is none or
 * it does not fit in the file. */
static const unsigned char *record(const struct ks_steps *st, const unsigned char *key,
				   uint32_t *len)
{
	size_t lo = 0, hi = st->nent;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const unsigned char *e = st->ent + mid * ENT;
		int c = memcmp(e, key, KEY);

		if (!c) {
			uint32_t off = le32(e + KEY);

			if ((uint64_t)off + REC_HDR > st->reclen)
				return NULL;
			*len = le32(st->rec + off);
			if (*len < REC_HDR || (uint64_t)off + *len > st->reclen ||
			    st->rec[off + *len - 1])
				return NULL;
			return st->rec + off;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

struct reader {
	const unsigned char *r;
	uint32_t len;
	int bad;
};

static const char *str(struct reader *rd, const unsigned char *at)
{
	uint32_t o = le32(at);

	if (o == NONE)
		return NULL;
	if (o >= rd->len) {
		rd->bad = 1;
		return NULL;
	}
	return (const char *)rd->r + o;
}

static const struct ks_member *member(struct reader *rd, const unsigned char *p,
				      struct ks_member *m)
{
	if (!le32(p))
		return NULL;
	m->name = (char *)str(rd, p + 4);
	m->decl = (char *)str(rd, p + 8);
	m->bitfield_size = le32(p + 12);
	m->index = le32(p + 16);
	m->positional = (int)le32(p + 20);
	m->offset_bits = le64(p + 24);
	m->size_bits = le64(p + 32);
	if (!m->name || !m->decl)
		rd->bad = 1;
	return m;
}

struct ks_diff *ks_steps_find(const struct ks_steps *st, const char *old, const char *new)
{
	unsigned char key[KEY];
	struct reader rd;
	struct ks_diff *d;
	struct ks_member *mem;
	uint32_t n, k;

	if (!st || unhex(old, key) || unhex(new, key + 20) || !(rd.r = record(st, key, &rd.len)))
		return NULL;
	rd.bad = 0;
	n = le32(rd.r + 4);
	if (n > (rd.len - REC_HDR) / CHG)
		return NULL;
	d = ks_xcalloc(1, sizeof(*d));
	/* the members after the changes, in one block: ks_diff_free frees it */
	d->changes = ks_xcalloc(1, n * sizeof(*d->changes) + 2 * (size_t)n * sizeof(*mem) + 1);
	mem = (struct ks_member *)(d->changes + n);
	d->n = n;
	d->ndecl = le32(rd.r + 8);
	d->kind = str(&rd, rd.r + 12);
	for (k = 0; k < n && !rd.bad; k++) {
		const unsigned char *c = rd.r + REC_HDR + (size_t)k * CHG;
		struct ks_change *ch = &d->changes[k];
		uint32_t kind = le32(c);

		if (kind > KS_SYMBOLS_CHANGED) {
			rd.bad = 1;
			break;
		}
		ch->kind = (enum ks_change_kind)kind;
		ch->positional = (int)le32(c + 4);
		ch->field = str(&rd, c + 8);
		ch->old_field = str(&rd, c + 12);
		ch->old_decl = str(&rd, c + 16);
		ch->new_decl = str(&rd, c + 20);
		ch->old_value = le64(c + 24);
		ch->new_value = le64(c + 32);
		ch->old_m = member(&rd, c + 40, &mem[2 * k]);
		ch->new_m = member(&rd, c + 40 + MEM, &mem[2 * k + 1]);
	}
	if (rd.bad || !d->kind || d->ndecl > n) {
		ks_diff_free(d);
		return NULL;
	}
	return d;
}

/* ---- writing ---- */

static uint32_t add_str(struct ks_buf *b, size_t start, const char *s)
{
	uint32_t off = (uint32_t)(b->len - start);

	if (!s)
		return NONE;
	ks_buf_add(b, s, strlen(s) + 1);
	return off;
}

static void put_member(struct ks_buf *b, size_t start, size_t at, const struct ks_member *m)
{
	if (!m)
		return;		/* zeroed: absent */
	set32(b, at, 1);
	set32(b, at + 4, add_str(b, start, m->name));
	set32(b, at + 8, add_str(b, start, m->decl));
	set32(b, at + 12, m->bitfield_size);
	set32(b, at + 16, m->index);
	set32(b, at + 20, (uint32_t)m->positional);
	set64(b, at + 24, m->offset_bits);
	set64(b, at + 32, m->size_bits);
}

/* Appends @d, the difference from @old to @new, as a record. Layout
 * changes name their member without pointing to it (ks_diff_defs gives
 * offsets only): the record has the members all the same, so that a
 * field's place in the older version can be read from the step alone
 * (ks_blame_kept.c). */
static void encode(struct ks_buf *b, const struct ks_diff *d, const struct ks_def *old,
		   const struct ks_def *new)
{
	size_t start = b->len, fixed = REC_HDR + d->n * CHG, k;

	ks_buf_grow(b, fixed);
	memset(b->p + start, 0, fixed);
	b->len += fixed;
	set32(b, start + 4, (uint32_t)d->n);
	set32(b, start + 8, (uint32_t)d->ndecl);
	set32(b, start + 12, add_str(b, start, d->kind));
	for (k = 0; k < d->n; k++) {
		const struct ks_change *c = &d->changes[k];
		size_t at = start + REC_HDR + k * CHG;

		set32(b, at, (uint32_t)c->kind);
		set32(b, at + 4, (uint32_t)c->positional);
		set32(b, at + 8, add_str(b, start, c->field));
		set32(b, at + 12, add_str(b, start, c->old_field));
		set32(b, at + 16, add_str(b, start, c->old_decl));
		set32(b, at + 20, add_str(b, start, c->new_decl));
		set64(b, at + 24, c->old_value);
		set64(b, at + 32, c->new_value);
		const struct ks_member *om = c->old_m, *nm = c->new_m;

		if (c->field && c->field[0] && (c->kind == KS_FIELD_MOVED ||
						c->kind == KS_FIELD_RESIZED)) {
			om = om ? om : ks_def_member(old, c->field);
			nm = nm ? nm : ks_def_member(new, c->field);
		}
		put_member(b, start, at + 40, om);
		put_member(b, start, at + 40 + MEM, nm);
	}
	ks_buf_add(b, "", 1);	/* a record ends in a NUL, even without strings */
	set32(b, start, (uint32_t)(b->len - start));
}

struct entry {
	unsigned char key[KEY];
	uint32_t off;
};

struct builder {
	struct ks_store *s;
	const struct ks_steps *old;
	struct ks_strmap seen;	/* the keys in hex: each step once */
	struct entry *e;
	size_t n, cap, added, kept;
	struct ks_buf rec;
};

static struct ks_def *parse(struct builder *b, const unsigned char *blob)
{
	char hex[41], *text = NULL;
	struct ks_def *def = NULL;
	size_t len;

	ks_hex(hex, blob, 20);
	/* a text that cannot be read or parsed has no step: log and blame
	 * will say what is wrong with it */
	if (ks_store_read_blob(b->s, hex, &text, &len) || ks_canon_parse(&def, text, len))
		ks_err_clear();
	free(text);
	return def;
}

static void add_entry(struct builder *b, const unsigned char *key, uint32_t off)
{
	if (b->n == b->cap) {
		b->cap = b->cap ? b->cap * 2 : 256;
		b->e = ks_xrealloc(b->e, b->cap * sizeof(*b->e));
	}
	memcpy(b->e[b->n].key, key, KEY);
	b->e[b->n++].off = off;
}

/* The step @key: copied from the old file, or made from @pdef (parsed
 * here if NULL) and @cur (parsed here). 0 when it could not be made. */
static int add_step(struct builder *b, const unsigned char *key, struct ks_def **pdef,
		    struct ks_def **cur)
{
	uint32_t len;
	const unsigned char *r = b->old ? record(b->old, key, &len) : NULL;
	struct ks_diff *d;

	if (r) {
		add_entry(b, key, (uint32_t)b->rec.len);
		ks_buf_add(&b->rec, r, len);
		b->kept++;
		return 1;
	}
	if (!*pdef)
		*pdef = parse(b, key);
	if (!*cur)
		*cur = parse(b, key + 20);
	if (!*pdef || !*cur)
		return 0;
	d = ks_diff_defs(*pdef, *cur);
	add_entry(b, key, (uint32_t)b->rec.len);
	encode(&b->rec, d, *pdef, *cur);
	ks_diff_free(d);
	b->added++;
	return 1;
}

static int is_zero(const unsigned char *id)
{
	static const unsigned char zero[20];

	return !memcmp(id, zero, 20);
}

/* The steps between consecutive versions of one path, across the
 * releases without it too (log compares a definition that is back with
 * the last one). Each version is parsed once at most. */
static int path_steps(const char *path, const unsigned char *blobs, size_t n, void *ctx)
{
	struct builder *b = ctx;
	struct ks_def *pdef = NULL;
	const unsigned char *prev = NULL;
	size_t k;

	(void)path;
	for (k = 0; k < n; k++) {
		const unsigned char *cur = blobs + k * 20;
		struct ks_def *cdef = NULL;

		if (is_zero(cur))
			continue;
		if (prev) {
			unsigned char key[KEY];
			char hex[2 * KEY + 1];
			int found;

			memcpy(key, prev, 20);
			memcpy(key + 20, cur, 20);
			ks_hex(hex, key, KEY);
			ks_strmap_slot(&b->seen, hex, &found);
			if (!found)
				add_step(b, key, &pdef, &cdef);
		}
		ks_def_free(pdef);
		pdef = cdef;
		prev = cur;
	}
	ks_def_free(pdef);
	return 0;
}

static int cmp_entry(const void *a, const void *b)
{
	return memcmp(a, b, KEY);
}

static int write_file(struct ks_store *s, struct builder *b)
{
	char *path = ks_store_derived_path(s, FILE_NAME, 1);
	char *tmp = ks_xasprintf("%s.tmp%ld", path, (long)getpid());
	struct ks_buf hdr = KS_BUF_INIT;
	FILE *f = fopen(tmp, "we");
	size_t i;
	int bad = !f;

	qsort(b->e, b->n, sizeof(*b->e), cmp_entry);
	ks_buf_add(&hdr, MAGIC, 8);
	put32(&hdr, KS_DIFF_VERSION);
	put32(&hdr, (uint32_t)b->n);
	put32(&hdr, (uint32_t)b->rec.len);
	for (i = 0; i < b->n; i++) {
		ks_buf_add(&hdr, b->e[i].key, KEY);
		put32(&hdr, b->e[i].off);
	}
	if (f) {
		bad |= fwrite(hdr.p, 1, hdr.len, f) != hdr.len;
		bad |= b->rec.len && fwrite(b->rec.p, 1, b->rec.len, f) != b->rec.len;
		bad |= fclose(f) != 0;
	}
	ks_buf_free(&hdr);
	/* readers see the old file or the new one, never half */
	if (bad || rename(tmp, path)) {
		int err = ks_err_set(KS_EIO, "cannot write %s: %s", path, strerror(errno));

		unlink(tmp);
		free(tmp);
		free(path);
		return err;
	}
	free(tmp);
	free(path);
	return 0;
}

/* KSTRUCT_STEPS_MIN lowers the bar, so that tests can compare kept and
 * computed answers on every name of a small store. */
static size_t steps_min(void)
{
	const char *env = getenv("KSTRUCT_STEPS_MIN");
	char *end;
	unsigned long v = env ? strtoul(env, &end, 10) : 0;

	return env && *env && !*end && v >= 1 && v <= 1000000 ? (size_t)v : KS_STEPS_MIN;
}

int ks_steps_update(struct ks_store *s, size_t *added)
{
	struct builder b;
	char **lin = NULL;
	size_t nlin = 0, i;
	int err, behind = 0;

	*added = 0;
	memset(&b, 0, sizeof(b));
	b.s = s;
	if ((err = ks_store_list_lineages(s, &lin, &nlin)))
		return err;
	b.old = ks_steps_open(s);
	for (i = 0; i < nlin && !err; i++) {
		err = ks_store_history_paths(s, lin[i], steps_min(), path_steps, &b);
		if (err == 1)
			behind = 1, err = 0;
	}
	if (b.rec.len > UINT32_MAX)
		err = ks_err_set(KS_EINVAL, "too many steps for one file");
	/* an index behind its branch lists fewer steps than there are: the
	 * file stays as it is until the index is current */
	if (!err && !behind && (b.added || b.n != (b.old ? b.old->nent : 0)))
		err = write_file(s, &b);
	*added = b.added;
	ks_steps_close((struct ks_steps *)b.old);
	ks_strmap_free(&b.seen, 0);
	ks_strv_free(lin, nlin);
	free(b.e);
	ks_buf_free(&b.rec);
	return err;
}
