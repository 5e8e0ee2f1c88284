#include "ks_buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void oom(void)
{
	fputs("kstruct: out of memory\n", stderr);
	abort();
}

void *ks_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		oom();
	return p;
}

void *ks_xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (!p)
		oom();
	return p;
}

void *ks_xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		oom();
	return p;
}

char *ks_xstrdup(const char *s)
{
	return ks_xstrndup(s, strlen(s));
}

char *ks_xstrndup(const char *s, size_t n)
{
	char *p = ks_xmalloc(n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *ks_xasprintf(const char *fmt, ...)
{
	struct ks_buf b = KS_BUF_INIT;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	ks_buf_grow(&b, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(b.p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b.len = (size_t)n;
	return ks_buf_detach(&b, NULL);
}

void ks_buf_grow(struct ks_buf *b, size_t extra)
{
	size_t need = b->len + extra + 1;

	if (need <= b->cap)
		return;
	if (b->cap * 2 > need)
		need = b->cap * 2;
	if (need < 64)
		need = 64;
	b->p = ks_xrealloc(b->p, need);
	b->cap = need;
}

void ks_buf_add(struct ks_buf *b, const void *data, size_t n)
{
	ks_buf_grow(b, n);
	if (n)
		memcpy(b->p + b->len, data, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void ks_buf_puts(struct ks_buf *b, const char *s)
{
	ks_buf_add(b, s, strlen(s));
}

void ks_buf_putc(struct ks_buf *b, char c)
{
	ks_buf_add(b, &c, 1);
}

void ks_buf_printf(struct ks_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	ks_buf_grow(b, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void ks_buf_truncate(struct ks_buf *b, size_t len)
{
	if (len < b->len) {
		b->len = len;
		b->p[len] = '\0';
	}
}

char *ks_buf_detach(struct ks_buf *b, size_t *len)
{
	char *p;

	if (!b->p)
		ks_buf_grow(b, 0), b->p[0] = '\0';
	p = b->p;
	if (len)
		*len = b->len;
	b->p = NULL;
	b->len = b->cap = 0;
	return p;
}

void ks_buf_free(struct ks_buf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}

void ks_prefix_key(const char *s, uint64_t *hi, uint64_t *lo)
{
	const unsigned char *p = (const unsigned char *)s;
	uint64_t v[2] = { 0, 0 };
	int b;

	for (b = 0; b < 16; b++) {
		v[b / 8] = v[b / 8] << 8 | *p;
		if (*p)
			p++;
	}
	*hi = v[0];
	*lo = v[1];
}
