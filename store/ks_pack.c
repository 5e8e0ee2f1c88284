/* Writes new objects as a single pack (format v2, no deltas) and its
 * index (v2). One import is thousands of small blobs: as loose objects
 * they cost seconds of inode allocation, as one pack a few hundred ms.
 * Deltas would shrink the pack by about 1% only (shared/notes). */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sys/stat.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "ks_buf.h"
#include "ks_err.h"
#include "ks_hash.h"
#include "ks_store_int.h"

struct pack_obj {
	git_oid id;
	git_object_t type;
	char *data;		/* uncompressed, owned until written */
	size_t len;
	uint64_t offset;
	uint32_t crc;
};

struct ks_pack {
	git_odb *odb;
	struct pack_obj *objs;
	size_t n, cap;
	size_t *slots;		/* open-addressing set of objs indexes + 1 */
	size_t nslots;
};

/* One worker's share of the pack body: objects [first, last). */
struct slice {
	struct pack_obj *objs;
	size_t first, last;
	struct ks_buf out;
	int err;
};

struct ks_pack *ks_pack_new(git_odb *odb)
{
	struct ks_pack *pk = ks_xcalloc(1, sizeof(*pk));

	pk->odb = odb;
	pk->nslots = 1 << 14;
	pk->slots = ks_xcalloc(pk->nslots, sizeof(size_t));
	return pk;
}

static size_t slot_of(const git_oid *id, size_t nslots)
{
	size_t h;

	memcpy(&h, id->id, sizeof(h));
	return h & (nslots - 1);
}

static int set_find(struct ks_pack *pk, const git_oid *id, size_t *slot)
{
	size_t s = slot_of(id, pk->nslots);

	while (pk->slots[s]) {
		if (!git_oid_cmp(&pk->objs[pk->slots[s] - 1].id, id))
			return 1;
		s = (s + 1) & (pk->nslots - 1);
	}
	*slot = s;
	return 0;
}

static void set_grow(struct ks_pack *pk)
{
	size_t i, s;

	free(pk->slots);
	pk->nslots *= 2;
	pk->slots = ks_xcalloc(pk->nslots, sizeof(size_t));
	for (i = 0; i < pk->n; i++) {
		set_find(pk, &pk->objs[i].id, &s);
		pk->slots[s] = i + 1;
	}
}

static void object_id(git_oid *id, git_object_t type, const void *data, size_t len)
{
	struct ks_sha1 *c = ks_sha1_new();
	char hdr[64];
	int n = snprintf(hdr, sizeof(hdr), "%s %zu", git_object_type2string(type), len);

	ks_sha1_update(c, hdr, (size_t)n + 1);
	ks_sha1_update(c, data, len);
	ks_sha1_final(c, id->id);
}

void ks_pack_add(struct ks_pack *pk, git_object_t type, const void *data,
		 size_t len, git_oid *id)
{
	struct pack_obj *o;
	size_t slot;

	object_id(id, type, data, len);
	if (set_find(pk, id, &slot))
		return;
	/* No refresh: a failed lookup would rescan objects/pack each time. */
	if (git_odb_exists_ext(pk->odb, id, GIT_ODB_LOOKUP_NO_REFRESH))
		return;

	if (pk->n == pk->cap) {
		pk->cap = pk->cap ? pk->cap * 2 : 4096;
		pk->objs = ks_xrealloc(pk->objs, pk->cap * sizeof(*pk->objs));
	}
	o = &pk->objs[pk->n++];
	o->id = *id;
	o->type = type;
	o->data = ks_xmalloc(len);
	memcpy(o->data, data, len);
	o->len = len;
	pk->slots[slot] = pk->n;
	if (pk->n * 2 > pk->nslots)
		set_grow(pk);
}

/* Compression is most of an import's time (about 30 MB/s for zlib on
 * many small texts), so it runs on every core; object ids were already
 * computed from the uncompressed bytes. */
static void *compress_slice(void *arg)
{
	struct slice *sl = arg;
	z_stream z;
	size_t i;

	memset(&z, 0, sizeof(z));
	/* Level 1, small window and hash: objects are small, and
	 * deflateReset() clears the whole hash table for each one. Any zlib
	 * reader accepts a smaller window. */
	if (deflateInit2(&z, 1, Z_DEFLATED, 12, 3, Z_DEFAULT_STRATEGY) != Z_OK) {
		sl->err = 1;
		return NULL;
	}
	for (i = sl->first; i < sl->last; i++) {
		struct pack_obj *o = &sl->objs[i];
		unsigned char hdr[16];
		size_t h = 0, start = sl->out.len, sz = o->len;

		/* Entry header: type and size, 4 bits then 7 bits per byte. */
		hdr[h] = (unsigned char)((o->type << 4) | (sz & 15));
		sz >>= 4;
		while (sz) {
			hdr[h++] |= 0x80;
			hdr[h] = sz & 0x7f;
			sz >>= 7;
		}
		h++;
		o->offset = start;
		ks_buf_add(&sl->out, hdr, h);
		deflateReset(&z);
		ks_buf_grow(&sl->out, deflateBound(&z, o->len));
		z.next_in = (Bytef *)o->data;
		z.avail_in = (uInt)o->len;
		z.next_out = (Bytef *)sl->out.p + sl->out.len;
		z.avail_out = (uInt)(sl->out.cap - sl->out.len - 1);
		if (deflate(&z, Z_FINISH) != Z_STREAM_END) {
			sl->err = 1;
			break;
		}
		sl->out.len = (size_t)((char *)z.next_out - sl->out.p);
		o->crc = (uint32_t)crc32(0, (const Bytef *)sl->out.p + start,
					 (uInt)(sl->out.len - start));
	}
	deflateEnd(&z);
	return NULL;
}

size_t ks_pack_count(const struct ks_pack *pk)
{
	return pk->n;
}

static void be32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

static int cmp_obj(const void *a, const void *b)
{
	return git_oid_cmp(&((const struct pack_obj *)a)->id,
			   &((const struct pack_obj *)b)->id);
}

static int write_all(int fd, const void *p, size_t n)
{
	const char *c = p;

	while (n) {
		ssize_t w = write(fd, c, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Writes @len bytes to a temporary file in @dir, then renames it to
 * @final so readers never see a partial file. */
static int write_file_atomic(const char *dir, const char *final,
			     const struct ks_buf *parts, size_t nparts)
{
	size_t i;
	char *tmp = ks_xasprintf("%s/tmp_kstruct_XXXXXX", dir);
	int fd = mkstemp(tmp), err = 0;

	if (fd < 0) {
		err = ks_err_set(KS_EIO, "cannot create a file in %s: %s", dir,
				 strerror(errno));
		goto out;
	}
	for (i = 0; i < nparts && !err; i++)
		if (write_all(fd, parts[i].p, parts[i].len))
			err = -1;
	if (err || fsync(fd)) {
		err = ks_err_set(KS_EIO, "writing %s: %s", tmp, strerror(errno));
		close(fd);
		unlink(tmp);
		goto out;
	}
	fchmod(fd, 0444);
	close(fd);
	if (rename(tmp, final)) {
		err = ks_err_set(KS_EIO, "renaming %s: %s", tmp, strerror(errno));
		unlink(tmp);
	}
out:
	free(tmp);
	return err;
}

int ks_pack_write(struct ks_pack *pk, const char *objects_dir)
{
	unsigned char sum[20], idxsum[20];
	struct ks_buf idx = KS_BUF_INIT, *parts;
	struct slice *sl;
	pthread_t *tids;
	struct ks_sha1 *c;
	char hex[41], *dir, *packname = NULL, *idxname = NULL;
	uint32_t fan[256] = { 0 };
	uint64_t base = 12;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	size_t i, k, nt;
	int err = 0;

	if (!pk->n)
		return 0;
	if (pk->n > UINT32_MAX)
		return ks_err_set(KS_EINVAL, "snapshot too large for one pack");

	nt = ncpu < 1 ? 1 : ncpu > 8 ? 8 : (size_t)ncpu;
	if (pk->n < 512)
		nt = 1;
	sl = ks_xcalloc(nt, sizeof(*sl));
	tids = ks_xcalloc(nt, sizeof(*tids));
	for (k = 0; k < nt; k++) {
		sl[k].objs = pk->objs;
		sl[k].first = pk->n * k / nt;
		sl[k].last = pk->n * (k + 1) / nt;
		if (k && pthread_create(&tids[k], NULL, compress_slice, &sl[k]))
			compress_slice(&sl[k]), tids[k] = 0;
	}
	compress_slice(&sl[0]);
	for (k = 1; k < nt; k++)
		if (tids[k])
			pthread_join(tids[k], NULL);

	/* parts: header, one body per worker, trailer */
	parts = ks_xcalloc(nt + 2, sizeof(*parts));
	ks_buf_add(&parts[0], "PACK\0\0\0\2", 8);
	{
		unsigned char b[4];

		be32(b, (uint32_t)pk->n);
		ks_buf_add(&parts[0], b, 4);
	}
	c = ks_sha1_new();
	ks_sha1_update(c, parts[0].p, parts[0].len);
	for (k = 0; k < nt; k++) {
		if (sl[k].err)
			err = ks_err_set(KS_EIO, "compressing objects failed");
		for (i = sl[k].first; i < sl[k].last; i++)
			pk->objs[i].offset += base;
		base += sl[k].out.len;
		ks_sha1_update(c, sl[k].out.p, sl[k].out.len);
		parts[k + 1] = sl[k].out;
	}
	ks_sha1_final(c, sum);
	ks_buf_add(&parts[nt + 1], sum, 20);
	if (!err && base >= (1ull << 31))
		err = ks_err_set(KS_EINVAL, "snapshot too large for one pack");
	if (err)
		goto out;

	qsort(pk->objs, pk->n, sizeof(*pk->objs), cmp_obj);
	ks_buf_add(&idx, "\377tOc\0\0\0\2", 8);
	for (i = 0; i < pk->n; i++)
		fan[pk->objs[i].id.id[0]]++;
	for (i = 0; i < 256; i++) {
		unsigned char b[4];

		if (i)
			fan[i] += fan[i - 1];
		be32(b, fan[i]);
		ks_buf_add(&idx, b, 4);
	}
	for (i = 0; i < pk->n; i++)
		ks_buf_add(&idx, pk->objs[i].id.id, 20);
	for (i = 0; i < pk->n; i++) {
		unsigned char b[4];

		be32(b, pk->objs[i].crc);
		ks_buf_add(&idx, b, 4);
	}
	for (i = 0; i < pk->n; i++) {
		unsigned char b[4];

		be32(b, (uint32_t)pk->objs[i].offset);
		ks_buf_add(&idx, b, 4);
	}
	ks_buf_add(&idx, sum, 20);
	c = ks_sha1_new();
	ks_sha1_update(c, idx.p, idx.len);
	ks_sha1_final(c, idxsum);
	ks_buf_add(&idx, idxsum, 20);

	ks_hex(hex, sum, 20);
	dir = ks_xasprintf("%s/pack", objects_dir);
	packname = ks_xasprintf("%s/pack-%s.pack", dir, hex);
	idxname = ks_xasprintf("%s/pack-%s.idx", dir, hex);
	/* The pack first: an index is what makes git look at a pack. */
	err = write_file_atomic(dir, packname, parts, nt + 2);
	if (!err)
		err = write_file_atomic(dir, idxname, &idx, 1);
	if (err)
		unlink(packname);
	free(dir);
	free(packname);
	free(idxname);
out:
	for (k = 0; k < nt + 2; k++)
		ks_buf_free(&parts[k]);
	free(parts);
	free(sl);
	free(tids);
	ks_buf_free(&idx);
	return err;
}

void ks_pack_free(struct ks_pack *pk)
{
	if (!pk)
		return;
	for (size_t i = 0; i < pk->n; i++)
		free(pk->objs[i].data);
	free(pk->objs);
	free(pk->slots);
	free(pk);
}
