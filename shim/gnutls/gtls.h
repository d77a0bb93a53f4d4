/*
 * gtls.h — the few GnuTLS types, constants and functions the GnuTLS backend
 * uses, declared here (never from <gnutls/gnutls.h>: the shim links no TLS
 * library) and resolved at run time from the program's own libgnutls.
 *
 * Values are GnuTLS 3's ABI (libgnutls.so.30: 3.3 to 3.8); each optional
 * symbol notes the version that added it.
 */
#ifndef TG_GTLS_H
#define TG_GTLS_H

#include <stddef.h>
#include <time.h>

/* Opaque handles: only their addresses are used. */
typedef struct tg_gt_session_st *tg_gt_session;
typedef struct tg_gt_prio_st *tg_gt_prio;
typedef struct tg_gt_cred_st *tg_gt_cred;
typedef struct tg_gt_crt_st *tg_gt_crt;
typedef struct tg_gt_tlist_st *tg_gt_tlist;
typedef struct tg_gt_iter_st *tg_gt_iter;
typedef struct tg_gt_pubkey_st *tg_gt_pubkey;
typedef struct tg_gt_crl_st *tg_gt_crl;

typedef struct {
    unsigned char *data;
    unsigned int size;
} tg_gt_datum;
typedef struct {
    int type;
    unsigned char *data;
    unsigned int size;
} tg_gt_vdata;

typedef int (*tg_gt_verify_fn)(tg_gt_session);

/* Constants (gnutls.h, x509.h). */
#define TG_GT_SERVER             1
#define TG_GT_CRD_CERTIFICATE    1
#define TG_GT_NAME_DNS           1
#define TG_GT_FMT_DER            0
#define TG_GT_FMT_PEM            1
#define TG_GT_DIG_SHA256         6
#define TG_GT_DT_DNS_HOSTNAME    1
#define TG_GT_DT_KEY_PURPOSE_OID 2
#define TG_GT_KP_TLS_WWW_SERVER  "1.3.6.1.5.5.7.3.1"
#define TG_GT_TL_GET_COPY        (1 << 4)
/* gnutls_protocol_t */
#define TG_GT_SSL3   1
#define TG_GT_TLS1_0 2
#define TG_GT_TLS1_1 3
#define TG_GT_TLS1_2 4
#define TG_GT_TLS1_3 5
/* gnutls_certificate_status_t bits */
#define TG_GT_CERT_REVOKED            (1 << 5)
#define TG_GT_CERT_SIGNER_NOT_FOUND   (1 << 6)
#define TG_GT_CERT_SIGNER_NOT_CA      (1 << 7)
#define TG_GT_CERT_INSECURE_ALGORITHM (1 << 8)
#define TG_GT_CERT_NOT_ACTIVATED      (1 << 9)
#define TG_GT_CERT_EXPIRED            (1 << 10)
#define TG_GT_CERT_SIGNATURE_FAILURE  (1 << 11)
#define TG_GT_CERT_UNEXPECTED_OWNER   (1 << 14)
#define TG_GT_CERT_PURPOSE_MISMATCH   (1 << 18)
/* Error codes a program already knows how to report. */
#define TG_GT_E_UNSUPPORTED_VERSION_PACKET     (-8)
#define TG_GT_E_FATAL_ALERT_RECEIVED           (-12)
#define TG_GT_E_AGAIN                          (-28)
#define TG_GT_E_INTERRUPTED                    (-52)
#define TG_GT_E_NO_CIPHER_SUITES               (-87)
#define TG_GT_E_INSUFFICIENT_SECURITY          (-217)
#define TG_GT_E_NO_PRIORITIES_WERE_SET         (-326)
#define TG_GT_E_CERTIFICATE_VERIFICATION_ERROR (-348)
#define TG_GT_E_INTERNAL_ERROR                 (-59)
#define TG_GT_E_REQUESTED_DATA_NOT_AVAILABLE   (-56)
#define TG_GT_A_HANDSHAKE_FAILURE              40
#define TG_GT_A_PROTOCOL_VERSION               70
#define TG_GT_A_INSUFFICIENT_SECURITY          71

/* Everything that changes a trust list or the trust of credentials
 * (hook_gt_trust.c: each moves gt_memo.h's generation on). */
#define TG_GT_TRUST_SYMBOLS(X)                                                                     \
    X(M, int, gnutls_certificate_set_x509_trust_file, (tg_gt_cred, const char *, int))             \
    X(O, int, gnutls_certificate_set_x509_trust_dir, (tg_gt_cred, const char *, int)) /* 3.3.6 */  \
    X(M, int, gnutls_certificate_set_x509_trust_mem, (tg_gt_cred, const tg_gt_datum *, int))       \
    X(M, int, gnutls_certificate_set_x509_trust, (tg_gt_cred, tg_gt_crt *, int))                   \
    X(M, int, gnutls_certificate_set_x509_system_trust, (tg_gt_cred))                              \
    X(M, int, gnutls_certificate_set_x509_crl_file, (tg_gt_cred, const char *, int))               \
    X(M, int, gnutls_certificate_set_x509_crl_mem, (tg_gt_cred, const tg_gt_datum *, int))         \
    X(M, int, gnutls_certificate_set_x509_crl, (tg_gt_cred, tg_gt_crl *, int))                     \
    X(M, int, gnutls_certificate_set_x509_simple_pkcs12_file,                                      \
      (tg_gt_cred, const char *, int, const char *))                                               \
    X(M, int, gnutls_certificate_set_x509_simple_pkcs12_mem,                                       \
      (tg_gt_cred, const tg_gt_datum *, int, const char *))                                        \
    X(M, void, gnutls_certificate_set_trust_list, (tg_gt_cred, tg_gt_tlist, unsigned))             \
    X(M, void, gnutls_certificate_free_cas, (tg_gt_cred))                                          \
    X(M, void, gnutls_certificate_free_crls, (tg_gt_cred))                                         \
    X(M, int, gnutls_x509_trust_list_add_cas,                                                      \
      (tg_gt_tlist, const tg_gt_crt *, unsigned, unsigned))                                        \
    X(M, int, gnutls_x509_trust_list_remove_cas, (tg_gt_tlist, const tg_gt_crt *, unsigned))       \
    X(M, int, gnutls_x509_trust_list_add_named_crt,                                                \
      (tg_gt_tlist, tg_gt_crt, const void *, size_t, unsigned))                                    \
    X(M, int, gnutls_x509_trust_list_add_crls,                                                     \
      (tg_gt_tlist, const tg_gt_crl *, unsigned, unsigned, unsigned))                              \
    X(M, int, gnutls_x509_trust_list_add_trust_mem,                                                \
      (tg_gt_tlist, const tg_gt_datum *, const tg_gt_datum *, int, unsigned, unsigned))            \
    X(M, int, gnutls_x509_trust_list_remove_trust_file, (tg_gt_tlist, const char *, int))          \
    X(M, int, gnutls_x509_trust_list_remove_trust_mem, (tg_gt_tlist, const tg_gt_datum *, int))

/*
 * The symbol table: X(kind, return type, name, parameter list), kind M
 * (mandatory: without it the backend cannot work and fails closed) or O
 * (optional: a feature detected by its presence).
 */
#define TG_GT_SYMBOLS(X)                                                                           \
    X(M, int, gnutls_init, (tg_gt_session *, unsigned))                                            \
    X(M, void, gnutls_deinit, (tg_gt_session))                                                     \
    X(M, int, gnutls_handshake, (tg_gt_session))                                                   \
    X(M, int, gnutls_priority_init, (tg_gt_prio *, const char *, const char **))                   \
    X(O, int, gnutls_priority_init2,                                                               \
      (tg_gt_prio *, const char *, const char **, unsigned)) /* 3.6.3 */                           \
    X(M, void, gnutls_priority_deinit, (tg_gt_prio))                                               \
    X(M, int, gnutls_priority_set, (tg_gt_session, tg_gt_prio))                                    \
    X(M, int, gnutls_priority_set_direct, (tg_gt_session, const char *, const char **))            \
    X(M, int, gnutls_set_default_priority, (tg_gt_session))                                        \
    X(O, int, gnutls_set_default_priority_append,                                                  \
      (tg_gt_session, const char *, const char **, unsigned)) /* 3.6.3 */                          \
    X(M, int, gnutls_priority_protocol_list, (tg_gt_prio, const unsigned **))                      \
    X(O, int, gnutls_priority_cipher_list, (tg_gt_prio, const unsigned **))                        \
    X(O, int, gnutls_priority_mac_list, (tg_gt_prio, const unsigned **))                           \
    X(O, int, gnutls_priority_kx_list, (tg_gt_prio, const unsigned **))                            \
    X(O, const char *, gnutls_cipher_get_name, (int))                                              \
    X(O, const char *, gnutls_mac_get_name, (int))                                                 \
    X(O, const char *, gnutls_kx_get_name, (int))                                                  \
    X(M, void, gnutls_session_set_verify_function, (tg_gt_session, tg_gt_verify_fn))               \
    X(M, void, gnutls_session_set_verify_cert, (tg_gt_session, const char *, unsigned))            \
    X(M, void, gnutls_session_set_verify_cert2,                                                    \
      (tg_gt_session, tg_gt_vdata *, unsigned, unsigned))                                          \
    X(M, void, gnutls_certificate_set_verify_function, (tg_gt_cred, tg_gt_verify_fn))              \
    X(M, int, gnutls_credentials_get, (tg_gt_session, int, void **))                               \
    X(M, void, gnutls_certificate_get_trust_list, (tg_gt_cred, tg_gt_tlist *))                     \
    X(M, const tg_gt_datum *, gnutls_certificate_get_peers, (tg_gt_session, unsigned *))           \
    X(M, int, gnutls_x509_crt_init, (tg_gt_crt *))                                                 \
    X(M, void, gnutls_x509_crt_deinit, (tg_gt_crt))                                                \
    X(M, int, gnutls_x509_crt_import, (tg_gt_crt, const tg_gt_datum *, int))                       \
    X(M, unsigned, gnutls_x509_crt_check_hostname2, (tg_gt_crt, const char *, unsigned))           \
    X(M, unsigned, gnutls_x509_crt_check_issuer, (tg_gt_crt, tg_gt_crt))                           \
    X(M, int, gnutls_x509_trust_list_init, (tg_gt_tlist *, unsigned))                              \
    X(M, void, gnutls_x509_trust_list_deinit, (tg_gt_tlist, unsigned))                             \
    X(M, int, gnutls_x509_trust_list_add_system_trust, (tg_gt_tlist, unsigned, unsigned))          \
    X(M, int, gnutls_x509_trust_list_add_trust_file,                                               \
      (tg_gt_tlist, const char *, const char *, int, unsigned, unsigned))                          \
    X(M, int, gnutls_x509_trust_list_add_trust_dir,                                                \
      (tg_gt_tlist, const char *, const char *, int, unsigned, unsigned))                          \
    X(M, int, gnutls_x509_trust_list_verify_crt2,                                                  \
      (tg_gt_tlist, tg_gt_crt *, unsigned, tg_gt_vdata *, unsigned, unsigned, unsigned *, void *)) \
    X(M, int, gnutls_certificate_verify_peers,                                                     \
      (tg_gt_session, tg_gt_vdata *, unsigned, unsigned *))                                        \
    X(M, int, gnutls_certificate_verify_peers2, (tg_gt_session, unsigned *))                       \
    X(M, int, gnutls_certificate_verify_peers3, (tg_gt_session, const char *, unsigned *))         \
    X(M, void, gnutls_certificate_set_verify_flags, (tg_gt_cred, unsigned))                        \
    X(M, void, gnutls_certificate_set_verify_limits, (tg_gt_cred, unsigned, unsigned))             \
    X(O, void, gnutls_session_set_verify_output_function, (tg_gt_session, void *)) /* 3.7.0 */     \
    X(O, int, gnutls_ocsp_status_request_get, (tg_gt_session, tg_gt_datum *))                      \
    X(O, int, gnutls_ocsp_status_request_get2,                                                     \
      (tg_gt_session, unsigned, tg_gt_datum *))                               /* 3.6.3 */          \
    X(O, unsigned, gnutls_x509_crt_equals2, (tg_gt_crt, const tg_gt_datum *)) /* 3.5.0 */          \
    X(M, void, gnutls_global_set_time_function, (void *))                                          \
    X(O, void, gnutls_x509_trust_list_set_getissuer_function, (tg_gt_tlist, void *)) /* 3.7.0 */   \
    TG_GT_TRUST_SYMBOLS(X)                                                                         \
    X(M, int, gnutls_x509_trust_list_iter_get_ca, (tg_gt_tlist, tg_gt_iter *, tg_gt_crt *))        \
    X(M, void, gnutls_x509_trust_list_iter_deinit, (tg_gt_iter))                                   \
    X(M, int, gnutls_x509_trust_list_get_issuer, (tg_gt_tlist, tg_gt_crt, tg_gt_crt *, unsigned))  \
    X(M, time_t, gnutls_x509_crt_get_activation_time, (tg_gt_crt))                                 \
    X(M, time_t, gnutls_x509_crt_get_expiration_time, (tg_gt_crt))                                 \
    X(M, int, gnutls_pubkey_init, (tg_gt_pubkey *))                                                \
    X(M, void, gnutls_pubkey_deinit, (tg_gt_pubkey))                                               \
    X(M, int, gnutls_pubkey_import_x509, (tg_gt_pubkey, tg_gt_crt, unsigned))                      \
    X(M, int, gnutls_pubkey_export, (tg_gt_pubkey, int, void *, size_t *))                         \
    X(M, int, gnutls_hash_fast, (int, const void *, size_t, void *))                               \
    X(M, int, gnutls_server_name_set, (tg_gt_session, int, const void *, size_t))                  \
    X(M, int, gnutls_protocol_get_version, (tg_gt_session))                                        \
    X(M, int, gnutls_cipher_get, (tg_gt_session))                                                  \
    X(M, int, gnutls_mac_get, (tg_gt_session))                                                     \
    X(M, int, gnutls_kx_get, (tg_gt_session))                                                      \
    X(M, const char *, gnutls_cipher_suite_get_name, (int, int, int))                              \
    X(O, const char *, gnutls_ciphersuite_get, (tg_gt_session)) /* 3.7.3 */                        \
    X(M, int, gnutls_session_is_resumed, (tg_gt_session))                                          \
    X(M, void, gnutls_transport_get_int2, (tg_gt_session, int *, int *))                           \
    X(M, int, gnutls_alert_get, (tg_gt_session))                                                   \
    X(O, const char *, gnutls_strerror, (int))                                                     \
    X(O, const char *, gnutls_alert_get_name, (int))                                               \
    X(M, int, gnutls_error_is_fatal, (int))                                                        \
    X(M, long, gnutls_record_send, (tg_gt_session, const void *, size_t))                          \
    X(M, long, gnutls_record_recv, (tg_gt_session, void *, size_t))                                \
    X(O, long, gnutls_record_send2,                                                                \
      (tg_gt_session, const void *, size_t, size_t, unsigned)) /* 3.6.3 */                         \
    X(O, long, gnutls_record_send_range, (tg_gt_session, const void *, size_t, const void *))      \
    X(O, long, gnutls_record_recv_seq, (tg_gt_session, void *, size_t, unsigned char *))           \
    X(O, long, gnutls_record_recv_packet, (tg_gt_session, void **))                  /* 3.3.5 */   \
    X(O, long, gnutls_record_send_early_data, (tg_gt_session, const void *, size_t)) /* 3.6.5 */   \
    X(O, long, gnutls_record_send_file, (tg_gt_session, int, long *, size_t))        /* 3.7.3 */   \
    X(O, int, gnutls_record_uncork, (tg_gt_session, unsigned))                                     \
    X(M, int, gnutls_bye, (tg_gt_session, int))                                                    \
    X(M, int, gnutls_alert_send, (tg_gt_session, int, int))                                        \
    X(M, int, gnutls_alert_send_appropriate, (tg_gt_session, int))                                 \
    X(M, int, gnutls_session_get_data, (tg_gt_session, void *, size_t *))                          \
    X(M, int, gnutls_session_get_data2, (tg_gt_session, tg_gt_datum *))                            \
    X(M, int, gnutls_session_set_data, (tg_gt_session, const void *, size_t))                      \
    X(M, void, gnutls_certificate_free_credentials, (tg_gt_cred))                                  \
    X(M, void, gnutls_transport_set_push_function, (tg_gt_session, void *))                        \
    X(O, void, gnutls_transport_set_vec_push_function, (tg_gt_session, void *))

#define TG_GT_FIELD(kind, ret, name, params) ret(*name) params;
struct tg_gtls {
    TG_GT_SYMBOLS(TG_GT_FIELD)
};
#undef TG_GT_FIELD

/* The program's libgnutls, resolved once; NULL when it cannot be (then
 * every hook fails closed). */
const struct tg_gtls *tg_gtls(void);
/* 1 if `fn` is code of the libgnutls tg_gtls() resolved (its span as
 * loaded), 0 if not or unknown. */
int tg_gtls_owns(const void *fn);
/* struct tg_backend.hands_out: `soname` is the libgnutls tg_gtls() takes. */
int tg_gtls_hands_out(const char *soname, const void *fn, const void *caller);

/* Thread-local: the shim's own calls into libgnutls (which re-enter the
 * hooks through libgnutls's PLT) pass straight through. */
int tg_gt_inside(void);
void tg_gt_enter_own(void);
void tg_gt_leave_own(void);

/* Exported symbols: everything else is hidden (-fvisibility=hidden). */
#define TG_GT_EXPORT __attribute__((visibility("default")))

#endif
