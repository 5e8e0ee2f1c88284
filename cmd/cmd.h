/* What every subcommand shares: the global options, error reporting,
 * output format and opening the store. */
#ifndef KS_CMD_H
#define KS_CMD_H

#include <stdio.h>

#include "ks_opt.h"
#include "ks_store.h"

#define KS_VERSION "0.1.0"
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
#define OPT_LINEAGE(v) KS_OPT_STRING(0, "lineage", "ARCH/FLAVOR", (v), \
				     "lineage to read (default: the store's, x86_64/generic)")

/* Opens the store that --store / $KSTRUCT_STORE / .kstruct / the default
 * names; prints the error itself. */
int open_store(struct ks_store **out);

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

/* Minimal JSON writer: enough for objects, arrays, strings, numbers. */
struct json {
	FILE *f;
	int depth;
	int first[32];
	int pretty;
};
void json_init(struct json *j, FILE *f);
void json_obj_begin(struct json *j, const char *key);
void json_obj_end(struct json *j);
void json_arr_begin(struct json *j, const char *key);
void json_arr_end(struct json *j);
void json_str(struct json *j, const char *key, const char *val);
void json_strn(struct json *j, const char *key, const char *val, size_t n);
void json_uint(struct json *j, const char *key, unsigned long long v);
void json_bool(struct json *j, const char *key, int v);
void json_finish(struct json *j);
void json_null(struct json *j, const char *key);

/* Changes between two definitions, for log and diff (cmd/changes.c). */
struct ks_diff;
struct ks_def;
void print_changes(const struct ks_diff *d, int layout, const char *indent);
void json_changes(struct json *j, const struct ks_diff *d, int layout);
/* A name's parsed definition in every release of a lineage; identical
 * texts share one parse (cmd/defs.c). */
struct ks_member;
struct defs {
	struct ks_history *h;
	struct ks_def **def;	/* NULL where absent */
	int *owned;
};
int defs_load(struct ks_store *s, const char *lineage, const char *name, struct defs *d);
/* The same from a history made elsewhere; @h is @d's from then on. */
int defs_parse(struct defs *d, struct ks_history *h);
void defs_free(struct defs *d);
/* The newest release that defines the name, or -1. */
int defs_newest(const struct defs *d);
/* The oldest release, going back from @at, since which member @m (of
 * release @at) has had its declaration without a break. */
int defs_since(const struct defs *d, int at, const struct ks_member *m);

/* One name in every lineage (cmd/matrix.c): each other lineage's
 * releases against the regular release of the same kernel version. */
enum mx_status { MX_ABSENT, MX_SAME, MX_DIFFERS };
struct mx_row {
	int idx;		/* the release, in its lineage */
	int reg;		/* the regular release compared with */
	enum mx_status status;
	int only_here;		/* present here, absent in the regular release */
	struct ks_diff *diff;	/* both present, other text */
};
struct mx_lineage {
	char *lineage;
	struct defs d;		/* d.h is NULL when no release defines the name */
	char **rel;		/* every release, oldest first */
	size_t nrel;
	struct mx_row *rows;	/* releases with a regular counterpart */
	size_t nrows;
};
struct matrix {
	const char *name;	/* as the store spells it */
	const char *kind;	/* "struct" or "union" */
	struct mx_lineage *lin;	/* the regular lineage first */
	size_t n;
	struct mx_lineage *regular;
};
/* KS_ENOTFOUND (with suggestions) when no release of any lineage defines it. */
int matrix_build(struct ks_store *s, const char *name, struct matrix **out);
/* Compares lineages 1.. with lin[0] and names the matrix: for a matrix
 * whose lineages were filled in elsewhere (site). */
void matrix_finish(struct matrix *m);
void matrix_free(struct matrix *m);
const char *mx_status_name(enum mx_status st);
/* The definition in release @i of @l, or NULL when absent. */
const struct ks_def *mx_def(const struct mx_lineage *l, size_t i);

/* The page on one name, markdown or a standalone HTML page (cmd/report.c). */
void report_write(FILE *f, const struct matrix *m, int html);
/* A list of changes as the report shows them. */
void report_changes(FILE *f, const struct ks_diff *d);
void html_escape(FILE *f, const char *s);

/* Parses canonical text, prefixing errors with where it came from. */
int parse_def(struct ks_def **out, const char *text, size_t len, const char *name,
	      const char *release);

#endif
