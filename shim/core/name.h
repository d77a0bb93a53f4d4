/*
 * name.h — THE name a connection is judged for, chosen once, in SPEC.md's
 * order. The policy lookup, the certificate's name check and the log line
 * all take it from here; a backend only gathers the facts.
 */
#ifndef TG_NAME_H
#define TG_NAME_H

enum tg_name_source {
    TG_NAME_NONE = 0,
    TG_NAME_HOST,     /* the name the program set for the certificate check */
    TG_NAME_SNI,      /* the server name the program sends */
    TG_NAME_RESOLVED, /* the name the program resolved to the socket's peer */
    TG_NAME_IP,       /* a literal address, checked against IP SANs */
};

/* What is known about whom the program means to reach; NULL or "" when a
 * fact is unknown. Strings are only read during tg_name_choose. */
struct tg_name_facts {
    const char *set_host; /* the name the program set */
    const char *sni;      /* the server name it sends */
    const char *resolved; /* the name it resolved for the socket's peer */
    const char *peer_ip;  /* the socket's peer address, in text */
};

#define TG_NAME_MAX 256

struct tg_name {
    enum tg_name_source source;
    char name[TG_NAME_MAX]; /* "" for TG_NAME_NONE */
};

/* The first usable fact in the order set_host, sni, resolved, peer_ip (a
 * name too long for `name` is skipped); whichever it is, a literal address
 * is an address (TG_NAME_IP). */
void tg_name_choose(const struct tg_name_facts *f, struct tg_name *out);

/* 1 when the facts that need no system call (set_host, sni) settle the
 * name: the socket's facts need not be gathered. */
int tg_name_settled_early(const struct tg_name_facts *f);

#endif
