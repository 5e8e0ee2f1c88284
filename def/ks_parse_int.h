/* Shared by the readers of canonical text (def/ks_canon_parse.c for
 * structs and unions, def/ks_parse_kinds.c for the rest,
 * def/ks_ctype_parse.c into C types). */
#ifndef KS_PARSE_INT_H
#define KS_PARSE_INT_H

#include <stddef.h>

#include "ks_canon_parse.h"

/* A struct or union's text, also the record of a tracepoint and the
 * body of a typedef of an anonymous struct, rewritten as one. */
int ks__parse_composite(struct ks_def **out, const char *text, size_t len);
/* Cuts a line's trailing "\t/\* COMMENT *\/" off @content, in place;
 * *@comment is COMMENT, or NULL when there is none. -1 when a comment is
 * not closed as the grammar says. Every reader of the text uses it. */
int ks__cut_comment(char *content, char **comment);
/* Enum, typedef, func, lsm, kfunc, syscall and tracepoint texts. */
int ks__parse_other(struct ks_def **out, const char *text, size_t len);

#endif
