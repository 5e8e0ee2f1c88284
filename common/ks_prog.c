/* Names of CO-RE relocation kinds, and freeing a read eBPF object. */
#include <stdlib.h>
#include <string.h>

#include "ks_prog.h"

void ks_prog_free(struct ks_prog *p)
{
	if (!p)
		return;
	ks_ct_arena_free(p->arena);
	free(p->progs);
	free(p->relos);
	free(p->code);
	free(p);
}

const struct ks_code *ks_prog_code(const struct ks_prog *p, const char *section)
{
	size_t i;

	for (i = 0; i < p->ncode; i++)
		if (!strcmp(p->code[i].section, section))
			return &p->code[i];
	return NULL;
}

/* As libbpf's debug output spells them, so the two can be compared. */
const char *ks_relo_kind_name(enum ks_relo_kind kind)
{
	static const char *const names[KS_RELO_KIND_COUNT] = {
		"byte_off", "byte_sz", "field_exists", "signed", "lshift_u64",
		"rshift_u64", "local_type_id", "target_type_id", "type_exists",
		"type_size", "enumval_exists", "enumval_value", "type_matches",
	};

	return (unsigned int)kind < KS_RELO_KIND_COUNT ? names[kind] : "unknown";
}

enum ks_relo_class ks_relo_class(enum ks_relo_kind kind)
{
	if (kind <= KS_RELO_FIELD_RSHIFT_U64)
		return KS_RELO_FIELD;
	if (kind == KS_RELO_ENUMVAL_EXISTS || kind == KS_RELO_ENUMVAL_VALUE)
		return KS_RELO_ENUMVAL;
	return KS_RELO_TYPE;
}
