/* Unit tests for reading eBPF objects (btf/ks_bpfobj.c): programs and
 * attach points from section names, CO-RE records of .BTF.ext with
 * their local access spec, and one-line refusals of broken objects.
 * Each object is made here: BTF with libbpf's writer, .BTF.ext bytes
 * by the layout of libbpf's struct btf_ext_header, the ELF with
 * libelf; real clang objects are the e2e tests'. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ks_bpfobj.h"
#include "ks_buf.h"
#include "ks_err.h"
#include "ks_test_bpf.h"
#include "ks_test_elf.h"
#include "ks_test_fs.h"

#ifndef EM_BPF
#define EM_BPF 247
#endif

static char *write_obj(int machine, const struct ks_test_relo *relos, size_t n, size_t ext_cut,
		       int with_btf)
{
	static const unsigned char insns[16] = { 0xb7 };	/* r0 = 0; (and one more) */
	struct ks_buf btf = KS_BUF_INIT, ext = KS_BUF_INIT;
	static int seq;
	char *path, name[32];
	struct ks_test_sec secs[4];
	size_t ns = 0;

	snprintf(name, sizeof(name), "prog%d.bpf.o", seq++);
	path = ks_test_path(name);
	ks_test_bpf_sections(relos, n, &btf, &ext);
	secs[ns++] = (struct ks_test_sec){ "kprobe/vfs_read", insns, sizeof(insns) };
	secs[ns++] = (struct ks_test_sec){ "tracepoint/sched/sched_switch", insns, sizeof(insns) };
	if (with_btf)
		secs[ns++] = (struct ks_test_sec){ ".BTF", btf.p, btf.len };
	if (n)
		secs[ns++] = (struct ks_test_sec){ ".BTF.ext", ext.p,
						  ext_cut ? ext_cut : ext.len };
	assert_int_equal(ks_test_write_elf(path, machine, ET_REL, secs, ns), 0);
	ks_buf_free(&ext);
	ks_buf_free(&btf);
	return path;
}

static const struct ks_test_relo g_relos[] = {
	{ "kprobe/vfs_read", 0, "0:0", 0, 0 },		/* task.pid byte_off */
	{ "kprobe/vfs_read", 1, "0:1:1", 4, 0 },	/* task.b lshift, through the anonymous */
	{ "kprobe/vfs_read", 2, "0:2:3", 0, 0 },	/* task.comm[3] */
	{ "kprobe/vfs_read", 3, "1", 11, 1 },		/* mode::M_B value */
	{ "kprobe/vfs_read", 4, "0", 9, 0 },		/* struct task size */
};

static void test_reads_object(void **state)
{
	char *path = write_obj(EM_BPF, g_relos, 5, 0, 1);
	struct ks_prog *p;

	(void)state;
	assert_int_equal(ks_bpfobj_open(&p, path), 0);
	assert_int_equal(p->nprogs, 2);
	assert_string_equal(p->progs[0].section, "kprobe/vfs_read");
	assert_int_equal(p->progs[0].attach, KS_ATTACH_FUNC);
	assert_string_equal(p->progs[0].target, "vfs_read");
	assert_true(p->progs[0].by_symbol);
	assert_int_equal(p->progs[1].attach, KS_ATTACH_EVENT);
	assert_string_equal(p->progs[1].target, "sched/sched_switch");

	assert_int_equal(p->nrelos, 5);
	assert_int_equal(p->relos[0].kind, KS_RELO_FIELD_BYTE_OFFSET);
	assert_string_equal(p->relos[0].access, "struct task.pid");
	assert_int_equal(p->relos[0].nsteps, 2);
	assert_int_equal(p->relos[0].local_bit_offset, 0);
	/* the anonymous member is walked but leaves no named step */
	assert_string_equal(p->relos[1].access, "struct task.b");
	assert_int_equal(p->relos[1].nsteps, 2);
	assert_string_equal(p->relos[1].steps[1].name, "b");
	assert_int_equal(p->relos[1].local_bit_offset, 32 + 3);
	assert_string_equal(p->relos[2].access, "struct task.comm[3]");
	assert_int_equal(p->relos[2].nsteps, 3);
	assert_null(p->relos[2].steps[2].name);
	assert_int_equal(p->relos[2].local_bit_offset, 64 + 3 * 32);
	assert_string_equal(p->relos[3].access, "enum mode___new::M_B");
	assert_int_equal(p->relos[3].enum_value, -2);
	assert_int_equal(p->relos[4].kind, KS_RELO_TYPE_SIZE);
	assert_int_equal(p->relos[4].root->size, 72);
	assert_int_equal(p->relos[0].insn, 0);
	assert_int_equal(p->relos[4].insn, 4);
	ks_prog_free(p);
	free(path);
}

static void expect_refused(const char *path, const char *words)
{
	struct ks_prog *p = (void *)1;

	assert_int_equal(ks_bpfobj_open(&p, path), KS_EFORMAT);
	assert_null(p);
	if (!strstr(ks_err_msg(), words))
		fail_msg("message '%s' lacks '%s'", ks_err_msg(), words);
	assert_null(strchr(ks_err_msg(), '\n'));
}

static void test_refuses_broken_objects(void **state)
{
	static const struct ks_test_relo bad_member[] = { { "kprobe/vfs_read", 0, "0:9", 0, 0 } };
	static const struct ks_test_relo bad_index[] = { { "kprobe/vfs_read", 0, "0:2:16", 0, 0 } };
	static const struct ks_test_relo bad_kind[] = { { "kprobe/vfs_read", 0, "0:0", 99, 0 } };
	static const struct ks_test_relo bad_spec[] = { { "kprobe/vfs_read", 0, "0:x", 0, 0 } };
	static const struct ks_test_relo bad_type[] = { { "kprobe/vfs_read", 0, "1:0", 8, 0 } };
	static const struct ks_test_relo bad_enum[] = { { "kprobe/vfs_read", 0, "5", 10, 1 } };
	static const struct {
		int machine;
		const struct ks_test_relo *relos;
		size_t n, cut;
		int with_btf;
		const char *words;
	} cases[] = {
		{ 62 /* EM_X86_64 */, g_relos, 1, 0, 1, "not an eBPF object" },
		{ EM_BPF, g_relos, 0, 0, 0, "no .BTF section" },
		{ EM_BPF, g_relos, 5, 40, 1, ".BTF.ext is truncated" },	/* records cut */
		{ EM_BPF, g_relos, 5, 12, 1, ".BTF.ext is truncated" },	/* header cut */
		{ EM_BPF, bad_member, 1, 0, 1, "member index out of range" },
		{ EM_BPF, bad_index, 1, 0, 1, "array index out of range" },
		{ EM_BPF, bad_kind, 1, 0, 1, "unknown relocation kind" },
		{ EM_BPF, bad_spec, 1, 0, 1, "access string" },
		{ EM_BPF, bad_type, 1, 0, 1, "must be 0" },
		{ EM_BPF, bad_enum, 1, 0, 1, "enumerator index out of range" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *path = write_obj(cases[i].machine, cases[i].relos, cases[i].n, cases[i].cut,
				       cases[i].with_btf);

		expect_refused(path, cases[i].words);
		free(path);
	}

	/* not ELF at all */
	{
		char *f = ks_test_path("random.o");

		ks_test_write_file(f, "random bytes, not an object", 27);
		expect_refused(f, "not an ELF file");
		free(f);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reads_object),
		cmocka_unit_test(test_refuses_broken_objects),
	};

	return cmocka_run_group_tests(tests, ks_test_dir_setup, ks_test_dir_teardown);
}
