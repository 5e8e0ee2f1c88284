/* Unit tests of store/ks_delta.c, git's delta format: deltas made from
 * edited buffers give the target back, are small when the edit is, stay
 * within their bound, and malformed deltas are refused. That git itself
 * reads what the roll-up writes is test_store's (git verify-pack). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "ks_buf.h"
#include "ks_delta.h"

static uint32_t rng = 12345;

static uint32_t rnd(void)
{
	rng = rng * 1103515245u + 12345u;
	return rng >> 8;
}

/* Text like a canonical definition: lines of a few words. */
static unsigned char *make_text(size_t n)
{
	static const char *const words[] = { "struct ", "int ", "pid", ";\t/* ", "0 4 */\n",
					     "list_head ", "*next", "u64 ", "__u32 ", "\n" };
	unsigned char *p = malloc(n);
	size_t i = 0;

	while (i < n) {
		const char *w = words[rnd() % 10];
		size_t k = strlen(w);

		if (k > n - i)
			k = n - i;
		memcpy(p + i, w, k);
		i += k;
		if (i < n && rnd() % 4 == 0)
			p[i++] = (unsigned char)('a' + rnd() % 26);
	}
	return p;
}

/* @src with @edits random replacements, insertions and deletions. */
static unsigned char *edit(const unsigned char *src, size_t slen, int edits, size_t *dlen)
{
	unsigned char *d = malloc(slen + (size_t)edits * 64 + 1);
	size_t n = slen;
	int e;

	memcpy(d, src, slen);
	for (e = 0; e < edits; e++) {
		size_t at = n ? rnd() % n : 0, k = 1 + rnd() % 40;
		int op = (int)(rnd() % 3);

		if (op == 0 && at + k <= n) {
			for (size_t i = 0; i < k; i++)
				d[at + i] = (unsigned char)rnd();
		} else if (op == 1) {
			memmove(d + at + k, d + at, n - at);
			for (size_t i = 0; i < k; i++)
				d[at + i] = (unsigned char)rnd();
			n += k;
		} else if (at + k <= n) {
			memmove(d + at, d + at + k, n - at - k);
			n -= k;
		}
	}
	*dlen = n;
	return d;
}

static void roundtrip(const unsigned char *src, size_t slen, const unsigned char *dst,
		      size_t dlen, size_t *delta_len)
{
	struct ks_buf b = KS_BUF_INIT;
	unsigned char *out = NULL;
	size_t olen = 0;

	ks_buf_add(&b, "xy", 2);	/* appended after what is there */
	assert_int_equal(ks_delta_make(src, slen, dst, dlen, (size_t)-1, &b), 0);
	assert_memory_equal(b.p, "xy", 2);
	assert_int_equal(ks_delta_apply(src, slen, (unsigned char *)b.p + 2, b.len - 2, &out,
					&olen), 0);
	assert_int_equal(olen, dlen);
	if (dlen)
		assert_memory_equal(out, dst, dlen);
	*delta_len = b.len - 2;
	free(out);
	ks_buf_free(&b);
}

static void test_delta_small_edits_small_delta(void **state)
{
	unsigned char *src = make_text(40000), *dst;
	size_t dlen, len;
	int edits;

	(void)state;
	for (edits = 0; edits <= 64; edits = edits ? edits * 2 : 1) {
		dst = edit(src, 40000, edits, &dlen);
		roundtrip(src, 40000, dst, dlen, &len);
		/* each edit costs a copy op and its literal bytes: ~60 bytes */
		assert_true(len <= 16 + (size_t)edits * 80);
		free(dst);
	}
	free(src);
}

static void test_delta_edge_sizes(void **state)
{
	unsigned char *big = make_text(300000), *other = make_text(1000);
	size_t len;

	(void)state;
	roundtrip(big, 0, big, 0, &len);
	roundtrip(big, 0, big, 10, &len);	/* nothing to copy from */
	roundtrip(big, 10, big, 0, &len);
	roundtrip(big, 15, big, 15, &len);	/* shorter than a block */
	roundtrip(big, 16, big, 16, &len);
	/* identical: copies of at most 64 KiB each, offsets past 16 bits */
	roundtrip(big, 300000, big, 300000, &len);
	assert_true(len < 64);
	/* a target from the far end of the source (3-byte offsets) */
	roundtrip(big, 300000, big + 200000, 100000, &len);
	assert_true(len < 32);
	/* unrelated: all literal, at most one op byte per 127 */
	roundtrip(big, 300000, other, 1000, &len);
	assert_true(len <= 1000 + 1000 / 127 + 1 + 8);
	free(big);
	free(other);
}

static void test_delta_bound_kept(void **state)
{
	unsigned char *src = make_text(20000), *dst = make_text(20000);
	struct ks_buf b = KS_BUF_INIT;

	(void)state;
	ks_buf_add(&b, "keep", 4);
	/* unrelated texts need about their size: not in 1000 bytes */
	assert_int_equal(ks_delta_make(src, 20000, dst, 20000, 1000, &b), -1);
	assert_int_equal(b.len, 4);
	assert_memory_equal(b.p, "keep", 4);
	/* and the same source makes a tiny one */
	assert_int_equal(ks_delta_make(src, 20000, src, 20000, 1000, &b), 0);
	assert_true(b.len - 4 < 16);
	free(src);
	free(dst);
	ks_buf_free(&b);
}

static void test_delta_malformed_refused(void **state)
{
	static const unsigned char src[] = "0123456789abcdef0123456789abcdef";
	/* source size 32, target size 4, then one op */
	static const unsigned char ok[] = { 32, 4, 0x91, 2, 4 };		/* copy 4 at 2 */
	static const unsigned char wrong_src[] = { 31, 4, 0x91, 2, 4 };
	static const unsigned char past_end[] = { 32, 4, 0x91, 30, 4 };	/* 30 + 4 > 32 */
	static const unsigned char too_long[] = { 32, 3, 0x91, 2, 4 };		/* 4 > target 3 */
	static const unsigned char short_t[] = { 32, 5, 0x91, 2, 4 };		/* 4 of 5 made */
	static const unsigned char zero_op[] = { 32, 4, 0 };
	static const unsigned char cut_ins[] = { 32, 4, 4, 'a', 'b' };
	static const unsigned char cut_copy[] = { 32, 4, 0x91, 2 };
	static const unsigned char cut_size[] = { 32 | 0x80 };
	static const struct { const unsigned char *d; size_t n; } bad[] = {
		{ wrong_src, sizeof(wrong_src) }, { past_end, sizeof(past_end) },
		{ too_long, sizeof(too_long) }, { short_t, sizeof(short_t) },
		{ zero_op, sizeof(zero_op) }, { cut_ins, sizeof(cut_ins) },
		{ cut_copy, sizeof(cut_copy) }, { cut_size, sizeof(cut_size) },
		{ ok, 0 },
	};
	unsigned char *out = NULL;
	size_t olen, i;

	(void)state;
	assert_int_equal(ks_delta_apply(src, 32, ok, sizeof(ok), &out, &olen), 0);
	assert_int_equal(olen, 4);
	assert_memory_equal(out, "2345", 4);
	free(out);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		out = NULL;
		assert_int_equal(ks_delta_apply(src, 32, bad[i].d, bad[i].n, &out, &olen), -1);
		assert_null(out);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_delta_small_edits_small_delta),
		cmocka_unit_test(test_delta_edge_sizes),
		cmocka_unit_test(test_delta_bound_kept),
		cmocka_unit_test(test_delta_malformed_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
