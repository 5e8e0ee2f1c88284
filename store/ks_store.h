/* The git-backed store: a bare repository holding one immutable commit
 * per kernel release (tags) and one derived chain per lineage (branches).
 * The layout is specified in docs/format.md. Knows nothing of BTF: it
 * takes snapshots of canonical texts (common/ks_snapshot.h) and stores
 * them.
 */
#ifndef KS_STORE_H
#define KS_STORE_H

#include <stddef.h>

#include "ks_kind.h"

#define KS_STORE_FORMAT_VERSION 2
/* The arch and flavor of the default lineage when none is configured
 * (its distro is the one store holds them for, see
 * ks_store_default_lineage). */
#define KS_DEFAULT_LINEAGE "x86_64/generic"

struct ks_store;
struct ks_snapshot;

/* Where the store is: @flag (--store), else $KSTRUCT_STORE, else the
 * nearest .kstruct folder from the working directory upward, else
 * ${XDG_DATA_HOME:-$HOME/.local/share}/kstruct. */
char *ks_store_locate(const char *flag);

/* Creates an empty store at @path (creating the folder). Returns 1 when
 * @path already is a store, 0 when created. */
int ks_store_init(const char *path);

/* Opens an existing store; KS_ENOTFOUND when @path does not exist,
 * KS_ENOTSTORE when it is not a kstruct store. */
int ks_store_open(struct ks_store **out, const char *path);
void ks_store_free(struct ks_store *store);
const char *ks_store_path(const struct ks_store *store);
/* The lineage used when a command names none: kstruct.defaultLineage,
 * else the only lineage DISTRO/x86_64/generic if there is one, else the
 * first lineage in sorted order, else unknown/x86_64/generic. Owned by
 * the store. */
const char *ks_store_default_lineage(struct ks_store *store);
/* kstruct.formatVersion: 1 for a store not yet upgraded, else 2. */
int ks_store_format(const struct ks_store *store);

struct ks_upgrade_result {
	size_t releases;	/* release tags rewritten */
	size_t lineages;	/* lineages they make */
	int upgraded;		/* 0 when the store was already in format 2 */
};
/* Upgrades a format-1 store in place to format 2 (docs/format.md), under
 * the writer lock: new release commits (same trees), tags and notes,
 * branches, the default lineage, the format version, and only then the
 * removal of the old refs. Idempotent; a killed run is completed by the
 * next. Every write to a format-1 store does this first. */
int ks_store_upgrade(struct ks_store *store, struct ks_upgrade_result *res);

/* The full lineage @spec names: a full DISTRO/ARCH/FLAVOR, or a shorter
 * form matching exactly one lineage of the store ("centos",
 * "kylin/aarch64", "aarch64/generic", "x86_64"). KS_EINVAL listing the
 * candidates when ambiguous, KS_ENOTFOUND with suggestions when none. A
 * full lineage without releases is returned as it is. Allocated. */
int ks_store_resolve_lineage(struct ks_store *store, const char *spec, char **full);

/* What a snapshot records besides its types. Every field here must be a
 * function of the BTF and the release identity alone. */
struct ks_release_meta {
	const char *release;
	const char *arch;
	const char *flavor;
	const char **btf_sha256;	/* hex digests, one per BTF input */
	size_t nbtf;
	const char *distro;	/* NULL or "" for "unknown" */
};

enum ks_add_status {
	KS_ADD_NEW,		/* release recorded */
	KS_ADD_SAME,		/* already present with identical content */
	KS_ADD_REPLACED,	/* present with other content, replaced (force) */
	/* present with fewer kinds recorded and the same definitions of
	 * those (imported by an older kstruct): replaced without force, the
	 * tag moved to the new commit, the lineage re-linked, the note kept */
	KS_ADD_COMPLETED,
};

/* Every type's tree path and blob id, computed from a finished snapshot
 * alone: import's worker threads make plans so that the single writer
 * does not hash. NULL when @snap is not finished. */
struct ks_snapshot_plan;
struct ks_snapshot_plan *ks_snapshot_plan_new(const struct ks_snapshot *snap);
void ks_snapshot_plan_free(struct ks_snapshot_plan *plan);
/* Looks the plan's blobs up in the store at @store_path (read-only; a
 * store that does not exist yet has none of them), so that the writer
 * need not: on a worker thread, while the writer is busy with earlier
 * snapshots. Used by ks_store_add_release() on a store opened with the
 * same @store_path, else ignored. Best effort: when the store cannot be
 * read, the writer looks everything up itself. */
void ks_snapshot_plan_probe(struct ks_snapshot_plan *plan, const char *store_path);

struct ks_add_opts {
	unsigned int version;
	int force;		/* replace a release whose content differs */
	const char *source;	/* where the input came from, kept in a note */
	/* made from the same snapshot, unchanged since (else ignored) */
	const struct ks_snapshot_plan *plan;
};
#define KS_ADD_OPTS_VERSION 1
#define KS_ADD_OPTS_INIT { KS_ADD_OPTS_VERSION, 0, NULL, NULL }

/* Records finished @snap as release @meta, then re-links the lineage
 * branch. A release already there with other content is KS_EEXISTS
 * unless @opts force it or @snap completes it (KS_ADD_COMPLETED). The
 * meta records the kinds of snap->recorded, struct, union and every
 * kind @snap has entries of; its kinds lines are written only when
 * that is more than KS_KINDS_LEGACY (docs/format.md "meta"). */
int ks_store_add_release(struct ks_store *store, const struct ks_release_meta *meta,
			 const struct ks_snapshot *snap, const struct ks_add_opts *opts,
			 enum ks_add_status *status, char commit_hex[41]);

/* Validates a release name, arch or flavor for use in a ref name. */
int ks_store_check_release_name(const char *release);
int ks_store_check_lineage_part(const char *what, const char *value);
/* Validates "DISTRO/ARCH/FLAVOR". */
int ks_store_check_lineage(const char *lineage);

/* ---- reading ---- */

struct ks_release_info {
	char *lineage;		/* "distro/arch/flavor" */
	char *arch;
	char *flavor;
	char *release;
	char *distro;
	char *upstream;		/* the upstream version it is based on */
	char commit[41];	/* the release's own (tag) commit */
	char btf_sha256[65];	/* first digest */
	unsigned long nstructs;
	unsigned long nunions;
	/* bit 1u << kind for each kind its import recorded: KS_KINDS_LEGACY
	 * when the meta has no kinds line (a release imported before the
	 * other kinds existed); a recorded kind may have count 0 */
	unsigned int recorded;
	unsigned long count[KS_KIND_COUNT];	/* per recorded kind, else 0 */
};

struct ks_release_list {
	struct ks_release_info *items;	/* by lineage, then version order */
	size_t n;
};

/* Every release, or those of one lineage ("distro/arch/flavor") when @lineage
 * is not NULL. */
int ks_store_list_releases(struct ks_store *store, const char *lineage,
			   struct ks_release_list **out);
void ks_release_list_free(struct ks_release_list *list);

/* "DISTRO/ARCH/FLAVOR" into its parts (each optional, allocated);
 * KS_EINVAL when it has not three non-empty parts. */
int ks_lineage_split(const char *lineage, char **distro, char **arch, char **flavor);

/* Lineages that have at least one release, sorted. */
int ks_store_list_lineages(struct ks_store *store, char ***out, size_t *n);
void ks_strv_free(char **v, size_t n);

struct ks_type_text {
	const char *kind;	/* the kind's name ("struct", "enum", ...; static) */
	char *name;		/* as asked, variant suffix removed */
	unsigned int variant;
	char *release;
	char *lineage;
	char *text;
	size_t len;
	unsigned int nvariants;	/* how many bodies this name has there */
	int other_kind;		/* a bare NAME found the struct, and a union of
				 * that name exists too */
};

/* Names, as every lookup below takes them ("specs"):
 *   KIND:NAME      any kind of common/ks_kind.h ("enum:bpf_map_type",
 *                  "tracepoint:sched_switch"); "struct NAME" and
 *                  "union NAME" still work;
 *   NAME           the struct or union NAME if there is one (the struct
 *                  when both), else the only other kind that has NAME,
 *                  else KS_EINVAL with one line listing the candidates
 *                  ("'x' is an enum and a typedef in LINEAGE: say enum:x
 *                  or typedef:x");
 * each optionally NAME~N for the N-th distinct body of the name. Names
 * never contain '.': callers split member suffixes off first. Not found
 * is KS_ENOTFOUND suggesting close names of every kind (struct and
 * union bare, the others as KIND:NAME). */

/* The kind, name and variant @spec means in @release of @lineage, or in
 * any release of the lineage when @release is NULL (what
 * ks_store_history follows), so that commands resolve a name once.
 * @kind is static; @name is allocated. A spec with a kind is taken as it
 * is, without looking it up. */
int ks_store_resolve_name(struct ks_store *store, const char *lineage,
			  const char *release, const char *spec, const char **kind,
			  char **name, unsigned int *variant);

/* Looks up @spec in @release of @lineage, or in the newest release when
 * @release is NULL (a bare NAME is resolved there). KS_ENOTFOUND with a
 * message that suggests close names or releases; for a kind that
 * release did not record, KS_ENOTFOUND saying "enum:x: enums were not
 * recorded in RELEASE (imported by an older kstruct; import it again to
 * complete it)". */
int ks_store_read_type(struct ks_store *store, const char *lineage,
		       const char *release, const char *spec,
		       struct ks_type_text **out);
void ks_type_text_free(struct ks_type_text *t);

/* Calls @fn for every definition of the kinds in @kinds (bit 1u <<
 * enum ks_kind; KS_KINDS_LEGACY for structs and unions, KS_KINDS_ALL)
 * in a release (the newest when @release is NULL), kind by kind in
 * table order, each in tree order; @text is NULL unless @want_text. A
 * non-zero return from @fn stops the walk and is returned. */
typedef int (*ks_type_fn)(const char *kind, const char *name, unsigned int variant,
			  const char *text, size_t len, void *ctx);
int ks_store_foreach_type(struct ks_store *store, const char *lineage,
			  const char *release, unsigned int kinds, int want_text, ks_type_fn fn,
			  void *ctx);

/* The same with each definition's blob id instead of its text: what a
 * whole-store walk (kstruct site) compares, reading each distinct text
 * once with ks_store_read_blob. */
typedef int (*ks_blob_fn)(const char *kind, const char *name, unsigned int variant,
			  const char *blob_hex, void *ctx);
int ks_store_foreach_blob(struct ks_store *store, const char *lineage,
			  const char *release, unsigned int kinds, ks_blob_fn fn, void *ctx);
/* One release's snapshot held open for lookups by kind and name. */
struct ks_view;
int ks_store_view_open(struct ks_store *store, const char *lineage, const char *release,
		       struct ks_view **out);
/* 1 and the blob id of KIND NAME (variant 1, 2, ...) in the release, 0
 * when the release has no such entry. */
int ks_store_view_blob(struct ks_view *view, const char *kind, const char *name,
		       unsigned int variant, char hex[41]);
void ks_store_view_free(struct ks_view *view);

/* A blob's content, '\0'-terminated (not counted in @len). */
int ks_store_read_blob(struct ks_store *store, const char *blob_hex, char **text,
		       size_t *len);

/* ---- history ---- */

struct ks_hist_entry {
	char *release;
	int present;		/* the name is defined in this release */
	/* 0 when this release did not record the kind asked for (imported
	 * by an older kstruct): then present is 0 and means "not recorded",
	 * not "absent" */
	int recorded;
	const char *kind;	/* the kind's name when present (static) */
	unsigned int nvariants;	/* distinct bodies of the name here */
	char blob[41];		/* the definition's blob id when present */
	int same_as_prev;	/* same blob as the previous release */
	char *text;		/* loaded unless same_as_prev */
	size_t len;
};

struct ks_history {
	char *lineage;
	char *name;		/* without kind and variant suffix */
	unsigned int variant;
	/* the resolved kind (static); for a bare NAME of a struct or union
	 * "struct" if it is one in any release, else "union", and the
	 * entries follow both kinds release by release, as they always did */
	const char *kind;
	struct ks_hist_entry *e;	/* every release of the lineage, oldest first */
	size_t n;
};

/* The definition of @spec (a bare NAME resolved in the whole lineage)
 * in every release of @lineage, found by comparing tree and blob ids
 * release by release: only trees on the name's path are read, and only
 * blobs that differ. KS_ENOTFOUND (with suggestions) when no release
 * defines the name, or, when no release recorded its kind, saying so. */
int ks_store_history(struct ks_store *store, const char *lineage, const char *spec,
		     struct ks_history **out);
/* The same without reading the texts (every entry's text NULL): a long
 * history whose steps are known (ks_steps) needs few of them, which
 * ks_history_load_text reads when asked. */
int ks_store_history_lazy(struct ks_store *store, const char *lineage, const char *spec,
			  struct ks_history **out);
/* Loads entry @i's text (of the entry itself, or of the one it is the
 * same as) unless it is there; 0 with a NULL text where absent. */
int ks_history_load_text(struct ks_store *store, struct ks_history *h, size_t i);
void ks_history_free(struct ks_history *h);

/* The releases of a lineage, oldest first, from its branch. */
int ks_store_lineage_releases(struct ks_store *store, const char *lineage,
			      char ***releases, size_t *n);

struct ks_tree_change {
	const char *kind;	/* the kind's name (static) */
	char *name;
	unsigned int variant;
	char status;		/* 'A' added, 'D' removed, 'M' changed */
	char *old_text, *new_text;	/* NULL where absent or not asked for */
	size_t old_len, new_len;
};

struct ks_tree_changes {
	/* by kind (in table order), then name, then variant */
	struct ks_tree_change *c;
	size_t n;
};

/* Every definition, of every kind, that differs between two releases
 * of a lineage (callers filter the kinds they show); subtrees with equal
 * ids are skipped without reading them. A kind one release did not
 * record shows as added or removed: compare ks_release_info.recorded. */
int ks_store_diff_releases(struct ks_store *store, const char *lineage,
			   const char *r1, const char *r2, int want_text,
			   struct ks_tree_changes **out);
void ks_tree_changes_free(struct ks_tree_changes *c);

/* A unified diff of two texts (3 lines of context), line by line: the
 * two file names, then each hunk header and its lines. Content comes
 * with its '\n'. A non-zero return from @fn stops it and is returned. */
enum ks_patch_origin {
	KS_PATCH_OLD_FILE, KS_PATCH_NEW_FILE, KS_PATCH_HUNK,
	KS_PATCH_CONTEXT = ' ', KS_PATCH_ADDED = '+', KS_PATCH_REMOVED = '-',
};
typedef int (*ks_patch_fn)(enum ks_patch_origin origin, const char *text, size_t len,
			   void *ctx);
int ks_store_patch(const char *name_a, const char *a, size_t la, const char *name_b,
		   const char *b, size_t lb, ks_patch_fn fn, void *ctx);

/* ---- sync ---- */

struct ks_sync_opts {
	unsigned int version;
	/* a progress line now and then (the caller decides where it goes) */
	void (*progress)(const char *line, void *payload);
	void *payload;
};
#define KS_SYNC_OPTS_VERSION 1
#define KS_SYNC_OPTS_INIT { KS_SYNC_OPTS_VERSION, NULL, NULL }

struct ks_sync_result {
	size_t added;		/* releases new in this store */
	size_t present;		/* releases both sides had */
	size_t conflicts;	/* same release, other content: kept ours */
	size_t skipped;		/* tags of that shape that are no releases */
	size_t sent;		/* refs offered by a push */
	unsigned long long bytes;	/* transferred */
	unsigned int objects;
	char **messages;	/* one line per conflict or skip */
	size_t nmessages;
};

int ks_store_remote_add(struct ks_store *store, const char *name, const char *url);
int ks_store_remote_remove(struct ks_store *store, const char *name);
int ks_store_remote_list(struct ks_store *store, char ***names, char ***urls, size_t *n);

/* Downloads the releases @remote (a remote's name, a URL or a path) has
 * and this store lacks, adds their tags and re-derives the lineages. */
int ks_store_fetch(struct ks_store *store, const char *remote,
		   const struct ks_sync_opts *opts, struct ks_sync_result *res);
/* Fetches first (so the branches pushed hold both sides), then sends the
 * tags (never forced) and the lineage branches (forced: derived). */
int ks_store_push(struct ks_store *store, const char *remote,
		  const struct ks_sync_opts *opts, struct ks_sync_result *res);
/* A new store at @path with remote "origin" = @url, fetched. On failure
 * nothing is left at @path. */
int ks_store_clone(const char *url, const char *path, const struct ks_sync_opts *opts,
		   struct ks_sync_result *res);
void ks_sync_result_free(struct ks_sync_result *res);

/* ---- the history index (ks_hindex.c) ---- */

/* Brings every lineage's history index up to its branch (a derived file
 * that log and blame read instead of a tree per release); how many it
 * wrote in *updated. */
int ks_store_index_history(struct ks_store *store, size_t *updated);
/* Whether some lineage's index is missing or behind its branch. */
int ks_store_history_stale(struct ks_store *store);
/* Calls @fn for each path of @lineage's current history index (kind
 * folder, bucket folders and entry: "struct/t/ta/task_struct") whose
 * blob changes at least @min times, with the blob ids of those changes
 * in release order, 20 bytes each, all zero where the path goes absent.
 * 1 (and no call) when the index is missing or behind. */
typedef int (*ks_path_history_fn)(const char *path, const unsigned char *blobs, size_t n,
				  void *ctx);
int ks_store_history_paths(struct ks_store *store, const char *lineage, size_t min,
			   ks_path_history_fn fn, void *ctx);
/* Where a derived file named @name of the store lives (beside the
 * history index, in a folder git ignores); the folder is created when
 * @create is set. To be freed. */
char *ks_store_derived_path(struct ks_store *store, const char *name, int create);

/* ---- keeping the store compact (ks_repack.c) ---- */

#define KS_REPACK_ALL 1u	/* every pack and loose object into one pack */
#define KS_REPACK_BACKGROUND 2u	/* one thread: a roll-up nobody waits for */
#define KS_REPACK_QUEUE 4u	/* wait for a running roll-up (see ks_repack.c) */

struct ks_repack_result {
	size_t packs_before;	/* packs found */
	size_t packs_merged;	/* of them written again as one */
	size_t loose_merged;
	size_t objects;		/* in the new pack */
	size_t deltas;		/* of them written as deltas */
	int busy;		/* another roll-up was running: nothing done */
};

/* Whether the packs want rolling up after a write: more than a few, and
 * not in a progression of factor 2 by object count. Cheap: reads the
 * packs' index headers only. */
int ks_store_repack_wanted(struct ks_store *store);
/* Writes the smallest packs that break the progression (every pack with
 * KS_REPACK_ALL) again as one pack with deltas, then removes them; no
 * object is lost, readers go on meanwhile. One roll-up at a time: a
 * second one returns at once with res->busy set (KS_REPACK_QUEUE: waits,
 * unless another waits already). */
int ks_store_repack(struct ks_store *store, unsigned int flags, struct ks_repack_result *res);
/* Moves the loose refs into packed-refs, as git pack-refs does: a tag
 * per release is a file per release otherwise, and every writer's
 * check for leftovers would read them all. */
int ks_store_pack_refs(struct ks_store *store);

/* ---- helpers shared with tests and other modules ---- */

/* Sets the lineage that commands use when none is named and that status
 * and report compare the others with ("regular"); it must be valid. */
int ks_store_set_default_lineage(struct ks_store *store, const char *lineage);

/* Tree path of a definition of any kind: "struct/b/bp/bpf_mem_alloc",
 * "enum/b/bp/bpf_map_type", "union/...~2". */
char *ks_store_type_path(const char *kind, const char *name, unsigned int variant);
/* Reverse of the name escaping in paths; NULL when malformed. */
char *ks_store_unescape_name(const char *entry, unsigned int *variant);

#endif
