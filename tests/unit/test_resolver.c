/*
 * test_resolver.c — the address -> resolved-name table (shim/libc/resolver.c):
 * numeric names ignored, newest name wins, families kept apart, the ring
 * forgets old entries instead of growing.
 */
#include "resolver.h"
#include "unit.h"

#include <arpa/inet.h>
#include <netinet/in.h>

static struct sockaddr_storage v4(const char *text, int port)
{
    struct sockaddr_storage ss;
    struct sockaddr_in *in = (struct sockaddr_in *)&ss;
    memset(&ss, 0, sizeof ss);
    in->sin_family = AF_INET;
    in->sin_port = htons((unsigned short)port);
    inet_pton(AF_INET, text, &in->sin_addr);
    return ss;
}

static struct sockaddr_storage v6(const char *text)
{
    struct sockaddr_storage ss;
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
    memset(&ss, 0, sizeof ss);
    in6->sin6_family = AF_INET6;
    inet_pton(AF_INET6, text, &in6->sin6_addr);
    return ss;
}

static int lookup(struct sockaddr_storage ss, char *out, size_t n)
{
    return tg_resolver_lookup(-1, (struct sockaddr *)&ss, out, n);
}

int main(void)
{
    char name[256];
    struct sockaddr_storage a = v4("192.0.2.10", 443), b = v4("192.0.2.11", 443);
    struct sockaddr_storage c6 = v6("2001:db8::10");

    CHECK(!lookup(a, name, sizeof name), "empty table knows nothing");

    tg_resolver_remember("192.0.2.10", (struct sockaddr *)&a);
    CHECK(!lookup(a, name, sizeof name), "a numeric 'name' is not a name");

    tg_resolver_remember("api.example.com", (struct sockaddr *)&a);
    CHECK(lookup(a, name, sizeof name) && !strcmp(name, "api.example.com"), name);
    CHECK(!lookup(b, name, sizeof name), "another address is unknown");

    /* The port does not matter: the lookup is by address. */
    struct sockaddr_storage a_other_port = v4("192.0.2.10", 8443);
    CHECK(lookup(a_other_port, name, sizeof name) && !strcmp(name, "api.example.com"), name);

    /* Resolve victim, then attacker to the same address: neither is "the"
     * name of a connection to it, unless the socket is tied to a lookup. */
    tg_resolver_remember("www.example.com", (struct sockaddr *)&a);
    CHECK(!lookup(a, name, sizeof name), "an address known under two names is ambiguous");
    {
        struct sockaddr_storage ai_victim = a, ai_attacker = a;
        tg_resolver_remember_result("victim.example", (struct sockaddr *)&ai_victim);
        tg_resolver_remember_result("attacker.example", (struct sockaddr *)&ai_attacker);
        tg_resolver_tie(7, (struct sockaddr *)&ai_victim);
        CHECK(tg_resolver_lookup(7, (struct sockaddr *)&a, name, sizeof name) &&
                  !strcmp(name, "victim.example"),
              "a socket connected with a lookup's own result gets that lookup's name");
        CHECK(!tg_resolver_lookup(8, (struct sockaddr *)&a, name, sizeof name),
              "another socket to the same address gets no name");
        struct sockaddr_storage copy = ai_attacker;
        tg_resolver_tie(7, (struct sockaddr *)&copy); /* fd 7 reused, a copied sockaddr */
        CHECK(!tg_resolver_lookup(7, (struct sockaddr *)&a, name, sizeof name),
              "a reused fd forgets its old tie");
    }

    tg_resolver_remember("v6.example.com", (struct sockaddr *)&c6);
    CHECK(lookup(c6, name, sizeof name) && !strcmp(name, "v6.example.com"), name);

    CHECK(!lookup(c6, name, 4), "a name that does not fit is not returned truncated");

    /* Fill the ring with other addresses: the old entry is forgotten. */
    for (int i = 0; i < 600; i++) {
        char host[64], ip[32];
        snprintf(host, sizeof host, "h%d.example.net", i);
        snprintf(ip, sizeof ip, "198.51.%d.%d", i / 250, i % 250 + 1);
        struct sockaddr_storage s = v4(ip, 443);
        tg_resolver_remember(host, (struct sockaddr *)&s);
    }
    CHECK(!lookup(a, name, sizeof name), "the ring is bounded");
    struct sockaddr_storage last = v4("198.51.2.100", 443);
    CHECK(lookup(last, name, sizeof name) && !strcmp(name, "h599.example.net"), name);

    struct sockaddr_storage got;
    tg_resolver_note_connect((struct sockaddr *)&b, sizeof(struct sockaddr_in));
    CHECK(tg_resolver_last_connect(&got) && got.ss_family == AF_INET &&
              ((struct sockaddr_in *)&got)->sin_port == htons(443),
          "last connect remembered");
    return unit_finish();
}
