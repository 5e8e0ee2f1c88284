/* Git's delta format (a pack's OFS_DELTA payload): the bytes of a
 * target as copies from a source and literal inserts. Roll-ups write
 * each tree and blob as a delta against the next newer version of its
 * path (ks_repack.c), which libgit2's packbuilder, choosing bases by
 * name hash and size, found for few of a long history's versions. */
#ifndef KS_DELTA_H
#define KS_DELTA_H

#include <stddef.h>

#include "ks_buf.h"

/* Appends to @out the delta that makes @dst from @src. -1 (with @out
 * back at its length) when it would take more than @max bytes: then
 * the object is better stored whole. */
int ks_delta_make(const unsigned char *src, size_t slen, const unsigned char *dst,
		  size_t dlen, size_t max, struct ks_buf *out);

/* Applies @delta to @src into a new buffer (*out, *outlen). -1 when the
 * delta is malformed or names another source size: a delta read from a
 * pack is outside input. */
int ks_delta_apply(const unsigned char *src, size_t slen, const unsigned char *delta,
		   size_t len, unsigned char **out, size_t *outlen);

#endif
