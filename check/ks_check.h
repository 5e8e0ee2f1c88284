/* `kstruct check`: an eBPF object against every selected release of the
 * store: each CO-RE relocation resolved as libbpf would (ks_core), each
 * program's attach point looked up among the release's functions,
 * tracepoints, LSM hooks and syscalls, and a verdict per release. */
#ifndef KS_CHECK_H
#define KS_CHECK_H

#include <stddef.h>

#include "ks_core.h"
#include "ks_prog.h"
#include "ks_store.h"

enum ks_verdict { KS_VERDICT_OK, KS_VERDICT_GUARDED, KS_VERDICT_FAIL };

enum ks_attach_status {
	KS_ATTACH_OK,
	KS_ATTACH_NEEDS_NOTHING,	/* xdp, tc, uprobe, ...: no kernel symbol */
	KS_ATTACH_MISSING,		/* the function, tracepoint, hook or syscall is not there */
	KS_ATTACH_NOT_CALLABLE,		/* in BTF, but no callable symbol (inlined) */
	KS_ATTACH_NOT_RECORDED,		/* the release was imported without that kind */
};

enum ks_relo_verdict {
	KS_RV_OK,
	KS_RV_GUARD_FALSE,	/* an exists or match check that is 0 here */
	KS_RV_GUARDED,		/* poisoned, behind such a check of the same thing */
	KS_RV_FAIL,		/* poisoned and unguarded, or refused by libbpf */
};

struct ks_check_relo {
	struct ks_core_result core;
	enum ks_relo_verdict verdict;
	/* loads, but reads a member whose size or signedness changed, and
	 * no field-size or field-signed relocation of it says so */
	int size_differs, sign_differs;
};

struct ks_check_release {
	char *lineage;
	char *release;
	char *arch;
	enum ks_verdict verdict;
	struct ks_check_relo *relos;	/* one per ks_prog relocation */
	enum ks_attach_status *attach;	/* one per ks_prog program */
};

struct ks_check_result {
	struct ks_check_release *rel;
	size_t n;
};

struct ks_check_opts {
	const char *const *lineages;	/* NULL or empty: every lineage */
	size_t nlineages;
	const char *const *releases;	/* NULL or empty: every release */
	size_t nreleases;
};

/* KS_ENOTFOUND when a named lineage or release is not in the store. */
int ks_check_run(struct ks_store *store, const struct ks_prog *prog,
		 const struct ks_check_opts *opts, struct ks_check_result **out);
void ks_check_result_free(struct ks_check_result *res);

const char *ks_verdict_name(enum ks_verdict v);
const char *ks_attach_status_name(enum ks_attach_status s);
const char *ks_relo_verdict_name(enum ks_relo_verdict v);

#endif
