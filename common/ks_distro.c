/* Which distribution a kernel is from, by what its release string or its
 * Linux banner says, and the upstream version it is based on. The version
 * orders live in ks_distro_version.c. */
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

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static const char *digits(const char *p)
{
	while (is_digit(*p))
		p++;
	return p;
}

/* The end of ".<tag><digits>" somewhere in @r, or NULL. Only a tag that
 * ends a dot-separated part counts, so ".el8" does not match ".elfoo" and
 * ".fc39" not ".fc39x". @under: "_<digits>" may follow (RHEL's el8_1). */
static const char *dist_tag(const char *r, const char *tag, int under)
{
	size_t n = strlen(tag);
	const char *p = r;

	while ((p = strchr(p, '.'))) {
		const char *q = p + 1 + n, *e;

		p++;
		if (strncmp(p, tag, n) || !is_digit(*q))
			continue;
		e = digits(q);
		if (under && *e == '_' && is_digit(e[1]))
			e = digits(e + 1);
		if (!*e || *e == '.' || *e == '+')
			return e;
	}
	return NULL;
}

static int ends_with(const char *s, const char *suf)
{
	size_t n = strlen(s), m = strlen(suf);

	return n >= m && !strcmp(s + n - m, suf);
}

/* "X.Y" or "X.Y.Z" at @p; the end, or NULL. */
static const char *kernel_version(const char *p)
{
	if (!is_digit(*p))
		return NULL;
	p = digits(p);
	if (*p != '.' || !is_digit(p[1]))
		return NULL;
	p = digits(p + 1);
	if (*p == '.' && is_digit(p[1]))
		p = digits(p + 1);
	return p;
}

/* Ubuntu: "5.15.0-91-generic", "6.5.0-1014-aws": version, ABI, flavor,
 * nothing after (Debian's "-generic-amd64" goes on with an arch). */
static int is_ubuntu(const char *r)
{
	static const char *const flavors[] = {
		"generic", "aws", "azure", "gcp", "lowlatency", "oracle", "kvm",
		"ibm", "raspi", "oem", "nvidia", "generic-64k", "generic-lpae",
	};
	const char *p = kernel_version(r);
	size_t i;

	if (!p || *p != '-' || !is_digit(p[1]))
		return 0;
	p = digits(p + 1);
	if (*p++ != '-')
		return 0;
	for (i = 0; i < sizeof(flavors) / sizeof(flavors[0]); i++)
		if (!strcmp(p, flavors[i]))
			return 1;
	return 0;
}

/* Debian names its kernels after the Debian architecture: "-amd64",
 * "-cloud-amd64", "-rt-arm64", "-686-pae". */
static int is_debian_arch(const char *r)
{
	static const char *const archs[] = {
		"-amd64", "-arm64", "-686", "-686-pae", "-armmp", "-armmp-lpae",
		"-ppc64el", "-s390x", "-riscv64", "-loong64", "-marvell",
		"-4kc-malta", "-5kc-malta", "-octeon", "-mips64r2el",
	};
	size_t i;

	if (!is_digit(*r))
		return 0;
	for (i = 0; i < sizeof(archs) / sizeof(archs[0]); i++)
		if (ends_with(r, archs[i]))
			return 1;
	return 0;
}

/* kernel.org: "6.8.1", "6.8.0-rc3" and nothing else. */
static int is_upstream(const char *r)
{
	const char *p = kernel_version(r);

	if (!p)
		return 0;
	if (!strncmp(p, "-rc", 3) && is_digit(p[3]))
		p = digits(p + 3);
	return !*p;
}

const char *ks_distro_from_release(const char *release, const char **why)
{
	static const struct {
		const char *tag, *distro, *why;
		int under;
	} tags[] = {
		{ "el", "rhel", "the release's .el<N> (RHEL family)", 1 },
		{ "ky", "kylin", "the release's .ky<N>", 0 },
		{ "fc", "fedora", "the release's .fc<N>", 0 },
		{ "amzn", "amzn", "the release's .amzn<N>", 0 },
	};
	const char *d = NULL, *w = NULL, *e;
	size_t i;

	if (!release)
		goto out;
	for (i = 0; i < sizeof(tags) / sizeof(tags[0]) && !d; i++) {
		if (dist_tag(release, tags[i].tag, tags[i].under)) {
			d = tags[i].distro;
			w = tags[i].why;
		}
	}
	if (d)
		goto out;
	if ((e = dist_tag(release, "oe", 0))) {
		if (!strncmp(e, ".bclinux", 8) && (!e[8] || e[8] == '.')) {
			d = "bclinux";
			w = "the release's .oe<N>.bclinux";
		} else {
			d = "openeuler";
			w = "the release's .oe<N>";
		}
	} else if ((e = strstr(release, "+deb")) && is_digit(e[4])) {
		d = "debian";
		w = "the release's +deb<N>";
	} else if (is_ubuntu(release)) {
		d = "ubuntu";
		w = "the release's -<ABI>-<flavor> (Ubuntu)";
	} else if (is_debian_arch(release)) {
		d = "debian";
		w = "the release's Debian architecture suffix";
	} else if (is_upstream(release)) {
		d = KS_DISTRO_UPSTREAM;
		w = "the release is a plain kernel.org version";
	}
out:
	if (why)
		*why = w;
	return d;
}

const char *ks_distro_from_banner(const char *banner, size_t len, const char **why)
{
	static const struct {
		const char *needle, *distro, *why;
	} marks[] = {
		/* Ubuntu first: its banner may name Debian's toolchain too */
		{ "Ubuntu", "ubuntu", "the Linux banner names Ubuntu" },
		{ "Debian", "debian", "the Linux banner names Debian" },
		{ "debian-kernel@", "debian", "the Linux banner names Debian" },
		{ "Red Hat", "rhel", "the Linux banner names Red Hat" },
	};
	size_t i, n = 0;

	while (n < len && banner[n] && banner[n] != '\n')
		n++;
	for (i = 0; i < sizeof(marks) / sizeof(marks[0]); i++) {
		if (memmem(banner, n, marks[i].needle, strlen(marks[i].needle))) {
			if (why)
				*why = marks[i].why;
			return marks[i].distro;
		}
	}
	if (why)
		*why = NULL;
	return NULL;
}

char *ks_distro_upstream(const char *distro, const char *release)
{
	const char *p = kernel_version(release);

	if (!p) {
		/* "5" or "6-rc1": take the leading number when there is one */
		if (!is_digit(*release))
			return ks_xstrdup(release);
		p = digits(release);
	}
	/* only kernel.org's own builds are release candidates by name;
	 * a distro's "-rc" would be its own revision */
	if (distro && !strcmp(distro, KS_DISTRO_UPSTREAM) && !strncmp(p, "-rc", 3) &&
	    is_digit(p[3]))
		p = digits(p + 3);
	return ks_xstrndup(release, (size_t)(p - release));
}

/* The end of "X" / "X.Y" / "X.Y.Z"'s series part (after "X.Y"), and in
 * *@patch the third number's value, -1 when absent. NULL if @v does not
 * start with "X.Y". */
static const char *series(const char *v, long *patch)
{
	const char *p = kernel_version(v), *s;

	*patch = -1;
	if (!p)
		return NULL;
	s = digits(digits(v) + 1);
	if (s < p)
		*patch = strtol(s + 1, NULL, 10);
	return *p ? NULL : s;
}

int ks_distro_upstream_match(const char *a, const char *b)
{
	const char *ea, *eb;
	long pa, pb;

	if (!strcmp(a, b))
		return 2;
	ea = series(a, &pa);
	eb = series(b, &pb);
	if (!ea || !eb || ea - a != eb - b || memcmp(a, b, (size_t)(ea - a)))
		return 0;
	if (pa == pb || (pa <= 0 && pb <= 0))
		return 2;
	return pa <= 0 || pb <= 0;
}

char *ks_distro_abi(const char *release)
{
	const char *p = release;

	if (!is_digit(*p))
		return ks_xstrdup(release);
	while (is_digit(*p) || (*p == '.' && is_digit(p[1])))
		p++;
	if (*p == '-' && is_digit(p[1])) {
		p++;
		while (is_digit(*p) || (*p == '.' && is_digit(p[1])))
			p++;
	}
	return ks_xstrndup(release, (size_t)(p - release));
}
