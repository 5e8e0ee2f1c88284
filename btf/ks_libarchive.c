#include <dlfcn.h>
#include <pthread.h>

#include "ks_err.h"
#include "ks_libarchive.h"

/* The soname of the libarchive kstruct was built against (CMake). */
#ifndef KS_LIBARCHIVE_SONAME
#define KS_LIBARCHIVE_SONAME "libarchive.so.13"
#endif

struct ks_libarchive ks_la;

static pthread_once_t once = PTHREAD_ONCE_INIT;
static const char *missing;	/* what could not be loaded, or NULL */
static char why[256];

static void load(void)
{
	void *h = dlopen(KS_LIBARCHIVE_SONAME, RTLD_NOW | RTLD_LOCAL);
	const char *e;

	if (!h) {
		e = dlerror();
		snprintf(why, sizeof(why), "%s", e ? e : "not found");
		missing = KS_LIBARCHIVE_SONAME;
		return;
	}
#define KS_LA_LOAD(f) \
	if (!missing && !(*(void **)&ks_la.f = dlsym(h, #f))) \
		missing = #f;
	KS_LIBARCHIVE_FUNCS(KS_LA_LOAD)
#undef KS_LA_LOAD
	if (missing)
		snprintf(why, sizeof(why), "%s has no %s", KS_LIBARCHIVE_SONAME, missing);
}

int ks_libarchive_load(void)
{
	pthread_once(&once, load);
	if (!missing)
		return 0;
	return ks_err_set(KS_EIO, "cannot load libarchive, which reads packages and "
			  "compressed kernels: %s", why);
}
