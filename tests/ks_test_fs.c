#include "ks_test_fs.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ks_buf.h"

char *ks_test_dir;

char *ks_test_mkdtemp(const char *tag)
{
	char *t = ks_xasprintf("/tmp/ks_%s_XXXXXX", tag);

	assert_non_null(mkdtemp(t));
	return t;
}

void ks_test_rm_rf(const char *path)
{
	char *cmd = ks_xasprintf("rm -rf '%s'", path);

	assert_int_equal(system(cmd), 0);
	free(cmd);
}

void ks_test_write_file(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

int ks_test_dir_setup(void **state)
{
	(void)state;
	ks_test_dir = ks_test_mkdtemp(program_invocation_short_name);	/* the suite */
	return 0;
}

int ks_test_dir_teardown(void **state)
{
	(void)state;
	ks_test_rm_rf(ks_test_dir);
	free(ks_test_dir);
	ks_test_dir = NULL;
	return 0;
}

char *ks_test_path(const char *name)
{
	return ks_xasprintf("%s/%s", ks_test_dir, name);
}
