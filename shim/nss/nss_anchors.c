/*
 * nss_anchors.c — PEM files and directories of them (ca-file, ca-dir) to
 * certificate lists, cached by path (a policy names few; they live as long
 * as the process, as the policy does).
 */
#include "nss_anchors.h"
#include "secure_env.h"

#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

/* Where a program's NSS trusts no CA at all, the system's (SPEC.md's
 * default verify paths): SSL_CERT_FILE, else the distribution's bundle
 * (Debian's, then RHEL/CentOS's), and SSL_CERT_DIR. */
void tg_nss_anchors_system(const struct tg_nss *n, tg_nss_cert_list *out[2])
{
    static const char *const bundles[] = { "/etc/ssl/certs/ca-certificates.crt",
                                           "/etc/pki/tls/certs/ca-bundle.crt",
                                           "/etc/ssl/ca-bundle.pem" };
    const char *file = tg_secure_getenv("SSL_CERT_FILE");
    for (size_t i = 0; !(file && *file) && i < sizeof bundles / sizeof *bundles; i++)
        if (!access(bundles[i], R_OK))
            file = bundles[i];
    out[0] = tg_nss_anchors(n, file);
    out[1] = tg_nss_anchors(n, tg_secure_getenv("SSL_CERT_DIR"));
}
