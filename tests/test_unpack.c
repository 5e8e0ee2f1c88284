/* Unit tests of btf/ks_unpack: every shape a kernel comes in, built here
 * from a small BTF (libbpf's writer), a tiny ELF vmlinux (libelf), and
 * libarchive's writer for the compressions, tars and .deb archives; then
 * every kind of damaged or useless container. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <archive.h>
#include <archive_entry.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ks_buf.h"
#include "ks_err.h"
#include "ks_input.h"
#include "ks_test_fs.h"
#include "ks_test_elf.h"
#include "ks_unpack.h"

/* A small BTF: struct task { int pid; } and @extra more structs. */
static unsigned char *make_btf(int extra, size_t *len)
{
	struct btf *btf = btf__new_empty();
	const void *raw;
	__u32 sz;
	unsigned char *copy;
	int i32 = btf__add_int(btf, "int", 4, BTF_INT_SIGNED), i;

	btf__add_struct(btf, "task", 4);
	btf__add_field(btf, "pid", i32, 0, 0);
	for (i = 0; i < extra; i++) {
		char name[32];

		snprintf(name, sizeof(name), "s%d", i);
		btf__add_struct(btf, name, 8);
		btf__add_field(btf, "a", i32, 0, 0);
		btf__add_field(btf, "b", i32, 32, 0);
	}
	raw = btf__raw_data(btf, &sz);
	copy = ks_xmalloc(sz);
	memcpy(copy, raw, sz);
	*len = sz;
	btf__free(btf);
	return copy;
}

static unsigned char *read_whole(const char *path, size_t *len)
{
	struct ks_buf b = KS_BUF_INIT;
	char chunk[4096];
	FILE *f = fopen(path, "rb");
	size_t n;

	assert_non_null(f);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		ks_buf_add(&b, chunk, n);
	fclose(f);
	return (unsigned char *)ks_buf_detach(&b, len);
}

/* A tiny x86_64 ELF vmlinux: .rodata with the banner, .BTF. */
static unsigned char *make_elf(const void *btf, size_t btf_len, size_t *len)
{
	static const char banner[] = "Linux version 6.1.0-99-amd64 (b@h) #1 SMP\n";
	struct ks_test_sec secs[] = {
		{ ".rodata", banner, sizeof(banner) },
		{ ".BTF", btf, btf_len },
	};
	char *path = ks_xasprintf("%s/vmlinux.elf", ks_test_dir);
	unsigned char *bytes;

	assert_int_equal(ks_test_write_elf(path, EM_X86_64, ET_EXEC, secs, 2), 0);
	bytes = read_whole(path, len);
	free(path);
	return bytes;
}

struct member {
	const char *path;
	const void *data;
	size_t len;
};

/* @format "raw", "ustar" or "ar" (a .deb's), @filter NULL or a libarchive
 * filter name ("xz", "gzip", "zstd", "bzip2", "lz4"). */
static unsigned char *pack(const char *format, const char *filter,
			   const struct member *m, size_t nm, size_t *len)
{
	struct archive *a = archive_write_new();
	size_t cap = 65536, used = 0, i;
	unsigned char *buf;

	for (i = 0; i < nm; i++)
		cap += m[i].len * 2 + 1024;
	buf = ks_xmalloc(cap);
	if (!strcmp(format, "raw"))
		assert_int_equal(archive_write_set_format_raw(a), ARCHIVE_OK);
	else if (!strcmp(format, "ustar"))
		assert_int_equal(archive_write_set_format_ustar(a), ARCHIVE_OK);
	else
		assert_int_equal(archive_write_set_format_ar_svr4(a), ARCHIVE_OK);
	if (filter)
		assert_int_equal(archive_write_add_filter_by_name(a, filter), ARCHIVE_OK);
	archive_write_set_bytes_in_last_block(a, 1);
	assert_int_equal(archive_write_open_memory(a, buf, cap, &used), ARCHIVE_OK);
	for (i = 0; i < nm; i++) {
		struct archive_entry *e = archive_entry_new();

		archive_entry_set_pathname(e, m[i].path);
		archive_entry_set_filetype(e, AE_IFREG);
		archive_entry_set_perm(e, 0644);
		archive_entry_set_size(e, (la_int64_t)m[i].len);
		assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
		if (m[i].len)
			assert_int_equal(archive_write_data(a, m[i].data, m[i].len),
					 (la_ssize_t)m[i].len);
		archive_entry_free(e);
	}
	assert_int_equal(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
	*len = used;
	return buf;
}

static unsigned char *compress(const char *filter, const void *p, size_t n, size_t *len)
{
	struct member m = { "data", p, n };

	return pack("raw", filter, &m, 1, len);
}

static void put32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
	p[2] = (unsigned char)(v >> 16);
	p[3] = (unsigned char)(v >> 24);
}

/* The kernel's lz4 "legacy" format (lz4 -l), which libarchive's writer
 * does not make: magic, then blocks of u32 LE length + an lz4 block. One
 * block of literals only is a valid lz4 block. */
static unsigned char *lz4_legacy(const unsigned char *p, size_t n, size_t *len)
{
	struct ks_buf b = KS_BUF_INIT;
	unsigned char hdr[4];
	size_t start, rest;

	ks_buf_add(&b, "\x02\x21\x4c\x18", 4);
	start = b.len;
	ks_buf_add(&b, "\0\0\0\0", 4);
	ks_buf_putc(&b, (char)((n >= 15 ? 15 : n) << 4));
	if (n >= 15) {		/* the rest of the literal length: 255s, then < 255 */
		for (rest = n - 15; rest >= 255; rest -= 255)
			ks_buf_putc(&b, (char)255);
		ks_buf_putc(&b, (char)rest);
	}
	ks_buf_add(&b, p, n);
	put32(hdr, (uint32_t)(b.len - start - 4));
	memcpy(b.p + start, hdr, 4);
	return (unsigned char *)ks_buf_detach(&b, len);
}

/* A bzImage: one setup sector after the boot sector, the header's
 * payload location, the compressed vmlinux (plus the size trailer x86's
 * build appends to all but gzip). */
static unsigned char *make_bzimage(const unsigned char *payload, size_t plen,
				   uint32_t trailer, size_t *len)
{
	const size_t pm = 1024, poff = 0x40;
	size_t total = pm + poff + plen + (trailer ? 4 : 0);
	unsigned char *b = ks_xcalloc(1, total);

	b[0x1f1] = 1;				/* setup_sects */
	memcpy(b + 0x202, "HdrS", 4);
	b[0x206] = 0x0f;			/* boot protocol 2.15 */
	b[0x207] = 0x02;
	put32(b + 0x248, (uint32_t)poff);
	put32(b + 0x24c, (uint32_t)(plen + (trailer ? 4 : 0)));
	memcpy(b + pm + poff, payload, plen);
	if (trailer)
		put32(b + pm + poff + plen, trailer);
	*len = total;
	return b;
}

/* A raw arm64 Image: header with its magic, a banner, a BTF look-alike
 * that libbpf refuses, a smaller valid BTF, then the kernel's @btf. */
static unsigned char *make_image(const unsigned char *btf, size_t blen, size_t *len)
{
	static const char banner[] = "Linux version 6.1.0-99-arm64 (b@h) #1 SMP\n";
	size_t small_len, total = 0x400 + 0x400 + blen + 0x100;
	unsigned char *small = make_btf(0, &small_len);
	unsigned char *b = ks_xcalloc(1, total);

	memcpy(b + 56, "ARM\x64", 4);
	memcpy(b + 0x100, banner, sizeof(banner));
	/* header fine, 8 bytes of "types" that are not one type */
	memcpy(b + 0x200, "\x9f\xeb\x01\x00", 4);
	put32(b + 0x204, 24);
	put32(b + 0x208, 0);
	put32(b + 0x20c, 8);
	put32(b + 0x210, 8);
	put32(b + 0x214, 4);
	memcpy(b + 0x218, "\xff\xff\xff\xff\xff\xff\xff\xff" "\0ab\0", 12);
	assert_true(small_len < 0x400);
	memcpy(b + 0x400, small, small_len);
	memcpy(b + 0x800, btf, blen);
	memset(b + 0x800 + blen, 0xaa, 0x100);
	free(small);
	*len = total;
	return b;
}

static void expect_bytes(const struct ks_unpacked *u, const void *p, size_t n)
{
	assert_int_equal(u->len, n);
	assert_memory_equal(u->data, p, n);
}

/* Not containers: left to ks_input. */
static void test_unpack_plain(void **state)
{
	size_t blen, elen;
	unsigned char *btf = make_btf(0, &blen), *elf = make_elf(btf, blen, &elen);
	struct ks_unpacked u;

	(void)state;
	assert_int_equal(ks_unpack(&u, "x.btf", btf, blen), 0);
	assert_null(u.data);
	assert_int_equal(ks_unpack(&u, "vmlinux", elf, elen), 0);
	assert_int_equal(ks_unpack(&u, "README", (const unsigned char *)"hello\n", 6), 0);
	assert_int_equal(ks_unpack(&u, "empty", (const unsigned char *)"", 0), 0);
	ks_unpacked_free(&u);
	free(btf);
	free(elf);
}

static void test_unpack_compressed_btf(void **state)
{
	static const char *const filters[] = { "gzip", "xz", "zstd", "bzip2", "lz4" };
	size_t blen, clen, i;
	unsigned char *btf = make_btf(20, &blen), *c;
	struct ks_unpacked u;

	(void)state;
	for (i = 0; i < sizeof(filters) / sizeof(filters[0]); i++) {
		c = compress(filters[i], btf, blen, &clen);
		assert_int_equal(ks_unpack(&u, "/k/5.4.0-91-generic.btf.gz", c, clen), 1);
		expect_bytes(&u, btf, blen);
		assert_string_equal(u.name, "/k/5.4.0-91-generic.btf.gz");
		assert_string_equal(u.release, "5.4.0-91-generic");
		assert_null(u.arch);
		ks_unpacked_free(&u);
		free(c);
	}
	/* no release in the name: none */
	c = compress("gzip", btf, blen, &clen);
	assert_int_equal(ks_unpack(&u, "vmlinux.btf.gz", c, clen), 1);
	assert_null(u.release);
	ks_unpacked_free(&u);
	free(c);

	/* layers of compression come off together */
	{
		size_t l1, l2, l3;
		unsigned char *z = compress("zstd", btf, blen, &l1);
		unsigned char *x = compress("xz", z, l1, &l2);
		unsigned char *g = compress("gzip", x, l2, &l3);

		assert_int_equal(ks_unpack(&u, "b.gz", g, l3), 1);
		expect_bytes(&u, btf, blen);
		ks_unpacked_free(&u);
		free(z);
		free(x);
		free(g);
	}
	free(btf);
}

static void test_unpack_btfhub_tar(void **state)
{
	size_t blen, tlen;
	unsigned char *btf = make_btf(3, &blen), *t;
	const char readme[] = "made by pahole\n";
	struct member m[] = {
		{ "README", readme, sizeof(readme) - 1 },
		{ "./4.18.0-147.5.1.el8_1.aarch64.btf", NULL, 0 },
	};
	struct ks_unpacked u;

	(void)state;
	m[1].data = btf;
	m[1].len = blen;
	t = pack("ustar", "xz", m, 2, &tlen);
	assert_int_equal(ks_unpack(&u, "d/4.18.0-147.5.1.el8_1.aarch64.btf.tar.xz",
				   t, tlen), 1);
	expect_bytes(&u, btf, blen);
	assert_string_equal(u.name, "d/4.18.0-147.5.1.el8_1.aarch64.btf.tar.xz:"
			    "4.18.0-147.5.1.el8_1.aarch64.btf");
	assert_string_equal(u.release, "4.18.0-147.5.1.el8_1.aarch64");
	ks_unpacked_free(&u);
	free(t);

	/* an uncompressed tar; the member's name is the release */
	t = pack("ustar", NULL, &m[1], 1, &tlen);
	assert_int_equal(ks_unpack(&u, "kernel.tar", t, tlen), 1);
	expect_bytes(&u, btf, blen);
	assert_string_equal(u.release, "4.18.0-147.5.1.el8_1.aarch64");
	ks_unpacked_free(&u);
	free(t);
	free(btf);
}

/* The vmlinux of a bzImage, whatever the payload's compression. */
static void test_unpack_bzimage(void **state)
{
	static const char *const filters[] = { "xz", "zstd", "gzip", "bzip2", "lz4" };
	size_t blen, elen, clen, zlen, i;
	unsigned char *btf = make_btf(5, &blen), *elf = make_elf(btf, blen, &elen);
	unsigned char *c, *z;
	struct ks_unpacked u;

	(void)state;
	for (i = 0; i < sizeof(filters) / sizeof(filters[0]); i++) {
		c = compress(filters[i], elf, elen, &clen);
		z = make_bzimage(c, clen, strcmp(filters[i], "gzip") ? (uint32_t)elen : 0,
				 &zlen);
		assert_int_equal(ks_unpack(&u, "vmlinuz-6.1.0-99-amd64", z, zlen), 1);
		expect_bytes(&u, elf, elen);
		assert_string_equal(u.name, "vmlinuz-6.1.0-99-amd64");
		assert_null(u.release);	/* ks_input reads the ELF's banner */
		ks_unpacked_free(&u);
		free(c);
		free(z);
	}
	/* lz4 in the kernel's legacy format (Debian's 6.1 cloud kernels) */
	c = lz4_legacy(elf, elen, &clen);
	z = make_bzimage(c, clen, (uint32_t)elen, &zlen);
	assert_int_equal(ks_unpack(&u, "vmlinuz-cloud", z, zlen), 1);
	expect_bytes(&u, elf, elen);
	ks_unpacked_free(&u);
	free(c);
	free(z);

	/* a gzip stream in two members (gzip's own CRC checks them) */
	{
		size_t l1, l2;
		unsigned char *g1 = compress("gzip", btf, blen / 2, &l1);
		unsigned char *g2 = compress("gzip", btf + blen / 2, blen - blen / 2, &l2);

		c = ks_xmalloc(l1 + l2);
		memcpy(c, g1, l1);
		memcpy(c + l1, g2, l2);
		assert_int_equal(ks_unpack(&u, "two.gz", c, l1 + l2), 1);
		expect_bytes(&u, btf, blen);
		ks_unpacked_free(&u);
		free(g1);
		free(g2);
		free(c);
	}
	free(btf);
	free(elf);
}

/* A .deb whose control file is @control. */
static unsigned char *make_deb_control(const char *control, const struct member *data,
				       size_t ndata, size_t *len)
{
	struct member cm = { "./control", control, strlen(control) };
	size_t clen, dlen;
	unsigned char *ctar = pack("ustar", "xz", &cm, 1, &clen);
	unsigned char *dtar = pack("ustar", "xz", data, ndata, &dlen);
	struct member ar[] = {
		{ "debian-binary", "2.0\n", 4 },
		{ "control.tar.xz", ctar, clen },
		{ "data.tar.xz", dtar, dlen },
	};
	unsigned char *deb = pack("ar", NULL, ar, 3, len);

	free(ctar);
	free(dtar);
	return deb;
}

static unsigned char *make_deb(const char *arch, const struct member *data,
			       size_t ndata, size_t *len)
{
	char *control = ks_xasprintf("Package: linux-image-6.1.0-99-amd64\n"
				     "Version: 6.1.170-9\nArchitecture: %s\n"
				     "Description: Linux 6.1\n", arch);
	unsigned char *deb = make_deb_control(control, data, ndata, len);

	free(control);
	return deb;
}

static void test_unpack_deb(void **state)
{
	size_t blen, elen, clen, zlen, dlen;
	unsigned char *btf = make_btf(5, &blen), *elf = make_elf(btf, blen, &elen);
	unsigned char *c = compress("xz", elf, elen, &clen);
	unsigned char *z = make_bzimage(c, clen, (uint32_t)elen, &zlen), *deb;
	const char config[] = "CONFIG_DEBUG_INFO_BTF=y\n";
	struct member data[] = {
		{ "./boot/config-6.1.0-99-amd64", config, sizeof(config) - 1 },
		{ "./boot/vmlinuz-6.1.0-99-amd64", z, zlen },
		{ "./lib/modules/6.1.0-99-amd64/kernel/x.ko", "\x7f" "ELF", 4 },
	};
	struct ks_unpacked u;

	(void)state;
	deb = make_deb("amd64", data, 3, &dlen);
	assert_int_equal(ks_unpack(&u, "p/linux-image-6.1.0-99-amd64_6.1.170-9_amd64.deb",
				   deb, dlen), 1);
	expect_bytes(&u, elf, elen);
	assert_string_equal(u.name, "p/linux-image-6.1.0-99-amd64_6.1.170-9_amd64.deb:"
			    "boot/vmlinuz-6.1.0-99-amd64");
	assert_string_equal(u.release, "6.1.0-99-amd64");
	assert_string_equal(u.arch, "x86_64");
	ks_unpacked_free(&u);
	free(deb);

	/* Debian architecture names become uname's */
	deb = make_deb("ppc64el", data, 3, &dlen);
	assert_int_equal(ks_unpack(&u, "k.deb", deb, dlen), 1);
	assert_string_equal(u.arch, "ppc64le");
	ks_unpacked_free(&u);
	free(deb);
	free(btf);
	free(elf);
	free(c);
	free(z);
}

static void test_unpack_arm64_image(void **state)
{
	size_t blen, ilen, glen, zlen;
	unsigned char *btf = make_btf(40, &blen), *img = make_image(btf, blen, &ilen);
	unsigned char *gz, *zb;
	struct member data[] = { { "boot/vmlinuz-6.1.0-99-arm64", NULL, 0 } };
	struct ks_unpacked u;

	(void)state;
	/* the largest blob libbpf accepts, cut at its string section's end */
	assert_int_equal(ks_unpack(&u, "Image", img, ilen), 1);
	expect_bytes(&u, btf, blen);
	assert_string_equal(u.release, "6.1.0-99-arm64");
	assert_string_equal(u.arch, "aarch64");
	ks_unpacked_free(&u);

	/* Image.gz (Ubuntu's arm64 vmlinuz) */
	gz = compress("gzip", img, ilen, &glen);
	assert_int_equal(ks_unpack(&u, "vmlinuz", gz, glen), 1);
	expect_bytes(&u, btf, blen);
	assert_string_equal(u.release, "6.1.0-99-arm64");
	ks_unpacked_free(&u);

	/* EFI zboot: "MZ", "zimg", payload offset and size, compression */
	zlen = 0x80 + glen;
	zb = ks_xcalloc(1, zlen);
	memcpy(zb, "MZ\0\0zimg", 8);
	put32(zb + 8, 0x80);
	put32(zb + 12, (uint32_t)glen);
	memcpy(zb + 24, "gzip", 5);
	memcpy(zb + 0x80, gz, glen);
	assert_int_equal(ks_unpack(&u, "vmlinuz.efi", zb, zlen), 1);
	expect_bytes(&u, btf, blen);
	ks_unpacked_free(&u);
	free(zb);

	/* in a .deb: the release from the file name, the arch from control */
	data[0].data = img;
	data[0].len = ilen;
	free(gz);
	gz = make_deb("arm64", data, 1, &glen);
	assert_int_equal(ks_unpack(&u, "linux-image-6.1.0-99-arm64.deb", gz, glen), 1);
	expect_bytes(&u, btf, blen);
	assert_string_equal(u.name, "linux-image-6.1.0-99-arm64.deb:"
			    "boot/vmlinuz-6.1.0-99-arm64");
	assert_string_equal(u.release, "6.1.0-99-arm64");
	assert_string_equal(u.arch, "aarch64");
	ks_unpacked_free(&u);
	free(gz);
	free(img);
	free(btf);
}

/* Which distribution built a .deb: its Maintainer, else its Version;
 * a kernel Image's banner; and, through ks_input, the package over a
 * btfhub-archive path and the release string. */
static void test_unpack_distro(void **state)
{
	static const struct {
		const char *control, *distro, *why;
	} controls[] = {
		{ "Package: linux-image-5.15.0-91-generic\nSource: linux-signed\n"
		  "Version: 5.15.0-91.101\nMaintainer: Ubuntu Kernel Team "
		  "<kernel-team@lists.ubuntu.com>\nOriginal-Maintainer: Debian Kernel "
		  "Team <debian-kernel@lists.debian.org>\nArchitecture: amd64\n",
		  "ubuntu", "the package's Maintainer Ubuntu Kernel Team "
		  "<kernel-team@lists.ubuntu.com>" },
		{ "Package: linux-image-6.1.0-99-amd64\nSource: linux-signed-amd64\n"
		  "Version: 6.1.158-1\nMaintainer: Debian Kernel Team "
		  "<debian-kernel@lists.debian.org>\nArchitecture: amd64\n",
		  "debian", "the package's Maintainer Debian Kernel Team "
		  "<debian-kernel@lists.debian.org>" },
		{ "Package: linux-image-6.1.0-99-amd64\nVersion: 6.1.158-1+deb12u1\n"
		  "Architecture: amd64\n", "debian",
		  "the package's Version 6.1.158-1+deb12u1" },
		{ "Package: linux-image-5.15.0-91-generic\nVersion: 5.15.0-91.101\n"
		  "Architecture: amd64\n", "ubuntu", "the package's Version 5.15.0-91.101" },
		{ "Package: linux-image-6.1.0-99-amd64\nVersion: 6.1.170-9\n"
		  "Maintainer: Someone <me@example.org>\nArchitecture: amd64\n", NULL, NULL },
		{ "Package: x\nX-Maintainer: Ubuntu\nVersion: 5.15.0-91\n", NULL, NULL },
	};
	size_t blen, elen, dlen, ilen, i;
	unsigned char *btf = make_btf(2, &blen), *elf = make_elf(btf, blen, &elen), *deb;
	unsigned char *img;
	struct member data[] = { { "./boot/vmlinuz-6.1.0-99-amd64", elf, elen } };
	static const char debian_banner[] = "Linux version 6.1.0-99-arm64 "
		"(debian-kernel@lists.debian.org) (gcc-12 (Debian 12.2.0-14)) #1 SMP\n";
	struct ks_input *in = NULL;
	struct ks_unpacked u;
	char *dir, *p;

	(void)state;
	for (i = 0; i < sizeof(controls) / sizeof(controls[0]); i++) {
		deb = make_deb_control(controls[i].control, data, 1, &dlen);
		assert_int_equal(ks_unpack(&u, "k.deb", deb, dlen), 1);
		if (controls[i].distro) {
			assert_non_null(u.distro);
			assert_string_equal(u.distro, controls[i].distro);
			assert_string_equal(u.distro_why, controls[i].why);
		} else {
			if (u.distro)
				fail_msg("control %zu: distro %s, expected none", i, u.distro);
			assert_null(u.distro_why);
		}
		ks_unpacked_free(&u);
		free(deb);
	}

	/* a raw arm64 Image: its banner */
	img = make_image(btf, blen, &ilen);
	assert_int_equal(ks_unpack(&u, "Image", img, ilen), 1);
	assert_null(u.banner_distro);
	ks_unpacked_free(&u);
	memcpy(img + 0x100, debian_banner, sizeof(debian_banner));
	assert_int_equal(ks_unpack(&u, "Image", img, ilen), 1);
	assert_string_equal(u.banner_distro, "debian");
	assert_non_null(u.banner_why);
	ks_unpacked_free(&u);
	free(img);

	/* the package outranks the btfhub-archive path and the release */
	dir = ks_test_path("hub");
	assert_int_equal(mkdir(dir, 0755), 0);
	free(dir);
	dir = ks_test_path("hub/debian");
	assert_int_equal(mkdir(dir, 0755), 0);
	free(dir);
	dir = ks_test_path("hub/debian/12");
	assert_int_equal(mkdir(dir, 0755), 0);
	free(dir);
	dir = ks_test_path("hub/debian/12/x86_64");
	assert_int_equal(mkdir(dir, 0755), 0);
	free(dir);
	p = ks_test_path("hub/debian/12/x86_64/6.1.0-99-amd64.btf");
	deb = make_deb_control(controls[0].control, data, 1, &dlen);
	ks_test_write_file(p, deb, dlen);
	free(deb);
	assert_int_equal(ks_input_open(&in, p, NULL), 0);
	assert_string_equal(in->release, "6.1.0-99-amd64");
	assert_string_equal(in->distro, "ubuntu");
	assert_string_equal(in->distro_why, controls[0].why);
	assert_string_equal(in->path_distro, "debian");
	ks_input_free(in);

	/* without the package's word, the path's */
	deb = make_deb_control(controls[4].control, data, 1, &dlen);
	ks_test_write_file(p, deb, dlen);
	free(deb);
	assert_int_equal(ks_input_open(&in, p, NULL), 0);
	assert_string_equal(in->distro, "debian");
	assert_string_equal(in->distro_why, "the btfhub-archive path debian/12/x86_64/");
	ks_input_free(in);
	free(p);
	free(btf);
	free(elf);
}

static void expect_error(const char *name, const unsigned char *p, size_t n,
			 int code, const char *says)
{
	struct ks_unpacked u;

	int r;

	ks_err_clear();
	r = ks_unpack(&u, name, p, n);
	if (r != code)
		fail_msg("%s: %d, not %d (%s)", name, r, code, r ? ks_err_msg() : "");
	assert_null(u.data);
	if (!strstr(ks_err_msg(), name) || !strstr(ks_err_msg(), says))
		fail_msg("%s: message \"%s\" lacks \"%s\"", name, ks_err_msg(), says);
}

static void test_unpack_bad(void **state)
{
	size_t blen, elen, clen, len, i;
	unsigned char *btf = make_btf(200, &blen), *elf = make_elf(btf, blen, &elen);
	unsigned char *c, *b;
	char garbage[4096];

	(void)state;
	srand(7);
	for (i = 0; i < sizeof(garbage); i++)
		garbage[i] = (char)(rand() & 0xff);

	/* truncated xz */
	c = compress("xz", btf, blen, &clen);
	expect_error("t.btf.xz", c, clen / 2, KS_EFORMAT, "xz");
	expect_error("t.btf.xz", c, 8, KS_EFORMAT, "xz");
	free(c);

	/* corrupt gzip: deflate data overwritten, then only the CRC */
	c = compress("gzip", btf, blen, &clen);
	memset(c + clen / 2, 0xff, 16);
	expect_error("c.btf.gz", c, clen, KS_EFORMAT, "gzip");
	free(c);
	c = compress("gzip", btf, blen, &clen);
	c[clen - 6] ^= 0x55;
	expect_error("crc.btf.gz", c, clen, KS_EFORMAT, "gzip");
	free(c);

	/* compressed, but nothing of a kernel inside */
	c = compress("zstd", "hello\n", 6, &clen);
	expect_error("README.zst", c, clen, KS_ENOTKERNEL, "unrecognised");
	free(c);

	/* a .deb without a kernel (a meta package) */
	{
		struct member doc = { "./usr/share/doc/linux-image-amd64/copyright", "GPL", 3 };

		b = make_deb("amd64", &doc, 1, &len);
		expect_error("linux-image-amd64.deb", b, len, KS_ENOTKERNEL,
			     "no kernel image");
		free(b);
	}
	/* an ar archive that is no Debian package */
	{
		struct member o = { "x.o", "\x7f" "ELF", 4 };

		b = pack("ar", NULL, &o, 1, &len);
		expect_error("libx.a", b, len, KS_ENOTKERNEL, "no Debian package");
		free(b);
	}
	/* a tar without .btf */
	{
		struct member m = { "4.19.90.txt", "x", 1 };

		b = pack("ustar", "xz", &m, 1, &len);
		expect_error("4.19.90.btf.tar.xz", b, len, KS_ENOTKERNEL, "no .btf");
		free(b);
	}
	/* a truncated .deb */
	{
		struct member m = { "./boot/vmlinuz-6.1.0-99-amd64", garbage, sizeof(garbage) };

		b = make_deb("amd64", &m, 1, &len);
		expect_error("cut.deb", b, len - 500, KS_EFORMAT, "truncated package");
		free(b);
	}

	/* bzImage: garbage payload; xz magic then garbage; payload beyond the end */
	b = make_bzimage((unsigned char *)garbage, sizeof(garbage), 0, &len);
	b[0x400 + 0x40] = 0x42;
	expect_error("vmlinuz-garbage", b, len, KS_EFORMAT, "no compression format");
	free(b);
	memcpy(garbage, "\xfd" "7zXZ\0", 6);
	b = make_bzimage((unsigned char *)garbage, sizeof(garbage), 100000, &len);
	expect_error("vmlinuz-badxz", b, len, KS_EFORMAT, "xz");
	expect_error("vmlinuz-short", b, len - 100, KS_EFORMAT, "truncated bzImage");
	free(b);
	/* a size trailer that disagrees (lz4's legacy format has no checksum) */
	c = lz4_legacy(elf, elen, &clen);
	b = make_bzimage(c, clen, (uint32_t)elen + 1, &len);
	expect_error("vmlinuz-size", b, len, KS_EFORMAT, "the size after it says");
	free(b);
	/* one that says 4 GiB: refused before decompressing */
	b = make_bzimage(c, clen, 0xffffffffu, &len);
	expect_error("vmlinuz-huge", b, len, KS_EFORMAT, "larger than 2 GiB");
	free(b);
	free(c);
	/* bzImage whose payload is sound but holds no vmlinux */
	garbage[0] = 'G';
	c = compress("xz", garbage, sizeof(garbage), &clen);
	b = make_bzimage(c, clen, sizeof(garbage), &len);
	expect_error("vmlinuz-noelf", b, len, KS_ENOTKERNEL, "unrecognised");
	free(b);
	free(c);

	/* an arm64 Image without BTF */
	b = ks_xcalloc(1, 8192);
	memcpy(b + 56, "ARM\x64", 4);
	memcpy(b + 4096, "\x9f\xeb\x01\x00", 4);	/* a header with nothing after */
	expect_error("Image-nobtf", b, 8192, KS_EFORMAT, "without BTF");
	/* a real BTF header whose sections run past the end: cut, not absent */
	memcpy(b + 4096, "\x9f\xeb\x01\x00\x18\x00\x00\x00", 8);
	memcpy(b + 4096 + 12, "\x00\x00\x01\x00\x00\x00\x01\x00\x00\x00\x01\x00", 12);
	expect_error("Image-cut", b, 8192, KS_EFORMAT, "BTF (header at offset 4096) is truncated");
	free(b);

	/* too large once decompressed (a bomb), by stream or by tar member */
	ks_unpack_limit = 4096;
	b = ks_xmalloc(100000);
	memset(b, 'A', 100000);		/* (zeros would read as an empty tar) */
	c = compress("gzip", b, 100000, &clen);
	expect_error("bomb.gz", c, clen, KS_EFORMAT, "larger than");
	free(c);
	{
		struct member m = { "5.4.0.btf", b, 100000 };

		c = pack("ustar", "xz", &m, 1, &clen);
		expect_error("bomb.btf.tar.xz", c, clen, KS_EFORMAT, "larger than");
		free(c);
	}
	ks_unpack_limit = (size_t)2 << 30;
	free(b);
	free(btf);
	free(elf);
}

/* libbpf says why each BTF look-alike in an Image is refused */
static int quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	(void)level;
	(void)fmt;
	(void)ap;
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unpack_plain),
		cmocka_unit_test(test_unpack_compressed_btf),
		cmocka_unit_test(test_unpack_btfhub_tar),
		cmocka_unit_test(test_unpack_bzimage),
		cmocka_unit_test(test_unpack_deb),
		cmocka_unit_test(test_unpack_arm64_image),
		cmocka_unit_test(test_unpack_distro),
		cmocka_unit_test(test_unpack_bad),
	};

	libbpf_set_print(quiet);
	return cmocka_run_group_tests(tests, ks_test_dir_setup, ks_test_dir_teardown);
}
