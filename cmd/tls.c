/* Only commands that talk to other machines pay for TLS certificates.
 *
 * libgit2 1.5 with mbedTLS (Debian's build) parses the whole system CA
 * bundle inside git_libgit2_init(): 56 of the 73 million instructions
 * of a `kstruct show`, about 1.6 ms of a 4 ms command, for a query that
 * never opens a connection. kstruct defines the two mbedTLS functions
 * that libgit2 loads certificates with; being in the executable, these
 * come first in symbol lookup (the link exports them), so libgit2 calls
 * them, and they call mbedTLS's own only when a command that syncs
 * asked for it. A libgit2 built with OpenSSL never calls them. */
#include <dlfcn.h>

#include "cmd.h"

static int tls_wanted;

void tls_enable(void)
{
	tls_wanted = 1;
}

/* the real function of that name in the libraries after this binary */
static void *next_fn(const char *name)
{
	return dlsym(RTLD_NEXT, name);
}

/* The declarations are mbedTLS's (x509_crt.h), the chain opaque here. */
int mbedtls_x509_crt_parse_file(void *chain, const char *path);
int mbedtls_x509_crt_parse_path(void *chain, const char *path);

int mbedtls_x509_crt_parse_file(void *chain, const char *path)
{
	int (*fn)(void *, const char *);

	if (!tls_wanted)
		return 0;	/* no certificates: no command here connects */
	*(void **)&fn = next_fn("mbedtls_x509_crt_parse_file");
	return fn ? fn(chain, path) : -1;
}

int mbedtls_x509_crt_parse_path(void *chain, const char *path)
{
	int (*fn)(void *, const char *);

	if (!tls_wanted)
		return 0;
	*(void **)&fn = next_fn("mbedtls_x509_crt_parse_path");
	return fn ? fn(chain, path) : -1;
}
