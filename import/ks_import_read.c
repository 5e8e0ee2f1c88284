/* One input, on a worker thread: open it, settle its release identity,
 * canonicalize its types into a snapshot. Nothing here touches the
 * store's repository, so any number of these run at once. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "ks_canon.h"
#include "ks_distro.h"
#include "ks_err.h"
#include "ks_hash.h"
#include "ks_import_int.h"
#include "ks_input.h"
#include "ks_store.h"
#include "ks_symbols.h"

void ks_import__add_sum(struct ks_import_job *j, const char *hex)
{
	size_t i;

	for (i = 0; i < j->nsums; i++)
		if (!strcmp(j->sums[i], hex))
			return;
	j->sums = ks_xrealloc(j->sums, (j->nsums + 1) * sizeof(char *));
	j->sums[j->nsums++] = ks_xstrdup(hex);
}

static void add_sha(struct ks_import_job *j, const unsigned char sha[32])
{
	char hex[65];

	ks_hex(hex, sha, 32);
	ks_import__add_sum(j, hex);
}

/* KSTRUCT_KINDS=legacy records structs and unions only, as kstruct did
 * before the other kinds: for bench/import.sh, which measures what the
 * other kinds cost. Not a user-facing option. */
static int legacy_kinds(void)
{
	const char *v = getenv("KSTRUCT_KINDS");

	return v && !strcmp(v, "legacy");
}

struct kinds_job {
	struct ks_snapshot *snap;
	const struct btf *btf;
	unsigned int start;
	const struct ks_symtab *symtab;
	int err;
	char *msg;
};

static void *kinds_thread(void *arg)
{
	struct kinds_job *k = arg;

	k->err = ks_canon_add_btf_kinds_part(k->snap, k->btf, k->start, k->symtab,
					     KS_CANON_FUNCS);
	if (!k->err)
		ks_snapshot_finish(k->snap);
	if (k->err)
		k->msg = ks_xstrdup(ks_err_msg());
	return NULL;
}

/* Structs, unions, enums and typedefs on this thread, functions on a
 * second one (about as much work): they read the same BTF (libbpf's
 * reads change nothing) and fill separate snapshots, and one kernel's
 * import is otherwise one thread until its pack is compressed. */
static int add_types(struct ks_snapshot *snap, const struct btf *btf, unsigned int start,
		     const struct ks_symtab *symtab)
{
	struct kinds_job k = { .btf = btf, .start = start, .symtab = symtab };
	struct ks_snapshot *mine;
	pthread_t tid;
	int err, threaded;

	if (legacy_kinds())
		return ks_canon_add_btf(snap, btf, start);
	k.snap = ks_snapshot_new();
	mine = ks_snapshot_new();
	threaded = !pthread_create(&tid, NULL, kinds_thread, &k);
	err = ks_canon_add_btf(mine, btf, start);
	if (!err)
		err = ks_canon_add_btf_kinds_part(mine, btf, start, symtab, KS_CANON_TYPES);
	/* each half sorted on its thread; the merges are one pass each */
	if (!err)
		ks_snapshot_finish(mine);
	if (threaded)
		pthread_join(tid, NULL);
	else if (!err)
		kinds_thread(&k);
	if (!err && k.err)
		err = ks_err_set(k.err, "%s", k.msg);
	ks_snapshot_merge(mine, k.snap);
	ks_snapshot_merge(snap, mine);
	free(k.msg);
	return err;
}

int ks_import__read(const struct ks_import_ctx *c, struct ks_import_job *j)
{
	const struct ks_import_opts *o = c->o;
	struct ks_input *in = NULL;
	const char *release, *arch, *flavor, *distro, *why;
	char *abs;
	int err;

	err = ks_input_open(&in, j->path, c->base ? c->base->btf : NULL);
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
	if (o->distro) {
		distro = o->distro;
		why = "--distro";
	} else if (!(distro = ks_input_distro(in, release, &why))) {
		distro = KS_DISTRO_UNKNOWN;
		why = "nothing in the file or its name says which";
	}
	if ((err = ks_store_check_release_name(release)) ||
	    (err = ks_store_check_lineage_part("arch", arch)) ||
	    (err = ks_store_check_lineage_part("flavor", flavor))) {
		ks_err_prefix("%s", j->path);
		goto out;
	}
	/* the release is settled: only now is it known to be the running one */
	if ((err = ks_input_read_kallsyms(in, release)))
		goto out;
	j->snap = ks_snapshot_new();
	if (in->kind == KS_INPUT_MODULE) {
		/* a module's types refer to its vmlinux's: both go in */
		err = add_types(j->snap, c->base->btf, 1, c->base->symtab);
		if (err)
			goto out;
		add_sha(j, c->base->sha256);
	}
	err = add_types(j->snap, in->btf, in->start_id, in->symtab);
	if (err) {
		ks_err_prefix("%s", j->path);
		goto out;
	}
	add_sha(j, in->sha256);
	j->release = ks_xstrdup(release);
	j->arch = ks_xstrdup(arch);
	j->flavor = ks_xstrdup(flavor);
	j->distro = ks_xstrdup(distro);
	j->distro_why = ks_xstrdup(why);
	/* a module's snapshot is mostly its vmlinux's: the flag is the base's */
	if (in->kind == KS_INPUT_MODULE) {
		j->symtab = c->base->symtab;
		j->symtab_from = c->base->symtab_from;
	} else if (in->symtab) {
		j->symtab = j->symtab_own = in->symtab;
		j->symtab_from = j->symtab_from_own = in->symtab_from;
		in->symtab = NULL;
		in->symtab_from = NULL;
	}
	abs = realpath(j->path, NULL);
	ks_buf_printf(&j->source, "%s (%s)", abs ? abs : j->path, ks_input_kind_name(in->kind));
	free(abs);
out:
	ks_input_free(in);
	return err;
}

void ks_import__job_clear(struct ks_import_job *j)
{
	free(j->path);
	free(j->msg);
	free(j->release);
	free(j->arch);
	free(j->flavor);
	free(j->distro);
	free(j->distro_why);
	ks_snapshot_plan_free(j->plan);
	ks_snapshot_free(j->snap);
	ks_strv_free(j->sums, j->nsums);
	ks_buf_free(&j->source);
	ks_symtab_free(j->symtab_own);
	free(j->symtab_from_own);
	memset(j, 0, sizeof(*j));
}
