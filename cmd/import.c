/* kstruct import: the options, and the lines people read; the pipeline
 * itself (worker threads, the single writer) is import/ks_import.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "ks_distro.h"
#include "ks_err.h"
#include "ks_import.h"

static const char *const import_usage[] = {
	"kstruct import FILE|DIR... [--release NAME] [--arch ARCH] [--flavor FLAVOR]\n"
	"               [--distro NAME] [--base VMLINUX] [--force] [--jobs N]",
	NULL,
};

static const char import_desc[] =
	"Records the types of each kernel as one release: structs, unions, enums,\n"
	"typedefs, functions, tracepoints, syscalls, LSM hooks and kfuncs. Importing\n"
	"a release that an older kstruct recorded with fewer kinds completes it.\n"
	"FILE is raw BTF (/sys/kernel/btf/vmlinux, a btfhub .btf file), an ELF file\n"
	"with a .BTF section (vmlinux, .o) or a kernel module (.ko, with --base);\n"
	"the kind is read from the content. A DIR means every file below it that\n"
	"holds kernel data (other files are skipped), through symbolic links, each\n"
	"file once. Consecutive files of one release (a vmlinux and its modules)\n"
	"become one snapshot. Creates the store if it does not exist.\n";

static const char import_footer[] =
	"A file that cannot be imported is reported and the others go on; the exit\n"
	"status is 1 when any failed. A failed file never changes the store. On a\n"
	"terminal, a bar shows the files done, the rate and the time left.\n";

/* Printing state: progress goes to a terminal, and only for more than
 * one file (@sum->files is known before the first callback). */
struct printer {
	int tty;
	double start;
	const struct ks_import_summary *sum;
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int show_progress(const struct printer *pr)
{
	return pr->tty && pr->sum->files > 1;
}

static void erase_progress(const struct printer *pr)
{
	if (show_progress(pr))
		fputs("\r\033[K", stderr);
}

static void on_created(const char *path, void *payload)
{
	erase_progress(payload);
	fprintf(stderr, "kstruct: created store %s\n", path);
}

static void on_result(const struct ks_import_result *r, void *payload)
{
	enum ks_kind k;

	erase_progress(payload);
	if (r->err) {
		p_err("%s", r->msg);
		return;
	}
	/* never guessed silently: an unknown distro is said, with the way out */
	if (!strcmp(r->distro, KS_DISTRO_UNKNOWN))
		fprintf(stderr, "kstruct: %s: distribution unknown (nothing in the input says "
			"which); recorded as unknown/%s/%s, --distro NAME names it\n",
			r->release, r->arch, r->flavor);
	printf("%s %s/%s/%s: %s, %zu structs, %zu unions", r->release, r->distro,
	       r->arch, r->flavor, r->status == KS_ADD_NEW ? "imported" :
	       r->status == KS_ADD_REPLACED ? "replaced" :
	       r->status == KS_ADD_COMPLETED ? "completed" : "already present, unchanged",
	       r->nstructs, r->nunions);
	for (k = KS_KIND_UNION + 1; k < KS_KIND_COUNT; k++)
		if (r->recorded & (1u << k))
			printf(", %zu %ss", r->count[k], ks_kind_name(k));
	printf(" (%.12s)\n", r->commit);
}

/* "ETA 7 s", "ETA 3 min 05 s", "ETA 2 h 10 min": an import of thousands
 * of kernels runs for hours. */
static void format_eta(char *buf, size_t size, double s)
{
	long t = (long)(s + 0.5);

	if (t < 60)
		snprintf(buf, size, "ETA %ld s", t);
	else if (t < 3600)
		snprintf(buf, size, "ETA %ld min %02ld s", t / 60, t % 60);
	else
		snprintf(buf, size, "ETA %ld h %02ld min", t / 3600, t / 60 % 60);
}

static int term_width(void)
{
	struct winsize ws;

	if (!ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) && ws.ws_col > 0)
		return ws.ws_col;
	return 80;
}

/* One line, redrawn: "importing [#####.....] 12/40 files, 3.1/s, ETA 9 s".
 * It never reaches the last column (a wrapped line cannot be redrawn
 * with \r), and on a narrow terminal the bar goes first, then the rest
 * is cut. */
static void on_progress(size_t done, size_t total, void *payload)
{
	struct printer *pr = payload;
	char tail[96], eta[40], line[512];
	double el, rate;
	int width, room, bar, fill, i, n;

	if (!show_progress(pr))
		return;
	el = now_s() - pr->start;
	rate = el > 0 ? done / el : 0;
	if (done >= total)
		snprintf(eta, sizeof(eta), "done");
	else if (rate > 0)
		format_eta(eta, sizeof(eta), (double)(total - done) / rate);
	else
		snprintf(eta, sizeof(eta), "ETA ?");
	snprintf(tail, sizeof(tail), " %zu/%zu files, %.1f/s, %s", done, total, rate, eta);
	width = term_width();
	if (width > (int)sizeof(line))
		width = (int)sizeof(line);
	room = width - 1 - (int)strlen("importing") - (int)strlen(tail);
	bar = room - 3 > 40 ? 40 : room - 3;	/* " [" and "]" */
	n = snprintf(line, sizeof(line), "importing");
	if (bar >= 10) {
		fill = total ? (int)((double)bar * (double)done / (double)total) : 0;
		line[n++] = ' ';
		line[n++] = '[';
		for (i = 0; i < bar; i++)
			line[n++] = i < fill ? '#' : '.';
		line[n++] = ']';
		line[n] = '\0';
	}
	snprintf(line + n, sizeof(line) - (size_t)n, "%s", tail);
	if (width > 1 && (int)strlen(line) > width - 1)
		line[width - 1] = '\0';
	fprintf(stderr, "\r%s\033[K", line);
}

int do_import(int argc, char **argv)
{
	struct ks_import_opts o = KS_IMPORT_OPTS_INIT;
	struct ks_import_summary sum;
	struct printer pr = { 0 };
	unsigned int njobs = 0;
	struct ks_store *store = NULL;
	char *path;
	int n, ret, err = 0;
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
		KS_OPT_STRING(0, "distro", "NAME", &o.distro,
			      "the distribution (debian, ubuntu, centos, kylin, ...);\n"
			      "default: a .deb's metadata, a btfhub-archive path, the\n"
			      "release name, the Linux banner, else unknown"),
		KS_OPT_STRING(0, "base", "VMLINUX", &o.base,
			      "the vmlinux (ELF or raw BTF) that modules were built against"),
		KS_OPT_FLAG(0, "force", &o.force, "replace a release already recorded with other content"),
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
	o.jobs = (int)njobs;
	o.result = on_result;
	o.progress = on_progress;
	o.created = on_created;
	o.payload = &pr;
	pr.tty = isatty(STDERR_FILENO);
	pr.start = now_s();
	pr.sum = &sum;
	path = ks_store_locate(g_opts.store);
	if (!ks_store_open(&store, path)) {
		/* a format-1 store is upgraded before the first release goes in,
		 * and says so */
		ret = upgrade_store(store);
		ks_store_free(store);
		if (ret) {
			free(path);
			return ret;
		}
	}
	ks_err_clear();
	err = ks_import_run(path, (const char *const *)argv + 1, (size_t)n,
			    &o, &sum);
	erase_progress(&pr);
	if (!err && (sum.imported || sum.replaced || sum.completed))
		gc_auto(path);
	free(path);
	if (err)
		return fail(err);
	if (sum.files > 1) {
		printf("summary: %zu imported, %zu already present, %zu replaced, ", sum.imported,
		       sum.present, sum.replaced);
		if (sum.completed)
			printf("%zu completed, ", sum.completed);
		printf("%zu failed%s", sum.failed, sum.skipped ? "" : "\n");
	}
	if (sum.files > 1 && sum.skipped)
		printf(", %zu skipped (no kernel data)\n", sum.skipped);
	return sum.failed ? EXIT_USER : EXIT_OK;
}
