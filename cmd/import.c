/* kstruct import: inputs are read and canonicalized by worker threads,
 * one per core; this thread is the only writer into the store and takes
 * the results in input order, so the outcome does not depend on timing. */
#include <bpf/btf.h>
#include <dirent.h>
#include <libelf.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "ks_buf.h"
#include "ks_canon.h"
#include "ks_err.h"
#include "ks_hash.h"
#include "ks_input.h"

static const char *const import_usage[] = {
	"kstruct import FILE|DIR... [--release NAME] [--arch ARCH] [--flavor FLAVOR]\n"
	"               [--base VMLINUX] [--force] [--jobs N]",
	NULL,
};

static const char import_desc[] =
	"Records the structs and unions of each kernel as one release. FILE is raw\n"
	"BTF (/sys/kernel/btf/vmlinux, a btfhub .btf file), an ELF file with a .BTF\n"
	"section (vmlinux, .o) or a kernel module (.ko, with --base); the kind is\n"
	"read from the content. A DIR means every file below it that holds kernel\n"
	"data (other files are skipped). Consecutive files of one release (a vmlinux\n"
	"and its modules) become one snapshot. Creates the store if it does not exist.\n";

static const char import_footer[] =
	"A file that cannot be imported is reported and the others go on; the exit\n"
	"status is 1 when any failed. A failed file never changes the store.\n";

struct opts {
	const char *release, *arch, *flavor;
	struct ks_input *base;
};

/* One input's result: a snapshot-to-be, or why not. */
struct job {
	char *path;
	int from_dir;		/* found in a folder: non-kernel files are skipped */
	int done;
	int err;
	char *msg;
	char *release, *arch, *flavor;
	struct ks_canon_set *set;
	struct ks_snapshot_plan *plan;	/* made by the worker, for the writer */
	char **sums;
	size_t nsums;
	struct ks_buf source;
};

struct pool {
	struct job *jobs;
	size_t n;
	size_t next;		/* next job a worker takes */
	size_t consumed;	/* jobs the writer has taken */
	size_t window;		/* how far workers may run ahead of the writer */
	const struct opts *o;
	pthread_mutex_t mu;
	pthread_cond_t cv;
};

static void add_sum_hex(struct job *j, const char *hex)
{
	size_t i;

	for (i = 0; i < j->nsums; i++)
		if (!strcmp(j->sums[i], hex))
			return;
	j->sums = ks_xrealloc(j->sums, (j->nsums + 1) * sizeof(char *));
	j->sums[j->nsums++] = ks_xstrdup(hex);
}

static void add_sum(struct job *j, const unsigned char sha[32])
{
	char hex[65];

	ks_hex(hex, sha, 32);
	add_sum_hex(j, hex);
}

static int read_one(const struct opts *o, struct job *j)
{
	struct ks_input *in = NULL;
	const char *release, *arch, *flavor;
	char *abs;
	int err;

	err = ks_input_open(&in, j->path, o->base ? o->base->btf : NULL);
	if (err)
		return err;
	release = o->release ? o->release : in->release;
	if (!release) {
		err = ks_err_set(KS_EINVAL, "%s: cannot tell which kernel release this "
				 "%s is; name it with --release", j->path,
				 ks_input_kind_name(in->kind));
		goto out;
	}
	if (in->arch && o->arch && strcmp(in->arch, o->arch)) {
		err = ks_err_set(KS_EINVAL, "%s: the file is for %s, not --arch %s",
				 j->path, in->arch, o->arch);
		goto out;
	}
	arch = in->arch ? in->arch : o->arch ? o->arch : ks_release_arch(release);
	if (!arch)
		arch = ks_host_arch();
	flavor = o->flavor ? o->flavor : ks_release_flavor(release);
	if ((err = ks_store_check_release_name(release)) ||
	    (err = ks_store_check_lineage_part("arch", arch)) ||
	    (err = ks_store_check_lineage_part("flavor", flavor))) {
		ks_err_prefix("%s", j->path);
		goto out;
	}
	j->set = ks_canon_set_new();
	if (in->kind == KS_INPUT_MODULE) {
		/* a module's types refer to its vmlinux's: both go in */
		err = ks_canon_set_add_btf(j->set, o->base->btf, 1);
		if (err)
			goto out;
		add_sum(j, o->base->sha256);
	}
	err = ks_canon_set_add_btf(j->set, in->btf, in->start_id);
	if (err) {
		ks_err_prefix("%s", j->path);
		goto out;
	}
	add_sum(j, in->sha256);
	j->release = ks_xstrdup(release);
	j->arch = ks_xstrdup(arch);
	j->flavor = ks_xstrdup(flavor);
	abs = realpath(j->path, NULL);
	ks_buf_printf(&j->source, "%s (%s)", abs ? abs : j->path, ks_input_kind_name(in->kind));
	free(abs);
out:
	ks_input_free(in);
	return err;
}

static void job_clear(struct job *j)
{
	free(j->path);
	free(j->msg);
	free(j->release);
	free(j->arch);
	free(j->flavor);
	ks_snapshot_plan_free(j->plan);
	ks_canon_set_free(j->set);
	ks_strv_free(j->sums, j->nsums);
	ks_buf_free(&j->source);
	memset(j, 0, sizeof(*j));
}

static void *worker(void *arg)
{
	struct pool *p = arg;

	for (;;) {
		struct job *j;
		size_t i;
		int err;

		pthread_mutex_lock(&p->mu);
		while (p->next < p->n && p->next >= p->consumed + p->window)
			pthread_cond_wait(&p->cv, &p->mu);
		i = p->next < p->n ? p->next++ : p->n;
		pthread_mutex_unlock(&p->mu);
		if (i >= p->n)
			return NULL;
		j = &p->jobs[i];
		err = read_one(p->o, j);
		if (!err) {
			/* the writer's hashing and sorting, done here in parallel */
			ks_canon_set_finish(j->set);
			j->plan = ks_snapshot_plan_new(j->set);
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

/* ---- inputs ---- */

struct paths {
	char **v;
	int *from_dir;
	size_t n, cap;
};

static void paths_add(struct paths *ps, const char *p, int from_dir)
{
	if (ps->n == ps->cap) {
		ps->cap = ps->cap ? ps->cap * 2 : 16;
		ps->v = ks_xrealloc(ps->v, ps->cap * sizeof(char *));
		ps->from_dir = ks_xrealloc(ps->from_dir, ps->cap * sizeof(int));
	}
	ps->v[ps->n] = ks_xstrdup(p);
	ps->from_dir[ps->n++] = from_dir;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every regular file below @dir, in name order so that runs repeat. */
static void walk_dir(struct paths *ps, const char *dir, int depth)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **names = NULL;
	size_t n = 0, i;

	if (!d || depth > 32) {
		if (d)
			closedir(d);
		return;
	}
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		names = ks_xrealloc(names, (n + 1) * sizeof(char *));
		names[n++] = ks_xasprintf("%s/%s", dir, e->d_name);
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof(char *), cmp_str);
	for (i = 0; i < n; i++) {
		struct stat st;

		if (!lstat(names[i], &st) && S_ISDIR(st.st_mode))
			walk_dir(ps, names[i], depth + 1);
		else if (!lstat(names[i], &st) && S_ISREG(st.st_mode))
			paths_add(ps, names[i], 1);
		free(names[i]);
	}
	free(names);
}

/* ---- the writer ---- */

struct tally {
	size_t imported, present, replaced, failed, skipped;
};

static int same_key(const struct job *a, const struct job *b)
{
	return !strcmp(a->release, b->release) && !strcmp(a->arch, b->arch) &&
	       !strcmp(a->flavor, b->flavor);
}

static int open_or_create(struct ks_store **store)
{
	char *path = ks_store_locate(g_opts.store);
	struct stat st;
	int err = 0;

	if (stat(path, &st)) {
		err = ks_store_init(path);
		if (err >= 0)
			fprintf(stderr, "kstruct: created store %s\n", path);
	}
	if (err >= 0)
		err = ks_store_open(store, path);
	free(path);
	return err < 0 ? err : 0;
}

/* Writes the snapshot gathered in @g; the store opens with the first. */
static int flush(struct ks_store **store, struct job *g, int force, struct tally *t)
{
	struct ks_add_opts ao = KS_ADD_OPTS_INIT;
	struct ks_release_meta meta = {
		.release = g->release, .arch = g->arch, .flavor = g->flavor,
		.btf_sha256 = (const char **)g->sums, .nbtf = g->nsums,
	};
	enum ks_add_status status;
	char commit[41];
	int err = 0;

	if (!*store && (err = open_or_create(store)))
		return err;
	ks_canon_set_finish(g->set);
	ao.force = force;
	ao.source = g->source.p;
	ao.plan = g->plan;
	err = ks_store_add_release(*store, &meta, g->set, &ao, &status, commit);
	if (err) {
		t->failed++;
		p_err("%s", ks_err_msg());
		return 0;
	}
	if (status == KS_ADD_NEW)
		t->imported++;
	else if (status == KS_ADD_REPLACED)
		t->replaced++;
	else
		t->present++;
	printf("%s %s/%s: %s, %zu structs, %zu unions (%.12s)\n", g->release, g->arch,
	       g->flavor, status == KS_ADD_NEW ? "imported" :
	       status == KS_ADD_REPLACED ? "replaced" : "already present, unchanged",
	       g->set->nstructs, g->set->nunions, commit);
	return 0;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void progress(size_t done, size_t total, double start)
{
	double el = now_s() - start, rate = el > 0 ? done / el : 0;

	fprintf(stderr, "\rimporting: %zu/%zu files, %.1f files/s, ETA %.0f s\033[K", done,
		total, rate, rate > 0 ? (total - done) / rate : 0);
}

static int run(struct paths *ps, const struct opts *o, int force, int jobs)
{
	struct pool p = { 0 };
	struct ks_store *store = NULL;
	struct job pending = { 0 };
	struct tally t = { 0 };
	pthread_t *tids;
	int tty = isatty(STDERR_FILENO) && ps->n > 1, have = 0, err = 0, k;
	double start = now_s();
	size_t i;

	p.jobs = ks_xcalloc(ps->n, sizeof(*p.jobs));
	p.n = ps->n;
	p.o = o;
	/* Ahead of the writer by this many: enough that one slow input (a
	 * 27 MB btfhub BTF) does not idle the other workers, few enough to
	 * bound memory (a finished set is ~15 MB). */
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
		struct job *j = &p.jobs[i];

		pthread_mutex_lock(&p.mu);
		while (!j->done)
			pthread_cond_wait(&p.cv, &p.mu);
		pthread_mutex_unlock(&p.mu);
		if (tty)
			fputs("\r\033[K", stderr);
		if (j->err) {
			if (j->from_dir && j->err == KS_ENOTKERNEL) {
				t.skipped++;	/* a README next to the kernels */
			} else {
				t.failed++;
				p_err("%s", j->msg);
			}
		} else if (have && same_key(&pending, j)) {
			ks_canon_set_merge(pending.set, j->set);
			j->set = NULL;
			ks_snapshot_plan_free(pending.plan);	/* stale now */
			pending.plan = NULL;
			for (k = 0; k < (int)j->nsums; k++)
				add_sum_hex(&pending, j->sums[k]);
			ks_buf_printf(&pending.source, "\n%s", j->source.p);
		} else {
			if (have)
				err = flush(&store, &pending, force, &t);
			job_clear(&pending);
			pending = *j;	/* moved: j keeps nothing */
			memset(j, 0, sizeof(*j));
			have = 1;
		}
		job_clear(j);
		pthread_mutex_lock(&p.mu);
		p.consumed = i + 1;
		pthread_cond_broadcast(&p.cv);
		pthread_mutex_unlock(&p.mu);
		if (tty)
			progress(i + 1, p.n, start);
	}
	if (!err && have)
		err = flush(&store, &pending, force, &t);
	if (tty)
		fputs("\r\033[K", stderr);
	/* a fatal store error stops the writer: let the workers finish */
	pthread_mutex_lock(&p.mu);
	p.consumed = p.n;
	p.next = p.n;
	pthread_cond_broadcast(&p.cv);
	pthread_mutex_unlock(&p.mu);
	for (k = 0; k < jobs; k++)
		if (tids[k])
			pthread_join(tids[k], NULL);
	job_clear(&pending);
	for (i = 0; i < p.n; i++)
		job_clear(&p.jobs[i]);
	free(p.jobs);
	free(tids);
	pthread_mutex_destroy(&p.mu);
	pthread_cond_destroy(&p.cv);
	ks_store_free(store);
	if (err)
		return fail(err);
	if (p.n > 1)
		printf("summary: %zu imported, %zu already present, %zu replaced, %zu failed%s",
		       t.imported, t.present, t.replaced, t.failed, t.skipped ? "" : "\n");
	if (p.n > 1 && t.skipped)
		printf(", %zu skipped (no kernel data)\n", t.skipped);
	return t.failed ? EXIT_USER : EXIT_OK;
}

int do_import(int argc, char **argv)
{
	struct opts o = { 0 };
	struct paths ps = { 0 };
	const char *base_path = NULL, *empty_dir = NULL;
	long jobs = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned int njobs = 0;
	int i, n, err = 0, ret, force = 0;
	size_t k;
	const struct ks_opt opts[] = {
		KS_OPT_STRING(0, "release", "NAME", &o.release,
			      "release name; default: the 'Linux version' banner of an\n"
			      "ELF, a module's vermagic, uname -r for the running\n"
			      "kernel's BTF, or a btfhub-style file name (5.4.0-91-generic.btf)"),
		KS_OPT_STRING(0, "arch", "ARCH", &o.arch,
			      "default: the ELF header, else the release name's suffix\n"
			      "(-amd64, .aarch64, ...), else this machine's"),
		KS_OPT_STRING(0, "flavor", "FLAVOR", &o.flavor,
			      "default: the release's suffix (-cloud-amd64 is cloud,\n"
			      "-rt-amd64 rt, -aws, -azure, -gcp, -lowlatency), else generic"),
		KS_OPT_STRING(0, "base", "VMLINUX", &base_path,
			      "the vmlinux (ELF or raw BTF) that modules were built against"),
		KS_OPT_FLAG(0, "force", &force, "replace a release already recorded with other content"),
		KS_OPT_UINT('j', "jobs", "N", &njobs, 1, 256, "worker threads (default: one per core)"),
		KS_OPT_END,
	};
	const struct ks_opt_cmd cmd = {
		.prog = KS_PROG,
		.name = "import",
		.usage = import_usage,
		.desc = import_desc,
		.opts = opts,
		.footer = import_footer,
	};

	if ((ret = parse_opts(&cmd, argc, argv, &n)) >= 0)
		return ret;
	if (!n)
		return usage_err(&cmd, "name at least one FILE to import");
	if (njobs)
		jobs = njobs;
	if ((o.release && (err = ks_store_check_release_name(o.release))) ||
	    (o.arch && (err = ks_store_check_lineage_part("arch", o.arch))) ||
	    (o.flavor && (err = ks_store_check_lineage_part("flavor", o.flavor))))
		return fail(err);
	if (jobs < 1)
		jobs = 1;

	/* libelf's and uname's one-time state, before any thread */
	elf_version(EV_CURRENT);
	ks_host_arch();
	if (base_path) {
		err = ks_input_open(&o.base, base_path, NULL);
		if (!err && o.base->kind == KS_INPUT_MODULE)
			err = ks_err_set(KS_EINVAL, "%s: --base must be a vmlinux, not a module",
					 base_path);
		if (err) {
			ks_input_free(o.base);
			return fail(err);
		}
	}
	for (i = 1; i <= n; i++) {
		struct stat st;

		if (!stat(argv[i], &st) && S_ISDIR(st.st_mode)) {
			size_t before = ps.n;

			walk_dir(&ps, argv[i], 0);
			if (ps.n == before)
				empty_dir = argv[i];
		} else {
			paths_add(&ps, argv[i], 0);
		}
	}
	if (!ps.n) {
		ks_input_free(o.base);
		p_err("%s: no files to import", empty_dir ? empty_dir : "?");
		return EXIT_USER;
	}
	if ((size_t)jobs > ps.n)
		jobs = (long)ps.n;
	ret = run(&ps, &o, force, (int)jobs);
	for (k = 0; k < ps.n; k++)
		free(ps.v[k]);
	free(ps.v);
	free(ps.from_dir);
	ks_input_free(o.base);
	return ret;
}
