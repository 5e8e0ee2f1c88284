#include "ks_escape.h"

#include <stdlib.h>
#include <string.h>

/* One escaper, two destinations: a stream or a buffer. */
struct sink {
	FILE *f;
	struct ks_buf *b;
};

static void put(const struct sink *sk, const void *p, size_t n)
{
	if (!n)
		return;
	if (sk->f)
		fwrite(p, 1, n, sk->f);
	else
		ks_buf_add(sk->b, p, n);
}

static void puts_(const struct sink *sk, const char *s)
{
	put(sk, s, strlen(s));
}

static const char replacement[] = "\xef\xbf\xbd";	/* U+FFFD */

/* The UTF-8 sequence at @s (@n > 0 bytes left): its length with its code
 * point in @cp, or minus the length of the maximal invalid subpart (one
 * U+FFFD each, the way WHATWG decoders and Unicode's recommendation count). */
static int utf8_seq(const unsigned char *s, size_t n, unsigned int *cp)
{
	unsigned char lo = 0x80, hi = 0xbf;
	int len, i;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2, *cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3, *cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4, *cp = s[0] & 0x07;
	else
		return -1;
	/* overlong forms, surrogates and values past U+10FFFF are excluded
	 * by the second byte's range */
	if (s[0] == 0xe0)
		lo = 0xa0;
	else if (s[0] == 0xed)
		hi = 0x9f;
	else if (s[0] == 0xf0)
		lo = 0x90;
	else if (s[0] == 0xf4)
		hi = 0x8f;
	for (i = 1; i < len; i++) {
		if ((size_t)i >= n || s[i] < lo || s[i] > hi)
			return -i;
		*cp = (*cp << 6) | (s[i] & 0x3f);
		lo = 0x80;
		hi = 0xbf;
	}
	return len;
}

static void text(const struct sink *sk, enum ks_escape_mode mode, const unsigned char *s,
		 size_t n)
{
	size_t i = 0, run = 0;	/* [run, i) is copied as it is */
	char esc[16];

	while (i < n) {
		unsigned int cp = 0;
		int len = utf8_seq(s + i, n - i, &cp);
		const char *out = NULL;

		if (len < 0) {
			out = replacement;
			len = -len;
		} else if (mode == KS_ESC_HTML) {
			switch (cp) {
			case '&': out = "&amp;"; break;
			case '<': out = "&lt;"; break;
			case '>': out = "&gt;"; break;
			case '"': out = "&quot;"; break;
			case '\'': out = "&#39;"; break;
			case '\t': case '\n': case '\r': break;
			default:
				if (cp < 0x20 || cp == 0x7f)
					out = replacement;
			}
		} else {
			switch (cp) {
			case '"': out = "\\\""; break;
			case '\\': out = "\\\\"; break;
			case '\n': out = "\\n"; break;
			case '\t': out = "\\t"; break;
			case '\r': out = "\\r"; break;
			default:
				if (cp < 0x20 || cp == 0x7f ||
				    (mode == KS_ESC_SCRIPT &&
				     (cp == '<' || cp == 0x2028 || cp == 0x2029))) {
					snprintf(esc, sizeof(esc), "\\u%04x", cp);
					out = esc;
				}
			}
		}
		if (out) {
			put(sk, s + run, i - run);
			puts_(sk, out);
			run = i + (size_t)len;
		}
		i += (size_t)len;
	}
	put(sk, s + run, i - run);
}

static int plain_byte(enum ks_escape_mode mode, unsigned char c, size_t at)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	    c == '-' || c == '_' || c == '+')
		return 1;
	if (c == '.')
		return mode == KS_ESC_URL || at > 0;
	return mode == KS_ESC_URL && (c == '~' || c == '/');
}

static void percent(const struct sink *sk, enum ks_escape_mode mode, const unsigned char *s,
		    size_t n)
{
	size_t i, run = 0;
	char esc[4];

	for (i = 0; i < n; i++) {
		if (plain_byte(mode, s[i], i))
			continue;
		put(sk, s + run, i - run);
		snprintf(esc, sizeof(esc), "%%%02X", s[i]);
		put(sk, esc, 3);
		run = i + 1;
	}
	put(sk, s + run, n - run);
}

static void escape(const struct sink *sk, enum ks_escape_mode mode, const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;

	switch (mode) {
	case KS_ESC_JSON:
	case KS_ESC_SCRIPT:
		put(sk, "\"", 1);
		text(sk, mode, u, n);
		put(sk, "\"", 1);
		break;
	case KS_ESC_HTML:
		text(sk, mode, u, n);
		break;
	case KS_ESC_URL:
	case KS_ESC_FILE:
		percent(sk, mode, u, n);
		break;
	}
}

void ks_escape_write(FILE *f, enum ks_escape_mode mode, const char *s, size_t n)
{
	struct sink sk = { f, NULL };

	escape(&sk, mode, s, n);
}

void ks_escape_add(struct ks_buf *b, enum ks_escape_mode mode, const char *s, size_t n)
{
	struct sink sk = { NULL, b };

	escape(&sk, mode, s, n);
}

void ks_escape_write_html(FILE *f, const char *s)
{
	ks_escape_write(f, KS_ESC_HTML, s, strlen(s));
}

void ks_escape_add_html(struct ks_buf *b, const char *s)
{
	ks_escape_add(b, KS_ESC_HTML, s, strlen(s));
}

char *ks_escape_dup(enum ks_escape_mode mode, const char *s)
{
	struct ks_buf b = KS_BUF_INIT;

	ks_escape_add(&b, mode, s, strlen(s));
	return ks_buf_detach(&b, NULL);
}
