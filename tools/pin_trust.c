/*
 * pin_trust.c — the anchors `tlsguard pin HOST` verifies with: those the
 * shim would give a program that configured none. OpenSSL's default verify
 * paths (SSL_CERT_FILE / SSL_CERT_DIR honoured), the policy's global
 * ca-file / ca-dir, the ca-file / ca-dir of the host block that matches
 * the name, and --ca-file. The policy is the one the shim would read:
 * --policy FILE, else TLSGUARD_POLICY, else /etc/tlsguard.policy if it
 * exists.
 */
#include "pin_trust.h"
#include "tlsguard.h"
#include "policy.h"
#include "env_names.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>

#define DEFAULT_POLICY "/etc/tlsguard.policy"

static const char *policy_path(const struct tg_pin_trust *t)
{
    if (t->no_policy)
        return NULL;
    if (t->policy)
        return t->policy;
    const char *env = getenv(tg_env_name[TG_ENV_POLICY]);
    if (env && *env)
        return env;
    return access(DEFAULT_POLICY, F_OK) == 0 ? DEFAULT_POLICY : NULL;
}

static struct tg_policy *load_policy(const char *path)
{
    struct tg_policy *p = tg_tool_load_policy("pin", path);
    if (!p)
        fprintf(stderr, "tlsguard pin: the policy does not load (the shim would fail every TLS "
                        "connection): not fetching\n");
    return p;
}

/* Load one set of anchors; say where it came from in desc. */
static int add(SSL_CTX *ctx, const char *file, const char *dir, const char *from, char *desc,
               size_t n)
{
    if (!file && !dir)
        return 0;
    ERR_clear_error();
    if (SSL_CTX_load_verify_locations(ctx, file, dir) != 1) {
        unsigned long e = ERR_peek_last_error();
        fprintf(stderr, "tlsguard pin: %s %s (%s): cannot load: %s\n", file ? "ca-file" : "ca-dir",
                file ? file : dir, from, e ? ERR_reason_error_string(e) : "unknown error");
        return -1;
    }
    size_t used = strlen(desc);
    if (file)
        used += (size_t)snprintf(desc + used, used < n ? n - used : 0, ", %s (%s)", file, from);
    if (dir && used < n)
        snprintf(desc + used, n - used, ", %s/ (%s)", dir, from);
    return 0;
}

int tg_pin_trust_apply(const struct tg_pin_trust *t, SSL_CTX *ctx, const char *name, char *desc,
                       size_t n)
{
    snprintf(desc, n, "the default paths");
    if (SSL_CTX_set_default_verify_paths(ctx) != 1) {
        fprintf(stderr, "tlsguard pin: cannot load the default trust store\n");
        return -1;
    }
    const char *path = policy_path(t);
    struct tg_policy *p = path ? load_policy(path) : NULL;
    if (path && !p)
        return -1;
    int rc = 0;
    if (p) {
        const struct tg_global *g = tg_policy_global(p);
        struct tg_host_settings hs;
        char from[300];
        snprintf(from, sizeof from, "%s", path);
        rc |= add(ctx, g->ca_file, g->ca_dir, from, desc, n);
        tg_policy_lookup(p, name, &hs);
        snprintf(from, sizeof from, "%s:%d, host block", path, hs.ca_line);
        rc |= add(ctx, hs.ca_file, hs.ca_dir, from, desc, n);
    }
    rc |= add(ctx, t->ca_file, NULL, "--ca-file", desc, n);
    tg_policy_free(p);
    return rc ? -1 : 0;
}
