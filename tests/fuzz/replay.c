/* Runs a harness's LLVMFuzzerTestOneInput over files and folders of
 * inputs without libFuzzer, so that every compiler's build replays the
 * regression inputs (tests/fuzz/regressions/<harness>/) and the seeds.
 * A harness that finds a bug aborts; so does this program then, and so
 * does an input that runs longer than libFuzzer's -timeout in bench/fuzz.sh
 * (10 s; KS_FUZZ_TIMEOUT=SECONDS): a hang. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz_common.h"

static unsigned long nrun;
static unsigned int timeout = 10;
static const char *current;

static void on_alarm(int sig)
{
	static const char msg[] = "replay: input runs longer than the timeout (a hang): ";

	(void)sig;
	(void)!write(2, msg, sizeof(msg) - 1);
	(void)!write(2, current, strlen(current));
	(void)!write(2, "\n", 1);
	abort();
}

static int run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf = NULL;
	size_t len = 0, cap = 0;

	if (!f) {
		perror(path);
		return -1;
	}
	for (;;) {
		size_t n;

		if (len == cap) {
			cap = cap ? cap * 2 : 1 << 16;
			buf = realloc(buf, cap);
			if (!buf)
				abort();
		}
		n = fread(buf + len, 1, cap - len, f);
		if (!n)
			break;
		len += n;
	}
	if (ferror(f)) {
		perror(path);
		fclose(f);
		free(buf);
		return -1;
	}
	fclose(f);
	/* libFuzzer's buffers are exactly as long as the input: so is this
	 * copy, so that AddressSanitizer sees any read past its end */
	{
		unsigned char *exact = malloc(len ? len : 1);

		if (!exact)
			abort();
		memcpy(exact, buf, len);
		free(buf);
		fprintf(stderr, "replay %s (%zu bytes)\n", path, len);
		current = path;
		alarm(timeout);
		LLVMFuzzerTestOneInput(exact, len);
		alarm(0);
		free(exact);
	}
	nrun++;
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int run_path(const char *path)
{
	struct stat st;
	struct dirent *de;
	char **names = NULL;
	size_t n = 0, i;
	DIR *d;
	int err = 0;

	if (stat(path, &st)) {
		perror(path);
		return -1;
	}
	if (!S_ISDIR(st.st_mode))
		return run_file(path);
	d = opendir(path);
	if (!d) {
		perror(path);
		return -1;
	}
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.' || !strncmp(de->d_name, "README", 6))
			continue;
		names = realloc(names, (n + 1) * sizeof(*names));
		if (!names)
			abort();
		names[n] = malloc(strlen(path) + strlen(de->d_name) + 2);
		if (!names[n])
			abort();
		sprintf(names[n++], "%s/%s", path, de->d_name);
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof(*names), cmp_str);
	for (i = 0; i < n; i++) {
		if (!err && run_path(names[i]))
			err = -1;
		free(names[i]);
	}
	free(names);
	return err;
}

int main(int argc, char **argv)
{
	int i, err = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: %s FILE|DIR...\n", argv[0]);
		return 2;
	}
	if (getenv("KS_FUZZ_TIMEOUT"))
		timeout = (unsigned int)atoi(getenv("KS_FUZZ_TIMEOUT"));
	signal(SIGALRM, on_alarm);
	LLVMFuzzerInitialize(&argc, &argv);
	for (i = 1; i < argc; i++)
		if (run_path(argv[i]))
			err = 1;
	printf("%s: %lu inputs ran clean\n", argv[0], nrun);
	return err;
}
