/* A pack written as a stream: each object is compressed and appended as
 * it comes, so a roll-up holds in memory only the objects it may still
 * use as delta bases, never the whole set (ks_pack.c keeps an import's
 * objects to compress them on every core, in any order). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <libdeflate.h>

#include "ks_buf.h"
#include "ks_err.h"
#include "ks_hash.h"
#include "ks_store_int.h"

#define OBJ_OFS_DELTA 6
#define FLUSH_AT (1u << 20)

struct packw_obj {
	git_oid id;
	uint32_t crc;
	uint64_t offset;
};

struct ks_packw {
	char *dir, *tmp;
	int fd;
	struct ks_sha1 *sha;
	struct libdeflate_compressor *z;
	struct ks_buf out;	/* bytes not yet written to fd */
	uint64_t at;		/* offset of the next entry */
	struct packw_obj *objs;
	size_t n, count;
};

static int flush(struct ks_packw *w)
{
	ks_sha1_update(w->sha, w->out.p, w->out.len);
	if (ks_pack__write_all(w->fd, w->out.p, w->out.len))
		return ks_err_set(KS_EIO, "writing %s: %s", w->tmp, strerror(errno));
	ks_buf_truncate(&w->out, 0);
	return 0;
}

int ks_packw_open(struct ks_packw **wp, const char *dir, uint32_t count, int level)
{
	struct ks_packw *w = ks_xcalloc(1, sizeof(*w));
	unsigned char hdr[12];

	*wp = NULL;
	w->dir = ks_xstrdup(dir);
	/* the pid tells a later writer whether the file is a leftover */
	w->tmp = ks_xasprintf("%s/tmp_kstruct_%ld_XXXXXX", dir, (long)getpid());
	w->fd = mkstemp(w->tmp);
	if (w->fd < 0) {
		int err = ks_err_set(KS_EIO, "cannot create a file in %s: %s", dir,
				     strerror(errno));

		free(w->tmp);
		w->tmp = NULL;
		ks_packw_free(w);
		return err;
	}
	w->z = libdeflate_alloc_compressor(level);
	if (!w->z) {
		ks_packw_free(w);
		return ks_err_set(KS_ENOMEM, "cannot set up compression");
	}
	w->sha = ks_sha1_new();
	w->count = count;
	w->objs = ks_xcalloc(count ? count : 1, sizeof(*w->objs));
	memcpy(hdr, "PACK\0\0\0\2", 8);
	ks_pack__be32(hdr + 8, count);
	ks_buf_add(&w->out, hdr, sizeof(hdr));
	w->at = sizeof(hdr);
	*wp = w;
	return 0;
}

/* Appends an entry: @hdr (type, size, base) and @data deflated. */
static int append(struct ks_packw *w, const git_oid *id, const unsigned char *hdr, size_t hlen,
		  const void *data, size_t len, uint64_t *offset)
{
	size_t start = w->out.len, bound = libdeflate_zlib_compress_bound(w->z, len), n;
	struct packw_obj *o;

	if (w->n == w->count)
		return ks_err_set(KS_EINVAL, "more objects than the pack was opened for");
	ks_buf_add(&w->out, hdr, hlen);
	ks_buf_grow(&w->out, bound);
	n = libdeflate_zlib_compress(w->z, data, len, w->out.p + w->out.len, bound);
	if (!n)
		return ks_err_set(KS_EIO, "compressing an object failed");
	w->out.len += n;
	o = &w->objs[w->n++];
	o->id = *id;
	o->offset = w->at;
	o->crc = libdeflate_crc32(0, w->out.p + start, w->out.len - start);
	if (offset)
		*offset = w->at;
	w->at += w->out.len - start;
	/* the index holds 32-bit offsets only */
	if (w->at >= (1ull << 31))
		return ks_err_set(KS_EINVAL, "a roll-up pack of more than 2 GiB");
	return w->out.len >= FLUSH_AT ? flush(w) : 0;
}

int ks_packw_add(struct ks_packw *w, const git_oid *id, git_object_t type, const void *data,
		 size_t len, uint64_t *offset)
{
	unsigned char hdr[16];

	return append(w, id, hdr, ks_pack__entry_header(hdr, type, len), data, len, offset);
}

int ks_packw_add_delta(struct ks_packw *w, const git_oid *id, uint64_t base,
		       const void *delta, size_t len, uint64_t *offset)
{
	unsigned char hdr[32], ofs[16];
	size_t h = ks_pack__entry_header(hdr, OBJ_OFS_DELTA, len), pos = sizeof(ofs) - 1;
	uint64_t dist;

	if (base >= w->at)
		return ks_err_set(KS_EINVAL, "a delta base must come before its delta");
	/* git's offset encoding: big-endian 7-bit groups, each continued
	 * group one less, so that no distance has two spellings */
	dist = w->at - base;
	ofs[pos] = dist & 0x7f;
	while (dist >>= 7)
		ofs[--pos] = (unsigned char)(0x80 | (--dist & 0x7f));
	memcpy(hdr + h, ofs + pos, sizeof(ofs) - pos);
	return append(w, id, hdr, h + sizeof(ofs) - pos, delta, len, offset);
}

static int cmp_obj(const void *a, const void *b)
{
	return git_oid_cmp(&((const struct packw_obj *)a)->id, &((const struct packw_obj *)b)->id);
}

int ks_packw_finish(struct ks_packw *w, char hex[GIT_OID_HEXSZ + 1])
{
	static const struct ks_pack_idx_layout l = {
		sizeof(struct packw_obj), offsetof(struct packw_obj, id),
		offsetof(struct packw_obj, crc), offsetof(struct packw_obj, offset),
	};
	unsigned char sum[20];
	struct ks_buf idx = KS_BUF_INIT;
	char *packname = NULL, *idxname = NULL;
	int err;

	if (w->n != w->count) {
		err = ks_err_set(KS_EINVAL, "%zu objects written of %zu", w->n, w->count);
		goto out;
	}
	if ((err = flush(w)))
		goto out;
	ks_sha1_final(w->sha, sum);
	w->sha = NULL;
	if (ks_pack__write_all(w->fd, sum, 20) || fsync(w->fd)) {
		err = ks_err_set(KS_EIO, "writing %s: %s", w->tmp, strerror(errno));
		goto out;
	}
	fchmod(w->fd, 0444);
	ks_hex(hex, sum, 20);
	packname = ks_xasprintf("%s/pack-%s.pack", w->dir, hex);
	idxname = ks_xasprintf("%s/pack-%s.idx", w->dir, hex);
	/* the pack first: an index is what makes git look at a pack */
	if (rename(w->tmp, packname)) {
		err = ks_err_set(KS_EIO, "renaming %s: %s", w->tmp, strerror(errno));
		goto out;
	}
	free(w->tmp);
	w->tmp = NULL;
	qsort(w->objs, w->n, sizeof(*w->objs), cmp_obj);
	ks_pack__build_idx(&idx, w->objs, w->n, &l, sum);
	if ((err = ks_pack__write_file_atomic(w->dir, idxname, &idx, 1)))
		unlink(packname);
out:
	ks_buf_free(&idx);
	free(packname);
	free(idxname);
	ks_packw_free(w);
	return err;
}

void ks_packw_free(struct ks_packw *w)
{
	if (!w)
		return;
	if (w->fd >= 0)
		close(w->fd);
	if (w->tmp)
		unlink(w->tmp);
	if (w->sha)
		ks_sha1_free(w->sha);
	if (w->z)
		libdeflate_free_compressor(w->z);
	ks_buf_free(&w->out);
	free(w->objs);
	free(w->tmp);
	free(w->dir);
	free(w);
}
