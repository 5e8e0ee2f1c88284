/* Unit tests for libbpf's CO-RE rules on the C type model
 * (check/ks_core.c) and for reachability after patching
 * (check/ks_reach.c). Both sides of each relocation are built here:
 * the "object" types complete, the "kernel" types through a lookup by
 * kind and name, as a release's store would answer. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "ks_core.h"
#include "ks_reach.h"

static struct ks_ct_arena *A;

/* ---- building types ---- */

static struct ks_ctype *int_t(const char *name, unsigned int size, int is_signed)
{
	struct ks_ctype *t = ks_ct_new(A, KS_CT_INT, name);

	t->size = size;
	t->is_signed = is_signed;
	t->complete = 1;
	return t;
}

static struct ks_ctype *ptr_to(struct ks_ctype *to)
{
	struct ks_ctype *t = ks_ct_new(A, KS_CT_PTR, NULL);

	t->ref = to;
	t->size = 8;
	t->complete = 1;
	return t;
}

/* a struct of @n members given as name, bit offset, bitfield, type */
static struct ks_ctype *struct_t(enum ks_ct_kind kind, const char *name, uint64_t size,
				 size_t n, ...)
{
	struct ks_ctype *t = ks_ct_new(A, kind, name);
	va_list ap;
	size_t i;

	t->size = size;
	t->complete = 1;
	t->nmembers = n;
	t->members = ks_ct_alloc(A, (n ? n : 1) * sizeof(*t->members));
	va_start(ap, n);
	for (i = 0; i < n; i++) {
		t->members[i].name = va_arg(ap, const char *);
		t->members[i].bit_offset = va_arg(ap, uint64_t);
		t->members[i].bitfield = va_arg(ap, unsigned int);
		t->members[i].type = va_arg(ap, struct ks_ctype *);
	}
	va_end(ap);
	return t;
}

#define M(name, bits, bitfield, type) (name), (uint64_t)(bits), (unsigned int)(bitfield), (type)

static struct ks_ctype *ref(enum ks_ct_kind kind, const char *name)
{
	return ks_ct_new(A, kind, name);	/* incomplete: looked up */
}

/* ---- the kernel side ---- */

static struct ks_ctype *g_defs[8];
static size_t g_ndefs;

static int lookup(void *ctx, enum ks_ct_kind kind, const char *name,
		  struct ks_ctype *const **defs, size_t *n)
{
	static struct ks_ctype *found[8];
	size_t i;

	(void)ctx;
	*n = 0;
	for (i = 0; i < g_ndefs; i++)
		if (g_defs[i]->kind == kind && !strcmp(g_defs[i]->name, name))
			found[(*n)++] = g_defs[i];
	*defs = found;
	return 0;
}

static struct ks_core_target g_target = { lookup, NULL, { 8, 1 } };

static void kernel(size_t n, ...)
{
	va_list ap;
	size_t i;

	va_start(ap, n);
	for (i = 0; i < n; i++)
		g_defs[i] = va_arg(ap, struct ks_ctype *);
	va_end(ap);
	g_ndefs = n;
}

/* a field relocation on @root: steps by member name (NULL: index 0 of
 * the root), with the local types along the way */
static struct ks_relo field_relo(enum ks_relo_kind kind, struct ks_ctype *root, size_t nnames,
				 ...)
{
	struct ks_relo r;
	const struct ks_ctype *cur = root;
	va_list ap;
	size_t i, k;

	memset(&r, 0, sizeof(r));
	r.section = "kprobe/x";
	r.kind = kind;
	r.root = root;
	r.spec = "0:0";
	r.access = "test";
	r.steps = ks_ct_alloc(A, (nnames + 1) * sizeof(*r.steps));
	r.steps[0].parent = root;
	r.steps[0].type = root;
	r.nsteps = 1;
	va_start(ap, nnames);
	for (i = 0; i < nnames; i++) {
		const char *name = va_arg(ap, const char *);

		while (cur->kind == KS_CT_TYPEDEF)
			cur = cur->ref;
		for (k = 0; k < cur->nmembers && strcmp(cur->members[k].name, name); k++)
			;
		assert_true(k < cur->nmembers);
		r.steps[r.nsteps].name = name;
		r.steps[r.nsteps].index = (uint32_t)k;
		r.steps[r.nsteps].parent = cur;
		r.steps[r.nsteps++].type = cur->members[k].type;
		cur = cur->members[k].type;
	}
	va_end(ap);
	return r;
}

static int setup(void **state)
{
	(void)state;
	A = ks_ct_arena_new();
	g_ndefs = 0;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	ks_ct_arena_free(A);
	return 0;
}

static void resolve(const struct ks_relo *r, struct ks_core_result *res)
{
	assert_int_equal(ks_core_resolve(r, &g_target, res), 0);
}

/* the member moved: the kernel's offset is patched in; through an
 * anonymous union there; a ___flavor name finds the plain one */
static void test_field_offsets(void **state)
{
	struct ks_ctype *i32 = int_t("int", 4, 1);
	struct ks_ctype *local = struct_t(KS_CT_STRUCT, "task___old", 16, 2,
					  M("flags", 0, 0, i32), M("pid", 32, 0, i32));
	struct ks_ctype *anon = struct_t(KS_CT_UNION, NULL, 8, 2,
					 M("pid", 0, 0, ref(KS_CT_TYPEDEF, "pid_t")),
					 M("other", 0, 0, i32));
	struct ks_ctype *task = struct_t(KS_CT_STRUCT, "task", 64, 2,
					 M("flags", 0, 0, i32), M("", 256, 0, anon));
	struct ks_ctype *pid_t = ks_ct_new(A, KS_CT_TYPEDEF, "pid_t");
	struct ks_core_result res;
	struct ks_relo r;

	(void)state;
	pid_t->ref = int_t("int", 4, 1);
	pid_t->complete = 1;
	kernel(2, task, pid_t);
	r = field_relo(KS_RELO_FIELD_BYTE_OFFSET, local, 1, "pid");
	resolve(&r, &res);
	assert_int_equal(res.status, KS_CORE_OK);
	assert_int_equal(res.value, 32);
	assert_int_equal(res.bit_offset, 256);
	r.kind = KS_RELO_FIELD_BYTE_SIZE;
	resolve(&r, &res);
	assert_int_equal(res.value, 4);	/* through the typedef */
	r.kind = KS_RELO_FIELD_SIGNED;
	resolve(&r, &res);
	assert_int_equal(res.value, 1);
}

static void test_field_missing(void **state)
{
	struct ks_ctype *i32 = int_t("int", 4, 1);
	struct ks_ctype *local = struct_t(KS_CT_STRUCT, "inode", 16, 1, M("i_ctime", 0, 0, i32));
	struct ks_ctype *inode = struct_t(KS_CT_STRUCT, "inode", 16, 1,
					  M("i_ctime_sec", 0, 0, i32));
	struct ks_core_result res;
	struct ks_relo r;

	(void)state;
	kernel(1, inode);
	r = field_relo(KS_RELO_FIELD_BYTE_OFFSET, local, 1, "i_ctime");
	resolve(&r, &res);
	assert_int_equal(res.status, KS_CORE_POISONED);
	assert_non_null(strstr(res.reason, "has no member i_ctime"));
	r.kind = KS_RELO_FIELD_EXISTS;
	resolve(&r, &res);
	assert_int_equal(res.status, KS_CORE_ABSENT);
	assert_int_equal(res.value, 0);
	kernel(0);
	r.kind = KS_RELO_FIELD_BYTE_OFFSET;
	resolve(&r, &res);
	assert_int_equal(res.status, KS_CORE_POISONED);
	assert_non_null(strstr(res.reason, "no struct inode"));
}

/* an int that became a pointer is not compatible; a struct that became
 * a union is (libbpf's fields_are_compat) */
static void test_field_compat(void **state)
{
	struct ks_ctype *i32 = int_t("int", 4, 1);
	struct ks_ctype *inner = struct_t(KS_CT_STRUCT, "inner", 4, 1, M("x", 0, 0, i32));
	struct ks_ctype *local = struct_t(KS_CT_STRUCT, "s", 16, 2, M("a", 0, 0, i32),
					  M("b", 32, 0, inner));
	struct ks_ctype *kern = struct_t(KS_CT_STRUCT, "s", 16, 2, M("a", 0, 0, ptr_to(i32)),
					 M("b", 64, 0, ref(KS_CT_UNION, "inner_u")));
	struct ks_core_result res;
	struct ks_relo r;

	(void)state;
	kernel(2, kern, struct_t(KS_CT_UNION, "inner_u", 4, 1, M("x", 0, 0, i32)));
	r = field_relo(KS_RELO_FIELD_BYTE_OFFSET, local, 1, "a");
	resolve(&r, &res);
	assert_int_equal(res.status, KS_CORE_POISONED);
	assert_non_null(strstr(res.reason, "incompatible"));
	r = field_relo(KS_RELO_FIELD_BYTE_OFFSET, local, 1, "b");
	resolve(&r, &res);
	assert_int_equal(res.status, KS_CORE_OK);
	assert_int_equal(res.value, 8);
	kernel(1, kern);	/* the union's size is needed, and unknown */
	resolve(&r, &res);
	assert_int_equal(res.status, KS_CORE_ERROR);
	assert_non_null(strstr(res.reason, "inner_u is not in this release"));
}

/* libbpf's bitfield arithmetic: a 1-bit field at bit 18753 of a u32 */
static void test_bitfield(void **state)
{
	struct ks_ctype *u32 = int_t("unsigned int", 4, 0);
	struct ks_ctype *local = struct_t(KS_CT_STRUCT, "t", 4, 1, M("f", 1, 1, u32));
	struct ks_ctype *kern = struct_t(KS_CT_STRUCT, "t", 4096, 1, M("f", 18753, 1, u32));
	static const struct { enum ks_relo_kind kind; uint64_t value; } want[] = {
		{ KS_RELO_FIELD_BYTE_OFFSET, 2344 }, { KS_RELO_FIELD_BYTE_SIZE, 4 },
		{ KS_RELO_FIELD_LSHIFT_U64, 62 }, { KS_RELO_FIELD_RSHIFT_U64, 63 },
		{ KS_RELO_FIELD_SIGNED, 0 },
	};
	struct ks_core_result res;
	struct ks_relo r;
	size_t i;

	(void)state;
	kernel(1, kern);
	r = field_relo(KS_RELO_FIELD_BYTE_OFFSET, local, 1, "f");
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		r.kind = want[i].kind;
		resolve(&r, &res);
		assert_int_equal(res.status, KS_CORE_OK);
		assert_int_equal(res.value, want[i].value);
	}
}

/* two bodies of one name that disagree: libbpf refuses */
static void test_ambiguous(void **state)
{
	struct ks_ctype *i32 = int_t("int", 4, 1);
	struct ks_ctype *local = struct_t(KS_CT_STRUCT, "c", 8, 1, M("x", 0, 0, i32));
	struct ks_ctype *a = struct_t(KS_CT_STRUCT, "c", 8, 1, M("x", 0, 0, i32));
	struct ks_ctype *b = struct_t(KS_CT_STRUCT, "c", 8, 2, M("y", 0, 0, i32),
				      M("x", 32, 0, i32));
	struct ks_core_result res;
	struct ks_relo r;

	(void)state;
	kernel(2, a, b);
	r = field_relo(KS_RELO_FIELD_BYTE_OFFSET, local, 1, "x");
	resolve(&r, &res);
	assert_int_equal(res.status, KS_CORE_ERROR);
	assert_non_null(strstr(res.reason, "ambiguous"));
	b->members[1].bit_offset = 0;	/* agreeing bodies are fine */
	resolve(&r, &res);
	assert_int_equal(res.status, KS_CORE_OK);
}

static void test_enum_and_type(void **state)
{
	struct ks_ctype *local = ks_ct_new(A, KS_CT_ENUM, "bpf_prog_type___new");
	struct ks_ctype *kern = ks_ct_new(A, KS_CT_ENUM, "bpf_prog_type");
	struct ks_core_result res;
	struct ks_relo r;

	(void)state;
	local->complete = kern->complete = 1;
	local->size = kern->size = 4;
	kern->nenums = 2;
	kern->enums = ks_ct_alloc(A, 2 * sizeof(*kern->enums));
	kern->enums[0].name = "BPF_PROG_TYPE_UNSPEC";
	kern->enums[1].name = "BPF_PROG_TYPE_NETFILTER";
	kern->enums[1].value = 32;
	kernel(1, kern);
	memset(&r, 0, sizeof(r));
	r.section = "x";
	r.root = local;
	r.spec = "0";
	r.access = "e";
	r.kind = KS_RELO_ENUMVAL_VALUE;
	r.enumerator = "BPF_PROG_TYPE_NETFILTER___x";
	resolve(&r, &res);
	assert_int_equal(res.status, KS_CORE_OK);
	assert_int_equal(res.value, 32);
	r.enumerator = "BPF_PROG_TYPE_GONE";
	resolve(&r, &res);
	assert_int_equal(res.status, KS_CORE_POISONED);
	r.kind = KS_RELO_ENUMVAL_EXISTS;
	resolve(&r, &res);
	assert_int_equal(res.status, KS_CORE_ABSENT);
	r.kind = KS_RELO_TYPE_SIZE;
	resolve(&r, &res);
	assert_int_equal(res.value, 4);
	kernel(0);
	r.kind = KS_RELO_TYPE_EXISTS;
	resolve(&r, &res);
	assert_int_equal(res.status, KS_CORE_ABSENT);
}

/* bpf_core_type_matches: every local member there by name, ints of the
 * same size and signedness */
static void test_type_matches(void **state)
{
	struct ks_ctype *i32 = int_t("int", 4, 1), *i64 = int_t("long int", 8, 1);
	struct ks_ctype *local = struct_t(KS_CT_STRUCT, "m", 4, 1, M("a", 0, 0, i32));
	struct ks_ctype *more = struct_t(KS_CT_STRUCT, "m", 16, 2, M("b", 0, 0, i64),
					 M("a", 64, 0, i32));
	struct ks_ctype *wider = struct_t(KS_CT_STRUCT, "m", 8, 1, M("a", 0, 0, i64));
	struct ks_core_result res;
	struct ks_relo r;

	(void)state;
	memset(&r, 0, sizeof(r));
	r.section = "x";
	r.root = local;
	r.spec = "0";
	r.access = "struct m";
	r.kind = KS_RELO_TYPE_MATCHES;
	kernel(1, more);
	resolve(&r, &res);
	assert_int_equal(res.status, KS_CORE_OK);
	assert_int_equal(res.value, 1);
	kernel(1, wider);
	resolve(&r, &res);
	assert_int_equal(res.status, KS_CORE_ABSENT);
	r.kind = KS_RELO_TYPE_EXISTS;	/* exists is only by name */
	resolve(&r, &res);
	assert_int_equal(res.status, KS_CORE_OK);
}

/* ---- reachability ---- */

#define INSN(c, d, s, o, i) { (c), (d), (s), (o), (i) }

/* r1 = <exists>; if r1 == 0 goto +1; r2 = *(r3 + <poisoned>); exit */
static const struct ks_insn guarded_code[] = {
	INSN(0xb7, 1, 0, 0, 1),		/* 0: r1 = 1 (field_exists) */
	INSN(0x15, 1, 0, 1, 0),		/* 1: if r1 == 0 goto 3 */
	INSN(0x79, 2, 3, 0, 0),		/* 2: r2 = *(u64 *)(r3 + 0) (byte_off) */
	INSN(0x95, 0, 0, 0, 0),		/* 3: exit */
};

static void test_reach(void **state)
{
	struct ks_code code = { "kprobe/x", guarded_code, 4, NULL, 0 };
	struct ks_patch absent = { 0, 0 }, present = { 0, 1 };
	unsigned char reached[4];

	(void)state;
	assert_int_equal(ks_reach(&code, &absent, 1, reached), 0);
	assert_false(reached[2]);	/* the poisoned load is dead */
	assert_true(reached[3]);
	assert_int_equal(ks_reach(&code, &present, 1, reached), 0);
	assert_true(reached[2]);
	assert_int_equal(ks_reach(&code, NULL, 0, reached), 0);
	assert_true(reached[2]);	/* not patched: r1 = 1 as compiled */
}

/* a join forgets what the paths disagree on; a jump out of the section
 * is malformed and leaves everything reachable */
static void test_reach_join_and_bad(void **state)
{
	static const struct ks_insn join[] = {
		INSN(0xb7, 1, 0, 0, 0),		/* 0: r1 = 0 */
		INSN(0x55, 2, 0, 1, 7),		/* 1: if r2 != 7 goto 3 (r2 unknown) */
		INSN(0xb7, 1, 0, 0, 1),		/* 2: r1 = 1 */
		INSN(0x15, 1, 0, 1, 0),		/* 3: if r1 == 0 goto 5 */
		INSN(0xb7, 0, 0, 0, 2),		/* 4: r0 = 2 */
		INSN(0x95, 0, 0, 0, 0),		/* 5: exit */
	};
	static const struct ks_insn out[] = {
		INSN(0x05, 0, 0, 5, 0),		/* 0: goto +5 */
		INSN(0x95, 0, 0, 0, 0),
	};
	struct ks_code c1 = { "s", join, 6, NULL, 0 }, c2 = { "s", out, 2, NULL, 0 };
	unsigned char reached[6];

	(void)state;
	assert_int_equal(ks_reach(&c1, NULL, 0, reached), 0);
	assert_true(reached[4]);
	assert_int_equal(ks_reach(&c2, NULL, 0, reached), -1);
	assert_true(reached[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_field_offsets, setup, teardown),
		cmocka_unit_test_setup_teardown(test_field_missing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_field_compat, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bitfield, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ambiguous, setup, teardown),
		cmocka_unit_test_setup_teardown(test_enum_and_type, setup, teardown),
		cmocka_unit_test_setup_teardown(test_type_matches, setup, teardown),
		cmocka_unit_test(test_reach),
		cmocka_unit_test(test_reach_join_and_bad),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
