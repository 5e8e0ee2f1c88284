#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "ks_err.h"
#include "ks_grep.h"
#include "ks_kind.h"

static const char *const grep_usage[] = {
	"kstruct grep PATTERN [--kind KIND[,KIND...]] [--member] [--lineage LINEAGE]\n"
	"             [--format text|json]",
	NULL,
};

static const char grep_desc[] =
	"Type names matching the glob PATTERN (fnmatch: * ? [...]), or with --member\n"
	"the members (fields, enumerators, parameters) whose names match, each with\n"
	"the releases of every lineage that have it, as runs of consecutive releases.\n"
	"PATTERN may start with a kind (func:blk_account_io_*); --kind picks kinds\n"
	"too. A release imported without a kind asked for is counted as not\n"
	"recorded, never as absent. Exit status 1 when nothing matches.\n"
	"  kstruct grep objcg --member              every struct with a member objcg\n"
	"  kstruct grep func:blk_account_io_done    in which releases it exists\n";

static void hit_name(const struct ks_grep_hit *h, char *buf, size_t size)
{
	snprintf(buf, size, "%s:%s%s%s", h->kind, h->name, h->member ? "." : "",
		 h->member ? h->member : "");
}

struct runs_out {
	const struct ks_grep_lineage *l;
	struct ks_json *j;
	int first;
};

static void text_run(size_t a, size_t b, void *ctx)
{
	struct runs_out *r = ctx;

	printf("%s%s", r->first ? "" : ", ", r->l->releases[a]);
	if (b != a)
		printf(" .. %s", r->l->releases[b]);
	r->first = 0;
}

static void json_run(size_t a, size_t b, void *ctx)
{
	struct runs_out *r = ctx;

	ks_json_begin_object(r->j, NULL);
	ks_json_put_str(r->j, "from", r->l->releases[a]);
	ks_json_put_str(r->j, "to", r->l->releases[b]);
	ks_json_put_uint(r->j, "releases", b - a + 1);
	ks_json_end_object(r->j);
}

static size_t count_in(const unsigned char *in, size_t n)
{
	size_t i, c = 0;

	for (i = 0; in && i < n; i++)
		c += in[i];
	return c;
}

static void print_text(const struct ks_grep *g)
{
	size_t i, k;
	char name[1024];

	out_begin(FMT_TEXT);
	for (i = 0; i < g->n; i++) {
		const struct ks_grep_hit *h = &g->hits[i];

		hit_name(h, name, sizeof(name));
		printf("%s%s%s\n", col(C_BOLD), name, col(C_RESET));
		for (k = 0; k < g->nlin; k++) {
			const struct ks_grep_lineage *l = &g->lin[k];
			struct runs_out r = { l, NULL, 1 };
			size_t c = count_in(h->in[k], l->n);

			if (!c)
				continue;
			printf("    %s%s%s  ", col(C_YELLOW), l->lineage, col(C_RESET));
			ks_grep_runs(h->in[k], l->n, text_run, &r);
			printf("  %s(%zu of %zu releases%s)%s\n", col(C_DIM), c, l->n,
			       l->not_recorded ? "; some did not record this kind" : "",
			       col(C_RESET));
		}
	}
	out_end();
}

static int print_json(const struct ks_grep *g, const struct ks_grep_opts *o)
{
	struct ks_json j;
	size_t i, k, r;

	ks_json_init(&j, stdout);
	ks_json_begin_object(&j, NULL);
	ks_json_put_str(&j, "pattern", o->pattern);
	ks_json_put_bool(&j, "member", o->member);
	ks_json_begin_array(&j, "lineages");
	for (k = 0; k < g->nlin; k++) {
		ks_json_begin_object(&j, NULL);
		ks_json_put_str(&j, "lineage", g->lin[k].lineage);
		ks_json_put_uint(&j, "releases", g->lin[k].n);
		ks_json_begin_array(&j, "not_recorded");
		for (r = 0; r < g->lin[k].n; r++)
			if (!g->lin[k].recorded[r])
				ks_json_put_str(&j, NULL, g->lin[k].releases[r]);
		ks_json_end_array(&j);
		ks_json_end_object(&j);
	}
	ks_json_end_array(&j);
	ks_json_begin_array(&j, "matches");
	for (i = 0; i < g->n; i++) {
		const struct ks_grep_hit *h = &g->hits[i];

		ks_json_begin_object(&j, NULL);
		ks_json_put_str(&j, "kind", h->kind);
		ks_json_put_str(&j, "name", h->name);
		if (h->member)
			ks_json_put_str(&j, "member", h->member);
		ks_json_begin_array(&j, "lineages");
		for (k = 0; k < g->nlin; k++) {
			const struct ks_grep_lineage *l = &g->lin[k];
			struct runs_out ro = { l, &j, 1 };

			if (!count_in(h->in[k], l->n))
				continue;
			ks_json_begin_object(&j, NULL);
			ks_json_put_str(&j, "lineage", l->lineage);
			ks_json_begin_array(&j, "releases");
			for (r = 0; r < l->n; r++)
				if (h->in[k][r])
					ks_json_put_str(&j, NULL, l->releases[r]);
			ks_json_end_array(&j);
			ks_json_begin_array(&j, "ranges");
			ks_grep_runs(h->in[k], l->n, json_run, &ro);
			ks_json_end_array(&j);
			ks_json_end_object(&j);
		}
		ks_json_end_array(&j);
		ks_json_end_object(&j);
	}
	ks_json_end_array(&j);
	ks_json_end_object(&j);
	return ks_json_finish(&j);
}

int do_grep(int argc, char **argv)
{
	enum out_format fmt = FMT_TEXT;
	struct ks_grep_opts o = { 0 };
	const char *kinds = NULL, *lineage = NULL;
	struct ks_store *store = NULL;
	struct ks_grep *g = NULL;
	int n, err;
	const struct ks_opt opts[] = {
		KS_OPT_STRING(0, "kind", "KIND[,KIND...]", &kinds,
			      "only these kinds (struct, union, enum, typedef, func, tracepoint, "
			      "syscall, lsm, kfunc; default: all)"),
		KS_OPT_FLAG(0, "member", &o.member,
			    "match member names (fields, enumerators, parameters)"),
		KS_OPT_STRING(0, "lineage", "DISTRO/ARCH/FLAVOR", &lineage,
			      "only this lineage, or a part naming one (default: every lineage)"),
		OPT_FORMAT(&fmt),
		KS_OPT_END,
	};
	const struct ks_opt_cmd cmd = {
		.prog = KS_PROG,
		.name = "grep",
		.usage = grep_usage,
		.desc = grep_desc,
		.opts = opts,
	};

	if ((err = parse_opts(&cmd, argc, argv, &n)) >= 0)
		return err;
	if (n != 1)
		return usage_err(&cmd, !n ? "give a PATTERN" : "grep takes one PATTERN");
	if (kinds && parse_kind_list(kinds, &o.kinds))
		return usage_err(&cmd, "%s", ks_err_msg());
	o.pattern = argv[1];
	if ((err = open_store_lineage(&store, &lineage)))
		return err;
	o.lineage = lineage;
	err = ks_grep_run(store, &o, &g);
	if (!err && !g->n)
		err = ks_err_set(KS_ENOTFOUND, "no %s matches '%s'%s%s",
				 o.member ? "member" : "name", o.pattern,
				 lineage ? " in " : "", lineage ? lineage : "");
	if (!err) {
		if (fmt == FMT_JSON) {
			out_begin(fmt);
			err = print_json(g, &o);
			out_end();
		} else {
			print_text(g);
		}
	}
	ks_grep_free(g);
	ks_store_free(store);
	return err ? fail(err) : EXIT_OK;
}
