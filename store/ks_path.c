/* Type names become tree paths: escaped so that no name can leave its
 * folder, fanned out by their first letter and first two letters so a
 * release rewrites few trees. */
#include <stdlib.h>
#include <string.h>

#include "ks_buf.h"
#include "ks_store.h"

static int plain(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_';
}

static void escape(struct ks_buf *b, const char *name)
{
	const unsigned char *p;

	for (p = (const unsigned char *)name; *p; p++) {
		if (plain(*p))
			ks_buf_putc(b, (char)*p);
		else
			ks_buf_printf(b, "%%%02x", *p);
	}
}

char *ks_store_type_path(const char *kind, const char *name, unsigned int variant)
{
	struct ks_buf esc = KS_BUF_INIT, path = KS_BUF_INIT;
	const char *s;
	size_t n;

	escape(&esc, name);
	if (!esc.p)
		ks_buf_puts(&esc, "");
	/* Kernel names pile up behind "__"; the fan-out skips them. */
	for (s = esc.p; *s == '_'; s++)
		;
	n = strlen(s);
	if (!n)
		s = "_", n = 1;
	/* Two levels (first letter, then first two) keep the kind's tree
	 * small: a history walk reads it once per release. */
	ks_buf_printf(&path, "%s/%.1s/%.*s/%s", kind, s, n >= 2 ? 2 : 1, s, esc.p);
	if (variant > 1)
		ks_buf_printf(&path, "~%u", variant);
	ks_buf_free(&esc);
	return ks_buf_detach(&path, NULL);
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
