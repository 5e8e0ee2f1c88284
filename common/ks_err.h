/* Error codes and the one message that travels with them.
 *
 * Every fallible function in btf/, store/ and common/ returns 0 or a
 * negative KS_E* code and, before returning the code, records a one-line
 * message with ks_err_set(). The command layer prints ks_err_msg() once.
 */
#ifndef KS_ERR_H
#define KS_ERR_H

enum ks_error_code {
	KS_OK = 0,
	KS_EINVAL = -1,     /* bad argument or option value */
	KS_ENOTFOUND = -2,  /* no such file, type, release or lineage */
	KS_EIO = -3,        /* reading or writing a file failed */
	KS_EFORMAT = -4,    /* input is not what it claims to be */
	KS_EEXISTS = -5,    /* release exists with other content */
	KS_ENOTSTORE = -6,  /* folder is not a kstruct store */
	KS_EGIT = -7,       /* libgit2 reported an error */
	KS_ECONFLICT = -8,  /* a ref moved under us */
	KS_ENOMEM = -9,
	KS_ENOTKERNEL = -10,	/* content is no kernel data at all */
	KS_EBUSY = -11,		/* another kstruct keeps writing the store */
};

/* Records the message for @code (printf-style) and returns @code, so a
 * caller can write `return ks_err_set(KS_EIO, "...", ...);`. */
int ks_err_set(int code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Like ks_err_set() but appends libgit2's last error message. */
int ks_err_git(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Prefixes the current message with "@prefix: " (adds context on the way up). */
void ks_err_prefix(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

const char *ks_err_msg(void);
void ks_err_clear(void);

#endif
