/* Unit tests of btf/ks_input: detection by content, release/arch/flavor
 * rules, and every kind of bad file. Inputs are written by the tests:
 * raw BTF from libbpf's writer, ELF files through libelf. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <bpf/btf.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ks_buf.h"
#include "ks_canon.h"
#include "ks_err.h"
#include "ks_test_fs.h"
#include "ks_hash.h"
#include "ks_input.h"
#include "ks_test_elf.h"

/* A small BTF: struct task { int pid; }; returned as raw bytes. */
static void *tiny_btf(size_t *len)
{
	struct btf *btf = btf__new_empty();
	const void *raw;
	__u32 sz;
	void *copy;
	int i32 = btf__add_int(btf, "int", 4, BTF_INT_SIGNED);

	btf__add_struct(btf, "task", 4);
	btf__add_field(btf, "pid", i32, 0, 0);
	raw = btf__raw_data(btf, &sz);
	copy = ks_xmalloc(sz);
	memcpy(copy, raw, sz);
	*len = sz;
	btf__free(btf);
	return copy;
}

#define sec ks_test_sec

static void write_elf(const char *path, int machine, int type, const struct sec *secs,
		      size_t nsecs)
{
	assert_int_equal(ks_test_write_elf(path, machine, type, secs, nsecs), 0);
}

static void test_input_raw_btf(void **state)
{
	size_t len;
	void *raw = tiny_btf(&len);
	char *p = ks_test_path("5.4.0-91-generic.btf");
	unsigned char sum[32];
	struct ks_input *in = NULL;

	(void)state;
	ks_test_write_file(p, raw, len);
	assert_int_equal(ks_input_open(&in, p, NULL), 0);
	assert_int_equal(in->kind, KS_INPUT_RAW);
	assert_string_equal(in->release, "5.4.0-91-generic");
	assert_null(in->arch);
	assert_int_equal(btf__type_cnt(in->btf), 3);
	ks_sha256(sum, raw, len);
	assert_memory_equal(in->sha256, sum, 32);
	ks_input_free(in);
	free(p);

	/* a name that is no release gives no release */
	p = ks_test_path("vmlinux");
	ks_test_write_file(p, raw, len);
	assert_int_equal(ks_input_open(&in, p, NULL), 0);
	assert_null(in->release);
	ks_input_free(in);
	free(p);
	free(raw);
}

static void test_input_elf_banner_and_arch(void **state)
{
	static const char banner[] =
		"xx\0Linux version 6.9.0-1-cloud-arm64 (builder@host) #1 SMP\n";
	size_t len;
	void *raw = tiny_btf(&len);
	struct sec secs[] = {
		{ ".rodata", banner, sizeof(banner) },
		{ ".BTF", raw, len },
	};
	char *p = ks_test_path("vmlinux-elf");
	unsigned char sum[32];
	struct ks_input *in = NULL;

	(void)state;
	write_elf(p, EM_AARCH64, ET_EXEC, secs, 2);
	assert_int_equal(ks_input_open(&in, p, NULL), 0);
	assert_int_equal(in->kind, KS_INPUT_ELF);
	assert_string_equal(in->release, "6.9.0-1-cloud-arm64");
	assert_string_equal(in->arch, "aarch64");
	/* the digest is of the BTF bytes: raw and ELF give the same one */
	ks_sha256(sum, raw, len);
	assert_memory_equal(in->sha256, sum, 32);
	ks_input_free(in);
	free(p);
	free(raw);
}

static void test_input_module_needs_base(void **state)
{
	static const char modinfo[] = "license=GPL\0vermagic=6.1.0-47-amd64 SMP mod_unload\0";
	size_t len;
	void *raw = tiny_btf(&len);
	struct sec secs[] = {
		{ ".modinfo", modinfo, sizeof(modinfo) },
		{ ".BTF", raw, len },
	};
	char *p = ks_test_path("mod.ko");
	struct ks_input *in = NULL;

	(void)state;
	write_elf(p, EM_X86_64, ET_REL, secs, 2);
	assert_int_equal(ks_input_open(&in, p, NULL), KS_EINVAL);
	assert_non_null(strstr(ks_err_msg(), "--base"));
	assert_non_null(strstr(ks_err_msg(), p));
	free(p);
	free(raw);
}

/* A module's .BTF is split BTF: its types refer to the vmlinux's by id. */
static void test_input_module_split_btf(void **state)
{
	static const char modinfo[] = "vermagic=6.1.0-47-cloud-amd64 SMP mod_unload\0";
	size_t blen;
	void *braw = tiny_btf(&blen);
	char *bpath = ks_test_path("vmlinux.raw"), *mpath = ks_test_path("nf.ko");
	struct ks_input *base = NULL, *mod = NULL;
	struct ks_snapshot *set = ks_snapshot_new();
	struct btf *split;
	const void *mraw;
	__u32 mlen;
	int ptr;

	(void)state;
	ks_test_write_file(bpath, braw, blen);
	assert_int_equal(ks_input_open(&base, bpath, NULL), 0);
	split = btf__new_empty_split(base->btf);
	ptr = btf__add_ptr(split, 2);		/* struct task * */
	btf__add_struct(split, "nf_conn", 16);
	btf__add_field(split, "owner", ptr, 0, 0);
	btf__add_field(split, "mark", 1, 64, 0);	/* int from the base */
	mraw = btf__raw_data(split, &mlen);
	{
		struct sec secs[] = {
			{ ".modinfo", modinfo, sizeof(modinfo) },
			{ ".BTF", mraw, mlen },
		};

		write_elf(mpath, EM_X86_64, ET_REL, secs, 2);
	}
	assert_int_equal(ks_input_open(&mod, mpath, base->btf), 0);
	assert_int_equal(mod->kind, KS_INPUT_MODULE);
	assert_string_equal(mod->release, "6.1.0-47-cloud-amd64");
	assert_int_equal(mod->start_id, btf__type_cnt(base->btf));
	/* only the module's own types, rendered against the base's names */
	assert_int_equal(ks_canon_add_btf(set, mod->btf, mod->start_id), 0);
	ks_snapshot_finish(set);
	assert_int_equal(set->n, 1);
	assert_string_equal(set->entries[0].text,
			    "struct nf_conn {\n"
			    "\tstruct task *owner;\t/* 0 8 */\n"
			    "\tint mark;\t/* 8 4 */\n"
			    "};\t/* size 16 */\n");
	ks_snapshot_free(set);
	ks_input_free(mod);
	ks_input_free(base);
	btf__free(split);
	free(braw);
	free(bpath);
	free(mpath);
}

static void test_input_bad_files(void **state)
{
	size_t len, i;
	void *raw = tiny_btf(&len);
	struct ks_input *in = NULL;
	char random[4096];
	struct sec nobtf[] = { { ".text", "\xc3", 1 } };
	struct {
		const char *name;
		const void *data;
		size_t len;
		int err;
		const char *says;
	} cases[] = {
		{ "empty", "", 0, KS_ENOTKERNEL, "empty" },
		{ "random", random, sizeof(random), KS_ENOTKERNEL, "unrecognised" },
		{ "truncated.btf", raw, len - 5, KS_EFORMAT, "BTF" },
		{ "header-only.btf", raw, 24, KS_EFORMAT, "BTF" },
		{ "magic.btf", raw, 2, KS_EFORMAT, "BTF" },
		{ "elfmagic", "\x7f" "ELF\2\1\1", 7, KS_EFORMAT, "ELF" },
	};
	char *p;

	(void)state;
	srand(1);
	for (i = 0; i < sizeof(random); i++)
		random[i] = (char)(rand() & 0xff);
	random[0] = 'X';
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		p = ks_test_path(cases[i].name);
		ks_test_write_file(p, cases[i].data, cases[i].len);
		assert_int_equal(ks_input_open(&in, p, NULL), cases[i].err);
		assert_non_null(strstr(ks_err_msg(), p));
		assert_non_null(strstr(ks_err_msg(), cases[i].says));
		free(p);
	}
	p = ks_test_path("nobtf.elf");
	write_elf(p, EM_X86_64, ET_EXEC, nobtf, 1);
	assert_int_equal(ks_input_open(&in, p, NULL), KS_EFORMAT);
	assert_non_null(strstr(ks_err_msg(), "no .BTF"));
	free(p);
	p = ks_test_path("missing");
	assert_int_equal(ks_input_open(&in, p, NULL), KS_ENOTFOUND);
	free(p);
	assert_int_equal(ks_input_open(&in, ks_test_dir, NULL), KS_EFORMAT);
	assert_non_null(strstr(ks_err_msg(), "directory"));
	free(raw);
}

static void test_input_release_rules(void **state)
{
	static const struct {
		const char *release, *arch, *flavor;
	} rules[] = {
		{ "6.1.0-47-amd64", "x86_64", "generic" },
		{ "6.1.0-47-cloud-amd64", "x86_64", "cloud" },
		{ "6.1.0-47-rt-amd64", "x86_64", "rt" },
		{ "6.12.117+deb12-arm64", "aarch64", "generic" },
		{ "5.4.0-91-generic", NULL, "generic" },
		{ "5.4.0-1029-aws", NULL, "aws" },
		{ "5.15.0-1019-azure", NULL, "azure" },
		{ "5.15.0-1019-gcp", NULL, "gcp" },
		{ "5.4.0-42-lowlatency", NULL, "lowlatency" },
		{ "4.18.0-147.5.1.el8_1.aarch64", "aarch64", "generic" },
		{ "4.19.90-2107.6.0.0248.35.oe1.bclinux.x86_64", "x86_64", "generic" },
		{ "6.18.44-fc-v669", NULL, "generic" },
	};
	size_t i;
	char *r;

	(void)state;
	for (i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
		const char *a = ks_release_arch(rules[i].release);

		if (rules[i].arch)
			assert_string_equal(a, rules[i].arch);
		else
			assert_null(a);
		assert_string_equal(ks_release_flavor(rules[i].release), rules[i].flavor);
	}
	r = ks_input_release_from_filename("/x/5.4.0-91-generic.btf");
	assert_string_equal(r, "5.4.0-91-generic");
	free(r);
	assert_null(ks_input_release_from_filename("/x/vmlinux.btf"));
	assert_null(ks_input_release_from_filename("/x/5.4.0-91-generic"));
}

/* mkdir -p of @rel below the test folder. */
static void make_dirs(const char *rel)
{
	char *p = ks_test_path(rel), *q;

	for (q = p + strlen(ks_test_dir) + 1; (q = strchr(q, '/')); q++) {
		*q = 0;
		mkdir(p, 0755);
		*q = '/';
	}
	mkdir(p, 0755);
	free(p);
}

/* The btfhub-archive tree names the distro, over the release string. */
static void test_input_distro_from_btfhub_path(void **state)
{
	static const struct {
		const char *path, *distro;
	} paths[] = {
		{ "/a/btfhub-archive/centos/8/arm64/4.18.0-147.5.1.el8_1.aarch64.btf.tar.xz",
		  "centos" },
		{ "ubuntu/20.04/x86_64/5.4.0-91-generic.btf.tar.xz", "ubuntu" },
		{ "x/amzn/2/x86_64/5.10.201-191.748.amzn2.x86_64.btf", "amzn" },
		{ "x/opensuse-leap/15.3/x86_64/5.3.18-57-default.btf.tar.xz", "opensuse-leap" },
		{ "x/kylin/v10/arm64/4.19.90-24.4.v2101.ky10.aarch64.btf.tar.xz", "kylin" },
		{ "x/kylin/ten/arm64/4.19.90-24.4.v2101.ky10.aarch64.btf.tar.xz", NULL },
		{ "x/centos/8\x1b[31m/arm64/4.18.0-147.5.1.el8_1.aarch64.btf.tar.xz", NULL },
		{ "x/centos/8/sparc/4.18.0-147.5.1.el8_1.btf.tar.xz", NULL },
		{ "x/CentOS/8/arm64/4.18.0-147.5.1.el8_1.aarch64.btf.tar.xz", NULL },
		{ "x/centos/8/arm64/4.18.0-147.5.1.el8_1.aarch64.tar.xz", NULL },
		{ "8/arm64/4.18.0-147.5.1.el8_1.aarch64.btf.tar.xz", NULL },
		{ "/8/arm64/4.18.0-147.5.1.el8_1.aarch64.btf.tar.xz", NULL },
		{ "4.18.0-147.5.1.el8_1.aarch64.btf", NULL },
	};
	size_t i, len;
	void *raw = tiny_btf(&len);
	struct ks_input *in = NULL;
	const char *why;
	char *p, *d, *w;

	(void)state;
	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		w = (char *)"unset";
		d = ks_input_distro_from_path(paths[i].path, &w);
		if (!paths[i].distro) {
			if (d)
				fail_msg("%s: distro %s, expected none", paths[i].path, d);
			assert_null(w);
			continue;
		}
		if (!d || strcmp(d, paths[i].distro))
			fail_msg("%s: distro %s, expected %s", paths[i].path, d ? d : "(null)",
				 paths[i].distro);
		assert_non_null(strstr(w, "btfhub-archive path"));
		free(d);
		free(w);
	}
	d = ks_input_distro_from_path("h/centos/8/arm64/4.18.0-147.5.1.el8_1.aarch64.btf.tar.xz",
				      &w);
	assert_string_equal(w, "the btfhub-archive path centos/8/arm64/");
	free(d);
	free(w);

	/* an opened input: the path says centos where the release says rhel */
	make_dirs("hub/centos/8/arm64");
	p = ks_test_path("hub/centos/8/arm64/4.18.0-147.5.1.el8_1.aarch64.btf");
	ks_test_write_file(p, raw, len);
	assert_int_equal(ks_input_open(&in, p, NULL), 0);
	assert_string_equal(in->release, "4.18.0-147.5.1.el8_1.aarch64");
	assert_string_equal(in->distro, "centos");
	assert_string_equal(in->distro_why, "the btfhub-archive path centos/8/arm64/");
	assert_string_equal(ks_input_distro(in, "4.19.90-1.ky10.aarch64", &why), "centos");
	ks_input_free(in);
	free(p);
	free(raw);
}

/* Without a package or a path: the release string, then the banner. */
static void test_input_distro_from_release_and_banner(void **state)
{
	static const char ubuntu[] = "\0Linux version 6.9.0-custom (b@h) (gcc (Ubuntu "
		"11.4.0-1ubuntu1~22.04) 11.4.0) #1 SMP\n";
	static const char redhat[] = "\0Linux version 6.1.0-47-amd64 (b@h) (gcc 8.3.1 "
		"(Red Hat 8.3.1-4)) #1 SMP\n";
	static const char plain[] = "\0Linux version 6.9.0-custom (b@h) (gcc 13) #1\n"
		"Ubuntu elsewhere in .rodata";
	size_t len;
	void *raw = tiny_btf(&len);
	struct sec secs[] = { { ".rodata", ubuntu, sizeof(ubuntu) }, { ".BTF", raw, len } };
	struct ks_input *in = NULL;
	const char *why;
	char *p;

	(void)state;
	/* raw BTF: the file name's release */
	p = ks_test_path("5.15.0-91-generic.btf");
	ks_test_write_file(p, raw, len);
	assert_int_equal(ks_input_open(&in, p, NULL), 0);
	assert_string_equal(in->distro, "ubuntu");
	assert_non_null(strstr(in->distro_why, "release"));
	/* the release import records (--release) decides, not the file's */
	assert_string_equal(ks_input_distro(in, "4.19.90-24.4.v2101.ky10.aarch64", &why),
			    "kylin");
	assert_non_null(strstr(why, ".ky"));
	assert_null(ks_input_distro(in, "6.9.0-custom", &why));
	assert_null(why);
	ks_input_free(in);
	free(p);

	/* a release that says nothing: the banner's toolchain */
	p = ks_test_path("vmlinux-ubuntu");
	write_elf(p, EM_X86_64, ET_EXEC, secs, 2);
	assert_int_equal(ks_input_open(&in, p, NULL), 0);
	assert_string_equal(in->release, "6.9.0-custom");
	assert_string_equal(in->distro, "ubuntu");
	assert_string_equal(in->distro_why, "the Linux banner names Ubuntu");
	ks_input_free(in);
	free(p);

	/* the release string outranks the banner */
	secs[0].data = redhat;
	secs[0].len = sizeof(redhat);
	p = ks_test_path("vmlinux-redhat");
	write_elf(p, EM_X86_64, ET_EXEC, secs, 2);
	assert_int_equal(ks_input_open(&in, p, NULL), 0);
	assert_string_equal(in->distro, "debian");
	assert_string_equal(ks_input_distro(in, "6.9.0-custom", &why), "rhel");
	assert_string_equal(why, "the Linux banner names Red Hat");
	ks_input_free(in);
	free(p);

	/* nothing says: no guess (only the banner's own line is read) */
	secs[0].data = plain;
	secs[0].len = sizeof(plain);
	p = ks_test_path("vmlinux-plain");
	write_elf(p, EM_X86_64, ET_EXEC, secs, 2);
	assert_int_equal(ks_input_open(&in, p, NULL), 0);
	assert_null(in->distro);
	assert_null(in->distro_why);
	ks_input_free(in);
	free(p);
	free(raw);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_input_raw_btf),
		cmocka_unit_test(test_input_elf_banner_and_arch),
		cmocka_unit_test(test_input_module_needs_base),
		cmocka_unit_test(test_input_module_split_btf),
		cmocka_unit_test(test_input_bad_files),
		cmocka_unit_test(test_input_release_rules),
		cmocka_unit_test(test_input_distro_from_btfhub_path),
		cmocka_unit_test(test_input_distro_from_release_and_banner),
	};

	return cmocka_run_group_tests(tests, ks_test_dir_setup, ks_test_dir_teardown);
}
