/*
 * tlsguard policy module: the policy-file language (see SPEC.md) parsed into
 * an immutable value, and host-name lookup of the settings that apply.
 *
 * Pure C: no OpenSSL, no dlsym, no global state, never prints, never exits.
 * Errors are values: every problem found in a policy is returned as a
 * {line, message} diagnostic.  A parsed policy is never modified again, so
 * any number of threads may call the lookup functions on it concurrently.
 *
 * Everything here has hidden visibility inside libtlsguard.so.
 */
#ifndef TG_POLICY_H
#define TG_POLICY_H

#include <stddef.h>

/* Limits of the language. */
#define TG_POLICY_MAX_LINE  4096               /* bytes per line, without the newline */
#define TG_POLICY_MAX_FILE  (4u * 1024 * 1024) /* tg_policy_load_file refuses larger */
#define TG_POLICY_MAX_DIAGS 100                /* diagnostics kept; more set .truncated */

/* TLS version numbers as on the wire (and as OpenSSL's TLS1_2_VERSION...). */
#define TG_TLS1_2 0x0303
#define TG_TLS1_3 0x0304

/* ---- diagnostics ------------------------------------------------------ */

struct tg_diag {
    int line;       /* 1-based line, or 0 for a problem with the whole file */
    int is_warning; /* 0: error (the policy is rejected), 1: warning */
    char message[200];
};

/*
 * Filled by tg_policy_parse / tg_policy_load_file, which initialise it
 * themselves (its previous content is not freed: call tg_diags_free between
 * two uses).  Release with tg_diags_free, on success and on failure.
 */
struct tg_diags {
    struct tg_diag *items;
    size_t count;    /* items kept (at most cap) */
    size_t cap;      /* TG_POLICY_MAX_DIAGS */
    int truncated;   /* more diagnostics were found than kept */
    size_t errors;   /* errors found, including ones not kept */
    size_t warnings; /* warnings found, including ones not kept */
    char file[256];  /* file name used in messages (truncated if longer) */
};

/* Free the items of d (not d itself) and leave it empty; NULL is a no-op. */
void tg_diags_free(struct tg_diags *d);

/*
 * Format diagnostic i of d into buf (always NUL-terminated when n > 0) as
 *   "FILE:LINE: MESSAGE"          an error
 *   "FILE:LINE: warning: MESSAGE" a warning
 *   "FILE: MESSAGE"               when line is 0
 * Returns the length snprintf would have written, or -1 if i is out of range.
 */
int tg_diag_format(const struct tg_diags *d, size_t i, char *buf, size_t n);

/* ---- the policy value ------------------------------------------------- */

struct tg_policy; /* opaque, immutable once returned */

enum tg_mode {
    TG_MODE_ENFORCE,
    TG_MODE_AUDIT
};
enum tg_log_kind {
    TG_LOG_STDERR,
    TG_LOG_SYSLOG,
    TG_LOG_NONE,
    TG_LOG_FILE
};

/*
 * The settings that are global only, already merged with the built-in
 * defaults.  The global values of per-host settings (min-protocol, mode)
 * are what a name no block matches gets: tg_policy_lookup(p, NULL, &s).
 */
struct tg_global {
    const char *ca_file;       /* absolute path or NULL */
    const char *ca_dir;        /* absolute path or NULL */
    enum tg_log_kind log_kind; /* default TG_LOG_STDERR */
    const char *log_path;      /* absolute path when log_kind is TG_LOG_FILE, else NULL */
    int log_allowed;           /* log allowed connections too; default 0 */
};

/*
 * Parse len bytes of policy text (need not be NUL-terminated; may contain
 * anything: a NUL byte is reported as an error; more than TG_POLICY_MAX_FILE
 * bytes are refused).  file names the source in diagnostics (NULL:
 * "(policy)").  If out is not NULL it receives every error and warning.
 * Returns the policy, or NULL if there was any error (or no memory: then out
 * has an error saying so, if it could be recorded).
 */
struct tg_policy *tg_policy_parse(const char *text, size_t len, const char *file,
                                  struct tg_diags *out);

/*
 * Read and parse the policy file at path (symlinks are followed; the file
 * reached must be a regular file, at most TG_POLICY_MAX_FILE bytes, owned by
 * root or the effective uid, and writable by nobody else).  Problems with the
 * file itself are diagnostics with line 0, e.g.
 *   "FILE: refusing policy: writable by others (mode 0666)".
 */
struct tg_policy *tg_policy_load_file(const char *path, struct tg_diags *out);

/* A policy with no host blocks and the built-in defaults (what an empty
 * policy text says); NULL only on OOM. */
struct tg_policy *tg_policy_default(void);

/* Free a policy; NULL is a no-op.  Pointers obtained from it become invalid. */
void tg_policy_free(struct tg_policy *p);

/* The global settings of p (points into p). */
const struct tg_global *tg_policy_global(const struct tg_policy *p);

/* Number of host blocks in p. */
size_t tg_policy_block_count(const struct tg_policy *p);

/* ---- host lookup ------------------------------------------------------ */

struct tg_pin {
    unsigned char sha256[32];
}; /* SHA-256 of a DER SubjectPublicKeyInfo */

/*
 * The settings for one host name.  Each comes from the first host block (in
 * file order) that matches the name and sets it, else from the global
 * settings, else from the defaults.  pins and pins_expire_at come together
 * from the first matching block that has pins.  One value: consumers keep
 * a copy of the whole struct.  A field here is a row of the settings table
 * (policy/setting_table.c), which says how it parses and where its default is.
 */
struct tg_host_settings {
    int min_protocol; /* TG_TLS1_2 or TG_TLS1_3 */
    enum tg_mode mode;
    const struct tg_pin *pins; /* points into the policy; NULL when pin_count is 0 */
    size_t pin_count;
    long long pins_expire_at; /* unix time of 00:00 UTC on the day after pin-expires:
	                                 pins are enforced while now < this; -1: no expiry */
    const char *ca_file;      /* per-host trust anchors: ca-file and ca-dir come together */
    const char *ca_dir;       /* from the first matching block that sets either; NULL when
	                                 unset (the global ones stay in struct tg_global) */
    int ca_line;              /* the `host` line of that block, 0 if none */
    /* Where the result came from (keep these two last: every field before
	 * them belongs to a row of the settings table, and a unit test says so). */
    int block_index; /* first matching block (0-based), -1 if none */
    int block_line;  /* its `host` line, 0 if none */
};

/*
 * Look up the settings for host (a DNS name, an IPv4 address, or an IPv6
 * address with or without brackets).  Case-insensitive; one trailing dot is
 * ignored; NULL or "" matches no block.  Cost does not grow with the number
 * of blocks: a hash probe per label of host.
 */
void tg_policy_lookup(const struct tg_policy *p, const char *host, struct tg_host_settings *out);

/*
 * The same result as tg_policy_lookup, computed by testing every block in
 * turn with tg_host_pattern_match.  Slow: for tests and the fuzzer only.
 */
void tg_policy_lookup_linear(const struct tg_policy *p, const char *host,
                             struct tg_host_settings *out);

/*
 * Does one host pattern match host?  Patterns: an exact name or IP address,
 * "*.SUFFIX" (exactly one more label), "**.SUFFIX" (any number of labels,
 * even none).  Returns 1 (match), 0 (no match), -1 (invalid pattern).
 */
int tg_host_pattern_match(const char *pattern, const char *host);

/*
 * Check a host pattern.  Returns NULL if it is valid, else a static string
 * saying what is wrong with it (e.g. "empty label").
 */
const char *tg_host_pattern_check(const char *pattern, size_t len);

/*
 * The trust-anchor paths a policy names, global and per host, in file order,
 * for `tlsguard check` to look at.  Fills at most n items of out and returns
 * how many there are in all.
 */
struct tg_policy_ca_path {
    const char *path;
    int is_dir;      /* ca-dir, else ca-file */
    int line;        /* where it is set */
    int block_index; /* -1: global */
};
size_t tg_policy_ca_paths(const struct tg_policy *p, struct tg_policy_ca_path *out, size_t n);

/* ---- base64 ----------------------------------------------------------- */

/*
 * Strict standard base64 (RFC 4648 section 4, "+/" alphabet): the length
 * must be a multiple of 4, '=' only as the last one or two characters,
 * unused bits of the last symbol zero; no whitespace.  Writes the decoded
 * bytes to out and their number to *outlen.  Returns 0, -1 if the input is
 * not strict base64, -2 if it does not fit in outcap bytes.
 */
int tg_base64_decode(const char *in, size_t len, unsigned char *out, size_t outcap, size_t *outlen);

#endif /* TG_POLICY_H */
