// SPDX-License-Identifier: GPL-2.0
/*
 * In-guest lifecycle tests: what LUO's hold on the module means for users.
 * Run with the module loaded, no session open and /dev/liveupdate closed.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/pci_liveupdate.h>

#include "kselftest_harness.h"
#include "plu_test.h"

FIXTURE(luo) {
	int luo;
	int plu;
};

FIXTURE_SETUP(luo)
{
	self->plu = open(PLU_DEV, O_RDWR);
	ASSERT_GE(self->plu, 0);
	self->luo = open(LUO_DEV, O_RDWR);
	ASSERT_GE(self->luo, 0);
}

FIXTURE_TEARDOWN(luo)
{
	close(self->luo);
	close(self->plu);
}

/* LUO pins the module while a file is preserved; closing the session
 * unpreserves, frees the KHO image and lets go.
 */
TEST_F(luo, unload_refused_while_preserved)
{
	struct pci_liveupdate_status st;
	int session;

	session = luo_session(self->luo, "lifecycle-hold");
	ASSERT_GE(session, 0);
	ASSERT_EQ(0, luo_preserve(session, self->plu, 1));
	ASSERT_EQ(0, get_status(self->plu, &st));
	EXPECT_EQ((__u32)PCI_LIVEUPDATE_STATE_PRESERVED, st.state);
	EXPECT_GT(st.kho_bytes, (__u64)0);

	EXPECT_EQ(-1, syscall(SYS_delete_module, "pci_liveupdate", O_NONBLOCK));
	EXPECT_TRUE(errno == EWOULDBLOCK || errno == EBUSY);

	/* The same file cannot go into a session twice. */
	EXPECT_NE(0, luo_preserve(session, self->plu, 2));

	close(session);
	ASSERT_EQ(0, get_status(self->plu, &st));
	EXPECT_EQ((__u32)PCI_LIVEUPDATE_STATE_IDLE, st.state);
	EXPECT_EQ((__u64)0, st.kho_bytes);
}

/* Two preserved files share one image; it goes when the last one does. */
TEST_F(luo, two_files_one_image)
{
	struct pci_liveupdate_status st;
	int session, second;

	second = open(PLU_DEV, O_RDWR);
	ASSERT_GE(second, 0);
	session = luo_session(self->luo, "lifecycle-two");
	ASSERT_GE(session, 0);
	ASSERT_EQ(0, luo_preserve(session, self->plu, 1));
	ASSERT_EQ(0, get_status(self->plu, &st));
	__u64 bytes = st.kho_bytes;

	ASSERT_EQ(0, luo_preserve(session, second, 2));
	ASSERT_EQ(0, get_status(self->plu, &st));
	EXPECT_EQ((__u32)PCI_LIVEUPDATE_STATE_PRESERVED, st.state);
	EXPECT_EQ(bytes, st.kho_bytes);
	close(session);
	close(second);
	ASSERT_EQ(0, get_status(self->plu, &st));
	EXPECT_EQ((__u32)PCI_LIVEUPDATE_STATE_IDLE, st.state);
}

/* Other files are not ours to preserve through this handler. */
TEST_F(luo, foreign_file_not_taken)
{
	int session, nul;

	nul = open("/dev/null", O_RDWR);
	ASSERT_GE(nul, 0);
	session = luo_session(self->luo, "lifecycle-foreign");
	ASSERT_GE(session, 0);
	EXPECT_GT(0, luo_preserve(session, nul, 1));	/* -errno: refused */
	close(session);
	close(nul);
}

TEST_HARNESS_MAIN
