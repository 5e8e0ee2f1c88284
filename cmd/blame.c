#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "ks_buf.h"
#include "ks_canon_parse.h"
#include "ks_diff.h"
#include "ks_err.h"
#include "ks_suggest.h"

static const char *const blame_usage[] = {
	"kstruct blame NAME [--lineage ARCH/FLAVOR] [--format text|json]",
	"kstruct blame NAME.FIELD[.FIELD...] [--lineage ARCH/FLAVOR] [--format text|json]",
	NULL,
};

static const char blame_desc[] =
	"NAME: every member of the newest definition, with the release in which it\n"
	"appeared in its present declaration (and, if its type changed since, the\n"
	"release where a member of that name first appeared).\n"
	"NAME.FIELD: the whole story of one field: when it appeared, each type,\n"
	"bitfield or offset change, removals and re-additions, when it was last seen.\n"
	"A path such as task_struct.se.vruntime follows an embedded member into its\n"
	"type's own definition in each release.\n";

/* ---- blame NAME ---- */

static int blame_type(struct ks_store *s, const char *lineage, const char *name,
		      enum out_format fmt)
{
	struct defs d = { 0 };
	const struct ks_def *cur;
	struct json j;
	size_t k, w = 8;
	int newest, err = defs_load(s, lineage, name, &d), i;
	int *since, *first;

	if (err)
		return err;
	newest = defs_newest(&d);
	cur = d.def[newest];
	since = ks_xcalloc(cur->n + 1, sizeof(int));
	first = ks_xcalloc(cur->n + 1, sizeof(int));
	for (k = 0; k < cur->n; k++) {
		const struct ks_member *m = &cur->members[k];

		since[k] = defs_since(&d, newest, m);
		first[k] = since[k];
		for (i = 0; i < since[k] && m->name[0]; i++)
			if (d.def[i] && ks_def_member(d.def[i], m->name)) {
				first[k] = i;
				break;
			}
		if (strlen(d.h->e[since[k]].release) > w)
			w = strlen(d.h->e[since[k]].release);
	}

	if (fmt == FMT_JSON) {
		json_init(&j, stdout);
		json_obj_begin(&j, NULL);
		json_str(&j, "name", d.h->name);
		json_str(&j, "kind", cur->kind);
		json_str(&j, "lineage", lineage);
		json_str(&j, "release", d.h->e[newest].release);
		json_arr_begin(&j, "members");
		for (k = 0; k < cur->n; k++) {
			json_obj_begin(&j, NULL);
			json_str(&j, "name", cur->members[k].name);
			json_str(&j, "decl", cur->members[k].decl);
			json_uint(&j, "offset_bits", cur->members[k].offset_bits);
			json_str(&j, "introduced", d.h->e[since[k]].release);
			json_str(&j, "first_seen", d.h->e[first[k]].release);
			json_obj_end(&j);
		}
		json_arr_end(&j);
		json_obj_end(&j);
		json_finish(&j);
	} else {
		out_begin(fmt);
		printf("%s%s %s%s  %s(%s, as of %s)%s\n", col(C_BOLD), cur->kind, d.h->name,
		       col(C_RESET), col(C_DIM), lineage, d.h->e[newest].release, col(C_RESET));
		for (k = 0; k < cur->n; k++) {
			printf("%s%-*s%s  %s;", col(C_YELLOW), (int)w, d.h->e[since[k]].release,
			       col(C_RESET), cur->members[k].decl);
			if (first[k] != since[k])
				printf("  %s(name since %s)%s", col(C_DIM),
				       d.h->e[first[k]].release, col(C_RESET));
			putchar('\n');
		}
		out_end();
	}
	free(since);
	free(first);
	defs_free(&d);
	return 0;
}

/* ---- blame NAME.FIELD ---- */

/* Where a path lands in one release. */
struct hit {
	int present;
	const char *decl;
	unsigned long long offset;	/* bits from the start of the outer type */
};

/* "struct sched_entity se" or "struct foo arr[4]" names an embedded
 * type that a path can follow; pointers and typedefs cannot be. */
static char *embedded_type(const struct ks_member *m)
{
	const char *d = m->decl, *sp;
	size_t kl;

	if (!strncmp(d, "struct ", 7))
		kl = 7;
	else if (!strncmp(d, "union ", 6))
		kl = 6;
	else
		return NULL;
	sp = strchr(d + kl, ' ');
	if (!sp || sp[-1] == '{' || strncmp(sp + 1, m->name, strlen(m->name)) ||
	    (sp[1 + strlen(m->name)] && sp[1 + strlen(m->name)] != '['))
		return NULL;
	return ks_xstrndup(d + kl, (size_t)(sp - d - kl));
}

struct path_ctx {
	struct ks_store *store;
	const char *lineage;
	struct defs cache[16];	/* histories of the types a path passes through */
	char *cache_names[16];
	size_t ncache;
};

static struct defs *type_defs(struct path_ctx *pc, const char *name, int *err)
{
	size_t i;

	for (i = 0; i < pc->ncache; i++)
		if (!strcmp(pc->cache_names[i], name))
			return pc->cache[i].h ? &pc->cache[i] : NULL;
	if (pc->ncache == 16)
		return NULL;
	pc->cache_names[pc->ncache] = ks_xstrdup(name);
	*err = defs_load(pc->store, pc->lineage, name, &pc->cache[pc->ncache]);
	if (*err == KS_ENOTFOUND)
		*err = 0;	/* a type the store does not have: the path stops */
	pc->ncache++;
	return *err || !pc->cache[pc->ncache - 1].h ? NULL : &pc->cache[pc->ncache - 1];
}

/* Resolves fields[0..nf) from @root's definition in release @i. */
static int resolve(struct path_ctx *pc, struct defs *root, char **fields, size_t nf,
		   size_t i, struct hit *hit)
{
	const struct ks_def *def = root->def[i];
	unsigned long long base = 0;
	size_t k;
	int err = 0;

	memset(hit, 0, sizeof(*hit));
	for (k = 0; k < nf && def; k++) {
		const struct ks_member *m = ks_def_member(def, fields[k]);
		char *tname;
		struct defs *td;

		if (!m)
			return 0;
		if (k == nf - 1) {
			hit->present = 1;
			hit->decl = m->decl;
			hit->offset = base + m->offset_bits;
			return 0;
		}
		tname = embedded_type(m);
		if (!tname)
			return 0;
		td = type_defs(pc, tname, &err);
		free(tname);
		if (err || !td)
			return err;
		base += m->offset_bits;
		def = td->def[i];
	}
	return err;
}

/* Why a path resolves in no release: walked in the newest release that
 * has the type, to name the step that fails and offer close names. */
static int explain_missing(struct path_ctx *pc, struct defs *root, const char *name,
			   char **fields, size_t nf, const char *arg)
{
	int newest = defs_newest(root), err = 0;
	const struct ks_def *def = root->def[newest];
	struct ks_suggest *sg;
	char *close, *where = ks_xstrdup(name);
	size_t k, i;

	for (k = 0; k < nf; k++) {
		const struct ks_member *m = ks_def_member(def, fields[k]);
		char *tname, *next;
		struct defs *td;

		if (!m)
			break;
		tname = embedded_type(m);
		if (!tname) {
			err = ks_err_set(KS_ENOTFOUND, "cannot follow %s.%s: '%s' is not an "
					 "embedded struct or union", where, fields[k], m->decl);
			free(where);
			return err;
		}
		td = type_defs(pc, tname, &err);
		if (err || !td || !td->def[newest]) {
			if (!err)
				err = ks_err_set(KS_ENOTFOUND, "cannot follow %s.%s: no "
						 "definition of %s in %s", where, fields[k], tname,
						 root->h->e[newest].release);
			free(tname);
			free(where);
			return err;
		}
		next = ks_xasprintf("%s.%s", where, fields[k]);
		free(where);
		where = next;
		free(tname);
		def = td->def[newest];
	}
	sg = ks_suggest_new(k < nf ? fields[k] : "");
	for (i = 0; i < def->n; i++)
		if (def->members[i].name[0])
			ks_suggest_add(sg, def->members[i].name);
	close = ks_suggest_result(sg, 5);
	err = ks_err_set(KS_ENOTFOUND, "%s has no field %s in any release of %s%s%s%s",
			 name, arg + strlen(name) + 1, pc->lineage,
			 close ? "; did you mean " : "", close ? close : "", close ? "?" : "");
	free(close);
	free(where);
	ks_suggest_free(sg);
	return err;
}

struct event {
	size_t release;
	const char *what;
	const char *decl;
	unsigned long long offset;
};

static int blame_field(struct ks_store *s, const char *lineage, const char *arg,
		       enum out_format fmt)
{
	struct path_ctx pc = { .store = s, .lineage = lineage };
	char *copy = ks_xstrdup(arg), *fields[32], *save = NULL, *tok;
	struct defs root = { 0 };
	struct hit *hits = NULL;
	struct event *ev = NULL;
	size_t nf = 0, i, nev = 0, n;
	int err, seen = 0, last = -1, introduced = -1;
	const char *name = strtok_r(copy, ".", &save);

	while ((tok = strtok_r(NULL, ".", &save)) && nf < 32)
		fields[nf++] = tok;
	err = defs_load(s, lineage, name, &root);
	if (err)
		goto out;
	n = root.h->n;
	hits = ks_xcalloc(n + 1, sizeof(*hits));
	ev = ks_xcalloc(n + 1, sizeof(*ev));
	for (i = 0; i < n && !err; i++)
		err = resolve(&pc, &root, fields, nf, i, &hits[i]);
	if (err)
		goto out;

	for (i = 0; i < n; i++) {
		const struct hit *h = &hits[i], *p = i ? &hits[i - 1] : NULL;
		struct event *e = &ev[nev];

		e->release = i;
		e->decl = h->decl;
		e->offset = h->offset;
		if (h->present && !seen)
			e->what = "added";
		else if (h->present && p && !p->present)
			e->what = "readded";
		else if (!h->present && p && p->present)
			e->what = "removed", e->decl = p->decl, e->offset = p->offset;
		else if (h->present && strcmp(h->decl, p->decl))
			e->what = "type_changed";
		else if (h->present && h->offset != p->offset)
			e->what = "moved";
		else
			e->what = NULL;
		if (h->present)
			seen = 1, last = (int)i;
		if (e->what)
			nev++;
	}
	if (!seen) {
		err = explain_missing(&pc, &root, name, fields, nf, arg);
		goto out;
	}
	/* the current unbroken run with the newest declaration */
	introduced = last;
	while (introduced > 0 && hits[introduced - 1].present &&
	       !strcmp(hits[introduced - 1].decl, hits[last].decl))
		introduced--;

	if (fmt == FMT_JSON) {
		struct json j;

		json_init(&j, stdout);
		json_obj_begin(&j, NULL);
		json_str(&j, "name", name);
		json_str(&j, "field", arg + strlen(name) + 1);
		json_str(&j, "lineage", lineage);
		json_str(&j, "decl", hits[last].decl);
		json_str(&j, "introduced", root.h->e[introduced].release);
		json_str(&j, "last_seen", root.h->e[last].release);
		json_str(&j, "status", last == (int)n - 1 ? "present" : "removed");
		json_arr_begin(&j, "events");
		for (i = 0; i < nev; i++) {
			json_obj_begin(&j, NULL);
			json_str(&j, "release", root.h->e[ev[i].release].release);
			json_str(&j, "event", ev[i].what);
			json_str(&j, "decl", ev[i].decl);
			json_uint(&j, "offset_bits", ev[i].offset);
			json_obj_end(&j);
		}
		json_arr_end(&j);
		json_obj_end(&j);
		json_finish(&j);
	} else {
		size_t w = 8;

		for (i = 0; i < nev; i++)
			if (strlen(root.h->e[ev[i].release].release) > w)
				w = strlen(root.h->e[ev[i].release].release);
		out_begin(fmt);
		printf("%s%s%s  %s(%s)%s\n", col(C_BOLD), arg, col(C_RESET), col(C_DIM),
		       lineage, col(C_RESET));
		for (i = 0; i < nev; i++) {
			unsigned long long off = ev[i].offset;

			printf("%s%-*s%s  %-12s %s;  ", col(C_YELLOW), (int)w,
			       root.h->e[ev[i].release].release, col(C_RESET), ev[i].what,
			       ev[i].decl);
			if (off % 8)
				printf("%s(bit offset %llu)%s\n", col(C_DIM), off, col(C_RESET));
			else
				printf("%s(offset %llu)%s\n", col(C_DIM), off / 8, col(C_RESET));
		}
		printf("present in its current form since %s; last seen in %s%s\n",
		       root.h->e[introduced].release, root.h->e[last].release,
		       last == (int)n - 1 ? " (the newest release)" : "");
		out_end();
	}
out:
	for (i = 0; i < pc.ncache; i++) {
		defs_free(&pc.cache[i]);
		free(pc.cache_names[i]);
	}
	defs_free(&root);
	free(hits);
	free(ev);
	free(copy);
	return err;
}

int do_blame(int argc, char **argv)
{
	enum out_format fmt = FMT_TEXT;
	const char *lineage = NULL, *arg;
	struct ks_store *store;
	int n, err;
	const struct ks_opt opts[] = {
		OPT_LINEAGE(&lineage),
		OPT_FORMAT(&fmt),
		KS_OPT_END,
	};
	const struct ks_opt_cmd cmd = {
		.prog = KS_PROG,
		.name = "blame",
		.usage = blame_usage,
		.desc = blame_desc,
		.opts = opts,
	};

	if ((err = parse_opts(&cmd, argc, argv, &n)) >= 0)
		return err;
	if (n != 1)
		return usage_err(&cmd, !n ? "name a struct or NAME.FIELD" :
				 "blame takes one NAME or NAME.FIELD");
	arg = argv[1];
	if (!arg[0] || arg[0] == '.' || arg[strlen(arg) - 1] == '.' || strstr(arg, ".."))
		return usage_err(&cmd, "'%s' is not NAME or NAME.FIELD[.FIELD...]", arg);
	if (lineage && (err = ks_store_check_lineage(lineage)))
		return fail(err);
	if ((err = open_store(&store)))
		return err;
	if (!lineage)
		lineage = ks_store_default_lineage(store);
	err = strchr(arg, '.') ? blame_field(store, lineage, arg, fmt)
			       : blame_type(store, lineage, arg, fmt);
	ks_store_free(store);
	return err ? fail(err) : EXIT_OK;
}
