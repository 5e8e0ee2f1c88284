/* Test helper: the scratch folder a suite works in, and files in it.
 * Failures abort the test (cmocka asserts), so callers need no checks. */
#ifndef KS_TEST_FS_H
#define KS_TEST_FS_H

#include <stddef.h>

/* A new empty folder /tmp/ks_<tag>_XXXXXX; the caller frees the path. */
char *ks_test_mkdtemp(const char *tag);
void ks_test_rm_rf(const char *path);
void ks_test_write_file(const char *path, const void *data, size_t len);

/* For suites with one scratch folder: the group setup makes it (named
 * after the suite's program), the teardown removes it. */
extern char *ks_test_dir;
int ks_test_dir_setup(void **state);
int ks_test_dir_teardown(void **state);
/* "<ks_test_dir>/<name>", allocated. */
char *ks_test_path(const char *name);

#endif
