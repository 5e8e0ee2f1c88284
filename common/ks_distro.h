/* Distributions: which one a kernel release belongs to, the upstream
 * version it claims to be based on, and the order of one distribution's
 * releases. Pure string logic, so store/ (lineage order) and btf/
 * (detection from inputs) share it without depending on each other.
 *
 * A lineage is "<distro>/<arch>/<flavor>" (debian/x86_64/generic,
 * centos/aarch64/generic, upstream/x86_64/generic for kernel.org builds,
 * unknown/... where nothing says which). Names: [a-z0-9][a-z0-9_.-]*.
 */
#ifndef KS_DISTRO_H
#define KS_DISTRO_H

#include <stddef.h>

#define KS_DISTRO_UNKNOWN "unknown"
#define KS_DISTRO_UPSTREAM "upstream"

/* 0, or KS_EINVAL with a message when @name is no valid distro name. */
int ks_distro_check_name(const char *name);

/* The distribution a release string names (".el8_1" -> "rhel", ".ky10"
 * -> "kylin", ".oe1" -> "openeuler", ".fc39" -> "fedora", ".amzn2" ->
 * "amzn", "-91-generic" -> "ubuntu", "-amd64"/"+deb12" -> "debian",
 * plain "6.8.1" -> "upstream"), or NULL when it does not say. Static
 * string. @why, if not NULL, gets a static phrase saying what decided
 * ("the release's .ky<N>"), or NULL.
 *
 * ".elN" names the RHEL family as a whole: CentOS, Alma, Rocky and
 * Oracle build the same sources with the same tag, so only another
 * source (a btfhub path, --distro) tells them apart. ".oeN.bclinux" is
 * "bclinux": BC-Linux rebuilds openEuler with its own patches, so its
 * kernels differ from openEuler's of the same number. */
const char *ks_distro_from_release(const char *release, const char **why);

/* Total order of two releases of @distro by that distro's version
 * scheme (RHEL 4.18.0-147.5.1 < 4.18.0-193; Ubuntu's ABI numbers;
 * Debian's revisions); for unknown distros natural version order:
 * digit runs compare as numbers. Returns <0, 0, >0; 0 only if equal. */
int ks_distro_version_cmp(const char *distro, const char *a, const char *b);

/* The upstream (kernel.org) version @release of @distro is based on:
 * "6.12.117" for 6.12.117+deb12-amd64, "6.1.0" for 6.1.0-47-amd64,
 * "4.18.0" for 4.18.0-147.5.1.el8_1.aarch64, "4.19.90" for
 * 4.19.90-24.4.v2101.ky10.aarch64. Allocated. */
char *ks_distro_upstream(const char *distro, const char *release);

/* How well two upstream versions (ks_distro_upstream's) line up: 2 when
 * equal ("4.18" and "4.18.0" are), 1 when one of them names only its
 * series ("X.Y" or "X.Y.0": Debian's 6.1.0-47 and RHEL's 4.18.0 are
 * built from a later stable release of that series, which their release
 * string does not say) and the other is of that series, else 0. */
int ks_distro_upstream_match(const char *a, const char *b);

/* The kernel version with the distro's ABI number, which the arches and
 * flavors of one build share: "6.1.0-47" for 6.1.0-47-cloud-amd64,
 * "4.18.0-147.5.1" for 4.18.0-147.5.1.el8_1.aarch64, "6.12.117" for
 * 6.12.117+deb12-arm64; the release itself when it starts with no
 * digit. Allocated. */
char *ks_distro_abi(const char *release);

/* The distribution the text after "Linux version " in a vmlinux names
 * ("(gcc (Ubuntu 11.4.0-1ubuntu1~22.04) ...)" -> "ubuntu", "Debian" ->
 * "debian", "Red Hat" -> "rhel"), or NULL. Reads at most @len bytes of
 * @banner, which need not be NUL-terminated. Static string; @why as for
 * ks_distro_from_release. */
const char *ks_distro_from_banner(const char *banner, size_t len, const char **why);

/* Natural version order, the fallback of ks_distro_version_cmp: digit
 * runs compare by value (4.8 < 4.10), the rest by byte; total (4.08 and
 * 4.8 differ). Also declared by store/ks_store.h for its callers. */
int ks_version_cmp(const char *a, const char *b);

#endif
