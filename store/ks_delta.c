/* The delta encoder: git's own (diff-delta.c) in outline. The source is
 * indexed by a hash of each aligned 16-byte block; the target is
 * scanned with a rolling hash of the 16 bytes at each position, and a
 * block found in the source is extended both ways into the longest
 * copy. Canonical texts and trees change by a line or an entry between
 * versions, so nearly the whole target is a few copies. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ks_delta.h"

#define BLOCK 16
#define MULT 0x9e3779b1u	/* odd: multiplying by it loses no bits */
#define MAX_CHAIN 32		/* source blocks tried per position */
#define MAX_COPY 0x10000	/* git writes no longer copy (pack v2) */
#define MAX_INSERT 127

struct index {
	uint32_t *head;		/* per bucket: first block + 1, or 0 */
	uint32_t *next;		/* per block: next block in its bucket + 1 */
	uint32_t mask;
};

static uint32_t block_hash(const unsigned char *p)
{
	uint32_t h = 0;
	int k;

	for (k = 0; k < BLOCK; k++)
		h = h * MULT + p[k];
	return h;
}

static uint32_t bucket(const struct index *ix, uint32_t h)
{
	h ^= h >> 15;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	return h & ix->mask;
}

/* Later blocks first in each bucket, so that of equal blocks the walk
 * meets the ones nearest the source's end last: no matter, as every
 * candidate is extended and the longest kept. */
static void index_build(struct index *ix, const unsigned char *src, size_t slen)
{
	size_t nb = slen / BLOCK, n = 1, b;

	while (n < nb)
		n <<= 1;
	ix->mask = (uint32_t)n - 1;
	ix->head = calloc(n, sizeof(*ix->head));
	ix->next = calloc(nb ? nb : 1, sizeof(*ix->next));
	if (!ix->head || !ix->next)
		abort();
	for (b = 0; b < nb; b++) {
		uint32_t k = bucket(ix, block_hash(src + b * BLOCK));

		ix->next[b] = ix->head[k];
		ix->head[k] = (uint32_t)b + 1;
	}
}

static void put_varint(struct ks_buf *out, size_t v)
{
	unsigned char c;

	do {
		c = v & 0x7f;
		v >>= 7;
		if (v)
			c |= 0x80;
		ks_buf_add(out, &c, 1);
	} while (v);
}

static void put_insert(struct ks_buf *out, const unsigned char *p, size_t n)
{
	while (n) {
		unsigned char c = n > MAX_INSERT ? MAX_INSERT : (unsigned char)n;

		ks_buf_add(out, &c, 1);
		ks_buf_add(out, p, c);
		p += c;
		n -= c;
	}
}

static void put_copy(struct ks_buf *out, size_t off, size_t len)
{
	while (len) {
		size_t n = len > MAX_COPY ? MAX_COPY : len;
		unsigned char op[8];
		int k, h = 1;

		op[0] = 0x80;
		for (k = 0; k < 4; k++)
			if (off >> (8 * k) & 0xff) {
				op[0] |= (unsigned char)(1 << k);
				op[h++] = off >> (8 * k) & 0xff;
			}
		/* a size of 0x10000 is written as none: the reader's default */
		for (k = 0; k < 3 && n != MAX_COPY; k++)
			if (n >> (8 * k) & 0xff) {
				op[0] |= (unsigned char)(0x10 << k);
				op[h++] = n >> (8 * k) & 0xff;
			}
		ks_buf_add(out, op, (size_t)h);
		off += n;
		len -= n;
	}
}

int ks_delta_make(const unsigned char *src, size_t slen, const unsigned char *dst,
		  size_t dlen, size_t max, struct ks_buf *out)
{
	size_t start = out->len, lit = 0, i = 0;
	uint32_t h = 0, pow = 1;
	struct index ix;
	int k, fresh = 1;

	/* offsets are 32-bit in a copy op, and block numbers in the index */
	if (slen > UINT32_MAX || dlen > UINT32_MAX)
		return -1;
	put_varint(out, slen);
	put_varint(out, dlen);
	index_build(&ix, src, slen);
	for (k = 0; k < BLOCK; k++)
		pow *= MULT;
	while (i + BLOCK <= dlen && out->len - start <= max) {
		size_t best = 0, at = 0, len, back;
		uint32_t b;
		int tries = 0;

		if (fresh) {
			h = block_hash(dst + i);
			fresh = 0;
		}
		for (b = ix.head[bucket(&ix, h)]; b && tries < MAX_CHAIN; b = ix.next[b - 1], tries++) {
			size_t p = (size_t)(b - 1) * BLOCK, lim = slen - p < dlen - i ? slen - p : dlen - i;

			if (memcmp(src + p, dst + i, BLOCK))
				continue;
			for (len = BLOCK; len < lim && src[p + len] == dst[i + len]; len++)
				;
			if (len > best) {
				best = len;
				at = p;
			}
		}
		if (!best) {
			if (i + BLOCK < dlen)
				h = h * MULT + dst[i + BLOCK] - pow * dst[i];
			i++;
			continue;
		}
		for (back = 0; i - back > lit && at > back && src[at - back - 1] == dst[i - back - 1];
		     back++)
			;
		put_insert(out, dst + lit, i - back - lit);
		put_copy(out, at - back, best + back);
		i += best;
		lit = i;
		fresh = 1;
	}
	if (out->len - start <= max)
		put_insert(out, dst + lit, dlen - lit);
	free(ix.head);
	free(ix.next);
	if (out->len - start > max) {
		ks_buf_truncate(out, start);
		return -1;
	}
	return 0;
}

static int get_varint(const unsigned char **p, const unsigned char *end, size_t *v)
{
	int shift = 0;

	*v = 0;
	do {
		if (*p == end || shift > 56)
			return -1;
		*v |= (size_t)(**p & 0x7f) << shift;
		shift += 7;
	} while (*(*p)++ & 0x80);
	return 0;
}

int ks_delta_apply(const unsigned char *src, size_t slen, const unsigned char *delta,
		   size_t len, unsigned char **out, size_t *outlen)
{
	const unsigned char *p = delta, *end = delta + len;
	size_t want, tlen, at = 0;
	unsigned char *t;

	if (get_varint(&p, end, &want) || want != slen || get_varint(&p, end, &tlen))
		return -1;
	t = malloc(tlen ? tlen : 1);
	if (!t)
		return -1;
	while (p < end) {
		unsigned char op = *p++;
		size_t off = 0, n = 0;
		int k;

		if (op & 0x80) {
			for (k = 0; k < 4; k++)
				if (op & (1 << k)) {
					if (p == end)
						goto bad;
					off |= (size_t)*p++ << (8 * k);
				}
			for (k = 0; k < 3; k++)
				if (op & (0x10 << k)) {
					if (p == end)
						goto bad;
					n |= (size_t)*p++ << (8 * k);
				}
			if (!n)
				n = MAX_COPY;
			if (off > slen || n > slen - off || n > tlen - at)
				goto bad;
			memcpy(t + at, src + off, n);
		} else {
			n = op;
			if (!n || n > (size_t)(end - p) || n > tlen - at)
				goto bad;
			memcpy(t + at, p, n);
			p += n;
		}
		at += n;
	}
	if (at != tlen)
		goto bad;
	*out = t;
	*outlen = tlen;
	return 0;
bad:
	free(t);
	return -1;
}
