# tlsguard — build, test and install.
#   make            build/libtlsguard.so and build/tlsguard
#   make test       every test (unit, then end-to-end with real servers and clients)
#   make demo       a legacy client against local bad peers, without and with the shim
#   make install PREFIX=/usr/local DESTDIR=

CC      ?= cc
PREFIX  ?= /usr/local
DESTDIR ?=
BUILD   ?= build
PYTHON  ?= python3
VERSION ?= 0.1.0

WARN    = -Wall -Wextra -Werror -Wshadow -Wundef
HARDEN  = -fstack-protector-strong -D_FORTIFY_SOURCE=2
CSTD    = -std=gnu99 -D_GNU_SOURCE
OPT     ?= -O2 -g
SAN     ?=
CFLAGS_ALL = $(CSTD) $(WARN) $(HARDEN) $(OPT) $(SAN) $(CFLAGS)
LDFLAGS_ALL = -Wl,-z,relro,-z,now $(SAN) $(LDFLAGS)

SHIM_SRC   = $(wildcard shim/*/*.c)
SHIM_HDR   = $(wildcard shim/*/*.h)
SHIM_INC   = -Ishim/core -Ishim/openssl -Ishim/libc -Ishim/gnutls -Ishim/nss
POLICY_SRC = $(wildcard policy/*.c)
POLICY_HDR = $(wildcard policy/*.h)
# Pure helpers both binaries link that are not policy: the TLSGUARD_* names,
# libssl sonames, SHA-256 and the pin text, the IP-literal test.
COMMON_SRC = $(wildcard common/*.c)
COMMON_HDR = $(wildcard common/*.h)
TOOL_SRC   = $(wildcard tools/*.c tools/doctor/*.c)
TOOL_HDR   = $(wildcard tools/*.h tools/doctor/*.h)
# Shim modules with no OpenSSL in them, unit-tested alone (dynobj.c: the
# shim's own symbol lookup, checked against dlsym).
SHIM_PURE  = shim/openssl/cipher.c shim/libc/resolver.c shim/core/hostname.c \
             shim/core/name.c shim/core/verdict.c shim/core/rules.c shim/core/verdict_log.c \
             shim/core/peer.c shim/libc/peer_addr.c shim/core/log.c shim/core/dynobj.c \
             shim/core/once.c shim/core/fork_lock.c shim/core/dlsyms.c
# The log-line reader of `tlsguard report` and `run --report`: plain C and stdio.
TOOL_PURE  = tools/report_parse.c tools/report.c
# policy/ is compiled on its own (its own include path, no shim header): as
# the library links it (PIC, hidden; the library's glibc floor applies to
# every object in it) and as the CLI and the unit tests link it.
POLICY_LIB_OBJ = $(patsubst policy/%.c,$(BUILD)/policy-lib/%.o,$(POLICY_SRC))
POLICY_OBJ     = $(patsubst policy/%.c,$(BUILD)/policy/%.o,$(POLICY_SRC))
UNIT_SRC   = $(wildcard tests/unit/test_*.c)
UNIT_BIN   = $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRC))

LIB  = $(BUILD)/libtlsguard.so
TOOL = $(BUILD)/tlsguard

.PHONY: all test unit e2e demo install clean fuzz check-asan check-compat check-install check-dlsym \
        check-secure-env check-tsan check-valgrind check-robust check-py2 check-adversarial check-gnutls check-nss bench check-fresh format check-format \
        check-layout

all: $(LIB) $(TOOL)

# The shim links libc only: never libssl (it finds the program's
# own libssl at run time). Only the interposed symbols are exported.
# Loadable on glibc >= 2.12 wherever it is built: shim/libc/glibc_compat.h binds old
# symbol versions, shim/libc/secure_env.c finds getauxval/secure_getenv at run time,
# and shim/libc/dl_entry.c finds dlopen/dlsym/dlvsym/dlclose at run time in
# libc.so.6 (glibc >= 2.34) or libdl.so.2 (before; -DTG_SHIM_LIB maps the
# names), so libdl.so.2 is not in DT_NEEDED: there it sat early in the
# global scope, probed by every symbol lookup of the process (+0.4 M
# instructions at each curl start). No libpthread.so.0: the shim calls only the
# pthread_mutex_* and __register_atfork (pthread_atfork) libc always had, and
# runs its initialisers with shim/core/once.h, not pthread_once; ld.so loading
# libpthread into every process cost ~13 k instructions at start-up and more in
# each of a big program's symbol lookups (test_glibc_floor.sh: a pthread_*
# import beyond those needs libpthread.so.0 back in DT_NEEDED).
# Thread-locals through TLS descriptors where the compiler has them (gcc; not
# clang 14): the default dialect imports __tls_get_addr, which puts ld.so in
# DT_NEEDED and so in the global scope ahead of libssl and libcrypto, where
# every symbol lookup of a libcurl process searched it (+0.22 M instructions
# in curl --cacert). initial-exec would do too, but `tlsguard run` dlopens
# the library, and its thread-locals do not fit the static TLS kept for that.
# The library's own imports are bound lazily, at first call (-z lazy after
# LDFLAGS_ALL's -z now; RELRO kept): bound at load they cost ~600
# instructions each, ~70 of them, in every process (/bin/true +76 k, now
# +36 k). Its TLS descriptors stay resolved at load: glibc >= 2.33 does so
# whatever the flag (x86_64; BZ 27137), and for older glibc
# shim/libc/tls_eager.c calls each from the constructor (test_old_glibc.py
# checks under glibc 2.31); every glibc resets ld.so's load lock in a fork
# child. -z lazy once seemed to hang rb_fork's children (tests/robust): gdb
# found a shim mutex (conn.c's context-record lock) a helper thread held at
# the fork, which lazy binding only held longer; the shim's locks are all
# shim/core/fork_lock.h's now, taken around fork. rb_fork still hangs about
# 1 run in 100, with -z now as with -z lazy, in locks that are not the
# shim's (the program's OpenSSL 1.0.2 locking callbacks, OpenSSL 3's own
# rwlocks, glibc's resolv.conf lock). test_load_cost.sh keeps the library lazy.
LIB_BINDING = -Wl,-z,lazy
TLS_DIALECT := $(shell $(CC) -mtls-dialect=gnu2 -E -x c /dev/null >/dev/null 2>&1 && echo -mtls-dialect=gnu2)
$(LIB): $(SHIM_SRC) $(SHIM_HDR) $(POLICY_HDR) $(POLICY_LIB_OBJ) $(COMMON_SRC) $(COMMON_HDR) shim/exports.map
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_ALL) -include shim/libc/glibc_compat.h -DTG_SHIM_LIB -fPIC -fvisibility=hidden $(TLS_DIALECT) \
	  -shared $(SHIM_INC) -Ipolicy -Icommon \
	  -o $@ $(SHIM_SRC) $(POLICY_LIB_OBJ) $(COMMON_SRC) $(LDFLAGS_ALL) $(LIB_BINDING) \
	  -Wl,--version-script=shim/exports.map -Wl,--no-undefined

# The CLI is an ordinary program: it may link libcrypto (for `pin`), and
# libdl (`run` execs the command through the shim's own execvp).
$(TOOL): $(TOOL_SRC) $(TOOL_HDR) $(POLICY_HDR) $(POLICY_OBJ) $(COMMON_SRC) $(COMMON_HDR)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_ALL) -DTG_VERSION='"$(VERSION)"' -Ipolicy -Icommon -Itools -o $@ $(TOOL_SRC) $(POLICY_OBJ) $(COMMON_SRC) \
	  $(LDFLAGS_ALL) -lssl -lcrypto -ldl

$(BUILD)/policy-lib/%.o: policy/%.c $(POLICY_HDR) shim/libc/glibc_compat.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_ALL) -include shim/libc/glibc_compat.h -fPIC -fvisibility=hidden -Ipolicy -c -o $@ $<

$(BUILD)/policy/%.o: policy/%.c $(POLICY_HDR)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_ALL) -Ipolicy -c -o $@ $<

$(BUILD)/tests/test_%: tests/unit/test_%.c $(POLICY_OBJ) $(POLICY_HDR) $(COMMON_SRC) $(COMMON_HDR) $(SHIM_PURE) $(TOOL_PURE) tools/report.h $(wildcard tests/unit/*.h)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_ALL) -Ipolicy -Icommon $(SHIM_INC) -Itools -Itests/unit -o $@ $< $(POLICY_OBJ) $(COMMON_SRC) $(SHIM_PURE) $(TOOL_PURE) \
	  $(LDFLAGS_ALL) -lpthread -ldl

# The C test programs, per OpenSSL (tests/programs.mk says how the drivers ask).
include tests/programs.mk

unit: $(UNIT_BIN)
	@set -e; for t in $(UNIT_BIN); do echo "== $$t"; $$t; done
	@echo "== tests/layout/check_layout.py"; $(PYTHON) tests/layout/check_layout.py

# The shim's house rules on the tree (also the last step of `make unit`):
# only shim/openssl/ names OpenSSL types, core/ and libc/ include no backend
# header, files <= 600 lines, functions <= 80.
check-layout:
	$(PYTHON) tests/layout/check_layout.py

e2e: all
	$(PYTHON) tests/e2e/run.py --build $(BUILD)
	$(PYTHON) tests/e2e/test_cli.py --build $(BUILD)
	$(PYTHON) tests/e2e/test_doctor.py --build $(BUILD)
	$(PYTHON) tests/e2e/maxcap.py --build $(BUILD) --lib openssl
	$(PYTHON) tests/e2e/rawfd.py --build $(BUILD)

test: all check-format unit e2e check-adversarial check-dlsym check-gnutls check-nss check-compat check-py2 fuzz check-install check-secure-env check-robust check-asan check-valgrind check-tsan

demo: all
	@sh tests/demo.sh $(BUILD)

# Issue 10's roads around enforcement, each with its no-shim control, on OpenSSL
# 3.0, 1.1.1 and (where ../shared/vendor is) 1.0.2u/1.0.1e; stunnel4, ruby and a
# program with its own ex-data (tests/adversarial/run.py says what each runs).
check-adversarial: all
	$(PYTHON) tests/adversarial/run.py --build $(BUILD)

# The GnuTLS backend (shim/gnutls/): wget, gnutls-cli, git-remote-https and a
# careless C clients of tests/gnutls/ against bad peers, each with its no-shim
# control; pins, audit, min-protocol TLSv1.3, weak suites, resumption, report.
# Needs gnutls-bin, wget, git and libgnutls28-dev (the C client only).
# The C clients are built by tests/programs.mk (its one set of flags).
GNUTLS_CLIENT = $(BUILD)/tests/gnutls_careless
GNUTLS_ASKS = $(BUILD)/tests/gnutls_asks
check-gnutls: all $(GNUTLS_CLIENT) $(BUILD)/tests/gnutls_roads $(BUILD)/tests/gnutls_rawfd $(GNUTLS_ASKS) \
              $(BUILD)/tests/gnutls_errtext
	$(PYTHON) tests/gnutls/run.py --build $(BUILD)
	$(PYTHON) tests/gnutls/rawfd.py --build $(BUILD)
	$(PYTHON) tests/gnutls/asks.py --build $(BUILD)
	$(PYTHON) tests/gnutls/errtext.py --build $(BUILD)
	$(PYTHON) tests/e2e/maxcap.py --build $(BUILD) --lib gnutls

# The NSS backend (shim/nss/): a libcurl-nss client (-k, -k with TLS 1.0,
# plain), a careless NSS client and tstclnt against bad peers, each with its
# no-shim control; pins, audit, min-protocol TLSv1.3; roads around the usual
# calls, and a program hook's SSL_AuthCertificate (asker.c). Needs libcurl3-nss,
# libnss3-dev, libnspr4-dev (the C clients), libnss3-tools (tstclnt, certutil).
NSS_CURL = $(BUILD)/tests/nss_curl
NSS_CARELESS = $(BUILD)/tests/nss_careless
NSS_ROADS = $(BUILD)/tests/nss_roads
NSS_ASKER = $(BUILD)/tests/nss_asker
NSS_HOSTS = $(BUILD)/tests/nss_hosts
# (the C clients: tests/programs.mk)
check-nss: all $(NSS_CURL) $(NSS_CARELESS) $(NSS_ROADS) $(NSS_ASKER) $(NSS_HOSTS)
	$(PYTHON) tests/nss/run.py --build $(BUILD)
	$(PYTHON) tests/nss/roads.py --build $(BUILD)
	$(PYTHON) tests/nss/trust.py --build $(BUILD)
	$(PYTHON) tests/e2e/maxcap.py --build $(BUILD) --lib nss

fuzz:
	@sh tests/fuzz/run.sh $(BUILD) $${FUZZ_SECONDS:-60}

# (make test runs fuzz for FUZZ_SECONDS, 60 by default: bounded, fails on any report.)

# The shim as it runs where OpenSSL lacks 1.0.2/1.1.0 additions (no
# X509_check_host/X509_check_ip, no verified peer name, no store object list,
# no SSL_is_server; ERR_get_error_line_data in place of 3.0's ERR_get_error_all):
# those optional symbols are hidden, and the name, trust and error-queue cases
# run again against the fallbacks.
COMPAT_HIDE = X509_check_host X509_check_ip X509_VERIFY_PARAM_get0_peername X509_STORE_get0_objects ASN1_STRING_get0_data SSL_is_server ERR_get_error_all
check-compat:
	$(MAKE) BUILD=build-compat CFLAGS='-DTG_TEST_WITHOUT="\"$(COMPAT_HIDE)\""' build-compat/libtlsguard.so
	$(PYTHON) tests/e2e/run.py --build build-compat --openssl ossl3,ossl11 \
	  --only '^ossl(3|11)/(python|curl|legacy_tls1|legacy_tls1@127.0.0.1|legacy_cb|roads:private_ca)/shim/(good13|good12|wrongname|selfsigned|untrusted)$$|trust-store|own-anchors|server-gets'
	$(PYTHON) tests/centos/errqueue.py --build build-compat --only '^errqueue/ossl(3|11)/(connect|handshake)/'

# The user's case from issue 11 (Python 2.7.6 + requests 2.5.1 on OpenSSL
# 1.0.1e, built once from ../shared/vendor; SKIPs without it) and both ends
# of the error queue after a block, on OpenSSL 3.0, 1.1.1, 1.0.2u, 1.0.1e.
check-py2: all
	$(PYTHON) tests/centos/py2.py --build $(BUILD)
	$(PYTHON) tests/centos/errqueue.py --build $(BUILD)

# How the shim tells a secure-execution process where glibc lacks getauxval
# and secure_getenv (2.12) or /proc is absent (shim/libc/secure_env.c): builds that
# hide them (TG_TEST_WITHOUT), each tracing its decision, run as a normal,
# a setuid and a setgid process.
SECENV = build-secenv
SECENV_HIDE_oldenv = secure_getenv
SECENV_HIDE_noenv = secure_getenv __secure_getenv
SECENV_HIDE_auxv  = getauxval secure_getenv __secure_getenv
SECENV_HIDE_none  = getauxval secure_getenv __secure_getenv /proc/self/auxv
check-secure-env: all
	$(MAKE) BUILD=$(SECENV)/libc CFLAGS='-DTG_TEST_SECURE_TRACE' $(SECENV)/libc/libtlsguard.so
	$(foreach v,oldenv noenv auxv none,$(MAKE) BUILD=$(SECENV)/$(v) \
	  CFLAGS='-DTG_TEST_SECURE_TRACE -DTG_TEST_WITHOUT="\"$(SECENV_HIDE_$(v))\""' $(SECENV)/$(v)/libtlsguard.so &&) true
	$(PYTHON) tests/install/test_secure_env.py --build $(BUILD) --variants $(SECENV)

# Robustness under sanitizers, valgrind and hostile hosts (tests/robust/run.py
# says what each runs); each ends with "N passed, N failed". check-asan builds
# build-asan/ and runs the e2e suite on it.
check-asan: all
	$(PYTHON) tests/robust/run.py asan --build $(BUILD)
check-tsan: all
	$(PYTHON) tests/robust/run.py tsan --build $(BUILD)
check-valgrind: all
	$(PYTHON) tests/robust/run.py valgrind --build $(BUILD)
check-robust: all
	$(PYTHON) tests/robust/run.py robust --build $(BUILD)

# The README's two commands on a debootstrap'd Debian 12 with the standard
# /etc/hosts (::1 localhost too): slow, needs root; not part of `make test`.
check-fresh:
	sh tests/fresh/check-fresh.sh

# Figures, not a test: bench/results.md.
bench: all
	$(PYTHON) bench/run.py --build $(BUILD)

# Install locations. RPM distros pass LIBDIR=%{_libdir} (/usr/lib64).
# SYSCONFDIR is /etc for PREFIX=/usr, else PREFIX/etc. The library is 0755 as
# rpmbuild's strip and debuginfo steps expect (Debian's dh_fixperms makes it 0644).
BINDIR     ?= $(PREFIX)/bin
LIBDIR     ?= $(PREFIX)/lib
MANDIR     ?= $(PREFIX)/share/man
DOCDIR     ?= $(PREFIX)/share/doc/tlsguard
SYSCONFDIR ?= $(if $(filter /usr,$(PREFIX)),/etc,$(PREFIX)/etc)

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR) $(DESTDIR)$(MANDIR)/man1 \
	  $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(SYSCONFDIR) $(DESTDIR)$(DOCDIR)
	install -m 0755 $(LIB) $(DESTDIR)$(LIBDIR)/libtlsguard.so
	install -m 0755 $(TOOL) $(DESTDIR)$(BINDIR)/tlsguard
	install -m 0644 man/tlsguard.1 $(DESTDIR)$(MANDIR)/man1/tlsguard.1
	install -m 0644 man/tlsguard.policy.5 $(DESTDIR)$(MANDIR)/man5/tlsguard.policy.5
	install -m 0644 etc/tlsguard.policy.example $(DESTDIR)$(SYSCONFDIR)/tlsguard.policy.example
	install -m 0644 README.md docs/install.md $(DESTDIR)$(DOCDIR)/

# The glibc floor of the library (read from the ELF, then run under bullseye's
# glibc 2.31: tests/install/test_old_glibc.py), then `make install` into a
# temporary DESTDIR and real clients against the installed copy.
check-install: all
	sh tests/install/test_glibc_floor.sh $(BUILD)
	sh tests/install/test_load_cost.sh $(BUILD)
	$(PYTHON) tests/install/test_old_glibc.py --build $(BUILD)
	MAKE="$(MAKE)" sh tests/install/test_install.sh $(BUILD)

clean:
	rm -rf build build-asan build-compat build-secenv

# One C style for the tree (.clang-format; Debian 12's clang-format 14).
# Formatting changes no generated code: glibc_compat.h's .symver lines are
# kept out of it, since symbol@VERSION must stay one token.
FORMAT_SRC = $(shell find shim policy common tools tests bench -name '*.[ch]' -not -path 'tests/.cache/*' | sort)
format:
	clang-format -i $(FORMAT_SRC)
check-format:
	@clang-format --dry-run --Werror $(FORMAT_SRC) && echo "check-format: $(words $(FORMAT_SRC)) files in .clang-format's style"

# Programs that take their TLS functions with dlsym(handle, ...) (tests/dlsym/:
# a careless client that dlopen()s libssl on OpenSSL 3.0, 1.1.1, 1.0.2u,
# 1.0.1e, the same with dlvsym and with python3 ctypes), each against bad
# peers with its no-shim control; the same for libgnutls (dl_gnutls.c: its
# handle, RTLD_DEFAULT, dlvsym GNUTLS_3_4) and NSS (dl_nss.c: handles,
# RTLD_DEFAULT, RTLD_NEXT); then rtld_next.c: what dlsym answers for
# RTLD_NEXT, RTLD_DEFAULT and handles is the caller's, with and without the shim.
DL_TESTS = $(BUILD)/tests/dl_openssl $(BUILD)/tests/dl_gnutls $(BUILD)/tests/dl_nss $(BUILD)/tests/dl_rtld_next \
           $(patsubst %,$(BUILD)/tests/libdl_rn_%.so,pre a b c d)
$(BUILD)/tests/dl_openssl: tests/dlsym/dl_openssl.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_ALL) -o $@ $< $(LDFLAGS_ALL) -ldl
# dl_nss.c: an NSS client taking SSL_ImportFD, its hooks and PR_Write with dlsym.
$(BUILD)/tests/dl_nss: tests/dlsym/dl_nss.c tests/lib/nss_client.h
	@mkdir -p $(@D)
	$(TEST_CC) $(NSS_FLAGS) -o $@ $< $(NSS_LIBS) -ldl
$(BUILD)/tests/dl_gnutls: tests/dlsym/dl_gnutls.c tests/lib/loopback.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_ALL) -o $@ $< $(LDFLAGS_ALL) -ldl
$(BUILD)/tests/libdl_rn_c.so: tests/dlsym/rn_libs.c $(BUILD)/tests/libdl_rn_d.so
	$(CC) $(CFLAGS_ALL) -DRN_C -fPIC -shared -o $@ $< $(LDFLAGS_ALL) -L$(@D) -Wl,-rpath,'$$ORIGIN' -Wl,--no-as-needed -ldl_rn_d -ldl
$(BUILD)/tests/libdl_rn_%.so: tests/dlsym/rn_libs.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_ALL) -DRN_$(shell echo $* | tr a-z A-Z) -fPIC -shared -o $@ $< $(LDFLAGS_ALL) -ldl
$(BUILD)/tests/dl_rtld_next: tests/dlsym/rtld_next.c $(BUILD)/tests/libdl_rn_a.so $(BUILD)/tests/libdl_rn_b.so
	$(CC) $(CFLAGS_ALL) -o $@ $< $(LDFLAGS_ALL) -L$(@D) -Wl,-rpath,'$$ORIGIN' -Wl,--no-as-needed -ldl_rn_a -ldl_rn_b \
	  -lssl -lcrypto -ldl -pthread
check-dlsym: all $(DL_TESTS)
	$(PYTHON) tests/dlsym/run.py --build $(BUILD)
