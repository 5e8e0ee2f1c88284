/* Reading one input file: what it is, its BTF bytes, its parsed BTF and
 * what it tells about the kernel it came from. Knows nothing of git. */
#ifndef KS_INPUT_H
#define KS_INPUT_H

#include <stddef.h>

struct btf;
struct ks_symtab;

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
	/* the distribution, as ks_input_distro() reads it for @release, or
	 * NULL when nothing says; @distro_why: where it came from */
	char *distro, *distro_why;
	/* what each source says, for ks_input_distro(); NULL when silent */
	char *pkg_distro, *pkg_why;	/* a .deb's control */
	char *path_distro, *path_why;	/* a btfhub-archive path */
	const char *banner_distro, *banner_why;	/* the Linux banner; static */
	/* the kernel's function symbols, NULL when the input carries none
	 * (raw BTF, a stripped vmlinux, Debian's stub System.map): then
	 * symbols are "not recorded", never "absent". @symtab_from says
	 * where they came from ("the ELF's .symtab", "X.deb:boot/System.map-R",
	 * "/proc/kallsyms"). A module's are its own functions only (those
	 * of its split BTF); its vmlinux's are in the base's ks_input. */
	struct ks_symtab *symtab;
	char *symtab_from;
	int running_kernel;	/* the file is /sys/kernel/btf/vmlinux */
};

const char *ks_input_kind_name(enum ks_input_kind kind);

/* Opens @path and detects its kind from its content. A module needs
 * @base (the vmlinux it was built against); @base must outlive the input. */
int ks_input_open(struct ks_input **out, const char *path, struct btf *base);
void ks_input_free(struct ks_input *in);

/* For raw BTF of the running kernel imported as @release: when @release
 * is the running kernel's (uname -r), reads its symbols from
 * /proc/kallsyms (module lines left out). $KSTRUCT_KALLSYMS=PATH reads
 * PATH instead, and then for any raw BTF imported as the running release
 * (so tests can give one); set but empty, no kallsyms is read. Does
 * nothing when @in has symbols already or is no raw BTF. Returns 0 also
 * when the kernel's kallsyms is unreadable (symbols are optional); an
 * error only when $KSTRUCT_KALLSYMS names a file that cannot be read. */
int ks_input_read_kallsyms(struct ks_input *in, const char *release);

/* Release name from a btfhub-style file name ("5.4.0-91-generic.btf"),
 * or NULL when the name does not look like one. */
char *ks_input_release_from_filename(const char *path);

/* The distribution a btfhub-archive path names: "centos" for
 * ".../centos/8/arm64/4.18.0-147.5.1.el8_1.aarch64.btf.tar.xz" (the
 * tree is <distro>/<version>/<arch>/<release>.btf.tar.xz), else NULL.
 * Allocated; *@why, if not NULL, gets an allocated phrase or NULL. */
char *ks_input_distro_from_path(const char *path, char **why);

/* The distribution of @in if it is @release (what import records; NULL
 * for the file's own), by precedence: a .deb's control, a btfhub-archive
 * path, the release string, the Linux banner. NULL when nothing says.
 * *@why gets where it came from. Both point into @in or are static. */
const char *ks_input_distro(const struct ks_input *in, const char *release,
			    const char **why);

/* The lineage parts a release name implies, or NULL / "generic". */
const char *ks_release_arch(const char *release);
const char *ks_release_flavor(const char *release);

/* The host's architecture as `uname -m` spells it. */
const char *ks_host_arch(void);

#endif
