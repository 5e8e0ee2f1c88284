/* Test-only: prints the snapshot kstruct would record for one BTF file,
 * every entry as "KIND NAME VARIANT LEN\n" and then its LEN bytes of
 * canonical text, in snapshot order. tests/e2e/bpftool_kinds.py compares
 * this with bpftool's dump without going through a store.
 *
 * Usage: canon_dump FILE [BASE]   (BASE: the vmlinux of a module FILE)
 */
#include <stdio.h>
#include <stdlib.h>

#include "ks_canon.h"
#include "ks_err.h"
#include "ks_input.h"
#include "ks_snapshot.h"

int main(int argc, char **argv)
{
	struct ks_input *base = NULL, *in = NULL;
	struct ks_snapshot *snap = NULL;
	size_t i;
	int err;

	if (argc != 2 && argc != 3) {
		fprintf(stderr, "usage: canon_dump FILE [BASE]\n");
		return 2;
	}
	err = argc == 3 ? ks_input_open(&base, argv[2], NULL) : 0;
	if (!err)
		err = ks_input_open(&in, argv[1], base ? base->btf : NULL);
	if (!err) {
		snap = ks_snapshot_new();
		err = ks_canon_add_btf(snap, in->btf, in->start_id);
	}
	if (!err)
		err = ks_canon_add_btf_kinds(snap, in->btf, in->start_id);
	if (err) {
		fprintf(stderr, "canon_dump: %s\n", ks_err_msg());
		goto out;
	}
	ks_snapshot_finish(snap);
	for (i = 0; i < snap->n; i++) {
		const struct ks_snapshot_entry *e = &snap->entries[i];

		printf("%s %s %u %zu\n", e->kind, e->name, e->variant, e->len);
		fwrite(e->text, 1, e->len, stdout);
	}
out:
	ks_snapshot_free(snap);
	ks_input_free(in);
	ks_input_free(base);
	return err ? 1 : 0;
}
