#include "ks_kind.h"

#include <string.h>

#include "ks_err.h"

static const char *const names[KS_KIND_COUNT] = {
	"struct", "union", "enum", "typedef", "func", "tracepoint", "syscall", "lsm", "kfunc",
};

const char *ks_kind_name(enum ks_kind k)
{
	return (unsigned)k < KS_KIND_COUNT ? names[k] : "?";
}

int ks_kind_parse(const char *name, size_t len, enum ks_kind *out)
{
	size_t i;

	if (len == (size_t)-1)
		len = strlen(name);
	for (i = 0; i < KS_KIND_COUNT; i++) {
		if (strlen(names[i]) == len && !memcmp(names[i], name, len)) {
			*out = (enum ks_kind)i;
			return 0;
		}
	}
	return ks_err_set(KS_EINVAL, "unknown kind '%.*s' (kinds: struct, union, enum, "
			  "typedef, func, tracepoint, syscall, lsm, kfunc)", (int)len, name);
}

enum ks_kind ks_kind_of(const char *name)
{
	size_t i;

	for (i = 0; i < KS_KIND_COUNT; i++)
		if (!strcmp(names[i], name))
			return (enum ks_kind)i;
	return KS_KIND_COUNT;
}

const char *ks_kind_canonical(const char *name)
{
	enum ks_kind k = ks_kind_of(name);

	return k == KS_KIND_COUNT ? NULL : names[k];
}

int ks_kind_split(const char *spec, int *has_kind, enum ks_kind *kind, const char **rest)
{
	const char *colon = strchr(spec, ':');

	*has_kind = 0;
	*rest = spec;
	if (!colon)
		return 0;
	if (ks_kind_parse(spec, (size_t)(colon - spec), kind))
		return KS_EINVAL;
	*has_kind = 1;
	*rest = colon + 1;
	return 0;
}
