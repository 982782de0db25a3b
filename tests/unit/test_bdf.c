// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests of the CLI's PCI address parser and formatters
 * (tools/bdf.c), on the kernel's kselftest harness.
 */
#include <errno.h>
#include <string.h>

#include "../../tools/bdf.h"
#include "kselftest_harness.h"

struct good {
	const char *arg;
	uint32_t segment;
	uint8_t bus, slot, fn;
};

static const struct good goods[] = {
	{ "0000:01:00.0", 0, 0x01, 0x00, 0 },
	{ "01:00.0", 0, 0x01, 0x00, 0 },
	{ "0000:00:1f.7", 0, 0x00, 0x1f, 7 },
	{ "ABCD:Fe:1F.3", 0xabcd, 0xfe, 0x1f, 3 },
	{ "10000:40:00.0", 0x10000, 0x40, 0x00, 0 },
	{ "ffffffff:ff:1f.7", 0xffffffff, 0xff, 0x1f, 7 },
	{ "/sys/bus/pci/devices/0000:02:00.1", 0, 0x02, 0x00, 1 },
	{ "/sys/devices/pci0000:00/0000:00:04.0/0000:01:00.0/", 0, 0x01, 0, 0 },
};

TEST(parse_accepts_every_documented_form)
{
	for (size_t i = 0; i < sizeof(goods) / sizeof(goods[0]); i++) {
		struct bdf b = { .segment = 0x5a5a5a5a, .bus = 0x5a, .devfn = 0x5a };
		const char *why = NULL;

		TH_LOG("%s", goods[i].arg);
		ASSERT_EQ(0, bdf_parse(goods[i].arg, &b, &why));
		EXPECT_EQ(goods[i].segment, b.segment);
		EXPECT_EQ(goods[i].bus, b.bus);
		EXPECT_EQ(BDF_DEVFN(goods[i].slot, goods[i].fn), b.devfn);
	}
}

TEST(parse_rejects_garbage_and_leaves_output_alone)
{
	static const char * const bad[] = {
		"", "0", "01:00", "01:00.", "01:00.8", "01:20.0", "1ff:00.0",
		"000:01:00.0.1", "0000:01:00.0x", "123456789:00:00.0",
		"0000:01:00.0 ", " 0000:01:00.0", "gg:00.0", "0000-01-00.0",
		"/sys/bus/pci/devices/", "/sys/bus/pci/devices/foo", "01:00.-1",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct bdf b = { .segment = 7, .bus = 7, .devfn = 7 };
		const char *why = NULL;

		TH_LOG("'%s'", bad[i]);
		EXPECT_EQ(-EINVAL, bdf_parse(bad[i], &b, &why));
		EXPECT_NE(NULL, why);
		EXPECT_EQ(7u, b.segment);
		EXPECT_EQ(7, b.bus);
		EXPECT_EQ(7, b.devfn);
	}
}

TEST(format_round_trips)
{
	char buf[BDF_STRLEN];
	struct bdf b = { .segment = 0x10000, .bus = 0x41, .devfn = BDF_DEVFN(3, 5) };
	struct bdf back;

	EXPECT_STREQ("10000:41:03.5", bdf_format(&b, buf, sizeof(buf)));
	ASSERT_EQ(0, bdf_parse(buf, &back, NULL));
	EXPECT_EQ(b.segment, back.segment);
	EXPECT_EQ(b.bus, back.bus);
	EXPECT_EQ(b.devfn, back.devfn);
	b.segment = 0;
	EXPECT_STREQ("0000:41:03.5", bdf_format(&b, buf, sizeof(buf)));
}

TEST(format_path)
{
	const uint8_t hops[] = { BDF_DEVFN(6, 0), BDF_DEVFN(1, 0), BDF_DEVFN(1, 0) };
	char buf[BDF_PATH_STRLEN], small[12];

	EXPECT_STREQ("0000:00/06.0/01.0/01.0",
		     bdf_format_path(0, 0, hops, 3, buf, sizeof(buf)));
	EXPECT_STREQ("0001:40/06.0", bdf_format_path(1, 0x40, hops, 1, buf,
						      sizeof(buf)));
	bdf_format_path(0, 0, hops, 3, small, sizeof(small));
	EXPECT_EQ(sizeof(small) - 1, strlen(small));
}

TEST_HARNESS_MAIN
