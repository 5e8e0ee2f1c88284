/* Unwrapping kernels as they are published, down to an ELF vmlinux or raw
 * BTF, in memory.
 *
 * Containers and compressions are read with libarchive: one well-kept
 * library (Debian's libarchive13, the engine of bsdtar) reads ar, tar and
 * every compression distros use — gzip, xz, zstd, lz4 (the frame format
 * and the kernel's legacy one), bzip2, lzma — instead of five decoders and
 * two container parsers written by hand. (One gap: libarchive does not
 * check a gzip member's CRC, so zlib does, below.) What libarchive does
 * not know is done here: the x86 bzImage setup header, the EFI zboot
 * header, and finding the BTF blob inside a raw arm64/riscv Image (which
 * has no ELF section table).
 *
 * The unwrapping is a loop over pieces of memory: each step looks at the
 * piece's first bytes, takes one layer off (decompresses, picks a member
 * of a tar or .deb, cuts a bzImage's payload) and looks again, until ELF
 * or BTF bytes remain. Everything here is reentrant (import runs it on
 * several threads at once). */
#include "ks_unpack.h"

#include <bpf/btf.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "ks_buf.h"
#include "ks_distro.h"
#include "ks_err.h"
#include "ks_libarchive.h"

/* every libarchive call goes through the table loaded on first use */
#define archive_entry_filetype ks_la.archive_entry_filetype
#define archive_entry_pathname ks_la.archive_entry_pathname
#define archive_entry_size ks_la.archive_entry_size
#define archive_errno ks_la.archive_errno
#define archive_error_string ks_la.archive_error_string
#define archive_filter_code ks_la.archive_filter_code
#define archive_filter_count ks_la.archive_filter_count
#define archive_filter_name ks_la.archive_filter_name
#define archive_format ks_la.archive_format
#define archive_read_data ks_la.archive_read_data
#define archive_read_data_block ks_la.archive_read_data_block
#define archive_read_free ks_la.archive_read_free
#define archive_read_header_position ks_la.archive_read_header_position
#define archive_read_new ks_la.archive_read_new
#define archive_read_next_header ks_la.archive_read_next_header
#define archive_read_open ks_la.archive_read_open
#define archive_read_open_memory ks_la.archive_read_open_memory
#define archive_read_support_filter_bzip2 ks_la.archive_read_support_filter_bzip2
#define archive_read_support_filter_gzip ks_la.archive_read_support_filter_gzip
#define archive_read_support_filter_lz4 ks_la.archive_read_support_filter_lz4
#define archive_read_support_filter_lzip ks_la.archive_read_support_filter_lzip
#define archive_read_support_filter_lzma ks_la.archive_read_support_filter_lzma
#define archive_read_support_filter_xz ks_la.archive_read_support_filter_xz
#define archive_read_support_filter_zstd ks_la.archive_read_support_filter_zstd
#define archive_read_support_format_ar ks_la.archive_read_support_format_ar
#define archive_read_support_format_raw ks_la.archive_read_support_format_raw
#define archive_read_support_format_tar ks_la.archive_read_support_format_tar
#define archive_set_error ks_la.archive_set_error

size_t ks_unpack_limit = (size_t)2 << 30;

/* gzip of a tar of an xz of ...: real files have at most four layers
 * (.deb, data.tar.xz, bzImage, its payload). */
#define MAX_DEPTH 8

/* A Debian control file is a few KiB. */
#define CONTROL_LIMIT ((size_t)1 << 20)

/* A real System.map is about 10 MiB. */
#define SYSMAP_LIMIT ((size_t)64 << 20)

/* One layer: bytes and the name they go by in messages. */
struct piece {
	char *name;
	const unsigned char *p;
	size_t n;
	unsigned char *own;	/* heap buffer behind p, or NULL */
};

struct unpack {
	char *release;
	char *arch;
	char *distro, *distro_why;	/* from a .deb's control */
	const char *banner_distro, *banner_why;
	unsigned char *sysmap;		/* boot/System.map-* of a package */
	size_t sysmap_len;
	char *sysmap_name;
};

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static uint16_t le16(const unsigned char *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static int starts_with(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && !memcmp(s + n - m, suffix, m);
}

/* Sets a release or arch the container tells, once; a value with blanks
 * or control bytes (a hostile member name) tells nothing. */
static void set_once(char **slot, const char *value, size_t n)
{
	size_t i;

	if (*slot || !value || !n)
		return;
	for (i = 0; i < n; i++)
		if ((unsigned char)value[i] <= ' ' || (unsigned char)value[i] >= 0x7f)
			return;
	*slot = ks_xstrndup(value, n);
}

/* "FILE:MEMBER" for messages, the member's control and non-ASCII bytes
 * written \xNN: a member name must not break the message's one line or
 * talk to the terminal. */
static char *member_name(const char *name, const char *member)
{
	struct ks_buf b = KS_BUF_INIT;
	const unsigned char *p;

	ks_buf_printf(&b, "%s:", name);
	for (p = (const unsigned char *)member; *p; p++) {
		if (*p < ' ' || *p >= 0x7f)
			ks_buf_printf(&b, "\\x%02x", *p);
		else
			ks_buf_putc(&b, (char)*p);
	}
	return ks_buf_detach(&b, NULL);
}

/* ---- what a piece is ---- */

static int is_elf(const unsigned char *p, size_t n)
{
	return n >= 4 && !memcmp(p, "\x7f" "ELF", 4);
}

static int is_btf(const unsigned char *p, size_t n)
{
	return n >= 2 && (!memcmp(p, "\x9f\xeb", 2) || !memcmp(p, "\xeb\x9f", 2));
}

static int is_tar(const unsigned char *p, size_t n)
{
	return n >= 512 && !memcmp(p + 257, "ustar", 5);
}

static int is_ar(const unsigned char *p, size_t n)
{
	return n >= 8 && !memcmp(p, "!<arch>\n", 8);
}

static int is_bzimage(const unsigned char *p, size_t n)
{
	return n >= 0x250 && !memcmp(p + 0x202, "HdrS", 4);
}

/* EFI zboot (arm64, riscv, loongarch "vmlinuz.efi"): a PE stub whose
 * header says where the compressed Image is. */
static int is_zboot(const unsigned char *p, size_t n)
{
	return n >= 64 && p[0] == 'M' && p[1] == 'Z' && !memcmp(p + 4, "zimg", 4);
}

/* A raw kernel Image (no ELF): its header's magic tells the arch. */
static const char *image_arch(const unsigned char *p, size_t n)
{
	if (n < 64)
		return NULL;
	if (!memcmp(p + 56, "ARM\x64", 4))
		return "aarch64";
	if (!memcmp(p + 56, "RSC\x05", 4))
		return "riscv64";
	return NULL;
}

/* The compression a stream starts with, by its magic, or NULL. */
static const char *compression_of(const unsigned char *p, size_t n)
{
	if (n >= 3 && p[0] == 0x1f && p[1] == 0x8b && p[2] == 8)
		return "gzip";
	if (n >= 6 && !memcmp(p, "\xfd" "7zXZ\0", 6))
		return "xz";
	if (n >= 4 && !memcmp(p, "\x28\xb5\x2f\xfd", 4))
		return "zstd";
	if (n >= 4 && !memcmp(p, "\x04\x22\x4d\x18", 4))
		return "lz4";
	if (n >= 4 && !memcmp(p, "\x02\x21\x4c\x18", 4))
		return "lz4";	/* the legacy format (lz4 -l), the kernel's */
	if (n >= 4 && p[0] == 'B' && p[1] == 'Z' && p[2] == 'h' && p[3] >= '1' &&
	    p[3] <= '9')
		return "bzip2";
	if (n >= 5 && !memcmp(p, "LZIP\x01", 5))
		return "lzip";
	if (n >= 9 && !memcmp(p, "\x89LZO\0\r\n\x1a\n", 9))
		return "lzo";
	return NULL;
}

/* lzma "alone" streams have no magic, only a likely first header (the
 * kernel's: lc=3 lp=0 pb=2, a power-of-two dictionary); trusted only
 * where a compressed stream must be (a bzImage payload). */
static int looks_lzma(const unsigned char *p, size_t n)
{
	uint32_t dict;

	if (n < 13 || p[0] != 0x5d)
		return 0;
	dict = le32(p + 1);
	return dict >= 4096 && !(dict & (dict - 1));
}

/* ---- libarchive ---- */

enum { WITH_TAR = 1, WITH_AR = 2 };

/* NULL when libarchive cannot be loaded or memory is out: no_reader()
 * says which. */
static struct archive *new_reader(int formats)
{
	struct archive *a = ks_libarchive_load() ? NULL : archive_read_new();

	if (!a)
		return NULL;
	/* No lzop: without liblzo2 (Debian's build has none) libarchive would
	 * run an external lzop program; lzo is refused by name instead. A
	 * filter that falls back to a program is ARCHIVE_WARN, not an error. */
	archive_read_support_filter_gzip(a);
	archive_read_support_filter_xz(a);
	archive_read_support_filter_lzma(a);
	archive_read_support_filter_lzip(a);
	archive_read_support_filter_zstd(a);
	archive_read_support_filter_lz4(a);
	archive_read_support_filter_bzip2(a);
	if (formats & WITH_TAR)
		archive_read_support_format_tar(a);
	if (formats & WITH_AR)
		archive_read_support_format_ar(a);
	/* raw: "one file, the decompressed stream"; libarchive takes it only
	 * when no other format bids. */
	archive_read_support_format_raw(a);
	return a;
}

static int no_reader(const char *name)
{
	int err = ks_libarchive_load();

	return err ? err : ks_err_set(KS_ENOMEM, "%s: out of memory", name);
}

static const char *arch_err(struct archive *a)
{
	const char *s = archive_error_string(a);

	return s && *s ? s : "unknown libarchive error";
}

/* A stream's decompression filter as libarchive names it ("xz"), or NULL
 * when it found none. */
static const char *filter_name(struct archive *a)
{
	return archive_filter_count(a) > 1 ? archive_filter_name(a, 0) : NULL;
}

static int too_large(const char *name, const char *what)
{
	size_t l = ks_unpack_limit;
	const char *unit = "bytes";

	if (l >= (1u << 30) && !(l & ((1u << 30) - 1)))
		l >>= 30, unit = "GiB";
	else if (l >= (1u << 20) && !(l & ((1u << 20) - 1)))
		l >>= 20, unit = "MiB";
	return ks_err_set(KS_EFORMAT, "%s: %s is larger than %zu %s; refusing it "
			  "(a decompression bomb?)", name, what, l, unit);
}

/* Reads the current entry's data to its end into a new buffer of at most
 * @limit bytes; @hint (the size the container tells, or 0) sizes the
 * buffer. */
static int read_all(struct archive *a, const char *name, const char *what,
		    size_t limit, size_t hint, unsigned char **out, size_t *out_len)
{
	size_t cap = hint && hint <= limit ? hint + 1 : (size_t)1 << 20, len = 0;
	unsigned char *buf;

	if (cap > limit + 1)
		cap = limit + 1;
	buf = malloc(cap);
	if (!buf)
		return ks_err_set(KS_ENOMEM, "%s: out of memory reading %s", name, what);
	for (;;) {
		la_ssize_t k;

		if (len == cap) {
			size_t ncap = cap > (limit + 1) / 2 ? limit + 1 : cap * 2;
			unsigned char *nb;

			if (len > limit) {
				free(buf);
				return too_large(name, what);
			}
			nb = realloc(buf, ncap);
			if (!nb) {
				free(buf);
				return ks_err_set(KS_ENOMEM, "%s: out of memory reading %s "
						  "(%zu MiB)", name, what, ncap >> 20);
			}
			buf = nb;
			cap = ncap;
		}
		k = archive_read_data(a, buf + len, cap - len);
		if (k < 0) {
			int err = ks_err_set(KS_EFORMAT, "%s: %s is corrupt or truncated (%s)",
					     name, what, arch_err(a));

			free(buf);
			return err;
		}
		if (k == 0)
			break;
		len += (size_t)k;
	}
	if (len > limit) {
		free(buf);
		return too_large(name, what);
	}
	*out = buf;
	*out_len = len;
	return 0;
}

/* An archive read from the current entry of another (a data.tar.xz
 * inside a .deb), without copying the entry first. */
struct nested {
	struct archive *outer;
};

static la_ssize_t nested_read(struct archive *a, void *cd, const void **buf)
{
	struct nested *n = cd;
	size_t size;
	la_int64_t off;
	int r = archive_read_data_block(n->outer, buf, &size, &off);

	if (r == ARCHIVE_EOF)
		return 0;
	if (r < ARCHIVE_WARN) {
		archive_set_error(a, archive_errno(n->outer), "%s", arch_err(n->outer));
		return -1;
	}
	return (la_ssize_t)size;
}

/* libarchive 3.6 reads a gzip member's trailer without checking it ("XXX
 * TODO: Verify the length and CRC"): a damaged deflate stream can inflate
 * to wrong bytes without an error. Checked here when the whole stream was
 * one gzip layer in memory: the last 8 bytes are CRC-32 and length of one
 * member; otherwise (several members, bytes after the stream) zlib walks
 * the members again, checking each. */
static int gzip_check(const char *name, const unsigned char *in, size_t n,
		      const unsigned char *out, size_t len)
{
	unsigned char scratch[1 << 16];
	z_stream z;
	size_t pos = 0, total = 0;
	int zr;

	if (n >= 18 && le32(in + n - 8) == (uint32_t)crc32_z(0, out, len) &&
	    le32(in + n - 4) == (uint32_t)len)
		return 0;
	memset(&z, 0, sizeof(z));
	if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK)
		return ks_err_set(KS_ENOMEM, "%s: out of memory", name);
	for (;;) {
		if (!z.avail_in && pos < n) {
			size_t k = n - pos > (1u << 30) ? (1u << 30) : n - pos;

			z.next_in = (Bytef *)(uintptr_t)(in + pos);
			z.avail_in = (uInt)k;
			pos += k;
		}
		z.next_out = scratch;
		z.avail_out = sizeof(scratch);
		zr = inflate(&z, Z_NO_FLUSH);
		total += sizeof(scratch) - z.avail_out;
		if (zr == Z_STREAM_END) {
			size_t at = pos - z.avail_in;

			if (n - at >= 2 && in[at] == 0x1f && in[at + 1] == 0x8b) {
				inflateReset(&z);
				continue;
			}
			break;
		}
		if (zr != Z_OK) {
			inflateEnd(&z);
			return ks_err_set(KS_EFORMAT, "%s: corrupt or truncated gzip data (%s)",
					  name, z.msg ? z.msg : "unexpected end");
		}
	}
	inflateEnd(&z);
	if (total != len)
		return ks_err_set(KS_EFORMAT, "%s: corrupt gzip data (%zu bytes, then %zu "
				  "on a second reading)", name, len, total);
	return 0;
}

/* Checks what libarchive does not, once a stream of @n bytes at @in is
 * read into @out. */
static int check_stream(struct archive *a, const char *name, const unsigned char *in,
			size_t n, const unsigned char *out, size_t len)
{
	if (archive_filter_count(a) == 2 && archive_filter_code(a, 0) == ARCHIVE_FILTER_GZIP)
		return gzip_check(name, in, n, out, len);
	return 0;
}

/* Decompresses one stream (@what names it: "xz-compressed bzImage
 * payload") into a new piece;
 * @expect: its decompressed size when known (else 0). */
static int decompress(const char *name, const char *what, const unsigned char *p,
		      size_t n, size_t expect, struct piece *next)
{
	struct archive *a = new_reader(0);
	struct archive_entry *e;
	unsigned char *buf = NULL;
	size_t len = 0;
	int err;

	if (!a)
		return no_reader(name);
	if (archive_read_open_memory(a, p, n) != ARCHIVE_OK ||
	    archive_read_next_header(a, &e) < ARCHIVE_WARN) {
		err = ks_err_set(KS_EFORMAT, "%s: corrupt or truncated %s (%s)", name,
				 what, arch_err(a));
		goto out;
	}
	if (!filter_name(a)) {
		err = ks_err_set(KS_EFORMAT, "%s: %s that libarchive cannot read",
				 name, what);
		goto out;
	}
	err = read_all(a, name, what, ks_unpack_limit, expect, &buf, &len);
	if (!err)
		err = check_stream(a, name, p, n, buf, len);
	if (!err && expect && len != expect)
		err = ks_err_set(KS_EFORMAT, "%s: %s decompresses to %zu bytes, but "
				 "the size after it says %zu (corrupt?)", name, what, len, expect);
	if (err) {
		free(buf);
		goto out;
	}
	next->name = ks_xstrdup(name);
	next->p = next->own = buf;
	next->n = len;
out:
	archive_read_free(a);
	return err;
}

/* ---- tar members and Debian packages ---- */

/* Release from a file name: "NAME.btf" (btfhub), also compressed and
 * tarred ("NAME.btf.tar.xz"), when NAME looks like one (digit first, a
 * dot inside). */
static void release_from_btf_name(struct unpack *u, const char *path)
{
	static const char *const comp[] = { ".gz", ".xz", ".zst", ".lz4", ".bz2",
					    ".lzma", ".lz" };
	const char *base = strrchr(path, '/');
	size_t n, i;

	base = base ? base + 1 : path;
	n = strlen(base);
	for (i = 0; i < sizeof(comp) / sizeof(comp[0]); i++) {
		size_t m = strlen(comp[i]);

		if (n > m && !memcmp(base + n - m, comp[i], m)) {
			n -= m;
			break;
		}
	}
	if (n > 4 && !memcmp(base + n - 4, ".tar", 4))
		n -= 4;
	if (n <= 4 || memcmp(base + n - 4, ".btf", 4))
		return;
	n -= 4;
	if (base[0] < '0' || base[0] > '9' || !memchr(base, '.', n))
		return;
	set_once(&u->release, base, n);
}

/* Which members of a tar are the kernel: sets *rel and *rlen to the release
 * the member's path tells. */
static int wanted_member(const char *path, const char **rel, size_t *rlen)
{
	const char *base = strrchr(path, '/');

	base = base ? base + 1 : path;
	*rel = NULL;
	*rlen = 0;
	if (ends_with(base, ".btf")) {		/* btfhub: RELEASE.btf */
		*rel = base;
		*rlen = strlen(base) - 4;
		if (base[0] < '0' || base[0] > '9' || !memchr(base, '.', *rlen))
			*rel = NULL;
		return 1;
	}
	/* Debian, Ubuntu: boot/vmlinuz-RELEASE (ppc64el: boot/vmlinux-RELEASE;
	 * -dbg packages: usr/lib/debug/boot/vmlinux-RELEASE) */
	if (starts_with(path, "usr/lib/debug/boot/vmlinux-"))
		path += strlen("usr/lib/debug/");
	if (starts_with(path, "boot/vmlinuz-") || starts_with(path, "boot/vmlinux-")) {
		*rel = path + strlen("boot/vmlinuz-");
		*rlen = strlen(*rel);
		return 1;
	}
	/* Fedora, Arch: [usr/]lib/modules/RELEASE/vmlinuz */
	if (starts_with(path, "usr/"))
		path += 4;
	if (starts_with(path, "lib/modules/") && !strcmp(base, "vmlinuz") &&
	    base > path + strlen("lib/modules/")) {
		*rel = path + strlen("lib/modules/");
		*rlen = (size_t)(base - 1 - *rel);
		if (memchr(*rel, '/', *rlen))
			return 0;
		return 1;
	}
	return 0;
}

static const char *member_path(struct archive_entry *e)
{
	const char *p = archive_entry_pathname(e);

	if (!p)
		return "";
	while (p[0] == '.' && p[1] == '/')
		p += 2;
	while (p[0] == '/')
		p++;
	return p;
}

/* Packages put boot/System.map-RELEASE before boot/vmlinuz-RELEASE, so
 * the walk to the kernel passes it. The symbols are optional: a map that
 * is too large or unreadable costs them, not the import. */
static void sysmap_pick(struct unpack *u, struct archive *a, struct archive_entry *e,
			const char *name, const char *path)
{
	la_int64_t size = archive_entry_size(e);
	char *mname;

	if (u->sysmap || !starts_with(path, "boot/System.map-") || size < 0 ||
	    (uint64_t)size > SYSMAP_LIMIT)
		return;
	mname = member_name(name, path);
	if (read_all(a, mname, "System.map", SYSMAP_LIMIT, (size_t)size, &u->sysmap,
		     &u->sysmap_len)) {
		ks_err_clear();
		u->sysmap = NULL;
		free(mname);
		return;
	}
	u->sysmap_name = mname;
}

/* Walks a tar (the current header first) to the kernel's member and
 * reads it into a new piece named "NAME:member". */
static int tar_pick(struct unpack *u, struct archive *a, struct archive_entry *e,
		    const char *name, const char *container, struct piece *next)
{
	for (;;) {
		const char *path = member_path(e), *rel;
		size_t rlen;
		int r;

		if (archive_entry_filetype(e) == AE_IFREG)
			sysmap_pick(u, a, e, name, path);
		if (archive_entry_filetype(e) == AE_IFREG &&
		    wanted_member(path, &rel, &rlen)) {
			unsigned char *buf;
			size_t len;
			la_int64_t size = archive_entry_size(e);
			char *mname = member_name(name, path);
			int err;

			if (size > 0 && (uint64_t)size > ks_unpack_limit) {
				err = too_large(mname, "member");
				free(mname);
				return err;
			}
			err = read_all(a, mname, "member", ks_unpack_limit,
				       size > 0 ? (size_t)size : 0, &buf, &len);
			if (err) {
				free(mname);
				return err;
			}
			set_once(&u->release, rel, rlen);
			next->name = mname;
			next->p = next->own = buf;
			next->n = len;
			return 0;
		}
		r = archive_read_next_header(a, &e);
		if (r == ARCHIVE_EOF)
			break;
		if (r < ARCHIVE_WARN)
			return ks_err_set(KS_EFORMAT, "%s: corrupt or truncated %s (%s)",
					  name, container, arch_err(a));
	}
	if (!strcmp(container, "data.tar"))
		return ks_err_set(KS_ENOTKERNEL, "%s: no kernel image in this package "
				  "(no boot/vmlinuz-*: a meta or modules-only package?)",
				  name);
	return ks_err_set(KS_ENOTKERNEL, "%s: no .btf file or kernel image "
			  "(boot/vmlinuz-*, lib/modules/*/vmlinuz) in the %s", name,
			  container);
}

/* Debian architecture names as `uname -m` spells them. */
static const char *deb_arch(const char *a, size_t n)
{
	static const struct {
		const char *deb, *uname;
	} map[] = {
		{ "amd64", "x86_64" }, { "arm64", "aarch64" }, { "i386", "i386" },
		{ "armhf", "arm" }, { "armel", "arm" }, { "ppc64el", "ppc64le" },
		{ "ppc64", "ppc64" }, { "s390x", "s390x" }, { "riscv64", "riscv64" },
		{ "loong64", "loongarch64" }, { "mipsel", "mipsel" },
		{ "mips64el", "mips64el" },
	};
	size_t i;

	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strlen(map[i].deb) == n && !memcmp(map[i].deb, a, n))
			return map[i].uname;
	return NULL;
}

/* The value of control field @key ("Maintainer"), blanks trimmed, or
 * NULL; *@n gets its length. Only a field that starts a line counts, so
 * Ubuntu's "Original-Maintainer: Debian ..." is not its Maintainer. */
static const char *control_field(const char *c, size_t n, const char *key, size_t *vn)
{
	const char *end = c + n, *line = c;
	size_t kn = strlen(key);

	while (line < end) {
		const char *eol = memchr(line, '\n', (size_t)(end - line));

		if (!eol)
			eol = end;
		if ((size_t)(eol - line) > kn && !memcmp(line, key, kn) && line[kn] == ':') {
			const char *v = line + kn + 1, *ve = eol;

			while (v < ve && (*v == ' ' || *v == '\t'))
				v++;
			while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t' || ve[-1] == '\r'))
				ve--;
			*vn = (size_t)(ve - v);
			return v;
		}
		line = eol + 1;
	}
	return NULL;
}

static int has_text(const char *v, size_t n, const char *needle)
{
	return v && memmem(v, n, needle, strlen(needle));
}

/* Ubuntu's kernel package versions: "5.15.0-91.101", upstream, ABI,
 * upload; Debian's are "6.1.158-1" or "6.1.158-1+deb12u1". */
static int ubuntu_version(const char *v, size_t n)
{
	const char *e = v + n;
	int parts = 0;

	while (v < e && parts < 3) {
		if (*v < '0' || *v > '9')
			return 0;
		while (v < e && *v >= '0' && *v <= '9')
			v++;
		parts++;
		if (parts < 3 && (v == e || *v++ != '.'))
			return 0;
	}
	if (parts != 3 || v == e || *v++ != '-' || v == e || *v < '0' || *v > '9')
		return 0;
	while (v < e && *v >= '0' && *v <= '9')
		v++;
	if (v == e || *v++ != '.' || v == e)
		return 0;
	while (v < e && *v >= '0' && *v <= '9')
		v++;
	return v == e;
}

/* Which distribution built the package, from its Maintainer, else its
 * Version. */
static void control_distro(struct unpack *u, const char *c, size_t n)
{
	size_t mn = 0, vn = 0;
	const char *m = control_field(c, n, "Maintainer", &mn);
	const char *v = control_field(c, n, "Version", &vn);
	const char *d = NULL;
	int by_version = 0;
	char *p;

	if (u->distro)
		return;
	if (has_text(m, mn, "Ubuntu") || has_text(m, mn, "ubuntu.com") ||
	    has_text(m, mn, "canonical.com"))
		d = "ubuntu";
	else if (has_text(m, mn, "Debian") || has_text(m, mn, "debian.org"))
		d = "debian";
	if (!d) {
		by_version = 1;
		if (has_text(v, vn, "ubuntu") || (v && ubuntu_version(v, vn)))
			d = "ubuntu";
		else if (has_text(v, vn, "+deb") || has_text(v, vn, "~bpo"))
			d = "debian";
	}
	if (!d)
		return;
	u->distro = ks_xstrdup(d);
	/* control text is the package's: only printable ASCII reaches a message */
	if (by_version)
		u->distro_why = ks_xasprintf("the package's Version %.*s",
					     (int)(vn > 60 ? 60 : vn), v);
	else
		u->distro_why = ks_xasprintf("the package's Maintainer %.*s",
					     (int)(mn > 60 ? 60 : mn), m);
	for (p = u->distro_why; *p; p++)
		if ((unsigned char)*p < ' ' || (unsigned char)*p >= 0x7f)
			*p = '?';
}

/* The Architecture field of a control file. */
static void control_arch(struct unpack *u, const char *c, size_t n)
{
	size_t vn;
	const char *v = control_field(c, n, "Architecture", &vn);
	const char *arch = v ? deb_arch(v, vn) : NULL;

	if (arch)
		set_once(&u->arch, arch, strlen(arch));
}

static int deb_control(struct unpack *u, struct archive *outer, const char *name,
		       const char *member)
{
	struct nested nest = { outer };
	struct archive *a = new_reader(WITH_TAR);
	struct archive_entry *e;
	char *mname = member_name(name, member);
	int r, err = 0;

	if (!a) {
		free(mname);
		return no_reader(name);
	}
	if (archive_read_open(a, &nest, NULL, nested_read, NULL) != ARCHIVE_OK) {
		err = ks_err_set(KS_EFORMAT, "%s: corrupt package control (%s)", mname,
				 arch_err(a));
		goto out;
	}
	while ((r = archive_read_next_header(a, &e)) != ARCHIVE_EOF) {
		if (r < ARCHIVE_WARN) {
			err = ks_err_set(KS_EFORMAT, "%s: corrupt or truncated (%s)", mname,
					 arch_err(a));
			goto out;
		}
		if (!strcmp(member_path(e), "control")) {
			unsigned char *c;
			size_t n;

			err = read_all(a, mname, "control file", CONTROL_LIMIT, 0, &c, &n);
			if (!err) {
				control_arch(u, (const char *)c, n);
				control_distro(u, (const char *)c, n);
				free(c);
			}
			break;
		}
	}
out:
	archive_read_free(a);
	free(mname);
	return err;
}

/* A .deb: ar of debian-binary, control.tar.*, data.tar.* (in that order).
 * The kernel is boot/vmlinuz-RELEASE in data.tar; the arch is in control. */
static int deb_pick(struct unpack *u, struct archive *a, struct archive_entry *e,
		    const char *name, size_t total, struct piece *next)
{
	int r, err, debian = 0;

	for (;;) {
		const char *m = archive_entry_pathname(e);

		m = m ? m : "";
		if (!strcmp(m, "debian-binary")) {
			debian = 1;
		} else if (starts_with(m, "control.tar")) {
			err = deb_control(u, a, name, m);
			if (err)
				return err;
		} else if (starts_with(m, "data.tar")) {
			struct nested nest = { a };
			la_int64_t at = archive_read_header_position(a);
			la_int64_t size = archive_entry_size(e);

			/* The kernel comes early in data.tar, and reading on to
			 * its end (the modules) takes seconds: the ar header's
			 * size shows a cut file at once (ar member headers are
			 * 60 bytes). */
			if (archive_filter_count(a) == 1 && at >= 0 && size >= 0 &&
			    (uint64_t)at + 60 + (uint64_t)size > total)
				return ks_err_set(KS_EFORMAT, "%s: truncated package (%s "
						  "should end at byte %llu, the file has "
						  "%zu)", name, m, (unsigned long long)
						  ((uint64_t)at + 60 + (uint64_t)size), total);
			struct archive *d = new_reader(WITH_TAR);
			struct archive_entry *de;
			char *mname = member_name(name, m);

			if (!d) {
				free(mname);
				return no_reader(name);
			}
			if (archive_read_open(d, &nest, NULL, nested_read, NULL) != ARCHIVE_OK ||
			    (r = archive_read_next_header(d, &de)) < ARCHIVE_WARN) {
				err = ks_err_set(KS_EFORMAT, "%s: corrupt or truncated (%s)",
						 mname, arch_err(d));
			} else if (r == ARCHIVE_EOF) {
				err = ks_err_set(KS_ENOTKERNEL, "%s: no kernel image in this "
						 "package (empty data.tar)", name);
			} else {
				err = tar_pick(u, d, de, name, "data.tar", next);
			}
			archive_read_free(d);
			free(mname);
			return err;
		}
		r = archive_read_next_header(a, &e);
		if (r == ARCHIVE_EOF)
			break;
		if (r < ARCHIVE_WARN)
			return ks_err_set(KS_EFORMAT, "%s: corrupt or truncated package (%s)",
					  name, arch_err(a));
	}
	return ks_err_set(KS_ENOTKERNEL, "%s: %s", name, debian ?
			  "Debian package without data.tar" :
			  "ar archive that is no Debian package (no debian-binary, "
			  "no data.tar)");
}

/* A compressed stream, a tar or an ar archive, possibly compressed. */
static int from_archive(struct unpack *u, const struct piece *cur,
			const char *what, struct piece *next)
{
	struct archive *a = new_reader(WITH_TAR | WITH_AR);
	struct archive_entry *e;
	const char *filter, *kind;
	char *container;
	int r, fmt, err;

	if (!a)
		return no_reader(cur->name);
	if (archive_read_open_memory(a, cur->p, cur->n) != ARCHIVE_OK) {
		err = ks_err_set(KS_EFORMAT, "%s: corrupt or truncated %s data (%s)",
				 cur->name, what, arch_err(a));
		goto out;
	}
	r = archive_read_next_header(a, &e);
	filter = filter_name(a);
	fmt = archive_format(a) & ARCHIVE_FORMAT_BASE_MASK;
	kind = fmt == ARCHIVE_FORMAT_TAR ? "tar" : fmt == ARCHIVE_FORMAT_AR ?
	       "ar archive" : NULL;
	/* "xz-compressed tar", "tar", "xz data" */
	container = kind ? (filter ? ks_xasprintf("%s-compressed %s", filter, kind)
				   : ks_xstrdup(kind))
			 : ks_xasprintf("%s data", filter ? filter : what);
	if (r == ARCHIVE_EOF) {		/* (all zeros read as an empty tar) */
		err = ks_err_set(KS_ENOTKERNEL, "%s: empty %s", cur->name, container);
	} else if (r < ARCHIVE_WARN) {
		err = ks_err_set(KS_EFORMAT, "%s: corrupt or truncated %s (%s)", cur->name,
				 container, arch_err(a));
	} else if (fmt == ARCHIVE_FORMAT_TAR) {
		err = tar_pick(u, a, e, cur->name, container, next);
	} else if (fmt == ARCHIVE_FORMAT_AR) {
		err = deb_pick(u, a, e, cur->name, cur->n, next);
	} else if (!filter) {		/* a magic libarchive does not agree with */
		err = ks_err_set(KS_EFORMAT, "%s: corrupt %s data", cur->name, what);
	} else {
		err = read_all(a, cur->name, container, ks_unpack_limit, 0, &next->own,
			       &next->n);
		if (!err)
			err = check_stream(a, cur->name, cur->p, cur->n, next->own, next->n);
		if (err) {
			free(next->own);
			next->own = NULL;
		} else {
			next->name = ks_xstrdup(cur->name);
			next->p = next->own;
		}
	}
	free(container);
out:
	archive_read_free(a);
	return err;
}

/* ---- kernel images ---- */

/* Decompresses a kernel's payload, whatever its compression. @sized: the
 * kernel appended the decompressed size (u32 LE) to the stream, as x86's
 * build does for every compression but gzip. */
static int kernel_payload(const char *name, const char *what,
			  const unsigned char *p, size_t n, int sized, struct piece *next)
{
	const char *comp = compression_of(p, n);
	size_t expect = 0;
	char *desc;
	int err;

	if (!comp && looks_lzma(p, n))
		comp = "lzma";
	if (!comp)
		return ks_err_set(KS_EFORMAT, "%s: %s is in no compression format "
				  "kstruct knows (it starts %02x %02x %02x %02x)", name,
				  what, n > 0 ? p[0] : 0, n > 1 ? p[1] : 0, n > 2 ? p[2] : 0,
				  n > 3 ? p[3] : 0);
	if (!strcmp(comp, "lzo"))
		return ks_err_set(KS_EFORMAT, "%s: %s is lzo-compressed, which kstruct "
				  "does not read (decompress it with lzop)", name, what);
	desc = ks_xasprintf("%s-compressed %s", comp, what);
	if (sized && strcmp(comp, "gzip") && n > 4) {
		expect = le32(p + n - 4);
		n -= 4;
	}
	if (expect > ks_unpack_limit) {
		char *w = ks_xasprintf("%s (as its size trailer says)", desc);

		err = too_large(name, w);
		free(w);
	} else {
		err = decompress(name, desc, p, n, expect, next);
	}
	free(desc);
	return err;
}

/* x86 bzImage: real-mode setup sectors, then the protected-mode code,
 * whose header tells where the compressed vmlinux (an ELF) is. */
static int from_bzimage(const struct piece *cur, struct piece *next)
{
	const unsigned char *p = cur->p;
	unsigned int sects = p[0x1f1] ? p[0x1f1] : 4;
	unsigned int version = le16(p + 0x206);
	size_t pm = ((size_t)sects + 1) * 512, off, len;

	if (version < 0x208)
		return ks_err_set(KS_EFORMAT, "%s: bzImage of boot protocol %u.%02u "
				  "(before 2.08 the header does not say where the kernel "
				  "is)", cur->name, version >> 8, version & 0xff);
	off = le32(p + 0x248);
	len = le32(p + 0x24c);
	if (pm > cur->n || off > cur->n - pm || len > cur->n - pm - off || !len)
		return ks_err_set(KS_EFORMAT, "%s: truncated bzImage (its payload is "
				  "%zu bytes at %zu, the file has %zu)", cur->name, len,
				  pm + off, cur->n);
	return kernel_payload(cur->name, "bzImage payload", p + pm + off, len, 1, next);
}

/* EFI zboot: "MZ", "zimg", payload offset and size (u32 LE, from the
 * start of the file, the size trailer excluded), compression name. */
static int from_zboot(const struct piece *cur, struct piece *next)
{
	size_t off = le32(cur->p + 8), len = le32(cur->p + 12);

	if (off > cur->n || len > cur->n - off || !len)
		return ks_err_set(KS_EFORMAT, "%s: truncated EFI zboot image (its "
				  "payload is %zu bytes at %zu, the file has %zu)",
				  cur->name, len, off, cur->n);
	return kernel_payload(cur->name, "EFI zboot payload", cur->p + off, len, 0,
			      next);
}

/* The BTF blob's size when a well-formed BTF header (little-endian,
 * version 1, no flags) starts at @p, else 0. */
static size_t btf_candidate(const unsigned char *p, size_t avail)
{
	uint32_t hdr_len, type_off, type_len, str_off, str_len;
	uint64_t end;

	if (avail < 24 || memcmp(p, "\x9f\xeb\x01\x00", 4))
		return 0;
	hdr_len = le32(p + 4);
	type_off = le32(p + 8);
	type_len = le32(p + 12);
	str_off = le32(p + 16);
	str_len = le32(p + 20);
	if (hdr_len != 24 || type_off & 3 || !str_len ||
	    (uint64_t)type_off + type_len > str_off)
		return 0;
	end = (uint64_t)hdr_len + str_off + str_len;
	if (end > avail || end > UINT32_MAX)
		return 0;
	/* the string section starts and ends with NUL */
	if (p[hdr_len + str_off] || p[end - 1])
		return 0;
	return (size_t)end;
}

/* A raw Image has no section table: the .BTF section is somewhere in it,
 * 4-byte aligned. Every well-formed header is tried with libbpf; the
 * largest blob that parses is the kernel's. */
static int from_image(struct unpack *u, const struct piece *cur, const char *arch,
		      struct piece *next)
{
	static const char banner[] = "Linux version ";
	const unsigned char *p = cur->p, *best = NULL, *hit;
	size_t n = cur->n, pos = 0, best_len = 0, damaged = SIZE_MAX;

	while (pos < n && (hit = memmem(p + pos, n - pos, "\x9f\xeb\x01\x00", 4))) {
		size_t off = (size_t)(hit - p), len;

		pos = off + 1;
		if (off & 3)
			continue;
		/* a BTF header whose data is cut or spoilt: say so, not "none" */
		if (damaged == SIZE_MAX && n - off >= 24 && le32(hit + 4) == 24)
			damaged = off;
		len = btf_candidate(hit, n - off);
		if (len > best_len) {
			struct btf *btf = btf__new(hit, (__u32)len);

			if (btf) {
				best = hit;
				best_len = len;
				btf__free(btf);
				pos = off + len;
			}
		}
	}
	if (!best && damaged != SIZE_MAX)
		return ks_err_set(KS_EFORMAT, "%s: %s kernel Image whose BTF (header at "
				  "offset %zu) is truncated or damaged", cur->name, arch,
				  damaged);
	if (!best)
		return ks_err_set(KS_EFORMAT, "%s: %s kernel Image without BTF (built "
				  "without CONFIG_DEBUG_INFO_BTF?)", cur->name, arch);
	/* "Linux version 6.1.0-47-arm64 (debian-kernel@...) #1 SMP ..." */
	pos = 0;
	while (!u->release && pos < n &&
	       (hit = memmem(p + pos, n - pos, banner, sizeof(banner) - 1))) {
		const unsigned char *r = hit + sizeof(banner) - 1, *e = r;

		while (e < p + n && e - r < 256 && *e > ' ' && *e < 0x7f)
			e++;
		if (e > r && *r >= '0' && *r <= '9') {
			set_once(&u->release, (const char *)r, (size_t)(e - r));
			u->banner_distro = ks_distro_from_banner((const char *)r,
								 (size_t)(p + n - r),
								 &u->banner_why);
		}
		pos = (size_t)(hit - p) + 1;
	}
	set_once(&u->arch, arch, strlen(arch));
	next->own = ks_xmalloc(best_len);
	memcpy(next->own, best, best_len);
	next->p = next->own;
	next->n = best_len;
	next->name = ks_xstrdup(cur->name);
	return 0;
}

/* ---- the loop ---- */

static void piece_free(struct piece *pc)
{
	free(pc->name);
	free(pc->own);
	memset(pc, 0, sizeof(*pc));
}

int ks_unpack(struct ks_unpacked *out, const char *path, const unsigned char *data,
	      size_t len)
{
	struct unpack u = { NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0, NULL };
	struct piece cur = { ks_xstrdup(path), data, len, NULL };
	int depth, err = 0;

	memset(out, 0, sizeof(*out));
	for (depth = 0;; depth++) {
		struct piece next = { NULL, NULL, 0, NULL };
		const char *what = NULL, *arch;

		if (is_elf(cur.p, cur.n) || is_btf(cur.p, cur.n)) {
			if (depth == 0)
				break;		/* nothing to unwrap */
			out->name = cur.name;
			out->data = cur.own;
			out->len = cur.n;
			memset(&cur, 0, sizeof(cur));
			if (!u.release)
				release_from_btf_name(&u, path);
			out->release = u.release;
			out->arch = u.arch;
			out->distro = u.distro;
			out->distro_why = u.distro_why;
			out->banner_distro = u.banner_distro;
			out->banner_why = u.banner_why;
			out->sysmap = u.sysmap;
			out->sysmap_len = u.sysmap_len;
			out->sysmap_name = u.sysmap_name;
			return 1;
		}
		if (depth == MAX_DEPTH) {
			err = ks_err_set(KS_EFORMAT, "%s: more than %d layers of "
					 "containers and compression", path, MAX_DEPTH);
			break;
		}
		if ((what = compression_of(cur.p, cur.n))) {
			if (!strcmp(what, "lzo"))
				err = ks_err_set(KS_EFORMAT, "%s: lzo-compressed, which "
						 "kstruct does not read (decompress it "
						 "with lzop)", cur.name);
			else
				err = from_archive(&u, &cur, what, &next);
		} else if (is_tar(cur.p, cur.n)) {
			err = from_archive(&u, &cur, "tar", &next);
		} else if (is_ar(cur.p, cur.n)) {
			err = from_archive(&u, &cur, "ar archive", &next);
		} else if (is_bzimage(cur.p, cur.n)) {
			err = from_bzimage(&cur, &next);
		} else if (is_zboot(cur.p, cur.n)) {
			err = from_zboot(&cur, &next);
		} else if ((arch = image_arch(cur.p, cur.n))) {
			err = from_image(&u, &cur, arch, &next);
		} else if (depth == 0) {
			break;			/* not ours: ks_input says what it is */
		} else {
			err = ks_err_set(KS_ENOTKERNEL, "%s: holds neither BTF, an ELF "
					 "vmlinux nor a kernel image (unrecognised "
					 "content)", cur.name);
		}
		if (err)
			break;
		piece_free(&cur);
		cur = next;
	}
	piece_free(&cur);
	free(u.release);
	free(u.arch);
	free(u.distro);
	free(u.distro_why);
	free(u.sysmap);
	free(u.sysmap_name);
	return err;
}

void ks_unpacked_free(struct ks_unpacked *u)
{
	if (!u)
		return;
	free(u->name);
	free(u->data);
	free(u->release);
	free(u->arch);
	free(u->distro);
	free(u->distro_why);
	free(u->sysmap);
	free(u->sysmap_name);
	memset(u, 0, sizeof(*u));
}
