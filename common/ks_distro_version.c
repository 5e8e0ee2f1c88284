/* The order of one distribution's releases. Each scheme reads the part
 * of a release string its distribution numbers; where a scheme finds two
 * releases equal (other arch, other flavor, "4.08" against "4.8") the
 * natural order decides, and strcmp after it, so the order is total and
 * the same on every machine. */
#include "ks_distro.h"

#include <stdlib.h>
#include <string.h>

#include "ks_buf.h"

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int sign(int c)
{
	return c < 0 ? -1 : c > 0;
}

/* Two digit runs by value, however long: leading zeros skipped, then
 * the longer run is the larger. Advances both pointers past their runs. */
static int cmp_number(const char **a, const char **b)
{
	const char *x = *a, *y = *b, *xs, *ys;
	size_t xn, yn;
	int c;

	while (*x == '0' && is_digit(x[1]))
		x++;
	while (*y == '0' && is_digit(y[1]))
		y++;
	for (xs = x; is_digit(*x); x++)
		;
	for (ys = y; is_digit(*y); y++)
		;
	*a = x;
	*b = y;
	xn = (size_t)(x - xs);
	yn = (size_t)(y - ys);
	if (xn != yn)
		return xn < yn ? -1 : 1;
	c = memcmp(xs, ys, xn);
	return sign(c);
}

int ks_version_cmp(const char *a, const char *b)
{
	const char *x = a, *y = b;

	while (*x && *y) {
		if (is_digit(*x) && is_digit(*y)) {
			int c = cmp_number(&x, &y);

			if (c)
				return c;
			continue;
		}
		if (*x != *y)
			return (unsigned char)*x < (unsigned char)*y ? -1 : 1;
		x++;
		y++;
	}
	if (*x || *y)
		return *x ? 1 : -1;
	return sign(strcmp(a, b));
}

/* ---- RPM: RHEL and its rebuilds, Fedora, Amazon, Kylin, openEuler ---- */

/* rpm's segments: digit runs and letter runs, anything else separates;
 * '~' sorts before the end, the end before letters, letters before
 * numbers. "147" < "147.5.1" (more segments) < "193". */
enum { SEG_TILDE, SEG_END, SEG_ALPHA, SEG_NUM };

static int rpm_seg(const char **p)
{
	while (**p && **p != '~' && !is_digit(**p) && !is_alpha(**p))
		(*p)++;
	if (**p == '~')
		return SEG_TILDE;
	if (!**p)
		return SEG_END;
	return is_digit(**p) ? SEG_NUM : SEG_ALPHA;
}

static int rpm_cmp(const char *a, const char *b)
{
	for (;;) {
		int sa = rpm_seg(&a), sb = rpm_seg(&b), c;

		if (sa != sb)
			return sa < sb ? -1 : 1;
		if (sa == SEG_END)
			return 0;
		if (sa == SEG_TILDE) {
			a++;
			b++;
			continue;
		}
		if (sa == SEG_NUM) {
			c = cmp_number(&a, &b);
		} else {
			const char *xs = a, *ys = b;
			size_t xn, yn;

			while (is_alpha(*a))
				a++;
			while (is_alpha(*b))
				b++;
			xn = (size_t)(a - xs);
			yn = (size_t)(b - ys);
			c = memcmp(xs, ys, xn < yn ? xn : yn);
			if (!c && xn != yn)
				c = xn < yn ? -1 : 1;
		}
		if (c)
			return sign(c);
	}
}

/* ---- Debian: dpkg's order ---- */

/* dpkg's weight of a character outside digit runs: '~' before the end,
 * the end and digits next, then letters, then everything else. */
static int dpkg_weight(char c)
{
	if (c == '~')
		return -1;
	if (!c || is_digit(c))
		return 0;
	if (is_alpha(c))
		return (unsigned char)c;
	return (unsigned char)c + 256;
}

/* dpkg's comparison of @an bytes of @a with @bn bytes of @b. */
static int dpkg_part(const char *a, size_t an, const char *b, size_t bn)
{
	const char *ae = a + an, *be = b + bn;

	while (a < ae || b < be) {
		while ((a < ae && !is_digit(*a)) || (b < be && !is_digit(*b))) {
			int wa = dpkg_weight(a < ae ? *a : 0);
			int wb = dpkg_weight(b < be ? *b : 0);

			if (wa != wb)
				return wa < wb ? -1 : 1;
			if (a < ae)
				a++;
			if (b < be)
				b++;
		}
		while (a < ae && *a == '0')
			a++;
		while (b < be && *b == '0')
			b++;
		{
			const char *xs = a, *ys = b;
			size_t xn, yn;
			int c;

			while (a < ae && is_digit(*a))
				a++;
			while (b < be && is_digit(*b))
				b++;
			xn = (size_t)(a - xs);
			yn = (size_t)(b - ys);
			if (xn != yn)
				return xn < yn ? -1 : 1;
			c = memcmp(xs, ys, xn);
			if (c)
				return sign(c);
		}
	}
	return 0;
}

/* The package version a Debian release name carries: "6.1.0-47" of
 * "6.1.0-47-amd64", "6.12.117+deb12" of "6.12.117+deb12-arm64": up to
 * the first '-' that a letter follows (the flavor and the arch). */
static size_t debian_key(const char *r)
{
	const char *p = r;

	while (*p && !(*p == '-' && !is_digit(p[1])))
		p++;
	return (size_t)(p - r);
}

/* The last '-' in @n bytes of @r, or @n when there is none. */
static size_t last_dash(const char *r, size_t n)
{
	size_t i;

	for (i = n; i; i--)
		if (r[i - 1] == '-')
			return i - 1;
	return n;
}

/* As dpkg: the upstream part (before the last '-'), then the revision. */
static int debian_cmp(const char *a, const char *b)
{
	size_t an = debian_key(a), bn = debian_key(b);
	size_t ad = last_dash(a, an), bd = last_dash(b, bn);
	int c = dpkg_part(a, ad, b, bd);

	if (c)
		return c;
	a += ad < an ? ad + 1 : an;
	b += bd < bn ? bd + 1 : bn;
	return dpkg_part(a, ad < an ? an - ad - 1 : 0, b, bd < bn ? bn - bd - 1 : 0);
}

/* ---- Ubuntu: version, ABI, upload ---- */

/* The numbers "5.15.0-91.101-generic" starts with, in order (5, 15, 0,
 * 91, 101), compared as a list: a shorter list that is a prefix of the
 * longer sorts first ("5.15.0-91" before "5.15.0-91.101"). */
static int ubuntu_cmp(const char *a, const char *b)
{
	for (;;) {
		int da = is_digit(*a), db = is_digit(*b), c;

		if (!da || !db)
			return da == db ? 0 : da ? 1 : -1;
		c = cmp_number(&a, &b);
		if (c)
			return c;
		a += (*a == '.' || *a == '-') && is_digit(a[1]);
		b += (*b == '.' || *b == '-') && is_digit(b[1]);
	}
}

/* ---- kernel.org: "6.8.0-rc3" before "6.8.0" ---- */

static char *rc_as_tilde(const char *r)
{
	char *s = ks_xstrdup(r), *p = strstr(s, "-rc");

	if (p && is_digit(p[3]))
		*p = '~';
	return s;
}

static int upstream_cmp(const char *a, const char *b)
{
	char *x = rc_as_tilde(a), *y = rc_as_tilde(b);
	int c = dpkg_part(x, strlen(x), y, strlen(y));

	free(x);
	free(y);
	return c;
}

static const struct {
	const char *distro;
	int (*cmp)(const char *a, const char *b);
} schemes[] = {
	{ "rhel", rpm_cmp }, { "centos", rpm_cmp }, { "almalinux", rpm_cmp },
	{ "alma", rpm_cmp }, { "rocky", rpm_cmp }, { "ol", rpm_cmp },
	{ "oracle", rpm_cmp }, { "fedora", rpm_cmp }, { "amzn", rpm_cmp },
	{ "kylin", rpm_cmp }, { "openeuler", rpm_cmp }, { "bclinux", rpm_cmp },
	{ "anolis", rpm_cmp }, { "opencloudos", rpm_cmp }, { "sles", rpm_cmp },
	{ "opensuse", rpm_cmp }, { "opensuse-leap", rpm_cmp },
	{ "debian", debian_cmp },
	{ "ubuntu", ubuntu_cmp },
	{ KS_DISTRO_UPSTREAM, upstream_cmp },
};

int ks_distro_version_cmp(const char *distro, const char *a, const char *b)
{
	size_t i;
	int c = 0;

	for (i = 0; distro && i < sizeof(schemes) / sizeof(schemes[0]); i++) {
		if (!strcmp(distro, schemes[i].distro)) {
			c = schemes[i].cmp(a, b);
			break;
		}
	}
	return c ? c : ks_version_cmp(a, b);
}
