/* libFuzzer harness: the eBPF object reader (ks_bpfobj_open), which
 * `kstruct check` runs on objects from anywhere (a CI job's artefacts),
 * and the reachability analysis over each code section it reads. The
 * reader takes a path: each input is written to a file of this process
 * first. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz_common.h"
#include "ks_bpfobj.h"
#include "ks_buf.h"
#include "ks_err.h"
#include "ks_reach.h"

static char path[64];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	snprintf(path, sizeof(path), "/tmp/ks_fuzz_bpfobj_%ld.o", (long)getpid());
	return 0;
}

static void check_prog(const struct ks_prog *p)
{
	size_t i, k;

	for (i = 0; i < p->nrelos; i++) {
		const struct ks_relo *r = &p->relos[i];

		KS_FUZZ_CHECK(r->section && r->spec && r->access && r->root,
			      "relocation %zu incomplete", i);
		KS_FUZZ_CHECK(r->kind < KS_RELO_KIND_COUNT, "relocation kind %d", r->kind);
		if (ks_relo_class(r->kind) == KS_RELO_FIELD) {
			KS_FUZZ_CHECK(r->nsteps >= 1 && !r->steps[0].name, "field relo without root step");
			for (k = 0; k < r->nsteps; k++)
				KS_FUZZ_CHECK(r->steps[k].parent && r->steps[k].type, "step %zu", k);
		}
		KS_FUZZ_CHECK(!strchr(r->access, '\n'), "an access string spans lines");
	}
	for (i = 0; i < p->nprogs; i++)
		KS_FUZZ_CHECK(p->progs[i].section && p->progs[i].type && p->progs[i].name,
			      "program %zu incomplete", i);
	for (i = 0; i < p->ncode; i++) {
		const struct ks_code *c = &p->code[i];
		unsigned char *reached = ks_xmalloc(c->n ? c->n : 1);
		struct ks_patch *patches = ks_xcalloc(p->nrelos + 1, sizeof(*patches));
		size_t np = 0;

		for (k = 0; k < c->nentries; k++)
			KS_FUZZ_CHECK(c->entries[k] < c->n, "entry beyond the code");
		/* as compiled, and with every relocation's value 0 */
		ks_reach(c, NULL, 0, reached);
		for (k = 0; k < p->nrelos; k++)
			if (!strcmp(p->relos[k].section, c->section))
				patches[np++].insn = p->relos[k].insn;
		ks_reach(c, patches, np, reached);
		for (k = 0; k < c->n; k++)
			KS_FUZZ_CHECK(reached[k] <= 1, "reached[%zu] = %u", k, reached[k]);
		free(patches);
		free(reached);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	FILE *f = fopen(path, "wb");
	struct ks_prog *p = NULL;
	int err;

	if (!f || (size && fwrite(data, 1, size, f) != size) || fclose(f))
		ks_fuzz_fail("cannot write %s", path);
	err = ks_bpfobj_open(&p, path);
	if (err) {
		KS_FUZZ_CHECK(!p, "an error and an object");
		KS_FUZZ_CHECK(!strchr(ks_err_msg(), '\n'), "a message of several lines");
		ks_err_clear();
	} else {
		check_prog(p);
		ks_prog_free(p);
	}
	unlink(path);
	return 0;
}
