/*
 * verdict.h — the one decision: facts a backend gathered about a
 * connection, judged against the rules the policy sets for it.
 *
 * A backend calls tg_decide at each moment it learns something decisive
 * (the certificate check, the handshake's end, a failed handshake) with
 * the facts of that moment; facts it does not know stay zero (UNKNOWN) and
 * are not judged. The first reason recorded on a verdict wins; audit mode
 * turns a block into a logged non-block (tg_verdict_action).
 */
#ifndef TG_VERDICT_H
#define TG_VERDICT_H

#include "rules.h"

enum tg_reason {
    TG_R_NONE = 0,
    TG_R_PROTOCOL,   /* peer cannot meet the protocol floor */
    TG_R_CIPHER,     /* peer offers only suites the cipher floor removed */
    TG_R_CERT,       /* certificate verification failed */
    TG_R_NAME,       /* certificate not valid for the name */
    TG_R_NO_NAME,    /* no name or address to check the certificate against */
    TG_R_UNVERIFIED, /* the handshake finished without our verification */
    TG_R_PIN,        /* no certificate of the chain matches the host's pins */
    TG_R_POLICY,     /* the policy file is invalid or unreadable */
    TG_R_BLOCKED,    /* I/O on a connection blocked earlier */
    TG_R_INTERNAL,   /* the shim could not apply the policy */
    TG_R_COUNT
};

/* What the shim concluded about one connection so far. */
struct tg_verdict {
    enum tg_reason reason;     /* TG_R_NONE: nothing against it (yet) */
    char detail[256];          /* why, for the log and the program's error */
    unsigned blocked : 1;      /* refused: no application byte, ever */
    unsigned logged : 1;       /* this handshake's log line was written */
    unsigned pins_ok : 1;      /* the verified chain matched a pin */
    unsigned pins_expired : 1; /* the host's pins were past pin-expires */
    unsigned host_is_ip : 1;
    char host[256]; /* THE name it is judged for, "" until known */
};

enum tg_fact {
    TG_FACT_UNKNOWN = 0,
    TG_FACT_PASS,
    TG_FACT_FAIL
};

/* A handshake the peer broke off, as the backend reads its library's error. */
enum tg_failure {
    TG_FAILURE_NONE = 0,
    TG_FAILURE_BELOW_FLOOR,     /* the peer wants a protocol below the floor */
    TG_FAILURE_NO_STRONG_SUITE, /* no suite in common once weak ones went */
};

struct tg_facts {
    int is_server;
    /* The peer's certificate (clients only). */
    enum tg_fact chain;    /* strict verification of its chain */
    const char *chain_why; /* FAIL: the library's words, e.g. "certificate has expired (depth 0)" */
    enum tg_fact name;     /* the leaf against `host` */
    const char *name_why;  /* FAIL: the library's words; NULL: "not valid for HOST" */
    const char *host;      /* THE name (name.h); "" when there is none */
    int host_is_ip;
    const char *anchors_file; /* a host block's anchors the chain verified with */
    const char *anchors_dir;  /* (NULL, NULL: other anchors) */
    enum tg_fact pins;        /* the chain against the pins, when tg_rules_pins_due */
    long long now;            /* unix time, for pin-expires */
    enum tg_fact program;     /* FAIL: the program's own verify callback refused
                                  while its own verification was off */
    int program_depth;
    /* What was negotiated, when `negotiated`. */
    int negotiated;
    int version;              /* wire version, TG_TLS1_2 = 0x0303 */
    int version_is_dtls;      /* DTLS: not judged by the floor */
    const char *version_name; /* "TLSv1.1" */
    int suite_weak;           /* the suite is one the floor refuses */
    const char *suite;        /* its name (may stay NULL for a strong one) */
    /* The handshake's end. */
    int finished;                /* it completed */
    int unseen;                  /* ... where none of the shim's checks ran */
    enum tg_fact library_verify; /* the library's own verify result */
    const char *library_why;
    int resumed;         /* a session was resumed ... */
    int resumed_vouched; /* ... one verified for this name and pins */
    int chain_checked;   /* a full handshake's chain passed the shim's check */
    /* A handshake that failed. */
    enum tg_failure failure;
    const char *failure_why; /* the library's words */
    int offered_max;         /* the highest version it offered (wire), 0: unknown */
};

/* Record why the connection fails the policy (first reason wins). */
void tg_verdict_note(struct tg_verdict *v, enum tg_reason why, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Judge the facts of one moment: 1 when they pass, else 0 with the first
 * failure noted on `v` (unless an earlier reason is already there). */
int tg_decide(const struct tg_facts *f, const struct tg_rules *r, struct tg_verdict *v);

enum tg_action {
    TG_ACTION_ALLOW, /* nothing against it */
    TG_ACTION_BLOCK, /* refuse it */
    TG_ACTION_AUDIT, /* log what would have blocked it, let it go on */
};

/* What to do about the verdict under the rules' mode. */
enum tg_action tg_verdict_action(const struct tg_verdict *v, const struct tg_rules *r);

/* Drop the reason noted (an attempt that no longer counts). */
void tg_verdict_forget(struct tg_verdict *v);

/* A new handshake on the connection: judged, and logged, anew (a block
 * stands). */
void tg_verdict_restart(struct tg_verdict *v);

#endif
