/* Internals shared by import/'s files; not part of its interface. */
#ifndef KS_IMPORT_INT_H
#define KS_IMPORT_INT_H

#include <stddef.h>

#include "ks_buf.h"
#include "ks_import.h"

struct ks_input;
struct ks_snapshot;
struct ks_symtab;
struct ks_snapshot_plan;

/* What every worker reads with: the options, the opened --base, the store. */
struct ks_import_ctx {
	const struct ks_import_opts *o;
	struct ks_input *base;
	const char *store_path;
};

/* One input's result: a snapshot-to-be, or why not. */
struct ks_import_job {
	char *path;
	int from_dir;		/* found in a folder: non-kernel files are skipped */
	int done;
	int err;
	char *msg;
	char *release, *arch, *flavor;
	char *distro, *distro_why;
	struct ks_snapshot *snap;
	struct ks_snapshot_plan *plan;	/* made by the worker, for the writer */
	char **sums;
	size_t nsums;
	struct ks_buf source;
	/* the kernel's function symbols, NULL when its inputs carry none
	 * (then "not recorded"): @symtab_own when the input had them, else
	 * borrowed from the context's --base (a module's vmlinux) */
	const struct ks_symtab *symtab;
	struct ks_symtab *symtab_own;
	const char *symtab_from;
	char *symtab_from_own;
};

/* Reads and canonicalizes @j->path into @j; 0 or a KS_E* code with the
 * message set. Safe to call from several threads at once. */
int ks_import__read(const struct ks_import_ctx *c, struct ks_import_job *j);
/* Adds a BTF digest unless @j has it already. */
void ks_import__add_sum(struct ks_import_job *j, const char *hex);
/* Frees what @j holds and zeroes it. */
void ks_import__job_clear(struct ks_import_job *j);

/* The input list, folders expanded. */
struct ks_import_seen;
struct ks_import_paths {
	char **v;
	int *from_dir;
	size_t n, cap;
	struct ks_import_seen *seen;	/* files and folders found in folders */
};

/* Adds @path, or when it is a folder every regular file below it in
 * name order, through symbolic links, each file and folder once; 1
 * when @path was a folder without files, else 0. */
int ks_import__paths_add(struct ks_import_paths *ps, const char *path);
void ks_import__paths_clear(struct ks_import_paths *ps);

#endif
