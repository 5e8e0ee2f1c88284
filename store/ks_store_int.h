/* Internals shared by the store's files; not part of its interface. */
#ifndef KS_STORE_INT_H
#define KS_STORE_INT_H

#include <git2.h>
#include <stddef.h>
#include <stdint.h>

#include "ks_git_err.h"
#include "ks_store.h"

struct ks_snapshot;

#define CFG_FORMAT "kstruct.formatVersion"
#define CFG_LINEAGE "kstruct.defaultLineage"

struct ks_store {
	git_repository *repo;
	git_odb *odb;
	char *path;
	char *objdir;		/* the repository's objects folder */
	char *default_lineage;	/* configured, or NULL: derived when asked */
	char *derived_lineage;	/* the one derived from the lineages present */
	int format;		/* kstruct.formatVersion (1 until upgraded) */
	int lock_fd;		/* the writer lock, when held (ks_lock.c) */
	int lock_depth;
	/* every object this handle's imports wrote (ks_pack.c): what a
	 * plan probed before them cannot know */
	struct ks_pack_written *written;
};

/* Waits for and takes the store's writer lock (nested calls count), then
 * removes what killed writers left (git lock files, temporary files).
 * KS_EBUSY after a long wait. */
int ks_store_lock(struct ks_store *s);
void ks_store_unlock(struct ks_store *s);

/* The roll-up's own lock (ks_repack.c), kept apart from the writer's: a
 * roll-up takes seconds and imports need not wait for it. */
#define KS_REPACK_LOCK_FILE "kstruct-repack.lock"
#define KS_REPACK_QUEUE_FILE "kstruct-repack-queue.lock"

/* Removes the folders of roll-ups whose process is gone (killed while
 * writing): the writer lock's sweep and each roll-up call it. */
void ks_repack__remove_dead(const char *objdir);

/* Up to this many packs, a store is left as it is (ks_repack.c). */
#define KS_AUTO_PACKS 8

/* ---- object writing (ks_pack.c) ---- */

/* Collects new objects and writes them as one pack + index, the way a
 * git fetch would, because loose objects cost an inode each. */
struct ks_pack;
struct ks_pack *ks_pack_new(git_odb *odb, const char *objects_dir);
/* Hashes the object, queues it unless the store or the pack has it. */
void ks_pack_add(struct ks_pack *pk, git_object_t type, const void *data,
		 size_t len, git_oid *id);
/* The same with @id already computed (ks_object_id), and @data not
 * copied: it must stay until ks_pack_write() has returned. */
void ks_pack_add_known(struct ks_pack *pk, git_object_t type, const void *data,
		       size_t len, const git_oid *id);
/* What a worker found out about an object before the writer came to it
 * (ks_snapshot_plan_probe). Objects never leave a store (a roll-up keeps
 * every object of the packs it replaces), so "present" stays true;
 * "absent" was true then, and since only this process's own writes (in
 * @written) or another writer's (a duplicate, which costs only space)
 * can have added it. */
enum ks_probe { KS_PROBE_UNKNOWN, KS_PROBE_PRESENT, KS_PROBE_ABSENT };
/* ks_pack_add_known, with @probe sparing the store lookup. */
void ks_pack_add_probed(struct ks_pack *pk, git_object_t type, const void *data,
			size_t len, const git_oid *id, enum ks_probe probe);
/* Marks each of @n objects (ids @stride bytes apart from @ids) present
 * or absent in @objects_dir, read-only; 0, or -1 when the store's
 * objects cannot be read (nothing marked). Safe on any thread. */
int ks_pack_probe(const char *objects_dir, const git_oid *ids, size_t stride, size_t n,
		  unsigned char *probe, size_t probe_stride);
/* The objects written through a store handle: ks_pack_write adds to it,
 * ks_pack_add_probed reads it. */
struct ks_pack_written;
void ks_pack_use_written(struct ks_pack *pk, struct ks_pack_written **w);
void ks_pack_written_free(struct ks_pack_written *w);
/* Git's object id of @data as an object of @type. */
void ks_object_id(git_oid *id, git_object_t type, const void *data, size_t len);
/* The same with a context kept for many objects (ks_sha1_new). */
struct ks_sha1;
void ks_object_id_with(struct ks_sha1 *c, git_oid *id, git_object_t type,
		       const void *data, size_t len);
size_t ks_pack_count(const struct ks_pack *pk);
/* Writes the pack into @objects_dir/pack/; no-op without objects. */
int ks_pack_write(struct ks_pack *pk, const char *objects_dir);
void ks_pack_free(struct ks_pack *pk);

/* Shared by the pack writers (ks_pack.c, ks_packw.c). */
struct ks_buf;
void ks_pack__be32(unsigned char *p, uint32_t v);
/* write(2) of all @n bytes, through short writes and EINTR; -1 on error. */
int ks_pack__write_all(int fd, const void *p, size_t n);
/* An entry's type and size header; its length (at most 16). */
size_t ks_pack__entry_header(unsigned char hdr[16], int type, size_t len);
/* Writes @parts to a temporary file in @dir, then renames it to @final so
 * that readers never see a partial file. */
int ks_pack__write_file_atomic(const char *dir, const char *final,
			       const struct ks_buf *parts, size_t nparts);
/* Where an index's fields sit in a caller's array of objects, so that
 * the index writer need not know the pack writer's object type. */
struct ks_pack_idx_layout {
	size_t stride, id, crc, offset;
};
/* Index v2 of @n objects sorted by id, for the pack whose checksum is
 * @sum; offsets below 2^31. */
void ks_pack__build_idx(struct ks_buf *idx, const void *objs, size_t n,
			const struct ks_pack_idx_layout *l, const unsigned char sum[20]);

/* A pack written object by object, in the caller's order, whole or as a
 * delta against an object written before it (ks_packw.c): a roll-up's
 * pack. @level is libdeflate's, 1 to 12. */
struct ks_packw;
int ks_packw_open(struct ks_packw **w, const char *dir, uint32_t count, int level);
/* Appends an object whole; *offset (if not NULL) is where it starts. */
int ks_packw_add(struct ks_packw *w, const git_oid *id, git_object_t type, const void *data,
		 size_t len, uint64_t *offset);
/* Appends an object as @delta (ks_delta_make) against the one written
 * at @base. */
int ks_packw_add_delta(struct ks_packw *w, const git_oid *id, uint64_t base,
		       const void *delta, size_t len, uint64_t *offset);
/* Completes the pack (exactly @count objects added) as
 * @dir/pack-<hex>.pack and its index; @hex gets the name. Frees @w, as
 * ks_packw_free does (which removes the unfinished file). */
int ks_packw_finish(struct ks_packw *w, char hex[GIT_OID_HEXSZ + 1]);
void ks_packw_free(struct ks_packw *w);

/* Writes the objects @ids (sorted, unique) as one pack with deltas into
 * @dir (ks_rollup.c); @hex gets its name, *deltas how many are deltas. */
int ks_rollup_write(git_repository *repo, git_odb *odb, const git_oid *ids, size_t n,
		    const char *dir, char hex[GIT_OID_HEXSZ + 1], size_t *deltas);

/* The release a chain commit records (its message is "<lineage>
 * <release>"), or NULL when it is no release commit (ks_history.c). */
char *ks_store__commit_release(git_commit *c);

/* ---- the history index (ks_hindex.c) ---- */

struct ks_hindex;
/* The changes of one path: a cursor for ks_hindex_at(). */
struct ks_hindex_run {
	const unsigned char *chg;
	size_t n, at;
};
/* The index of @lineage when it describes the branch head @head, else
 * NULL in *out (callers walk the commits); 0 either way. */
int ks_hindex_open(struct ks_store *s, const char *lineage, const git_oid *head,
		   struct ks_hindex **out);
void ks_hindex_close(struct ks_hindex *x);
size_t ks_hindex_nreleases(const struct ks_hindex *x);
/* Release @i (oldest first): its name, and its tree and recorded kinds
 * when asked. */
const char *ks_hindex_release(const struct ks_hindex *x, size_t i, git_oid *tree,
			      unsigned int *recorded);
/* The changes of @path (kind/letter/bucket/entry); 0 when it never had
 * a blob in the lineage. */
int ks_hindex_find(const struct ks_hindex *x, const char *path, struct ks_hindex_run *run);
/* Whether the path has a blob in release @rel, and which; fastest when
 * asked release after release. */
int ks_hindex_at(struct ks_hindex_run *run, size_t rel, git_oid *blob);
/* Brings the index of @lineage up to its branch: from the releases it
 * has when the branch only grew, else from scratch. */
int ks_hindex_update(struct ks_store *s, const char *lineage, int *updated);

/* ---- snapshot plans (ks_plan.c) ---- */

struct ks_path_entry {
	char *path;		/* kind/letter/bucket/entry */
	git_oid blob;
	const char *data;	/* the blob's content (not owned) */
	size_t len;
	unsigned char probe;	/* enum ks_probe */
};

struct ks_snapshot_plan {
	const struct ks_snapshot *snap;	/* the snapshot it was made from */
	struct ks_path_entry *entries;	/* one per type, by path; room for one more */
	size_t n;
	char *probed;	/* the store path the entries' probe is about, or NULL */
};

void ks_path_entries_sort(struct ks_path_entry *pe, size_t n);

/* ---- trees (ks_tree.c) ---- */

struct ks_tree_entry {
	const char *name;
	int is_tree;
	git_oid id;
};
/* Serialises a git tree; sorts @entries in git's order first. */
void ks_tree_serialize(struct ks_tree_entry *entries, size_t n, char **out,
		       size_t *len);

/* ---- metadata (ks_meta.c) ---- */

#define KS_META_PATH "meta"

/* The format line of a snapshot's meta blob: snapshot trees are the same
 * in store formats 1 and 2, so it stays 1. */
#define KS_SNAPSHOT_FORMAT 1

/* The kinds @snap's meta records: its own, struct and union, and any
 * kind it has entries of. */
unsigned int ks_meta_recorded(const struct ks_snapshot *snap);
/* The meta blob of a snapshot recording the kinds @rec (struct and union
 * always) with @count entries each (docs/format.md "meta"). */
char *ks_meta_format_kinds(const struct ks_release_meta *meta, unsigned int rec,
			   const size_t count[KS_KIND_COUNT], size_t *len);
/* The same for a snapshot of structs and unions alone. */
char *ks_meta_format(const struct ks_release_meta *meta, size_t nstructs,
		     size_t nunions, size_t *len);
/* The kinds a meta blob records (KS_KINDS_LEGACY without a kinds line)
 * and their counts, checking those lines as a fetch must: KS_EFORMAT
 * with a message when they are not as docs/format.md writes them. */
/* 0 when @tree is a well-formed snapshot of @release of @arch/@flavor
 * (store/ks_validate.c), else 1 with the problem in @why; trees found
 * good go into @cache. */
struct ks_vcache;
/* A name from another store, fit for a message: non-printable bytes as
 * '?', at most 60 of them. */
void ks_store__shown_name(char *out, size_t n, const char *name);
int ks_store__validate_tree(struct ks_store *s, struct ks_vcache *cache, const git_oid *tree,
			    const char *release, const char *arch, const char *flavor,
			    char *why, size_t whysz);
int ks_meta_kinds(const char *text, size_t len, unsigned int *recorded,
		  unsigned long count[KS_KIND_COUNT]);
/* Reads one "key value" line's value from a meta blob; NULL if absent. */
char *ks_meta_get(const char *text, size_t len, const char *key);

/* Deterministic commit text for a snapshot (with an optional parent). */
char *ks_commit_format(const git_oid *tree, const git_oid *parent,
		       const char *lineage, const char *release, size_t *len);

/* ---- names ---- */

char *ks_tag_ref(const char *lineage, const char *release);
char *ks_branch_ref(const char *lineage);
/* refs/tags/DISTRO/ARCH/FLAVOR/RELEASE: 1 when @ref has that shape (other
 * tags are a user's own), copying out the parts asked for. */
int ks_release_ref_parse(const char *ref, char **distro, char **arch, char **flavor,
			 char **release);
/* refs/tags/ARCH/FLAVOR/RELEASE, the release tags of store format 1. */
int ks_release_ref_parse_v1(const char *ref, char **arch, char **flavor, char **release);
/* refs/heads/DISTRO/ARCH/FLAVOR */
int ks_lineage_ref_is(const char *ref);

/* ---- lookups shared by ks_query.c and ks_history.c ---- */

/* The error for a lineage or release that is not there, naming what is. */
int ks_store__missing_release(struct ks_store *s, const char *lineage,
			      const char *release);
/* The snapshot tree of @release, or of the lineage's newest release. */
int ks_store__release_tree(struct ks_store *s, const char *lineage,
			   const char *release, git_tree **tree);
/* The kinds the snapshot @tree's meta records; KS_KINDS_LEGACY when it
 * has no kinds line or cannot be read. */
unsigned int ks_store__tree_recorded(git_repository *repo, git_tree *tree);
/* KS_ENOTFOUND for @name (of @kind, or of any kind when NULL),
 * suggesting close names of every kind from @tree. */
int ks_store__no_such_type(struct ks_store *s, git_tree *tree, const char *kind,
			   const char *name, const char *lineage, const char *release);
/* KS_ENOTFOUND: @kind was not recorded in @release (in any release of
 * @lineage when NULL). */
int ks_store__not_recorded(enum ks_kind kind, const char *name, const char *lineage,
			   const char *release);
/* KS_EINVAL: @name is of each kind of @kinds in @where. */
int ks_store__ambiguous(const char *name, unsigned int kinds, const char *where);
/* "struct foo" / "union foo": skips the kind word in *@name and returns
 * the kind, or NULL when @name has none. */
const char *ks_store__split_kind(const char **name);
/* Splits "name~N" into name and variant (1 without a suffix). */
char *ks_store__split_variant(const char *arg, unsigned int *variant);

/* A name as commands take it: "KIND:NAME", "struct NAME", "union NAME"
 * or a bare NAME, each optionally "~N". */
struct ks_name_spec {
	int has_kind;		/* the kind was given */
	enum ks_kind kind;
	char *name;		/* without kind and variant suffix (allocated) */
	unsigned int variant;
};
/* KS_EINVAL for an unknown kind prefix or an empty name. */
int ks_store__parse_spec(const char *spec, struct ks_name_spec *out);
/* Bit 1u << kind for every kind @tree has NAME~@variant of. */
unsigned int ks_store__kinds_in_tree(git_tree *tree, const char *name, unsigned int variant);
/* The kind a bare @name means among @found: struct, else union, else
 * the only one; KS_EINVAL naming @where when several, KS_ENOTFOUND
 * (no message) when none. */
int ks_store__pick_kind(const char *name, unsigned int found, const char *where,
			enum ks_kind *kind);
/* The kind @sp means in the snapshot @tree: its own, else as
 * ks_store__pick_kind; not found is KS_ENOTFOUND with suggestions. */
int ks_store__resolve_in_tree(struct ks_store *s, git_tree *tree,
			      const struct ks_name_spec *sp, const char *lineage,
			      const char *release, enum ks_kind *kind);

/* The newest commit of a lineage: its branch, or in a plain git clone
 * of a store, the branch as the clone's origin has it. */
int ks_store__lineage_head(struct ks_store *s, const char *lineage, git_oid *id);

/* Notes where a release came from, unless it has a note already. */
int ks_store__write_note(struct ks_store *s, const git_oid *commit, const char *text);
/* Points HEAD at the default lineage's branch (under the lock). */
int ks_store__update_head(struct ks_store *s);
/* A format-1 store is upgraded before anything is written to it. */
int ks_store__writable(struct ks_store *s);

/* Re-links refs/heads/<lineage> from the lineage's tags. */
int ks_lineage_rebuild(struct ks_store *store, const char *lineage);

#endif
