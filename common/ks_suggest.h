/* "Did you mean ...?" for unknown names: the closest candidates by edit
 * distance, plus those that contain what was typed. */
#ifndef KS_SUGGEST_H
#define KS_SUGGEST_H

#include <stddef.h>

struct ks_suggest;
struct ks_suggest *ks_suggest_new(const char *query);
void ks_suggest_add(struct ks_suggest *s, const char *candidate);
/* Scores @candidate but offers it as @shown: "enum:bpf_map_type" for a
 * name typed without its kind. */
void ks_suggest_add_as(struct ks_suggest *s, const char *candidate, const char *shown);
/* ", "-joined best candidates (at most @max), or NULL when none is close. */
char *ks_suggest_result(struct ks_suggest *s, size_t max);
void ks_suggest_free(struct ks_suggest *s);

#endif
