/* libFuzzer harness: one input file the way `kstruct import FILE` reads
 * it: unwrapping (ks_unpack: compressions, tar, .deb, bzImage, EFI zboot,
 * arm64 Image), detection and parsing (ks_input: raw BTF, ELF vmlinux,
 * kernel module over a base), then the canonical text of every kind
 * (ks_canon: struct and union; ks_canon_kinds: enum, typedef, func and
 * the kinds over them). What import accepts (ks_btf_check refuses what the
 * kernel's verifier would) the printer must write, and what the printer
 * writes the reader (ks_canon_parse) must take, each member where BTF has
 * it.
 *
 * ks_input_open() reads a path, so the bytes go to a memfd opened as
 * /proc/self/fd/N: nothing is written to disk. */
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <git2.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz_common.h"
#include "ks_canon.h"
#include "ks_canon_parse.h"
#include "ks_diff.h"
#include "ks_err.h"
#include "ks_input.h"
#include "ks_store.h"
#include "ks_unpack.h"

static int memfd = -1;
static char path[64];
static struct btf *base;
static int verbose;	/* KS_FUZZ_VERBOSE=1: what each input gave (for seeds) */

static int quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	(void)level;
	(void)fmt;
	(void)ap;
	return 0;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	libbpf_set_print(quiet);
	git_libgit2_init();
	/* Decompression bombs are refused at this size, not at 2 GiB: the
	 * fuzzer's memory limit is 2 GiB. */
	ks_unpack_limit = (size_t)64 << 20;
	memfd = memfd_create("kstruct-fuzz-input", MFD_CLOEXEC);
	if (memfd < 0) {
		perror("memfd_create");
		abort();
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", memfd);
	base = ks_fuzz_base_btf();
	verbose = getenv("KS_FUZZ_VERBOSE") != NULL;
	return 0;
}

/* Every text the printer writes is canonical: the reader takes it. */
static void check_set(const struct ks_snapshot *set)
{
	size_t i;

	for (i = 0; i < set->n; i++) {
		const struct ks_snapshot_entry *ct = &set->entries[i];
		struct ks_def *d = NULL;
		int err = ks_canon_parse(&d, ct->text, ct->len);

		KS_FUZZ_CHECK(!err, "%s %s: own canonical text does not read back: "
			      "%s\n%s", ct->kind, ct->name, ks_err_msg(), ct->text);
		KS_FUZZ_CHECK(!strcmp(d->kind, ct->kind), "kind %s read back as %s",
			      ct->kind, d->kind);
		KS_FUZZ_CHECK(i == 0 || set->entries[i - 1].len != ct->len ||
			      memcmp(set->entries[i - 1].text, ct->text, ct->len),
			      "identical texts kept twice: %s", ct->name);
		ks_def_free(d);
	}
}

/* ks_canon_render() takes anonymous types too: their text reads back. */
static void check_anonymous(const struct ks_input *in)
{
	__u32 id, n = btf__type_cnt(in->btf), done = 0;

	for (id = in->start_id; id < n && done < 64; id++) {
		const struct btf_type *t = btf__type_by_id(in->btf, id);
		struct ks_def *d = NULL;
		char *text;
		size_t len;

		if (!t || !btf_is_composite(t) || t->name_off)
			continue;
		done++;
		if (ks_canon_render(&text, &len, in->btf, id))
			continue;
		KS_FUZZ_CHECK(!ks_canon_parse(&d, text, len), "anonymous type %u: own "
			      "text does not read back: %s\n%s", id, ks_err_msg(), text);
		KS_FUZZ_CHECK(!d->name[0], "anonymous type %u read back as '%s'", id, d->name);
		ks_def_free(d);
		free(text);
	}
}

static int names_unique(const struct ks_def *d)
{
	size_t i;

	for (i = 0; i < d->n; i++)
		if (d->members[i].name[0] && ks_def_member(d, d->members[i].name) !=
		    &d->members[i])
			return 0;
	return 1;
}

/* The reader finds each member where BTF puts it: the offset and size in
 * the comment on the member's first line (docs/format.md). */
static void check_positions(const struct ks_input *in)
{
	__u32 id, n = btf__type_cnt(in->btf), done = 0;

	for (id = in->start_id; id < n && done < 64; id++) {
		const struct btf_type *t = btf__type_by_id(in->btf, id);
		struct ks_def *d = NULL;
		char *text;
		size_t len;
		int i;

		if (!t || !btf_is_composite(t) || !t->name_off)
			continue;
		done++;
		if (ks_canon_render(&text, &len, in->btf, id))
			continue;
		KS_FUZZ_CHECK(!ks_canon_parse(&d, text, len), "type %u: own text does "
			      "not read back: %s\n%s", id, ks_err_msg(), text);
		for (i = 0; names_unique(d) && i < btf_vlen(t); i++) {
			const struct btf_member *m = btf_members(t) + i;
			const char *name = btf__name_by_offset(in->btf, m->name_off);
			const struct btf_type *mt = btf__type_by_id(in->btf, m->type);
			const struct ks_member *km;
			__u64 off = btf_kflag(t) ? BTF_MEMBER_BIT_OFFSET(m->offset) : m->offset;
			__u32 bits = btf_kflag(t) ? BTF_MEMBER_BITFIELD_SIZE(m->offset) : 0;
			__s64 size = btf__resolve_size(in->btf, m->type);

			if (!name || !name[0] || !(km = ks_def_member(d, name)))
				continue;
			if (!btf_kflag(t) && mt && btf_is_int(mt)) {
				__u32 enc = *(const __u32 *)(mt + 1);

				if (BTF_INT_BITS(enc) != mt->size * 8 || BTF_INT_OFFSET(enc)) {
					off += BTF_INT_OFFSET(enc);
					bits = BTF_INT_BITS(enc);
				}
			}
			KS_FUZZ_CHECK(km->offset_bits == off, "type %u member %s: offset %llu "
				      "read back as %llu\n%s", id, name, (unsigned long long)off,
				      km->offset_bits, text);
			KS_FUZZ_CHECK(km->size_bits == (bits ? bits : size > 0 ? (__u64)size * 8 : 0),
				      "type %u member %s: size read back as %llu bits\n%s", id,
				      name, km->size_bits, text);
		}
		ks_def_free(d);
		free(text);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ks_input *in = NULL;
	struct ks_snapshot *set;
	int err;

	if (ftruncate(memfd, 0) || (size && pwrite(memfd, data, size, 0) != (ssize_t)size)) {
		perror("memfd");
		abort();
	}
	err = ks_input_open(&in, path, base);
	if (err) {
		KS_FUZZ_CHECK(err < 0, "ks_input_open returned %d", err);
		if (verbose)
			fprintf(stderr, "  error %d: %s\n", err, ks_err_msg());
		ks_err_clear();
		return 0;
	}
	KS_FUZZ_CHECK(in->btf, "an input without BTF");
	if (in->release) {
		/* import names the lineage from these */
		(void)ks_release_arch(in->release);
		(void)ks_release_flavor(in->release);
		(void)ks_store_check_release_name(in->release);
	}
	if (in->arch)
		(void)ks_store_check_lineage_part("arch", in->arch);

	set = ks_snapshot_new();
	err = 0;
	if (in->kind == KS_INPUT_MODULE)
		err = ks_canon_add_btf(set, base, 1);
	if (!err && in->kind == KS_INPUT_MODULE)
		err = ks_canon_add_btf_kinds(set, base, 1);
	if (!err)
		err = ks_canon_add_btf(set, in->btf, in->start_id);
	if (!err)
		err = ks_canon_add_btf_kinds(set, in->btf, in->start_id);
	if (verbose)
		fprintf(stderr, "  %s, release %s, arch %s: %zu types (%s)\n",
			ks_input_kind_name(in->kind), in->release ? in->release : "-",
			in->arch ? in->arch : "-", set->n, err ? ks_err_msg() : "ok");
	if (!err) {
		ks_snapshot_finish(set);
		KS_FUZZ_CHECK(set->recorded == KS_KINDS_ALL, "kinds recorded: %#x",
			      set->recorded);
		check_set(set);
		check_anonymous(in);
		check_positions(in);
	} else {
		/* what import accepts, the printer writes (ks_btf_check.c) */
		KS_FUZZ_CHECK(0, "accepted %s the printer refuses: %s",
			      ks_input_kind_name(in->kind), ks_err_msg());
	}
	ks_snapshot_free(set);
	ks_input_free(in);
	ks_err_clear();
	return 0;
}
