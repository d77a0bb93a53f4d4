/*
 * cmd_pin.c — `tlsguard pin FILE.pem | HOST[:PORT] [--insecure-fetch]
 * [--servername NAME]`: print the sha256/ pin (SHA-256 of the DER
 * SubjectPublicKeyInfo, standard base64, as HPKP and OkHttp write it) of every
 * certificate, as a policy block ready to paste.
 *
 * From a server, only a chain that verified with the anchors the shim would
 * use (pin_trust.c: the default store, which honours SSL_CERT_FILE /
 * SSL_CERT_DIR, the policy's ca-file / ca-dir, global and the host's, and
 * --ca-file) with the host name checked is pinned, unless --insecure-fetch says otherwise: a pin taken from an
 * unverified chain pins whoever sat on the path that day.
 *
 * This is an ordinary program and may use OpenSSL 3.0 freely.  It may also
 * run under the shim's LD_PRELOAD (inside `tlsguard run`): then the shim
 * forces verification on our connection too, which is harmless except that
 * --insecure-fetch cannot fetch an unverifiable chain; we say so.
 */
#include "tlsguard.h"
#include "net.h"
#include "pin_trust.h"
#include "spki_pin.h"

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#define PIN_PLACEHOLDER_HOST "example.com"

struct pin_opts {
    const char *target;        /* FILE.pem or HOST[:PORT] */
    const char *servername;    /* --servername, or NULL */
    int insecure;              /* --insecure-fetch */
    struct tg_pin_trust trust; /* --policy, --no-policy, --ca-file */
};

/* ---- printing ----------------------------------------------------------- */

static int sha256(const void *ctx, const unsigned char *in, size_t len,
                  unsigned char out[TG_PIN_HASH_LEN])
{
    unsigned int n = 0;
    (void)ctx;
    return EVP_Digest(in, len, out, &n, EVP_sha256(), NULL) == 1 && n == TG_PIN_HASH_LEN ? 0 : -1;
}

/* The certificate's pin text (common/spki_pin.c), its DER SPKI taken as
 * the shim takes it (shim/openssl/pins.c), so both hash the same bytes. */
static int spki_pin(X509 *x, char out[TG_PIN_TEXT_SIZE])
{
    unsigned char *der = NULL, hash[TG_PIN_HASH_LEN];
    EVP_PKEY *key = X509_get_pubkey(x);
    int len = key ? i2d_PUBKEY(key, &der) : -1;
    int rc = tg_spki_hash(der, len, sha256, NULL, hash);
    EVP_PKEY_free(key);
    OPENSSL_free(der);
    if (rc == 0)
        tg_pin_text(hash, out);
    return rc;
}

/* The subject as one line, RFC 2253 order (CN first), UTF-8, control
 * characters escaped so that it cannot break the comment it sits in. */
static void subject_line(X509 *x, char *out, size_t n)
{
    out[0] = '\0';
    BIO *b = BIO_new(BIO_s_mem());
    if (!b)
        return;
    X509_NAME_print_ex(b, X509_get_subject_name(x), 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
    char *p;
    long len = BIO_get_mem_data(b, &p);
    if (len > 0) {
        size_t m = (size_t)len < n - 1 ? (size_t)len : n - 1;
        memcpy(out, p, m);
        out[m] = '\0';
    }
    BIO_free(b);
    if (!out[0])
        snprintf(out, n, "(empty subject)");
}

/* The name a pasted block should start with, from a leaf: its first DNS SAN,
 * else its CN, else the placeholder. */
static void leaf_name(X509 *x, char *out, size_t n)
{
    snprintf(out, n, "%s", PIN_PLACEHOLDER_HOST);
    GENERAL_NAMES *sans = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
    for (int i = 0; sans && i < sk_GENERAL_NAME_num(sans); i++) {
        GENERAL_NAME *g = sk_GENERAL_NAME_value(sans, i);
        if (g->type == GEN_DNS) {
            const unsigned char *s = ASN1_STRING_get0_data(g->d.dNSName);
            int len = ASN1_STRING_length(g->d.dNSName);
            /* A name with a space, '#' or a control character in it cannot be a
             * host pattern: keep the placeholder rather than print a broken line. */
            int clean = len > 0 && (size_t)len < n;
            for (int k = 0; clean && k < len; k++)
                clean = s[k] > ' ' && s[k] < 0x7f && s[k] != '#';
            if (clean) {
                memcpy(out, s, (size_t)len);
                out[len] = '\0';
                GENERAL_NAMES_free(sans);
                return;
            }
        }
    }
    GENERAL_NAMES_free(sans);
    X509_NAME *subj = X509_get_subject_name(x);
    int idx = X509_NAME_get_index_by_NID(subj, NID_commonName, -1);
    if (idx < 0)
        return;
    ASN1_STRING *cn = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subj, idx));
    unsigned char *utf8 = NULL;
    int len = ASN1_STRING_to_UTF8(&utf8, cn);
    int clean = len > 0 && (size_t)len < n;
    for (int k = 0; clean && k < len; k++)
        clean = utf8[k] > ' ' && utf8[k] < 0x7f && utf8[k] != '#';
    if (clean) {
        memcpy(out, utf8, (size_t)len);
        out[len] = '\0';
    }
    OPENSSL_free(utf8);
}

/*
 * Print the block.  leaf_first: certificate 0 is the server's leaf (a chain
 * from a server); otherwise a certificate is labelled leaf when it is not a CA.
 */
static int print_block(const char *header, const char *host_line, STACK_OF(X509) * certs,
                       int leaf_first)
{
    int n = sk_X509_num(certs);
    /* Every pin first: nothing is printed unless the whole block can be. */
    char(*pins)[TG_PIN_TEXT_SIZE] = calloc(n > 0 ? (size_t)n : 1, sizeof *pins);
    if (!pins) {
        fprintf(stderr, "tlsguard pin: out of memory\n");
        return 1;
    }
    for (int i = 0; i < n; i++) {
        if (spki_pin(sk_X509_value(certs, i), pins[i]) != 0) {
            fprintf(stderr, "tlsguard pin: cannot encode the public key of certificate %d\n",
                    i + 1);
            free(pins);
            return 1;
        }
    }
    fputs(header, stdout);
    printf("%s\n", host_line);
    for (int i = 0; i < n; i++) {
        X509 *x = sk_X509_value(certs, i);
        char subj[512];
        subject_line(x, subj, sizeof subj);
        int leaf = leaf_first ? i == 0 : X509_check_ca(x) == 0;
        printf("    pin %s   # %s%s\n", pins[i], subj, leaf ? " (leaf)" : "");
    }
    if (n == 1)
        printf(
            "    # a single pin has no backup: add one (e.g. your next key's) before enforcing\n");
    free(pins);
    return fflush(stdout) == 0 && !ferror(stdout) ? 0 : 1;
}

/* ---- FILE.pem ------------------------------------------------------------ */

/* path "-" is standard input (`openssl s_client -showcerts ... | tlsguard pin -`). */
static int pin_file(const char *path)
{
    int is_stdin = !strcmp(path, "-");
    errno = 0;
    BIO *in = is_stdin ? BIO_new_fp(stdin, BIO_NOCLOSE) : BIO_new_file(path, "r");
    if (!in) {
        fprintf(stderr, "tlsguard pin: %s: %s\n", path, strerror(errno ? errno : EIO));
        return 1;
    }
    STACK_OF(X509) *certs = sk_X509_new_null();
    X509 *x;
    /* PEM_read_bio_X509 skips PEM blocks of other types (a key beside the
     * certificate), so a combined key+cert file works. */
    while (certs && (x = PEM_read_bio_X509(in, NULL, NULL, NULL)) != NULL) {
        if (!sk_X509_push(certs, x)) {
            X509_free(x);
            break;
        }
    }
    ERR_clear_error(); /* the end of the file reads as "no start line" */
    BIO_free(in);
    if (is_stdin)
        path = "(standard input)";
    int rc = 1;
    if (!certs || sk_X509_num(certs) == 0) {
        fprintf(stderr, "tlsguard pin: %s: no PEM certificate found\n", path);
    } else {
        /* The leaf of a bundle: the first non-CA certificate, else the first. */
        X509 *leaf = sk_X509_value(certs, 0);
        for (int i = 0; i < sk_X509_num(certs); i++) {
            if (X509_check_ca(sk_X509_value(certs, i)) == 0) {
                leaf = sk_X509_value(certs, i);
                break;
            }
        }
        char name[256], header[512 + 64], host_line[sizeof name + 64], shown[512];
        leaf_name(leaf, name, sizeof name);
        int n = sk_X509_num(certs);
        /* A control character in the file name would end the comment line. */
        snprintf(shown, sizeof shown, "%s", path);
        for (char *c = shown; *c; c++)
            if ((unsigned char)*c < ' ' || *c == 0x7f)
                *c = '?';
        snprintf(header, sizeof header, "# pins from %s (%d certificate%s)\n", shown, n,
                 n == 1 ? "" : "s");
        snprintf(host_line, sizeof host_line, "host %s   # change to the host these pins are for",
                 name);
        rc = print_block(header, host_line, certs, 0);
    }
    sk_X509_pop_free(certs, X509_free);
    return rc;
}

/* ---- HOST[:PORT] --------------------------------------------------------- */

/* The last OpenSSL error's reason ("tlsv1 alert protocol version"), else its
 * whole code string, else fallback. */
static void ssl_error_text(char *out, size_t n, const char *fallback)
{
    unsigned long e = ERR_peek_last_error();
    const char *reason = e ? ERR_reason_error_string(e) : NULL;
    if (reason)
        snprintf(out, n, "%s", reason);
    else if (e)
        ERR_error_string_n(e, out, n);
    else
        snprintf(out, n, "%s", fallback);
}

static int under_shim(void)
{
    const char *p = getenv("LD_PRELOAD");
    return p && strstr(p, "libtlsguard") != NULL;
}

/* One fetch of a server's chain: what the steps below share. */
struct pin_fetch {
    const struct pin_opts *o;
    char shown[300];  /* "host:port" or "[v6]:port", for messages */
    const char *name; /* the name the certificate must carry */
    int fd;
    long long deadline;
    SSL_CTX *ctx;
    SSL *ssl;
    char trusted[1024]; /* the anchors, for messages */
};

/* It goes into the `host` line: no space, '#' or control character. */
static int check_host_name(const char *name)
{
    for (const char *c = name; *c; c++) {
        if ((unsigned char)*c <= ' ' || *c == '#' || *c == 0x7f) {
            fprintf(stderr, "tlsguard pin: '%s' is not a host name\n", name);
            return -1;
        }
    }
    return 0;
}

/* The context and SSL: the shim's anchors, verification, the name. */
static int fetch_setup(struct pin_fetch *f)
{
    char why[300];
    int name_is_ip = tg_is_ip_literal(f->name);
    f->ctx = SSL_CTX_new(TLS_client_method());
    if (f->ctx &&
        tg_pin_trust_apply(&f->o->trust, f->ctx, f->name, f->trusted, sizeof f->trusted) != 0)
        return -1;
    if (!f->ctx || !(f->ssl = SSL_new(f->ctx))) {
        ssl_error_text(why, sizeof why, "out of memory");
        fprintf(stderr, "tlsguard pin: cannot set up TLS: %s\n", why);
        return -1;
    }
    /* Verification aborts the handshake on failure: with SSL_VERIFY_NONE
     * OpenSSL still keeps a (partial) "verified" chain after a failure, and
     * nothing unverified must be printable as verified. */
    SSL_set_verify(f->ssl, f->o->insecure ? SSL_VERIFY_NONE : SSL_VERIFY_PEER, NULL);
    /* SSL_set1_host: OpenSSL 1.1.0; X509_VERIFY_PARAM_set1_ip_asc: 1.0.2.  The
     * CLI builds against the system's OpenSSL 3.0 only (the shim is the part
     * that must cope with every version). */
    int set_ok = name_is_ip ? X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(f->ssl), f->name)
                            : SSL_set1_host(f->ssl, f->name);
    /* SNI carries a DNS name only (RFC 6066 section 3), never an IP literal. */
    if (set_ok == 1 && !name_is_ip)
        set_ok = (int)SSL_set_tlsext_host_name(f->ssl, f->name);
    if (set_ok != 1 || SSL_set_fd(f->ssl, f->fd) != 1) {
        ssl_error_text(why, sizeof why, "invalid name");
        fprintf(stderr, "tlsguard pin: %s: cannot use the name '%s': %s\n", f->shown, f->name, why);
        return -1;
    }
    return 0;
}

static void say_unverified(const struct pin_fetch *f, long vr)
{
    fprintf(stderr,
            "tlsguard pin: %s: certificate verification failed: %s; refusing to pin an "
            "unverified chain (use --insecure-fetch to pin it anyway)\n",
            f->shown, X509_verify_cert_error_string(vr));
}

/* Why the handshake failed, once it did (not for want of I/O). */
static void say_handshake_failed(const struct pin_fetch *f, int err)
{
    char why[300];
    long vr = SSL_get_verify_result(f->ssl);
    if (!f->o->insecure && vr != X509_V_OK) {
        say_unverified(f, vr);
        fprintf(stderr, "tlsguard pin: trusted: %s\n", f->trusted);
    } else {
        ssl_error_text(why, sizeof why,
                       err == SSL_ERROR_SYSCALL || err == SSL_ERROR_ZERO_RETURN
                           ? "the server closed the connection"
                           : "unknown error");
        fprintf(stderr, "tlsguard pin: %s: TLS handshake failed: %s\n", f->shown, why);
    }
    if (f->o->insecure && under_shim())
        fprintf(stderr, "tlsguard pin: note: running under the tlsguard shim (LD_PRELOAD), "
                        "which enforces verification even for --insecure-fetch\n");
}

/* The handshake on the non-blocking socket, within the deadline. */
static int fetch_handshake(struct pin_fetch *f)
{
    for (;;) {
        ERR_clear_error();
        int r = SSL_connect(f->ssl);
        if (r == 1)
            return 0;
        int err = SSL_get_error(f->ssl, r);
        short ev = err == SSL_ERROR_WANT_READ ? POLLIN : err == SSL_ERROR_WANT_WRITE ? POLLOUT : 0;
        if (!ev) {
            say_handshake_failed(f, err);
            return -1;
        }
        int w = tg_wait_fd(f->fd, ev, f->deadline);
        if (w <= 0) {
            fprintf(stderr, "tlsguard pin: %s: TLS handshake %s\n", f->shown,
                    w == 0 ? "timed out after 10 s" : strerror(errno));
            return -1;
        }
    }
}

/* The block for the chain the handshake got: verified, or as presented. */
static int print_fetched(const struct pin_fetch *f)
{
    long vr = SSL_get_verify_result(f->ssl);
    /* On a client SSL_get_peer_cert_chain includes the leaf; SSL_get0_verified_chain
     * (OpenSSL 1.1.0) is the chain built up to the trust anchor. */
    STACK_OF(X509) *chain =
        f->o->insecure ? SSL_get_peer_cert_chain(f->ssl) : SSL_get0_verified_chain(f->ssl);
    if (!f->o->insecure && vr != X509_V_OK) {
        /* Cannot happen with SSL_VERIFY_PEER; refuse rather than trust that. */
        say_unverified(f, vr);
        return 1;
    }
    if (!chain || sk_X509_num(chain) == 0) {
        fprintf(stderr, "tlsguard pin: %s: the server sent no certificate\n", f->shown);
        return 1;
    }
    int n = sk_X509_num(chain);
    char header[1024], host_line[300];
    const char *s = n == 1 ? "" : "s";
    if (f->o->insecure) {
        snprintf(
            header, sizeof header,
            "# pins for %s (%d certificate%s; as presented by %s)\n"
            "# WARNING: chain NOT verified (verification %s%s): check these pins out of band\n",
            f->name, n, s, f->shown, vr == X509_V_OK ? "would have succeeded" : "fails: ",
            vr == X509_V_OK ? "" : X509_verify_cert_error_string(vr));
    } else {
        snprintf(header, sizeof header,
                 "# pins for %s (%d certificate%s; verified chain)\n# trusted: %.700s\n", f->name,
                 n, s, f->trusted);
    }
    snprintf(host_line, sizeof host_line, "host %s", f->name);
    return print_block(header, host_line, chain, 1);
}

static int pin_host(const struct pin_opts *o)
{
    struct pin_fetch f = { .o = o, .fd = -1 };
    char host[256], port[8], why[300];
    if (tg_split_target(o->target, host, sizeof host, port, sizeof port) != 0) {
        fprintf(stderr, "tlsguard pin: %s: not a file, nor HOST[:PORT] ([IPv6]:PORT)\n", o->target);
        return 1;
    }
    snprintf(f.shown, sizeof f.shown, strchr(host, ':') ? "[%s]:%s" : "%s:%s", host, port);
    /* The name the certificate must carry: --servername, else the host. */
    f.name = o->servername ? o->servername : host;
    if (check_host_name(f.name) != 0)
        return 1;

    /* A peer that resets the connection mid-handshake must not kill us with
     * SIGPIPE: OpenSSL's socket BIO writes with write(2). */
    signal(SIGPIPE, SIG_IGN);
    f.deadline = tg_now_ms() + PIN_TIMEOUT_MS;
    f.fd = tg_tcp_connect(host, port, f.deadline, why, sizeof why);
    if (f.fd < 0) {
        fprintf(stderr, "tlsguard pin: %s: %s\n", f.shown, why);
        return 1;
    }
    int rc = 1;
    if (fetch_setup(&f) == 0 && fetch_handshake(&f) == 0)
        rc = print_fetched(&f);
    if (f.ssl) {
        /* A quiet shutdown: no close_notify round trip to wait for. */
        SSL_set_quiet_shutdown(f.ssl, 1);
        SSL_shutdown(f.ssl);
    }
    SSL_free(f.ssl);
    SSL_CTX_free(f.ctx);
    close(f.fd);
    return rc;
}

/* ---- entry --------------------------------------------------------------- */

static int pin_usage(void)
{
    fputs("usage: tlsguard pin FILE.pem | HOST[:PORT] [--policy FILE] [--ca-file FILE] "
          "[--insecure-fetch] [--servername NAME]\nTry 'tlsguard pin --help'.\n",
          stderr);
    return 2;
}

/* A target is a file when it exists, or when it looks like one (a '/' or a
 * certificate extension), so that a missing file is reported as such rather
 * than looked up in DNS. */
static int looks_like_file(const char *t)
{
    struct stat st;
    if (!strcmp(t, "-") || stat(t, &st) == 0)
        return 1;
    if (strchr(t, '/'))
        return 1;
    const char *dot = strrchr(t, '.');
    return dot && (!strcmp(dot, ".pem") || !strcmp(dot, ".crt") || !strcmp(dot, ".cer"));
}

int tg_cmd_pin(int argc, char **argv)
{
    struct pin_opts o = { 0 };
    for (int i = 1; i < argc; i++) {
        int err;
        const char *v;
        if (tg_is_help(argv[i])) {
            return tg_help("pin");
        } else if ((v = tg_opt_value(argc, argv, &i, "--policy", &err)) || err) {
            if (!v || !*v)
                return tg_usage_error("pin", "--policy needs a FILE");
            o.trust.policy = v;
        } else if ((v = tg_opt_value(argc, argv, &i, "--ca-file", &err)) || err) {
            if (!v || !*v)
                return tg_usage_error("pin", "--ca-file needs a FILE");
            o.trust.ca_file = v;
        } else if (!strcmp(argv[i], "--no-policy")) {
            o.trust.no_policy = 1;
        } else if (!strcmp(argv[i], "--insecure-fetch")) {
            o.insecure = 1;
        } else if (!strcmp(argv[i], "--servername")) {
            if (i + 1 >= argc || !argv[i + 1][0])
                return pin_usage();
            o.servername = argv[++i];
        } else if (!strncmp(argv[i], "--servername=", 13) && argv[i][13]) {
            o.servername = argv[i] + 13;
        } else if (!strcmp(argv[i], "--")) {
            if (i + 1 < argc && !o.target && i + 2 == argc)
                o.target = argv[i + 1];
            else
                return pin_usage();
            break;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            return tg_unknown_option("pin", argv[i]);
        } else if (!o.target) {
            o.target = argv[i];
        } else {
            return pin_usage();
        }
    }
    if (!o.target || !o.target[0])
        return pin_usage();
    if (looks_like_file(o.target)) {
        if (o.insecure || o.servername || o.trust.policy || o.trust.ca_file || o.trust.no_policy) {
            fprintf(stderr, "tlsguard pin: --insecure-fetch, --servername, --policy, --no-policy "
                            "and --ca-file apply to HOST[:PORT], not to a file\n");
            return 2;
        }
        return pin_file(o.target);
    }
    return pin_host(&o);
}
