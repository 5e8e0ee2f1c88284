/* The one place libgit2's error state turns into kstruct's: the message
 * travels on with ks_err_set(), the code is ours. */
#include "ks_git_err.h"

#include <git2.h>
#include <stdarg.h>
#include <stdio.h>

#include "ks_err.h"

static int set_with_git_msg(int code, const char *fmt, va_list ap)
{
	const git_error *ge = git_error_last();
	char msg[1024];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	ks_err_set(code, "%s", msg);
	if (ge && ge->message)
		ks_err_append(ge->message);
	return code;
}

int ks_err_git(const char *fmt, ...)
{
	va_list ap;
	int code;

	va_start(ap, fmt);
	code = set_with_git_msg(KS_EGIT, fmt, ap);
	va_end(ap);
	return code;
}

static int translate(int git_err)
{
	switch (git_err) {
	case GIT_ENOTFOUND:
		return KS_ENOTFOUND;
	case GIT_EEXISTS:
	case GIT_EMODIFIED:
		return KS_ECONFLICT;
	case GIT_ELOCKED:
		return KS_EBUSY;
	default:
		return KS_EGIT;
	}
}

int ks_err_from_git(int git_err, const char *fmt, ...)
{
	va_list ap;
	int code;

	if (!git_err)
		return 0;
	va_start(ap, fmt);
	code = set_with_git_msg(translate(git_err), fmt, ap);
	va_end(ap);
	return code;
}
