/* Error codes and the one message that travels with them.
 *
 * Every fallible function of the libraries returns 0 or a
 * negative KS_E* code and, before returning the code, records a one-line
 * message with ks_err_set(). The command layer prints ks_err_msg() once.
 */
#ifndef KS_ERR_H
#define KS_ERR_H

/* kstruct's own error space. The codes start at KS_ERR_BASE, below any
 * code libgit2 returns (GIT_E*: -1 .. about -40) and below -errno, so a
 * code that reaches the command layer always means what it says here. A
 * library error from libgit2 is translated where it enters kstruct code
 * (store/ks_git_err.h) and never travels up as a raw git code. */
#define KS_ERR_BASE (-1000)

enum ks_error_code {
	KS_OK = 0,
	KS_EINVAL = KS_ERR_BASE - 1,	/* bad argument or option value */
	KS_ENOTFOUND = KS_ERR_BASE - 2,	/* no such file, type, release or lineage */
	KS_EIO = KS_ERR_BASE - 3,	/* reading or writing a file failed */
	KS_EFORMAT = KS_ERR_BASE - 4,	/* input is not what it claims to be */
	KS_EEXISTS = KS_ERR_BASE - 5,	/* release exists with other content */
	KS_ENOTSTORE = KS_ERR_BASE - 6,	/* folder is not a kstruct store */
	KS_EGIT = KS_ERR_BASE - 7,	/* libgit2 reported an error */
	KS_ECONFLICT = KS_ERR_BASE - 8,	/* a ref moved under us */
	KS_ENOMEM = KS_ERR_BASE - 9,
	KS_ENOTKERNEL = KS_ERR_BASE - 10,	/* content is no kernel data at all */
	KS_EBUSY = KS_ERR_BASE - 11,	/* another kstruct keeps writing the store */
};

/* Records the message for @code (printf-style) and returns @code, so a
 * caller can write `return ks_err_set(KS_EIO, "...", ...);`. */
int ks_err_set(int code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Appends ": @detail" to the current message (what a library said about
 * the failure), keeping it one line long. */
void ks_err_append(const char *detail);

/* Prefixes the current message with "@prefix: " (adds context on the way up). */
void ks_err_prefix(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

const char *ks_err_msg(void);
void ks_err_clear(void);

/* Removes the password of every "scheme://user:password@host" in @s, in
 * place: no message, and no line kstruct prints, shows one. Every
 * message set above goes through it. */
void ks_redact_credentials(char *s);

#endif
