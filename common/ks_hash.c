#include "ks_hash.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>

void ks_sha256(unsigned char out[32], const void *data, size_t len)
{
	unsigned int n = 32;

	EVP_Digest(data, len, out, &n, EVP_sha256(), NULL);
}

void ks_hex(char *out, const unsigned char *bin, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = digits[bin[i] >> 4];
		out[2 * i + 1] = digits[bin[i] & 15];
	}
	out[2 * n] = '\0';
}

struct ks_sha1 *ks_sha1_new(void)
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();

	if (!c || !EVP_DigestInit_ex(c, EVP_sha1(), NULL)) {
		fputs("kstruct: libcrypto has no SHA-1\n", stderr);
		abort();
	}
	return (struct ks_sha1 *)c;
}

void ks_sha1_update(struct ks_sha1 *c, const void *data, size_t len)
{
	EVP_DigestUpdate((EVP_MD_CTX *)c, data, len);
}

void ks_sha1_final(struct ks_sha1 *c, unsigned char out[20])
{
	unsigned int n = 20;

	EVP_DigestFinal_ex((EVP_MD_CTX *)c, out, &n);
	EVP_MD_CTX_free((EVP_MD_CTX *)c);
}
