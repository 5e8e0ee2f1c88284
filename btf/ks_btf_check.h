/* BTF as the kernel accepts it: the checks of the kernel's verifier that
 * matter to kstruct, on top of the ones libbpf 1.1 makes. */
#ifndef KS_BTF_CHECK_H
#define KS_BTF_CHECK_H

struct ks_input;

/* The header fields libbpf 1.1 lets pass (version, flags, length);
 * @data holds at least the 24-byte header. */
int ks_btf_check_header(const struct ks_input *in, const unsigned char *data);
/* Names, type references, cycles and member bounds of the types @in
 * itself defines (from in->start_id); KS_EFORMAT naming the type. */
int ks_btf_check(const struct ks_input *in);

#endif
