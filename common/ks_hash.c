#include "ks_hash.h"

#include <openssl/evp.h>
#include <pthread.h>
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

static EVP_MD *sha1_md;

static void sha1_fetch(void)
{
	sha1_md = EVP_MD_fetch(NULL, "SHA1", NULL);
}

struct ks_sha1 *ks_sha1_new(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	EVP_MD_CTX *c = EVP_MD_CTX_new();

	/* Fetched once: EVP_sha1() makes every init look the digest up in
	 * the provider store, which was most of hashing a small object and
	 * a tenth of an import (one id per type). */
	pthread_once(&once, sha1_fetch);
	if (!c || !sha1_md || !EVP_DigestInit_ex(c, sha1_md, NULL)) {
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

void ks_sha1_next(struct ks_sha1 *c, unsigned char out[20])
{
	unsigned int n = 20;

	EVP_DigestFinal_ex((EVP_MD_CTX *)c, out, &n);
	EVP_DigestInit_ex((EVP_MD_CTX *)c, NULL, NULL);
}

void ks_sha1_free(struct ks_sha1 *c)
{
	EVP_MD_CTX_free((EVP_MD_CTX *)c);
}
