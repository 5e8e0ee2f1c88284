#include <string.h>

#include "ks_store.h"

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Digit runs compare by value (4.8 < 4.10), everything else by byte;
 * equal strings of different spelling (4.08 vs 4.8) fall back to
 * strcmp so the order is total and the same on every machine. */
int ks_version_cmp(const char *a, const char *b)
{
	const char *x = a, *y = b;

	while (*x && *y) {
		if (is_digit(*x) && is_digit(*y)) {
			const char *xs, *ys;
			size_t xn, yn;

			while (*x == '0' && is_digit(x[1]))
				x++;
			while (*y == '0' && is_digit(y[1]))
				y++;
			for (xs = x; is_digit(*x); x++)
				;
			for (ys = y; is_digit(*y); y++)
				;
			xn = (size_t)(x - xs);
			yn = (size_t)(y - ys);
			if (xn != yn)
				return xn < yn ? -1 : 1;
			int c = memcmp(xs, ys, xn);

			if (c)
				return c < 0 ? -1 : 1;
			continue;
		}
		if (*x != *y)
			return (unsigned char)*x < (unsigned char)*y ? -1 : 1;
		x++;
		y++;
	}
	if (*x || *y)
		return *x ? 1 : -1;
	int c = strcmp(a, b);

	return c < 0 ? -1 : c > 0;
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
