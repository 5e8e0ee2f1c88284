#include <string.h>

#include "ks_store.h"

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* "6.1.0-47-cloud-amd64" -> "6.1.0-47" (@abi) or "6.1.0"; "6.12.117+deb12-
 * arm64" -> "6.12.117"; "4.18.0-147.5.1.el8_1.aarch64" -> "4.18.0-147.5.1".
 * Releases of other arches and flavors of one kernel share these keys. */
char *ks_release_version(const char *release, int abi)
{
	const char *p = release;

	if (!is_digit(*p))
		return strdup(release);
	while (is_digit(*p) || (*p == '.' && is_digit(p[1])))
		p++;
	if (abi && *p == '-' && is_digit(p[1])) {
		p++;
		while (is_digit(*p) || (*p == '.' && is_digit(p[1])))
			p++;
	}
	return strndup(release, (size_t)(p - release));
}
