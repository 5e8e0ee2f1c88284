/* Type names become tree paths: escaped so that no name can leave its
 * folder, fanned out by their first letter and first two letters so a
 * release rewrites few trees. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ks_buf.h"
#include "ks_store.h"

static int plain(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_';
}

/* Writes @name escaped (%xx for every byte not in [A-Za-z0-9_]) to @out,
 * which has room for 3 bytes per name byte; returns the length. */
static size_t escape(char *out, const char *name)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p;
	char *o = out;

	for (p = (const unsigned char *)name; *p; p++) {
		if (plain(*p)) {
			*o++ = (char)*p;
		} else {
			*o++ = '%';
			*o++ = hex[*p >> 4];
			*o++ = hex[*p & 15];
		}
	}
	return (size_t)(o - out);
}

/* Built by hand, not with printf: an import makes one path per type,
 * 65,000 for a kernel, and formatting them was a tenth of its time. */
char *ks_store_type_path(const char *kind, const char *name, unsigned int variant)
{
	size_t kl = strlen(kind), el, n, b;
	char *esc = ks_xmalloc(3 * strlen(name) + 1), *out, *o;
	const char *s;

	el = escape(esc, name);
	esc[el] = '\0';
	/* Kernel names pile up behind "__"; the fan-out skips them. */
	for (s = esc; *s == '_'; s++)
		;
	n = el - (size_t)(s - esc);
	if (!n)
		s = "_", n = 1;
	b = n >= 2 ? 2 : 1;
	/* Two levels (first letter, then first two) keep the kind's tree
	 * small: a history walk reads it once per release. */
	out = o = ks_xmalloc(kl + 4 + b + el + 16);
	memcpy(o, kind, kl);
	o += kl;
	*o++ = '/';
	*o++ = s[0];
	*o++ = '/';
	memcpy(o, s, b);
	o += b;
	*o++ = '/';
	memcpy(o, esc, el);
	o += el;
	if (variant > 1)
		o += snprintf(o, 16, "~%u", variant);
	*o = '\0';
	free(esc);
	return out;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

char *ks_store_unescape_name(const char *entry, unsigned int *variant)
{
	struct ks_buf b = KS_BUF_INIT;
	const char *p;

	*variant = 1;
	for (p = entry; *p; p++) {
		if (*p == '~') {
			char *end;
			unsigned long v = strtoul(p + 1, &end, 10);

			if (*end || v < 2 || v > 1000000)
				goto bad;
			*variant = (unsigned int)v;
			break;
		}
		if (*p == '%') {
			int h = hexval(p[1]), l = h < 0 ? -1 : hexval(p[2]);

			if (l < 0)
				goto bad;
			ks_buf_putc(&b, (char)(h * 16 + l));
			p += 2;
			continue;
		}
		if (!plain((unsigned char)*p))
			goto bad;
		ks_buf_putc(&b, *p);
	}
	if (!b.len)
		goto bad;
	return ks_buf_detach(&b, NULL);
bad:
	ks_buf_free(&b);
	return NULL;
}
