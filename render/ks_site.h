/* The pages of a static HTML site of the whole store, usable from file://
 * (no server, no fetch): index.html (every struct and union against the
 * regular releases, with client-side search; KIND.html the same for each
 * other kind), one report page per definition (s/NAME.html, u/NAME.html,
 * KIND/NAME.html; NAME~2.html for a name's second definition in a
 * release), one page per pair of consecutive regular
 * releases (d/A..B.html) and search.js, the search's data as a script.
 *
 * Names from the store are escaped in every page; file names are made
 * from them with KS_ESC_FILE (a name of letters, digits, '.', '_', '-',
 * '+' is its own file name; one longer than 100 bytes so encoded is cut
 * and ends in '~' and 24 hex digits of the name's SHA-256) and links to
 * them with KS_ESC_URL.
 */
#ifndef KS_SITE_H
#define KS_SITE_H

#include <stddef.h>

#include "ks_store.h"

/* Receives each page: @path relative to the site's root, in one of the
 * folders s/, u/, d/, KIND/ or at the top. A non-zero return stops the
 * rendering and is returned. Nothing is put when the walk fails. */
typedef int (*ks_site_put_fn)(const char *path, const char *buf, size_t len, void *ctx);

/* Renders every page of @store's site, in a deterministic order, for
 * the kinds in @kinds (bit 1u << enum ks_kind). */
int ks_site_render(struct ks_store *store, unsigned int kinds, ks_site_put_fn put, void *ctx);

#endif
