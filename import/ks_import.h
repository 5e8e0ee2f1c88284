/* The bulk import: kernel files read and canonicalized on worker
 * threads, recorded into the store by one writer in input order, so the
 * outcome (releases, commit ids, messages) does not depend on timing or
 * on the number of threads.
 *
 * Consecutive inputs of one release (a vmlinux and its modules) become
 * one snapshot. A folder stands for every regular file below it, in name
 * order; files there without kernel data are skipped. A file that fails
 * is reported and the others go on; it never changes the store.
 */
#ifndef KS_IMPORT_H
#define KS_IMPORT_H

#include <stddef.h>

#include "ks_kind.h"
#include "ks_store.h"

/* One outcome: a snapshot recorded (@err 0), or an input or a snapshot
 * that could not be (@err a KS_E* code, @msg why). Outcomes come in
 * input order; a snapshot is complete, and reported, once the next
 * input turns out to belong to another release (or there is none). */
struct ks_import_result {
	int err;
	const char *msg;	/* one line, when @err */
	const char *path;	/* the input, when it failed to be read */
	/* the snapshot's, when recorded */
	const char *release, *arch, *flavor;
	/* the distribution (KS_DISTRO_UNKNOWN when nothing said) and where
	 * it came from ("--distro", "the release's .ky<N>", ...) */
	const char *distro, *distro_why;
	enum ks_add_status status;
	size_t nstructs, nunions;
	/* entries per kind (ks_kind.h), and (1u << kind) for each kind the
	 * snapshot recorded (KS_KINDS_LEGACY: struct and union only) */
	size_t count[KS_KIND_COUNT];
	unsigned int recorded;
	const char *commit;	/* 40 hex digits */
	/* 1 when the inputs carried the kernel's function symbols (an ELF
	 * .symtab, a package's System.map, kallsyms), 0 when symbols are
	 * "not recorded"; @symbols_from says where they came from */
	int symbols;
	const char *symbols_from;
};

struct ks_import_summary {
	size_t files;		/* inputs, after expanding folders */
	size_t imported, present, replaced, failed;
	size_t completed;	/* older releases given the kinds they lacked */
	size_t skipped;		/* files in folders that hold no kernel data */
};

/* Called on the calling thread, in input order. */
typedef void (*ks_import_result_fn)(const struct ks_import_result *res, void *payload);
/* After each input is dealt with: @done of @total. */
typedef void (*ks_import_progress_fn)(size_t done, size_t total, void *payload);
/* The store did not exist and was created at @path (before its first write). */
typedef void (*ks_import_created_fn)(const char *path, void *payload);

struct ks_import_opts {
	unsigned int version;
	const char *release;	/* release name; default: what each file tells */
	const char *arch;	/* default: the file, the release name, this machine */
	const char *flavor;	/* default: the release name's suffix, else generic */
	const char *distro;	/* default: the .deb, the btfhub path, the release
				 * name, the Linux banner, else unknown */
	const char *base;	/* path of the vmlinux that modules were built against */
	int force;		/* replace releases recorded with other content */
	int jobs;		/* worker threads; 0 or less: one per core */
	ks_import_result_fn result;
	ks_import_progress_fn progress;
	ks_import_created_fn created;
	void *payload;
};
#define KS_IMPORT_OPTS_VERSION 1
#define KS_IMPORT_OPTS_INIT { KS_IMPORT_OPTS_VERSION, NULL, NULL, NULL, NULL, NULL, \
			      0, 0, NULL, NULL, NULL, NULL }

/* Imports @inputs (files or folders) into the store at @store_path,
 * which is created when it does not exist, on the first snapshot to be
 * written. Returns 0 when the run went through, whatever failed on the
 * way (see @sum->failed); a negative KS_E* code when it could not start
 * (bad options or --base, no files) or the store could not be opened.
 * @sum is filled in either case. */
int ks_import_run(const char *store_path, const char *const *inputs, size_t ninputs,
		  const struct ks_import_opts *opts, struct ks_import_summary *sum);

#endif
