/* kstruct check: on which stored releases an eBPF object loads and
 * reads what it means to read. The work is check/ks_check.c; this file
 * prints its verdicts, grouped so that a store of hundreds of releases
 * gives a page, not a log. */
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "ks_bpfobj.h"
#include "ks_buf.h"
#include "ks_check.h"
#include "ks_err.h"

static const char *const check_usage[] = {
	"kstruct check OBJ.bpf.o... [--lineage LINEAGE]... [--release RELEASE]...\n"
	"              [--format text|json] [-v]",
	NULL,
};

static const char check_desc[] =
	"Resolves every CO-RE relocation of each eBPF object (clang -target bpf -g)\n"
	"against every stored release as libbpf would when loading it there, and\n"
	"looks up each program's attach point (kprobe and fentry functions, tp_btf,\n"
	"raw_tp and tracepoint events, LSM hooks, syscalls). Per release: ok; fail\n"
	"(a missing type, member, enumerator or attach point on an unguarded path,\n"
	"an incompatible type, ambiguous definitions); guarded (an existence check\n"
	"is false there, and the reads it guards are skipped). Reads that load but\n"
	"whose member changed size or signedness are warned about.\n"
	"Exit status: 0 when no selected release fails, 1 when one does, 2 when an\n"
	"object cannot be read.\n";

#define MAX_LIST 256

struct strlist {
	const char *v[MAX_LIST];
	size_t n;
};

static int add_item(const struct ks_opt *opt, const char *arg)
{
	struct strlist *l = opt->value;

	if (l->n == MAX_LIST)
		return ks_err_set(KS_EINVAL, "at most %d", MAX_LIST);
	l->v[l->n++] = arg;
	return 0;
}

/* One problem of one release, as a line: what groups releases. */
static void problem_lines(const struct ks_prog *p, const struct ks_check_release *cr,
			  struct ks_buf *b)
{
	size_t i;

	for (i = 0; i < p->nprogs; i++) {
		const struct ks_bpf_prog *g = &p->progs[i];

		if (cr->attach[i] == KS_ATTACH_MISSING || cr->attach[i] == KS_ATTACH_NOT_CALLABLE ||
		    cr->attach[i] == KS_ATTACH_NOT_RECORDED)
			ks_buf_printf(b, "%s: %s %s: %s\n", g->section, g->type, g->target,
				      cr->attach[i] == KS_ATTACH_MISSING ? "not in this release" :
				      cr->attach[i] == KS_ATTACH_NOT_CALLABLE ?
				      "no callable symbol (inlined)" :
				      "cannot tell: this release did not record them");
	}
	for (i = 0; i < p->nrelos; i++) {
		const struct ks_relo *r = &p->relos[i];
		const struct ks_check_relo *x = &cr->relos[i];

		if (x->verdict == KS_RV_FAIL)
			ks_buf_printf(b, "%s insn %u: %s %s: %s\n", r->section, r->insn,
				      ks_relo_kind_name(r->kind), r->access,
				      x->core.reason[0] ? x->core.reason : "no match");
		else if (x->verdict == KS_RV_GUARD_FALSE)
			ks_buf_printf(b, "%s insn %u: %s %s is false here\n", r->section, r->insn,
				      ks_relo_kind_name(r->kind), r->access);
		else if (x->verdict == KS_RV_GUARDED)
			ks_buf_printf(b, "%s insn %u: %s %s: guarded: %s\n", r->section, r->insn,
				      ks_relo_kind_name(r->kind), r->access, x->core.reason);
		if (x->size_differs)
			ks_buf_printf(b, "%s insn %u: warning: %s is %llu bytes here, %llu in the "
				      "object\n", r->section, r->insn, r->access,
				      (unsigned long long)x->core.size,
				      (unsigned long long)x->core.local_size);
		if (x->sign_differs)
			ks_buf_printf(b, "%s insn %u: warning: %s is %s here, %s in the object\n",
				      r->section, r->insn, r->access,
				      x->core.is_signed ? "signed" : "unsigned",
				      x->core.local_signed ? "signed" : "unsigned");
	}
}

/* The releases of group @group, a line per lineage, consecutive ones
 * (in the lineage's version order) as "FIRST .. LAST". */
static void print_releases(const struct ks_check_result *res, const char *const *sig,
			   size_t group)
{
	size_t i, run = 0;
	int any = 0;

	for (i = 0; i < res->n; i++) {
		int in = !strcmp(sig[i], sig[group]);
		int new_lineage = !i || strcmp(res->rel[i - 1].lineage, res->rel[i].lineage);

		if (new_lineage)
			run = 0;
		if (!in) {
			run = 0;
			continue;
		}
		if (new_lineage || !any || !run) {
			/* a lineage's first member of the group opens its line */
			int first_here = 1;
			size_t k;

			for (k = i; k-- > 0 && !strcmp(res->rel[k].lineage, res->rel[i].lineage);)
				if (!strcmp(sig[k], sig[group]))
					first_here = 0;
			if (first_here)
				printf("%s  %s%s%s ", any ? "\n" : "", col(C_YELLOW),
				       res->rel[i].lineage, col(C_RESET));
			else
				printf(",");
			printf(" %s", res->rel[i].release);
		}
		any = 1;
		run++;
		/* the run ends here: close it */
		if (run > 1 && (i + 1 == res->n || strcmp(sig[i + 1], sig[group]) ||
				strcmp(res->rel[i + 1].lineage, res->rel[i].lineage)))
			printf(" .. %s (%zu)", res->rel[i].release, run);
	}
	printf("\n");
}

static void print_values(const struct ks_prog *p, const struct ks_check_release *cr)
{
	size_t i;

	printf("  %s %s:\n", cr->lineage, cr->release);
	for (i = 0; i < p->nrelos; i++) {
		const struct ks_relo *r = &p->relos[i];
		const struct ks_check_relo *x = &cr->relos[i];

		printf("    %s insn %u: %s %s = ", r->section, r->insn, ks_relo_kind_name(r->kind),
		       r->access);
		if (x->core.status == KS_CORE_OK && x->core.value_known)
			printf("%llu\n", (unsigned long long)x->core.value);
		else if (x->core.status == KS_CORE_OK)
			printf("(the kernel's BTF id)\n");
		else if (x->core.status == KS_CORE_ABSENT)
			printf("0\n");
		else
			printf("%s\n", x->core.status == KS_CORE_POISONED ? "poisoned" : "error");
	}
}

static void print_text(const struct ks_prog *p, const struct ks_check_result *res, int verbose)
{
	struct ks_buf *b = ks_xcalloc(res->n ? res->n : 1, sizeof(*b));
	const char **sig = ks_xcalloc(res->n ? res->n : 1, sizeof(*sig));
	static const enum ks_verdict order[] = { KS_VERDICT_OK, KS_VERDICT_GUARDED,
						 KS_VERDICT_FAIL };
	size_t i, k, v;

	printf("%s%s%s: %zu program%s, %zu CO-RE relocation%s, %zu release%s\n", col(C_BOLD),
	       p->path, col(C_RESET), p->nprogs, p->nprogs == 1 ? "" : "s", p->nrelos,
	       p->nrelos == 1 ? "" : "s", res->n, res->n == 1 ? "" : "s");
	for (i = 0; i < res->n; i++) {
		ks_buf_printf(&b[i], "%s\n", ks_verdict_name(res->rel[i].verdict));
		problem_lines(p, &res->rel[i], &b[i]);
		sig[i] = b[i].p;
	}
	/* ok first, then guarded, then fail; each distinct set of problems
	 * once, with the releases that share it */
	for (v = 0; v < 3; v++) {
		for (i = 0; i < res->n; i++) {
			size_t count = 0;

			if (res->rel[i].verdict != order[v])
				continue;
			for (k = 0; k < i && strcmp(sig[k], sig[i]); k++)
				;
			if (k < i)
				continue;	/* printed with its first */
			for (k = i; k < res->n; k++)
				count += !strcmp(sig[k], sig[i]);
			printf("%s%s%s%s in %zu release%s:\n", col(order[v] == KS_VERDICT_OK ? C_GREEN :
							order[v] == KS_VERDICT_FAIL ? C_RED : C_CYAN),
			       ks_verdict_name(order[v]), col(C_RESET),
			       order[v] == KS_VERDICT_OK && strchr(sig[i], '\n')[1] ?
			       ", with warnings," : "", count, count == 1 ? "" : "s");
			print_releases(res, sig, i);
			{
				const char *line = strchr(sig[i], '\n') + 1;

				while (*line) {
					const char *nl = strchr(line, '\n');

					printf("    %.*s\n", (int)(nl - line), line);
					line = nl + 1;
				}
			}
		}
	}
	if (verbose)
		for (i = 0; i < res->n; i++)
			print_values(p, &res->rel[i]);
	for (i = 0; i < res->n; i++)
		ks_buf_free(&b[i]);
	free(b);
	free(sig);
}

static const char *core_status_name(enum ks_core_status s)
{
	static const char *const names[] = { "ok", "absent", "poisoned", "error" };

	return names[s];
}

static void json_release(struct ks_json *j, const struct ks_prog *p,
			 const struct ks_check_release *cr)
{
	size_t i, k;

	ks_json_begin_object(j, NULL);
	ks_json_put_str(j, "lineage", cr->lineage);
	ks_json_put_str(j, "release", cr->release);
	ks_json_put_str(j, "verdict", ks_verdict_name(cr->verdict));
	/* what a CI step reads first: the failures and the guarded checks */
	for (k = 0; k < 2; k++) {
		ks_json_begin_array(j, k ? "guarded" : "failures");
		for (i = 0; i < p->nrelos; i++) {
			const struct ks_relo *r = &p->relos[i];
			const struct ks_check_relo *x = &cr->relos[i];

			if (k ? x->verdict != KS_RV_GUARD_FALSE && x->verdict != KS_RV_GUARDED
			      : x->verdict != KS_RV_FAIL)
				continue;
			ks_json_begin_object(j, NULL);
			ks_json_put_str(j, "section", r->section);
			ks_json_put_uint(j, "insn", r->insn);
			ks_json_put_str(j, "kind", ks_relo_kind_name(r->kind));
			ks_json_put_str(j, "access", r->access);
			if (x->core.reason[0])
				ks_json_put_str(j, "reason", x->core.reason);
			ks_json_end_object(j);
		}
		for (i = 0; !k && i < p->nprogs; i++) {
			const struct ks_bpf_prog *g = &p->progs[i];

			if (cr->attach[i] != KS_ATTACH_MISSING && cr->attach[i] != KS_ATTACH_NOT_CALLABLE)
				continue;
			ks_json_begin_object(j, NULL);
			ks_json_put_str(j, "section", g->section);
			ks_json_put_str(j, "kind", "attach");
			ks_json_put_str(j, "access", g->target);
			ks_json_put_str(j, "reason", cr->attach[i] == KS_ATTACH_MISSING ?
				       "not in this release" : "no callable symbol (inlined)");
			ks_json_end_object(j);
		}
		ks_json_end_array(j);
	}
	ks_json_begin_array(j, "warnings");
	for (i = 0; i < p->nrelos; i++) {
		const struct ks_relo *r = &p->relos[i];
		const struct ks_check_relo *x = &cr->relos[i];

		for (k = 0; k < 2; k++) {
			if (!(k ? x->sign_differs : x->size_differs))
				continue;
			ks_json_begin_object(j, NULL);
			ks_json_put_str(j, "section", r->section);
			ks_json_put_uint(j, "insn", r->insn);
			ks_json_put_str(j, "access", r->access);
			ks_json_put_str(j, "differs", k ? "signedness" : "size");
			if (k) {
				ks_json_put_bool(j, "signed", x->core.is_signed);
				ks_json_put_bool(j, "local_signed", x->core.local_signed);
			} else {
				ks_json_put_uint(j, "size", x->core.size);
				ks_json_put_uint(j, "local_size", x->core.local_size);
			}
			ks_json_end_object(j);
		}
	}
	ks_json_end_array(j);
	ks_json_begin_array(j, "attach");
	for (i = 0; i < p->nprogs; i++) {
		const struct ks_bpf_prog *g = &p->progs[i];

		ks_json_begin_object(j, NULL);
		ks_json_put_str(j, "section", g->section);
		ks_json_put_str(j, "program", g->name);
		ks_json_put_str(j, "type", g->type);
		if (g->target)
			ks_json_put_str(j, "target", g->target);
		ks_json_put_str(j, "status", ks_attach_status_name(cr->attach[i]));
		ks_json_end_object(j);
	}
	ks_json_end_array(j);
	ks_json_begin_array(j, "relocations");
	for (i = 0; i < p->nrelos; i++) {
		const struct ks_relo *r = &p->relos[i];
		const struct ks_check_relo *x = &cr->relos[i];

		ks_json_begin_object(j, NULL);
		ks_json_put_str(j, "section", r->section);
		ks_json_put_uint(j, "insn", r->insn);
		ks_json_put_str(j, "kind", ks_relo_kind_name(r->kind));
		ks_json_put_str(j, "access", r->access);
		ks_json_put_str(j, "spec", r->spec);
		ks_json_put_str(j, "status", core_status_name(x->core.status));
		ks_json_put_str(j, "verdict", ks_relo_verdict_name(x->verdict));
		if (x->core.status == KS_CORE_OK && x->core.value_known)
			ks_json_put_uint(j, "value", x->core.value);
		if (x->core.status == KS_CORE_OK && ks_relo_class(r->kind) == KS_RELO_FIELD)
			ks_json_put_uint(j, "bit_offset", x->core.bit_offset);
		if (x->core.reason[0] && x->verdict != KS_RV_OK)
			ks_json_put_str(j, "reason", x->core.reason);
		ks_json_end_object(j);
	}
	ks_json_end_array(j);
	ks_json_end_object(j);
}

int do_check(int argc, char **argv)
{
	enum out_format fmt = FMT_TEXT;
	struct strlist lineages = { { 0 }, 0 }, releases = { { 0 }, 0 };
	const char *full[MAX_LIST];
	char *owned[MAX_LIST];
	struct ks_check_opts co = { 0 };
	struct ks_store *store = NULL;
	struct ks_prog **progs;
	struct ks_json j;
	int verbose = 0, n, err = 0, any_fail = 0, begun, i;
	size_t k;
	const struct ks_opt opts[] = {
		KS_OPT_CALLBACK(0, "lineage", "LINEAGE", &lineages, add_item,
				"only this lineage, or a part naming one (repeatable; "
				"default: every lineage)"),
		KS_OPT_CALLBACK(0, "release", "RELEASE", &releases, add_item,
				"only this release (repeatable; default: every release)"),
		KS_OPT_FLAG('v', "verbose", &verbose,
			    "every relocation's value in every release"),
		OPT_FORMAT(&fmt),
		KS_OPT_END,
	};
	const struct ks_opt_cmd cmd = {
		.prog = KS_PROG,
		.name = "check",
		.usage = check_usage,
		.desc = check_desc,
		.opts = opts,
	};

	if ((err = parse_opts(&cmd, argc, argv, &n)) >= 0)
		return err;
	if (!n)
		return usage_err(&cmd, "give an eBPF object (OBJ.bpf.o)");
	if ((err = open_store(&store)))
		return err;
	for (k = 0; k < lineages.n; k++) {
		if ((err = ks_store_resolve_lineage(store, lineages.v[k], &owned[k]))) {
			while (k--)
				free(owned[k]);
			ks_store_free(store);
			return fail(err);
		}
		full[k] = owned[k];
	}
	co.lineages = full;
	co.nlineages = lineages.n;
	co.releases = releases.v;
	co.nreleases = releases.n;
	/* every object read before anything is printed: a bad one is exit 2
	 * with no half output */
	progs = ks_xcalloc((size_t)n, sizeof(*progs));
	for (i = 0; i < n && !err; i++)
		if (ks_bpfobj_open(&progs[i], argv[i + 1])) {
			p_err("%s", ks_err_msg());
			err = EXIT_USAGE;
		}
	begun = !err;
	if (begun && fmt == FMT_JSON) {
		ks_json_init(&j, stdout);
		ks_json_begin_array(&j, NULL);
	} else if (begun) {
		out_begin(fmt);
	}
	for (i = 0; i < n && !err; i++) {
		struct ks_check_result *res = NULL;
		int failed = 0;

		if ((err = ks_check_run(store, progs[i], &co, &res))) {
			err = fail(err);
			break;
		}
		for (k = 0; k < res->n; k++)
			failed |= res->rel[k].verdict == KS_VERDICT_FAIL;
		any_fail |= failed;
		if (fmt == FMT_JSON) {
			ks_json_begin_object(&j, NULL);
			ks_json_put_str(&j, "object", argv[i + 1]);
			ks_json_put_bool(&j, "ok", !failed);
			ks_json_begin_array(&j, "releases");
			for (k = 0; k < res->n; k++)
				json_release(&j, progs[i], &res->rel[k]);
			ks_json_end_array(&j);
			ks_json_end_object(&j);
		} else {
			print_text(progs[i], res, verbose);
		}
		ks_check_result_free(res);
	}
	if (begun && fmt == FMT_JSON) {
		ks_json_end_array(&j);
		if (!err && ks_json_finish(&j))
			err = EXIT_USER;
	} else if (begun) {
		out_end();
	}
	for (i = 0; i < n; i++)
		ks_prog_free(progs[i]);
	free(progs);
	for (k = 0; k < lineages.n; k++)
		free(owned[k]);
	ks_store_free(store);
	if (err)
		return err;
	return any_fail ? EXIT_USER : EXIT_OK;
}
