/*
 * two_libssl — a process with two OpenSSL copies at once: its own (linked)
 * and the plugin's (dlopen'ed RTLD_LOCAL, linked against another version).
 *
 *   two_libssl PLUGIN.so HOST PORT...
 *
 * For each PORT: one connection through each copy. Prints one line per
 * connection; exits 0, or 2 when it could not run or a connection could not
 * even be set up (said on stderr). Under the shim each call must reach the
 * copy its caller uses: a crash is the failure to catch.
 */
#include <dlfcn.h>
#include <stdio.h>

int main_connect(const char *host, const char *port, const char *tag);

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: two_libssl PLUGIN.so HOST PORT...\n");
        return 2;
    }
    void *plugin = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
    int (*plugin_connect)(const char *, const char *, const char *) =
        plugin ? (int (*)(const char *, const char *, const char *))dlsym(plugin, "plugin_connect")
               : NULL;
    if (!plugin_connect) {
        fprintf(stderr, "two_libssl: %s\n", dlerror());
        return 2;
    }
    int status = 0;
    for (int i = 3; i < argc; i++) {
        char main_tag[64], plugin_tag[64];
        snprintf(main_tag, sizeof main_tag, "two-main-%s", argv[i]);
        snprintf(plugin_tag, sizeof plugin_tag, "two-plugin-%s", argv[i]);
        if (main_connect(argv[2], argv[i], main_tag) == 2)
            status = 2;
        if (plugin_connect(argv[2], argv[i], plugin_tag) == 2)
            status = 2;
    }
    return status;
}
