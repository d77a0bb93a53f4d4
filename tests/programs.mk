# The C test programs (tests/clients, tests/adversarial, tests/robust,
# tests/gnutls, tests/nss, tests/install), built
# by make with one set of flags, once per OpenSSL they run on (the GnuTLS and
# NSS ones of tests/robust too, though they ignore the OpenSSL flags). The drivers ask
# for them through tests/lib/cbuild.py, which passes the OpenSSL's own flags
# (tests/lib/tgtest.py OpensslBuild: its headers, its lib dir with an rpath):
#
#   make TEST_OSSL=ossl11 OSSL_CFLAGS='-I...' OSSL_LDFLAGS='-L... -lssl -lcrypto' \
#        build/tests/ossl11/legacy_cb
#
# Sanitizer variants add TEST_SAN (and CC=clang, TEST_WERROR= for TSan) and
# may put their programs elsewhere with TEST_BIN; the base flags stay these.
# Included by the Makefile (CSTD and BUILD come from there).

TEST_OSSL    ?= ossl3
TEST_BIN     ?= $(BUILD)/tests/$(TEST_OSSL)
OSSL_CFLAGS  ?=
OSSL_LDFLAGS ?= -lssl -lcrypto
TEST_WERROR  ?= -Werror
TEST_SAN     ?=
# Deprecated APIs (TLSv1_client_method & co.) are the point of these programs.
TEST_CFLAGS   = $(CSTD) -O1 -g -Wall -Wextra -Wshadow -Wundef -Wno-deprecated-declarations \
                $(TEST_WERROR) $(TEST_SAN)
TEST_CC       = $(CC) $(TEST_CFLAGS)
NSS_FLAGS     = $$(pkg-config --cflags nss)
NSS_LIBS      = $$(pkg-config --libs nss)

CLIENT_DEPS = tests/clients/common.c tests/clients/common.h
ADV_DEPS    = tests/adversarial/adv_common.c tests/adversarial/adv.h tests/lib/loopback.h
RB_DEPS     = tests/robust/rb_common.c tests/robust/rb.h

# tests/clients: the legacy clients of the e2e suite and their helpers.
define test_client
	@mkdir -p $(@D)
	$(TEST_CC) $(OSSL_CFLAGS) -Itests/clients -o $@ $< tests/clients/common.c $(OSSL_LDFLAGS)
endef
$(TEST_BIN)/legacy_%: tests/clients/legacy_%.c $(CLIENT_DEPS)
	$(test_client)
$(TEST_BIN)/late_anchors: tests/clients/late_anchors.c $(CLIENT_DEPS)
	$(test_client)
$(TEST_BIN)/errqueue: tests/clients/errqueue.c
	@mkdir -p $(@D)
	$(TEST_CC) $(OSSL_CFLAGS) -o $@ $< $(OSSL_LDFLAGS)
# One process, two OpenSSLs: the program (linked to this one) and its plugin
# (built against another, dlopen'ed RTLD_LOCAL).
$(TEST_BIN)/two_libssl: tests/clients/two_libssl.c tests/clients/two_libssl_conn.c
	@mkdir -p $(@D)
	$(TEST_CC) $(OSSL_CFLAGS) -DTWO_CONNECT=main_connect -o $@ $^ $(OSSL_LDFLAGS) -ldl
$(TEST_BIN)/two_libssl_plugin.so: tests/clients/two_libssl_conn.c
	@mkdir -p $(@D)
	$(TEST_CC) $(OSSL_CFLAGS) -fPIC -shared -fvisibility=hidden -DTWO_CONNECT=plugin_connect \
	  -o $@ $< $(OSSL_LDFLAGS)

# tests/adversarial: the hostile server (system OpenSSL) and the careless clients.
$(TEST_BIN)/adv_server: tests/adversarial/adv_server.c
	@mkdir -p $(@D)
	$(TEST_CC) $(OSSL_CFLAGS) -o $@ $< $(OSSL_LDFLAGS) -lpthread
$(TEST_BIN)/adv_deepbind: tests/adversarial/adv_deepbind.c
	@mkdir -p $(@D)
	$(TEST_CC) -o $@ $< -ldl
$(TEST_BIN)/adv_plugin.so: tests/adversarial/adv_plugin.c $(ADV_DEPS)
	@mkdir -p $(@D)
	$(TEST_CC) $(OSSL_CFLAGS) -shared -fPIC -o $@ $< tests/adversarial/adv_common.c $(OSSL_LDFLAGS)
$(TEST_BIN)/adv_%: tests/adversarial/adv_%.c $(ADV_DEPS)
	@mkdir -p $(@D)
	$(TEST_CC) $(OSSL_CFLAGS) -o $@ $< tests/adversarial/adv_common.c $(OSSL_LDFLAGS)

# tests/robust: hostile hosts (threads, fork, constructors, two copies).
$(TEST_BIN)/rb_canary: tests/robust/rb_canary.c
	@mkdir -p $(@D)
	$(TEST_CC) -pthread -o $@ $<
$(TEST_BIN)/librb_ctor.so: tests/robust/rb_ctor_lib.c $(RB_DEPS)
	@mkdir -p $(@D)
	$(TEST_CC) $(OSSL_CFLAGS) -Itests/robust -fPIC -shared -o $@ $< tests/robust/rb_common.c $(OSSL_LDFLAGS)
$(TEST_BIN)/rb_ctor: tests/robust/rb_ctor.c $(TEST_BIN)/librb_ctor.so $(RB_DEPS)
	$(TEST_CC) $(OSSL_CFLAGS) -Itests/robust -o $@ $< -L$(@D) -Wl,-rpath,$(abspath $(@D)) -lrb_ctor \
	  $(OSSL_LDFLAGS)
# The GnuTLS and NSS threaded clients (no OpenSSL in them; explicit rules win
# over the pattern below).
$(TEST_BIN)/rb_gt_threads: tests/robust/rb_gt_threads.c tests/robust/asan_first.h tests/robust/rb_threads.h
	@mkdir -p $(@D)
	$(TEST_CC) -pthread -o $@ $< -lgnutls
$(TEST_BIN)/rb_nss_threads: tests/robust/rb_nss_threads.c tests/robust/asan_first.h tests/robust/rb_threads.h tests/lib/nss_client.h
	@mkdir -p $(@D)
	$(TEST_CC) $(NSS_FLAGS) -pthread -o $@ $< $(NSS_LIBS)
$(TEST_BIN)/rb_%: tests/robust/rb_%.c $(RB_DEPS)
	@mkdir -p $(@D)
	$(TEST_CC) $(OSSL_CFLAGS) -Itests/robust -pthread -o $@ $< tests/robust/rb_common.c $(OSSL_LDFLAGS) -ldl

# tests/install/compat_probe.c as the shim is built (CSTD WARN, _FORTIFY_SOURCE=2,
# -O2, glibc_compat.h and .c; -fob64 with _FILE_OFFSET_BITS=64), and -bare
# without glibc_compat (the negative control): test_glibc_floor.sh reads their
# symbol versions. No OpenSSL in them.
PROBE_CFLAGS = $(CSTD) -D_FORTIFY_SOURCE=2 -O2 -fPIC -shared
$(TEST_BIN)/compat_probe.so $(TEST_BIN)/compat_probe-fob64.so: tests/install/compat_probe.c \
    shim/libc/glibc_compat.c shim/libc/glibc_compat.h
	@mkdir -p $(@D)
	$(CC) $(PROBE_CFLAGS) $(WARN) $(if $(findstring -fob64,$(@F)),-D_FILE_OFFSET_BITS=64) \
	  -include shim/libc/glibc_compat.h -o $@ $< shim/libc/glibc_compat.c -Wl,--no-undefined -ldl -lpthread \
	  -Wl,--no-as-needed -l:libdl.so.2 -l:libpthread.so.0
$(TEST_BIN)/compat_probe-bare.so: tests/install/compat_probe.c
	@mkdir -p $(@D)
	$(CC) $(PROBE_CFLAGS) -o $@ $< -ldl -lpthread

# tests/gnutls and tests/nss: the careless clients (careless.c), those of the
# roads careless.c does not take (roads.c) and the libcurl-nss client; they
# need libgnutls28-dev, libnss3-dev and libnspr4-dev, libcurl3-nss.
$(BUILD)/tests/gnutls_careless: tests/gnutls/careless.c tests/robust/asan_first.h tests/lib/gt_client.h
	@mkdir -p $(@D)
	$(TEST_CC) -o $@ $< -lgnutls
$(BUILD)/tests/gnutls_roads: tests/gnutls/roads.c tests/lib/gt_client.h
	@mkdir -p $(@D)
	$(TEST_CC) -o $@ $< -lgnutls
$(BUILD)/tests/nss_curl: tests/nss/curl_nss.c tests/robust/asan_first.h
	@mkdir -p $(@D)
	$(TEST_CC) -o $@ $< -l:libcurl-nss.so.4
$(BUILD)/tests/nss_careless: tests/nss/careless.c tests/robust/asan_first.h tests/lib/nss_client.h
	@mkdir -p $(@D)
	$(TEST_CC) $(NSS_FLAGS) -o $@ $< $(NSS_LIBS)
$(BUILD)/tests/nss_roads: tests/nss/roads.c tests/lib/nss_client.h
	@mkdir -p $(@D)
	$(TEST_CC) $(NSS_FLAGS) -o $@ $< $(NSS_LIBS)
# tests/gnutls/asks.c: a careful client's own questions get GnuTLS's answers.
$(BUILD)/tests/gnutls_asks: tests/gnutls/asks.c tests/lib/gt_client.h
	@mkdir -p $(@D)
	$(TEST_CC) -o $@ $< -lgnutls -lpthread
$(BUILD)/tests/gnutls_rawfd: tests/gnutls/rawfd.c tests/lib/gt_client.h
	@mkdir -p $(@D)
	$(TEST_CC) -o $@ $< -lgnutls
$(BUILD)/tests/gnutls_errtext: tests/gnutls/errtext.c
	@mkdir -p $(@D)
	$(TEST_CC) -pthread -o $@ $< -lgnutls
$(BUILD)/tests/nss_hosts: tests/nss/hosts.c tests/lib/nss_client.h
	@mkdir -p $(@D)
	$(TEST_CC) $(NSS_FLAGS) -pthread -o $@ $< $(NSS_LIBS)
# tests/nss/asker.c: a program hook's SSL_AuthCertificate gets NSS's answer.
$(BUILD)/tests/nss_asker: tests/nss/asker.c tests/robust/asan_first.h tests/lib/nss_client.h
	@mkdir -p $(@D)
	$(TEST_CC) $(NSS_FLAGS) -o $@ $< $(NSS_LIBS)

# tests/install/old_glibc_client.c: runs on glibc 2.31 wherever built (its own
# _start, glibc_compat.h), links libc and libdl only, dlopens libssl.so.1.1.
$(TEST_BIN)/old_glibc_client: tests/install/old_glibc_client.c shim/libc/glibc_compat.h
	@mkdir -p $(@D)
	$(CC) $(CSTD) -O2 $(WARN) -fPIE -pie -nostartfiles -include shim/libc/glibc_compat.h -o $@ $< \
	  -Wl,--no-as-needed -l:libdl.so.2

# tests/fuzz: the policy parser's libFuzzer target (tests/fuzz/run.sh makes
# and runs it): these flags, with libFuzzer, ASan and UBSan, under clang.
FUZZ_CC ?= clang
$(BUILD)/fuzz_policy: tests/fuzz/fuzz_policy.c $(wildcard policy/*.c policy/*.h tests/unit/*.h)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(TEST_CFLAGS) -fno-omit-frame-pointer -fsanitize=fuzzer,address,undefined \
	  -fno-sanitize-recover=all -Ipolicy -Itests/unit -o $@ $< $(wildcard policy/*.c)
