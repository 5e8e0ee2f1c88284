/* Unit tests of common/ks_distro: detection from release strings (real
 * ones, from btfhub-archive, Debian, Ubuntu, Fedora and Amazon Linux, and
 * the names this project's tests import), the Linux banner, every
 * distro's version order and the upstream base version. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "ks_distro.h"
#include "ks_err.h"

static void expect_distro(const char *release, const char *distro)
{
	const char *why = "unset";
	const char *d = ks_distro_from_release(release, &why);

	if (!distro) {
		if (d)
			fail_msg("%s: detected as %s, expected nothing", release ? release : "(null)",
				 d);
		assert_null(why);
		return;
	}
	if (!d || strcmp(d, distro))
		fail_msg("%s: detected as %s, expected %s", release, d ? d : "(null)",
			 distro);
	assert_non_null(why);
	assert_int_equal(ks_distro_check_name(d), 0);
}

static void test_distro_from_release(void **state)
{
	(void)state;
	/* btfhub-archive */
	expect_distro("4.18.0-147.5.1.el8_1.aarch64", "rhel");
	expect_distro("3.10.0-1160.el7.x86_64", "rhel");
	expect_distro("4.19.90-24.4.v2101.ky10.aarch64", "kylin");
	expect_distro("4.19.90-2107.6.0.0248.35.oe1.bclinux.x86_64", "bclinux");
	expect_distro("5.10.0-60.18.0.50.oe2203.x86_64", "openeuler");
	expect_distro("4.19.90-2003.4.0.0036.oe1.aarch64", "openeuler");
	/* Debian, and the names this project's tests import */
	expect_distro("6.1.0-47-amd64", "debian");
	expect_distro("6.12.117+deb12-arm64", "debian");
	expect_distro("6.1.0-47-cloud-amd64", "debian");
	expect_distro("6.1.0-47-rt-amd64", "debian");
	expect_distro("6.1.0-47-generic-amd64", "debian");
	expect_distro("6.12.117-generic-amd64", "debian");
	expect_distro("6.12.117-cloud-amd64", "debian");
	expect_distro("6.12.117-generic-arm64", "debian");
	expect_distro("6.12.117+deb13", "debian");
	/* Ubuntu */
	expect_distro("5.15.0-91-generic", "ubuntu");
	expect_distro("6.5.0-1014-aws", "ubuntu");
	expect_distro("5.4.0-1109-azure", "ubuntu");
	expect_distro("6.8.0-1007-gcp", "ubuntu");
	expect_distro("5.15.0-91-lowlatency", "ubuntu");
	expect_distro("6.8.0-1005-oracle", "ubuntu");
	expect_distro("5.15.0-1050-kvm", "ubuntu");
	/* Fedora, Amazon Linux */
	expect_distro("6.5.6-300.fc39.x86_64", "fedora");
	expect_distro("5.10.201-191.748.amzn2.x86_64", "amzn");
	expect_distro("6.1.61-85.141.amzn2023.x86_64", "amzn");
	/* kernel.org */
	expect_distro("6.8.1", "upstream");
	expect_distro("6.8.0-rc3", "upstream");
	expect_distro("6.8", "upstream");
	/* nothing that says */
	expect_distro("6.8.1-custom", NULL);
	expect_distro("5.15.0-91-generic-foo", NULL);
	expect_distro("5.15.0-generic", NULL);
	expect_distro("4.19.90-1.elfoo.x86_64", NULL);
	expect_distro("vmlinux", NULL);
	expect_distro("", NULL);
	expect_distro(NULL, NULL);
	/* the why names the rule */
	{
		const char *why;

		assert_string_equal(ks_distro_from_release("4.19.90-24.4.v2101.ky10.aarch64",
							   &why), "kylin");
		assert_non_null(strstr(why, ".ky"));
		assert_string_equal(ks_distro_from_release("6.1.0-47-amd64", NULL), "debian");
	}
}

static void test_distro_from_banner(void **state)
{
	static const char ubuntu[] = "5.15.0-91-generic (buildd@lcy02-amd64-045) "
		"(gcc (Ubuntu 11.4.0-1ubuntu1~22.04) 11.4.0, GNU ld (GNU Binutils "
		"for Ubuntu) 2.38) #101-Ubuntu SMP Tue Nov 14 13:30:08 UTC 2023\n";
	static const char debian[] = "6.1.0-47-amd64 (debian-kernel@lists.debian.org) "
		"(gcc-12 (Debian 12.2.0-14) 12.2.0) #1 SMP PREEMPT_DYNAMIC Debian "
		"6.1.158-1\n";
	static const char redhat[] = "4.18.0-147.5.1.el8_1.aarch64 (mockbuild@aarch64-"
		"01.mbox.centos.org) (gcc version 8.3.1 20190507 (Red Hat 8.3.1-4) "
		"(GCC)) #1 SMP Wed Feb 5 02:19:10 UTC 2020\n";
	static const char plain[] = "6.8.1 (me@box) (gcc 13.2.0) #1 SMP\nUbuntu later";
	const char *why = "unset";

	(void)state;
	assert_string_equal(ks_distro_from_banner(ubuntu, sizeof(ubuntu), &why), "ubuntu");
	assert_non_null(strstr(why, "Ubuntu"));
	assert_string_equal(ks_distro_from_banner(debian, sizeof(debian), &why), "debian");
	assert_string_equal(ks_distro_from_banner(redhat, sizeof(redhat), &why), "rhel");
	/* only the banner's line counts, and only @len bytes of it */
	assert_null(ks_distro_from_banner(plain, sizeof(plain), &why));
	assert_null(why);
	assert_null(ks_distro_from_banner(debian, 20, NULL));
}

/* @v sorted ascending: every pair compares the right way round, and a
 * string only equals itself. */
static void expect_order(const char *distro, const char *const *v, size_t n)
{
	size_t i, j;

	for (i = 0; i < n; i++) {
		assert_int_equal(ks_distro_version_cmp(distro, v[i], v[i]), 0);
		for (j = i + 1; j < n; j++) {
			int c = ks_distro_version_cmp(distro, v[i], v[j]);

			if (c >= 0)
				fail_msg("%s: %s should sort before %s (got %d)", distro,
					 v[i], v[j], c);
			assert_true(ks_distro_version_cmp(distro, v[j], v[i]) > 0);
		}
	}
}

#define ORDER(distro, ...)                                                        \
	do {                                                                      \
		static const char *const v_[] = { __VA_ARGS__ };                   \
		expect_order(distro, v_, sizeof(v_) / sizeof(v_[0]));              \
	} while (0)

static void test_distro_version_order(void **state)
{
	(void)state;
	ORDER("rhel", "4.18.0-147.el8.aarch64", "4.18.0-147.5.1.el8_1.aarch64",
	      "4.18.0-147.8.1.el8_1.aarch64", "4.18.0-193.el8.aarch64",
	      "4.18.0-193.28.1.el8_2.aarch64", "4.18.0-240.el8.aarch64");
	ORDER("centos", "4.18.0-147.5.1", "4.18.0-147.8.1", "4.18.0-193");
	ORDER("kylin", "4.19.90-24.4.v2101.ky10.aarch64", "4.19.90-25.41.v2101.ky10.aarch64",
	      "4.19.90-52.22.v2207.ky10.aarch64");
	ORDER("amzn", "5.10.201-191.748.amzn2.x86_64", "5.10.210-201.852.amzn2.x86_64");
	ORDER("fedora", "6.5.6-300.fc39.x86_64", "6.5.12-300.fc39.x86_64",
	      "6.10.3-200.fc40.x86_64");
	ORDER("ubuntu", "5.15.0-91-generic", "5.15.0-91.101-generic", "5.15.0-91.103-generic",
	      "5.15.0-100-generic", "6.5.0-9-generic", "6.5.0-1014-generic");
	ORDER("debian", "6.1.0-47-amd64", "6.1.0-100-amd64", "6.12.100+deb12-amd64",
	      "6.12.117~bpo12-amd64", "6.12.117-amd64", "6.12.117+deb12-amd64");
	ORDER("debian", "6.1.0-47-generic-amd64", "6.1.0-100-generic-amd64",
	      "6.12.100-generic-amd64", "6.12.117-generic-amd64");
	ORDER("debian", "6.12.100+deb12", "6.12.117+deb12");
	ORDER("upstream", "6.8.0-rc1", "6.8.0-rc3", "6.8.0-rc10", "6.8.0", "6.8.1",
	      "6.10.0");
	ORDER("unknown", "4.8", "4.10", "4.10.1", "5.0");
	ORDER(NULL, "4.8", "4.10");
	/* equal by the scheme but not the same string: still ordered */
	assert_int_not_equal(ks_distro_version_cmp("rhel", "4.18.0-193.el8.aarch64",
						   "4.18.0-193.el8.x86_64"), 0);
	assert_int_not_equal(ks_distro_version_cmp("debian", "6.1.0-47-amd64",
						   "6.1.0-47-cloud-amd64"), 0);
	assert_int_not_equal(ks_distro_version_cmp("ubuntu", "4.08", "4.8"), 0);
	assert_int_equal(ks_distro_version_cmp("ubuntu", "4.08", "4.8"),
			 -ks_distro_version_cmp("ubuntu", "4.8", "4.08"));
	/* the natural order the store's callers use */
	assert_int_equal(ks_version_cmp("4.8", "4.10"), -1);
	assert_int_equal(ks_version_cmp("6.1", "6.1.0"), -1);
	assert_int_not_equal(ks_version_cmp("4.08", "4.8"), 0);
}

static const char *sort_distro;

static int by_distro(const void *a, const void *b)
{
	return ks_distro_version_cmp(sort_distro, *(const char *const *)a,
				     *(const char *const *)b);
}

/* qsort of a shuffled copy gives the sorted list back, whatever the
 * starting order. */
static void expect_sorts(const char *distro, const char *const *sorted, size_t n)
{
	const char **v = calloc(n, sizeof(*v));
	unsigned int seed = 13, round;
	size_t i;

	assert_non_null(v);
	sort_distro = distro;
	for (round = 0; round < 20; round++) {
		memcpy(v, sorted, n * sizeof(*v));
		for (i = n - 1; i > 0; i--) {
			size_t j;
			const char *t;

			seed = seed * 1103515245u + 12345u;
			j = (seed >> 8) % (i + 1);
			t = v[i];
			v[i] = v[j];
			v[j] = t;
		}
		qsort(v, n, sizeof(*v), by_distro);
		for (i = 0; i < n; i++)
			assert_string_equal(v[i], sorted[i]);
	}
	free(v);
}

static void test_distro_sort_shuffled(void **state)
{
	static const char *const rhel[] = {
		"4.18.0-80.el8.x86_64", "4.18.0-147.el8.x86_64",
		"4.18.0-147.0.3.el8_1.x86_64", "4.18.0-147.5.1.el8_1.aarch64",
		"4.18.0-147.5.1.el8_1.x86_64", "4.18.0-147.8.1.el8_1.x86_64",
		"4.18.0-193.el8.x86_64", "4.18.0-193.1.2.el8_2.x86_64",
		"4.18.0-305.el8.x86_64", "5.14.0-70.13.1.el9_0.x86_64",
	};
	static const char *const kylin[] = {
		"4.19.90-24.4.v2101.ky10.aarch64", "4.19.90-25.41.v2101.ky10.aarch64",
		"4.19.90-52.22.v2207.ky10.aarch64",
	};
	static const char *const debian[] = {
		"5.10.0-9-amd64", "5.10.0-30-amd64", "6.1.0-9-amd64", "6.1.0-47-amd64",
		"6.1.0-100-amd64", "6.12.9+bpo-amd64", "6.12.100+deb12-amd64",
		"6.12.117~rc1-amd64", "6.12.117+deb12-amd64", "6.12.117+deb13-amd64",
	};
	static const char *const ubuntu[] = {
		"5.4.0-91-generic", "5.15.0-9-generic", "5.15.0-91-generic",
		"5.15.0-100-generic", "6.5.0-14-generic", "6.5.0-1014-aws",
	};

	(void)state;
	expect_sorts("rhel", rhel, sizeof(rhel) / sizeof(rhel[0]));
	expect_sorts("kylin", kylin, sizeof(kylin) / sizeof(kylin[0]));
	expect_sorts("debian", debian, sizeof(debian) / sizeof(debian[0]));
	expect_sorts("ubuntu", ubuntu, sizeof(ubuntu) / sizeof(ubuntu[0]));
}

static void expect_upstream(const char *distro, const char *release, const char *up)
{
	char *s = ks_distro_upstream(distro, release);

	assert_non_null(s);
	assert_string_equal(s, up);
	free(s);
}

static void test_distro_upstream(void **state)
{
	(void)state;
	expect_upstream("debian", "6.12.117+deb12-amd64", "6.12.117");
	expect_upstream("debian", "6.1.0-47-amd64", "6.1.0");
	expect_upstream("debian", "6.1.0-47-generic-amd64", "6.1.0");
	expect_upstream("rhel", "4.18.0-147.5.1.el8_1.aarch64", "4.18.0");
	expect_upstream("centos", "4.18.0-147.5.1.el8_1.aarch64", "4.18.0");
	expect_upstream("kylin", "4.19.90-24.4.v2101.ky10.aarch64", "4.19.90");
	expect_upstream("bclinux", "4.19.90-2107.6.0.0248.35.oe1.bclinux.x86_64", "4.19.90");
	expect_upstream("ubuntu", "5.15.0-91-generic", "5.15.0");
	expect_upstream("fedora", "6.5.6-300.fc39.x86_64", "6.5.6");
	expect_upstream("amzn", "6.1.61-85.141.amzn2023.x86_64", "6.1.61");
	expect_upstream("upstream", "6.8.1", "6.8.1");
	expect_upstream("upstream", "6.8", "6.8");
	expect_upstream("upstream", "6.8.0-rc3", "6.8.0-rc3");
	/* a distro's "-rc" is no release candidate of kernel.org's */
	expect_upstream("unknown", "6.8.0-rc3", "6.8.0");
	expect_upstream("unknown", "vmlinux", "vmlinux");
}

static void expect_abi(const char *release, const char *abi)
{
	char *s = ks_distro_abi(release);

	assert_string_equal(s, abi);
	free(s);
}

/* Releases of different distros line up by upstream version; a series
 * ("6.1.0" of Debian's 6.1.0-47) meets any stable release of it. */
static void test_distro_upstream_match(void **state)
{
	(void)state;
	assert_int_equal(ks_distro_upstream_match("4.19.90", "4.19.90"), 2);
	assert_int_equal(ks_distro_upstream_match("4.18", "4.18.0"), 2);
	assert_int_equal(ks_distro_upstream_match("4.18.0", "4.18"), 2);
	assert_int_equal(ks_distro_upstream_match("6.1.0", "6.1.170"), 1);
	assert_int_equal(ks_distro_upstream_match("6.1.170", "6.1"), 1);
	assert_int_equal(ks_distro_upstream_match("4.19.90", "4.19.100"), 0);
	assert_int_equal(ks_distro_upstream_match("6.1.0", "6.10.0"), 0);
	assert_int_equal(ks_distro_upstream_match("6.1", "6.12.3"), 0);
	assert_int_equal(ks_distro_upstream_match("6.8.0-rc3", "6.8.0"), 0);
	assert_int_equal(ks_distro_upstream_match("6.8.0-rc3", "6.8.0-rc3"), 2);
	assert_int_equal(ks_distro_upstream_match("5", "5.4.0"), 0);
	assert_int_equal(ks_distro_upstream_match("", "5.4.0"), 0);
	assert_int_equal(ks_distro_upstream_match("x", "x"), 2);

	expect_abi("6.1.0-47-cloud-amd64", "6.1.0-47");
	expect_abi("4.18.0-147.5.1.el8_1.aarch64", "4.18.0-147.5.1");
	expect_abi("6.12.117+deb12-arm64", "6.12.117");
	expect_abi("6.8", "6.8");
	expect_abi("vmlinux", "vmlinux");
	expect_abi("", "");
}

static void test_distro_check_name(void **state)
{
	(void)state;
	assert_int_equal(ks_distro_check_name("opensuse-leap"), 0);
	assert_int_equal(ks_distro_check_name("ol"), 0);
	assert_int_equal(ks_distro_check_name("Ubuntu"), KS_EINVAL);
	assert_int_equal(ks_distro_check_name("-x"), KS_EINVAL);
	assert_int_equal(ks_distro_check_name("a/b"), KS_EINVAL);
	assert_int_equal(ks_distro_check_name(""), KS_EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_distro_from_release),
		cmocka_unit_test(test_distro_from_banner),
		cmocka_unit_test(test_distro_version_order),
		cmocka_unit_test(test_distro_sort_shuffled),
		cmocka_unit_test(test_distro_upstream),
		cmocka_unit_test(test_distro_upstream_match),
		cmocka_unit_test(test_distro_check_name),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
