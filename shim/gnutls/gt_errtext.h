/*
 * gt_errtext.h — the program's error text after a GnuTLS block names
 * tlsguard, the host, the port and the reason. Programs print
 * gnutls_strerror(code) (wget, gnutls-cli, libcurl) or, for an alert,
 * gnutls_alert_get_name(gnutls_alert_get(s)) (libcurl, wget); both are
 * interposed (hook_gt_error.c) and answer with the block's text only for
 * the codes the shim's block made a handshake or record call return, in
 * the thread that got them, until that thread's next handshake ends
 * another way. Every other code and thread keeps GnuTLS's own text.
 */
#ifndef TG_GT_ERRTEXT_H
#define TG_GT_ERRTEXT_H

/* A block's text ("tlsguard: blocked host=H port=P: why"), waiting in this
 * thread for the code the handshake call will return. */
void tg_gt_errtext_pending(const char *text);

/* A client handshake call returns `ret` to the program: bind the waiting
 * text to it when `blocked` (alert: gnutls_alert_get's, for
 * GNUTLS_E_FATAL_ALERT_RECEIVED), else forget any text (the thread's latest
 * error is not ours). EAGAIN-like returns change nothing. */
void tg_gt_errtext_returned(int ret, int fatal, int blocked, int alert);

/* The block's text for `code` / `alert` in this thread, or NULL. */
const char *tg_gt_errtext_for_code(int code);
const char *tg_gt_errtext_for_alert(int alert);

#endif
