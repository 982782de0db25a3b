// SPDX-License-Identifier: GPL-2.0
/*
 * plu-fdstore-test NAME TEXT RESULT: the body of plu-fdstore-test.service in
 * the distro test, a service of someone else than us that keeps a file in
 * its systemd fd store across "systemctl kexec" (FileDescriptorStorePreserve=
 * yes).  The test checks that our module breaks nothing for it.
 *
 * At start: if systemd passed a file named NAME (the fd store handed back
 * after the kexec), write "got NAME: CONTENT" to RESULT; else make a sealed
 * memfd holding TEXT, put it into the fd store as NAME and write "stored
 * NAME" to RESULT.  Then report READY=1 and wait to be stopped.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <systemd/sd-daemon.h>

static int result(const char *path, const char *fmt, const char *a, const char *b)
{
	FILE *f = fopen(path, "w");

	printf(fmt, a, b);
	fflush(stdout);
	if (!f) {
		perror(path);
		return -1;
	}
	fprintf(f, fmt, a, b);
	return fclose(f) ? -1 : 0;
}

static int passed_fd(const char *name)
{
	char **names = NULL;
	int n, i, fd = -1;

	n = sd_listen_fds_with_names(1, &names);
	for (i = 0; i < n; i++) {
		if (fd < 0 && names && names[i] && !strcmp(names[i], name))
			fd = SD_LISTEN_FDS_START + i;
		else
			close(SD_LISTEN_FDS_START + i);
	}
	if (names) {
		for (i = 0; names[i]; i++)
			free(names[i]);
		free(names);
	}
	return fd;
}

int main(int argc, char **argv)
{
	const char *name, *text, *res;
	char msg[256], buf[256];
	ssize_t len;
	int fd, r;

	if (argc != 4) {
		fprintf(stderr, "usage: %s NAME TEXT RESULT\n", argv[0]);
		return 2;
	}
	name = argv[1];
	text = argv[2];
	res = argv[3];
	fd = passed_fd(name);
	if (fd >= 0) {
		len = pread(fd, buf, sizeof(buf) - 1, 0);
		if (len < 0) {
			snprintf(buf, sizeof(buf), "(read: %s)", strerror(errno));
			len = strlen(buf);
		}
		buf[len] = '\0';
		if (result(res, "got %s: %s\n", name, buf))
			return 1;
	} else {
		fd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
		len = strlen(text);
		if (fd < 0 || write(fd, text, len) != len ||
		    fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW |
			  F_SEAL_WRITE | F_SEAL_SEAL)) {
			perror("memfd");
			return 1;
		}
		snprintf(msg, sizeof(msg), "FDSTORE=1\nFDNAME=%s", name);
		r = sd_pid_notify_with_fds(0, 0, msg, &fd, 1);
		if (r <= 0) {
			fprintf(stderr, "FDSTORE=1: %s\n", r ? strerror(-r) : "no $NOTIFY_SOCKET");
			return 1;
		}
		if (result(res, "stored %s%s\n", name, ""))
			return 1;
	}
	sd_notify(0, "READY=1");
	for (;;)
		pause();
}
