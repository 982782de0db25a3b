// SPDX-License-Identifier: GPL-2.0
/*
 * Helper programs the CLI runs and reads (decompressors, systemctl).
 */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include "subprocess.h"

extern char **environ;

/*
 * Run @argv with stdin from @in (-1: /dev/null), stdout into a pipe whose
 * read end is returned in @out, stderr to /dev/null.  Return: pid, or a
 * negative errno (-ENOENT: no such program).
 */
pid_t plu_spawn_reader(const char *const argv[], int in, int *out)
{
	posix_spawn_file_actions_t fa;
	int p[2], err;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC))
		return -errno;
	posix_spawn_file_actions_init(&fa);
	if (in >= 0)
		posix_spawn_file_actions_adddup2(&fa, in, 0);
	else
		posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, p[1], 1);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	err = posix_spawnp(&pid, argv[0], &fa, NULL, (char *const *)argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(p[1]);
	if (err) {
		close(p[0]);
		return -err;
	}
	*out = p[0];
	return pid;
}

/*
 * Wait for @pid.  Return: its exit status, 128 + the signal that ended it,
 * or -1 with errno set.
 */
int plu_reap(pid_t pid)
{
	int status;

	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			return -1;
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
