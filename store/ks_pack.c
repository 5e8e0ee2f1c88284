/* Writes new objects as a single pack (format v2, no deltas) and its
 * index (v2). One import is thousands of small blobs: as loose objects
 * they cost seconds of inode allocation, as one pack a few hundred ms.
 * Deltas would shrink the pack by about 1% only (shared/notes). */
#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <stddef.h>
#include <sys/stat.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
/* libdeflate, not zlib, writes the pack: it compresses a whole buffer in
 * one call, without zlib's stream state, and took compressing an import's
 * objects from 52 to 30 ms of CPU, with a smaller pack (bench/import.sh,
 * docs/architecture.md). Its streams are plain zlib for every reader. */
#include <libdeflate.h>
#include <git2/sys/odb_backend.h>

#include "ks_buf.h"
#include "ks_err.h"
#include "ks_hash.h"
#include "ks_store_int.h"

struct pack_obj {
	git_oid id;
	git_object_t type;
	char *data;		/* uncompressed */
	int owned;		/* data is the pack's, to free */
	size_t len;
	uint64_t offset;
	uint32_t crc;
};

struct ks_pack {
	git_odb *odb;		/* the store's, or own_odb */
	git_odb *own_odb;	/* its packs only, with the loose ids listed */
	git_oid *loose;		/* the store's loose objects, sorted */
	size_t nloose;
	struct ks_sha1 *sha;	/* ks_pack_add's, kept for every object */
	struct pack_obj *objs;
	size_t n, cap;
	size_t *slots;		/* open-addressing set of objs indexes + 1 */
	size_t nslots;
	struct ks_pack_written **written;	/* the store handle's, or NULL */
};

/* An open-addressing set of object ids, grown at half full. */
struct ks_pack_written {
	git_oid *ids;
	size_t n;
	size_t *slots;		/* ids indexes + 1 */
	size_t nslots;
};

/* A run of the pack body, objects [first, last), compressed by one
 * worker into @out (offsets relative to it until it is written). */
struct slice {
	struct pack_obj *objs;
	size_t first, last;
	struct ks_buf out;
	int err;
};

static int cmp_oid(const void *a, const void *b)
{
	return git_oid_cmp(a, b);
}

struct loose_list {
	git_oid *ids;
	size_t n, cap;
};

static int add_loose(const git_oid *id, void *payload)
{
	struct loose_list *l = payload;

	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 64;
		l->ids = ks_xrealloc(l->ids, l->cap * sizeof(*l->ids));
	}
	l->ids[l->n++] = *id;
	return 0;
}

/* The loose objects of @objects_dir, sorted (a store has a few: libgit2
 * writes the provenance notes loose; a plain git push may add some),
 * listed by libgit2's loose backend. -1 when they cannot be listed, or
 * alternates add objects elsewhere. */
static int list_loose(const char *objects_dir, git_oid **ids, size_t *n)
{
	char *alt = ks_xasprintf("%s/info/alternates", objects_dir);
	struct loose_list l = { NULL, 0, 0 };
	git_odb_backend *be = NULL;
	git_odb *odb = NULL;
	int err = !access(alt, F_OK) || git_odb_new(&odb) ||
		  git_odb_backend_loose(&be, objects_dir, -1, 0, 0, 0);

	free(alt);
	if (!err && (err = git_odb_add_backend(odb, be, 1)))
		be->free(be);
	if (!err)
		err = git_odb_foreach(odb, add_loose, &l);
	git_odb_free(odb);
	if (err) {
		free(l.ids);
		return -1;
	}
	if (l.n)
		qsort(l.ids, l.n, sizeof(*l.ids), cmp_oid);
	*ids = l.ids;
	*n = l.n;
	return 0;
}

struct ks_pack *ks_pack_new(git_odb *odb, const char *objects_dir)
{
	struct ks_pack *pk = ks_xcalloc(1, sizeof(*pk));
	git_odb_backend *be = NULL;

	/* The store's odb asks the loose backend too, one access(2) per
	 * new object (a tenth of an import of every kind): the packs and
	 * the loose ids listed once answer instead. Any failure falls back
	 * to the store's odb; a wrong "absent" would cost only a duplicate. */
	pk->odb = odb;
	if (!list_loose(objects_dir, &pk->loose, &pk->nloose) && !git_odb_new(&pk->own_odb)) {
		if (!git_odb_backend_pack(&be, objects_dir) &&
		    !git_odb_add_backend(pk->own_odb, be, 1)) {
			pk->odb = pk->own_odb;
		} else {
			if (be)
				be->free(be);
			git_odb_free(pk->own_odb);
			pk->own_odb = NULL;
		}
	}
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

	/* the slot is set on both paths: callers that know the id is new
	 * (set_grow) read it without checking, and gcc -O2 cannot see that */
	while (pk->slots[s]) {
		if (!git_oid_cmp(&pk->objs[pk->slots[s] - 1].id, id)) {
			*slot = s;
			return 1;
		}
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

void ks_object_id_with(struct ks_sha1 *c, git_oid *id, git_object_t type,
		       const void *data, size_t len)
{
	const char *word = git_object_type2string(type);
	char hdr[64], digits[24];
	size_t w = strlen(word), d = 0, n = len;

	/* "<type> <decimal length>\0", as git hashes it */
	do {
		digits[d++] = (char)('0' + n % 10);
		n /= 10;
	} while (n);
	memcpy(hdr, word, w);
	hdr[w++] = ' ';
	while (d)
		hdr[w++] = digits[--d];
	hdr[w++] = '\0';
	ks_sha1_update(c, hdr, w);
	ks_sha1_update(c, data, len);
	ks_sha1_next(c, id->id);
}

void ks_object_id(git_oid *id, git_object_t type, const void *data, size_t len)
{
	struct ks_sha1 *c = ks_sha1_new();

	ks_object_id_with(c, id, type, data, len);
	ks_sha1_free(c);
}

static int written_find(const struct ks_pack_written *w, const git_oid *id, size_t *slot)
{
	size_t s = slot_of(id, w->nslots);

	while (w->slots[s]) {
		if (!git_oid_cmp(&w->ids[w->slots[s] - 1], id)) {
			*slot = s;
			return 1;
		}
		s = (s + 1) & (w->nslots - 1);
	}
	*slot = s;
	return 0;
}

static void written_add(struct ks_pack_written *w, const git_oid *id)
{
	size_t s, i;

	if (2 * (w->n + 1) > w->nslots) {
		free(w->slots);
		w->nslots = w->nslots ? 2 * w->nslots : 1 << 14;
		w->slots = ks_xcalloc(w->nslots, sizeof(size_t));
		w->ids = ks_xrealloc(w->ids, w->nslots / 2 * sizeof(*w->ids));
		for (i = 0; i < w->n; i++) {
			written_find(w, &w->ids[i], &s);
			w->slots[s] = i + 1;
		}
	}
	if (written_find(w, id, &s))
		return;
	w->ids[w->n++] = *id;
	w->slots[s] = w->n;
}

void ks_pack_use_written(struct ks_pack *pk, struct ks_pack_written **w)
{
	pk->written = w;
}

void ks_pack_written_free(struct ks_pack_written *w)
{
	if (!w)
		return;
	free(w->ids);
	free(w->slots);
	free(w);
}

/* Whether the store has @id, as far as @probe and the writes since tell. */
static int stored(const struct ks_pack *pk, const git_oid *id, enum ks_probe probe)
{
	size_t slot;

	if (probe == KS_PROBE_PRESENT)
		return 1;
	if (probe == KS_PROBE_ABSENT)
		return pk->written && *pk->written && written_find(*pk->written, id, &slot);
	/* No refresh: a failed lookup would rescan objects/pack each time. */
	if (pk->nloose && bsearch(id, pk->loose, pk->nloose, sizeof(*pk->loose), cmp_oid))
		return 1;
	return git_odb_exists_ext(pk->odb, id, GIT_ODB_LOOKUP_NO_REFRESH);
}

static void add(struct ks_pack *pk, git_object_t type, const void *data,
		size_t len, const git_oid *id, int copy, enum ks_probe probe)
{
	struct pack_obj *o;
	size_t slot;

	if (set_find(pk, id, &slot) || stored(pk, id, probe))
		return;

	if (pk->n == pk->cap) {
		pk->cap = pk->cap ? pk->cap * 2 : 4096;
		pk->objs = ks_xrealloc(pk->objs, pk->cap * sizeof(*pk->objs));
	}
	o = &pk->objs[pk->n++];
	o->id = *id;
	o->type = type;
	if (copy) {
		o->data = ks_xmalloc(len);
		memcpy(o->data, data, len);
	} else {
		o->data = (char *)data;
	}
	o->owned = copy;
	o->len = len;
	pk->slots[slot] = pk->n;
	if (pk->n * 2 > pk->nslots)
		set_grow(pk);
}

void ks_pack_add(struct ks_pack *pk, git_object_t type, const void *data,
		 size_t len, git_oid *id)
{
	if (!pk->sha)
		pk->sha = ks_sha1_new();
	ks_object_id_with(pk->sha, id, type, data, len);
	add(pk, type, data, len, id, 1, KS_PROBE_UNKNOWN);
}

/* Not copied: a snapshot's texts are most of an import's bytes, and they
 * outlive the pack. */
void ks_pack_add_known(struct ks_pack *pk, git_object_t type, const void *data,
		       size_t len, const git_oid *id)
{
	add(pk, type, data, len, id, 0, KS_PROBE_UNKNOWN);
}

void ks_pack_add_probed(struct ks_pack *pk, git_object_t type, const void *data,
			size_t len, const git_oid *id, enum ks_probe probe)
{
	add(pk, type, data, len, id, 0, probe);
}

int ks_pack_probe(const char *objects_dir, const git_oid *ids, size_t stride, size_t n,
		  unsigned char *probe, size_t probe_stride)
{
	struct ks_pack *pk = ks_pack_new(NULL, objects_dir);
	size_t i;

	/* without its own view (the loose objects unlisted, no pack
	 * backend) ks_pack_new leaves the odb to the caller: none here */
	if (!pk->own_odb) {
		ks_pack_free(pk);
		return -1;
	}
	for (i = 0; i < n; i++) {
		const git_oid *id = (const git_oid *)((const char *)ids + i * stride);

		probe[i * probe_stride] = stored(pk, id, KS_PROBE_UNKNOWN) ? KS_PROBE_PRESENT
									  : KS_PROBE_ABSENT;
	}
	ks_pack_free(pk);
	return 0;
}

void ks_pack__be32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

/* Appends @len bytes as a zlib stream of stored deflate blocks (RFC 1950,
 * 1951): a copy and a checksum, where zlib's deflate at level 0 still
 * paid its per-stream setup, a fifth of the writing of small objects. */
static void put_stored(struct ks_buf *out, const unsigned char *data, size_t len)
{
	uint32_t a = libdeflate_adler32(1, data, len);
	unsigned char h[5];
	size_t at = 0;

	ks_buf_grow(out, 2 + 5 * (len / 65535 + 1) + len + 4);
	ks_buf_add(out, "\x78\x01", 2);	/* deflate, 32K window, fastest */
	do {
		size_t n = len - at > 65535 ? 65535 : len - at;

		h[0] = at + n == len;	/* BFINAL on the last, BTYPE 00 */
		h[1] = n & 0xff;
		h[2] = (unsigned char)(n >> 8);
		h[3] = ~n & 0xff;
		h[4] = (unsigned char)(~n >> 8);
		ks_buf_add(out, h, 5);
		ks_buf_add(out, data + at, n);
		at += n;
	} while (at < len);
	ks_pack__be32(h, a);
	ks_buf_add(out, h, 4);
}

size_t ks_pack__entry_header(unsigned char hdr[16], int type, size_t len)
{
	size_t h = 0;

	/* type and size, 4 bits then 7 bits per byte */
	hdr[h] = (unsigned char)((type << 4) | (len & 15));
	len >>= 4;
	while (len) {
		hdr[h++] |= 0x80;
		hdr[h] = len & 0x7f;
		len >>= 7;
	}
	return h + 1;
}

/* Appends one pack entry (type and size header, zlib stream) to @out;
 * stored when @z is NULL. */
static int pack_entry(struct libdeflate_compressor *z, git_object_t type, const void *data,
		      size_t len, struct ks_buf *out, uint32_t *crc)
{
	unsigned char hdr[16];
	size_t start = out->len, bound, n;

	ks_buf_add(out, hdr, ks_pack__entry_header(hdr, type, len));
	if (!z) {
		put_stored(out, data, len);
		goto done;
	}
	bound = libdeflate_zlib_compress_bound(z, len);
	ks_buf_grow(out, bound);
	n = libdeflate_zlib_compress(z, data, len, out->p + out->len, bound);
	if (!n)
		return -1;
	out->len += n;
done:
	*crc = libdeflate_crc32(0, out->p + start, out->len - start);
	return 0;
}

/* Blobs shorter than this are stored, not deflated: deflate's cost per
 * stream (3 us for 64 bytes, 6 us for 200 with libdeflate at level 1,
 * measured here) made compressing a kernel's ~50,000 small function and
 * typedef texts half of an import, for a quarter of their bytes. On the
 * corpus store: 9% larger, an import of every kind 0.4 s faster. */
#define STORED_BELOW 256

static int is_stored(const struct pack_obj *o)
{
	return o->type == GIT_OBJECT_TREE || o->len < STORED_BELOW;
}

/* Compresses @sl's objects into its buffer; object ids were already
 * computed from the uncompressed bytes. Level 1: objects are small and
 * an import waits for them. Trees are mostly object ids, which do not
 * compress, and a history walk reads one per release and level: they
 * are stored, like small blobs, so reading them costs no inflating. */
static void compress_slice(struct libdeflate_compressor *z, struct slice *sl)
{
	size_t i;

	for (i = sl->first; i < sl->last; i++) {
		struct pack_obj *o = &sl->objs[i];

		o->offset = sl->out.len;
		if (pack_entry(is_stored(o) ? NULL : z,
			       o->type, o->data, o->len, &sl->out, &o->crc)) {
			sl->err = 1;
			break;
		}
	}
}

/* Rough cost of writing one object, in nanoseconds measured here:
 * deflate has a fixed cost per stream (libdeflate's level 1 clears its
 * hash tables for each) and a small one per byte, storing is a copy and
 * a checksum. */
static uint64_t write_cost(const struct pack_obj *o)
{
	if (is_stored(o))
		return 300 + o->len;
	return 5500 + 4 * (uint64_t)o->len;
}

/* Consecutive slices of about equal cost: objects come in path order,
 * so counting objects put the small stored texts in some slices and
 * the large structs to deflate in others. */
static void split(const struct ks_pack *pk, struct slice *sl, size_t nt)
{
	uint64_t total = 0, done = 0;
	size_t i, k = 0;

	for (i = 0; i < pk->n; i++)
		total += write_cost(&pk->objs[i]);
	sl[0].first = 0;
	for (i = 0; i < pk->n && k + 1 < nt; i++) {
		done += write_cost(&pk->objs[i]);
		if (done * nt >= total * (k + 1)) {
			sl[k].last = i + 1;
			sl[++k].first = i + 1;
		}
	}
	for (; k < nt; k++) {
		sl[k].last = pk->n;
		if (k + 1 < nt)
			sl[k + 1].first = pk->n;
	}
	for (k = 0; k < nt; k++)
		sl[k].objs = pk->objs;
}

size_t ks_pack_count(const struct ks_pack *pk)
{
	return pk->n;
}

static int cmp_obj(const void *a, const void *b)
{
	return git_oid_cmp(&((const struct pack_obj *)a)->id,
			   &((const struct pack_obj *)b)->id);
}

/* Object ids are uniform: a counting sort on their first two bytes puts
 * nearly every object in place in one pass, and the few sharing a
 * bucket are sorted there. qsort of the 72-byte objects was 4% of an
 * import. */
static void sort_by_id(struct pack_obj *objs, size_t n)
{
	size_t *at = ks_xcalloc(65537, sizeof(*at));
	struct pack_obj *sorted = ks_xcalloc(n ? n : 1, sizeof(*sorted));
	size_t i, b;

	for (i = 0; i < n; i++)
		at[((size_t)objs[i].id.id[0] << 8 | objs[i].id.id[1]) + 1]++;
	for (b = 1; b <= 65536; b++)
		at[b] += at[b - 1];
	for (i = 0; i < n; i++)
		sorted[at[(size_t)objs[i].id.id[0] << 8 | objs[i].id.id[1]]++] = objs[i];
	/* at[b] is now the end of bucket b, the start of bucket b + 1 */
	for (b = 0, i = 0; b < 65536; i = at[b++])
		if (at[b] - i > 1)
			qsort(sorted + i, at[b] - i, sizeof(*sorted), cmp_obj);
	memcpy(objs, sorted, n * sizeof(*objs));
	free(sorted);
	free(at);
}

int ks_pack__write_all(int fd, const void *p, size_t n)
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
int ks_pack__write_file_atomic(const char *dir, const char *final,
			       const struct ks_buf *parts, size_t nparts)
{
	size_t i;
	/* the pid tells a later writer whether the file is a leftover */
	char *tmp = ks_xasprintf("%s/tmp_kstruct_%ld_XXXXXX", dir, (long)getpid());
	int fd = mkstemp(tmp), err = 0;

	if (fd < 0) {
		err = ks_err_set(KS_EIO, "cannot create a file in %s: %s", dir,
				 strerror(errno));
		goto out;
	}
	for (i = 0; i < nparts && !err; i++)
		if (ks_pack__write_all(fd, parts[i].p, parts[i].len))
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

void ks_pack__build_idx(struct ks_buf *idx, const void *objs, size_t n,
			const struct ks_pack_idx_layout *l, const unsigned char sum[20])
{
	const char *base = objs;
	uint32_t fan[256] = { 0 };
	unsigned char b[4], idxsum[20];
	struct ks_sha1 *c;
	size_t i;

	for (i = 0; i < n; i++)
		fan[((const git_oid *)(base + i * l->stride + l->id))->id[0]]++;
	ks_buf_add(idx, "\377tOc\0\0\0\2", 8);
	for (i = 0; i < 256; i++) {
		if (i)
			fan[i] += fan[i - 1];
		ks_pack__be32(b, fan[i]);
		ks_buf_add(idx, b, 4);
	}
	for (i = 0; i < n; i++)
		ks_buf_add(idx, ((const git_oid *)(base + i * l->stride + l->id))->id, 20);
	for (i = 0; i < n; i++) {
		ks_pack__be32(b, *(const uint32_t *)(base + i * l->stride + l->crc));
		ks_buf_add(idx, b, 4);
	}
	for (i = 0; i < n; i++) {
		ks_pack__be32(b, (uint32_t)*(const uint64_t *)(base + i * l->stride + l->offset));
		ks_buf_add(idx, b, 4);
	}
	ks_buf_add(idx, sum, 20);
	c = ks_sha1_new();
	ks_sha1_update(c, idx->p, idx->len);
	ks_sha1_final(c, idxsum);
	ks_buf_add(idx, idxsum, 20);
}

/* The pack file while it is written. Compressing is most of the
 * writing and runs on every core, one slice at a time, while whichever
 * thread finds the next slice in file order done appends it: hashing
 * and writing the body (a tenth of an import, when it came after all
 * the compressing) overlap the compressing of later slices. */
struct sink {
	pthread_mutex_t mu;
	struct slice *sl;
	size_t nsl;
	size_t next;		/* the next slice to compress */
	size_t written;		/* slices in the file, in order */
	unsigned char *done;	/* per slice: compressed */
	int busy;		/* a thread is appending */
	int err;		/* a KS_E* code, */
	char *msg;		/* its message (set on the thread that failed) */
	uint64_t base;		/* the file offset of the next slice */
	struct ks_sha1 *sha;
	int fd;
	const char *tmp;
};

/* Appends @sl to the file: its objects' offsets become the file's. */
static int append_slice(struct sink *k, struct slice *sl)
{
	size_t i;

	if (sl->err)
		return ks_err_set(KS_EIO, "compressing objects failed");
	if (k->base + sl->out.len >= (1ull << 31))
		return ks_err_set(KS_EINVAL, "snapshot too large for one pack");
	for (i = sl->first; i < sl->last; i++)
		sl->objs[i].offset += k->base;
	k->base += sl->out.len;
	ks_sha1_update(k->sha, sl->out.p, sl->out.len);
	if (ks_pack__write_all(k->fd, sl->out.p, sl->out.len))
		return ks_err_set(KS_EIO, "writing %s: %s", k->tmp, strerror(errno));
	ks_buf_free(&sl->out);	/* the next slices reuse the memory */
	return 0;
}

/* With @k->mu held. */
static void fail(struct sink *k, int err)
{
	if (k->err)
		return;
	k->err = err;
	k->msg = ks_xstrdup(ks_err_msg());
}

/* With @k->mu held: appends the slices that are done and next in file
 * order, unless another thread is at it (it will see ours when it
 * checks again, under the lock). */
static void drain(struct sink *k)
{
	if (k->busy)
		return;
	k->busy = 1;
	while (!k->err && k->written < k->nsl && k->done[k->written]) {
		struct slice *sl = &k->sl[k->written];
		int err;

		pthread_mutex_unlock(&k->mu);
		err = append_slice(k, sl);
		pthread_mutex_lock(&k->mu);
		if (err)
			fail(k, err);
		else
			k->written++;
	}
	k->busy = 0;
}

static void *sink_worker(void *arg)
{
	struct sink *k = arg;
	struct libdeflate_compressor *z = libdeflate_alloc_compressor(1);

	pthread_mutex_lock(&k->mu);
	if (!z)
		fail(k, ks_err_set(KS_ENOMEM, "cannot set up compression"));
	while (!k->err && k->next < k->nsl) {
		size_t i = k->next++;

		pthread_mutex_unlock(&k->mu);
		compress_slice(z, &k->sl[i]);
		pthread_mutex_lock(&k->mu);
		k->done[i] = 1;
		drain(k);
	}
	pthread_mutex_unlock(&k->mu);
	libdeflate_free_compressor(z);
	return NULL;
}

/* Writes the pack body into @k->fd on @nt threads; the trailer's sum in
 * @sum. */
static int write_body(struct sink *k, struct ks_pack *pk, size_t nt, unsigned char sum[20])
{
	unsigned char hdr[12];
	pthread_t *tids = ks_xcalloc(nt, sizeof(*tids));
	int *started = ks_xcalloc(nt, sizeof(*started));
	size_t t;

	memcpy(hdr, "PACK\0\0\0\2", 8);
	ks_pack__be32(hdr + 8, (uint32_t)pk->n);
	k->base = sizeof(hdr);
	ks_sha1_update(k->sha, hdr, sizeof(hdr));
	if (ks_pack__write_all(k->fd, hdr, sizeof(hdr)))
		fail(k, ks_err_set(KS_EIO, "writing %s: %s", k->tmp, strerror(errno)));
	for (t = 1; t < nt && !k->err; t++)
		started[t] = !pthread_create(&tids[t], NULL, sink_worker, k);
	if (!k->err)
		sink_worker(k);
	for (t = 1; t < nt; t++)
		if (started[t])
			pthread_join(tids[t], NULL);
	free(started);
	free(tids);
	if (k->err)
		return ks_err_set(k->err, "%s", k->msg);
	ks_sha1_final(k->sha, sum);
	k->sha = NULL;
	if (ks_pack__write_all(k->fd, sum, 20))
		return ks_err_set(KS_EIO, "writing %s: %s", k->tmp, strerror(errno));
	return 0;
}

int ks_pack_write(struct ks_pack *pk, const char *objects_dir)
{
	static const struct ks_pack_idx_layout l = {
		sizeof(struct pack_obj), offsetof(struct pack_obj, id),
		offsetof(struct pack_obj, crc), offsetof(struct pack_obj, offset),
	};
	unsigned char sum[20];
	struct ks_buf idx = KS_BUF_INIT;
	struct sink k;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	char hex[41], *dir, *tmp, *packname = NULL, *idxname = NULL;
	size_t i, nt;
	int err;

	if (!pk->n)
		return 0;
	if (pk->n > UINT32_MAX)
		return ks_err_set(KS_EINVAL, "snapshot too large for one pack");

	nt = ncpu < 1 ? 1 : ncpu > 8 ? 8 : (size_t)ncpu;
	if (pk->n < 512)
		nt = 1;
	memset(&k, 0, sizeof(k));
	/* slices small enough for the last ones to keep every thread
	 * busy, large enough that locking stays rare */
	k.nsl = nt == 1 ? 1 : 16 * nt;
	if (k.nsl > pk->n / 64)
		k.nsl = pk->n / 64 ? pk->n / 64 : 1;
	k.sl = ks_xcalloc(k.nsl, sizeof(*k.sl));
	k.done = ks_xcalloc(k.nsl, 1);
	split(pk, k.sl, k.nsl);
	pthread_mutex_init(&k.mu, NULL);
	k.sha = ks_sha1_new();

	dir = ks_xasprintf("%s/pack", objects_dir);
	/* the pid tells a later writer whether the file is a leftover */
	tmp = ks_xasprintf("%s/tmp_kstruct_%ld_XXXXXX", dir, (long)getpid());
	k.tmp = tmp;
	k.fd = mkstemp(tmp);
	if (k.fd < 0) {
		err = ks_err_set(KS_EIO, "cannot create a file in %s: %s", dir, strerror(errno));
		goto out;
	}
	err = write_body(&k, pk, nt, sum);
	if (!err && fsync(k.fd))
		err = ks_err_set(KS_EIO, "writing %s: %s", tmp, strerror(errno));
	fchmod(k.fd, 0444);
	close(k.fd);
	if (err) {
		unlink(tmp);
		goto out;
	}
	ks_hex(hex, sum, 20);
	packname = ks_xasprintf("%s/pack-%s.pack", dir, hex);
	idxname = ks_xasprintf("%s/pack-%s.idx", dir, hex);
	/* The pack first: an index is what makes git look at a pack. */
	if (rename(tmp, packname)) {
		err = ks_err_set(KS_EIO, "renaming %s: %s", tmp, strerror(errno));
		unlink(tmp);
		goto out;
	}
	sort_by_id(pk->objs, pk->n);
	ks_pack__build_idx(&idx, pk->objs, pk->n, &l, sum);
	err = ks_pack__write_file_atomic(dir, idxname, &idx, 1);
	if (err)
		unlink(packname);
	if (!err && pk->written) {
		if (!*pk->written)
			*pk->written = ks_xcalloc(1, sizeof(**pk->written));
		for (i = 0; i < pk->n; i++)
			written_add(*pk->written, &pk->objs[i].id);
	}
out:
	for (i = 0; i < k.nsl; i++)
		ks_buf_free(&k.sl[i].out);
	free(k.sl);
	free(k.done);
	free(k.msg);
	if (k.sha)
		ks_sha1_free(k.sha);
	pthread_mutex_destroy(&k.mu);
	free(packname);
	free(idxname);
	free(tmp);
	free(dir);
	ks_buf_free(&idx);
	return err;
}

void ks_pack_free(struct ks_pack *pk)
{
	if (!pk)
		return;
	for (size_t i = 0; i < pk->n; i++)
		if (pk->objs[i].owned)
			free(pk->objs[i].data);
	free(pk->objs);
	free(pk->slots);
	git_odb_free(pk->own_odb);
	free(pk->loose);
	if (pk->sha)
		ks_sha1_free(pk->sha);
	free(pk);
}

