/* kstruct gc: packs the store's objects with deltas. Writers run it by
 * themselves (gc_auto), as git runs `git gc --auto` after a command. */
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "ks_steps.h"
#include "ks_err.h"

extern char **environ;

static const char *const gc_usage[] = { "kstruct gc [--auto] [--quiet]", NULL };

static const char gc_desc[] =
	"Brings the history index of every lineage up to date (what log and blame\n"
	"read instead of a tree per release) and the kept steps of names with long\n"
	"histories (what they read instead of parsing every version), packs the\n"
	"refs, then writes the store's packs and loose objects again as one pack\n"
	"with deltas (each tree and definition against its version in the next\n"
	"newer release).\n"
	"Nobody needs to run it: after an import, fetch or pull, kstruct does the\n"
	"same for the newest packs by itself, in the background (--auto). Readers\n"
	"go on meanwhile; no object is ever lost.\n";

static const char gc_footer[] =
	"Environment: KSTRUCT_AUTO_GC=0 turns the roll-up after writes off,\n"
	"KSTRUCT_AUTO_GC=wait makes the writing command wait for it.\n";

int do_gc(int argc, char **argv)
{
	int auto_only = 0, quiet = 0, n, err;
	struct ks_store *store = NULL;
	struct ks_repack_result r;
	size_t indexed = 0, steps = 0;
	const struct ks_opt opts[] = {
		KS_OPT_FLAG(0, "auto", &auto_only,
			    "only roll up the newest packs, and only when they want it"),
		KS_OPT_FLAG('q', "quiet", &quiet, "print nothing"),
		KS_OPT_END,
	};
	const struct ks_opt_cmd cmd = {
		.prog = KS_PROG, .name = "gc", .usage = gc_usage, .desc = gc_desc,
		.opts = opts, .footer = gc_footer,
	};

	if ((err = parse_opts(&cmd, argc, argv, &n)) >= 0)
		return err;
	if (n)
		return usage_err(&cmd, "unexpected argument '%s'", argv[1]);
	if ((err = open_store_write(&store)))
		return err;
	/* the index first: it is what readers wait for, the packs are not */
	err = ks_store_index_history(store, &indexed);
	if (!err)
		err = ks_steps_update(store, &steps);
	if (!err)
		err = ks_store_pack_refs(store);
	if (!err)
		err = ks_store_repack(store, auto_only ? KS_REPACK_BACKGROUND | KS_REPACK_QUEUE :
				      KS_REPACK_ALL, &r);
	if (!err && !quiet && indexed)
		printf("indexed the history of %zu lineage%s\n", indexed, indexed == 1 ? "" : "s");
	if (!err && !quiet && steps)
		printf("kept %zu new step%s of long histories\n", steps, steps == 1 ? "" : "s");
	if (!err && !quiet) {
		if (r.busy)
			printf("another kstruct gc is running on %s\n", ks_store_path(store));
		else if (!r.packs_merged && !r.loose_merged)
			printf("nothing to pack in %s\n", ks_store_path(store));
		else
			printf("packed %zu pack%s and %zu loose object%s into one pack of %zu "
			       "objects (%zu deltas)\n", r.packs_merged,
			       r.packs_merged == 1 ? "" : "s", r.loose_merged,
			       r.loose_merged == 1 ? "" : "s", r.objects, r.deltas);
	}
	ks_store_free(store);
	return err ? fail(err) : EXIT_OK;
}

void gc_auto(const char *path)
{
	const char *mode = getenv("KSTRUCT_AUTO_GC");
	struct ks_store *store = NULL;
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	char *args[] = { KS_PROG, "--store", (char *)path, "gc", "--auto", "--quiet", NULL };
	pid_t pid;
	int wanted;

	if (mode && !strcmp(mode, "0"))
		return;
	if (ks_store_open(&store, path)) {
		ks_err_clear();
		return;
	}
	wanted = ks_store_history_stale(store) || ks_store_repack_wanted(store);
	if (wanted && mode && !strcmp(mode, "wait")) {
		struct ks_repack_result r;
		size_t n;

		/* best effort: the write itself has succeeded */
		if (ks_store_index_history(store, &n) || ks_steps_update(store, &n) ||
		    ks_store_pack_refs(store) ||
		    ks_store_repack(store, KS_REPACK_QUEUE, &r))
			p_err("%s", ks_err_msg());
	}
	ks_store_free(store);
	if (!wanted || (mode && !strcmp(mode, "wait")))
		return;
	/* detached, in a session of its own, so that the command returns
	 * now and a terminal's ^C does not stop the roll-up halfway (which
	 * would be harmless, but wasted) */
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	posix_spawnattr_init(&at);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSID);
	if (posix_spawn(&pid, "/proc/self/exe", &fa, &at, args, environ))
		ks_err_clear();
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
}
