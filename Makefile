# DLBA top-level build.  `make` builds dlba.ko and the userspace tools.
# KDIR selects the kernel build tree; by default the running kernel's, or
# the newest installed Debian headers when the running kernel has none.
KVER_RUNNING := $(shell uname -r)
KDIR ?= $(shell if [ -d /lib/modules/$(KVER_RUNNING)/build ]; then \
		echo /lib/modules/$(KVER_RUNNING)/build; \
	else ls -d /lib/modules/*/build 2>/dev/null | sort -V | tail -n 1; fi)
BUILD ?= $(CURDIR)/build
CMAKE_BUILD_TYPE ?= RelWithDebInfo
# make install: PREFIX for the tools, man pages and units; DESTDIR to stage (packaging).
PREFIX ?= /usr/local
# ON in make check: compiler warnings fail the userspace build.  Unset, the build tree keeps
# what it was configured with (OFF in a new one), so make demo after make check rebuilds nothing.
DLBA_WERROR ?=

.PHONY: all kmod userspace install deps check demo bench-l4 bench-l7 bench-failover clean sparse dkms-install deb

all: kmod userspace

kmod:
	$(MAKE) -C kmod KDIR=$(KDIR)

sparse:
	$(MAKE) -C kmod KDIR=$(KDIR) C=1

userspace:
	cmake -S userspace -B $(BUILD)/userspace -DCMAKE_BUILD_TYPE=$(CMAKE_BUILD_TYPE) \
		$(if $(DLBA_WERROR),-DDLBA_WERROR=$(DLBA_WERROR))
	cmake --build $(BUILD)/userspace -j$$(nproc)

# The module is installed with dkms (make dkms-install), so it follows kernel upgrades.
install: userspace
	DESTDIR=$(DESTDIR) cmake --install $(BUILD)/userspace --prefix $(PREFIX)

# Debian packages of the built tree into $(BUILD)/deb (scripts/deb.sh): dlba (the tools, as
# make install PREFIX=/usr) and dlba-dkms (the module's sources for dkms).
deb: userspace
	bash scripts/deb.sh $(BUILD)/userspace $(BUILD)/deb

deps:
	bash scripts/install-deps.sh

check: deps
	bash scripts/check.sh

demo: deps
	bash scripts/demo.sh

dkms-install:
	bash scripts/dkms-install.sh

bench-l4: deps
	bash bench/l4/run.sh

bench-l7: deps
	bash bench/l7/run.sh

bench-failover: deps userspace
	bash bench/failover/run.sh

clean:
	$(MAKE) -C kmod KDIR=$(KDIR) clean || true
	rm -rf $(BUILD)
