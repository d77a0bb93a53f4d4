/*
 * nss_anchors.c — PEM files and directories of them (ca-file, ca-dir) to
 * certificate lists, cached by path (a policy names few; they live as long
 * as the process, as the policy does).
 */
#include "nss_anchors.h"

#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MAX_FILES 16
#define MAX_PEM   (4 << 20)

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
    char *path;
    tg_nss_cert_list *list;
} cache[MAX_FILES];

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "re");
    char *buf = f ? malloc(MAX_PEM + 1) : NULL;
    size_t n = buf ? fread(buf, 1, MAX_PEM, f) : 0;
    if (f)
        fclose(f);
    if (buf)
        buf[n] = '\0';
    return buf;
}

/* One base64 body (between BEGIN and END) to a temporary certificate. */
static void add_one(const struct tg_nss *n, tg_nss_cert_list *list, char *b64)
{
    unsigned int len = 0;
    unsigned char *der = n->ATOB_AsciiToData(b64, &len);
    tg_nss_item item = { 0, der, len };
    tg_nss_cert *c =
        der ? n->CERT_NewTempCertificate(n->CERT_GetDefaultCertDB(), &item, NULL, 0, 1) : NULL;
    if (c && n->CERT_AddCertToListTail(list, c))
        n->CERT_DestroyCertificate(c);
    if (der)
        n->PORT_Free(der);
}

/* Every certificate of one PEM file onto `list`. */
static void add_file(const struct tg_nss *n, tg_nss_cert_list *list, const char *path)
{
    static const char begin[] = "-----BEGIN CERTIFICATE-----", end[] = "-----END CERTIFICATE-----";
    char *pem = slurp(path), *p = pem, *b, *e;
    while (p && (b = strstr(p, begin)) != NULL && (e = strstr(b, end)) != NULL) {
        *e = '\0';
        add_one(n, list, b + sizeof begin - 1);
        p = e + sizeof end - 1;
    }
    free(pem);
}

/* A ca-dir: every regular file in it (an OpenSSL hashed directory's links
 * and the PEM files they name alike: NSS keeps one copy of each). */
static void add_dir(const struct tg_nss *n, tg_nss_cert_list *list, const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    char path[4096];
    struct stat st;
    while (d && (de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.' ||
            snprintf(path, sizeof path, "%s/%s", dir, de->d_name) >= (int)sizeof path)
            continue;
        if (!stat(path, &st) && S_ISREG(st.st_mode))
            add_file(n, list, path);
    }
    if (d)
        closedir(d);
}

/* The certificates of a PEM file or a directory of them; NULL for none. */
static tg_nss_cert_list *load(const struct tg_nss *n, const char *path)
{
    struct stat st;
    tg_nss_cert_list *list = n->CERT_NewCertList();
    if (list && !stat(path, &st))
        (S_ISDIR(st.st_mode) ? add_dir : add_file)(n, list, path);
    if (list && list->list.next == &list->list) {
        n->CERT_DestroyCertList(list);
        list = NULL;
    }
    return list;
}

tg_nss_cert_list *tg_nss_anchors(const struct tg_nss *n, const char *path)
{
    tg_nss_cert_list *found = NULL;
    int i;
    if (!path || !*path)
        return NULL;
    pthread_mutex_lock(&lock);
    for (i = 0; i < MAX_FILES && cache[i].path; i++)
        if (!strcmp(cache[i].path, path)) {
            found = cache[i].list;
            break;
        }
    if (i < MAX_FILES && !cache[i].path) {
        found = load(n, path);
        cache[i].path = strdup(path);
        cache[i].list = found;
    }
    pthread_mutex_unlock(&lock);
    return found;
}

void tg_nss_anchors_trust(const struct tg_nss *n, tg_nss_cert_list *list, int on)
{
    for (tg_nss_link *l = list ? list->list.next : NULL; l && l != &list->list; l = l->next) {
        tg_nss_trust t = { 0, 0, 0 };
        if (on)
            t.ssl = TG_CERTDB_TERMINAL_RECORD | TG_CERTDB_VALID_CA | TG_CERTDB_TRUSTED_CA;
        n->CERT_ChangeCertTrust(n->CERT_GetDefaultCertDB(), ((tg_nss_cert_node *)l)->cert, &t);
    }
}
