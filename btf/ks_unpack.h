/* Unwrapping the shapes kernels are published in (compressed streams,
 * btfhub tarballs, Debian/Ubuntu packages, x86 bzImage, arm64 Image)
 * down to the bytes ks_input reads: an ELF vmlinux or raw BTF. Works on
 * bytes in memory; knows nothing of git. */
#ifndef KS_UNPACK_H
#define KS_UNPACK_H

#include <stddef.h>

struct ks_unpacked {
	char *name;		/* what it is, for messages and release detection:
				 * the path, then ":member" per container, e.g.
				 * "linux-image-…_amd64.deb:boot/vmlinuz-6.1.0-47-amd64" */
	unsigned char *data;	/* the unwrapped bytes: an ELF vmlinux or raw BTF */
	size_t len;
	char *release;		/* when the container tells it, else NULL */
	char *arch;		/* as `uname -m` spells it, when the container
				 * tells it, else NULL */
	char *distro;		/* the distribution a .deb's control names
				 * (Maintainer, else Version), else NULL */
	char *distro_why;	/* "the package's Maintainer Ubuntu Kernel Team
				 * <...>", with @distro */
	const char *banner_distro;	/* what an Image's Linux banner names,
					 * else NULL; static, as banner_why */
	const char *banner_why;
	/* a package's boot/System.map-RELEASE as it is (Debian's is a
	 * one-line stub pointing to the -dbg package), else NULL */
	unsigned char *sysmap;
	size_t sysmap_len;
	char *sysmap_name;	/* "linux-image-…deb:boot/System.map-…" */
};

/* Returns 1 and fills *out when @data (the whole file @path) is something
 * to unwrap (compressed stream, tar, .deb/ar, x86 bzImage, arm64 Image with
 * an embedded BTF blob, gzip/xz/zstd/lz4/bzip2-compressed anything of the
 * above, recursively, e.g. vmlinuz inside data.tar.xz inside a .deb), 0 when
 * it is none of these (leave it to ks_input: raw BTF or ELF), negative KS_E*
 * with a message on a damaged or unusable container (truncated, corrupt
 * compression, no kernel inside, no BTF inside). */
int ks_unpack(struct ks_unpacked *out, const char *path, const unsigned char *data,
	      size_t len);
void ks_unpacked_free(struct ks_unpacked *u);

/* The most bytes any one decompression or archive member may produce
 * (2 GiB; a kernel's vmlinux is < 1 GiB): beyond it ks_unpack() refuses the
 * file as a likely decompression bomb. Tests lower it. */
extern size_t ks_unpack_limit;

#endif
