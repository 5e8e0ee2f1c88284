#include <bpf/btf.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cmd.h"
#include "ks_buf.h"
#include "ks_canon.h"
#include "ks_err.h"
#include "ks_hash.h"
#include "ks_input.h"

static const char import_usage[] =
	"usage: kstruct import FILE... [--release NAME] [--arch ARCH] [--flavor FLAVOR]\n"
	"                      [--base VMLINUX] [--force]\n\n"
	"Records the structs and unions of each kernel as one release. FILE is raw\n"
	"BTF (/sys/kernel/btf/vmlinux, a btfhub .btf file), an ELF file with a .BTF\n"
	"section (vmlinux, .o) or a kernel module (.ko, with --base); the kind is\n"
	"read from the content. Files of one release (a vmlinux and its modules)\n"
	"become one snapshot. Creates the store if it does not exist.\n\n"
	"  --release NAME    release name; default: the 'Linux version' banner of an\n"
	"                    ELF, a module's vermagic, uname -r for the running\n"
	"                    kernel's BTF, or a btfhub-style file name (5.4.0-91-generic.btf)\n"
	"  --arch ARCH       default: the ELF header, else the release name's suffix\n"
	"                    (-amd64, .aarch64, ...), else this machine's\n"
	"  --flavor FLAVOR   default: the release's suffix (-cloud-amd64 is cloud,\n"
	"                    -rt-amd64 rt, -aws, -azure, -gcp, -lowlatency), else generic\n"
	"  --base VMLINUX    the vmlinux (ELF or raw BTF) that modules were built against\n"
	"  --force           replace a release already recorded with other content\n\n"
	"Nothing is written unless every FILE can be read.\n";

struct group {
	char *release, *arch, *flavor;
	struct ks_canon_set *set;
	char **sums;
	size_t nsums;
	int has_base;
	struct ks_buf source;
};

struct import_state {
	const char *release, *arch, *flavor;
	struct ks_input *base;
	struct group *groups;
	size_t ngroups;
};

static void group_add_sum(struct group *g, const unsigned char sha[32])
{
	char hex[65];
	size_t i;

	ks_hex(hex, sha, 32);
	for (i = 0; i < g->nsums; i++)
		if (!strcmp(g->sums[i], hex))
			return;
	g->sums = ks_xrealloc(g->sums, (g->nsums + 1) * sizeof(char *));
	g->sums[g->nsums++] = ks_xstrdup(hex);
}

static struct group *group_for(struct import_state *st, const char *release,
			       const char *arch, const char *flavor)
{
	struct group *g;
	size_t i;

	for (i = 0; i < st->ngroups; i++) {
		g = &st->groups[i];
		if (!strcmp(g->release, release) && !strcmp(g->arch, arch) &&
		    !strcmp(g->flavor, flavor))
			return g;
	}
	st->groups = ks_xrealloc(st->groups, (st->ngroups + 1) * sizeof(*g));
	g = &st->groups[st->ngroups++];
	memset(g, 0, sizeof(*g));
	g->release = ks_xstrdup(release);
	g->arch = ks_xstrdup(arch);
	g->flavor = ks_xstrdup(flavor);
	g->set = ks_canon_set_new();
	return g;
}

static int read_one(struct import_state *st, const char *path)
{
	struct ks_input *in = NULL;
	const char *release, *arch, *flavor;
	struct group *g;
	int err;

	err = ks_input_open(&in, path, st->base ? st->base->btf : NULL);
	if (err)
		return err;
	release = st->release ? st->release : in->release;
	if (!release) {
		err = ks_err_set(KS_EINVAL, "%s: cannot tell which kernel release this "
				 "%s is; name it with --release", path,
				 ks_input_kind_name(in->kind));
		goto out;
	}
	if (in->arch && st->arch && strcmp(in->arch, st->arch)) {
		err = ks_err_set(KS_EINVAL, "%s: the file is for %s, not --arch %s",
				 path, in->arch, st->arch);
		goto out;
	}
	arch = in->arch ? in->arch : st->arch ? st->arch : ks_release_arch(release);
	if (!arch)
		arch = ks_host_arch();
	flavor = st->flavor ? st->flavor : ks_release_flavor(release);
	if ((err = ks_store_check_release_name(release)) ||
	    (err = ks_store_check_lineage_part("arch", arch)) ||
	    (err = ks_store_check_lineage_part("flavor", flavor))) {
		ks_err_prefix("%s", path);
		goto out;
	}

	g = group_for(st, release, arch, flavor);
	if (in->kind == KS_INPUT_MODULE && !g->has_base) {
		err = ks_canon_set_add_btf(g->set, st->base->btf, 1);
		if (err)
			goto out;
		group_add_sum(g, st->base->sha256);
		g->has_base = 1;
	}
	err = ks_canon_set_add_btf(g->set, in->btf, in->start_id);
	if (err) {
		ks_err_prefix("%s", path);
		goto out;
	}
	group_add_sum(g, in->sha256);
	{
		char *abs = realpath(path, NULL);

		ks_buf_printf(&g->source, "%s%s (%s)", g->source.len ? "\n" : "",
			      abs ? abs : path, ks_input_kind_name(in->kind));
		free(abs);
	}
out:
	ks_input_free(in);
	return err;
}

static int store_missing(const char *path)
{
	struct stat st;

	return stat(path, &st) != 0;
}

int do_import(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "release", required_argument, NULL, 'r' },
		{ "arch", required_argument, NULL, 'a' },
		{ "flavor", required_argument, NULL, 'f' },
		{ "base", required_argument, NULL, 'b' },
		{ "force", no_argument, NULL, 'F' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct import_state st = { 0 };
	struct ks_add_opts aopts = KS_ADD_OPTS_INIT;
	struct ks_store *store = NULL;
	const char *base_path = NULL;
	int c, i, err = 0, ret = EXIT_OK;
	size_t k;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'r': st.release = optarg; break;
		case 'a': st.arch = optarg; break;
		case 'f': st.flavor = optarg; break;
		case 'b': base_path = optarg; break;
		case 'F': aopts.force = 1; break;
		case 'h':
			fputs(import_usage, stdout);
			return EXIT_OK;
		default:
			return bad_option("import", argv);
		}
	}
	if (optind >= argc)
		return usage_err("import", "name at least one FILE to import");
	if ((st.release && (err = ks_store_check_release_name(st.release))) ||
	    (st.arch && (err = ks_store_check_lineage_part("arch", st.arch))) ||
	    (st.flavor && (err = ks_store_check_lineage_part("flavor", st.flavor))))
		return fail(err);

	if (base_path) {
		err = ks_input_open(&st.base, base_path, NULL);
		if (!err && st.base->kind == KS_INPUT_MODULE)
			err = ks_err_set(KS_EINVAL, "%s: --base must be a vmlinux, not a module",
					 base_path);
		if (err) {
			ret = fail(err);
			goto out;
		}
	}
	/* Read everything first: a bad file must leave the store untouched. */
	for (i = optind; i < argc; i++) {
		err = read_one(&st, argv[i]);
		if (err) {
			ret = fail(err);
			goto out;
		}
	}

	{
		char *path = ks_store_locate(g_opts.store);

		if (store_missing(path)) {
			err = ks_store_init(path);
			if (err >= 0)
				fprintf(stderr, "kstruct: created store %s\n", path);
		}
		if (err >= 0)
			err = ks_store_open(&store, path);
		free(path);
		if (err < 0) {
			ret = fail(err);
			goto out;
		}
	}
	for (k = 0; k < st.ngroups; k++) {
		struct group *g = &st.groups[k];
		struct ks_release_meta meta = {
			.release = g->release, .arch = g->arch, .flavor = g->flavor,
			.btf_sha256 = (const char **)g->sums, .nbtf = g->nsums,
		};
		enum ks_add_status status;
		char commit[41];

		ks_canon_set_finish(g->set);
		aopts.source = g->source.p;
		err = ks_store_add_release(store, &meta, g->set, &aopts, &status, commit);
		if (err) {
			ret = fail(err);
			continue;
		}
		printf("%s %s/%s: %s, %zu structs, %zu unions (%.12s)\n", g->release,
		       g->arch, g->flavor,
		       status == KS_ADD_NEW ? "imported" :
		       status == KS_ADD_REPLACED ? "replaced" :
		       "already present, unchanged",
		       g->set->nstructs, g->set->nunions, commit);
	}
out:
	ks_store_free(store);
	for (k = 0; k < st.ngroups; k++) {
		struct group *g = &st.groups[k];

		free(g->release);
		free(g->arch);
		free(g->flavor);
		ks_canon_set_free(g->set);
		ks_strv_free(g->sums, g->nsums);
		ks_buf_free(&g->source);
	}
	free(st.groups);
	ks_input_free(st.base);
	return ret;
}
