/* Output for people, as git does it: colour only on a terminal (and
 * never with NO_COLOR), long output through $PAGER (less -FRX). */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cmd.h"

static int use_color;
static pid_t pager_pid;

const char *col(const char *code)
{
	return use_color ? code : "";
}

void out_begin(enum out_format fmt)
{
	const char *pager, *nc = getenv("NO_COLOR"), *term = getenv("TERM");
	int fds[2];

	if (!isatty(STDOUT_FILENO) || fmt == FMT_JSON)
		return;
	use_color = !(nc && nc[0]) && !(term && !strcmp(term, "dumb"));
	pager = getenv("KSTRUCT_PAGER");
	if (!pager)
		pager = getenv("PAGER");
	if (!pager)
		pager = "less";
	if (!pager[0] || !strcmp(pager, "cat") || pipe(fds))
		return;
	fflush(stdout);
	pager_pid = fork();
	if (pager_pid < 0) {
		pager_pid = 0;
		close(fds[0]);
		close(fds[1]);
		return;
	}
	if (pager_pid == 0) {
		dup2(fds[0], STDIN_FILENO);
		close(fds[0]);
		close(fds[1]);
		/* quit when it fits on a screen, keep colours, no init */
		setenv("LESS", "FRX", 0);
		execl("/bin/sh", "sh", "-c", pager, (char *)NULL);
		_exit(127);
	}
	dup2(fds[1], STDOUT_FILENO);
	close(fds[0]);
	close(fds[1]);
	/* the reader may quit early; that is not an error */
	signal(SIGPIPE, SIG_IGN);
}

void out_end(void)
{
	fflush(stdout);
	if (!pager_pid)
		return;
	close(STDOUT_FILENO);
	waitpid(pager_pid, NULL, 0);
	pager_pid = 0;
}
