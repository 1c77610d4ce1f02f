# lvsmon - build, test, demo.
#
# Sources are found by wildcard so a new checker, backend, test or bench
# program needs no edit here:
#   monitor/ checkers/ director/ (lua/ snmp/ mib/ when they land)
#                      -> liblvsmon.a (all but the two mains)
#   monitor/main.c     -> lvsmond
#   monitor/lvsmonctl.c -> lvsmonctl
#   t/unit/*.c         -> one cmocka test program each (TAP output)
#   t/tools/*.c        -> helpers for the tests and the lab
#   bench/*.c          -> benchmark helpers
#
# Two build trees: build/ (optimised, what `make` and `make demo` use) and
# build-san/ (ASan + UBSan, what `make test` runs).

CC	?= cc
PKGS	 = libevent libconfig libnftnl libmnl libnl-genl-3.0 libnl-route-3.0 \
	   json-c libpcre2-8 lua5.4 openssl libcap-ng
WARN	 = -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
	   -Wmissing-prototypes -Wno-unused-parameter
CSTD	 = -std=c11 -D_GNU_SOURCE
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CFLAGS_COMMON = $(CSTD) $(WARN) $(PKG_CFLAGS) -I. -MMD -MP
# Net-SNMP has no .pc file; the agent and its base library are all we use
# (not libnetsnmpmibs: snmpd's own MIB modules, with their sensors/pci deps).
SNMP_LIBS = -lnetsnmpagent -lnetsnmp
LDLIBS_COMMON = $(PKG_LIBS) $(SNMP_LIBS) -lm

MODE	?= release
ifeq ($(MODE),san)
B	 = build-san
OPT	 = -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
	   -fno-sanitize-recover=undefined
LDOPT	 = -fsanitize=address,undefined
else
B	 = build
OPT	 = -O2 -g
LDOPT	 =
endif

CFLAGS	+= $(CFLAGS_COMMON) $(OPT)
LDFLAGS	+= $(LDOPT)

ROOMS	 = monitor checkers director lua snmp mib
MAINS	 = monitor/main.c monitor/lvsmonctl.c
LIB_SRC	 = $(filter-out $(MAINS),$(foreach r,$(ROOMS),$(wildcard $(r)/*.c)))
LIB_OBJ	 = $(LIB_SRC:%.c=$(B)/%.o)
UNIT_SRC = $(wildcard t/unit/*.c)
UNIT_BIN = $(UNIT_SRC:%.c=$(B)/%)
TOOL_SRC = $(wildcard t/tools/*.c)
TOOL_BIN = $(TOOL_SRC:%.c=$(B)/%)
BENCH_SRC = $(wildcard bench/*.c)
BENCH_BIN = $(BENCH_SRC:%.c=$(B)/%)

.PHONY: all build san deps test unit e2e demo clean distclean bench install \
	fuzz fuzz-build
.DEFAULT_GOAL := all

all: deps-check
	@$(MAKE) --no-print-directory build

build: $(B)/lvsmond $(B)/lvsmonctl $(UNIT_BIN) $(TOOL_BIN) $(BENCH_BIN)
	@ln -sf $(B)/lvsmond lvsmond 2>/dev/null || true
	@ln -sf $(B)/lvsmonctl lvsmonctl 2>/dev/null || true

$(B)/liblvsmon.a: $(LIB_OBJ)
	@mkdir -p $(@D)
	$(AR) rcs $@ $^

$(B)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -c -o $@ $<

$(B)/lvsmond: $(B)/monitor/main.o $(B)/liblvsmon.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS_COMMON)

$(B)/lvsmonctl: $(B)/monitor/lvsmonctl.o $(B)/liblvsmon.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS_COMMON)

$(B)/t/unit/%: $(B)/t/unit/%.o $(B)/liblvsmon.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS_COMMON) -lcmocka

$(B)/t/tools/%: $(B)/t/tools/%.o $(B)/liblvsmon.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS_COMMON)

$(B)/bench/%: $(B)/bench/%.o $(B)/liblvsmon.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS_COMMON)

san:
	@$(MAKE) --no-print-directory MODE=san build

# make fuzz [FUZZ_SECONDS=N]: every libFuzzer harness (t/fuzz/*.c, see
# t/fuzz/README.md) for N seconds each, its seed corpus first.  clang, not
# gcc: the harnesses and their own copy of the library objects live in
# build-fuzz/, built with ASan and UBSan and the fuzzer's coverage; build/
# and build-san/ stay as they are.
FUZZ_CC	?= clang-14
FB	 = build-fuzz
FUZZ_SAN = -fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZ_CFLAGS = $(CFLAGS_COMMON) -O1 -g -fno-omit-frame-pointer $(FUZZ_SAN) \
	   -fsanitize=fuzzer-no-link
FUZZ_SRC = $(wildcard t/fuzz/*.c)
FUZZ_BIN = $(FUZZ_SRC:%.c=$(FB)/%)
FUZZ_OBJ = $(LIB_SRC:%.c=$(FB)/%.o)
FUZZ_SECONDS ?= 60

$(FB)/%.o: %.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -c -o $@ $<

$(FB)/liblvsmon.a: $(FUZZ_OBJ)
	$(AR) rcs $@ $^

.PRECIOUS: $(FB)/t/fuzz/%.o
$(FB)/t/fuzz/%: $(FB)/t/fuzz/%.o $(FB)/liblvsmon.a
	$(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer -o $@ $^ $(LDLIBS_COMMON)

fuzz-build: deps-check
	@$(MAKE) --no-print-directory $(FUZZ_BIN)

fuzz: fuzz-build
	@FUZZ_SECONDS=$(FUZZ_SECONDS) LVSMON_FUZZ_BUILD=$(CURDIR)/$(FB) \
	    bash t/fuzz/run.sh

# Debian packages the build, the tests and the demo need.  Installed only
# when one is missing, so a prepared machine does not wait on apt.
DEB_PKGS = gcc make pkg-config libc6-dev libevent-dev libconfig-dev \
	   libnftnl-dev libmnl-dev libnl-3-dev libnl-genl-3-dev \
	   libnl-route-3-dev libjson-c-dev libpcre2-dev libcmocka-dev \
	   libsnmp-dev liblua5.4-dev libcap-ng-dev nftables iproute2 conntrack \
	   snmpd snmp snmptrapd smitools \
	   redis-server redis-tools memcached postgresql openssl \
	   monitoring-plugins-basic dnsmasq-base chrony freeradius \
	   openssh-server \
	   qemu-system-x86 busybox-static ipvsadm cpio xz-utils kmod keepalived \
	   prometheus-alertmanager prometheus python3-aiosmtpd nsca nsca-client \
	   perl curl python3 procps psmisc bird2 clang-14 libclang-rt-14-dev
# The packages' own services (snmpd, chrony, freeradius, nsca, sshd...) are
# not started by the install: the tests start private instances, and a
# system chronyd must not appear on a machine because its tests ran.
deps:
	@missing=""; for p in $(DEB_PKGS); do \
		dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		export DEBIAN_FRONTEND=noninteractive; \
		prc=""; if [ ! -e /usr/sbin/policy-rc.d ]; then \
			prc=/usr/sbin/policy-rc.d; \
			printf '#!/bin/sh\nexit 101\n' >$$prc; chmod 755 $$prc; \
		fi; \
		apt-get update -q >/dev/null && \
		apt-get install -y -q --no-install-recommends $$missing \
		    >/dev/null; rc=$$?; \
		[ -z "$$prc" ] || rm -f $$prc; \
		exit $$rc; \
	fi

deps-check:
	@pkg-config --exists $(PKGS) || $(MAKE) --no-print-directory deps

# make test: every test under ASan/UBSan, run by prove, summary last.
# The optimised build is made too: the lab and the e2e tests run what
# `make demo` runs, under the sanitizers (LVSMON_BUILD=build-san).
test: deps
	@$(MAKE) --no-print-directory MODE=san build
	@$(MAKE) --no-print-directory fuzz-build
	@LVSMON_BUILD=$(CURDIR)/build-san CMOCKA_MESSAGE_OUTPUT=TAP \
	    ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	    LSAN_OPTIONS=suppressions=$(CURDIR)/t/lsan.supp \
	    prove -j2 --timer $(UNIT_SRC:t/unit/%.c=build-san/t/unit/%) t/e2e/*.t

unit: san
	@CMOCKA_MESSAGE_OUTPUT=TAP prove -v $(UNIT_SRC:t/unit/%.c=build-san/t/unit/%)

demo: deps
	@$(MAKE) --no-print-directory build
	@bash t/demo.sh

bench: all
	@echo "see bench/README.md: bench/checks, bench/apply"

# make install [PREFIX=/usr/local] [DESTDIR=...]: programs, man pages, the
# systemd unit, an example config, the MIB and the Lua plugins.
PREFIX	?= /usr/local
SBINDIR	 = $(PREFIX)/sbin
MANDIR	 = $(PREFIX)/share/man
DATADIR	 = $(PREFIX)/share/lvsmon
UNITDIR	?= /lib/systemd/system
MIBDIR	?= $(PREFIX)/share/snmp/mibs
install: all
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man5 \
	    $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(UNITDIR) $(DESTDIR)$(MIBDIR) \
	    $(DESTDIR)$(DATADIR)/plugins $(DESTDIR)/etc/lvsmon
	install -m 755 $(B)/lvsmond $(B)/lvsmonctl $(DESTDIR)$(SBINDIR)/
	install -m 644 monitor/dist/lvsmond.8 monitor/dist/lvsmonctl.8 \
	    $(DESTDIR)$(MANDIR)/man8/
	install -m 644 monitor/dist/lvsmond.conf.5 $(DESTDIR)$(MANDIR)/man5/
	sed 's|@SBINDIR@|$(SBINDIR)|g' monitor/dist/lvsmond.service \
	    > $(DESTDIR)$(UNITDIR)/lvsmond.service
	chmod 644 $(DESTDIR)$(UNITDIR)/lvsmond.service
	install -m 644 monitor/dist/lvsmond.conf.example $(DESTDIR)$(DATADIR)/
	install -m 644 LVS-MIB.txt $(DESTDIR)$(MIBDIR)/
	if ls plugins/*.lua >/dev/null 2>&1; then \
		cp -R plugins/. $(DESTDIR)$(DATADIR)/plugins/; fi

clean:
	rm -rf build build-san build-fuzz lvsmond lvsmonctl

-include $(shell find build build-san build-fuzz -name '*.d' 2>/dev/null)
