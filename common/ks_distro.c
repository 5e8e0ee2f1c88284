/* Placeholder while the detection and version schemes are written
 * (issue 13): natural order, nothing detected. */
#include "ks_distro.h"

#include <stdlib.h>
#include <string.h>

#include "ks_buf.h"
#include "ks_err.h"

int ks_distro_check_name(const char *name)
{
	const char *p;

	if (!name || !*name)
		return ks_err_set(KS_EINVAL, "empty distro name");
	for (p = name; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
		      (p > name && (*p == '_' || *p == '.' || *p == '-'))))
			return ks_err_set(KS_EINVAL, "invalid distro name '%s'", name);
	return 0;
}

const char *ks_distro_from_release(const char *release, const char **why)
{
	(void)release;
	if (why)
		*why = NULL;
	return NULL;
}

int ks_distro_version_cmp(const char *distro, const char *a, const char *b)
{
	(void)distro;
	return strcmp(a, b);
}

char *ks_distro_upstream(const char *distro, const char *release)
{
	(void)distro;
	return ks_xstrdup(release);
}
