/* libarchive, loaded when a kernel file first needs unwrapping.
 *
 * Linked the usual way, libarchive and what it needs (libxml2, ICU,
 * nettle, acl, ...: 17 shared objects) are loaded and relocated at the
 * start of every kstruct process: 1.35 ms measured here, more than the
 * whole work of a `kstruct show`, for the one command that reads
 * packages and compressed files. So ks_unpack.c calls it through this
 * table, filled by dlopen() on first use, as systemd loads its optional
 * libraries. The pointers have the types of <archive.h>'s declarations. */
#ifndef KS_LIBARCHIVE_H
#define KS_LIBARCHIVE_H

#include <archive.h>
#include <archive_entry.h>

#define KS_LIBARCHIVE_FUNCS(X) \
	X(archive_entry_filetype) X(archive_entry_pathname) X(archive_entry_size) \
	X(archive_errno) X(archive_error_string) X(archive_filter_code) \
	X(archive_filter_count) X(archive_filter_name) X(archive_format) \
	X(archive_read_data) X(archive_read_data_block) X(archive_read_free) \
	X(archive_read_header_position) X(archive_read_new) X(archive_read_next_header) \
	X(archive_read_open) X(archive_read_open_memory) \
	X(archive_read_support_filter_bzip2) X(archive_read_support_filter_gzip) \
	X(archive_read_support_filter_lz4) X(archive_read_support_filter_lzip) \
	X(archive_read_support_filter_lzma) X(archive_read_support_filter_xz) \
	X(archive_read_support_filter_zstd) X(archive_read_support_format_ar) \
	X(archive_read_support_format_raw) X(archive_read_support_format_tar) \
	X(archive_set_error)

struct ks_libarchive {
#define KS_LA_MEMBER(f) __typeof__(f) *f;
	KS_LIBARCHIVE_FUNCS(KS_LA_MEMBER)
#undef KS_LA_MEMBER
};

extern struct ks_libarchive ks_la;

/* Loads libarchive into ks_la once: 0, or KS_EIO with a message naming
 * the library (the same answer, and message, on every later call). */
int ks_libarchive_load(void);

#endif
