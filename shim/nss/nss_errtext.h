/*
 * nss_errtext.h — the program's error text after an NSS block names
 * tlsguard, the host, the port and the reason. NSS programs print
 * PR_ErrorToString(PR_GetError()) (curl-nss's failf, tstclnt's SECU_Strerror,
 * PORT_ErrorToString is a macro over it); PR_SetErrorText alone does not
 * reach them (curl never reads PR_GetErrorText, and NSS's next PR_SetError
 * empties it). PR_ErrorToString is interposed (hook_nss_error.c) and answers
 * with the block's text only while the thread's current error is the one the
 * block left (or a later I/O error of that same blocked socket; NSPR's
 * error text, which every PR_SetError empties, is the mark), until this
 * thread judges another connection or fails I/O on another socket.
 * PR_ErrorToName is left alone: programs compare the names.
 */
#ifndef TG_NSS_ERRTEXT_H
#define TG_NSS_ERRTEXT_H

#include "nss_api.h"

/* A block of socket `fd` left error `code`; `text` is tlsguard's. */
void tg_nss_errtext_set(const tg_pr_fd *fd, int32_t code, const char *text);

/* An I/O call on `fd` failed with `code` in this thread: the same block's
 * text for a blocked socket (`blocked`), else no text any more. */
void tg_nss_errtext_io_failed(const struct tg_nss *n, const tg_pr_fd *fd, int blocked,
                              int32_t code);

/* This thread starts judging another connection. */
void tg_nss_errtext_forget(void);

/* The text for `code` when it is still this thread's current error, set
 * by the block (NSPR's error text still the block's: any later PR_SetError
 * empties it), else NULL. */
const char *tg_nss_errtext_for(const struct tg_nss *n, int32_t code);

/* 1 when this thread holds a block's text at all (a cheap test before the
 * NSS table is touched). */
int tg_nss_errtext_held(void);

#endif
