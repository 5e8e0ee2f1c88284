/* Reading one input file: what it is, its BTF bytes, its parsed BTF and
 * what it tells about the kernel it came from. Knows nothing of git. */
#ifndef KS_INPUT_H
#define KS_INPUT_H

#include <stddef.h>

struct btf;

enum ks_input_kind {
	KS_INPUT_RAW,		/* raw BTF, e.g. /sys/kernel/btf/vmlinux */
	KS_INPUT_ELF,		/* ELF with a .BTF section: vmlinux, .o */
	KS_INPUT_MODULE,	/* kernel module: split BTF over a base */
};

struct ks_input {
	char *path;
	enum ks_input_kind kind;
	unsigned char sha256[32];	/* of the BTF bytes alone */
	char *release;		/* as the file tells it, or NULL */
	char *arch;		/* from the ELF header, or NULL */
	struct btf *btf;
	unsigned int start_id;	/* first type id that belongs to this file */
};

const char *ks_input_kind_name(enum ks_input_kind kind);

/* Opens @path and detects its kind from its content. A module needs
 * @base (the vmlinux it was built against); @base must outlive the input. */
int ks_input_open(struct ks_input **out, const char *path, struct btf *base);
void ks_input_free(struct ks_input *in);

/* Release name from a btfhub-style file name ("5.4.0-91-generic.btf"),
 * or NULL when the name does not look like one. */
char *ks_input_release_from_filename(const char *path);

/* The lineage parts a release name implies, or NULL / "generic". */
const char *ks_release_arch(const char *release);
const char *ks_release_flavor(const char *release);

/* The host's architecture as `uname -m` spells it. */
const char *ks_host_arch(void);

#endif
