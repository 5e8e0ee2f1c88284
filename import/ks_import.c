/* The pipeline: worker threads read and canonicalize inputs ahead of the
 * writer (this thread), which takes their results strictly in input
 * order, merges consecutive inputs of one release and is the only one
 * to write into the store. */
#include "ks_import.h"

#include <libelf.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ks_distro.h"
#include "ks_err.h"
#include "ks_import_int.h"
#include "ks_input.h"
#include "ks_snapshot.h"

struct pool {
	struct ks_import_job *jobs;
	size_t n;
	size_t next;		/* next job a worker takes */
	size_t consumed;	/* jobs the writer has taken */
	size_t window;		/* how far workers may run ahead of the writer */
	/* Jobs the writer is done with, for a worker to free: a kernel's
	 * snapshot and plan are hundreds of thousands of allocations, a
	 * third of the writer's time when it freed them itself, and the
	 * writer is the one thread every input waits for. */
	struct ks_import_job *trash;
	size_t ntrash, captrash;
	int closing;		/* the writer is done: free the trash, then stop */
	const struct ks_import_ctx *ctx;
	pthread_mutex_t mu;
	pthread_cond_t cv;
};

/* Hands @j's contents to the workers to free; @j is left empty. */
static void discard(struct pool *p, struct ks_import_job *j)
{
	pthread_mutex_lock(&p->mu);
	if (p->ntrash == p->captrash) {
		p->captrash = p->captrash ? 2 * p->captrash : 8;
		p->trash = ks_xrealloc(p->trash, p->captrash * sizeof(*p->trash));
	}
	p->trash[p->ntrash++] = *j;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
	memset(j, 0, sizeof(*j));
}

/* Under @p->mu: a job a worker may read now, or @p->n for none. */
static size_t next_job(struct pool *p)
{
	if (p->next < p->n && p->next < p->consumed + p->window)
		return p->next++;
	return p->n;
}

static void *worker(void *arg)
{
	struct pool *p = arg;

	for (;;) {
		struct ks_import_job *j, dead;
		size_t i = p->n;
		int err, have_dead = 0;

		pthread_mutex_lock(&p->mu);
		for (;;) {
			if (p->ntrash) {
				dead = p->trash[--p->ntrash];
				have_dead = 1;
				break;
			}
			if ((i = next_job(p)) < p->n || p->closing)
				break;
			pthread_cond_wait(&p->cv, &p->mu);
		}
		pthread_mutex_unlock(&p->mu);
		if (have_dead) {
			ks_import__job_clear(&dead);
			continue;
		}
		if (i >= p->n)
			return NULL;
		j = &p->jobs[i];
		err = ks_import__read(p->ctx, j);
		if (!err) {
			/* the writer's hashing, sorting and store lookups, done
			 * here in parallel */
			ks_snapshot_finish(j->snap);
			j->plan = ks_snapshot_plan_new(j->snap);
			ks_snapshot_plan_probe(j->plan, p->ctx->store_path);
		}
		pthread_mutex_lock(&p->mu);
		j->err = err;
		if (err)
			j->msg = ks_xstrdup(ks_err_msg());
		j->done = 1;
		pthread_cond_broadcast(&p->cv);
		pthread_mutex_unlock(&p->mu);
	}
}

/* ---- the writer ---- */

struct writer {
	const struct ks_import_opts *o;
	const char *store_path;
	struct ks_store *store;		/* opened with the first snapshot */
	struct ks_import_summary *sum;
};

static void report(const struct writer *w, const struct ks_import_result *r)
{
	if (w->o->result)
		w->o->result(r, w->o->payload);
}

static void report_failure(const struct writer *w, int err, const char *path,
			   const char *msg)
{
	struct ks_import_result r = { .err = err, .msg = msg, .path = path };

	w->sum->failed++;
	report(w, &r);
}

static int same_key(const struct ks_import_job *a, const struct ks_import_job *b)
{
	return !strcmp(a->release, b->release) && !strcmp(a->arch, b->arch) &&
	       !strcmp(a->flavor, b->flavor);
}

static int open_or_create(struct writer *w)
{
	struct stat st;
	int err = 0;

	if (stat(w->store_path, &st)) {
		err = ks_store_init(w->store_path);
		if (err >= 0 && w->o->created)
			w->o->created(w->store_path, w->o->payload);
	}
	if (err >= 0)
		err = ks_store_open(&w->store, w->store_path);
	return err < 0 ? err : 0;
}

/* Records the snapshot gathered in @g. Only a store that cannot be
 * opened stops the run; a snapshot the store refuses is a failure. */
static int flush(struct writer *w, struct ks_import_job *g)
{
	struct ks_add_opts ao = KS_ADD_OPTS_INIT;
	struct ks_release_meta meta = {
		.release = g->release, .arch = g->arch, .flavor = g->flavor,
		.btf_sha256 = (const char **)g->sums, .nbtf = g->nsums, .distro = g->distro,
	};
	struct ks_import_result r = { 0 };
	char commit[41];
	int err;

	if (!w->store && (err = open_or_create(w)))
		return err;
	ks_snapshot_finish(g->snap);
	ao.force = w->o->force;
	ao.source = g->source.p;
	ao.plan = g->plan;
	err = ks_store_add_release(w->store, &meta, g->snap, &ao, &r.status, commit);
	if (err) {
		report_failure(w, err, NULL, ks_err_msg());
		return 0;
	}
	if (r.status == KS_ADD_NEW)
		w->sum->imported++;
	else if (r.status == KS_ADD_REPLACED)
		w->sum->replaced++;
	else if (r.status == KS_ADD_COMPLETED)
		w->sum->completed++;
	else
		w->sum->present++;
	r.release = g->release;
	r.arch = g->arch;
	r.flavor = g->flavor;
	r.distro = g->distro;
	r.distro_why = g->distro_why;
	r.nstructs = g->snap->nstructs;
	r.nunions = g->snap->nunions;
	memcpy(r.count, g->snap->count, sizeof(r.count));
	r.recorded = g->snap->recorded;
	r.commit = commit;
	r.symbols = g->symtab != NULL;
	r.symbols_from = g->symtab_from;
	report(w, &r);
	return 0;
}

/* Moves @j's snapshot into @pending, the snapshot being gathered. */
static void merge_into(struct ks_import_job *pending, struct ks_import_job *j)
{
	size_t k;

	ks_snapshot_merge(pending->snap, j->snap);
	j->snap = NULL;
	ks_snapshot_plan_free(pending->plan);	/* stale now */
	pending->plan = NULL;
	for (k = 0; k < j->nsums; k++)
		ks_import__add_sum(pending, j->sums[k]);
	if (!pending->symtab && j->symtab) {	/* raw BTF, then its ELF */
		pending->symtab = j->symtab;
		pending->symtab_from = j->symtab_from;
		pending->symtab_own = j->symtab_own;
		pending->symtab_from_own = j->symtab_from_own;
		j->symtab_own = NULL;
		j->symtab_from_own = NULL;
	}
	ks_buf_printf(&pending->source, "\n%s", j->source.p);
}

static int run(struct writer *w, const struct ks_import_ctx *ctx,
	       struct ks_import_paths *ps, int jobs)
{
	struct pool p = { 0 };
	struct ks_import_job pending = { 0 };
	pthread_t *tids;
	int have = 0, err = 0, k;
	size_t i;

	p.jobs = ks_xcalloc(ps->n, sizeof(*p.jobs));
	p.n = ps->n;
	p.ctx = ctx;
	/* Ahead of the writer by this many: enough that one slow input (a
	 * 27 MB btfhub BTF) does not idle the other workers, few enough to
	 * bound memory (a finished snapshot is ~15 MB). */
	p.window = 4 * (size_t)jobs + 4;
	pthread_mutex_init(&p.mu, NULL);
	pthread_cond_init(&p.cv, NULL);
	for (i = 0; i < ps->n; i++) {
		p.jobs[i].path = ps->v[i];
		p.jobs[i].from_dir = ps->from_dir[i];
		ps->v[i] = NULL;
	}
	tids = ks_xcalloc((size_t)jobs, sizeof(*tids));
	for (k = 0; k < jobs; k++)
		if (pthread_create(&tids[k], NULL, worker, &p))
			tids[k] = 0;

	for (i = 0; i < p.n && !err; i++) {
		struct ks_import_job *j = &p.jobs[i];

		pthread_mutex_lock(&p.mu);
		while (!j->done)
			pthread_cond_wait(&p.cv, &p.mu);
		pthread_mutex_unlock(&p.mu);
		if (j->err) {
			if (j->from_dir && j->err == KS_ENOTKERNEL)
				w->sum->skipped++;	/* a README next to the kernels */
			else
				report_failure(w, j->err, j->path, j->msg);
		} else if (have && same_key(&pending, j)) {
			merge_into(&pending, j);
		} else {
			if (have)
				err = flush(w, &pending);
			discard(&p, &pending);
			pending = *j;	/* moved: j keeps nothing */
			memset(j, 0, sizeof(*j));
			have = 1;
		}
		ks_import__job_clear(j);
		pthread_mutex_lock(&p.mu);
		p.consumed = i + 1;
		pthread_cond_broadcast(&p.cv);
		pthread_mutex_unlock(&p.mu);
		if (w->o->progress)
			w->o->progress(i + 1, p.n, w->o->payload);
	}
	if (!err && have)
		err = flush(w, &pending);
	discard(&p, &pending);
	/* a fatal store error stops the writer: let the workers finish */
	pthread_mutex_lock(&p.mu);
	p.consumed = p.n;
	p.next = p.n;
	p.closing = 1;
	pthread_cond_broadcast(&p.cv);
	pthread_mutex_unlock(&p.mu);
	for (k = 0; k < jobs; k++)
		if (tids[k])
			pthread_join(tids[k], NULL);
	/* what no worker took (none started, or all of them stopped) */
	while (p.ntrash)
		ks_import__job_clear(&p.trash[--p.ntrash]);
	free(p.trash);
	for (i = 0; i < p.n; i++)
		ks_import__job_clear(&p.jobs[i]);
	free(p.jobs);
	free(tids);
	pthread_mutex_destroy(&p.mu);
	pthread_cond_destroy(&p.cv);
	return err;
}

static int check_opts(const struct ks_import_opts *o)
{
	int err = 0;

	if ((o->release && (err = ks_store_check_release_name(o->release))) ||
	    (o->arch && (err = ks_store_check_lineage_part("arch", o->arch))) ||
	    (o->flavor && (err = ks_store_check_lineage_part("flavor", o->flavor))) ||
	    (o->distro && (err = ks_distro_check_name(o->distro))))
		return err;
	return 0;
}

static int open_base(const char *path, const char *release, struct ks_input **base)
{
	int err = ks_input_open(base, path, NULL);

	if (!err && (*base)->kind == KS_INPUT_MODULE)
		err = ks_err_set(KS_EINVAL, "%s: --base must be a vmlinux, not a module", path);
	/* modules over the running kernel's /sys/kernel/btf/vmlinux */
	if (!err)
		err = ks_input_read_kallsyms(*base, release ? release : (*base)->release);
	if (err) {
		ks_input_free(*base);
		*base = NULL;
	}
	return err;
}

int ks_import_run(const char *store_path, const char *const *inputs, size_t ninputs,
		  const struct ks_import_opts *opts, struct ks_import_summary *sum)
{
	struct ks_import_opts defaults = KS_IMPORT_OPTS_INIT;
	struct ks_import_ctx ctx = { 0 };
	struct ks_import_paths ps = { 0 };
	struct writer w = { 0 };
	const char *empty_dir = NULL;
	long jobs;
	size_t i;
	int err;

	memset(sum, 0, sizeof(*sum));
	if (!opts)
		opts = &defaults;
	if ((err = check_opts(opts)))
		return err;
	/* libelf's and uname's one-time state, before any thread */
	elf_version(EV_CURRENT);
	ks_host_arch();
	if (opts->base && (err = open_base(opts->base, opts->release, &ctx.base)))
		return err;
	for (i = 0; i < ninputs; i++)
		if (ks_import__paths_add(&ps, inputs[i]))
			empty_dir = inputs[i];
	sum->files = ps.n;
	if (!ps.n) {
		ks_input_free(ctx.base);
		ks_import__paths_clear(&ps);
		return ks_err_set(KS_ENOTFOUND, "%s: no files to import",
				  empty_dir ? empty_dir : "?");
	}
	jobs = opts->jobs > 0 ? opts->jobs : sysconf(_SC_NPROCESSORS_ONLN);
	if (jobs < 1)
		jobs = 1;
	if ((size_t)jobs > ps.n)
		jobs = (long)ps.n;
	ctx.o = opts;
	ctx.store_path = store_path;
	w.o = opts;
	w.store_path = store_path;
	w.sum = sum;
	err = run(&w, &ctx, &ps, (int)jobs);
	ks_store_free(w.store);
	ks_import__paths_clear(&ps);
	ks_input_free(ctx.base);
	return err;
}
