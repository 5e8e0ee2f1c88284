#include "ks_err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static _Thread_local char err_msg[1024];

void ks_redact_credentials(char *s)
{
	char *p = s;

	while ((p = strstr(p, "://"))) {
		char *host = p + 3, *q, *colon = NULL;

		for (q = host; *q && *q != '/' && *q != '@' && *q != ' ' && *q != '\t'; q++)
			if (*q == ':' && !colon)
				colon = q;
		if (*q == '@' && colon)	/* "user:password@": the password goes */
			memmove(colon, q, strlen(q) + 1);
		p = host;
	}
}

int ks_err_set(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err_msg, sizeof(err_msg), fmt, ap);
	va_end(ap);
	ks_redact_credentials(err_msg);
	return code;
}

void ks_err_append(const char *detail)
{
	size_t n = strlen(err_msg);

	if (detail && n < sizeof(err_msg))
		snprintf(err_msg + n, sizeof(err_msg) - n, ": %s", detail);
	ks_redact_credentials(err_msg);
}

void ks_err_prefix(const char *fmt, ...)
{
	char prefix[512], old[sizeof(err_msg)];
	size_t n;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	memcpy(old, err_msg, sizeof(old));
	n = strlen(prefix);
	memcpy(err_msg, prefix, n);
	err_msg[n++] = ':';
	err_msg[n++] = ' ';
	/* prefix < 512 bytes, so the old message keeps at least 510 */
	snprintf(err_msg + n, sizeof(err_msg) - n, "%.*s", (int)(sizeof(err_msg) - n - 1), old);
	ks_redact_credentials(err_msg);
}

const char *ks_err_msg(void)
{
	return err_msg[0] ? err_msg : "unknown error";
}

void ks_err_clear(void)
{
	err_msg[0] = '\0';
}
