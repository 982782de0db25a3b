/* SPDX-License-Identifier: GPL-2.0 */
#ifndef PLU_SUBPROCESS_H
#define PLU_SUBPROCESS_H

#include <sys/types.h>

pid_t plu_spawn_reader(const char *const argv[], int in, int *out);
int plu_reap(pid_t pid);

#endif
