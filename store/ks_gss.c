/* GSSAPI, which libgit2 uses for one thing only (Negotiate/Kerberos
 * authentication over https), loaded when libgit2 first calls it.
 *
 * Debian has no static GSSAPI library, and linked as a shared object it
 * brings six more (krb5, k5crypto, com_err, krb5support, keyutils,
 * resolv) that the dynamic loader maps and relocates at the start of
 * every command: a tenth of a `kstruct show`, for a query that never
 * connects. libgit2, linked statically, calls the eight functions
 * below (and reads one name type); they forward to the real library, opened on the first call.
 * Without it a call fails as GSSAPI fails (GSS_S_FAILURE), and libgit2
 * then tries its other authentication schemes. */
#include <dlfcn.h>
#include <pthread.h>
#include <stdint.h>

#ifndef KS_GSSAPI_SONAME
#define KS_GSSAPI_SONAME "libgssapi_krb5.so.2"
#endif

/* RFC 2744's types, the structures opaque here: only pointers pass */
typedef uint32_t OM_uint32;
typedef void *gss_ptr;

#define GSS_S_FAILURE (13u << 16)

/* libgit2 also reads one variable: the name type of "HTTP@host". Its
 * value is the OID (RFC 2744, 1.2.840.113554.1.2.1.4), which the real
 * library compares by content. */
typedef struct {
	OM_uint32 length;
	void *elements;
} gss_OID_desc;
static gss_OID_desc hostbased = { 10, "\x2a\x86\x48\x86\xf7\x12\x01\x02\x01\x04" };
extern gss_OID_desc *GSS_C_NT_HOSTBASED_SERVICE;
gss_OID_desc *GSS_C_NT_HOSTBASED_SERVICE = &hostbased;

/* name, return type, parameters, arguments */
#define KS_GSS_FUNCS(X) \
	X(gss_import_name, (OM_uint32 *m, gss_ptr buf, gss_ptr type, gss_ptr *out), \
	  (m, buf, type, out)) \
	X(gss_init_sec_context, (OM_uint32 *m, gss_ptr cred, gss_ptr *ctx, gss_ptr target, \
				 gss_ptr mech, OM_uint32 flags, OM_uint32 time, gss_ptr cb, \
				 gss_ptr in, gss_ptr *actual, gss_ptr out, OM_uint32 *ret_flags, \
				 OM_uint32 *time_rec), \
	  (m, cred, ctx, target, mech, flags, time, cb, in, actual, out, ret_flags, time_rec)) \
	X(gss_delete_sec_context, (OM_uint32 *m, gss_ptr *ctx, gss_ptr out), (m, ctx, out)) \
	X(gss_display_status, (OM_uint32 *m, OM_uint32 status, int type, gss_ptr mech, \
			       OM_uint32 *msg_ctx, gss_ptr out), \
	  (m, status, type, mech, msg_ctx, out)) \
	X(gss_indicate_mechs, (OM_uint32 *m, gss_ptr *set), (m, set)) \
	X(gss_release_buffer, (OM_uint32 *m, gss_ptr buf), (m, buf)) \
	X(gss_release_name, (OM_uint32 *m, gss_ptr *name), (m, name)) \
	X(gss_release_oid_set, (OM_uint32 *m, gss_ptr *set), (m, set))

static struct {
#define KS_GSS_PTR(f, params, args) OM_uint32 (*f) params;
	KS_GSS_FUNCS(KS_GSS_PTR)
#undef KS_GSS_PTR
} real;

static pthread_once_t once = PTHREAD_ONCE_INIT;
static int loaded;

static void load(void)
{
	void *h = dlopen(KS_GSSAPI_SONAME, RTLD_NOW | RTLD_LOCAL);

	if (!h)
		return;
#define KS_GSS_SYM(f, params, args) \
	if (!(*(void **)&real.f = dlsym(h, #f))) \
		return;
	KS_GSS_FUNCS(KS_GSS_SYM)
#undef KS_GSS_SYM
	loaded = 1;
}

#define KS_GSS_DEF(f, params, args) \
	OM_uint32 f params; \
	OM_uint32 f params \
	{ \
		pthread_once(&once, load); \
		if (loaded) \
			return real.f args; \
		if (m) \
			*m = 0; \
		return GSS_S_FAILURE; \
	}
KS_GSS_FUNCS(KS_GSS_DEF)
#undef KS_GSS_DEF
