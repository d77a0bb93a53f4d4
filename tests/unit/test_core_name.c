/*
 * test_core_name.c — THE name of a connection (shim/core/name.c, peer.c):
 * SPEC.md's order from fake facts, and the socket asked only when needed.
 */
#include "name.h"
#include "peer.h"
#include "unit.h"

#define LONG300                                                                                    \
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" \
    "aa"                                                                                           \
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" \
    "aa"                                                                                           \
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" \
    "aa"                                                                                           \
    ".example"

static const struct {
    const char *what;
    struct tg_name_facts facts;
    enum tg_name_source source;
    const char *name;
    int early; /* settled without the socket's facts */
} cases[] = {
    { .what = "the program's name first",
      .facts = { .set_host = "set.example",
                 .sni = "sni.example",
                 .resolved = "res.example",
                 .peer_ip = "192.0.2.1" },
      .source = TG_NAME_HOST,
      .name = "set.example",
      .early = 1 },
    { .what = "then the SNI",
      .facts = { .sni = "sni.example", .resolved = "res.example", .peer_ip = "192.0.2.1" },
      .source = TG_NAME_SNI,
      .name = "sni.example",
      .early = 1 },
    { .what = "then the resolved name",
      .facts = { .resolved = "res.example", .peer_ip = "192.0.2.1" },
      .source = TG_NAME_RESOLVED,
      .name = "res.example" },
    { .what = "then the peer address",
      .facts = { .peer_ip = "192.0.2.1" },
      .source = TG_NAME_IP,
      .name = "192.0.2.1" },
    { .what = "an IPv6 peer",
      .facts = { .peer_ip = "2001:db8::1" },
      .source = TG_NAME_IP,
      .name = "2001:db8::1" },
    { .what = "nothing known", .facts = { 0 }, .source = TG_NAME_NONE, .name = "" },
    { .what = "empty names are no names",
      .facts = { .set_host = "", .sni = "", .resolved = "", .peer_ip = "192.0.2.7" },
      .source = TG_NAME_IP,
      .name = "192.0.2.7" },
    { .what = "an address the program set is an address",
      .facts = { .set_host = "192.0.2.9", .sni = "sni.example" },
      .source = TG_NAME_IP,
      .name = "192.0.2.9",
      .early = 1 },
    { .what = "an address as SNI is an address",
      .facts = { .sni = "::1", .resolved = "res.example" },
      .source = TG_NAME_IP,
      .name = "::1",
      .early = 1 },
    { .what = "a name too long to keep is skipped",
      .facts = { .set_host = LONG300, .sni = "sni.example" },
      .source = TG_NAME_SNI,
      .name = "sni.example",
      .early = 1 },
};

/* A backend with fixed facts that counts how often the socket is asked. */
struct tg_backend_conn {
    struct tg_name_facts facts;
    int socket_calls;
};

static void fake_names(struct tg_backend_conn *bc, const char *matched, struct tg_name_facts *f)
{
    *f = bc->facts;
    if (matched && *matched)
        f->set_host = matched;
}

static int fake_socket(struct tg_backend_conn *bc)
{
    bc->socket_calls++;
    return -1; /* no socket: a latest connect() never names a peer */
}

static void fake_negotiated(struct tg_backend_conn *bc, struct tg_negotiated *n)
{
    (void)bc;
    n->protocol = n->suite = NULL;
}

static const struct tg_backend fake = {
    .name = "fake",
    .names = fake_names,
    .socket = fake_socket,
    .negotiated = fake_negotiated,
};

static void test_peer_name(void)
{
    struct tg_backend_conn bc = { .facts = { .sni = "sni.example" } };
    struct tg_name n;
    tg_peer_name(&fake, &bc, NULL, 0, &n);
    CHECK_STR(n.name, "sni.example", "SNI settles it");
    CHECK_INT(bc.socket_calls, 0, "no system call when the program's names settle it");
    tg_peer_name(&fake, &bc, "matched.example", 0, &n);
    CHECK_STR(n.name, "matched.example", "the name the library matched goes first");
    CHECK_INT(n.source, TG_NAME_HOST, NULL);

    struct tg_backend_conn none = { .facts = { 0 } };
    tg_peer_name(&fake, &none, NULL, 1, &n);
    CHECK_INT(n.source, TG_NAME_NONE, "early: nothing known yet");
    CHECK_INT(none.socket_calls, 0, "early: the socket is never asked");
    tg_peer_name(&fake, &none, NULL, 0, &n);
    CHECK_INT(none.socket_calls, 1, "late: the socket is asked");
    CHECK_INT(n.source, TG_NAME_NONE, "no socket: no name");

    struct tg_where w;
    tg_peer_where(&fake, &none, "", &w);
    CHECK_STR(w.host, "-", "the log line's host when nothing is known");
    tg_peer_where(&fake, &bc, "", &w);
    CHECK_STR(w.host, "sni.example", "the log line takes THE name too");
    tg_peer_where(&fake, &bc, "judged.example", &w);
    CHECK_STR(w.host, "judged.example", "the name judged wins in the log line");
}

int main(void)
{
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct tg_name n;
        tg_name_choose(&cases[i].facts, &n);
        CHECK_INT(n.source, cases[i].source, cases[i].what);
        CHECK_STR(n.name, cases[i].name, cases[i].what);
        CHECK_INT(tg_name_settled_early(&cases[i].facts), cases[i].early, cases[i].what);
    }
    test_peer_name();
    return unit_finish();
}
