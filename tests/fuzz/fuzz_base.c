#include "fuzz_common.h"

#include <bpf/btf.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

struct btf *ks_fuzz_base_btf(void)
{
	struct btf *b = btf__new_empty();
	int i32, u32, l, ul, c, lh, plh;

	if (!b)
		abort();
	i32 = btf__add_int(b, "int", 4, BTF_INT_SIGNED);		/* 1 */
	u32 = btf__add_int(b, "unsigned int", 4, 0);			/* 2 */
	l = btf__add_int(b, "long int", 8, BTF_INT_SIGNED);		/* 3 */
	ul = btf__add_int(b, "long unsigned int", 8, 0);		/* 4 */
	c = btf__add_int(b, "char", 1, BTF_INT_CHAR);			/* 5 */
	lh = btf__add_struct(b, "list_head", 16);			/* 6 */
	plh = btf__add_ptr(b, lh);					/* 7 */
	btf__add_field(b, "next", plh, 0, 0);
	btf__add_field(b, "prev", plh, 64, 0);
	btf__add_typedef(b, "u32", u32);				/* 8 */
	btf__add_typedef(b, "size_t", ul);				/* 9 */
	btf__add_struct(b, "kref", 4);					/* 10 */
	btf__add_field(b, "refcount", i32, 0, 0);
	btf__add_ptr(b, c);						/* 11 */
	btf__add_fwd(b, "module", BTF_FWD_STRUCT);			/* 12 */
	(void)l;
	return b;
}

void ks_fuzz_fail(const char *fmt, ...)
{
	va_list ap;

	fputs("fuzz invariant failed: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}
