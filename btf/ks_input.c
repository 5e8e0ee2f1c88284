/* Input detection is by content: a file's name says nothing reliable
 * about what it holds (btfhub ".btf" files are raw BTF, "vmlinux" may be
 * anything). */
#include "ks_input.h"

#include <bpf/btf.h>
#include <errno.h>
#include <pthread.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "ks_btf_check.h"
#include "ks_buf.h"
#include "ks_distro.h"
#include "ks_err.h"
#include "ks_file.h"
#include "ks_hash.h"
#include "ks_symbols.h"
#include "ks_unpack.h"

#define BTF_MAGIC_LE "\x9f\xeb"
#define BTF_MAGIC_BE "\xeb\x9f"

const char *ks_input_kind_name(enum ks_input_kind kind)
{
	switch (kind) {
	case KS_INPUT_RAW: return "raw BTF";
	case KS_INPUT_ELF: return "ELF";
	case KS_INPUT_MODULE: return "kernel module";
	}
	return "?";
}

const char *ks_host_arch(void)
{
	static struct utsname u;

	if (!u.machine[0] && uname(&u))
		return "unknown";
	return u.machine;
}

static const char *elf_arch(GElf_Ehdr *eh)
{
	int be = eh->e_ident[EI_DATA] == ELFDATA2MSB;

	switch (eh->e_machine) {
	case EM_X86_64: return "x86_64";
	case EM_AARCH64: return "aarch64";
	case EM_386: return "i386";
	case EM_ARM: return "arm";
	case EM_S390: return "s390x";
	case EM_PPC64: return be ? "ppc64" : "ppc64le";
	case EM_PPC: return "ppc";
	case EM_RISCV: return "riscv64";
	case EM_MIPS: return be ? "mips" : "mipsel";
#ifdef EM_LOONGARCH
	case EM_LOONGARCH: return "loongarch64";
#endif
	default: return NULL; /* includes EM_BPF: BPF objects have no kernel arch */
	}
}

/* A release name as the kernel prints it: a digit first, then no blanks. */
static char *release_token(const unsigned char *p, size_t avail)
{
	size_t n = 0;

	if (!avail || p[0] < '0' || p[0] > '9')
		return NULL;
	while (n < avail && n < 256 && p[n] > ' ' && p[n] < 0x7f)
		n++;
	return ks_xstrndup((const char *)p, n);
}

/* vmlinux carries "Linux version <release> (builder) ..." in .rodata;
 * *@at gets where <release> starts. */
static char *find_banner(const unsigned char *p, size_t len, const unsigned char **at_rel)
{
	static const char needle[] = "Linux version ";
	const size_t nl = sizeof(needle) - 1;
	const unsigned char *at = p, *end = p + len;

	while (at < end) {
		const unsigned char *hit = memmem(at, (size_t)(end - at), needle, nl);
		char *rel;

		if (!hit)
			return NULL;
		rel = release_token(hit + nl, (size_t)(end - hit - nl));
		if (rel) {
			*at_rel = hit + nl;
			return rel;
		}
		at = hit + 1;
	}
	return NULL;
}

/* A module's .modinfo holds "vermagic=<release> SMP ...". */
static char *find_vermagic(const unsigned char *p, size_t len)
{
	static const char key[] = "vermagic=";
	const unsigned char *hit = memmem(p, len, key, sizeof(key) - 1);

	if (!hit)
		return NULL;
	return release_token(hit + sizeof(key) - 1,
			     (size_t)(p + len - hit - (sizeof(key) - 1)));
}

char *ks_input_release_from_filename(const char *path)
{
	const char *base = strrchr(path, '/');
	size_t n;

	base = base ? base + 1 : path;
	n = strlen(base);
	if (n > 4 && !strcmp(base + n - 4, ".btf"))
		n -= 4;
	else
		return NULL;
	if (base[0] < '0' || base[0] > '9' || !memchr(base, '.', n))
		return NULL;
	return ks_xstrndup(base, n);
}

static int has_suffix(const char *s, size_t n, const char *suf)
{
	size_t m = strlen(suf);

	return n >= m && !memcmp(s + n - m, suf, m);
}

/* btfhub-archive's arch folders. */
static int btfhub_arch(const char *a, size_t n)
{
	static const char *const archs[] = {
		"x86_64", "arm64", "aarch64", "s390x", "ppc64le", "riscv64",
	};
	size_t i;

	for (i = 0; i < sizeof(archs) / sizeof(archs[0]); i++)
		if (strlen(archs[i]) == n && !memcmp(archs[i], a, n))
			return 1;
	return 0;
}

/* A distro folder's name: what ks_distro_check_name() takes. */
static int distro_name(const char *p, size_t n)
{
	size_t i;

	if (!n)
		return 0;
	for (i = 0; i < n; i++)
		if (!((p[i] >= 'a' && p[i] <= 'z') || (p[i] >= '0' && p[i] <= '9') ||
		      (i && (p[i] == '_' || p[i] == '.' || p[i] == '-'))))
			return 0;
	return 1;
}

char *ks_input_distro_from_path(const char *path, char **why)
{
	const char *part[4], *end[4], *p = path + strlen(path), *v;
	size_t fn;
	int i;

	if (why)
		*why = NULL;
	/* the last four parts: distro, version, arch, file */
	for (i = 3; i >= 0; i--) {
		end[i] = p;
		while (p > path && p[-1] != '/')
			p--;
		part[i] = p;
		if (i && p-- == path)
			return NULL;
	}
	fn = (size_t)(end[3] - part[3]);
	if (!has_suffix(part[3], fn, ".btf.tar.xz") && !has_suffix(part[3], fn, ".btf"))
		return NULL;
	/* versions are numbers ("8", "20.04"), Kylin's "v10" too; the
	 * folder names go into messages, so only such names count */
	v = part[1] + (part[1][0] == 'v');
	if (*v < '0' || *v > '9' || !distro_name(part[1], (size_t)(end[1] - part[1])) ||
	    !btfhub_arch(part[2], (size_t)(end[2] - part[2])) ||
	    !distro_name(part[0], (size_t)(end[0] - part[0])))
		return NULL;
	if (why)
		*why = ks_xasprintf("the btfhub-archive path %.*s/", (int)(end[2] - part[0]),
				    part[0]);
	return ks_xstrndup(part[0], (size_t)(end[0] - part[0]));
}

const char *ks_input_distro(const struct ks_input *in, const char *release,
			    const char **why)
{
	const char *d, *w = NULL;

	if (!release)
		release = in->release;
	if (in->pkg_distro) {
		d = in->pkg_distro;
		w = in->pkg_why;
	} else if (in->path_distro) {
		d = in->path_distro;
		w = in->path_why;
	} else if (!(d = ks_distro_from_release(release, &w))) {
		d = in->banner_distro;
		w = in->banner_why;
	}
	if (why)
		*why = d ? w : NULL;
	return d;
}

static const struct {
	const char *suffix;
	const char *arch;
} arch_suffixes[] = {
	{ "-amd64", "x86_64" }, { ".x86_64", "x86_64" }, { "-x86_64", "x86_64" },
	{ "-arm64", "aarch64" }, { ".aarch64", "aarch64" }, { "-aarch64", "aarch64" },
	{ "-686-pae", "i386" }, { "-686", "i386" }, { ".i686", "i386" },
	{ "-armmp", "arm" }, { "-armmp-lpae", "arm" },
	{ "-ppc64el", "ppc64le" }, { ".ppc64le", "ppc64le" },
	{ "-s390x", "s390x" }, { ".s390x", "s390x" },
	{ "-riscv64", "riscv64" }, { ".riscv64", "riscv64" },
	{ "-loong64", "loongarch64" }, { ".loongarch64", "loongarch64" },
};

static size_t strip_arch(const char *release, const char **arch)
{
	size_t n = strlen(release), i;

	for (i = 0; i < sizeof(arch_suffixes) / sizeof(arch_suffixes[0]); i++) {
		if (has_suffix(release, n, arch_suffixes[i].suffix)) {
			if (arch)
				*arch = arch_suffixes[i].arch;
			return n - strlen(arch_suffixes[i].suffix);
		}
	}
	if (arch)
		*arch = NULL;
	return n;
}

const char *ks_release_arch(const char *release)
{
	const char *arch;

	strip_arch(release, &arch);
	return arch;
}

const char *ks_release_flavor(const char *release)
{
	static const char *const flavors[] = {
		"generic", "cloud", "rt", "aws", "azure", "gcp", "lowlatency",
		"oracle", "kvm", "ibm", "raspi", "oem",
	};
	size_t n = strip_arch(release, NULL), i;

	for (i = 0; i < sizeof(flavors) / sizeof(flavors[0]); i++) {
		size_t m = strlen(flavors[i]);

		if (n > m + 1 && release[n - m - 1] == '-' &&
		    !memcmp(release + n - m, flavors[i], m))
			return flavors[i];
	}
	return "generic";
}

static int is_running_kernel_btf(const char *path)
{
	char real[PATH_MAX];

	return realpath(path, real) && !strcmp(real, "/sys/kernel/btf/vmlinux");
}

/* Copies the raw BTF section bytes so they outlive the mapping, checks
 * its header and parses it. */
struct digest_job {
	unsigned char *out;
	const unsigned char *data;
	size_t len;
};

static void *digest(void *arg)
{
	struct digest_job *d = arg;

	ks_sha256(d->out, d->data, d->len);
	return NULL;
}

static int parse_btf(struct ks_input *in, const unsigned char *data,
		     size_t len, struct btf *base, const char *elf_path)
{
	struct digest_job d = { in->sha256, data, len };
	pthread_t tid;
	int err, e, threaded;

	if (len < 24 || (memcmp(data, BTF_MAGIC_LE, 2) && memcmp(data, BTF_MAGIC_BE, 2)))
		return ks_err_set(KS_EFORMAT, "%s: no BTF header", in->path);
	if (len > UINT32_MAX)
		return ks_err_set(KS_EFORMAT, "%s: BTF larger than 4 GiB", in->path);
	if ((err = ks_btf_check_header(in, data)))
		return err;
	/* the digest of a kernel's BTF (~6 ms) beside libbpf's parse and
	 * the checks, which do not need it */
	threaded = !pthread_create(&tid, NULL, digest, &d);
	if (!threaded)
		digest(&d);
	errno = 0;
	/* libbpf 1.1 does not export btf__new_split(); for a module, let
	 * it read the same section from the file. */
	in->btf = base ? btf__parse_elf_split(elf_path, base)
		       : btf__new(data, (__u32)len);
	e = errno ? errno : EINVAL;
	if (in->btf) {
		in->start_id = base ? btf__type_cnt(base) : 1;
		err = ks_btf_check(in);
	}
	if (threaded)
		pthread_join(tid, NULL);
	if (!in->btf)
		return ks_err_set(KS_EFORMAT, "%s: invalid or truncated BTF (%s)",
				  in->path, strerror(e));
	return err;
}

static int open_elf(struct ks_input *in, const struct ks_file_bytes *fb,
		    struct btf *base, int unpacked)
{
	char memfd_path[64] = "";
	const char *elf_path = in->path;
	Elf *elf;
	GElf_Ehdr eh;
	GElf_Shdr sh;
	Elf_Scn *scn;
	size_t shstrndx, shnum;
	int err, r;

	elf_version(EV_CURRENT);
	elf = elf_memory((char *)fb->p, fb->len);
	if (!elf || !gelf_getehdr(elf, &eh) || elf_getshdrstrndx(elf, &shstrndx) ||
	    elf_getshdrnum(elf, &shnum)) {
		err = ks_err_set(KS_EFORMAT, "%s: corrupt ELF file (%s)", in->path,
				 elf_errmsg(-1));
		goto out;
	}
	/* libelf takes a section table past the end for no sections at all */
	if (eh.e_shnum && (eh.e_shoff > fb->len || eh.e_shentsize < sizeof(Elf32_Shdr) ||
			   eh.e_shnum > (fb->len - eh.e_shoff) / eh.e_shentsize)) {
		err = ks_err_set(KS_EFORMAT, "%s: truncated or corrupt ELF file (%u section "
				 "headers at byte %llu, the file has %zu bytes)", in->path,
				 eh.e_shnum, (unsigned long long)eh.e_shoff, fb->len);
		goto out;
	}
	if (shnum && shstrndx >= shnum) {
		err = ks_err_set(KS_EFORMAT, "%s: corrupt ELF file (section names in "
				 "section %zu of %zu)", in->path, shstrndx, shnum);
		goto out;
	}
	if (elf_arch(&eh))
		in->arch = ks_xstrdup(elf_arch(&eh));

	r = ks_elf_section(elf, shstrndx, ".modinfo", fb->len, &sh, &scn);
	if (r > 0 && sh.sh_type != SHT_NOBITS) {
		in->kind = KS_INPUT_MODULE;
		in->release = find_vermagic(fb->p + sh.sh_offset, sh.sh_size);
	} else {
		in->kind = KS_INPUT_ELF;
	}

	r = ks_elf_section(elf, shstrndx, ".BTF", fb->len, &sh, &scn);
	if (r < 0) {
		err = ks_err_set(KS_EFORMAT, "%s: corrupt or truncated ELF section table",
				 in->path);
		goto out;
	}
	if (r == 0 || sh.sh_type == SHT_NOBITS) {
		err = ks_err_set(KS_EFORMAT, "%s: ELF file has no .BTF section "
				 "(kernel built without CONFIG_DEBUG_INFO_BTF?)",
				 in->path);
		goto out;
	}
	if (in->kind == KS_INPUT_MODULE && !base) {
		err = ks_err_set(KS_EINVAL, "%s: a kernel module's BTF is split BTF; "
				 "name the vmlinux it was built for with --base",
				 in->path);
		goto out;
	}
	if (in->kind == KS_INPUT_MODULE && unpacked) {
		/* libbpf reads split BTF only from a file (1.1 exports no
		 * btf__new_split): give it the unpacked module as one */
		int mfd = memfd_create("kstruct-module", MFD_CLOEXEC);

		if (mfd < 0 || write(mfd, fb->p, fb->len) != (ssize_t)fb->len) {
			if (mfd >= 0)
				close(mfd);
			err = ks_err_set(KS_EIO, "%s: cannot hold the unpacked module", in->path);
			goto out;
		}
		snprintf(memfd_path, sizeof(memfd_path), "/proc/self/fd/%d", mfd);
		elf_path = memfd_path;
	}
	err = parse_btf(in, fb->p + sh.sh_offset, sh.sh_size,
			in->kind == KS_INPUT_MODULE ? base : NULL, elf_path);
	if (memfd_path[0])
		close(atoi(memfd_path + strlen("/proc/self/fd/")));
	if (err)
		goto out;
	if (in->kind == KS_INPUT_ELF) {
		const unsigned char *b = NULL;

		in->release = find_banner(fb->p, fb->len, &b);
		if (b)
			in->banner_distro = ks_distro_from_banner((const char *)b,
								  (size_t)(fb->p + fb->len - b),
								  &in->banner_why);
	}
	/* a vmlinux with debug info keeps .symtab, a vmlinuz's is stripped;
	 * a module always has one (the kernel links it at load time) */
	if (!ks_symtab_from_elf(&in->symtab, fb->p, fb->len))
		in->symtab_from = ks_xstrdup(in->kind == KS_INPUT_MODULE ? "the module's .symtab"
								    : "the ELF's .symtab");
	ks_err_clear();
out:
	elf_end(elf);
	return err;
}

int ks_input_open(struct ks_input **out, const char *path, struct btf *base)
{
	struct ks_input *in = ks_xcalloc(1, sizeof(*in));
	struct ks_unpacked u = { 0 };
	struct ks_file_bytes fb;
	int err, unpacked;

	in->path = ks_xstrdup(path);
	err = ks_file_read(&fb, path);
	if (err)
		goto fail;
	/* packages, images, archives and compressed files: down to the
	 * ELF or raw BTF inside, named path:member in messages */
	unpacked = ks_unpack(&u, path, fb.p, fb.len);
	if (unpacked < 0) {
		err = unpacked;
		ks_file_bytes_free(&fb);
		goto fail;
	}
	if (unpacked) {
		ks_file_bytes_free(&fb);
		fb.p = fb.heap = u.data;
		fb.len = u.len;
		u.data = NULL;
		free(in->path);
		in->path = ks_xstrdup(u.name);
	}

	if (fb.len == 0) {
		err = ks_err_set(KS_ENOTKERNEL, "%s: file is empty", path);
	} else if (fb.len >= 4 && !memcmp(fb.p, ELFMAG, SELFMAG)) {
		err = open_elf(in, &fb, base, unpacked);
	} else if (fb.len >= 2 && (!memcmp(fb.p, BTF_MAGIC_LE, 2) ||
				   !memcmp(fb.p, BTF_MAGIC_BE, 2))) {
		in->kind = KS_INPUT_RAW;
		err = parse_btf(in, fb.p, fb.len, NULL, NULL);
		in->running_kernel = is_running_kernel_btf(path);
		if (!err && in->running_kernel) {
			struct utsname u;

			if (!uname(&u))
				in->release = ks_xstrdup(u.release);
		}
		if (!err && !in->release && !unpacked)
			in->release = ks_input_release_from_filename(path);
	} else {
		err = ks_err_set(KS_ENOTKERNEL, "%s: not BTF, ELF or a kernel module "
				 "(unrecognised content)", path);
	}
	ks_file_bytes_free(&fb);
	if (!err && unpacked) {
		/* what the package says, where the kernel itself said nothing */
		if (!in->release && u.release)
			in->release = ks_xstrdup(u.release);
		if (!in->arch && u.arch)
			in->arch = ks_xstrdup(u.arch);
		if (u.distro) {
			in->pkg_distro = ks_xstrdup(u.distro);
			in->pkg_why = ks_xstrdup(u.distro_why);
		}
		if (!in->banner_distro) {
			in->banner_distro = u.banner_distro;
			in->banner_why = u.banner_why;
		}
		if (!in->symtab && u.sysmap &&
		    !ks_symtab_from_map(&in->symtab, (const char *)u.sysmap, u.sysmap_len, 0))
			in->symtab_from = ks_xstrdup(u.sysmap_name);
		ks_err_clear();
	}
	if (!err) {
		const char *d, *w;

		in->path_distro = ks_input_distro_from_path(path, &in->path_why);
		if ((d = ks_input_distro(in, NULL, &w))) {
			in->distro = ks_xstrdup(d);
			in->distro_why = ks_xstrdup(w);
		}
	}
	ks_unpacked_free(&u);
	if (err)
		goto fail;
	*out = in;
	return 0;
fail:
	ks_input_free(in);
	return err;
}

int ks_input_read_kallsyms(struct ks_input *in, const char *release)
{
	const char *env = getenv("KSTRUCT_KALLSYMS"), *path;
	struct ks_file_bytes fb;
	struct utsname u;
	int err;

	if (in->symtab || in->kind != KS_INPUT_RAW || !release || (env && !*env))
		return 0;
	/* kallsyms describes the kernel that runs, no other release */
	if ((!env && !in->running_kernel) || uname(&u) || strcmp(u.release, release))
		return 0;
	path = env ? env : "/proc/kallsyms";
	err = ks_file_read(&fb, path);
	if (err) {
		if (env) {
			ks_err_prefix("$KSTRUCT_KALLSYMS");
			return err;
		}
		ks_err_clear();
		return 0;
	}
	if (!ks_symtab_from_map(&in->symtab, (const char *)fb.p, fb.len, 0))
		in->symtab_from = ks_xstrdup(path);
	ks_err_clear();
	ks_file_bytes_free(&fb);
	return 0;
}

void ks_input_free(struct ks_input *in)
{
	if (!in)
		return;
	ks_symtab_free(in->symtab);
	free(in->symtab_from);
	btf__free(in->btf);
	free(in->path);
	free(in->release);
	free(in->arch);
	free(in->distro);
	free(in->distro_why);
	free(in->pkg_distro);
	free(in->pkg_why);
	free(in->path_distro);
	free(in->path_why);
	free(in);
}
