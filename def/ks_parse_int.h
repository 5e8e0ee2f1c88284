/* Shared by the readers of the kinds (def/ks_canon_parse.c for structs
 * and unions, def/ks_parse_kinds.c for the rest). */
#ifndef KS_PARSE_INT_H
#define KS_PARSE_INT_H

#include <stddef.h>

#include "ks_canon_parse.h"

/* A struct or union's text, also the record of a tracepoint and the
 * body of a typedef of an anonymous struct, rewritten as one. */
int ks__parse_composite(struct ks_def **out, const char *text, size_t len);
/* Enum, typedef, func, lsm, kfunc, syscall and tracepoint texts. */
int ks__parse_other(struct ks_def **out, const char *text, size_t len);

#endif
