/* One writer at a time: writers hold flock(2) on <gitdir>/kstruct.lock.
 * The kernel drops a flock when its holder dies, so an import killed at
 * any moment never leaves a lock that blocks the next command. Holding
 * it, a writer also knows that git's own lock files and temporary files
 * found in the store are leftovers of a killed run (every kstruct writer
 * makes them only while holding the lock), and removes them. Readers take
 * no lock: refs move by rename and objects are never changed. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ks_buf.h"
#include "ks_err.h"
#include "ks_store_int.h"

#define KS_LOCK_FILE "kstruct.lock"
#define KS_LOCK_WAIT_S 600

static int ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && !strcmp(s + a - b, suffix);
}

/* tmp_kstruct_<pid>_XXXXXX of a process that is gone */
static int dead_writer_tmp(const char *name)
{
	long pid;
	char *end;

	if (strncmp(name, "tmp_kstruct_", 12))
		return 0;
	pid = strtol(name + 12, &end, 10);
	if (end == name + 12 || *end != '_' || pid <= 0)
		return 1;	/* not ours to keep: an older naming */
	return kill((pid_t)pid, 0) && errno == ESRCH;
}

static int is_leftover(const char *dir_rel, const char *name)
{
	if (!dir_rel[0])
		return ends_with(name, ".lock") && strcmp(name, KS_LOCK_FILE) &&
		       strcmp(name, KS_REPACK_LOCK_FILE) && strcmp(name, KS_REPACK_QUEUE_FILE);
	if (!strncmp(dir_rel, "refs", 4) || !strncmp(dir_rel, "logs", 4))
		return ends_with(name, ".lock");
	if (!strncmp(dir_rel, "objects", 7))
		return !strncmp(name, "tmp_object_git2_", 16) ||
		       !strncmp(name, "pack_git2_", 10) || !strncmp(name, "tmp_pack_", 9) ||
		       dead_writer_tmp(name);
	return 0;
}

/* Removes leftovers in @rel (relative to the git dir) and below; refs
 * nest as deep as lineage names go, objects two levels. */
static size_t sweep(const char *gitdir, const char *rel, int depth)
{
	char *dir = ks_xasprintf("%s/%s", gitdir, rel);
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t removed = 0;

	if (!d) {
		free(dir);
		return 0;
	}
	while ((e = readdir(d))) {
		char *sub, *path;
		struct stat st;

		if (e->d_name[0] == '.')
			continue;
		path = ks_xasprintf("%s/%s", dir, e->d_name);
		if (lstat(path, &st)) {
			free(path);
			continue;
		}
		if (S_ISDIR(st.st_mode)) {
			sub = rel[0] ? ks_xasprintf("%s/%s", rel, e->d_name) : ks_xstrdup(e->d_name);
			/* a roll-up's own folder (ks_repack.c) holds libgit2's
			 * files of a pack being written, not leftovers, while
			 * its process lives: ks_repack__remove_dead, below */
			if (depth < 16 && strncmp(e->d_name, "tmp_kstruct_", 12) &&
			    (rel[0] || !strcmp(e->d_name, "refs") ||
					   !strcmp(e->d_name, "logs") ||
					   !strcmp(e->d_name, "objects")))
				removed += sweep(gitdir, sub, depth + 1);
			free(sub);
		} else if (S_ISREG(st.st_mode) && is_leftover(rel, e->d_name) &&
			   !unlink(path)) {
			removed++;
		}
		free(path);
	}
	closedir(d);
	free(dir);
	return removed;
}

static pid_t holder(int fd)
{
	char buf[32] = { 0 };

	if (pread(fd, buf, sizeof(buf) - 1, 0) <= 0)
		return 0;
	return (pid_t)atol(buf);
}

int ks_store_lock(struct ks_store *s)
{
	const char *gitdir = git_repository_path(s->repo);
	char *path;
	char pid[32];
	time_t start = time(NULL);
	int fd, told = 0, n;

	if (s->lock_depth++)
		return 0;
	path = ks_xasprintf("%s%s%s", gitdir, ends_with(gitdir, "/") ? "" : "/",
			    KS_LOCK_FILE);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0) {
		s->lock_depth = 0;
		n = ks_err_set(KS_EIO, "cannot open %s: %s", path, strerror(errno));
		free(path);
		return n;
	}
	while (flock(fd, LOCK_EX | LOCK_NB)) {
		if (errno != EWOULDBLOCK && errno != EINTR) {
			n = ks_err_set(KS_EIO, "cannot lock %s: %s", path, strerror(errno));
			goto fail;
		}
		if (time(NULL) - start >= KS_LOCK_WAIT_S) {
			n = ks_err_set(KS_EBUSY, "%s is still being written by another "
				       "kstruct (pid %ld) after %d s", s->path,
				       (long)holder(fd), KS_LOCK_WAIT_S);
			goto fail;
		}
		if (!told && time(NULL) - start >= 2) {
			fprintf(stderr, "kstruct: waiting for another kstruct (pid %ld) "
				"writing to %s\n", (long)holder(fd), s->path);
			told = 1;
		}
		usleep(20000);
	}
	/* who holds it, for the messages of those who wait */
	n = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) || pwrite(fd, pid, (size_t)n, 0) != n) {
		/* only a hint for those who wait */
	}
	free(path);
	s->lock_fd = fd;
	sweep(gitdir, "", 0);
	ks_repack__remove_dead(s->objdir);
	return 0;
fail:
	free(path);
	close(fd);
	s->lock_depth = 0;
	return n;
}

void ks_store_unlock(struct ks_store *s)
{
	if (!s->lock_depth || --s->lock_depth)
		return;
	if (s->lock_fd >= 0) {
		if (ftruncate(s->lock_fd, 0)) {
			/* a stale pid in it is only a hint */
		}
		close(s->lock_fd);	/* drops the flock */
	}
	s->lock_fd = -1;
}
