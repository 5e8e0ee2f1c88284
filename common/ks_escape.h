/* Escaping for every format kstruct writes names into: JSON, JavaScript
 * inside HTML, HTML text and attributes, URL paths and file names.
 *
 * Names come from a store, and a store may come from anyone (a pulled
 * remote, a hand-made repository), so none of them is trusted: a release
 * may be called `6.2"<b>x`. Each escaper writes the same bytes for the same
 * input whatever it is, invalid UTF-8 included:
 *  - JSON, SCRIPT, HTML: each maximal invalid UTF-8 sequence becomes one
 *    U+FFFD (as WHATWG decoders do), so the output is always valid UTF-8;
 *  - URL, FILE: byte-wise percent-encoding, which is reversible.
 */
#ifndef KS_ESCAPE_H
#define KS_ESCAPE_H

#include <stddef.h>
#include <stdio.h>

#include "ks_buf.h"

enum ks_escape_mode {
	/* A quoted JSON string: '"', '\\' and control characters escaped. */
	KS_ESC_JSON,
	/* The same, safe inside <script> and in a .js file loaded by one:
	 * '<' becomes \u003c (no "</script>", no "<!--") and U+2028/2029,
	 * line terminators to older JavaScript, are escaped. */
	KS_ESC_SCRIPT,
	/* HTML text or a quoted attribute value: & < > " ' as references;
	 * control characters other than tab, LF and CR become U+FFFD. */
	KS_ESC_HTML,
	/* A URL path (an href to a file KS_ESC_FILE named): every byte but
	 * A-Z a-z 0-9 - . _ ~ + / as %XX. The result needs no HTML escaping. */
	KS_ESC_URL,
	/* One file-name component: every byte but A-Z a-z 0-9 - . _ + as %XX,
	 * and a leading '.' too, so no name is hidden, "..", or has a '/'. */
	KS_ESC_FILE,
};

/* The first @n bytes of @s escaped for @mode, to @f or appended to @b. */
void ks_escape_write(FILE *f, enum ks_escape_mode mode, const char *s, size_t n);
void ks_escape_add(struct ks_buf *b, enum ks_escape_mode mode, const char *s, size_t n);

/* Shorthands for NUL-terminated strings in the two HTML-page contexts. */
void ks_escape_write_html(FILE *f, const char *s);
void ks_escape_add_html(struct ks_buf *b, const char *s);

/* @s escaped for @mode as a new string (caller frees). */
char *ks_escape_dup(enum ks_escape_mode mode, const char *s);

#endif
