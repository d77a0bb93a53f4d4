/*
 * hook_gt_data.c — what the backend must learn about a session beyond its
 * handshake: whether it has a socket of its own (a push function of the
 * program's means no fd to read the peer from), and where resumed session
 * data came from.
 */
#include "gt_decide.h"
#include "init.h"

#include <string.h>

static struct tg_gt_rec *client_rec(tg_gt_session s, const struct tg_gtls **g)
{
    tg_init();
    *g = tg_gtls();
    if (!*g || tg_gt_inside())
        return NULL;
    struct tg_gt_rec *r = tg_gt_rec_get(s, 0);
    return r && r->is_client ? r : NULL;
}

TG_GT_EXPORT void gnutls_transport_set_push_function(tg_gt_session s, void *fn)
{
    const struct tg_gtls *g;
    struct tg_gt_rec *r = client_rec(s, &g);
    if (r)
        r->custom_transport = 1;
    if (g)
        g->gnutls_transport_set_push_function(s, fn);
}

TG_GT_EXPORT void gnutls_transport_set_vec_push_function(tg_gt_session s, void *fn)
{
    const struct tg_gtls *g;
    struct tg_gt_rec *r = client_rec(s, &g);
    if (r)
        r->custom_transport = 1;
    if (g && g->gnutls_transport_set_vec_push_function)
        g->gnutls_transport_set_vec_push_function(s, fn);
}

/* The SNI: a client session cannot read it back (gnutls_server_name_get
 * is for servers). */
TG_GT_EXPORT int gnutls_server_name_set(tg_gt_session s, int type, const void *name, size_t len)
{
    const struct tg_gtls *g;
    struct tg_gt_rec *r = client_rec(s, &g);
    if (!g)
        return TG_GT_E_INTERNAL_ERROR;
    int ret = g->gnutls_server_name_set(s, type, name, len);
    if (r && ret == 0 && type == TG_GT_NAME_DNS) {
        size_t n = name && len < sizeof r->sni ? len : 0;
        memcpy(r->sni, name ? name : "", n);
        r->sni[n] = '\0';
        if (n && memchr(r->sni, '\0', n)) /* an embedded NUL: no usable name */
            r->sni[0] = '\0';
    }
    return ret;
}

/* Data taken from a connection that passed is marked with its name. */
static void mark(const struct tg_gt_rec *r, const void *data, size_t len)
{
    if (r && r->finished && r->verified && !r->verdict.blocked && r->verdict.host[0])
        tg_gt_ticket_mark(data, len, r->verdict.host,
                          r->rules.settings.pin_count ? r->rules.settings.pins : NULL);
}

TG_GT_EXPORT int gnutls_session_get_data(tg_gt_session s, void *data, size_t *size)
{
    const struct tg_gtls *g;
    struct tg_gt_rec *r = client_rec(s, &g);
    if (!g)
        return TG_GT_E_INTERNAL_ERROR;
    int ret = g->gnutls_session_get_data(s, data, size);
    if (ret == 0 && data)
        mark(r, data, *size);
    return ret;
}

TG_GT_EXPORT int gnutls_session_get_data2(tg_gt_session s, tg_gt_datum *out)
{
    const struct tg_gtls *g;
    struct tg_gt_rec *r = client_rec(s, &g);
    if (!g)
        return TG_GT_E_INTERNAL_ERROR;
    int ret = g->gnutls_session_get_data2(s, out);
    if (ret == 0)
        mark(r, out->data, out->size);
    return ret;
}

TG_GT_EXPORT int gnutls_session_set_data(tg_gt_session s, const void *data, size_t size)
{
    const struct tg_gtls *g;
    struct tg_gt_rec *r = client_rec(s, &g);
    if (!g)
        return TG_GT_E_INTERNAL_ERROR;
    if (r)
        r->resume_ok =
            tg_gt_ticket_lookup(data, size, r->resume_host, sizeof r->resume_host, &r->resume_pins);
    return g->gnutls_session_set_data(s, data, size);
}
