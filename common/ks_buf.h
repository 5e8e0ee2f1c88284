/* A growable byte buffer that always stays NUL-terminated.
 *
 * Allocation failure aborts: kstruct is a command-line tool and the data
 * it holds (one kernel's types) is small, so threading ENOMEM through
 * every string append would only hide the real error paths.
 */
#ifndef KS_BUF_H
#define KS_BUF_H

#include <stddef.h>
#include <stdint.h>

struct ks_buf {
	char *p;
	size_t len;
	size_t cap;
};

#define KS_BUF_INIT { NULL, 0, 0 }

void ks_buf_grow(struct ks_buf *b, size_t extra);
void ks_buf_add(struct ks_buf *b, const void *data, size_t n);
void ks_buf_puts(struct ks_buf *b, const char *s);
void ks_buf_putc(struct ks_buf *b, char c);
void ks_buf_printf(struct ks_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void ks_buf_truncate(struct ks_buf *b, size_t len);
/* Hands the storage to the caller (never NULL) and resets @b. */
char *ks_buf_detach(struct ks_buf *b, size_t *len);
void ks_buf_free(struct ks_buf *b);

void *ks_xmalloc(size_t n);
void *ks_xcalloc(size_t n, size_t size);
void *ks_xrealloc(void *p, size_t n);
char *ks_xstrdup(const char *s);
char *ks_xstrndup(const char *s, size_t n);
char *ks_xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The first 16 bytes of @s as two big-endian numbers, zeros past its
 * end: comparing (hi, lo) orders strings as strcmp() does, up to their
 * 16th byte; sorts compare these before the strings. */
void ks_prefix_key(const char *s, uint64_t *hi, uint64_t *lo);

#endif
