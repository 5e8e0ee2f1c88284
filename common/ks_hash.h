/* SHA-1 (git object ids, pack checksums) and SHA-256 (BTF digests)
 * through OpenSSL's libcrypto: libgit2 keeps its own hashing private. */
#ifndef KS_HASH_H
#define KS_HASH_H

#include <stddef.h>

void ks_sha256(unsigned char out[32], const void *data, size_t len);
void ks_hex(char *out, const unsigned char *bin, size_t n); /* writes 2n+1 */

struct ks_sha1;
struct ks_sha1 *ks_sha1_new(void);
void ks_sha1_update(struct ks_sha1 *c, const void *data, size_t len);
void ks_sha1_final(struct ks_sha1 *c, unsigned char out[20]); /* and frees */
/* Writes the digest and starts @c over: one context for many small
 * objects (a new one costs an allocation and an init per object). */
void ks_sha1_next(struct ks_sha1 *c, unsigned char out[20]);
void ks_sha1_free(struct ks_sha1 *c);

#endif
