/* What every subcommand shares: the global options, error reporting,
 * output format and opening the store. */
#ifndef KS_CMD_H
#define KS_CMD_H

#include <stdio.h>

#include "ks_json.h"
#include "ks_opt.h"
#include "ks_store.h"

/* The program name in usage lines and in the errors' pointer to --help. */
#define KS_PROG "kstruct"

/* Exit codes, as git and most tools use them. */
enum { EXIT_OK = 0, EXIT_USER = 1, EXIT_USAGE = 2 };

struct global_opts {
	const char *store;	/* --store */
};
extern struct global_opts g_opts;

int do_help(int argc, char **argv);
int do_init(int argc, char **argv);
int do_import(int argc, char **argv);
int do_releases(int argc, char **argv);
int do_show(int argc, char **argv);
int do_log(int argc, char **argv);
int do_grep(int argc, char **argv);
int do_check(int argc, char **argv);
int do_blame(int argc, char **argv);
int do_diff(int argc, char **argv);
int do_clone(int argc, char **argv);
int do_remote(int argc, char **argv);
int do_fetch(int argc, char **argv);
int do_pull(int argc, char **argv);
int do_push(int argc, char **argv);
int do_config(int argc, char **argv);
int do_status(int argc, char **argv);
int do_report(int argc, char **argv);
int do_site(int argc, char **argv);
int do_upgrade(int argc, char **argv);
int do_gc(int argc, char **argv);

/* After a command wrote to the store at @path: rolls the newest packs up
 * when they want it, in a detached `kstruct gc --auto` (cmd/gc.c). */
void gc_auto(const char *path);

/* Lets libgit2 load TLS certificates (cmd/tls.c): before git_libgit2_init(). */
void tls_enable(void);

/* Progress on a terminal, and the outcome of a sync (cmd/sync_common.c). */
void sync_opts_init(struct ks_sync_opts *o);
void sync_report(const char *what, const struct ks_sync_opts *o,
		 const struct ks_sync_result *r);
/* Parses "CMD [REMOTE]" (default origin) against @cmd and opens the
 * store: -1 to go on, else the exit status to return. */
int sync_begin(const struct ks_opt_cmd *cmd, int argc, char **argv, const char **remote,
	       struct ks_store **store);

/* One line on stderr, "kstruct: <msg>". */
void p_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Parses @cmd's options (ks_opt.h): -1 to go on, with the arguments in
 * argv[1..*nargs]; else the exit status to return: EXIT_OK after printing
 * the help, EXIT_USAGE after the one-line error. */
int parse_opts(const struct ks_opt_cmd *cmd, int argc, char **argv, int *nargs);
/* A usage error of @cmd, on one line as the parser words its own
 * ("kstruct: log: ... (see 'kstruct log --help')"); returns EXIT_USAGE. */
int usage_err(const struct ks_opt_cmd *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Maps a KS_E* code to an exit status after printing ks_err_msg(). */
int fail(int err);

enum out_format { FMT_TEXT, FMT_JSON };
extern const struct ks_opt_choice out_formats[];
/* The options that mean the same in every query command. */
#define OPT_FORMAT(v) KS_OPT_ENUM(0, "format", "text|json", (v), out_formats, \
				  "output for people (default) or scripts")
#define OPT_NO_RENAMES(v) KS_OPT_FLAG(0, "no-renames", (v), \
				      "show a renamed field as removed and added")
#define OPT_LINEAGE(v) KS_OPT_STRING(0, "lineage", "DISTRO/ARCH/FLAVOR", (v), \
				     "lineage to read, or a part naming one (centos, " \
				     "kylin/aarch64; default: the store's)")

/* Opens the store that --store / $KSTRUCT_STORE / .kstruct / the default
 * names, for reading: a format-1 store is refused with a word on
 * 'kstruct upgrade'. Prints the error itself; returns the exit status. */
int open_store(struct ks_store **out);
/* The same, then resolves *@lineage (when not NULL) to a full lineage
 * (ks_store_resolve_lineage), which lives until the next call. */
int open_store_lineage(struct ks_store **out, const char **lineage);
/* For writing: a format-1 store is upgraded first (upgrade_store). */
int open_store_write(struct ks_store **out);
/* Upgrades a format-1 store, saying so on stderr; 0 or the exit status. */
int upgrade_store(struct ks_store *store);

/* Output for people: colour and pager on a terminal only. */
void out_begin(enum out_format fmt);
void out_end(void);
/* @code when colour is on, "" otherwise. */
const char *col(const char *code);
#define C_RESET "\033[m"
#define C_BOLD "\033[1m"
#define C_RED "\033[31m"
#define C_GREEN "\033[32m"
#define C_YELLOW "\033[33m"
#define C_CYAN "\033[36m"
#define C_DIM "\033[2m"

/* Changes between two definitions, for log and diff (cmd/changes.c). */
struct ks_diff;
struct ks_def;
void print_changes(const struct ks_diff *d, int layout, const char *indent);
void json_changes(struct ks_json *j, const struct ks_diff *d, int layout);
/* "func,lsm" as a mask of kinds (bit 1u << enum ks_kind); KS_EINVAL
 * with the kinds listed for an unknown one. */
int parse_kind_list(const char *list, unsigned int *mask);
/* "3 fields, size 48", "2 parameters (static)", "5 enumerators, size 4". */
void print_def_summary(const struct ks_def *d);

#endif
