/* Test-only: prints the snapshot kstruct would record for one BTF file,
 * every entry as "KIND NAME VARIANT LEN\n" and then its LEN bytes of
 * canonical text, in snapshot order. tests/e2e/bpftool_kinds.py compares
 * this with bpftool's dump without going through a store.
 *
 * Usage: canon_dump [--time] FILE [BASE]   (BASE: the vmlinux of a module
 * FILE). --time prints, instead of the entries, the milliseconds that
 * reading, the struct/union texts, the other kinds' texts and the
 * snapshot's sorting take (bench/import.sh).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ks_canon.h"
#include "ks_err.h"
#include "ks_input.h"
#include "ks_snapshot.h"

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

int main(int argc, char **argv)
{
	struct ks_input *base = NULL, *in = NULL;
	struct ks_snapshot *snap = NULL;
	int timing = argc > 1 && !strcmp(argv[1], "--time");
	double t[5];
	size_t i;
	int err;

	argc -= timing;
	argv += timing;
	if (argc != 2 && argc != 3) {
		fprintf(stderr, "usage: canon_dump [--time] FILE [BASE]\n");
		return 2;
	}
	t[0] = now_ms();
	err = argc == 3 ? ks_input_open(&base, argv[2], NULL) : 0;
	if (!err)
		err = ks_input_open(&in, argv[1], base ? base->btf : NULL);
	t[1] = now_ms();
	if (!err) {
		snap = ks_snapshot_new();
		err = ks_canon_add_btf(snap, in->btf, in->start_id);
	}
	t[2] = now_ms();
	if (!err)
		err = ks_canon_add_btf_kinds(snap, in->btf, in->start_id);
	t[3] = now_ms();
	if (err) {
		fprintf(stderr, "canon_dump: %s\n", ks_err_msg());
		goto out;
	}
	ks_snapshot_finish(snap);
	t[4] = now_ms();
	if (timing) {
		printf("read+check %.1f ms, struct/union %.1f ms, other kinds %.1f ms, "
		       "sort %.1f ms; %zu entries\n", t[1] - t[0], t[2] - t[1], t[3] - t[2],
		       t[4] - t[3], snap->n);
		goto out;
	}
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
