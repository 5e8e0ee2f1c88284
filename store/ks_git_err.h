/* Where libgit2's errors enter kstruct: its return codes overlap
 * nothing of ours (common/ks_err.h) only because no store function lets
 * one through. Internal to store/. */
#ifndef KS_GIT_ERR_H
#define KS_GIT_ERR_H

/* Records the message (printf-style) followed by libgit2's last error
 * message and returns KS_EGIT. */
int ks_err_git(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The same for a known libgit2 return code @git_err: GIT_ENOTFOUND
 * becomes KS_ENOTFOUND, GIT_EEXISTS and GIT_EMODIFIED (another writer
 * got there first) KS_ECONFLICT, GIT_ELOCKED KS_EBUSY, anything else
 * KS_EGIT. 0 stays 0. */
int ks_err_from_git(int git_err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
