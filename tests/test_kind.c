/* The kind table: names, parsing and KIND:NAME specs. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "ks_err.h"
#include "ks_kind.h"

static void test_kind_names_round_trip(void **state)
{
	enum ks_kind k, back;

	(void)state;
	for (k = 0; k < KS_KIND_COUNT; k++) {
		assert_int_equal(ks_kind_parse(ks_kind_name(k), (size_t)-1, &back), 0);
		assert_int_equal(back, k);
		assert_ptr_equal(ks_kind_canonical(ks_kind_name(k)), ks_kind_name(k));
	}
	assert_string_equal(ks_kind_name(KS_KIND_TRACEPOINT), "tracepoint");
	assert_string_equal(ks_kind_name(KS_KIND_COUNT), "?");
	assert_null(ks_kind_canonical("structs"));
	assert_int_equal(ks_kind_parse("structx", 6, &back), 0);
	assert_int_equal(back, KS_KIND_STRUCT);
	assert_int_equal(ks_kind_parse("enu", (size_t)-1, &back), KS_EINVAL);
	assert_non_null(strstr(ks_err_msg(), "unknown kind 'enu'"));
	assert_int_equal(ks_kind_parse("", 0, &back), KS_EINVAL);
}

static void test_kind_split(void **state)
{
	enum ks_kind k = KS_KIND_COUNT;
	const char *rest;
	int has;

	(void)state;
	assert_int_equal(ks_kind_split("enum:bpf_prog_type.BPF_PROG_TYPE_XDP", &has, &k, &rest), 0);
	assert_true(has);
	assert_int_equal(k, KS_KIND_ENUM);
	assert_string_equal(rest, "bpf_prog_type.BPF_PROG_TYPE_XDP");
	assert_int_equal(ks_kind_split("task_struct.pid", &has, &k, &rest), 0);
	assert_false(has);
	assert_string_equal(rest, "task_struct.pid");
	assert_int_equal(ks_kind_split("fn:vfs_read", &has, &k, &rest), KS_EINVAL);
	assert_false(has);
	assert_int_equal(ks_kind_split(":x", &has, &k, &rest), KS_EINVAL);
	assert_int_equal(ks_kind_split("func:", &has, &k, &rest), 0);
	assert_true(has);
	assert_string_equal(rest, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kind_names_round_trip),
		cmocka_unit_test(test_kind_split),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
