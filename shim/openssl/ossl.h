/*
 * ossl.h — everything the shim knows about OpenSSL, in one place.
 *
 * The shim never includes OpenSSL's headers and never links libssl: it finds
 * the program's own libssl at run time and calls it through the table below.
 * Types are opaque; constants are the ABI values, each noted with the
 * versions that have it. Version differences live in ossl.c only.
 */
#ifndef TG_OSSL_H
#define TG_OSSL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <pthread.h>

typedef struct ssl_st SSL;
typedef struct ssl_ctx_st SSL_CTX;
typedef struct ssl_method_st SSL_METHOD;
typedef struct ssl_cipher_st SSL_CIPHER;
typedef struct x509_st X509;
typedef struct x509_store_st X509_STORE;
typedef struct x509_store_ctx_st X509_STORE_CTX;
typedef struct X509_VERIFY_PARAM_st X509_VERIFY_PARAM;
typedef struct stack_st OPENSSL_STACK;
typedef struct crypto_ex_data_st CRYPTO_EX_DATA;
typedef struct ssl_session_st SSL_SESSION;
typedef struct evp_pkey_st EVP_PKEY;
typedef struct evp_md_st EVP_MD;
typedef struct engine_st ENGINE;
typedef struct X509_name_st X509_NAME;
typedef struct X509_name_entry_st X509_NAME_ENTRY;
typedef struct asn1_string_st ASN1_STRING;

typedef int (*tg_verify_fn)(int preverify_ok, X509_STORE_CTX *xs);
typedef int (*tg_cert_verify_fn)(X509_STORE_CTX *xs, void *arg);
typedef void (*tg_info_fn)(const SSL *ssl, int where, int ret);
typedef void (*tg_ex_free_cb)(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl,
                              void *argp);
typedef int (*tg_ex_dup_cb)(CRYPTO_EX_DATA *to, const CRYPTO_EX_DATA *from, void *from_d, int idx,
                            long argl, void *argp);

/* Protocol versions (all versions; SSLv2's only up to 1.0.x). */
#define TG_SSL2_VERSION   0x0002
#define TG_SSL3_VERSION   0x0300
#define TG_TLS1_VERSION   0x0301
#define TG_TLS1_1_VERSION 0x0302
#define TG_TLS1_2_VERSION 0x0303
#define TG_TLS1_3_VERSION 0x0304

/* SSL_OP_* bits, the same from 1.0.1 to 3.x except: SSLv2 is 0 from 1.1.0 (its
 * bit is then SSL_OP_NO_ANTI_REPLAY), and TLSv1.3 is 1.1.1+ (before, that bit
 * is SSL_OP_NETSCAPE_CA_DN_BUG). */
#define TG_OP_NO_SSLv2   0x01000000UL
#define TG_OP_NO_SSLv3   0x02000000UL
#define TG_OP_NO_TLSv1   0x04000000UL
#define TG_OP_NO_TLSv1_2 0x08000000UL
#define TG_OP_NO_TLSv1_1 0x10000000UL
#define TG_OP_NO_TLSv1_3 0x20000000UL /* 1.1.1+; SSL_OP_NETSCAPE_CA_DN_BUG in 1.0.x */

#define TG_VERIFY_PEER   0x01
#define TG_SSL_NOTHING   1 /* SSL_want(): no I/O wanted (all versions) */
#define TG_SSL_WRITING   2 /* SSL_want(): bytes wait to be written */

/* SSL_ctrl / SSL_CTX_ctrl commands. */
#define TG_CTRL_GET_SESSION_REUSED    8  /* 1.0.x: SSL_session_reused() is this ctrl */
#define TG_CTRL_OPTIONS               32 /* 1.0.x only: SSL_set_options() */
#define TG_CTRL_SET_TLSEXT_HOSTNAME   55
#define TG_CTRL_CLEAR_OPTIONS         77  /* 1.0.x only: SSL_clear_options() */
#define TG_CTRL_SET_MIN_PROTO_VERSION 123 /* 1.1.0+ */
#define TG_CTRL_SET_MAX_PROTO_VERSION 124 /* 1.1.0+ */
#define TG_CTRL_GET_MIN_PROTO_VERSION 130 /* 1.1.0g+ */
#define TG_CTRL_GET_MAX_PROTO_VERSION 131 /* 1.1.0g+ */

/* X509_V_* results used in verification. */
#define TG_X509_V_OK                           0
#define TG_X509_V_ERR_CERT_REJECTED            28
#define TG_X509_V_ERR_APPLICATION_VERIFICATION 50
#define TG_X509_V_ERR_HOSTNAME_MISMATCH        62 /* 1.0.2+ */
#define TG_X509_V_ERR_IP_ADDRESS_MISMATCH      64 /* 1.0.2+ */

/* ERR_LIB_SSL reason codes that mean "the peer could not meet the protocol
 * or cipher floor" (same numbers in 1.1.1 and 3.x). */
#define TG_SSL_R_NO_CIPHERS_AVAILABLE          181
#define TG_SSL_R_NO_PROTOCOLS_AVAILABLE        191
#define TG_SSL_R_NO_SHARED_CIPHER              193
#define TG_SSL_R_UNKNOWN_PROTOCOL              252
#define TG_SSL_R_UNSUPPORTED_PROTOCOL          258
#define TG_SSL_R_WRONG_VERSION_NUMBER          267
#define TG_SSL_R_VERSION_TOO_LOW               396
#define TG_SSL_R_TLSV1_ALERT_PROTOCOL_VERSION  1070
#define TG_SSL_R_SSLV3_ALERT_HANDSHAKE_FAILURE 1040
#define TG_ERR_LIB_SSL                         20

/*
 * The real-symbol table. M = mandatory (every supported version exports it;
 * resolution fails closed without it), O = optional (feature probed by
 * presence; the comment says which versions have it).
 * X(kind, return type, name, parameter list)
 */
#define TG_OSSL_SYMBOLS(X)                                                                         \
    /* version */                                                                                  \
    X(O, unsigned long, OpenSSL_version_num, (void)) /* 1.1.0+ */                                  \
    X(O, unsigned long, SSLeay, (void))              /* 1.0.x */                                   \
    /* interposed: context set-up */                                                               \
    X(M, SSL_CTX *, SSL_CTX_new, (const SSL_METHOD *))                                             \
    X(O, SSL_CTX *, SSL_CTX_new_ex, (void *, const char *, const SSL_METHOD *)) /* 3.0+ */         \
    X(M, int, SSL_CTX_set_ssl_version, (SSL_CTX *, const SSL_METHOD *))                            \
    X(M, int, SSL_set_ssl_method, (SSL *, const SSL_METHOD *))                                     \
    X(M, void, SSL_CTX_set_cert_verify_callback, (SSL_CTX *, tg_cert_verify_fn, void *))           \
    X(M, int, SSL_CTX_load_verify_locations, (SSL_CTX *, const char *, const char *))              \
    X(M, int, SSL_CTX_set_default_verify_paths, (SSL_CTX *))                                       \
    X(O, int, SSL_CTX_set_default_verify_dir, (SSL_CTX *))          /* 1.1.0+ */                   \
    X(O, int, SSL_CTX_set_default_verify_file, (SSL_CTX *))         /* 1.1.0+ */                   \
    X(O, int, SSL_CTX_set_default_verify_store, (SSL_CTX *))        /* 3.0+ */                     \
    X(O, int, SSL_CTX_load_verify_file, (SSL_CTX *, const char *))  /* 3.0+ */                     \
    X(O, int, SSL_CTX_load_verify_dir, (SSL_CTX *, const char *))   /* 3.0+ */                     \
    X(O, int, SSL_CTX_load_verify_store, (SSL_CTX *, const char *)) /* 3.0+ */                     \
    X(M, void, SSL_CTX_set_cert_store, (SSL_CTX *, X509_STORE *))                                  \
    X(O, void, SSL_CTX_set1_cert_store, (SSL_CTX *, X509_STORE *)) /* 1.1.1+ */                    \
    /* interposed: handshake and I/O */                                                            \
    X(M, int, SSL_connect, (SSL *))                                                                \
    X(M, int, SSL_accept, (SSL *))                                                                 \
    X(M, int, SSL_do_handshake, (SSL *))                                                           \
    X(M, int, SSL_clear, (SSL *))                                                                  \
    X(M, int, SSL_read, (SSL *, void *, int))                                                      \
    X(M, int, SSL_peek, (SSL *, void *, int))                                                      \
    X(M, int, SSL_write, (SSL *, const void *, int))                                               \
    X(O, int, SSL_read_ex, (SSL *, void *, size_t, size_t *))                /* 1.1.1+ */          \
    X(O, int, SSL_peek_ex, (SSL *, void *, size_t, size_t *))                /* 1.1.1+ */          \
    X(O, int, SSL_write_ex, (SSL *, const void *, size_t, size_t *))         /* 1.1.1+ */          \
    X(O, int, SSL_write_early_data, (SSL *, const void *, size_t, size_t *)) /* 1.1.1+ */          \
    X(O, ssize_t, SSL_sendfile, (SSL *, int, off_t, size_t, int))            /* 3.0+ */            \
    /* called, not interposed */                                                                   \
    X(M, SSL_CTX *, SSL_get_SSL_CTX, (const SSL *))                                                \
    X(M, const SSL_METHOD *, SSL_get_ssl_method, (const SSL *))                                    \
    X(M, long, SSL_ctrl, (SSL *, int, long, void *))                                               \
    X(M, long, SSL_CTX_ctrl, (SSL_CTX *, int, long, void *))                                       \
    X(O, unsigned long, SSL_CTX_set_options, (SSL_CTX *, unsigned long)) /* 1.1.0+ */              \
    X(O, unsigned long, SSL_set_options, (SSL *, unsigned long))         /* 1.1.0+ */              \
    X(O, unsigned long, SSL_get_options, (const SSL *))                  /* 1.1.0+ */              \
    X(O, unsigned long, SSL_clear_options, (SSL *, unsigned long))       /* 1.1.0+ */              \
    X(M, void, SSL_set_verify, (SSL *, int, tg_verify_fn))                                         \
    X(M, int, SSL_get_verify_mode, (const SSL *))                                                  \
    X(M, tg_verify_fn, SSL_get_verify_callback, (const SSL *))                                     \
    X(M, long, SSL_get_verify_result, (const SSL *))                                               \
    X(M, void, SSL_set_info_callback, (SSL *, tg_info_fn))                                         \
    X(M, tg_info_fn, SSL_get_info_callback, (const SSL *))                                         \
    X(M, tg_info_fn, SSL_CTX_get_info_callback, (const SSL_CTX *))                                 \
    X(M, int, SSL_get_ex_data_X509_STORE_CTX_idx, (void))                                          \
    X(M, void *, SSL_get_ex_data, (const SSL *, int))                                              \
    X(M, int, SSL_set_ex_data, (SSL *, int, void *))                                               \
    X(M, void *, SSL_CTX_get_ex_data, (const SSL_CTX *, int))                                      \
    X(M, int, SSL_CTX_set_ex_data, (SSL_CTX *, int, void *))                                       \
    X(O, int, CRYPTO_get_ex_new_index,                                                             \
      (int, long, void *, void *, tg_ex_dup_cb, tg_ex_free_cb)) /* 1.1.0+ */                       \
    X(O, int, SSL_get_ex_new_index,                                                                \
      (long, void *, void *, tg_ex_dup_cb, tg_ex_free_cb)) /* 1.0.x */                             \
    X(O, int, SSL_CTX_get_ex_new_index,                                                            \
      (long, void *, void *, tg_ex_dup_cb, tg_ex_free_cb)) /* 1.0.x */                             \
    X(M, const char *, SSL_get_servername, (const SSL *, int))                                     \
    X(M, int, SSL_get_fd, (const SSL *))                                                           \
    X(M, int, SSL_get_wfd, (const SSL *))                                                          \
    X(O, int, SSL_is_server, (const SSL *))      /* 1.0.2+ */                                      \
    X(O, int, SSL_session_reused, (const SSL *)) /* 1.1.0+ */                                      \
    X(M, int, SSL_version, (const SSL *))                                                          \
    X(M, const char *, SSL_get_version, (const SSL *))                                             \
    X(M, const SSL_CIPHER *, SSL_get_current_cipher, (const SSL *))                                \
    X(O, X509 *, SSL_get1_peer_certificate, (const SSL *)) /* 3.0+ */                              \
    X(O, X509 *, SSL_get_peer_certificate, (const SSL *))  /* < 3.0 */                             \
    X(M, OPENSSL_STACK *, SSL_get_ciphers, (const SSL *))                                          \
    X(M, const char *, SSL_CIPHER_get_name, (const SSL_CIPHER *))                                  \
    X(M, int, SSL_set_cipher_list, (SSL *, const char *))                                          \
    X(M, int, SSL_CTX_set_cipher_list, (SSL_CTX *, const char *))                                  \
    X(M, X509_STORE *, SSL_CTX_get_cert_store, (const SSL_CTX *))                                  \
    X(O, const SSL_METHOD *, TLS_method, (void))           /* 1.1.0+ */                            \
    X(O, const SSL_METHOD *, TLS_client_method, (void))    /* 1.1.0+ */                            \
    X(O, const SSL_METHOD *, TLS_server_method, (void))    /* 1.1.0+ */                            \
    X(O, const SSL_METHOD *, SSLv23_method, (void))        /* 1.0.x */                             \
    X(O, const SSL_METHOD *, SSLv23_client_method, (void)) /* 1.0.x */                             \
    X(O, const SSL_METHOD *, SSLv23_server_method, (void)) /* 1.0.x */                             \
    X(O, const SSL_METHOD *, TLSv1_method, (void))                                                 \
    X(O, const SSL_METHOD *, TLSv1_client_method, (void))                                          \
    X(O, const SSL_METHOD *, TLSv1_server_method, (void))                                          \
    X(O, const SSL_METHOD *, TLSv1_1_method, (void))                                               \
    X(O, const SSL_METHOD *, TLSv1_2_server_method, (void))                                        \
    X(O, const SSL_METHOD *, TLSv1_1_client_method, (void))                                        \
    X(O, const SSL_METHOD *, TLSv1_1_server_method, (void))                                        \
    X(O, const SSL_METHOD *, SSLv3_method, (void))                                                 \
    X(O, const SSL_METHOD *, SSLv3_client_method, (void))                                          \
    X(O, const SSL_METHOD *, SSLv3_server_method, (void))                                          \
    X(O, const SSL_METHOD *, SSLv2_method, (void))        /* <= 1.0.x; NULL without SSLv2 */       \
    X(O, const SSL_METHOD *, SSLv2_client_method, (void)) /* <= 1.0.x */                           \
    X(O, const SSL_METHOD *, SSLv2_server_method, (void)) /* <= 1.0.x */                           \
    /* libcrypto, reached through libssl's dependency scope */                                     \
    X(M, void *, X509_STORE_CTX_get_ex_data, (const X509_STORE_CTX *, int))                        \
    X(M, int, X509_STORE_CTX_get_error, (const X509_STORE_CTX *))                                  \
    X(M, void, X509_STORE_CTX_set_error, (X509_STORE_CTX *, int))                                  \
    X(M, int, X509_STORE_CTX_get_error_depth, (const X509_STORE_CTX *))                            \
    X(M, X509 *, X509_STORE_CTX_get_current_cert, (const X509_STORE_CTX *))                        \
    X(M, X509_VERIFY_PARAM *, X509_STORE_CTX_get0_param, (const X509_STORE_CTX *))                 \
    X(O, const char *, X509_VERIFY_PARAM_get0_peername, (const X509_VERIFY_PARAM *)) /* 1.0.2+ */  \
    X(M, int, X509_verify_cert, (X509_STORE_CTX *))                                                \
    X(M, const char *, X509_verify_cert_error_string, (long))                                      \
    X(O, int, X509_check_host, (X509 *, const char *, size_t, unsigned int, char **)) /* 1.0.2+ */ \
    X(O, int, X509_check_ip, (X509 *, const unsigned char *, size_t, unsigned int))   /* 1.0.2+ */ \
    /* names out of a certificate, for 1.0.1's missing X509_check_host */                          \
    X(O, void *, X509_get_ext_d2i, (const X509 *, int, int *, int *))                              \
    X(O, void, GENERAL_NAMES_free, (void *))                                                       \
    X(O, X509_NAME *, X509_get_subject_name, (const X509 *))                                       \
    X(O, int, X509_NAME_get_index_by_NID, (const X509_NAME *, int, int))                           \
    X(O, X509_NAME_ENTRY *, X509_NAME_get_entry, (const X509_NAME *, int))                         \
    X(O, ASN1_STRING *, X509_NAME_ENTRY_get_data, (const X509_NAME_ENTRY *))                       \
    X(O, int, ASN1_STRING_length, (const ASN1_STRING *))                                           \
    X(O, const unsigned char *, ASN1_STRING_get0_data, (const ASN1_STRING *)) /* 1.1.0+ */         \
    X(O, unsigned char *, ASN1_STRING_data, (ASN1_STRING *))                  /* 1.0.x */          \
    X(M, void, X509_free, (X509 *))                                                                \
    X(M, X509_STORE *, X509_STORE_new, (void))                                                     \
    X(M, int, X509_STORE_set_default_paths, (X509_STORE *))                                        \
    X(M, int, X509_STORE_load_locations, (X509_STORE *, const char *, const char *))               \
    X(O, OPENSSL_STACK *, X509_STORE_get0_objects, (const X509_STORE *)) /* 1.1.0+ */              \
    X(O, int, OPENSSL_sk_num, (const OPENSSL_STACK *))                   /* 1.1.0+ */              \
    X(O, void *, OPENSSL_sk_value, (const OPENSSL_STACK *, int))         /* 1.1.0+ */              \
    X(O, int, sk_num, (const OPENSSL_STACK *))                           /* 1.0.x */               \
    X(O, void *, sk_value, (const OPENSSL_STACK *, int))                 /* 1.0.x */               \
    X(M, int, ERR_get_next_error_library, (void))                                                  \
    X(M, int, ERR_load_strings, (int, void *))                                                     \
    X(O, void, ERR_put_error, (int, int, int, const char *, int)) /* < 3.0 */                      \
    X(O, void, ERR_new, (void))                                   /* 3.0+ */                       \
    X(O, void, ERR_set_debug, (const char *, int, const char *))  /* 3.0+ */                       \
    X(O, void, ERR_set_error, (int, int, const char *, ...))      /* 3.0+ */                       \
    X(M, void, ERR_add_error_data, (int, ...))                                                     \
    X(M, unsigned long, ERR_peek_error, (void))                                                    \
    /* draining the queue to put our error first and last (ossl_err.c) */                          \
    X(O, unsigned long, ERR_get_error_line_data,                                                   \
      (const char **, int *, const char **, int *)) /* all; deprecated in 3.0 */                   \
    X(O, unsigned long, ERR_get_error_all,                                                         \
      (const char **, int *, const char **, const char **, int *)) /* 3.0+ */                      \
    /* pins: SHA-256 of the DER SubjectPublicKeyInfo */                                            \
    X(M, EVP_PKEY *, X509_get_pubkey, (X509 *))                                                    \
    X(M, int, i2d_PUBKEY, (EVP_PKEY *, unsigned char **))                                          \
    X(M, void, EVP_PKEY_free, (EVP_PKEY *))                                                        \
    X(M, const EVP_MD *, EVP_sha256, (void))                                                       \
    X(M, int, EVP_Digest,                                                                          \
      (const void *, size_t, unsigned char *, unsigned int *, const EVP_MD *, ENGINE *))           \
    X(O, OPENSSL_STACK *, X509_STORE_CTX_get0_chain, (const X509_STORE_CTX *)) /* 1.1.0+ */        \
    X(O, OPENSSL_STACK *, X509_STORE_CTX_get_chain, (const X509_STORE_CTX *))  /* 1.0.x */         \
    X(M, OPENSSL_STACK *, SSL_get_peer_cert_chain, (const SSL *))                                  \
    X(M, SSL_SESSION *, SSL_get_session, (const SSL *))                                            \
    X(M, void *, SSL_SESSION_get_ex_data, (const SSL_SESSION *, int))                              \
    X(M, int, SSL_SESSION_set_ex_data, (SSL_SESSION *, int, void *))                               \
    X(O, int, SSL_SESSION_get_ex_new_index,                                                        \
      (long, void *, void *, tg_ex_dup_cb, tg_ex_free_cb)) /* 1.0.x */                             \
    X(M, unsigned long, ERR_peek_last_error, (void))                                               \
    X(M, const char *, ERR_reason_error_string, (unsigned long))                                   \
    X(O, int, SSL_in_init, (const SSL *))          /* 1.1.0+ */                                    \
    X(O, int, SSL_is_init_finished, (const SSL *)) /* 1.1.0+ */                                    \
    X(O, int, SSL_state, (const SSL *))            /* 1.0.x */                                     \
    /* callbacks the shim keeps installed on every context (callbacks.c) */                        \
    X(M, void, SSL_CTX_set_info_callback, (SSL_CTX *, tg_info_fn))                                 \
    X(M, void, SSL_CTX_set_verify, (SSL_CTX *, int, tg_verify_fn))                                 \
    X(M, tg_verify_fn, SSL_CTX_get_verify_callback, (const SSL_CTX *))                             \
    X(M, int, SSL_CTX_get_verify_mode, (const SSL_CTX *))                                          \
    X(M, int, SSL_set_session, (SSL *, SSL_SESSION *))                                             \
    X(M, SSL_SESSION *, SSL_SESSION_new, (void))                                                   \
    X(M, void, SSL_SESSION_free, (SSL_SESSION *))                                                  \
    X(M, const unsigned char *, SSL_SESSION_get_id, (const SSL_SESSION *, unsigned int *))         \
    X(M, long, SSL_SESSION_get_time, (const SSL_SESSION *))                                        \
    X(O, size_t, SSL_SESSION_get_master_key,                                                       \
      (const SSL_SESSION *, unsigned char *, size_t)) /* 1.1.0+ */                                 \
    X(M, void, SSL_set_shutdown, (SSL *, int))                                                     \
    X(M, int, SSL_want, (const SSL *))                                                             \
    X(M, int, SSL_get_shutdown, (const SSL *))                                                     \
    /* an independent, strict verification (verify.c, strict.c) */                                 \
    X(M, X509_STORE_CTX *, X509_STORE_CTX_new, (void))                                             \
    X(M, int, X509_STORE_CTX_init, (X509_STORE_CTX *, X509_STORE *, X509 *, OPENSSL_STACK *))      \
    X(M, void, X509_STORE_CTX_free, (X509_STORE_CTX *))                                            \
    X(M, int, X509_STORE_CTX_set_ex_data, (X509_STORE_CTX *, int, void *))                         \
    X(M, void, X509_STORE_CTX_set_verify_cb, (X509_STORE_CTX *, tg_verify_fn))                     \
    X(M, int, X509_STORE_CTX_set_default, (X509_STORE_CTX *, const char *))                        \
    X(M, OPENSSL_STACK *, X509_STORE_CTX_get1_chain, (X509_STORE_CTX *))                           \
    X(O, X509_STORE *, X509_STORE_CTX_get0_store, (const X509_STORE_CTX *))        /* 1.0.2+ */    \
    X(O, X509 *, X509_STORE_CTX_get0_cert, (const X509_STORE_CTX *))               /* 1.1.0+ */    \
    X(O, OPENSSL_STACK *, X509_STORE_CTX_get0_untrusted, (const X509_STORE_CTX *)) /* 1.1.0+ */    \
    X(O, void, X509_STORE_CTX_set0_verified_chain,                                                 \
      (X509_STORE_CTX *, OPENSSL_STACK *))                                  /* 1.1.0+ */           \
    X(O, void, X509_STORE_CTX_set_error_depth, (X509_STORE_CTX *, int))     /* 1.1.0+ */           \
    X(O, void, X509_STORE_CTX_set_current_cert, (X509_STORE_CTX *, X509 *)) /* 1.1.0+ */           \
    X(M, unsigned long, X509_VERIFY_PARAM_get_flags, (const X509_VERIFY_PARAM *))                  \
    X(M, int, X509_VERIFY_PARAM_clear_flags, (X509_VERIFY_PARAM *, unsigned long))                 \
    X(M, int, X509_VERIFY_PARAM_set_purpose, (X509_VERIFY_PARAM *, int))                           \
    X(M, int, X509_VERIFY_PARAM_set_trust, (X509_VERIFY_PARAM *, int))                             \
    X(M, int, X509_VERIFY_PARAM_set1, (X509_VERIFY_PARAM *, const X509_VERIFY_PARAM *))            \
    X(O, void, X509_VERIFY_PARAM_set_hostflags, (X509_VERIFY_PARAM *, unsigned int)) /* 1.0.2+ */  \
    X(O, char *, X509_VERIFY_PARAM_get0_host, (X509_VERIFY_PARAM *, int))            /* 3.0+ */    \
    X(O, X509_VERIFY_PARAM *, SSL_get0_param, (SSL *))                               /* 1.0.2+ */  \
    X(O, int, SSL_set1_host, (SSL *, const char *))                                  /* 1.1.0+ */  \
    X(O, int, SSL_add1_host, (SSL *, const char *))                                  /* 1.1.0+ */  \
    X(M, int, X509_get_ext_by_NID, (const X509 *, int, int))                                       \
    X(O, int, SSL_get0_dane_authority, (SSL *, X509 **, EVP_PKEY **))    /* 1.1.0+ */              \
    X(O, void, OPENSSL_sk_pop_free, (OPENSSL_STACK *, void (*)(void *))) /* 1.1.0+ */              \
    X(O, void, sk_pop_free, (OPENSSL_STACK *, void (*)(void *)))         /* 1.0.x */

/* What the shim keeps per libssl copy, set up once when the copy is first
 * seen (libs.c). */
struct tg_ossl_state {
    int ssl_idx, ctx_idx;       /* ex-data indexes (conn.c) */
    int err_lib;                /* our error library (block.c) */
    int err_ready;              /* ... registered (at the first block) */
    pthread_mutex_t store_lock; /* the default trust store (trust.c) */
    int store_tried;
    X509_STORE *store; /* defaults + policy anchors */
    int policy_store_tried;
    X509_STORE *policy_store; /* policy anchors alone */
};

#define TG_SYM_FIELD(kind, ret, name, args) ret(*name) args;
struct tg_ossl {
    TG_OSSL_SYMBOLS(TG_SYM_FIELD)
    unsigned long version; /* OPENSSL_VERSION_NUMBER of the loaded library */
    int major, minor;      /* 1.0, 1.1, 3.x */
    char libssl_path[256];
    void *ssl_base, *crypto_base; /* load addresses: a caller inside either
                                     belongs to this copy */
    /* The method objects (static in libssl), fetched once: flexible
     * (any, client, server) and fixed TLSv1 / TLSv1.1 / SSLv3 / SSLv2 (same
     * order). */
    const SSL_METHOD *flexible[3], *fixed[4][3];
    struct tg_ossl_state *state;
};
#undef TG_SYM_FIELD

/* Fill `t` from a libssl's symbol scope (dynobj.h); 0, or -1 with the first
 * missing mandatory symbol in `missing` (then the copy cannot be used). */
struct tg_symscope;
int tg_ossl_resolve(struct tg_ossl *t, const struct tg_symscope *scope, const char **missing);
/* 1 when `p` points into this library (a lookup that found our own hook). */
int tg_is_ours(const void *p);

/* Version-independent helpers over the table. */
unsigned long tg_ossl_set_options(const struct tg_ossl *o, SSL *ssl, unsigned long ops);
unsigned long tg_ossl_get_options(const struct tg_ossl *o, SSL *ssl);
unsigned long tg_ossl_clear_options(const struct tg_ossl *o, SSL *ssl, unsigned long ops);
int tg_ossl_is_server(const struct tg_ossl *o, const SSL *ssl);
/* The handshake has completed (and no new one is under way). */
int tg_ossl_handshake_done(const struct tg_ossl *o, const SSL *ssl);
int tg_ossl_session_reused(const struct tg_ossl *o, SSL *ssl);
int tg_ossl_sk_num(const struct tg_ossl *o, const OPENSSL_STACK *sk);
/* The objects loaded into a store (X509_STORE_get0_objects, 1.1.0+; the
 * public 1.0.x struct before). NULL when unknown. */
OPENSSL_STACK *tg_ossl_store_objects(const struct tg_ossl *o, X509_STORE *st);
/* The lookup methods (hashed directories, files) a store searches lazily;
 * NULL when unknown. */
OPENSSL_STACK *tg_ossl_store_lookups(const struct tg_ossl *o, X509_STORE *st);
/* A verification's store, certificate and untrusted chain (accessors from
 * 1.0.2/1.1.0; the public struct before). NULL when unknown. */
X509_STORE *tg_ossl_xs_store(const struct tg_ossl *o, X509_STORE_CTX *xs);
X509 *tg_ossl_xs_cert(const struct tg_ossl *o, X509_STORE_CTX *xs);
OPENSSL_STACK *tg_ossl_xs_untrusted(const struct tg_ossl *o, X509_STORE_CTX *xs);
/* Free a chain from X509_STORE_CTX_get1_chain. */
void tg_ossl_free_chain(const struct tg_ossl *o, OPENSSL_STACK *chain);
/* Forget the session offered for resumption, from inside the handshake's
 * start: the next ClientHello asks for a new one. */
void tg_ossl_drop_session(const struct tg_ossl *o, SSL *ssl);
void *tg_ossl_sk_value(const struct tg_ossl *o, const OPENSSL_STACK *sk, int i);
/* The element array of a stack of `n` (> 0) elements, read in place for hot
 * paths; NULL when the layout does not agree with the API (then use
 * tg_ossl_sk_value). */
void *const *tg_ossl_sk_data(const struct tg_ossl *o, const OPENSSL_STACK *sk, int n);
/* Ex-data index for SSL (what=0), SSL_CTX (what=1) or SSL_SESSION (what=2)
 * objects; -1 on failure. */
int tg_ossl_ex_index(const struct tg_ossl *o, int what, tg_ex_dup_cb dup, tg_ex_free_cb fr);
/* The chain a verification built (X509_STORE_CTX_get0_chain, 1.1.0+;
 * X509_STORE_CTX_get_chain before). */
OPENSSL_STACK *tg_ossl_verified_chain(const struct tg_ossl *o, X509_STORE_CTX *xs);
/* The flexible method that replaces a fixed pre-TLS-1.2 one, or NULL if
 * `m` is not such a method; *version gets the version `m` was fixed to. */
const SSL_METHOD *tg_ossl_upgrade_method(const struct tg_ossl *o, const SSL_METHOD *m,
                                         int *version);
/* The min/max protocol version ctrls exist (1.1.0+). */
int tg_ossl_has_proto_ctrl(const struct tg_ossl *o);
/* Limit a context or a connection to exactly `version` (how a fixed method
 * behaved), on a flexible method: min/max ctrls from 1.1.0, options before.
 * The floor raises these again where it is enforced. */
void tg_ossl_ctx_pin_version(const struct tg_ossl *o, SSL_CTX *ctx, int version);
void tg_ossl_pin_version(const struct tg_ossl *o, SSL *ssl, int version);
/* The verify error for a certificate that is not for the peer's name (or
 * IP, `is_ip`): X509_V_ERR_HOSTNAME_MISMATCH / _IP_ADDRESS_MISMATCH from
 * 1.0.2; 1.0.1 has neither (its X509_verify_cert_error_string says "error
 * number 62"), so there X509_V_ERR_APPLICATION_VERIFICATION. */
int tg_ossl_name_mismatch_error(const struct tg_ossl *o, int is_ip);
/* Library and reason of a packed error code, per version's packing. */
int tg_ossl_err_lib(const struct tg_ossl *o, unsigned long e);
int tg_ossl_err_reason(const struct tg_ossl *o, unsigned long e);
unsigned long tg_ossl_err_pack(const struct tg_ossl *o, int lib, int reason);
/* Push one error (lib, reason) with a text (NULL: none), per version's
 * error API (ossl_err.c). */
void tg_ossl_err_push(const struct tg_ossl *o, int lib, int reason, const char *text);
/* The queue can be drained and rebuilt (ERR_get_error_all or
 * ERR_get_error_line_data is there). */
int tg_ossl_err_can_bracket(const struct tg_ossl *o);
/* Push (lib, reason, text) so that this thread's queue starts AND ends with
 * it, the errors already there kept in between (older ones of `lib` are
 * dropped). Without a way to drain the queue: pushed last only. */
void tg_ossl_err_push_first_last(const struct tg_ossl *o, int lib, int reason, const char *text);

#endif
