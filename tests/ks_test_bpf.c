/* Test helper: the sections of a small eBPF object, for the object
 * reader's unit suite and the fuzzer's seeds. */
#include "ks_test_bpf.h"

#include <bpf/btf.h>
#include <stdint.h>
#include <stdlib.h>

/* struct task { int pid; struct { unsigned int a:3; unsigned int b:5; };
 * int comm[16]; }; enum mode { M_A = 1, M_B = -2 }; */
static struct btf *make_btf(int *st, int *en)
{
	struct btf *b = btf__new_empty();
	int i32 = btf__add_int(b, "int", 4, BTF_INT_SIGNED);
	int u32 = btf__add_int(b, "unsigned int", 4, 0);
	int anon = btf__add_struct(b, NULL, 4);
	int arr;

	btf__add_field(b, "a", u32, 0, 3);
	btf__add_field(b, "b", u32, 3, 5);
	arr = btf__add_array(b, i32, i32, 16);
	*st = btf__add_struct(b, "task", 72);
	btf__add_field(b, "pid", i32, 0, 0);
	btf__add_field(b, "", anon, 32, 0);
	btf__add_field(b, "comm", arr, 64, 0);
	*en = btf__add_enum(b, "mode___new", 4);
	btf__add_enum_value(b, "M_A", 1);
	btf__add_enum_value(b, "M_B", -2);
	return b;
}

static void put32(struct ks_buf *b, uint32_t v)
{
	ks_buf_add(b, &v, 4);	/* little-endian, as the test machine */
}

/* .BTF.ext with @n records, all of section @relos[0].sec */
static void make_ext(struct btf *b, const struct ks_test_relo *relos, size_t n, int st, int en,
		     struct ks_buf *ext)
{
	struct ks_buf recs = KS_BUF_INIT;
	size_t i;

	put32(&recs, 16);
	put32(&recs, (uint32_t)btf__add_str(b, relos[0].sec));
	put32(&recs, (uint32_t)n);
	for (i = 0; i < n; i++) {
		put32(&recs, relos[i].insn * 8);
		put32(&recs, (uint32_t)(relos[i].type ? en : st));
		put32(&recs, (uint32_t)btf__add_str(b, relos[i].spec));
		put32(&recs, relos[i].kind);
	}
	ks_buf_add(ext, "\x9f\xeb\x01\x00", 4);
	put32(ext, 32);	/* hdr_len */
	put32(ext, 0);	/* func_info_off, _len */
	put32(ext, 0);
	put32(ext, 0);	/* line_info_off, _len */
	put32(ext, 0);
	put32(ext, 0);	/* core_relo_off, _len */
	put32(ext, (uint32_t)recs.len);
	ks_buf_add(ext, recs.p, recs.len);
	ks_buf_free(&recs);
}

void ks_test_bpf_sections(const struct ks_test_relo *relos, size_t n, struct ks_buf *btf,
			  struct ks_buf *ext)
{
	int st, en;
	struct btf *b = make_btf(&st, &en);
	const void *raw;
	__u32 len;

	if (n)
		make_ext(b, relos, n, st, en, ext);
	raw = btf__raw_data(b, &len);
	ks_buf_add(btf, raw, len);
	btf__free(b);
}
