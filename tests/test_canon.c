/* Unit tests for btf/ks_canon.c (canonical text of struct/union types)
 * and def/ks_canon_parse.c (reading that text back).
 *
 * Every test builds a tiny BTF in memory with libbpf's writer API and
 * compares the rendered text with an expectation written by hand from C
 * semantics: the expected strings below are the specification, not a
 * copy of what the program happens to print.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <bpf/btf.h>
#include <linux/btf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ks_canon.h"
#include "ks_canon_parse.h"
#include "ks_err.h"

/* ------------------------------------------------------------------ */
/* Everything a test allocates is registered here and released by the
 * teardown, so that a failing assertion (which longjmps out of the test)
 * does not also produce LeakSanitizer noise. */

#define MAX_TRACK 512

static struct btf *g_btf[16];
static int g_nbtf;
static struct ks_snapshot *g_set[16];
static int g_nset;
static struct ks_def *g_def[64];
static int g_ndef;
static void *g_mem[MAX_TRACK];
static int g_nmem;

static int teardown(void **state)
{
	int i;

	(void)state;
	for (i = 0; i < g_nbtf; i++)
		btf__free(g_btf[i]);
	for (i = 0; i < g_nset; i++)
		ks_snapshot_free(g_set[i]);
	for (i = 0; i < g_ndef; i++)
		ks_def_free(g_def[i]);
	for (i = 0; i < g_nmem; i++)
		free(g_mem[i]);
	g_nbtf = g_nset = g_ndef = g_nmem = 0;
	return 0;
}

static void *track(void *p)
{
	if (g_nmem == MAX_TRACK)
		fail_msg("too many tracked allocations");
	g_mem[g_nmem++] = p;
	return p;
}

static struct ks_def *track_def(struct ks_def *d)
{
	if (g_ndef == (int)(sizeof(g_def) / sizeof(g_def[0])))
		fail_msg("too many tracked defs");
	g_def[g_ndef++] = d;
	return d;
}

static int check_id(int id, const char *what)
{
	if (id <= 0)
		fail_msg("%s returned %d", what, id);
	return id;
}

/* A libbpf writer call that returns a new type id. */
#define ID(x) check_id((x), #x)
/* A libbpf writer call that returns 0 on success. */
#define OK(x)                                                          \
	do {                                                           \
		int rc_ = (x);                                         \
		if (rc_)                                               \
			fail_msg("%s returned %d", #x, rc_);           \
	} while (0)

static struct btf *new_btf(void)
{
	struct btf *btf = btf__new_empty();

	assert_non_null(btf);
	if (g_nbtf == (int)(sizeof(g_btf) / sizeof(g_btf[0])))
		fail_msg("too many BTFs");
	g_btf[g_nbtf++] = btf;
	/* x86-64: what btf__resolve_size uses for pointers */
	OK(btf__set_pointer_size(btf, 8));
	return btf;
}

static struct ks_snapshot *new_set(void)
{
	struct ks_snapshot *set = ks_snapshot_new();

	assert_non_null(set);
	if (g_nset == (int)(sizeof(g_set) / sizeof(g_set[0])))
		fail_msg("too many sets");
	g_set[g_nset++] = set;
	return set;
}

static void set_add(struct ks_snapshot *set, const struct btf *btf)
{
	int rc = ks_canon_add_btf(set, btf, 1);

	if (rc)
		fail_msg("ks_canon_add_btf = %d: %s", rc, ks_err_msg());
}

static struct ks_snapshot *make_set(const struct btf *btf)
{
	struct ks_snapshot *set = new_set();

	set_add(set, btf);
	ks_snapshot_finish(set);
	return set;
}

static char *render(const struct btf *btf, int id)
{
	char *text = NULL;
	size_t len = 0;
	int rc = ks_canon_render(&text, &len, btf, (__u32)id);

	if (rc)
		fail_msg("ks_canon_render(%d) = %d: %s", id, rc, ks_err_msg());
	assert_non_null(text);
	track(text);
	assert_int_equal(len, strlen(text));
	return text;
}

static void expect_render(const struct btf *btf, int id, const char *expected)
{
	assert_string_equal(render(btf, id), expected);
}

static struct ks_def *parse(const char *text)
{
	struct ks_def *d = NULL;
	int rc = ks_canon_parse(&d, text, strlen(text));

	if (rc)
		fail_msg("ks_canon_parse = %d (%s) on:\n%s", rc, ks_err_msg(), text);
	assert_non_null(d);
	return track_def(d);
}

static void expect_member(const struct ks_def *d, size_t i, const char *name,
			  unsigned long long off_bits,
			  unsigned long long size_bits, unsigned int bf)
{
	if (i >= d->n)
		fail_msg("member %zu (%s) missing: only %zu members", i, name, d->n);
	assert_non_null(d->members[i].name);
	assert_string_equal(d->members[i].name, name);
	assert_int_equal(d->members[i].offset_bits, off_bits);
	assert_int_equal(d->members[i].size_bits, size_bits);
	assert_int_equal(d->members[i].bitfield_size, bf);
}

/* ------------------------------------------------------------------ */
/* Base types shared by the builders. */

struct base {
	int i, ui, c, uc, s, l, ul, u32;
};

static void add_base(struct btf *btf, struct base *b)
{
	b->i = ID(btf__add_int(btf, "int", 4, BTF_INT_SIGNED));
	b->ui = ID(btf__add_int(btf, "unsigned int", 4, 0));
	b->c = ID(btf__add_int(btf, "char", 1, BTF_INT_CHAR));
	b->uc = ID(btf__add_int(btf, "unsigned char", 1, 0));
	b->s = ID(btf__add_int(btf, "short int", 2, BTF_INT_SIGNED));
	b->l = ID(btf__add_int(btf, "long int", 8, BTF_INT_SIGNED));
	b->ul = ID(btf__add_int(btf, "long unsigned int", 8, 0));
	b->u32 = ID(btf__add_typedef(btf, "u32", b->ui));
}

static struct btf *new_btf_base(struct base *b)
{
	struct btf *btf = new_btf();

	add_base(btf, b);
	return btf;
}

/* ------------------------------------------------------------------ */
/* Builders: each adds one named type (and what it needs) and returns
 * its id; EXP_* is its canonical text. */

#define EXP_PLAIN                                                      \
	"struct plain {\n"                                             \
	"\tint a;\t/* 0 4 */\n"                                        \
	"\tchar c;\t/* 4 1 */\n"                                       \
	"\tshort int s;\t/* 6 2 */\n"                                  \
	"\tlong unsigned int l;\t/* 8 8 */\n"                          \
	"};\t/* size 16 */\n"

static int build_plain(struct btf *btf, const struct base *b)
{
	int id = ID(btf__add_struct(btf, "plain", 16));

	OK(btf__add_field(btf, "a", b->i, 0, 0));
	OK(btf__add_field(btf, "c", b->c, 32, 0));
	OK(btf__add_field(btf, "s", b->s, 48, 0));
	OK(btf__add_field(btf, "l", b->ul, 64, 0));
	return id;
}

#define EXP_NODE                                                       \
	"struct node {\n"                                              \
	"\tint *p;\t/* 0 8 */\n"                                       \
	"\tchar **pp;\t/* 8 8 */\n"                                    \
	"\tvoid *vp;\t/* 16 8 */\n"                                    \
	"\tvoid **vpp;\t/* 24 8 */\n"                                  \
	"\tstruct node *next;\t/* 32 8 */\n"                           \
	"\tstruct other *o;\t/* 40 8 */\n"                             \
	"\tunion u_fwd *u;\t/* 48 8 */\n"                              \
	"};\t/* size 56 */\n"

static int build_node(struct btf *btf, const struct base *b)
{
	int fwd_other = ID(btf__add_fwd(btf, "other", BTF_FWD_STRUCT));
	int fwd_u = ID(btf__add_fwd(btf, "u_fwd", BTF_FWD_UNION));
	int p_int = ID(btf__add_ptr(btf, b->i));
	int p_char = ID(btf__add_ptr(btf, b->c));
	int pp_char = ID(btf__add_ptr(btf, p_char));
	int p_void = ID(btf__add_ptr(btf, 0));
	int pp_void = ID(btf__add_ptr(btf, p_void));
	int p_other = ID(btf__add_ptr(btf, fwd_other));
	int p_u = ID(btf__add_ptr(btf, fwd_u));
	/* struct node is added right after the pointer to it */
	int node = (int)btf__type_cnt(btf) + 1;
	int p_node = ID(btf__add_ptr(btf, node));

	assert_int_equal(ID(btf__add_struct(btf, "node", 56)), node);
	OK(btf__add_field(btf, "p", p_int, 0, 0));
	OK(btf__add_field(btf, "pp", pp_char, 64, 0));
	OK(btf__add_field(btf, "vp", p_void, 128, 0));
	OK(btf__add_field(btf, "vpp", pp_void, 192, 0));
	OK(btf__add_field(btf, "next", p_node, 256, 0));
	OK(btf__add_field(btf, "o", p_other, 320, 0));
	OK(btf__add_field(btf, "u", p_u, 384, 0));
	return node;
}

#define EXP_CV                                                         \
	"struct cv {\n"                                                \
	"\tconst int *pci;\t/* 0 8 */\n"                               \
	"\tint *const cpi;\t/* 8 8 */\n"                               \
	"\tconst char *const s;\t/* 16 8 */\n"                         \
	"\tvolatile int v;\t/* 24 4 */\n"                              \
	"\tconst volatile int cvi;\t/* 28 4 */\n"                      \
	"\tvolatile int *const *vp;\t/* 32 8 */\n"                     \
	"\tconst volatile int vc;\t/* 40 4 */\n"                       \
	"};\t/* size 48 */\n"

static int build_cv(struct btf *btf, const struct base *b)
{
	int c_int = ID(btf__add_const(btf, b->i));
	int p_c_int = ID(btf__add_ptr(btf, c_int));		/* const int * */
	int p_int = ID(btf__add_ptr(btf, b->i));
	int c_p_int = ID(btf__add_const(btf, p_int));		/* int *const */
	int c_char = ID(btf__add_const(btf, b->c));
	int p_c_char = ID(btf__add_ptr(btf, c_char));
	int c_p_c_char = ID(btf__add_const(btf, p_c_char));	/* const char *const */
	int v_int = ID(btf__add_volatile(btf, b->i));
	int c_v_int = ID(btf__add_const(btf, v_int));		/* const volatile int */
	int p_v_int = ID(btf__add_ptr(btf, v_int));
	int c_p_v_int = ID(btf__add_const(btf, p_v_int));
	int p_c_p_v_int = ID(btf__add_ptr(btf, c_p_v_int));	/* volatile int *const * */
	int v_c_int = ID(btf__add_volatile(btf, c_int));	/* volatile const int */
	int id = ID(btf__add_struct(btf, "cv", 48));

	OK(btf__add_field(btf, "pci", p_c_int, 0, 0));
	OK(btf__add_field(btf, "cpi", c_p_int, 64, 0));
	OK(btf__add_field(btf, "s", c_p_c_char, 128, 0));
	OK(btf__add_field(btf, "v", v_int, 192, 0));
	OK(btf__add_field(btf, "cvi", c_v_int, 224, 0));
	OK(btf__add_field(btf, "vp", p_c_p_v_int, 256, 0));
	OK(btf__add_field(btf, "vc", v_c_int, 320, 0));
	return id;
}

#define EXP_ARRS                                                       \
	"struct arrs {\n"                                              \
	"\tint a[4];\t/* 0 16 */\n"                                    \
	"\tint m[2][3];\t/* 16 24 */\n"                                \
	"\tchar *names[2];\t/* 40 16 */\n"                             \
	"\tconst int ca[2];\t/* 56 8 */\n"                             \
	"\tconst int cb[2];\t/* 64 8 */\n"                             \
	"};\t/* size 72 */\n"

static int build_arrs(struct btf *btf, const struct base *b)
{
	int a4 = ID(btf__add_array(btf, b->i, b->i, 4));
	int a3 = ID(btf__add_array(btf, b->i, b->i, 3));
	int a23 = ID(btf__add_array(btf, b->i, a3, 2));		/* int [2][3] */
	int p_char = ID(btf__add_ptr(btf, b->c));
	int ap2 = ID(btf__add_array(btf, b->i, p_char, 2));	/* char *[2] */
	int c_int = ID(btf__add_const(btf, b->i));
	int ac2 = ID(btf__add_array(btf, b->i, c_int, 2));	/* array of const */
	int a2 = ID(btf__add_array(btf, b->i, b->i, 2));
	int c_a2 = ID(btf__add_const(btf, a2));			/* const array */
	int id = ID(btf__add_struct(btf, "arrs", 72));

	OK(btf__add_field(btf, "a", a4, 0, 0));
	OK(btf__add_field(btf, "m", a23, 128, 0));
	OK(btf__add_field(btf, "names", ap2, 320, 0));
	OK(btf__add_field(btf, "ca", ac2, 448, 0));
	OK(btf__add_field(btf, "cb", c_a2, 512, 0));
	return id;
}

#define EXP_FLEX                                                       \
	"struct flex {\n"                                              \
	"\tint n;\t/* 0 4 */\n"                                        \
	"\tint data[0];\t/* 4 0 */\n"                                  \
	"};\t/* size 4 */\n"

static int build_flex(struct btf *btf, const struct base *b)
{
	int a0 = ID(btf__add_array(btf, b->i, b->i, 0));
	int id = ID(btf__add_struct(btf, "flex", 4));

	OK(btf__add_field(btf, "n", b->i, 0, 0));
	OK(btf__add_field(btf, "data", a0, 32, 0));
	return id;
}

#define EXP_FNS                                                        \
	"struct fns {\n"                                               \
	"\tvoid (*fn)(int, char *);\t/* 0 8 */\n"                      \
	"\tint (*nop)(void);\t/* 8 8 */\n"                             \
	"\tint (*pf)(const char *, ...);\t/* 16 8 */\n"                \
	"\tchar *(*get)(void);\t/* 24 8 */\n"                          \
	"\tint (*pa)[3];\t/* 32 8 */\n"                                \
	"\tvoid (*(*hof)(int))(void);\t/* 40 8 */\n"                   \
	"\tfn_t *cb;\t/* 48 8 */\n"                                    \
	"\tvoid (*cq)(char *const, const int *);\t/* 56 8 */\n"        \
	"};\t/* size 64 */\n"

static int build_fns(struct btf *btf, const struct base *b)
{
	int p_char = ID(btf__add_ptr(btf, b->c));
	int c_char = ID(btf__add_const(btf, b->c));
	int p_c_char = ID(btf__add_ptr(btf, c_char));
	int a3 = ID(btf__add_array(btf, b->i, b->i, 3));
	int c_p_char = ID(btf__add_const(btf, p_char));
	int c_int = ID(btf__add_const(btf, b->i));
	int p_c_int = ID(btf__add_ptr(btf, c_int));
	int proto, p1, p2, p3, p4, p5, p6r, p6, fn_t, p7, p8, id;

	/* void (*fn)(int, char *) */
	proto = ID(btf__add_func_proto(btf, 0));
	OK(btf__add_func_param(btf, NULL, b->i));
	OK(btf__add_func_param(btf, NULL, p_char));
	p1 = ID(btf__add_ptr(btf, proto));
	/* int (*nop)(void) */
	proto = ID(btf__add_func_proto(btf, b->i));
	p2 = ID(btf__add_ptr(btf, proto));
	/* int (*pf)(const char *, ...) */
	proto = ID(btf__add_func_proto(btf, b->i));
	OK(btf__add_func_param(btf, NULL, p_c_char));
	OK(btf__add_func_param(btf, NULL, 0));
	p3 = ID(btf__add_ptr(btf, proto));
	/* char *(*get)(void) */
	proto = ID(btf__add_func_proto(btf, p_char));
	p4 = ID(btf__add_ptr(btf, proto));
	/* int (*pa)[3] */
	p5 = ID(btf__add_ptr(btf, a3));
	/* void (*(*hof)(int))(void) */
	proto = ID(btf__add_func_proto(btf, 0));
	p6r = ID(btf__add_ptr(btf, proto));
	proto = ID(btf__add_func_proto(btf, p6r));
	OK(btf__add_func_param(btf, NULL, b->i));
	p6 = ID(btf__add_ptr(btf, proto));
	/* typedef void fn_t(int); fn_t *cb */
	proto = ID(btf__add_func_proto(btf, 0));
	OK(btf__add_func_param(btf, NULL, b->i));
	fn_t = ID(btf__add_typedef(btf, "fn_t", proto));
	p7 = ID(btf__add_ptr(btf, fn_t));
	/* void (*cq)(char *const, const int *) */
	proto = ID(btf__add_func_proto(btf, 0));
	OK(btf__add_func_param(btf, NULL, c_p_char));
	OK(btf__add_func_param(btf, NULL, p_c_int));
	p8 = ID(btf__add_ptr(btf, proto));

	id = ID(btf__add_struct(btf, "fns", 64));
	OK(btf__add_field(btf, "fn", p1, 0, 0));
	OK(btf__add_field(btf, "nop", p2, 64, 0));
	OK(btf__add_field(btf, "pf", p3, 128, 0));
	OK(btf__add_field(btf, "get", p4, 192, 0));
	OK(btf__add_field(btf, "pa", p5, 256, 0));
	OK(btf__add_field(btf, "hof", p6, 320, 0));
	OK(btf__add_field(btf, "cb", p7, 384, 0));
	OK(btf__add_field(btf, "cq", p8, 448, 0));
	return id;
}

#define EXP_BITS                                                       \
	"struct bits {\n"                                              \
	"\tunsigned int a:3;\t/* bit 0 3 */\n"                         \
	"\tunsigned int b:5;\t/* bit 3 5 */\n"                         \
	"\tint :3;\t/* bit 8 3 */\n"                                   \
	"\tunsigned int c:1;\t/* bit 11 1 */\n"                        \
	"\tunsigned char d;\t/* 2 1 */\n"                              \
	"\tint e;\t/* 4 4 */\n"                                        \
	"\tu32 f:20;\t/* bit 64 20 */\n"                               \
	"\tunsigned char h:8;\t/* bit 88 8 */\n"                       \
	"};\t/* size 12 */\n"

static int build_bits(struct btf *btf, const struct base *b)
{
	int id = ID(btf__add_struct(btf, "bits", 12));

	OK(btf__add_field(btf, "a", b->ui, 0, 3));
	OK(btf__add_field(btf, "b", b->ui, 3, 5));
	OK(btf__add_field(btf, NULL, b->i, 8, 3));
	OK(btf__add_field(btf, "c", b->ui, 11, 1));
	OK(btf__add_field(btf, "d", b->uc, 16, 0));
	OK(btf__add_field(btf, "e", b->i, 32, 0));
	OK(btf__add_field(btf, "f", b->u32, 64, 20));
	OK(btf__add_field(btf, "h", b->uc, 88, 8));
	return id;
}

/* Anonymous union > anonymous struct > anonymous union; every offset in
 * the text is from the start of struct nest. */
#define EXP_NEST                                                       \
	"struct nest {\n"                                              \
	"\tint a;\t/* 0 4 */\n"                                        \
	"\tunion {\t/* 8 16 */\n"                                      \
	"\t\tlong int l;\t/* 8 8 */\n"                                 \
	"\t\tstruct {\t/* 8 16 */\n"                                   \
	"\t\t\tint lo;\t/* 8 4 */\n"                                   \
	"\t\t\tunion {\t/* 16 8 */\n"                                  \
	"\t\t\t\tvoid *p;\t/* 16 8 */\n"                               \
	"\t\t\t\tunsigned int bits:4;\t/* bit 128 4 */\n"              \
	"\t\t\t};\n"                                                   \
	"\t\t};\n"                                                     \
	"\t};\n"                                                       \
	"\tchar tail[8];\t/* 24 8 */\n"                                \
	"};\t/* size 32 */\n"

static int build_nest(struct btf *btf, const struct base *b)
{
	int p_void = ID(btf__add_ptr(btf, 0));
	int tail = ID(btf__add_array(btf, b->i, b->c, 8));
	int u_in, s_in, u_out, id;

	u_in = ID(btf__add_union(btf, NULL, 8));
	OK(btf__add_field(btf, "p", p_void, 0, 0));
	OK(btf__add_field(btf, "bits", b->ui, 0, 4));
	s_in = ID(btf__add_struct(btf, NULL, 16));
	OK(btf__add_field(btf, "lo", b->i, 0, 0));
	OK(btf__add_field(btf, NULL, u_in, 64, 0));
	u_out = ID(btf__add_union(btf, NULL, 16));
	OK(btf__add_field(btf, "l", b->l, 0, 0));
	OK(btf__add_field(btf, NULL, s_in, 0, 0));
	id = ID(btf__add_struct(btf, "nest", 32));
	OK(btf__add_field(btf, "a", b->i, 0, 0));
	OK(btf__add_field(btf, NULL, u_out, 64, 0));
	OK(btf__add_field(btf, "tail", tail, 192, 0));
	return id;
}

/* Named members of anonymous struct/union type. */
#define EXP_PT                                                         \
	"struct pt_holder {\n"                                         \
	"\tint id;\t/* 0 4 */\n"                                       \
	"\tstruct {\t/* 4 8 */\n"                                      \
	"\t\tint x;\t/* 4 4 */\n"                                      \
	"\t\tint y;\t/* 8 4 */\n"                                      \
	"\t} pt;\n"                                                    \
	"\tunion {\t/* 12 4 */\n"                                      \
	"\t\tint i;\t/* 12 4 */\n"                                     \
	"\t\tunsigned int ui;\t/* 12 4 */\n"                           \
	"\t} u;\n"                                                     \
	"\tstruct {\t/* 16 16 */\n"                                    \
	"\t\tint k;\t/* 16 4 */\n"                                     \
	"\t\tint v;\t/* 20 4 */\n"                                     \
	"\t} pair[2];\n"                                               \
	"};\t/* size 32 */\n"

static int build_pt(struct btf *btf, const struct base *b)
{
	int s_pt, u_u, s_kv, a_kv, id;

	s_pt = ID(btf__add_struct(btf, NULL, 8));
	OK(btf__add_field(btf, "x", b->i, 0, 0));
	OK(btf__add_field(btf, "y", b->i, 32, 0));
	u_u = ID(btf__add_union(btf, NULL, 4));
	OK(btf__add_field(btf, "i", b->i, 0, 0));
	OK(btf__add_field(btf, "ui", b->ui, 0, 0));
	s_kv = ID(btf__add_struct(btf, NULL, 8));
	OK(btf__add_field(btf, "k", b->i, 0, 0));
	OK(btf__add_field(btf, "v", b->i, 32, 0));
	a_kv = ID(btf__add_array(btf, b->i, s_kv, 2));
	id = ID(btf__add_struct(btf, "pt_holder", 32));
	OK(btf__add_field(btf, "id", b->i, 0, 0));
	OK(btf__add_field(btf, "pt", s_pt, 32, 0));
	OK(btf__add_field(btf, "u", u_u, 96, 0));
	OK(btf__add_field(btf, "pair", a_kv, 128, 0));
	return id;
}

#define EXP_ET                                                         \
	"struct et {\n"                                                \
	"\tenum color c;\t/* 0 4 */\n"                                 \
	"\tu32 flags;\t/* 4 4 */\n"                                    \
	"\tenum { A = 0, B = 1 } mode;\t/* 8 4 */\n"                   \
	"\tenum { NEG = -1, POS = 1 } s;\t/* 12 4 */\n"                \
	"\tanon_t t;\t/* 16 4 */\n"                                    \
	"\tconst u32 cf;\t/* 20 4 */\n"                                \
	"\tenum { BIG = 18446744073709551615 } big;\t/* 24 8 */\n"     \
	"};\t/* size 32 */\n"

static int build_et(struct btf *btf, const struct base *b)
{
	int color, an, sn, s_anon, anon_t, c_u32, e64, id;

	color = ID(btf__add_enum(btf, "color", 4));
	OK(btf__add_enum_value(btf, "RED", 0));
	OK(btf__add_enum_value(btf, "GREEN", 1));
	an = ID(btf__add_enum(btf, NULL, 4));
	OK(btf__add_enum_value(btf, "A", 0));
	OK(btf__add_enum_value(btf, "B", 1));
	sn = ID(btf__add_enum(btf, NULL, 4));	/* signed: has a negative value */
	OK(btf__add_enum_value(btf, "NEG", -1));
	OK(btf__add_enum_value(btf, "POS", 1));
	s_anon = ID(btf__add_struct(btf, NULL, 4));
	OK(btf__add_field(btf, "x", b->i, 0, 0));
	anon_t = ID(btf__add_typedef(btf, "anon_t", s_anon));
	c_u32 = ID(btf__add_const(btf, b->u32));
	e64 = ID(btf__add_enum64(btf, NULL, 8, false));
	OK(btf__add_enum64_value(btf, "BIG", UINT64_MAX));
	id = ID(btf__add_struct(btf, "et", 32));
	OK(btf__add_field(btf, "c", color, 0, 0));
	OK(btf__add_field(btf, "flags", b->u32, 32, 0));
	OK(btf__add_field(btf, "mode", an, 64, 0));
	OK(btf__add_field(btf, "s", sn, 96, 0));
	OK(btf__add_field(btf, "t", anon_t, 128, 0));
	OK(btf__add_field(btf, "cf", c_u32, 160, 0));
	OK(btf__add_field(btf, "big", e64, 192, 0));
	return id;
}

#define EXP_VAL                                                        \
	"union val {\n"                                                \
	"\tint i;\t/* 0 4 */\n"                                        \
	"\tlong int l;\t/* 0 8 */\n"                                   \
	"\tunsigned char b[8];\t/* 0 8 */\n"                           \
	"\tstruct {\t/* 0 8 */\n"                                      \
	"\t\tint lo;\t/* 0 4 */\n"                                     \
	"\t\tint hi;\t/* 4 4 */\n"                                     \
	"\t} w;\n"                                                     \
	"\tstruct {\t/* 0 4 */\n"                                      \
	"\t\tshort int s0;\t/* 0 2 */\n"                               \
	"\t\tshort int s1;\t/* 2 2 */\n"                               \
	"\t};\n"                                                       \
	"};\t/* size 8 */\n"

static int build_val(struct btf *btf, const struct base *b)
{
	int s_w, s_s, ab, id;

	s_w = ID(btf__add_struct(btf, NULL, 8));
	OK(btf__add_field(btf, "lo", b->i, 0, 0));
	OK(btf__add_field(btf, "hi", b->i, 32, 0));
	s_s = ID(btf__add_struct(btf, NULL, 4));
	OK(btf__add_field(btf, "s0", b->s, 0, 0));
	OK(btf__add_field(btf, "s1", b->s, 16, 0));
	ab = ID(btf__add_array(btf, b->i, b->uc, 8));
	id = ID(btf__add_union(btf, "val", 8));
	OK(btf__add_field(btf, "i", b->i, 0, 0));
	OK(btf__add_field(btf, "l", b->l, 0, 0));
	OK(btf__add_field(btf, "b", ab, 0, 0));
	OK(btf__add_field(btf, "w", s_w, 0, 0));
	OK(btf__add_field(btf, NULL, s_s, 0, 0));
	return id;
}

#define EXP_TAGGED                                                     \
	"struct tagged {\n"                                            \
	"\tint *up;\t/* 0 8 */\n"                                      \
	"\tchar *pc;\t/* 8 8 */\n"                                     \
	"\tvoid (*cb)(int *);\t/* 16 8 */\n"                           \
	"};\t/* size 24 */\n"

static int build_tagged(struct btf *btf, const struct base *b)
{
	/* int __user *up: PTR -> TYPE_TAG -> int */
	int t_user = ID(btf__add_type_tag(btf, "user", b->i));
	int p_tu = ID(btf__add_ptr(btf, t_user));
	/* TYPE_TAG -> PTR -> char: a tag on the pointer itself */
	int p_char = ID(btf__add_ptr(btf, b->c));
	int t_pc = ID(btf__add_type_tag(btf, "percpu", p_char));
	/* void (*cb)(int __user *), the pointer to the proto tagged too */
	int t2 = ID(btf__add_type_tag(btf, "user", b->i));
	int p_t2 = ID(btf__add_ptr(btf, t2));
	int proto, t_proto, p_proto, id;

	proto = ID(btf__add_func_proto(btf, 0));
	OK(btf__add_func_param(btf, NULL, p_t2));
	t_proto = ID(btf__add_type_tag(btf, "rcu", proto));
	p_proto = ID(btf__add_ptr(btf, t_proto));
	id = ID(btf__add_struct(btf, "tagged", 24));
	OK(btf__add_field(btf, "up", p_tu, 0, 0));
	OK(btf__add_field(btf, "pc", t_pc, 64, 0));
	OK(btf__add_field(btf, "cb", p_proto, 128, 0));
	return id;
}

/* ------------------------------------------------------------------ */
/* Rendering */

static void test_canon_plain_fields(void **state)
{
	struct base b;
	struct btf *btf = new_btf_base(&b);

	(void)state;
	expect_render(btf, build_plain(btf, &b), EXP_PLAIN);
}

static void test_canon_pointers(void **state)
{
	struct base b;
	struct btf *btf = new_btf_base(&b);

	(void)state;
	expect_render(btf, build_node(btf, &b), EXP_NODE);
}

static void test_canon_const_volatile(void **state)
{
	struct base b;
	struct btf *btf = new_btf_base(&b);

	(void)state;
	expect_render(btf, build_cv(btf, &b), EXP_CV);
}

static void test_canon_arrays(void **state)
{
	struct base b;
	struct btf *btf = new_btf_base(&b);

	(void)state;
	expect_render(btf, build_arrs(btf, &b), EXP_ARRS);
}

static void test_canon_flexible_array(void **state)
{
	struct base b;
	struct btf *btf = new_btf_base(&b);

	(void)state;
	expect_render(btf, build_flex(btf, &b), EXP_FLEX);
}

static void test_canon_function_pointers(void **state)
{
	struct base b;
	struct btf *btf = new_btf_base(&b);

	(void)state;
	expect_render(btf, build_fns(btf, &b), EXP_FNS);
}

static void test_canon_bitfields(void **state)
{
	struct base b;
	struct btf *btf = new_btf_base(&b);
	const struct btf_type *t;
	int id;

	(void)state;
	id = build_bits(btf, &b);
	t = btf__type_by_id(btf, id);
	assert_true(btf_kflag(t));	/* libbpf sets kind_flag for bitfields */
	expect_render(btf, id, EXP_BITS);
}

static void test_canon_anon_nested(void **state)
{
	struct base b;
	struct btf *btf = new_btf_base(&b);

	(void)state;
	expect_render(btf, build_nest(btf, &b), EXP_NEST);
}

static void test_canon_named_anon_member(void **state)
{
	struct base b;
	struct btf *btf = new_btf_base(&b);

	(void)state;
	expect_render(btf, build_pt(btf, &b), EXP_PT);
}

static void test_canon_enum_typedef(void **state)
{
	struct base b;
	struct btf *btf = new_btf_base(&b);

	(void)state;
	expect_render(btf, build_et(btf, &b), EXP_ET);
}

static void test_canon_union_toplevel(void **state)
{
	struct base b;
	struct btf *btf = new_btf_base(&b);
	struct ks_snapshot *set;

	(void)state;
	expect_render(btf, build_val(btf, &b), EXP_VAL);
	set = make_set(btf);
	assert_int_equal(set->n, 1);
	assert_int_equal(set->nstructs, 0);
	assert_int_equal(set->nunions, 1);
	assert_string_equal(set->entries[0].kind, "union");
	assert_string_equal(set->entries[0].name, "val");
	assert_int_equal(set->entries[0].variant, 1);
	assert_string_equal(set->entries[0].text, EXP_VAL);
}

static void test_canon_type_tag_skipped(void **state)
{
	struct base b;
	struct btf *btf = new_btf_base(&b);
	char *text;

	(void)state;
	text = render(btf, build_tagged(btf, &b));
	assert_string_equal(text, EXP_TAGGED);
	assert_null(strstr(text, "user"));
	assert_null(strstr(text, "percpu"));
	assert_null(strstr(text, "rcu"));
}

static void test_canon_render_not_composite(void **state)
{
	struct base b;
	struct btf *btf = new_btf_base(&b);
	char *text = NULL;
	size_t len = 0;

	(void)state;
	assert_int_equal(ks_canon_render(&text, &len, btf, (__u32)b.i), KS_EINVAL);
	assert_int_equal(ks_canon_render(&text, &len, btf, (__u32)b.u32), KS_EINVAL);
	assert_int_equal(ks_canon_render(&text, &len, btf, 0), KS_EINVAL);
	assert_int_equal(ks_canon_render(&text, &len, btf, 100000), KS_EINVAL);
	assert_null(text);
}

/* ------------------------------------------------------------------ */
/* Sets: duplicates, variants, forward declarations */

#define EXP_DUP_INT                                                    \
	"struct dup {\n"                                               \
	"\tint a;\t/* 0 4 */\n"                                        \
	"};\t/* size 4 */\n"
#define EXP_DUP_LONG                                                   \
	"struct dup {\n"                                               \
	"\tlong int b;\t/* 0 8 */\n"                                   \
	"};\t/* size 8 */\n"
#define EXP_UDUP                                                       \
	"union dup {\n"                                                \
	"\tint a;\t/* 0 4 */\n"                                        \
	"};\t/* size 4 */\n"
#define EXP_ALPHA                                                      \
	"struct alpha {\n"                                             \
	"\tint a;\t/* 0 4 */\n"                                        \
	"};\t/* size 4 */\n"

static void add_dup_int(struct btf *btf, const struct base *b)
{
	ID(btf__add_struct(btf, "dup", 4));
	OK(btf__add_field(btf, "a", b->i, 0, 0));
}

static void add_dup_long(struct btf *btf, const struct base *b)
{
	ID(btf__add_struct(btf, "dup", 8));
	OK(btf__add_field(btf, "b", b->l, 0, 0));
}

static void add_udup(struct btf *btf, const struct base *b)
{
	ID(btf__add_union(btf, "dup", 4));
	OK(btf__add_field(btf, "a", b->i, 0, 0));
}

static void add_alpha(struct btf *btf, const struct base *b)
{
	ID(btf__add_struct(btf, "alpha", 4));
	OK(btf__add_field(btf, "a", b->i, 0, 0));
}

static void expect_entry(const struct ks_snapshot *set, size_t i,
			 const char *kind, const char *name,
			 unsigned int variant, const char *text)
{
	if (i >= set->n)
		fail_msg("entry %zu missing: set has %zu", i, set->n);
	assert_string_equal(set->entries[i].kind, kind);
	assert_string_equal(set->entries[i].name, name);
	assert_int_equal(set->entries[i].variant, variant);
	assert_string_equal(set->entries[i].text, text);
	assert_int_equal(set->entries[i].len, strlen(text));
}

static void test_canon_dup_variants_order_independent(void **state)
{
	struct base b1, b2;
	struct btf *fwd = new_btf_base(&b1), *rev = new_btf_base(&b2);
	struct ks_snapshot *s1, *s2;
	const struct ks_snapshot *sets[2];
	int k;

	(void)state;
	add_dup_int(fwd, &b1);
	add_alpha(fwd, &b1);
	add_udup(fwd, &b1);
	add_dup_long(fwd, &b1);

	add_dup_long(rev, &b2);
	add_udup(rev, &b2);
	add_alpha(rev, &b2);
	add_dup_int(rev, &b2);

	s1 = make_set(fwd);
	s2 = make_set(rev);
	sets[0] = s1;
	sets[1] = s2;
	for (k = 0; k < 2; k++) {
		const struct ks_snapshot *s = sets[k];

		assert_int_equal(s->n, 4);
		assert_int_equal(s->nstructs, 3);
		assert_int_equal(s->nunions, 1);
		/* variants follow the order of the text, not of BTF ids:
		 * "\tint a" sorts before "\tlong int b" */
		expect_entry(s, 0, "struct", "alpha", 1, EXP_ALPHA);
		expect_entry(s, 1, "struct", "dup", 1, EXP_DUP_INT);
		expect_entry(s, 2, "struct", "dup", 2, EXP_DUP_LONG);
		/* a union of the same name is not a variant of the struct */
		expect_entry(s, 3, "union", "dup", 1, EXP_UDUP);
	}
}

/* A module's set merged into its vmlinux's after both were finished (as
 * import's workers finish sets): variants are numbered anew and shared
 * bodies collapse. */
static void test_canon_merge_finished_sets(void **state)
{
	struct base b1, b2;
	struct btf *a = new_btf_base(&b1), *b = new_btf_base(&b2);
	struct ks_snapshot *sa, *sb;

	(void)state;
	add_dup_long(a, &b1);
	add_dup_long(b, &b2);
	add_dup_int(b, &b2);
	add_alpha(b, &b2);
	sa = make_set(a);
	sb = make_set(b);
	expect_entry(sa, 0, "struct", "dup", 1, EXP_DUP_LONG);
	expect_entry(sb, 2, "struct", "dup", 2, EXP_DUP_LONG);
	ks_snapshot_merge(sa, sb);
	g_set[g_nset - 1] = NULL;	/* sb is gone; teardown frees sa */
	assert_true(sa->finished);
	assert_int_equal(sa->n, 3);
	expect_entry(sa, 0, "struct", "alpha", 1, EXP_ALPHA);
	expect_entry(sa, 1, "struct", "dup", 1, EXP_DUP_INT);
	expect_entry(sa, 2, "struct", "dup", 2, EXP_DUP_LONG);
}

static void test_canon_dup_identical_collapse(void **state)
{
	struct base b1, b2;
	struct btf *one = new_btf_base(&b1), *two = new_btf_base(&b2);
	struct ks_snapshot *set;

	(void)state;
	/* two identical bodies in one BTF */
	add_dup_int(one, &b1);
	add_dup_int(one, &b1);
	set = make_set(one);
	assert_int_equal(set->n, 1);
	assert_int_equal(set->nstructs, 1);
	assert_int_equal(set->nunions, 0);
	expect_entry(set, 0, "struct", "dup", 1, EXP_DUP_INT);

	/* and across BTFs added to one set, with a distinct third body */
	add_dup_long(two, &b2);
	add_dup_int(two, &b2);
	set = new_set();
	set_add(set, one);
	set_add(set, two);
	ks_snapshot_finish(set);
	assert_int_equal(set->n, 2);
	assert_int_equal(set->nstructs, 2);
	expect_entry(set, 0, "struct", "dup", 1, EXP_DUP_INT);
	expect_entry(set, 1, "struct", "dup", 2, EXP_DUP_LONG);
}

#define EXP_FWD_ONLY                                                   \
	"struct fwd_only {\n"                                          \
	"\tint x;\t/* 0 4 */\n"                                        \
	"\tlong int y;\t/* 8 8 */\n"                                   \
	"};\t/* size 16 */\n"
#define EXP_USER                                                       \
	"struct user {\n"                                              \
	"\tstruct fwd_only *p;\t/* 0 8 */\n"                           \
	"};\t/* size 8 */\n"

static void test_canon_fwd_then_definition(void **state)
{
	int order;

	(void)state;
	for (order = 0; order < 2; order++) {
		struct base b;
		struct btf *btf = new_btf_base(&b);
		struct ks_snapshot *set;
		int fwd = 0, p;

		if (order == 0)	/* struct fwd_only; ... definition later */
			fwd = ID(btf__add_fwd(btf, "fwd_only", BTF_FWD_STRUCT));
		ID(btf__add_struct(btf, "fwd_only", 16));
		OK(btf__add_field(btf, "x", b.i, 0, 0));
		OK(btf__add_field(btf, "y", b.l, 64, 0));
		if (order == 1)	/* definition first, the fwd after it */
			fwd = ID(btf__add_fwd(btf, "fwd_only", BTF_FWD_STRUCT));
		p = ID(btf__add_ptr(btf, fwd));
		ID(btf__add_struct(btf, "user", 8));
		OK(btf__add_field(btf, "p", p, 0, 0));

		set = make_set(btf);
		assert_int_equal(set->n, 2);
		assert_int_equal(set->nstructs, 2);
		assert_int_equal(set->nunions, 0);
		expect_entry(set, 0, "struct", "fwd_only", 1, EXP_FWD_ONLY);
		expect_entry(set, 1, "struct", "user", 1, EXP_USER);
	}
}

#define EXP_HOLDER                                                     \
	"struct holder {\n"                                            \
	"\tstruct lonely *l;\t/* 0 8 */\n"                             \
	"\tunion ulonely *u;\t/* 8 8 */\n"                             \
	"};\t/* size 16 */\n"

static void test_canon_fwd_only_no_entry(void **state)
{
	struct base b;
	struct btf *btf = new_btf_base(&b);
	int f1 = ID(btf__add_fwd(btf, "lonely", BTF_FWD_STRUCT));
	int f2 = ID(btf__add_fwd(btf, "ulonely", BTF_FWD_UNION));
	int p1 = ID(btf__add_ptr(btf, f1)), p2 = ID(btf__add_ptr(btf, f2));
	struct ks_snapshot *set;

	(void)state;
	ID(btf__add_struct(btf, "holder", 16));
	OK(btf__add_field(btf, "l", p1, 0, 0));
	OK(btf__add_field(btf, "u", p2, 64, 0));

	set = make_set(btf);
	assert_int_equal(set->n, 1);
	assert_int_equal(set->nstructs, 1);
	assert_int_equal(set->nunions, 0);
	expect_entry(set, 0, "struct", "holder", 1, EXP_HOLDER);

	/* a BTF of nothing but forward declarations gives an empty set */
	btf = new_btf();
	ID(btf__add_fwd(btf, "lonely", BTF_FWD_STRUCT));
	ID(btf__add_fwd(btf, "ulonely", BTF_FWD_UNION));
	set = make_set(btf);
	assert_int_equal(set->n, 0);
	assert_int_equal(set->nstructs, 0);
	assert_int_equal(set->nunions, 0);
}

/* ------------------------------------------------------------------ */
/* Determinism */

static void build_all(struct btf *btf)
{
	struct base b;

	add_base(btf, &b);
	build_plain(btf, &b);
	build_node(btf, &b);
	build_cv(btf, &b);
	build_arrs(btf, &b);
	build_flex(btf, &b);
	build_fns(btf, &b);
	build_bits(btf, &b);
	build_nest(btf, &b);
	build_pt(btf, &b);
	build_et(btf, &b);
	build_val(btf, &b);
	build_tagged(btf, &b);
}

static const char *const all_sorted[][3] = {
	{ "struct", "arrs", EXP_ARRS },
	{ "struct", "bits", EXP_BITS },
	{ "struct", "cv", EXP_CV },
	{ "struct", "et", EXP_ET },
	{ "struct", "flex", EXP_FLEX },
	{ "struct", "fns", EXP_FNS },
	{ "struct", "nest", EXP_NEST },
	{ "struct", "node", EXP_NODE },
	{ "struct", "plain", EXP_PLAIN },
	{ "struct", "pt_holder", EXP_PT },
	{ "struct", "tagged", EXP_TAGGED },
	{ "union", "val", EXP_VAL },
};
#define N_ALL (sizeof(all_sorted) / sizeof(all_sorted[0]))

static void test_canon_deterministic(void **state)
{
	struct btf *b1 = new_btf(), *b2 = new_btf();
	struct ks_snapshot *s1, *s2, *s3;
	size_t i;
	__u32 id;

	(void)state;
	build_all(b1);
	build_all(b2);
	s1 = make_set(b1);
	s2 = make_set(b1);
	s3 = make_set(b2);

	assert_int_equal(s1->n, N_ALL);
	assert_int_equal(s1->nstructs, N_ALL - 1);
	assert_int_equal(s1->nunions, 1);
	for (i = 0; i < N_ALL; i++)
		expect_entry(s1, i, all_sorted[i][0], all_sorted[i][1], 1,
			     all_sorted[i][2]);

	assert_int_equal(s2->n, s1->n);
	assert_int_equal(s3->n, s1->n);
	assert_int_equal(s2->nstructs, s1->nstructs);
	assert_int_equal(s3->nunions, s1->nunions);
	for (i = 0; i < s1->n; i++) {
		assert_int_equal(s2->entries[i].len, s1->entries[i].len);
		assert_int_equal(s3->entries[i].len, s1->entries[i].len);
		assert_memory_equal(s2->entries[i].text, s1->entries[i].text,
				    s1->entries[i].len);
		assert_memory_equal(s3->entries[i].text, s1->entries[i].text,
				    s1->entries[i].len);
	}

	/* every composite, named or not, renders to the same bytes twice */
	for (id = 1; id < btf__type_cnt(b1); id++) {
		const struct btf_type *t = btf__type_by_id(b1, id);
		char *x, *y;

		if (!btf_is_composite(t))
			continue;
		x = render(b1, (int)id);
		y = render(b1, (int)id);
		assert_string_equal(x, y);
	}
}

/* ------------------------------------------------------------------ */
/* Hostile input */

#define EXP_EVIL                                                       \
	"struct evil\\x0aname\\x2fx {\n"                               \
	"\tint a\\x2fb;\t/* 0 4 */\n"                                  \
	"\tint new\\x0aline;\t/* 4 4 */\n"                             \
	"\tint end\\x2a\\x2f;\t/* 8 4 */\n"                            \
	"\tstruct x\\x2fy\\x0a *f;\t/* 16 8 */\n"                      \
	"};\t/* size 24 */\n"

static void test_canon_hostile_names_escaped(void **state)
{
	struct base b;
	struct btf *btf = new_btf_base(&b);
	int fwd = ID(btf__add_fwd(btf, "x/y\n", BTF_FWD_STRUCT));
	int p = ID(btf__add_ptr(btf, fwd));
	int id = ID(btf__add_struct(btf, "evil\nname/x", 24));
	struct ks_snapshot *set;
	struct ks_def *d;
	const char *s;
	char *text;
	int lines = 0;

	(void)state;
	OK(btf__add_field(btf, "a/b", b.i, 0, 0));
	OK(btf__add_field(btf, "new\nline", b.i, 32, 0));
	OK(btf__add_field(btf, "end*/", b.i, 64, 0));
	OK(btf__add_field(btf, "f", p, 128, 0));

	text = render(btf, id);
	assert_string_equal(text, EXP_EVIL);
	for (s = text; *s; s++)
		lines += *s == '\n';
	assert_int_equal(lines, 6);	/* no newline but the line ends */

	set = make_set(btf);
	assert_int_equal(set->n, 1);
	assert_string_equal(set->entries[0].text, EXP_EVIL);

	/* the escaped text is still canonical text */
	d = parse(text);
	assert_string_equal(d->kind, "struct");
	assert_string_equal(d->name, "evil\\x0aname\\x2fx");
	assert_int_equal(d->n, 4);
	expect_member(d, 0, "a\\x2fb", 0, 32, 0);
	expect_member(d, 1, "new\\x0aline", 32, 32, 0);
	expect_member(d, 2, "end\\x2a\\x2f", 64, 32, 0);
	expect_member(d, 3, "f", 128, 64, 0);
}

static void expect_render_fails(struct btf *btf, int id)
{
	char *text = NULL;
	size_t len = 0;
	struct ks_snapshot *set;
	int rc;

	rc = ks_canon_render(&text, &len, btf, (__u32)id);
	if (rc >= 0)
		fail_msg("render of bad type %d returned %d:\n%s", id, rc,
			 text ? (char *)track(text) : "(null)");
	assert_null(text);
	assert_non_null(ks_err_msg());

	set = new_set();
	assert_true(ks_canon_add_btf(set, btf, 1) < 0);
}

static void test_canon_invalid_type_id(void **state)
{
	struct base b;
	struct btf *btf;
	int id, p, self, proto;

	(void)state;

	/* member of a type id past the end of the BTF */
	btf = new_btf_base(&b);
	id = ID(btf__add_struct(btf, "bad", 8));
	OK(btf__add_field(btf, "x", b.i, 0, 0));
	OK(btf__add_field(btf, "y", 1000, 32, 0));
	expect_render_fails(btf, id);

	/* pointer to a missing type */
	btf = new_btf_base(&b);
	p = ID(btf__add_ptr(btf, 1000));
	id = ID(btf__add_struct(btf, "bad", 8));
	OK(btf__add_field(btf, "p", p, 0, 0));
	expect_render_fails(btf, id);

	/* array of a missing type */
	btf = new_btf_base(&b);
	p = ID(btf__add_array(btf, b.i, 1000, 2));
	id = ID(btf__add_struct(btf, "bad", 8));
	OK(btf__add_field(btf, "a", p, 0, 0));
	expect_render_fails(btf, id);

	/* function pointer with a missing parameter type */
	btf = new_btf_base(&b);
	proto = ID(btf__add_func_proto(btf, 0));
	OK(btf__add_func_param(btf, NULL, b.i));
	OK(btf__add_func_param(btf, NULL, 1000));
	OK(btf__add_func_param(btf, NULL, b.i));
	p = ID(btf__add_ptr(btf, proto));
	id = ID(btf__add_struct(btf, "bad", 8));
	OK(btf__add_field(btf, "fn", p, 0, 0));
	expect_render_fails(btf, id);

	/* function pointer with a missing return type */
	btf = new_btf_base(&b);
	proto = ID(btf__add_func_proto(btf, 1000));
	p = ID(btf__add_ptr(btf, proto));
	id = ID(btf__add_struct(btf, "bad", 8));
	OK(btf__add_field(btf, "fn", p, 0, 0));
	expect_render_fails(btf, id);

	/* a const that refers to itself */
	btf = new_btf_base(&b);
	self = (int)btf__type_cnt(btf);
	assert_int_equal(ID(btf__add_const(btf, self)), self);
	id = ID(btf__add_struct(btf, "bad", 8));
	OK(btf__add_field(btf, "c", self, 0, 0));
	expect_render_fails(btf, id);

	/* a pointer that points to itself */
	btf = new_btf_base(&b);
	self = (int)btf__type_cnt(btf);
	assert_int_equal(ID(btf__add_ptr(btf, self)), self);
	id = ID(btf__add_struct(btf, "bad", 8));
	OK(btf__add_field(btf, "p", self, 0, 0));
	expect_render_fails(btf, id);

	/* an anonymous struct that contains itself, unnamed and named */
	btf = new_btf_base(&b);
	self = (int)btf__type_cnt(btf);
	assert_int_equal(ID(btf__add_struct(btf, NULL, 4)), self);
	OK(btf__add_field(btf, NULL, self, 0, 0));
	id = ID(btf__add_struct(btf, "bad", 4));
	OK(btf__add_field(btf, NULL, self, 0, 0));
	expect_render_fails(btf, id);

	btf = new_btf_base(&b);
	self = (int)btf__type_cnt(btf);
	assert_int_equal(ID(btf__add_struct(btf, NULL, 4)), self);
	OK(btf__add_field(btf, "inner", self, 0, 0));
	id = ID(btf__add_struct(btf, "bad", 4));
	OK(btf__add_field(btf, "outer", self, 0, 0));
	expect_render_fails(btf, id);

	/* members whose type is not a C object type */
	btf = new_btf_base(&b);
	p = ID(btf__add_var(btf, "v", BTF_VAR_GLOBAL_ALLOCATED, b.i));
	id = ID(btf__add_struct(btf, "bad", 4));
	OK(btf__add_field(btf, "v", p, 0, 0));
	expect_render_fails(btf, id);

	btf = new_btf_base(&b);
	p = ID(btf__add_datasec(btf, ".data", 4));
	id = ID(btf__add_struct(btf, "bad", 4));
	OK(btf__add_field(btf, "d", p, 0, 0));
	expect_render_fails(btf, id);
}

/* ------------------------------------------------------------------ */
/* Parsing canonical text back */

static void test_canon_parse_nested(void **state)
{
	struct base b;
	struct btf *btf = new_btf_base(&b);
	struct ks_def *d;

	(void)state;
	d = parse(render(btf, build_nest(btf, &b)));
	assert_string_equal(d->kind, "struct");
	assert_string_equal(d->name, "nest");
	assert_int_equal(d->size, 32);
	assert_int_equal(d->n, 6);
	expect_member(d, 0, "a", 0, 32, 0);
	expect_member(d, 1, "l", 64, 64, 0);
	expect_member(d, 2, "lo", 64, 32, 0);
	expect_member(d, 3, "p", 128, 64, 0);
	expect_member(d, 4, "bits", 128, 4, 4);
	expect_member(d, 5, "tail", 192, 64, 0);
	assert_string_equal(d->members[0].decl, "int a");
	assert_string_equal(d->members[3].decl, "void *p");
	assert_string_equal(d->members[4].decl, "unsigned int bits:4");
	assert_string_equal(d->members[5].decl, "char tail[8]");
}

static void test_canon_parse_function_pointers(void **state)
{
	static const char *const names[] = {
		"fn", "nop", "pf", "get", "pa", "hof", "cb", "cq",
	};
	struct base b;
	struct btf *btf = new_btf_base(&b);
	struct ks_def *d;
	size_t i;

	(void)state;
	d = parse(render(btf, build_fns(btf, &b)));
	assert_string_equal(d->name, "fns");
	assert_int_equal(d->size, 64);
	assert_int_equal(d->n, 8);
	for (i = 0; i < 8; i++)
		expect_member(d, i, names[i], i * 64, 64, 0);
	assert_string_equal(d->members[0].decl, "void (*fn)(int, char *)");
	assert_string_equal(d->members[4].decl, "int (*pa)[3]");
}

static void test_canon_parse_bitfields(void **state)
{
	struct base b;
	struct btf *btf = new_btf_base(&b);
	struct ks_def *d;

	(void)state;
	d = parse(render(btf, build_bits(btf, &b)));
	assert_int_equal(d->size, 12);
	assert_int_equal(d->n, 8);
	expect_member(d, 0, "a", 0, 3, 3);
	expect_member(d, 1, "b", 3, 5, 5);
	expect_member(d, 2, "", 8, 3, 3);	/* int :3 */
	expect_member(d, 3, "c", 11, 1, 1);
	expect_member(d, 4, "d", 16, 8, 0);
	expect_member(d, 5, "e", 32, 32, 0);
	expect_member(d, 6, "f", 64, 20, 20);
	expect_member(d, 7, "h", 88, 8, 8);
	assert_string_equal(d->members[0].decl, "unsigned int a:3");
	assert_string_equal(d->members[2].decl, "int :3");
	assert_string_equal(d->members[6].decl, "u32 f:20");
}

static void test_canon_parse_named_anon_member(void **state)
{
	struct base b;
	struct btf *btf = new_btf_base(&b);
	struct ks_def *d;

	(void)state;
	d = parse(render(btf, build_pt(btf, &b)));
	assert_int_equal(d->size, 32);
	/* a named member of anonymous type is one member */
	assert_int_equal(d->n, 4);
	expect_member(d, 0, "id", 0, 32, 0);
	expect_member(d, 1, "pt", 32, 64, 0);
	expect_member(d, 2, "u", 96, 32, 0);
	expect_member(d, 3, "pair", 128, 128, 0);
	assert_string_equal(d->members[1].decl, "struct { int x; int y; } pt");
	assert_string_equal(d->members[2].decl, "union { int i; unsigned int ui; } u");
	assert_string_equal(d->members[3].decl, "struct { int k; int v; } pair[2]");

	d = parse(render(btf, build_val(btf, &b)));
	assert_string_equal(d->kind, "union");
	assert_string_equal(d->name, "val");
	assert_int_equal(d->size, 8);
	assert_int_equal(d->n, 6);
	expect_member(d, 0, "i", 0, 32, 0);
	expect_member(d, 1, "l", 0, 64, 0);
	expect_member(d, 2, "b", 0, 64, 0);
	expect_member(d, 3, "w", 0, 64, 0);
	expect_member(d, 4, "s0", 0, 16, 0);
	expect_member(d, 5, "s1", 16, 16, 0);
}

static void test_canon_parse_enum_typedef(void **state)
{
	static const char *const names[] = {
		"c", "flags", "mode", "s", "t", "cf", "big",
	};
	struct base b;
	struct btf *btf = new_btf_base(&b);
	struct ks_def *d;
	size_t i;

	(void)state;
	d = parse(render(btf, build_et(btf, &b)));
	assert_int_equal(d->n, 7);
	for (i = 0; i < 7; i++)
		expect_member(d, i, names[i], i * 32, i == 6 ? 64 : 32, 0);
	assert_string_equal(d->members[3].decl, "enum { NEG = -1, POS = 1 } s");
}

/* Every text the renderer produces reads back as the type it came from. */
static void test_canon_parse_roundtrip_all(void **state)
{
	struct btf *btf = new_btf();
	struct ks_snapshot *set;
	size_t i, j;

	(void)state;
	build_all(btf);
	set = make_set(btf);
	assert_int_equal(set->n, N_ALL);
	for (i = 0; i < set->n; i++) {
		const struct ks_snapshot_entry *ct = &set->entries[i];
		struct ks_def *d = parse(ct->text);
		__s32 tid = btf__find_by_name_kind(
			btf, ct->name,
			ct->kind[0] == 's' ? BTF_KIND_STRUCT : BTF_KIND_UNION);

		assert_true(tid > 0);
		assert_string_equal(d->kind, ct->kind);
		assert_string_equal(d->name, ct->name);
		assert_int_equal(d->size, btf__type_by_id(btf, (__u32)tid)->size);
		for (j = 0; j < d->n; j++) {
			assert_non_null(d->members[j].name);
			assert_non_null(d->members[j].decl);
		}
	}
}

static void expect_malformed(const char *text, size_t len)
{
	struct ks_def *d = NULL;
	int rc = ks_canon_parse(&d, text, len);

	if (rc == 0) {
		track_def(d);
		fail_msg("accepted malformed text:\n%.*s", (int)len, text);
	}
	assert_int_equal(rc, KS_EFORMAT);
	assert_null(d);
}

static void test_canon_parse_malformed(void **state)
{
	static const char *const bad[] = {
		"",
		"\n",
		"\n\n\n",
		"garbage",
		"\x01\x02\xff\t\t}}}{{{\n\n\t/* */",
		"struct a {\n",
		"struct a {\n\tint x;\t/* 0 4 */\n",
		"struct a {\n\tint x;\t/* 0",
		"struct a {\n\tint x;\t/* 0 4 */\n};",
		/* wrong indentation */
		"\tstruct a {\n\tint x;\t/* 0 4 */\n};\t/* size 4 */\n",
		"struct a {\n\t\tint x;\t/* 0 4 */\n};\t/* size 4 */\n",
		"struct a {\nint x;\t/* 0 4 */\n};\t/* size 4 */\n",
		"struct a {\n\tint x;\t/* 0 4 */\n\t};\t/* size 4 */\n",
		"struct a {\n\tunion {\t/* 0 4 */\n\tint x;\t/* 0 4 */\n\t};\n};\t/* size 4 */\n",
		"struct a {\n\tunion {\t/* 0 4 */\n\t\tint x;\t/* 0 4 */\n\t\t};\n};\t/* size 4 */\n",
		/* missing or broken size line */
		"struct a {\n\tint x;\t/* 0 4 */\n};\n",
		"struct a {\n\tint x;\t/* 0 4 */\n};\t/* size */\n",
		"struct a {\n\tint x;\t/* 0 4 */\n};\t/* 0 4 */\n",
		"struct a {\n\tint x;\t/* 0 4 */\n}\t/* size 4 */\n",
		/* something after the end */
		"struct a {\n\tint x;\t/* 0 4 */\n};\t/* size 4 */\nextra\n",
		"struct a {\n\tint x;\t/* 0 4 */\n};\t/* size 4 */\n};\t/* size 4 */\n",
		/* broken member lines */
		"struct a {\n\tint x;\n};\t/* size 4 */\n",
		"struct a {\n\tint x\t/* 0 4 */\n};\t/* size 4 */\n",
		"struct a {\n\tint x;\t/* zero four */\n};\t/* size 4 */\n",
		"struct a {\n\tint x;\t/* 0 4 5 */\n};\t/* size 4 */\n",
		"struct a {\n\tint x;\t/* 0 4 */ junk\n};\t/* size 4 */\n",
		"struct a {\n\t\n};\t/* size 4 */\n",
		/* broken header */
		"enum a {\n};\t/* size 4 */\n",
		"struct a\n};\t/* size 4 */\n",
		"struct a {\t/* 0 4 */\n};\t/* size 4 */\n",
		"};\t/* size 4 */\n",
		/* broken nesting */
		"struct a {\n\tunion {\t/* 0 4 */\n\t\tint x;\t/* 0 4 */\n};\t/* size 4 */\n",
		"struct a {\n\t};\n};\t/* size 4 */\n",
		"struct a {\n\tunion {\n\t\tint x;\t/* 0 4 */\n\t};\n};\t/* size 4 */\n",
		"struct a {\n\tunion {\t/* 0 4 */\n\t\tint x;\t/* 0 4 */\n\t};\t/* 0 4 */\n};\t/* size 4 */\n",
		"struct a {\n\tunion {\t/* 0 4 */\n\t\tint x;\t/* 0 4 */\n\t} u\n};\t/* size 4 */\n",
		"struct a {\n\tunion {\t/* 0 4 */\n\t\tint x;\t/* 0 4 */\n\t}\n};\t/* size 4 */\n",
	};
	char *deep;
	size_t i, n = 0;
	int k;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		expect_malformed(bad[i], strlen(bad[i]));

	/* nesting deeper than any parser stack: 100 levels of an
	 * anonymous union opening, each one tab deeper */
	deep = track(malloc(16384));
	assert_non_null(deep);
	n += (size_t)snprintf(deep + n, 16384 - n, "struct a {\n");
	for (k = 0; k < 100; k++) {
		assert_true(n + (size_t)k + 64 < 16384);
		memset(deep + n, '\t', (size_t)k + 1);
		n += (size_t)k + 1;
		n += (size_t)snprintf(deep + n, 16384 - n, "union {\t/* 0 4 */\n");
	}
	expect_malformed(deep, n);
}

/* Every proper prefix of a canonical text is truncated text. (The one
 * without just the final newline is left out: whether the last line
 * needs its '\n' is not what this test is about.) */
static void test_canon_parse_truncated(void **state)
{
	static const char *const texts[] = { EXP_NEST, EXP_PT, EXP_BITS, EXP_FNS };
	size_t i, len;

	(void)state;
	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		size_t full = strlen(texts[i]);

		for (len = 0; len + 1 < full; len++)
			expect_malformed(texts[i], len);
	}
}

/* Corrupting any byte must give a definition or KS_EFORMAT, never a
 * crash or an out-of-bounds read (this runs under ASan). */
static void test_canon_parse_mutations_no_crash(void **state)
{
	static const char *const texts[] = { EXP_NEST, EXP_PT, EXP_VAL, EXP_ET };
	static const char repl[] = { '\0', '\n', '\t', '{', '}', ';', ':', ' ',
				     '/', '*', '(', ')', '[', ']', 'x', '9' };
	size_t i, pos, r;

	(void)state;
	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		size_t len = strlen(texts[i]);

		for (pos = 0; pos < len; pos++) {
			for (r = 0; r <= sizeof(repl); r++) {
				/* exact-size heap copy so ASan sees overreads */
				char *buf = malloc(len);
				struct ks_def *d = NULL;
				size_t blen = len;
				int rc;

				assert_non_null(buf);
				memcpy(buf, texts[i], len);
				if (r < sizeof(repl)) {
					buf[pos] = repl[r];
				} else {	/* delete the byte */
					memmove(buf + pos, buf + pos + 1, len - pos - 1);
					blen--;
				}
				rc = ks_canon_parse(&d, buf, blen);
				free(buf);
				if (rc == 0) {
					assert_non_null(d);
					ks_def_free(d);
				} else {
					assert_int_equal(rc, KS_EFORMAT);
					assert_null(d);
				}
			}
		}
	}
}

/* A NUL byte inside the text is not canonical text either. */
static void test_canon_parse_rejects_nul(void **state)
{
	static const char text[] =
		"struct a {\0junk\n\tint x;\t/* 0 4 */\n};\t/* size 4 */\n";

	(void)state;
	expect_malformed(text, sizeof(text) - 1);
}

/* Canonical text ends every line, the last one included, with '\n'. */
static void test_canon_parse_requires_final_newline(void **state)
{
	static const char text[] = "struct a {\n\tint x;\t/* 0 4 */\n};\t/* size 4 */";

	(void)state;
	expect_malformed(text, sizeof(text) - 1);
}

/* What a pointer to an anonymous struct points to is written inline,
 * laid out from its own start: it is not part of the outer type. */
#define EXP_APTR                                                       \
	"struct aptr {\n"                                              \
	"\tint a;\t/* 0 4 */\n"                                        \
	"\tstruct {\t/* 8 8 */\n"                                      \
	"\t\tint x;\t/* 0 4 */\n"                                      \
	"\t\tint y;\t/* 4 4 */\n"                                      \
	"\t} *p;\n"                                                    \
	"\tint z;\t/* 16 4 */\n"                                       \
	"};\t/* size 24 */\n"

static void test_canon_anon_pointee(void **state)
{
	struct base b;
	struct btf *btf = new_btf_base(&b);
	struct ks_def *d;
	int s_xy, p, id;

	(void)state;
	s_xy = ID(btf__add_struct(btf, NULL, 8));
	OK(btf__add_field(btf, "x", b.i, 0, 0));
	OK(btf__add_field(btf, "y", b.i, 32, 0));
	p = ID(btf__add_ptr(btf, s_xy));
	id = ID(btf__add_struct(btf, "aptr", 24));
	OK(btf__add_field(btf, "a", b.i, 0, 0));
	OK(btf__add_field(btf, "p", p, 64, 0));
	OK(btf__add_field(btf, "z", b.i, 128, 0));
	expect_render(btf, id, EXP_APTR);

	d = parse(EXP_APTR);
	assert_int_equal(d->n, 3);
	expect_member(d, 0, "a", 0, 32, 0);
	expect_member(d, 1, "p", 64, 64, 0);
	expect_member(d, 2, "z", 128, 32, 0);
	assert_string_equal(d->members[1].decl, "struct { int x; int y; } *p");
}

/* An anonymous struct can also be reached through a function pointer's
 * parameter. It is written inline like any other use (the member's
 * comment on the first line, the pointee laid out from 0), and the
 * member must read back as "cb", one member, not as an unnamed one. */
static void test_canon_parse_anon_in_params(void **state)
{
	struct base b;
	struct btf *btf = new_btf_base(&b);
	struct ks_def *d;
	int s_x, p_s, proto, p, id;
	char *text;

	(void)state;
	s_x = ID(btf__add_struct(btf, NULL, 4));
	OK(btf__add_field(btf, "x", b.i, 0, 0));
	p_s = ID(btf__add_ptr(btf, s_x));
	proto = ID(btf__add_func_proto(btf, 0));
	OK(btf__add_func_param(btf, NULL, p_s));
	p = ID(btf__add_ptr(btf, proto));
	id = ID(btf__add_struct(btf, "cbh", 16));
	OK(btf__add_field(btf, "a", b.i, 0, 0));
	OK(btf__add_field(btf, "cb", p, 64, 0));
	text = render(btf, id);
	assert_string_equal(text,
			    "struct cbh {\n"
			    "\tint a;\t/* 0 4 */\n"
			    "\tvoid (*cb)(struct {\t/* 8 8 */\n"
			    "\t\tint x;\t/* 0 4 */\n"
			    "\t} *);\n"
			    "};\t/* size 16 */\n");
	d = parse(text);
	assert_int_equal(d->n, 2);
	expect_member(d, 0, "a", 0, 32, 0);
	expect_member(d, 1, "cb", 64, 64, 0);
}

/* ------------------------------------------------------------------ */
/* ks_decl_name */

static void test_canon_decl_name(void **state)
{
	static const char *const cases[][2] = {
		{ "int a", "a" },
		{ "unsigned int x", "x" },
		{ "long unsigned int l", "l" },
		{ "const char *const p", "p" },
		{ "volatile int *const *vp", "vp" },
		{ "struct node *next", "next" },
		{ "int a[2][3]", "a" },
		{ "char *names[2]", "names" },
		{ "int data[0]", "data" },
		{ "void (*fn)(int)", "fn" },
		{ "void (*fn)(int, char *)", "fn" },
		{ "int (*pf)(const char *, ...)", "pf" },
		{ "int (*nop)(void)", "nop" },
		{ "int (*arr)[3]", "arr" },
		{ "char *(*get)(void)", "get" },
		{ "void (*(*hof)(int))(void)", "hof" },
		{ "int (*const cfp)(void)", "cfp" },
		{ "void (*cb)(int x)", "cb" },
		{ "void (*signal(int, void (*)(int)))(int)", "signal" },
		{ "int (*(*x[3])(void))[5]", "x" },
		{ "void (*fns[4])(void)", "fns" },
		{ "enum { A = 0, B = 1 } mode", "mode" },
		{ "struct {...} pt", "pt" },
		{ "struct {...} pair[2]", "pair" },
		{ "int a\\x2fb", "a\\x2fb" },
		{ "char *", "" },
		{ "char *const", "" },
		{ "int *const *volatile", "" },
		{ "const char *restrict", "" },
		{ "void (*)(int)", "" },
		{ "int (*)[3]", "" },
		{ "", "" },
	};
	static const char *const junk[] = {
		")", "(", "]", "[", ")))", "(((", "(*)", "[[]]", "()()", "(*(*",
		"a)(", " ", "*", "int (*", "int )*(", "x[3", "x]3[",
	};
	size_t i;
	int wrong = 0;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *name = track(ks_decl_name(cases[i][0]));

		assert_non_null(name);
		if (strcmp(name, cases[i][1])) {
			print_error("ks_decl_name(\"%s\") = \"%s\", expected \"%s\"\n",
				    cases[i][0], name, cases[i][1]);
			wrong++;
		}
	}
	assert_int_equal(wrong, 0);
	/* nonsense must not crash */
	for (i = 0; i < sizeof(junk) / sizeof(junk[0]); i++)
		assert_non_null(track(ks_decl_name(junk[i])));
}

#define T(fn) cmocka_unit_test_teardown(fn, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_canon_plain_fields),
		T(test_canon_pointers),
		T(test_canon_const_volatile),
		T(test_canon_arrays),
		T(test_canon_flexible_array),
		T(test_canon_function_pointers),
		T(test_canon_bitfields),
		T(test_canon_anon_nested),
		T(test_canon_named_anon_member),
		T(test_canon_enum_typedef),
		T(test_canon_union_toplevel),
		T(test_canon_type_tag_skipped),
		T(test_canon_render_not_composite),
		T(test_canon_dup_variants_order_independent),
		T(test_canon_merge_finished_sets),
		T(test_canon_dup_identical_collapse),
		T(test_canon_fwd_then_definition),
		T(test_canon_fwd_only_no_entry),
		T(test_canon_deterministic),
		T(test_canon_hostile_names_escaped),
		T(test_canon_invalid_type_id),
		T(test_canon_parse_nested),
		T(test_canon_parse_function_pointers),
		T(test_canon_parse_bitfields),
		T(test_canon_parse_named_anon_member),
		T(test_canon_parse_enum_typedef),
		T(test_canon_parse_roundtrip_all),
		T(test_canon_parse_malformed),
		T(test_canon_parse_truncated),
		T(test_canon_parse_mutations_no_crash),
		T(test_canon_parse_rejects_nul),
		T(test_canon_parse_requires_final_newline),
		T(test_canon_anon_pointee),
		T(test_canon_parse_anon_in_params),
		T(test_canon_decl_name),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
