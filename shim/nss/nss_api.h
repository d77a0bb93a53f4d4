/*
 * nss_api.h — the few NSS and NSPR types, constants and functions the NSS
 * backend uses, declared here (never from the NSS headers: the shim links no TLS
 * library) and resolved at run time from the program's own libssl3,
 * libnss3 and libnspr4.
 *
 * Layouts and values are NSS 3's ABI (unchanged from 3.12 to 3.9x); the
 * structs that are only partly declared are the ones NSS copies by length
 * (channel and suite info).
 */
#ifndef TG_NSS_API_H
#define TG_NSS_API_H

#include <stdint.h>

typedef int32_t tg_nss_status; /* SECStatus */
#define TG_SEC_SUCCESS 0
#define TG_SEC_FAILURE (-1)
typedef int tg_nss_bool; /* PRBool */

/* NSPR's file descriptor (prio.h), the one struct the guard layer reads. */
struct tg_pr_methods;
typedef struct tg_pr_fd {
    const struct tg_pr_methods *methods;
    void *secret;
    struct tg_pr_fd *lower, *higher;
    void (*dtor)(struct tg_pr_fd *);
    int identity;
} tg_pr_fd;

typedef int32_t (*tg_pr_io_fn)(tg_pr_fd *, void *, int32_t);
/* PRIOMethods: every member is a function pointer but the first. */
struct tg_pr_methods {
    int file_type;
    int32_t (*close)(tg_pr_fd *);
    int32_t (*read)(tg_pr_fd *, void *, int32_t);
    int32_t (*write)(tg_pr_fd *, const void *, int32_t);
    void *available, *available64, *fsync, *seek, *seek64, *fileInfo, *fileInfo64;
    int32_t (*writev)(tg_pr_fd *, const void *, int32_t, uint32_t);
    void *connect, *accept, *bind, *listen, *shutdown;
    int32_t (*recv)(tg_pr_fd *, void *, int32_t, int32_t, uint32_t);
    int32_t (*send)(tg_pr_fd *, const void *, int32_t, int32_t, uint32_t);
    int32_t (*recvfrom)(tg_pr_fd *, void *, int32_t, int32_t, void *, uint32_t);
    int32_t (*sendto)(tg_pr_fd *, const void *, int32_t, int32_t, const void *, uint32_t);
    void *poll, *acceptread;
    int32_t (*transmitfile)(tg_pr_fd *, tg_pr_fd *, const void *, int32_t, int, uint32_t);
    void *getsockname, *getpeername, *reserved_fn_6, *reserved_fn_5, *getsocketoption,
        *setsocketoption;
    int32_t (*sendfile)(tg_pr_fd *, void *, int, uint32_t);
    void *connectcontinue, *reserved_fn_3, *reserved_fn_2, *reserved_fn_1, *reserved_fn_0;
};

typedef struct {
    uint16_t min, max;
} tg_nss_range; /* SSLVersionRange */
typedef struct {
    int type;
    unsigned char *data;
    unsigned int len;
} tg_nss_item; /* SECItem */
typedef struct {
    tg_nss_item *items;
    unsigned int len;
} tg_nss_item_array; /* SECItemArray: a socket's stapled OCSP responses */

/* CERTCertList and its nodes (certt.h). */
typedef struct tg_nss_link {
    struct tg_nss_link *next, *prev;
} tg_nss_link;
typedef struct tg_nss_cert tg_nss_cert; /* CERTCertificate: opaque */
typedef struct {
    tg_nss_link links;
    tg_nss_cert *cert;
    void *app;
} tg_nss_cert_node;
typedef struct {
    tg_nss_link list;
    void *arena;
} tg_nss_cert_list;

/* CERTCertTrust (certt.h): the trust flags of a certificate. */
typedef struct {
    unsigned int ssl, email, object_signing;
} tg_nss_trust;
#define TG_CERTDB_TERMINAL_RECORD (1u << 0)
#define TG_CERTDB_VALID_CA        (1u << 3)
#define TG_CERTDB_TRUSTED_CA      (1u << 4)
#define TG_CERT_USAGE_SSL_SERVER  1 /* SECCertUsage certUsageSSLServer */
#define TG_CERT_TIME_VALID        0 /* SECCertTimeValidity secCertTimeValid */
#define TG_PK11_LIST_CA           2 /* PK11CertListCA */

/* CERTValInParam and CERTValOutParam (certt.h, both the same shape): the
 * parameters of CERT_PKIXVerifyCert (NSS 3.12 on). */
typedef struct {
    int type;
    union {
        int32_t b;
        int64_t l;
    } scalar;
    const void *pointer;
    const void *array;
    int array_size;
} tg_nss_valparam;
#define TG_CERT_PI_END           0
#define TG_CERT_PI_REVOCATION    9  /* cert_pi_revocationFlags */
#define TG_CERT_PI_TRUST_ANCHORS 11 /* cert_pi_trustAnchors: only these (the default) */
#define TG_CERT_PO_END           0
#define TG_CERT_PO_TRUST_ANCHOR  2      /* cert_po_trustAnchor */
#define TG_CERT_PO_CERT_LIST     3      /* cert_po_certList: the chain without its anchor */
#define TG_CERT_USAGE_SERVER     0x0002 /* certificateUsageSSLServer */

/* The head of SSLChannelInfo and SSLCipherSuiteInfo (NSS copies by length). */
typedef struct {
    uint32_t length;
    uint16_t protocol;
    uint16_t suite;
} tg_nss_channel;
typedef struct {
    uint16_t length;
    uint16_t suite;
    const char *name;
} tg_nss_suite_info;

typedef tg_nss_status (*tg_nss_auth_fn)(void *arg, tg_pr_fd *fd, tg_nss_bool check_sig,
                                        tg_nss_bool is_server);
typedef tg_nss_status (*tg_nss_bad_fn)(void *arg, tg_pr_fd *fd);
typedef void (*tg_nss_hs_fn)(tg_pr_fd *fd, void *arg);

/* Options (ssl.h), versions (sslproto.h), OIDs and errors a program knows. */
#define TG_NSS_ENABLE_SSL2               7
#define TG_NSS_ENABLE_SSL3               8
#define TG_NSS_NO_CACHE                  9
#define TG_NSS_ENABLE_TLS                13
#define TG_NSS_TLS1_0                    0x0301
#define TG_NSS_TLS1_2                    0x0303
#define TG_NSS_TLS1_3                    0x0304
#define TG_NSS_VARIANT_STREAM            0
#define TG_NSS_OID_SHA256                191
#define TG_NSS_E_BAD_CERTIFICATE         (-0x3000 + 4)
#define TG_NSS_E_UNSUPPORTED_VERSION     (-0x3000 + 9)
#define TG_NSS_E_BAD_CERT_DOMAIN         (-0x3000 + 12)
#define TG_NSS_E_HANDSHAKE_FAILURE_ALERT (-0x3000 + 61)
#define TG_NSS_E_PROTOCOL_VERSION_ALERT  (-0x3000 + 98)
#define TG_NSS_E_NO_CYPHER_OVERLAP       (-0x3000 + 2)
#define TG_NSS_E_LIBRARY_FAILURE         (-0x2000 + 1)
#define TG_NSS_E_UNTRUSTED_ISSUER        (-0x2000 + 20)

/*
 * The symbol table: X(library, return type, name, parameter list); library
 * S libssl3, N libnss3, P libnspr4. All are mandatory: NSS
 * has had each since 3.15.
 */
#define TG_NSS_SYMBOLS(X)                                                                          \
    X(S, tg_pr_fd *, SSL_ImportFD, (tg_pr_fd *, tg_pr_fd *))                                       \
    X(S, tg_pr_fd *, DTLS_ImportFD, (tg_pr_fd *, tg_pr_fd *))                                      \
    X(S, tg_pr_fd *, SSL_ReconfigFD, (tg_pr_fd *, tg_pr_fd *))                                     \
    X(S, tg_nss_status, SSL_AuthCertificateHook, (tg_pr_fd *, tg_nss_auth_fn, void *))             \
    X(S, tg_nss_status, SSL_AuthCertificate, (void *, tg_pr_fd *, tg_nss_bool, tg_nss_bool))       \
    X(S, tg_nss_status, SSL_BadCertHook, (tg_pr_fd *, tg_nss_bad_fn, void *))                      \
    X(S, tg_nss_status, SSL_HandshakeCallback, (tg_pr_fd *, tg_nss_hs_fn, void *))                 \
    X(S, tg_nss_status, SSL_VersionRangeSet, (tg_pr_fd *, const tg_nss_range *))                   \
    X(S, tg_nss_status, SSL_VersionRangeGet, (tg_pr_fd *, tg_nss_range *))                         \
    X(S, tg_nss_status, SSL_VersionRangeSetDefault, (int, const tg_nss_range *))                   \
    X(S, tg_nss_status, SSL_VersionRangeGetDefault, (int, tg_nss_range *))                         \
    X(S, tg_nss_status, SSL_OptionSet, (tg_pr_fd *, int32_t, int))                                 \
    X(S, tg_nss_status, SSL_OptionSetDefault, (int32_t, int))                                      \
    X(S, tg_nss_status, SSL_CipherPrefSet, (tg_pr_fd *, int32_t, tg_nss_bool))                     \
    X(S, tg_nss_status, SSL_CipherPrefSetDefault, (int32_t, tg_nss_bool))                          \
    X(S, const uint16_t *, SSL_GetImplementedCiphers, (void))                                      \
    X(S, uint16_t, SSL_GetNumImplementedCiphers, (void))                                           \
    X(S, tg_nss_status, SSL_GetCipherSuiteInfo, (uint16_t, tg_nss_suite_info *, unsigned))         \
    X(S, tg_nss_status, SSL_GetChannelInfo, (tg_pr_fd *, tg_nss_channel *, unsigned))              \
    X(S, tg_nss_cert *, SSL_PeerCertificate, (tg_pr_fd *))                                         \
    X(S, char *, SSL_RevealURL, (tg_pr_fd *))                                                      \
    X(S, void *, SSL_RevealPinArg, (tg_pr_fd *))                                                   \
    X(S, const tg_nss_item_array *, SSL_PeerStapledOCSPResponses, (tg_pr_fd *))                    \
    X(S, tg_nss_status, SSL_SetURL, (tg_pr_fd *, const char *))                                    \
    X(S, tg_nss_status, SSL_ForceHandshake, (tg_pr_fd *))                                          \
    X(S, tg_nss_status, SSL_ForceHandshakeWithTimeout, (tg_pr_fd *, uint32_t))                     \
    X(N, void *, CERT_GetDefaultCertDB, (void))                                                    \
    X(N, tg_nss_status, CERT_VerifyCert,                                                           \
      (void *, tg_nss_cert *, tg_nss_bool, int, int64_t, void *, void *))                          \
    X(N, tg_nss_cert_list *, CERT_GetCertChainFromCert, (tg_nss_cert *, int64_t, int))             \
    X(N, tg_nss_status, CERT_GetCertTrust, (const tg_nss_cert *, tg_nss_trust *))                  \
    X(N, tg_nss_status, CERT_PKIXVerifyCert,                                                       \
      (tg_nss_cert *, int64_t, tg_nss_valparam *, tg_nss_valparam *, void *))                      \
    X(N, const void *, CERT_GetClassicOCSPDisabledPolicy, (void))                                  \
    X(N, tg_nss_cert *, CERT_DupCertificate, (tg_nss_cert *))                                      \
    X(N, tg_nss_cert_list *, PK11_ListCerts, (int, void *))                                        \
    X(N, tg_nss_status, CERT_VerifyCertName, (const tg_nss_cert *, const char *))                  \
    X(N, tg_nss_bool, CERT_CompareCerts, (const tg_nss_cert *, const tg_nss_cert *))               \
    X(N, int, CERT_CheckCertValidTimes, (const tg_nss_cert *, int64_t, tg_nss_bool))               \
    X(N, void, CERT_DestroyCertificate, (tg_nss_cert *))                                           \
    X(N, tg_nss_cert_list *, CERT_NewCertList, (void))                                             \
    X(N, tg_nss_status, CERT_AddCertToListTail, (tg_nss_cert_list *, tg_nss_cert *))               \
    X(N, void, CERT_DestroyCertList, (tg_nss_cert_list *))                                         \
    X(N, unsigned char *, ATOB_AsciiToData, (const char *, unsigned int *))                        \
    X(N, tg_nss_cert *, CERT_NewTempCertificate,                                                   \
      (void *, tg_nss_item *, char *, tg_nss_bool, tg_nss_bool))                                   \
    X(N, void *, CERT_ExtractPublicKey, (tg_nss_cert *))                                           \
    X(N, void, SECKEY_DestroyPublicKey, (void *))                                                  \
    X(N, tg_nss_item *, SECKEY_EncodeDERSubjectPublicKeyInfo, (const void *))                      \
    X(N, tg_nss_status, PK11_HashBuf, (int, unsigned char *, const unsigned char *, int32_t))      \
    X(N, void, SECITEM_FreeItem, (tg_nss_item *, tg_nss_bool))                                     \
    X(N, void, PORT_Free, (void *))                                                                \
    X(P, int32_t, PR_Write, (tg_pr_fd *, const void *, int32_t))                                   \
    X(P, int32_t, PR_Read, (tg_pr_fd *, void *, int32_t))                                          \
    X(P, int32_t, PR_Send, (tg_pr_fd *, const void *, int32_t, int32_t, uint32_t))                 \
    X(P, int32_t, PR_Recv, (tg_pr_fd *, void *, int32_t, int32_t, uint32_t))                       \
    X(P, int32_t, PR_Writev, (tg_pr_fd *, const void *, int32_t, uint32_t))                        \
    X(P, int32_t, PR_TransmitFile, (tg_pr_fd *, tg_pr_fd *, const void *, int32_t, int, uint32_t)) \
    X(P, int32_t, PR_SendFile, (tg_pr_fd *, void *, int, uint32_t))                                \
    X(P, int64_t, PR_Now, (void))                                                                  \
    X(P, void, PR_SetError, (int32_t, int32_t))                                                    \
    X(P, void, PR_SetErrorText, (int, const char *))                                               \
    X(P, int32_t, PR_GetError, (void))                                                             \
    X(P, int32_t, PR_GetErrorTextLength, (void))                                                   \
    X(P, int32_t, PR_GetErrorText, (char *))                                                       \
    X(P, const char *, PR_ErrorToName, (int32_t))                                                  \
    X(P, int32_t, PR_FileDesc2NativeHandle, (tg_pr_fd *))                                          \
    X(P, int, PR_GetUniqueIdentity, (const char *))                                                \
    X(P, const struct tg_pr_methods *, PR_GetDefaultIOMethods, (void))                             \
    X(P, tg_pr_fd *, PR_CreateIOLayerStub, (int, const struct tg_pr_methods *))                    \
    X(P, tg_nss_status, PR_PushIOLayer, (tg_pr_fd *, int, tg_pr_fd *))                             \
    X(P, tg_pr_fd *, PR_PopIOLayer, (tg_pr_fd *, int))

struct tg_nss {
#define TG_NSS_FIELD(lib, ret, name, params) ret(*name) params;
    TG_NSS_SYMBOLS(TG_NSS_FIELD)
#undef TG_NSS_FIELD
};

/* The program's NSS, resolved once; NULL when some part is missing (then
 * the backend fails every client connection closed). */
const struct tg_nss *tg_nss(void);
/* struct tg_backend.hands_out: libssl3 (the backend needs libnss3 and
 * libnspr4 beside it, its dependencies), or libnspr4 under a loaded
 * libssl3 (a program on NSPR alone keeps NSPR's own functions). */
int tg_nss_hands_out(const char *soname, const void *fn, const void *caller);

#endif
