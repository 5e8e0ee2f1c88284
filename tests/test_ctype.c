/* Unit tests for reading canonical text into C types
 * (def/ks_ctype_decl.c, def/ks_ctype_parse.c), what `kstruct check`
 * matches eBPF relocations against. The texts are written by hand from
 * docs/format.md, so the reader is pinned to the specification. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "ks_ctype_parse.h"
#include "ks_err.h"

static struct ks_ct_arena *g_a;
static struct ks_ct_abi g_abi;

static int setup(void **state)
{
	(void)state;
	g_a = ks_ct_arena_new();
	ks_ct_abi_for(&g_abi, "x86_64");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	ks_ct_arena_free(g_a);
	return 0;
}

static struct ks_ctype *decl(const char *text, const char **name)
{
	struct ks_ctype *t = NULL;
	const char *n;

	assert_int_equal(ks_ctype_parse_decl(g_a, text, &g_abi, &t, &n), 0);
	assert_non_null(t);
	if (name)
		*name = n;
	return t;
}

static struct ks_ctype *text(const char *s)
{
	struct ks_ctype *t = NULL;

	assert_int_equal(ks_ctype_parse(g_a, s, strlen(s), &g_abi, &t), 0);
	assert_non_null(t);
	return t;
}

static void test_decl_base_types(void **state)
{
	const char *name;
	struct ks_ctype *t;

	(void)state;
	t = decl("long unsigned int flags", &name);
	assert_string_equal(name, "flags");
	assert_int_equal(t->kind, KS_CT_INT);
	assert_int_equal(t->size, 8);
	assert_false(t->is_signed);
	t = decl("char c", NULL);
	assert_int_equal(t->size, 1);
	assert_true(t->is_signed);	/* x86_64 */
	t = decl("_Bool b", NULL);
	assert_true(t->is_bool);
	t = decl("short int s", NULL);
	assert_int_equal(t->size, 2);
	assert_true(t->is_signed);
	t = decl("double d", NULL);
	assert_int_equal(t->kind, KS_CT_FLOAT);
	assert_int_equal(t->size, 8);
	t = decl("u32 x", &name);
	assert_int_equal(t->kind, KS_CT_TYPEDEF);
	assert_string_equal(t->name, "u32");
	assert_false(t->complete);	/* looked up in its release */
	assert_string_equal(name, "x");
	t = decl("struct file *file", &name);
	assert_int_equal(t->kind, KS_CT_PTR);
	assert_int_equal(t->ref->kind, KS_CT_STRUCT);
	assert_string_equal(t->ref->name, "file");
	assert_false(t->ref->complete);
}

/* C's inside-out declarators: the cases canonical text writes */
static void test_decl_declarators(void **state)
{
	const char *name;
	struct ks_ctype *t;

	(void)state;
	t = decl("int (*p)[4]", &name);	/* a pointer to an array */
	assert_string_equal(name, "p");
	assert_int_equal(t->kind, KS_CT_PTR);
	assert_int_equal(t->ref->kind, KS_CT_ARRAY);
	assert_int_equal(t->ref->nelems, 4);
	assert_int_equal(t->ref->ref->kind, KS_CT_INT);

	t = decl("int *p[4]", &name);	/* an array of pointers */
	assert_int_equal(t->kind, KS_CT_ARRAY);
	assert_int_equal(t->ref->kind, KS_CT_PTR);

	t = decl("int m[2][3]", &name);
	assert_int_equal(t->kind, KS_CT_ARRAY);
	assert_int_equal(t->nelems, 2);
	assert_int_equal(t->ref->nelems, 3);

	t = decl("void (*fn)(struct sk_buff *, int)", &name);
	assert_string_equal(name, "fn");
	assert_int_equal(t->kind, KS_CT_PTR);
	assert_int_equal(t->ref->kind, KS_CT_FUNC);
	assert_int_equal(t->ref->nmembers, 2);
	assert_int_equal(t->ref->members[0].type->kind, KS_CT_PTR);
	assert_int_equal(t->ref->ref->kind, KS_CT_VOID);

	t = decl("const char *const *argv", &name);
	assert_string_equal(name, "argv");
	assert_int_equal(t->kind, KS_CT_PTR);
	assert_int_equal(t->ref->kind, KS_CT_PTR);
	assert_int_equal(t->ref->ref->kind, KS_CT_INT);

	t = decl("int (*(*getter)(void))[8]", &name);	/* returns a pointer to an array */
	assert_string_equal(name, "getter");
	assert_int_equal(t->kind, KS_CT_PTR);
	assert_int_equal(t->ref->kind, KS_CT_FUNC);
	assert_int_equal(t->ref->nmembers, 0);
	assert_int_equal(t->ref->ref->kind, KS_CT_PTR);
	assert_int_equal(t->ref->ref->ref->nelems, 8);

	t = decl("int (*printk)(const char *, ...)", NULL);
	assert_int_equal(t->ref->nmembers, 1);

	t = decl("enum { A = 0, B = -1 } mode", &name);
	assert_string_equal(name, "mode");
	assert_int_equal(t->kind, KS_CT_ENUM);
	assert_int_equal(t->nenums, 2);
	assert_int_equal(t->enums[1].value, -1);

	t = decl("char data[]", NULL);	/* a flexible array */
	assert_int_equal(t->kind, KS_CT_ARRAY);
	assert_int_equal(t->nelems, 0);
}

static void test_decl_refused(void **state)
{
	static const char *const bad[] = {
		"", "int (", "int [4] x", "int x[4", "struct", "int x[-1]",
		"int \x01 x", "(*)(int)", "int x y",
	};
	struct ks_ctype *t;
	const char *name;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (ks_ctype_parse_decl(g_a, bad[i], &g_abi, &t, &name) != KS_EFORMAT)
			fail_msg("accepted '%s'", bad[i]);
		assert_null(t);
	}
}

/* Offsets become relative to the enclosing type, as BTF has them. */
static void test_text_struct_nesting(void **state)
{
	struct ks_ctype *t, *u, *s;

	(void)state;
	t = text("struct sock_like {\n"
		 "\tint a;\t/* 0 4 */\n"
		 "\tunion {\t/* 8 16 */\n"
		 "\t\tlong int x;\t/* 8 8 */\n"
		 "\t\tstruct {\t/* 8 16 */\n"
		 "\t\t\tint lo;\t/* 8 4 */\n"
		 "\t\t\tint hi;\t/* 12 4 */\n"
		 "\t\t} pair[1];\n"
		 "\t};\n"
		 "\tunsigned int f:3;\t/* bit 192 3 */\n"
		 "\tunsigned int g:5;\t/* bit 195 5 */\n"
		 "\tchar comm[16];\t/* 28 16 */\n"
		 "};\t/* size 48 */\n");
	assert_int_equal(t->kind, KS_CT_STRUCT);
	assert_string_equal(t->name, "sock_like");
	assert_int_equal(t->size, 48);
	assert_int_equal(t->nmembers, 5);
	assert_string_equal(t->members[0].name, "a");
	assert_int_equal(t->members[0].type->size, 4);
	u = t->members[1].type;
	assert_string_equal(t->members[1].name, "");	/* anonymous */
	assert_int_equal(t->members[1].bit_offset, 64);
	assert_int_equal(u->kind, KS_CT_UNION);
	assert_int_equal(u->size, 16);
	assert_int_equal(u->nmembers, 2);
	assert_int_equal(u->members[0].bit_offset, 0);
	assert_string_equal(u->members[1].name, "pair");
	assert_int_equal(u->members[1].type->kind, KS_CT_ARRAY);
	assert_int_equal(u->members[1].type->nelems, 1);
	s = u->members[1].type->ref;
	assert_int_equal(s->kind, KS_CT_STRUCT);
	assert_int_equal(s->size, 16);
	assert_int_equal(s->members[1].bit_offset, 32);	/* hi: 12 - 8 bytes */
	assert_int_equal(t->members[2].bit_offset, 192);
	assert_int_equal(t->members[2].bitfield, 3);
	assert_int_equal(t->members[3].bit_offset, 195);
	assert_int_equal(t->members[4].type->kind, KS_CT_ARRAY);
	assert_int_equal(t->members[4].type->size, 16);
	assert_int_equal(t->members[4].type->ref->size, 1);
}

/* Inside a pointer to an anonymous struct, offsets count from its own
 * start (struct parsed_partitions of 6.12). */
static void test_text_pointer_to_anonymous(void **state)
{
	struct ks_ctype *t, *p;

	(void)state;
	t = text("struct parsed_partitions {\n"
		 "\tstruct gendisk *disk;\t/* 0 8 */\n"
		 "\tstruct {\t/* 8 8 */\n"
		 "\t\tsector_t from;\t/* 0 8 */\n"
		 "\t\tint flags;\t/* 8 4 */\n"
		 "\t} *parts;\n"
		 "\tint next;\t/* 16 4 */\n"
		 "};\t/* size 24 */\n");
	assert_int_equal(t->nmembers, 3);
	assert_string_equal(t->members[1].name, "parts");
	assert_int_equal(t->members[1].bit_offset, 64);
	p = t->members[1].type;
	assert_int_equal(p->kind, KS_CT_PTR);
	assert_int_equal(p->ref->kind, KS_CT_STRUCT);
	assert_int_equal(p->ref->members[1].bit_offset, 64);
}

static void test_text_enum_and_typedefs(void **state)
{
	struct ks_ctype *t;

	(void)state;
	t = text("enum bpf_map_type {\n"
		 "\tBPF_MAP_TYPE_UNSPEC = 0,\n"
		 "\tBPF_MAP_TYPE_HASH = 1,\n"
		 "};\t/* size 4 unsigned */\n");
	assert_int_equal(t->kind, KS_CT_ENUM);
	assert_int_equal(t->nenums, 2);
	assert_string_equal(t->enums[1].name, "BPF_MAP_TYPE_HASH");
	assert_int_equal(t->enums[1].value, 1);
	assert_false(t->is_signed);

	t = text("enum e64 {\n\tBIG = -5,\n};\t/* size 8 signed */\n");
	assert_true(t->is_signed);
	assert_true(t->is_enum64);
	assert_int_equal(t->enums[0].value, -5);

	t = text("typedef unsigned int u32;\t/* size 4 */\n");
	assert_int_equal(t->kind, KS_CT_TYPEDEF);
	assert_string_equal(t->name, "u32");
	assert_int_equal(t->size, 4);
	assert_int_equal(t->ref->kind, KS_CT_INT);
	assert_false(t->ref->is_signed);

	t = text("typedef void (*btf_trace_x)(void *, bool);\t/* size 8 */\n");
	assert_int_equal(t->ref->kind, KS_CT_PTR);

	t = text("typedef struct {\n"
		 "\tint counter;\t/* 0 4 */\n"
		 "} atomic_t;\t/* size 4 */\n");
	assert_string_equal(t->name, "atomic_t");
	assert_int_equal(t->ref->kind, KS_CT_STRUCT);
	assert_int_equal(t->ref->nmembers, 1);
	assert_int_equal(t->ref->size, 4);
}

static void test_text_refused(void **state)
{
	static const char *const bad[] = {
		"",
		"struct a {\n",
		"struct a {\n};\n",				/* no size */
		"struct a {\n\tint x;\n};\t/* size 4 */\n",	/* no offset */
		"struct a {\n\t\tint x;\t/* 0 4 */\n};\t/* size 4 */\n",	/* depth */
		"struct a {\n\tint x;\t/* 0 4 */\n};\t/* size 4 */\nmore\n",
		"struct a {\n\tstruct {\t/* 0 4 */\n\t\tint x;\t/* 0 4 */\n};\t/* size 4 */\n",
		"enum e {\n\tA = x,\n};\t/* size 4 unsigned */\n",
		"func f {\t/* global */\n\tint return;\n};\n",
		"typedef int;\t/* size 4 */\n",
	};
	struct ks_ctype *t;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(ks_ctype_parse(g_a, bad[i], strlen(bad[i]), &g_abi, &t),
				 KS_EFORMAT);
}

static void test_abi(void **state)
{
	struct ks_ct_abi abi;
	struct ks_ctype *t;
	const char *name;

	(void)state;
	ks_ct_abi_for(&abi, "aarch64");
	assert_int_equal(ks_ctype_parse_decl(g_a, "char c", &abi, &t, &name), 0);
	assert_false(t->is_signed);
	ks_ct_abi_for(&abi, "i686");
	assert_int_equal(ks_ctype_parse_decl(g_a, "long int l", &abi, &t, &name), 0);
	assert_int_equal(t->size, 4);
	assert_int_equal(ks_ct_essential_len("task_struct___old"), 11);
	assert_int_equal(ks_ct_essential_len("task_struct"), 11);
	assert_int_equal(ks_ct_essential_len("a____b"), 6);	/* four: no flavor */
	assert_int_equal(ks_ct_essential_len("x___y___z"), 5);	/* the last one */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_decl_base_types, setup, teardown),
		cmocka_unit_test_setup_teardown(test_decl_declarators, setup, teardown),
		cmocka_unit_test_setup_teardown(test_decl_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_text_struct_nesting, setup, teardown),
		cmocka_unit_test_setup_teardown(test_text_pointer_to_anonymous, setup, teardown),
		cmocka_unit_test_setup_teardown(test_text_enum_and_typedefs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_text_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_abi, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
