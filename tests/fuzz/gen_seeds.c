/* Writes the seed corpora of the fuzz harnesses:
 *
 *   fuzz_seeds DATA_DIR OUT_DIR
 *
 * DATA_DIR holds real kernels (tests/data, NAME.btf.xz); OUT_DIR gets one
 * folder per harness. Everything is made here, from libbpf's BTF writer
 * and libarchive's compressors, so a fresh clone has all it needs:
 *
 * - fuzz_input: a synthetic BTF with every kind and declarator the printer
 *   knows (the unit tests' fixtures, gathered), real types cut out of the
 *   kernels of DATA_DIR (a root type and the types its layout needs, the
 *   structs it points to as forward declarations), a module's split BTF
 *   over the harness's base; each as raw BTF, big-endian BTF, ELF vmlinux,
 *   module, compressed (gzip, xz, zstd, lz4, bzip2, lzma, lzip), btfhub
 *   tar, x86 bzImage, arm64/riscv Image, EFI zboot, Debian packages;
 * - fuzz_canon_parse: canonical texts of real and synthetic types, and
 *   pairs (a type in two kernels, NUL-separated) for the diff;
 * - fuzz_meta: meta blobs, commit texts, ref names, lineages, releases;
 * - fuzz_bpfobj: eBPF objects (BTF with a struct, an anonymous member,
 *   an array and an enum; CO-RE records of every class; program sections
 *   with branches on patched values, a subprogram call, a 16-byte load),
 *   cut short at several places;
 * - fuzz_validate: snapshot trees described as text (a good one of two
 *   kinds, and one departure from it each).
 */
#include <archive.h>
#include <archive_entry.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <git2.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz_common.h"
#include "ks_buf.h"
#include "ks_canon.h"
#include "ks_err.h"
#include "ks_input.h"
#include "ks_store.h"
#include "ks_store_int.h"
#include "ks_test_bpf.h"
#include "ks_test_elf.h"

static const char *out_dir;
static unsigned int nseeds;

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
	va_list ap;

	fputs("fuzz_seeds: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static char *dir_of(const char *harness)
{
	return ks_xasprintf("%s/%s", out_dir, harness);
}

/* Empties (or makes) OUT_DIR/HARNESS: stale seeds do not linger. */
static void prepare_dir(const char *harness)
{
	char *d = dir_of(harness);
	DIR *dh;
	struct dirent *de;

	if (mkdir(out_dir, 0755) && errno != EEXIST)
		die("%s: %s", out_dir, strerror(errno));
	if (mkdir(d, 0755) && errno != EEXIST)
		die("%s: %s", d, strerror(errno));
	dh = opendir(d);
	if (!dh)
		die("%s: %s", d, strerror(errno));
	while ((de = readdir(dh))) {
		char *f;

		if (de->d_name[0] == '.')
			continue;
		f = ks_xasprintf("%s/%s", d, de->d_name);
		unlink(f);
		free(f);
	}
	closedir(dh);
	free(d);
}

static void put_seed(const char *harness, const char *name, const void *p, size_t n)
{
	char *path = ks_xasprintf("%s/%s/%s", out_dir, harness, name);
	FILE *f = fopen(path, "wb");

	if (!f || (n && fwrite(p, 1, n, f) != n) || fclose(f))
		die("%s: %s", path, strerror(errno));
	free(path);
	nseeds++;
}

static void put_input(const char *name, const struct ks_buf *b)
{
	put_seed("fuzz_input", name, b->p, b->len);
}

static void buf_set(struct ks_buf *b, const void *p, size_t n)
{
	ks_buf_truncate(b, 0);
	ks_buf_add(b, p, n);
}

static void raw_btf(struct btf *btf, struct ks_buf *out)
{
	__u32 n;
	const void *p = btf__raw_data(btf, &n);

	if (!p)
		die("btf__raw_data failed");
	buf_set(out, p, n);
}

/* ---- compression and containers, with libarchive ---- */

static la_ssize_t to_buf(struct archive *a, void *cd, const void *p, size_t n)
{
	(void)a;
	ks_buf_add(cd, p, n);
	return (la_ssize_t)n;
}

static struct archive *writer(const char *filter, struct ks_buf *out)
{
	struct archive *a = archive_write_new();

	ks_buf_truncate(out, 0);
	if (!a)
		die("archive_write_new");
	if (filter && archive_write_add_filter_by_name(a, filter) < ARCHIVE_WARN)
		die("libarchive cannot write %s: %s", filter, archive_error_string(a));
	if (filter && !strcmp(filter, "gzip"))
		archive_write_set_filter_option(a, "gzip", "timestamp", NULL);
	archive_write_set_bytes_in_last_block(a, 1);
	return a;
}

static void writer_open(struct archive *a, struct ks_buf *out)
{
	if (archive_write_open2(a, out, NULL, to_buf, NULL, NULL) != ARCHIVE_OK)
		die("archive_write_open: %s", archive_error_string(a));
}

static void add_entry(struct archive *a, const char *name, const void *p, size_t n)
{
	struct archive_entry *e = archive_entry_new();

	archive_entry_set_pathname(e, name);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	archive_entry_set_size(e, (la_int64_t)n);
	archive_entry_set_mtime(e, 1700000000, 0);
	if (archive_write_header(a, e) != ARCHIVE_OK ||
	    (n && archive_write_data(a, p, n) != (la_ssize_t)n))
		die("archive write %s: %s", name, archive_error_string(a));
	archive_entry_free(e);
}

static void writer_close(struct archive *a)
{
	if (archive_write_close(a) != ARCHIVE_OK)
		die("archive close: %s", archive_error_string(a));
	archive_write_free(a);
}

/* @filter ("gzip", "xz", ...) of @p alone. */
static void compress(const char *filter, const void *p, size_t n, struct ks_buf *out)
{
	struct archive *a = writer(filter, out);

	archive_write_set_format_raw(a);
	writer_open(a, out);
	add_entry(a, "data", p, n);
	writer_close(a);
}

struct member {
	const char *name;
	const struct ks_buf *data;
};

/* A tar (GNU, as dpkg writes) or an ar (System V, as dpkg-deb writes),
 * optionally compressed. */
static void archive_of(const char *format, const char *filter, const struct member *m,
		       size_t n, struct ks_buf *out)
{
	struct archive *a = writer(filter, out);
	size_t i;

	if (!strcmp(format, "ar"))
		archive_write_set_format_ar_svr4(a);
	else
		archive_write_set_format_gnutar(a);
	writer_open(a, out);
	for (i = 0; i < n; i++)
		add_entry(a, m[i].name, m[i].data->p, m[i].data->len);
	writer_close(a);
}

static void put_le32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
	p[2] = (unsigned char)(v >> 16);
	p[3] = (unsigned char)(v >> 24);
}

/* An x86 bzImage: one setup sector, then the protected-mode part whose
 * header (boot protocol 2.15) points at the compressed ELF vmlinux with
 * its size trailer (none for gzip, as the kernel's build does). */
static void bzimage(const char *filter, const struct ks_buf *elf, struct ks_buf *out)
{
	struct ks_buf payload = KS_BUF_INIT;
	unsigned char hdr[1024] = { 0 }, trailer[4];
	size_t off = 0x100;

	compress(filter, elf->p, elf->len, &payload);
	if (strcmp(filter, "gzip")) {
		put_le32(trailer, (uint32_t)elf->len);
		ks_buf_add(&payload, trailer, 4);
	}
	hdr[0x1f1] = 1;
	memcpy(hdr + 0x202, "HdrS", 4);
	hdr[0x206] = 0x0f;
	hdr[0x207] = 0x02;
	put_le32(hdr + 0x248, (uint32_t)off);
	put_le32(hdr + 0x24c, (uint32_t)payload.len);
	buf_set(out, hdr, sizeof(hdr));
	{
		unsigned char pad[0x100] = { 0 };

		ks_buf_add(out, pad, off);
	}
	ks_buf_add(out, payload.p, payload.len);
	ks_buf_free(&payload);
}

/* A raw arm64 or riscv Image: a 64-byte header with the arch's magic,
 * some code, the banner and the BTF blob, 4-byte aligned, as in .rodata. */
static void image(const char *magic, const char *banner, const struct ks_buf *btf,
		  struct ks_buf *out)
{
	unsigned char hdr[64] = { 0 };
	static const unsigned char code[] = "\x1f\x20\x03\xd5\x1f\x20\x03\xd5"
					    "\x9f\xeb\x01\x00" "decoy";

	memcpy(hdr + 56, magic, 4);
	buf_set(out, hdr, sizeof(hdr));
	ks_buf_add(out, code, sizeof(code) - 1);
	ks_buf_add(out, banner, strlen(banner) + 1);
	while (out->len % 4)
		ks_buf_putc(out, '\0');
	ks_buf_add(out, btf->p, btf->len);
	ks_buf_add(out, "\0\0\0\0", 4);
}

/* EFI zboot: "MZ", "zimg", payload offset and size, compression name. */
static void zboot(const struct ks_buf *img, struct ks_buf *out)
{
	struct ks_buf payload = KS_BUF_INIT;
	unsigned char hdr[64] = { 0 };

	compress("gzip", img->p, img->len, &payload);
	hdr[0] = 'M';
	hdr[1] = 'Z';
	memcpy(hdr + 4, "zimg", 4);
	put_le32(hdr + 8, sizeof(hdr));
	put_le32(hdr + 12, (uint32_t)payload.len);
	memcpy(hdr + 24, "gzip", 4);
	buf_set(out, hdr, sizeof(hdr));
	ks_buf_add(out, payload.p, payload.len);
	ks_buf_free(&payload);
}

/* ELF files go through a file (the helper writes with libelf). */
static void elf_of(int machine, int type, const struct ks_test_sec *secs, size_t n,
		   struct ks_buf *out)
{
	char tmp[] = "/tmp/ks_fuzz_seeds_XXXXXX";
	int fd = mkstemp(tmp);
	FILE *f;
	char chunk[65536];
	size_t k;

	if (fd < 0)
		die("mkstemp: %s", strerror(errno));
	close(fd);
	if (ks_test_write_elf(tmp, machine, type, secs, n))
		die("writing an ELF file failed");
	f = fopen(tmp, "rb");
	if (!f)
		die("%s: %s", tmp, strerror(errno));
	ks_buf_truncate(out, 0);
	while ((k = fread(chunk, 1, sizeof(chunk), f)))
		ks_buf_add(out, chunk, k);
	fclose(f);
	unlink(tmp);
}

static void vmlinux(int machine, const char *banner, const struct ks_buf *btf,
		    struct ks_buf *out)
{
	struct ks_test_sec secs[] = {
		{ ".text", "\x90\x90\x90\xc3", 4 },
		{ ".rodata", banner, strlen(banner) + 1 },
		{ ".BTF", btf->p, btf->len },
	};

	elf_of(machine, ET_EXEC, secs, 3, out);
}

/* ---- BTF ---- */

#define ID(x) check_id((x), #x, __LINE__)

static int check_id(int id, const char *what, int line)
{
	if (id < 0)
		die("line %d: %s failed (%d)", line, what, id);
	return id;
}

/* Every kind and declarator form the printer handles (docs/format.md),
 * and the odd cases the unit tests pin down. */
static struct btf *fixture(int weird)
{
	struct btf *b = btf__new_empty();
	int i, ui, c, uc, l, ul, ll, b8, i128, dbl, u8, u32, u64, e, e64, ae, p_i, pp_c,
	    p_c, c_i, v_i, cv_i, p_v, fn, p_fn, fn2, p_fn2, arr, arr2, p_arr, node, p_node,
	    anon_s, anon_u, fwd_s, fwd_u, p_fwd_s, p_fwd_u, tag, p_tag, bf3, s, td_anon,
	    func, var, r_p, empty, zero;

	i = ID(btf__add_int(b, "int", 4, BTF_INT_SIGNED));
	ui = ID(btf__add_int(b, "unsigned int", 4, 0));
	c = ID(btf__add_int(b, "char", 1, BTF_INT_CHAR | BTF_INT_SIGNED));
	uc = ID(btf__add_int(b, "unsigned char", 1, 0));
	l = ID(btf__add_int(b, "long int", 8, BTF_INT_SIGNED));
	ul = ID(btf__add_int(b, "long unsigned int", 8, 0));
	ll = ID(btf__add_int(b, "long long int", 8, BTF_INT_SIGNED));
	b8 = ID(btf__add_int(b, "_Bool", 1, BTF_INT_BOOL));
	i128 = ID(btf__add_int(b, "__int128", 16, BTF_INT_SIGNED));
	dbl = ID(btf__add_float(b, "double", 8));
	u8 = ID(btf__add_typedef(b, "u8", uc));
	u32 = ID(btf__add_typedef(b, "u32", ui));
	u64 = ID(btf__add_typedef(b, "u64", ul));
	e = ID(btf__add_enum(b, "pid_type", 4));
	ID(btf__add_enum_value(b, "PIDTYPE_PID", 0));
	ID(btf__add_enum_value(b, "PIDTYPE_MAX", 4));
	e64 = ID(btf__add_enum64(b, "big", 8, true));
	ID(btf__add_enum64_value(b, "BIG_NEG", (__u64)-5));
	ID(btf__add_enum64_value(b, "BIG_HUGE", 1ULL << 40));
	ae = ID(btf__add_enum(b, NULL, 4));
	ID(btf__add_enum_value(b, "A", 0));
	ID(btf__add_enum_value(b, "B", -1));
	p_i = ID(btf__add_ptr(b, i));
	p_c = ID(btf__add_ptr(b, c));
	pp_c = ID(btf__add_ptr(b, ID(btf__add_const(b, p_c))));	/* char *const * */
	c_i = ID(btf__add_const(b, i));
	v_i = ID(btf__add_volatile(b, i));
	cv_i = ID(btf__add_const(b, v_i));
	p_v = ID(btf__add_ptr(b, 0));
	r_p = ID(btf__add_restrict(b, p_i));
	/* void (*)(int, char *, ...) */
	fn = ID(btf__add_func_proto(b, 0));
	ID(btf__add_func_param(b, "n", i));
	ID(btf__add_func_param(b, NULL, p_c));
	ID(btf__add_func_param(b, NULL, 0));
	p_fn = ID(btf__add_ptr(b, fn));
	/* void (*(*)(void))(int, char *, ...): returns a function pointer */
	fn2 = ID(btf__add_func_proto(b, p_fn));
	p_fn2 = ID(btf__add_ptr(b, fn2));
	arr = ID(btf__add_array(b, ui, c, 16));
	arr2 = ID(btf__add_array(b, ui, ID(btf__add_array(b, ui, i, 3)), 2));
	p_arr = ID(btf__add_ptr(b, ID(btf__add_array(b, ui, i, 4))));
	zero = ID(btf__add_array(b, ui, u8, 0));
	fwd_s = ID(btf__add_fwd(b, "other", BTF_FWD_STRUCT));
	fwd_u = ID(btf__add_fwd(b, "u_fwd", BTF_FWD_UNION));
	p_fwd_s = ID(btf__add_ptr(b, fwd_s));
	p_fwd_u = ID(btf__add_ptr(b, fwd_u));
	tag = ID(btf__add_type_tag(b, "user", c));
	p_tag = ID(btf__add_ptr(b, tag));			/* char __user * */
	/* an old-style bitfield: the width in the INT type */
	bf3 = ID(btf__add_int(b, "unsigned int", 4, 0));
	{
		struct btf_type *t = (struct btf_type *)btf__type_by_id(b, bf3);

		*(__u32 *)(t + 1) = (0u << 16) | 3;	/* offset 0, 3 bits */
	}

	/* struct node { ... } with a pointer to itself (fields follow their
	 * struct, so the pointer comes first) */
	p_node = ID(btf__add_ptr(b, (int)btf__type_cnt(b) + 1));
	node = ID(btf__add_struct(b, "node", 48));
	if (node != p_node + 1)
		die("fixture: node is %d", node);
	ID(btf__add_field(b, "next", p_node, 0, 0));
	ID(btf__add_field(b, "pp", pp_c, 64, 0));
	ID(btf__add_field(b, "vp", p_v, 128, 0));
	ID(btf__add_field(b, "o", p_fwd_s, 192, 0));
	ID(btf__add_field(b, "u", p_fwd_u, 256, 0));
	ID(btf__add_field(b, "name", p_tag, 320, 0));

	/* anonymous bodies: an anonymous union member, a named member of
	 * anonymous struct type */
	anon_u = ID(btf__add_union(b, NULL, 8));
	ID(btf__add_field(b, "as_long", l, 0, 0));
	ID(btf__add_field(b, "as_ptr", p_v, 0, 0));
	anon_s = ID(btf__add_struct(b, NULL, 8));
	ID(btf__add_field(b, "lo", u32, 0, 0));
	ID(btf__add_field(b, "hi", u32, 32, 0));
	td_anon = ID(btf__add_typedef(b, "pair_t", anon_s));

	s = ID(btf__add_struct(b, "every", 224));
	ID(btf__add_field(b, "i", i, 0, 0));
	ID(btf__add_field(b, "flags", u32, 32, 3));		/* kflag bitfield */
	ID(btf__add_field(b, "mode", u32, 35, 5));
	ID(btf__add_field(b, NULL, ui, 40, 4));		/* unnamed bitfield */
	ID(btf__add_field(b, NULL, anon_u, 64, 0));		/* anonymous member */
	ID(btf__add_field(b, "pos", anon_s, 128, 0));		/* named, anon type */
	ID(btf__add_field(b, "comm", arr, 192, 0));
	ID(btf__add_field(b, "m", arr2, 320, 0));
	ID(btf__add_field(b, "pa", p_arr, 512, 0));
	ID(btf__add_field(b, "cb", p_fn, 576, 0));
	ID(btf__add_field(b, "getcb", p_fn2, 640, 0));
	ID(btf__add_field(b, "ci", c_i, 704, 0));
	ID(btf__add_field(b, "cvi", cv_i, 736, 0));
	ID(btf__add_field(b, "rp", r_p, 768, 0));
	ID(btf__add_field(b, "type", e, 832, 0));
	ID(btf__add_field(b, "big", e64, 896, 0));
	ID(btf__add_field(b, "state", ae, 960, 0));		/* anonymous enum */
	ID(btf__add_field(b, "ratio", dbl, 1024, 0));
	ID(btf__add_field(b, "wide", i128, 1088, 0));
	ID(btf__add_field(b, "ok", b8, 1216, 0));
	ID(btf__add_field(b, "llv", ll, 1280, 0));
	ID(btf__add_field(b, "pt", td_anon, 1344, 0));
	ID(btf__add_field(b, "list", node, 1408, 0));		/* embedded */
	ID(btf__add_field(b, "tail", zero, 1792, 0));

	/* anonymous bodies in a prototype: the return type's comes first on
	 * the line and carries the member's comment */
	{
		int proto = ID(btf__add_func_proto(b, anon_u)), p_proto;

		ID(btf__add_func_param(b, "a", anon_s));
		ID(btf__add_func_param(b, "b", anon_u));
		p_proto = ID(btf__add_ptr(b, proto));
		ID(btf__add_struct(b, "ops", 16));
		ID(btf__add_field(b, "flags", i, 0, 0));
		ID(btf__add_field(b, "fn", p_proto, 64, 0));
	}

	/* old-style bitfields need a struct without kind_flag */
	ID(btf__add_struct(b, "old_bits", 4));
	ID(btf__add_field(b, "low", bf3, 0, 0));
	ID(btf__add_field(b, "c", c, 8, 0));

	/* the same name with two bodies, and twice the same body */
	ID(btf__add_struct(b, "controller", 4));
	ID(btf__add_field(b, "id", i, 0, 0));
	ID(btf__add_struct(b, "controller", 8));
	ID(btf__add_field(b, "id", l, 0, 0));
	ID(btf__add_struct(b, "controller", 4));
	ID(btf__add_field(b, "id", i, 0, 0));

	/* names that are no C: escaped in the text (import refuses them) */
	if (weird) {
		ID(btf__add_struct(b, "we ird\t\x7f", 4));
		ID(btf__add_field(b, "a\nb", i, 0, 0));
	}

	ID(btf__add_union(b, "either", 8));
	ID(btf__add_field(b, "v", u64, 0, 0));
	ID(btf__add_field(b, "p", p_i, 0, 0));
	empty = ID(btf__add_struct(b, "empty", 0));

	/* what vmlinux has beside the types: functions, variables, tags */
	func = ID(btf__add_func(b, "do_it", BTF_FUNC_GLOBAL, fn));
	var = ID(btf__add_var(b, "jiffies", BTF_VAR_GLOBAL_ALLOCATED, ul));
	ID(btf__add_datasec(b, ".data", 8));
	ID(btf__add_datasec_var_info(b, var, 0, 8));
	ID(btf__add_decl_tag(b, "noinline", func, -1));
	ID(btf__add_decl_tag(b, "hot", s, 1));
	(void)empty;
	return b;
}

/* A struct "deep" whose member's type nests @levels types, the last an
 * int, the others anonymous structs (as members, @how 0, or as named
 * members, 1) or pointers (2): the nesting limits of import (32), the
 * printer and the reader. */
static struct btf *deep(int levels, int how)
{
	struct btf *b = btf__new_empty();
	int prev = ID(btf__add_int(b, "int", 4, BTF_INT_SIGNED)), k, s;

	for (k = 1; k < levels; k++) {
		if (how == 2) {
			prev = ID(btf__add_ptr(b, prev));
			continue;
		}
		s = ID(btf__add_struct(b, NULL, 4));
		ID(btf__add_field(b, how ? "m" : NULL, prev, 0, 0));
		prev = s;
	}
	ID(btf__add_struct(b, "deep", how == 2 && levels > 1 ? 8 : 4));
	ID(btf__add_field(b, how ? "m" : NULL, prev, 0, 0));
	return b;
}

/* A kernel module's split BTF over the harness's base (fuzz_base.c ids). */
static struct btf *module_btf(struct btf *base)
{
	struct btf *b = btf__new_empty_split(base);
	int p_mod, p_s, s;

	if (!b)
		die("btf__new_empty_split");
	p_mod = ID(btf__add_ptr(b, 12));
	p_s = ID(btf__add_ptr(b, (int)btf__type_cnt(b) + 1));
	s = ID(btf__add_struct(b, "nf_conn", 48));
	if (s != p_s + 1)
		die("module: nf_conn is %d", s);
	ID(btf__add_field(b, "list", 6, 0, 0));
	ID(btf__add_field(b, "ref", 10, 128, 0));
	ID(btf__add_field(b, "owner", p_mod, 192, 0));
	ID(btf__add_field(b, "mark", 8, 256, 0));
	ID(btf__add_field(b, "master", p_s, 320, 0));
	ID(btf__add_struct(b, "list_head", 16));		/* a module's own */
	ID(btf__add_field(b, "first", p_s, 0, 0));
	ID(btf__add_field(b, "len", 9, 64, 0));
	return b;
}

/* ---- real types cut out of a kernel ---- */

struct cut {
	const struct btf *src;
	__u32 *full, *ptr;	/* src id -> node + 1, reached as itself / by pointer */
	struct node {
		__u32 id;
		int fwd;	/* a forward declaration of a named struct/union */
		int by_ptr;
	} *nodes;
	size_t n, cap, max;
};

static int cut_visit(struct cut *c, __u32 id, int by_ptr);

static __u32 cut_child(struct cut *c, __u32 id, int by_ptr)
{
	return (__u32)cut_visit(c, id, by_ptr);
}

/* Numbers the node for (@id, reached by pointer or not) and its children;
 * returns its node number + 1 (its id in the cut), 0 for void, -1 when the
 * cut grows beyond its maximum. */
static int cut_visit(struct cut *c, __u32 id, int by_ptr)
{
	const struct btf_type *t;
	__u32 *slot;
	size_t me;
	int i;

	if (!id)
		return 0;
	t = btf__type_by_id(c->src, id);
	if (!t)
		die("type %u missing", id);
	/* only modifier chains and typedefs carry "by pointer" on */
	if (by_ptr && !(btf_is_mod(t) || btf_is_typedef(t) || btf_is_type_tag(t) ||
			(btf_is_composite(t) && t->name_off)))
		by_ptr = 0;
	slot = by_ptr ? &c->ptr[id] : &c->full[id];
	if (*slot)
		return (int)*slot;
	if (c->n == c->max)
		return -1;
	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 64;
		c->nodes = ks_xrealloc(c->nodes, c->cap * sizeof(*c->nodes));
	}
	me = c->n++;
	c->nodes[me].id = id;
	c->nodes[me].by_ptr = by_ptr;
	c->nodes[me].fwd = by_ptr && btf_is_composite(t);
	*slot = (__u32)me + 1;
	if (c->nodes[me].fwd)
		return (int)*slot;
	switch (btf_kind(t)) {
	case BTF_KIND_PTR:
		if (cut_visit(c, t->type, 1) < 0)
			return -1;
		break;
	case BTF_KIND_TYPEDEF:
	case BTF_KIND_CONST:
	case BTF_KIND_VOLATILE:
	case BTF_KIND_RESTRICT:
	case BTF_KIND_TYPE_TAG:
		if (cut_visit(c, t->type, by_ptr) < 0)
			return -1;
		break;
	case BTF_KIND_ARRAY:
		if (cut_visit(c, btf_array(t)->type, 0) < 0 ||
		    cut_visit(c, btf_array(t)->index_type, 0) < 0)
			return -1;
		break;
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
		for (i = 0; i < btf_vlen(t); i++)
			if (cut_visit(c, btf_members(t)[i].type, 0) < 0)
				return -1;
		break;
	case BTF_KIND_FUNC_PROTO:
		if (cut_visit(c, t->type, 0) < 0)
			return -1;
		for (i = 0; i < btf_vlen(t); i++)
			if (cut_visit(c, btf_params(t)[i].type, 0) < 0)
				return -1;
		break;
	case BTF_KIND_INT:
	case BTF_KIND_FLOAT:
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64:
	case BTF_KIND_FWD:
		break;
	default:
		die("type %u: kind %u in a struct's closure", id, btf_kind(t));
	}
	return (int)*slot;
}

/* Writes the numbered nodes into a new BTF, references renumbered. */
static struct btf *cut_build(struct cut *c)
{
	struct btf *b = btf__new_empty();
	size_t k;
	int i;

	for (k = 0; k < c->n; k++) {
		const struct btf_type *st = btf__type_by_id(c->src, c->nodes[k].id);
		struct btf_type *t;
		int id, by_ptr = c->nodes[k].by_ptr;

		if (c->nodes[k].fwd) {
			const char *name = btf__name_by_offset(c->src, st->name_off);

			id = ID(btf__add_fwd(b, name, btf_is_union(st) ? BTF_FWD_UNION
								    : BTF_FWD_STRUCT));
		} else {
			id = ID(btf__add_type(b, c->src, st));
		}
		if ((size_t)id != k + 1)
			die("cut: id %d for node %zu", id, k);
		t = (struct btf_type *)btf__type_by_id(b, (__u32)id);
		switch (btf_kind(t)) {
		case BTF_KIND_PTR:
			t->type = cut_child(c, t->type, 1);
			break;
		case BTF_KIND_TYPEDEF:
		case BTF_KIND_CONST:
		case BTF_KIND_VOLATILE:
		case BTF_KIND_RESTRICT:
		case BTF_KIND_TYPE_TAG:
			t->type = cut_child(c, t->type, by_ptr);
			break;
		case BTF_KIND_ARRAY:
			btf_array(t)->type = cut_child(c, btf_array(t)->type, 0);
			btf_array(t)->index_type = cut_child(c, btf_array(t)->index_type, 0);
			break;
		case BTF_KIND_STRUCT:
		case BTF_KIND_UNION:
			for (i = 0; i < btf_vlen(t); i++)
				btf_members(t)[i].type = cut_child(c, btf_members(t)[i].type, 0);
			break;
		case BTF_KIND_FUNC_PROTO:
			t->type = cut_child(c, t->type, 0);
			for (i = 0; i < btf_vlen(t); i++)
				btf_params(t)[i].type = cut_child(c, btf_params(t)[i].type, 0);
			break;
		default:
			break;
		}
	}
	return b;
}

static void cut_init(struct cut *c, const struct btf *src, size_t max)
{
	memset(c, 0, sizeof(*c));
	c->src = src;
	c->full = ks_xcalloc(btf__type_cnt(src), sizeof(__u32));
	c->ptr = ks_xcalloc(btf__type_cnt(src), sizeof(__u32));
	c->max = max;
}

static void cut_free(struct cut *c)
{
	free(c->full);
	free(c->ptr);
	free(c->nodes);
}

static char *render_or_die(const struct btf *btf, __u32 id)
{
	char *text;
	size_t len;

	if (ks_canon_render(&text, &len, btf, id))
		die("render %u: %s", id, ks_err_msg());
	return text;
}

/* The types @roots need, as a BTF of their own, or NULL when that is more
 * than @max types. Each root renders as in the kernel. */
static struct btf *cut_out(const struct btf *src, const __u32 *roots, size_t nroots,
			   size_t max)
{
	struct cut c;
	struct btf *b = NULL;
	size_t k;

	cut_init(&c, src, max);
	for (k = 0; k < nroots; k++)
		if (cut_visit(&c, roots[k], 0) < 0)
			goto out;
	b = cut_build(&c);
	for (k = 0; k < nroots; k++) {
		char *want = render_or_die(src, roots[k]);
		char *got = render_or_die(b, c.full[roots[k]]);

		if (strcmp(want, got))
			die("cut of type %u renders differently:\n%s\n%s", roots[k], want, got);
		free(want);
		free(got);
	}
out:
	cut_free(&c);
	return b;
}

static __u32 find_composite(const struct btf *btf, const char *name)
{
	__u32 id, n = btf__type_cnt(btf);

	for (id = 1; id < n; id++) {
		const struct btf_type *t = btf__type_by_id(btf, id);

		if (btf_is_composite(t) && btf_vlen(t) &&
		    !strcmp(btf__name_by_offset(btf, t->name_off), name))
			return id;
	}
	return 0;
}

/* ---- the seeds ---- */

struct kernel {
	char *release;		/* "6.1.0-47-generic-amd64" */
	struct ks_input *in;
	struct ks_snapshot *set;
};

static const char *const interesting[] = {
	"bpf_mem_alloc", "list_head", "sk_buff", "task_struct", "file", "inode",
	"page", "bpf_prog", "net_device", "sock", "xdp_buff", "bio", "cgroup",
	"mm_struct", "super_block", "bpf_map", "seq_file", "kobject", "device",
	"trace_event_raw_sys_enter", "pt_regs", "sched_entity", "qspinlock",
	"sk_buff_head", "bpf_insn", "tcp_sock", "irq_desc", "hrtimer", "rq",
	"perf_event", "bpf_attr", "pci_dev", "scatterlist", "ethtool_ops",
};

#define NINTERESTING (sizeof(interesting) / sizeof(interesting[0]))

/* A real type, and a few sampled ones, as small BTF in a few forms. */
static void input_seeds_of_kernel(const struct kernel *k, struct ks_buf *vml_raw)
{
	const struct btf *src = k->in->btf;
	struct ks_buf raw = KS_BUF_INIT, w = KS_BUF_INIT;
	__u32 n = btf__type_cnt(src), id, *sample = NULL;
	size_t i, nsample = 0, made = 0;

	for (i = 0; i < NINTERESTING; i++) {
		__u32 root = find_composite(src, interesting[i]);
		struct btf *b;
		char *name;

		if (!root || !(b = cut_out(src, &root, 1, 400)))
			continue;
		raw_btf(b, &raw);
		name = ks_xasprintf("real-%s-%s.btf", k->release, interesting[i]);
		put_input(name, &raw);
		free(name);
		if (!vml_raw->len || raw.len > vml_raw->len)
			if (raw.len < 60000)
				buf_set(vml_raw, raw.p, raw.len);
		btf__free(b);
		made++;
	}
	/* every 97th named struct or union, a few to a seed */
	for (id = 1; id < n; id++) {
		const struct btf_type *t = btf__type_by_id(src, id);

		if (btf_is_composite(t) && t->name_off && btf_vlen(t) && id % 97 == 0) {
			sample = ks_xrealloc(sample, (nsample + 1) * sizeof(*sample));
			sample[nsample++] = id;
		}
	}
	for (i = 0; i + 6 <= nsample && i < 6 * 8; i += 6) {
		struct btf *b = cut_out(src, sample + i, 6, 600);
		char *name;

		if (!b)
			continue;
		raw_btf(b, &raw);
		name = ks_xasprintf("real-%s-sample%zu.btf", k->release, i / 6);
		put_input(name, &raw);
		free(name);
		btf__free(b);
	}
	free(sample);
	printf("fuzz_seeds: %zu types of %s cut out\n", made, k->release);
	ks_buf_free(&raw);
	ks_buf_free(&w);
}

static void input_seeds(struct kernel *ks, size_t nk)
{
	struct btf *fx = fixture(0), *weird = fixture(1), *base = ks_fuzz_base_btf(), *mod = module_btf(base);
	struct ks_buf fxraw = KS_BUF_INIT, real = KS_BUF_INIT, w = KS_BUF_INIT,
		      elf = KS_BUF_INIT, img = KS_BUF_INIT, bz = KS_BUF_INIT,
		      t1 = KS_BUF_INIT, t2 = KS_BUF_INIT, ctl = KS_BUF_INIT,
		      modraw = KS_BUF_INIT, ko = KS_BUF_INIT, deb_bin = KS_BUF_INIT;
	static const char *const filters[] = { "gzip", "xz", "zstd", "lz4", "bzip2",
					       "lzma", "lzip" };
	static const char banner_amd64[] =
		"Linux version 6.1.0-47-amd64 (debian-kernel@lists.debian.org) "
		"(gcc-12 (Debian 12.2.0-14) 12.2.0) #1 SMP PREEMPT_DYNAMIC\n";
	static const char banner_arm64[] =
		"Linux version 6.1.0-47-arm64 (debian-kernel@lists.debian.org) #1 SMP\n";
	static const char modinfo[] = "license=GPL\0depends=\0retpoline=Y\0"
				      "name=nf_conntrack\0vermagic=6.1.0-47-amd64 SMP "
				      "preempt mod_unload modversions \0";
	size_t i;
	char *name;

	prepare_dir("fuzz_input");
	raw_btf(fx, &fxraw);
	put_input("fixture.btf", &fxraw);
	raw_btf(weird, &w);
	put_input("fixture-weird-names.btf", &w);
	for (i = 0; i < nk; i++)
		input_seeds_of_kernel(&ks[i], &real);
	if (!real.len)
		buf_set(&real, fxraw.p, fxraw.len);

	/* nesting at and beyond the limits */
	{
		static const char *const hows[] = { "anon", "named", "ptr" };
		static const int levels[][2] = { { 32, 0 }, { 33, 0 }, { 64, 0 }, { 200, 0 },
						 { 32, 1 }, { 33, 1 }, { 31, 2 }, { 32, 2 },
						 { 33, 2 }, { 100, 2 } };

		for (i = 0; i < sizeof(levels) / sizeof(levels[0]); i++) {
			struct btf *d = deep(levels[i][0], levels[i][1]);

			raw_btf(d, &w);
			name = ks_xasprintf("deep-%s-%d.btf", hows[levels[i][1]], levels[i][0]);
			put_input(name, &w);
			free(name);
			btf__free(d);
		}
	}

	/* big-endian BTF (libbpf swaps it) */
	if (btf__set_endianness(fx, BTF_BIG_ENDIAN))
		die("btf__set_endianness");
	raw_btf(fx, &w);
	put_input("fixture-be.btf", &w);
	btf__set_endianness(fx, BTF_LITTLE_ENDIAN);

	/* ELF vmlinux, x86_64 and arm64 */
	vmlinux(EM_X86_64, banner_amd64, &real, &elf);
	put_input("vmlinux-amd64", &elf);
	vmlinux(EM_AARCH64, banner_arm64, &fxraw, &w);
	put_input("vmlinux-arm64", &w);

	/* a module over the harness's base, plain and compressed */
	raw_btf(mod, &modraw);
	{
		struct ks_test_sec secs[] = {
			{ ".text", "\xc3", 1 },
			{ ".modinfo", modinfo, sizeof(modinfo) },
			{ ".BTF", modraw.p, modraw.len },
		};

		elf_of(EM_X86_64, ET_REL, secs, 3, &ko);
	}
	put_input("nf_conntrack.ko", &ko);
	compress("xz", ko.p, ko.len, &w);
	put_input("nf_conntrack.ko.xz", &w);

	/* every compression */
	for (i = 0; i < sizeof(filters) / sizeof(filters[0]); i++) {
		compress(filters[i], fxraw.p, fxraw.len, &w);
		name = ks_xasprintf("5.4.0-91-generic.btf.%s", filters[i]);
		put_input(name, &w);
		free(name);
	}
	compress("gzip", elf.p, elf.len, &w);
	put_input("vmlinux-amd64.gz", &w);

	/* btfhub: RELEASE.btf in a tar.xz; a plain tar */
	{
		struct member m[] = { { "./5.4.0-91-generic.btf", &fxraw } };

		archive_of("tar", "xz", m, 1, &w);
		put_input("5.4.0-91-generic.btf.tar.xz", &w);
		archive_of("tar", NULL, m, 1, &w);
		put_input("btfhub.tar", &w);
	}

	/* x86 bzImage, its payload in several compressions */
	for (i = 0; i < 4; i++) {
		bzimage(filters[i], &elf, &bz);
		name = ks_xasprintf("vmlinuz-6.1.0-47-amd64.%s", filters[i]);
		put_input(name, &bz);
		free(name);
	}
	bzimage("xz", &elf, &bz);

	/* Fedora: lib/modules/RELEASE/vmlinuz in a tar.gz */
	{
		struct member m[] = { { "usr/lib/modules/6.5.6-300.fc39.x86_64/vmlinuz", &bz } };

		archive_of("tar", "gzip", m, 1, &w);
		put_input("fedora.tar.gz", &w);
	}

	/* arm64 and riscv Image, gzip'd, EFI zboot */
	image("ARM\x64", banner_arm64, &real, &img);
	put_input("Image-arm64", &img);
	compress("gzip", img.p, img.len, &w);
	put_input("Image-arm64.gz", &w);
	zboot(&img, &w);
	put_input("vmlinuz-arm64.efi", &w);
	image("RSC\x05", "Linux version 6.1.0-47-riscv64 #1\n", &fxraw, &w);
	put_input("Image-riscv64", &w);

	/* Debian packages: ar of debian-binary, control.tar.xz, data.tar.xz */
	buf_set(&deb_bin, "2.0\n", 4);
	{
		static const char control_amd64[] =
			"Package: linux-image-6.1.0-47-amd64\nVersion: 6.1.158-1\n"
			"Architecture: amd64\nDescription: Linux 6.1 for 64-bit PCs\n";
		static const char control_arm64[] =
			"Package: linux-image-6.1.0-47-arm64\nArchitecture: arm64\n";
		struct member cm[] = { { "./control", &t1 } };
		struct member dm[] = { { "./boot/vmlinuz-6.1.0-47-amd64", &bz } };
		struct member deb[] = { { "debian-binary", &deb_bin },
					{ "control.tar.xz", &ctl },
					{ "data.tar.xz", &t2 } };

		buf_set(&t1, control_amd64, sizeof(control_amd64) - 1);
		archive_of("tar", "xz", cm, 1, &ctl);
		archive_of("tar", "xz", dm, 1, &t2);
		archive_of("ar", NULL, deb, 3, &w);
		put_input("linux-image-6.1.0-47-amd64_6.1.158-1_amd64.deb", &w);

		buf_set(&t1, control_arm64, sizeof(control_arm64) - 1);
		archive_of("tar", "xz", cm, 1, &ctl);
		compress("gzip", img.p, img.len, &bz);
		dm[0].name = "./boot/vmlinuz-6.1.0-47-arm64";
		archive_of("tar", "xz", dm, 1, &t2);
		archive_of("ar", NULL, deb, 3, &w);
		put_input("linux-image-6.1.0-47-arm64_6.1.158-1_arm64.deb", &w);

		/* -dbg: the ELF vmlinux under usr/lib/debug */
		dm[0].name = "./usr/lib/debug/boot/vmlinux-6.1.0-47-amd64";
		dm[0].data = &elf;
		buf_set(&t1, control_amd64, sizeof(control_amd64) - 1);
		archive_of("tar", "xz", cm, 1, &ctl);
		deb[2].name = "data.tar.zst";
		archive_of("tar", "zstd", dm, 1, &t2);
		archive_of("ar", NULL, deb, 3, &w);
		put_input("linux-image-6.1.0-47-amd64-dbg_6.1.158-1_amd64.deb", &w);
	}

	btf__free(mod);
	btf__free(base);
	btf__free(fx);
	btf__free(weird);
	ks_buf_free(&fxraw);
	ks_buf_free(&real);
	ks_buf_free(&w);
	ks_buf_free(&elf);
	ks_buf_free(&img);
	ks_buf_free(&bz);
	ks_buf_free(&t1);
	ks_buf_free(&t2);
	ks_buf_free(&ctl);
	ks_buf_free(&modraw);
	ks_buf_free(&ko);
	ks_buf_free(&deb_bin);
}

static const struct ks_snapshot_entry *set_find(const struct ks_snapshot *set,
					    const char *kind, const char *name)
{
	size_t i;

	for (i = 0; i < set->n; i++)
		if (set->entries[i].variant == 1 && !strcmp(set->entries[i].kind, kind) &&
		    !strcmp(set->entries[i].name, name))
			return &set->entries[i];
	return NULL;
}

static char *safe_name(const char *name)
{
	char *s = ks_xstrdup(name), *p;

	for (p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '_' || *p == '-'))
			*p = '_';
	return s;
}

static void put_text(const char *prefix, const struct ks_snapshot_entry *ct)
{
	char *sn = safe_name(ct->name);
	char *name = ks_xasprintf("%s-%s-%s~%u", prefix, ct->kind, sn, ct->variant);

	put_seed("fuzz_canon_parse", name, ct->text, ct->len);
	free(name);
	free(sn);
}

static void put_pair(const char *prefix, const struct ks_snapshot_entry *a,
		     const struct ks_snapshot_entry *b)
{
	struct ks_buf p = KS_BUF_INIT;
	char *sn = safe_name(b->name);
	char *name = ks_xasprintf("%s-%s-%s", prefix, b->kind, sn);

	ks_buf_add(&p, a->text, a->len);
	ks_buf_putc(&p, '\0');
	ks_buf_add(&p, b->text, b->len);
	put_seed("fuzz_canon_parse", name, p.p, p.len);
	ks_buf_free(&p);
	free(name);
	free(sn);
}

static void canon_seeds(struct kernel *ks, size_t nk)
{
	struct btf *fx = fixture(1);
	struct ks_snapshot *set = ks_snapshot_new();
	size_t i, j, pairs = 0;

	prepare_dir("fuzz_canon_parse");
	if (ks_canon_add_btf(set, fx, 1))
		die("fixture: %s", ks_err_msg());
	ks_snapshot_finish(set);
	for (i = 0; i < set->n; i++)
		put_text("fixture", &set->entries[i]);
	if (set->n >= 2)
		put_pair("fixture-pair", &set->entries[0], &set->entries[1]);
	ks_snapshot_free(set);
	btf__free(fx);

	for (j = 0; j < nk; j++) {
		const struct ks_snapshot *s = ks[j].set;
		char *prefix = ks_xasprintf("real-%s", ks[j].release);

		for (i = 0; i < NINTERESTING; i++) {
			const struct ks_snapshot_entry *ct = set_find(s, "struct", interesting[i]);

			/* the largest texts make slow seeds */
			if (ct && ct->len < 16384)
				put_text(prefix, ct);
		}
		for (i = 0; i < s->n; i += 211)
			if (s->entries[i].len < 16384)
				put_text(prefix, &s->entries[i]);
		/* the same name in two kernels, where it changed */
		if (j) {
			const struct ks_snapshot *old = ks[j - 1].set;

			for (i = 0; i < s->n && pairs < 40; i++) {
				const struct ks_snapshot_entry *nt = &s->entries[i];
				const struct ks_snapshot_entry *ot = nt->variant == 1 ?
					set_find(old, nt->kind, nt->name) : NULL;

				if (ot && nt->len < 8192 && ot->len < 8192 &&
				    (ot->len != nt->len || memcmp(ot->text, nt->text, nt->len)) &&
				    (i % 7 == 0 || !strcmp(nt->name, "bpf_mem_alloc"))) {
					put_pair("pair", ot, nt);
					pairs++;
				}
			}
		}
		free(prefix);
	}
}

static void put_meta(const char *name, const struct ks_buf *b)
{
	put_seed("fuzz_meta", name, b->p, b->len);
}

static void meta_seeds(void)
{
	static const char *const sums[] = {
		"4f9d0c1b2a3e4d5f60718293a4b5c6d7e8f90123456789abcdef0123456789ab",
		"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
	};
	static const char *const names[] = {
		"refs/tags/x86_64/generic/6.1.0-47-generic-amd64",
		"refs/tags/aarch64/cloud/6.12.117-cloud-arm64",
		"refs/heads/x86_64/generic", "refs/heads/x86_64", "refs/tags/v1.0",
		"refs/tags/a/b/c/d", "refs/tags//b/c", "x86_64/generic", "x86_64/",
		"/generic", "a/b/c", "5.4.0-91-generic.btf", "6.1.0-47-arm64",
		"6.12.117-cloud-amd64", "4.18.0-305.el8.x86_64", "foo.lock", "a..b",
		"@{x}", "-x", ".x", "release^{}", "6.1.0-47-rt-amd64",
	};
	struct ks_release_meta m = { "6.1.0-47-generic-amd64", "x86_64", "generic",
				     (const char **)sums, 2, NULL };
	struct ks_buf b = KS_BUF_INIT;
	char *text;
	size_t len, i;
	git_oid tree, parent;

	prepare_dir("fuzz_meta");
	text = ks_meta_format(&m, 8749, 158, &len);
	buf_set(&b, text, len);
	ks_buf_add(&b, "\0x86_64/generic\0" "6.1.0-47-generic-amd64\0", 39);
	ks_buf_puts(&b, sums[0]);
	put_meta("meta-release", &b);
	buf_set(&b, text, len);
	put_meta("meta", &b);
	free(text);
	{
		/* the kinds lines of issue 14, counts of a 6.12 kernel */
		static const size_t counts[KS_KIND_COUNT] = { 8749, 158, 2151, 2156, 49766,
							      772, 444, 273, 0 };

		text = ks_meta_format_kinds(&m, KS_KINDS_ALL, counts, &len);
		buf_set(&b, text, len);
		put_meta("meta-kinds", &b);
		free(text);
	}

	git_oid_fromstr(&tree, "4b825dc642cb6eb9a060e54bf8d69288fbee4904");
	git_oid_fromstr(&parent, "ce013625030ba8dba906f756967f9e9ca394464a");
	text = ks_commit_format(&tree, &parent, "aarch64/cloud", "6.12.117-cloud-arm64", &len);
	buf_set(&b, text, len);
	ks_buf_putc(&b, '\0');
	ks_buf_puts(&b, "aarch64/cloud");
	ks_buf_putc(&b, '\0');
	ks_buf_puts(&b, "6.12.117-cloud-arm64");
	put_meta("commit", &b);
	free(text);

	ks_buf_truncate(&b, 0);
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (i)
			ks_buf_putc(&b, '\0');
		ks_buf_puts(&b, names[i]);
	}
	put_meta("names", &b);
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char *n = ks_xasprintf("name%02zu", i);

		buf_set(&b, names[i], strlen(names[i]));
		put_meta(n, &b);
		free(n);
	}
	ks_buf_free(&b);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The kernels of @data: DATA/NAME.btf.xz, in name order. */
static size_t load_kernels(const char *data, struct kernel **out)
{
	DIR *d = opendir(data);
	struct dirent *de;
	char **files = NULL;
	size_t n = 0, i;
	struct kernel *ks;

	if (!d) {
		fprintf(stderr, "fuzz_seeds: %s: %s (no real kernels: synthetic seeds "
			"only)\n", data, strerror(errno));
		*out = NULL;
		return 0;
	}
	while ((de = readdir(d))) {
		size_t l = strlen(de->d_name);

		if (l > 7 && !strcmp(de->d_name + l - 7, ".btf.xz")) {
			files = ks_xrealloc(files, (n + 1) * sizeof(*files));
			files[n++] = ks_xstrdup(de->d_name);
		}
	}
	closedir(d);
	qsort(files, n, sizeof(*files), cmp_str);
	ks = ks_xcalloc(n ? n : 1, sizeof(*ks));
	for (i = 0; i < n; i++) {
		char *path = ks_xasprintf("%s/%s", data, files[i]);

		if (ks_input_open(&ks[i].in, path, NULL))
			die("%s", ks_err_msg());
		ks[i].release = ks_xstrndup(files[i], strlen(files[i]) - 7);
		ks[i].set = ks_snapshot_new();
		if (ks_canon_add_btf(ks[i].set, ks[i].in->btf, 1))
			die("%s: %s", path, ks_err_msg());
		ks_snapshot_finish(ks[i].set);
		free(path);
		free(files[i]);
	}
	free(files);
	*out = ks;
	return n;
}

static int quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	(void)level;
	(void)fmt;
	(void)ap;
	return 0;
}

/* ---- fuzz_bpfobj ---- */

static void bpfobj_seeds(void)
{
	static const struct ks_test_relo relos[] = {
		{ "kprobe/vfs_read", 0, "0:0", 2, 0 },	/* exists task.pid */
		{ "kprobe/vfs_read", 2, "0:0", 0, 0 },	/* its offset */
		{ "kprobe/vfs_read", 3, "0:1:1", 4, 0 },	/* a bitfield's shift */
		{ "kprobe/vfs_read", 4, "0:2:3", 1, 0 },	/* an array element's size */
		{ "kprobe/vfs_read", 5, "1", 11, 1 },	/* an enumerator's value */
		{ "kprobe/vfs_read", 7, "0", 8, 0 },	/* type exists */
	};
	/* r1 = exists; if r1 == 0 goto +2; r2 = off; r3 = *(r1 + 0);
	 * r4 = shift; r5 = size; r0 = enum; r1 = type (ld_imm64); call
	 * +1; exit; exit */
	static const unsigned char code[] = {
		0xb7, 0x01, 0, 0, 1, 0, 0, 0,	0x15, 0x01, 2, 0, 0, 0, 0, 0,
		0xb7, 0x02, 0, 0, 0, 0, 0, 0,	0x79, 0x13, 0, 0, 0, 0, 0, 0,
		0xb7, 0x04, 0, 0, 5, 0, 0, 0,	0xb7, 0x05, 0, 0, 4, 0, 0, 0,
		0xb7, 0x00, 0, 0, 2, 0, 0, 0,	0x18, 0x01, 0, 0, 1, 0, 0, 0,
		0, 0, 0, 0, 0, 0, 0, 0,		0x85, 0x10, 0, 0, 1, 0, 0, 0,
		0x95, 0, 0, 0, 0, 0, 0, 0,	0x95, 0, 0, 0, 0, 0, 0, 0,
	};
	struct ks_buf btf = KS_BUF_INIT, ext = KS_BUF_INIT, obj = KS_BUF_INIT;
	struct ks_test_sec secs[4];
	size_t cut;

	prepare_dir("fuzz_bpfobj");
	ks_test_bpf_sections(relos, sizeof(relos) / sizeof(relos[0]), &btf, &ext);
	secs[0] = (struct ks_test_sec){ "kprobe/vfs_read", code, sizeof(code) };
	secs[1] = (struct ks_test_sec){ "tracepoint/sched/sched_switch", code, 16 };
	secs[2] = (struct ks_test_sec){ ".BTF", btf.p, btf.len };
	secs[3] = (struct ks_test_sec){ ".BTF.ext", ext.p, ext.len };
	elf_of(247 /* EM_BPF */, ET_REL, secs, 4, &obj);
	put_seed("fuzz_bpfobj", "object", obj.p, obj.len);
	for (cut = 64; cut < obj.len; cut += obj.len / 5) {
		char name[32];

		snprintf(name, sizeof(name), "object-cut-%zu", cut);
		put_seed("fuzz_bpfobj", name, obj.p, cut);
	}
	elf_of(247, ET_REL, secs, 3, &obj);	/* no .BTF.ext */
	put_seed("fuzz_bpfobj", "no-ext", obj.p, obj.len);
	ks_buf_free(&btf);
	ks_buf_free(&ext);
	ks_buf_free(&obj);
}

/* ---- fuzz_validate ---- */

static void validate_seeds(void)
{
	static const char good[] =
		"tree root\nb meta m\nt enum e\nt struct s\n"
		"tree s\nt b sb\ntree sb\nt bp sbp\ntree sbp\nb bpf_mem_alloc x\nb bpf_mem_alloc~2 y\n"
		"tree e\nt b eb\ntree eb\nt bp ebp\ntree ebp\nb bpf_prog_type z\n"
		"blob m 0\nkstruct-format 1\nrelease 6.1.0-47\narch x86_64\nflavor generic\n"
		"btf-sha256 0000000000000000000000000000000000000000000000000000000000000000\n"
		"structs 2\nunions 0\nkinds struct union enum\nenums 1\n.\n"
		"blob x 40\nstruct bpf_mem_alloc {\n};\t/* size 0 */\n.\n"
		"blob y 40\nstruct bpf_mem_alloc {\n};\t/* size 8 */\n.\n"
		"blob z 30\nenum bpf_prog_type {\n};\n.\n";
	static const char *const edits[][2] = {
		{ "b bpf_mem_alloc x", "b task_struct x" },
		{ "t bp sbp", "b bp sbp" },
		{ "structs 2", "structs 3" },
		{ "blob x 40", "blob x 1073741824" },
		{ "b meta m", "t meta m" },
		{ "t enum e", "t enums e" },
		{ "b bpf_mem_alloc~2 y", "b bpf_mem_alloc%2f y" },
	};
	size_t i;

	prepare_dir("fuzz_validate");
	put_seed("fuzz_validate", "good", good, sizeof(good) - 1);
	for (i = 0; i < sizeof(edits) / sizeof(edits[0]); i++) {
		struct ks_buf b = KS_BUF_INIT;
		const char *at = strstr(good, edits[i][0]);
		char name[32];

		ks_buf_add(&b, good, (size_t)(at - good));
		ks_buf_puts(&b, edits[i][1]);
		ks_buf_puts(&b, at + strlen(edits[i][0]));
		snprintf(name, sizeof(name), "edit-%zu", i);
		put_seed("fuzz_validate", name, b.p, b.len);
		ks_buf_free(&b);
	}
}

int main(int argc, char **argv)
{
	struct kernel *ks;
	size_t nk, i;

	if (argc != 3) {
		fprintf(stderr, "usage: %s DATA_DIR OUT_DIR\n", argv[0]);
		return 2;
	}
	libbpf_set_print(quiet);
	git_libgit2_init();
	out_dir = argv[2];
	nk = load_kernels(argv[1], &ks);
	input_seeds(ks, nk);
	canon_seeds(ks, nk);
	meta_seeds();
	bpfobj_seeds();
	validate_seeds();
	for (i = 0; i < nk; i++) {
		ks_input_free(ks[i].in);
		ks_snapshot_free(ks[i].set);
		free(ks[i].release);
	}
	free(ks);
	git_libgit2_shutdown();
	printf("fuzz_seeds: %u seeds from %zu real kernels in %s\n", nseeds, nk, out_dir);
	return 0;
}
