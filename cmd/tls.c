/* Only commands that talk to other machines pay for TLS certificates.
 *
 * libgit2 1.5 with mbedTLS (Debian's build) parses the whole system CA
 * bundle inside git_libgit2_init(): 56 of the 73 million instructions
 * of a `kstruct show`, about 1.6 ms of a 4 ms command, for a query that
 * never opens a connection. The link wraps the two mbedTLS functions
 * libgit2 loads certificates with (ld --wrap, CMakeLists.txt): libgit2's
 * calls come here, and go on to mbedTLS only when a command that syncs
 * asked for it. */
#include "cmd.h"

static int tls_wanted;

void tls_enable(void)
{
	tls_wanted = 1;
}

/* mbedTLS's declarations (x509_crt.h), the chain opaque here */
int __real_mbedtls_x509_crt_parse_file(void *chain, const char *path);
int __real_mbedtls_x509_crt_parse_path(void *chain, const char *path);
int __wrap_mbedtls_x509_crt_parse_file(void *chain, const char *path);
int __wrap_mbedtls_x509_crt_parse_path(void *chain, const char *path);

int __wrap_mbedtls_x509_crt_parse_file(void *chain, const char *path)
{
	/* no certificates: no command here connects */
	return tls_wanted ? __real_mbedtls_x509_crt_parse_file(chain, path) : 0;
}

int __wrap_mbedtls_x509_crt_parse_path(void *chain, const char *path)
{
	return tls_wanted ? __real_mbedtls_x509_crt_parse_path(chain, path) : 0;
}
