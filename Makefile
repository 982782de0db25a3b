# SPDX-License-Identifier: GPL-2.0
#
# pci-liveupdate: top-level entry points.  See README.md.
#
#   make              module + CLI, against KDIR
#   make check        host unit tests, fuzz smoke, every VM test (+ DKMS)
#   make check-full   the same with more VM scenarios on the debug kernel,
#                     plus the kernel matrix, the kCFI kernel and the
#                     Debian system test (CI)
#   make chaos        the randomized exerciser alone (scenario chaos, through
#                     scripts/check.sh; results in results/chaos/): replay
#                     SEED=S (or S1,S2,...), OPS=N operations per thread,
#                     THREADS=N, FLAVOR=fast|debug; without SEED its fixed
#                     seeds, as make check runs them
#   make demo         boot a VM, mark devices, live-update, show the tables
#   make kernel       build (or reuse) the cached LUO test kernel
#                     (FLAVOR=fast|debug|cfi, PLU_KERNEL=7.3|7.2|...)
#   make kernels      build every kernel (and the distro test's image)
#                     make check-full (CI) needs
#   make fuzz         run the wire-format fuzzer for FUZZ_SECONDS
#   make bench        benchmark (host codec + in-guest timings)
#   make install      module (to /lib/modules/...) + CLI + man page + uAPI
#                     header (DESTDIR, PREFIX)
#   make deb          Debian packages into build/deb/, checked by lintian
#   make version      the package version (PACKAGE_VERSION in dkms.conf)

SHELL := /bin/bash
TOP := $(CURDIR)
FLAVOR ?= fast
# The package version's one home; Kbuild and tools/Makefile read it too.
PLU_VERSION := $(shell sed -n 's/^PACKAGE_VERSION="\(.*\)"[[:space:]]*$$/\1/p' dkms.conf 2>/dev/null)

# The module builds against KDIR: by default the cached test kernel when it
# exists, else the running kernel's build tree.
TEST_KDIR := $(shell scripts/build-kernel.sh --flavor $(FLAVOR) --print 2>/dev/null)
KDIR ?= $(if $(wildcard $(TEST_KDIR)/.done),$(TEST_KDIR)/build,/lib/modules/$(shell uname -r)/build)
UAPI_HEADERS ?= $(if $(wildcard $(TEST_KDIR)/.done),$(TEST_KDIR)/headers/usr/include,)
# The compiler KDIR's kernel was built with (LLVM=-19 for a clang kernel).
KBUILD_TOOLCHAIN := $(shell scripts/kbuild-toolchain.sh $(KDIR))
KBUILD := $(MAKE) -C $(KDIR) M=$(TOP) $(KBUILD_TOOLCHAIN)

.PHONY: all module tools kernel kernels check check-full chaos demo fuzz fuzz-smoke unit bench \
	install clean checkpatch w1 deb version

all: module tools

module:
	$(KBUILD) modules

# W=1 build for review: must be warning free.
w1:
	$(KBUILD) W=1 modules

checkpatch:
	perl $$(scripts/kernel-source.sh)/scripts/checkpatch.pl --no-tree --strict \
		--terse -f src/*.c src/*.h include/*.h include/uapi/linux/*.h \
		$$(ls tests/vm/modules/*.c | grep -v "\.mod\.c$$")

tools:
	$(MAKE) -C tools $(if $(UAPI_HEADERS),UAPI_HEADERS=$(UAPI_HEADERS))

kernel:
	scripts/build-kernel.sh --flavor $(FLAVOR)

kernels:
	PLU_CHECK_MATRIX=1 scripts/check.sh --build-kernels

unit:
	$(MAKE) -C tests/unit run

fuzz:
	$(MAKE) -C tests/fuzz fuzz

fuzz-smoke:
	$(MAKE) -C tests/fuzz fuzz-smoke

check:
	scripts/check.sh

check-full:
	PLU_CHECK_MATRIX=1 scripts/check.sh

# The kernel command line carries SEED, OPS and THREADS to the scenario's
# stage (tests/vm/scenarios/chaos/stage1.sh).
chaos:
	PLU_CHECK_FLAVORS=$(FLAVOR) PLU_CHECK_ONLY='^chaos$$' \
	PLU_CHECK_DEBUG_ONLY='^chaos$$' PLU_CHECK_SKIP_HOST=1 PLU_CHECK_DISTRO=0 \
	PLU_CHECK_OUT=$(TOP)/results/chaos \
	PLU_CHECK_APPEND='$(strip $(if $(SEED),plu_chaos_seed=$(SEED)) \
		$(if $(OPS),plu_chaos_ops=$(OPS)) \
		$(if $(THREADS),plu_chaos_threads=$(THREADS)))' \
	scripts/check.sh

demo:
	scripts/demo.sh

bench:
	scripts/bench.sh

# DESTDIR and PREFIX (default /usr/local) go to tools/Makefile; DESTDIR is
# also the module's INSTALL_MOD_PATH.
install: module tools
	$(KBUILD) $(if $(DESTDIR),INSTALL_MOD_PATH=$(DESTDIR)) modules_install
	$(MAKE) -C tools install $(if $(PREFIX),PREFIX=$(PREFIX))

version:
	@echo $(PLU_VERSION)

# Debian packages (debian/): scripts/build-deb.sh.
deb:
	scripts/build-deb.sh

clean:
	-$(KBUILD) clean
	-$(MAKE) -C tools clean
	-$(MAKE) -C tests/unit clean
	-$(MAKE) -C tests/fuzz clean

# DKMS: install the module for the running kernel (DKMS_FLAGS="--kernel
# KVER --kernelsourcedir DIR" for another), remove it, test the packaging.
.PHONY: dkms-install dkms-uninstall dkms-test
dkms-install:
	scripts/dkms-install.sh $(DKMS_FLAGS)

dkms-uninstall:
	scripts/dkms-install.sh --uninstall

dkms-test:
	tests/dkms/dkms-test.sh

# The admin's path on a Debian unstable system in a VM: packages, DKMS in
# the guest, systemctl kexec (tests/distro/, docs/testing.md).
.PHONY: check-distro
check-distro:
	tests/distro/distro-test.sh
