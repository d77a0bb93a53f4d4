/*
 * adv_deepbind.c — road 8: the program does not link libssl; a plugin that
 * does is loaded with dlopen and does the TLS.
 *   deepbind   dlopen(--plugin, RTLD_NOW | RTLD_DEEPBIND): the plugin's own
 *              symbols (libssl) come before the global scope, the preload's too
 *   local      dlopen(--plugin, RTLD_NOW | RTLD_LOCAL): the ordinary case
 */
#include <dlfcn.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

typedef int (*run_fn)(const char *port, const char *sni, const char *marker);

int main(int argc, char **argv)
{
    char marker[128];
    const char *plugin = NULL;
    signal(SIGPIPE, SIG_IGN);
    setvbuf(stdout, NULL, _IONBF, 0);
    for (int i = 3; i + 1 < argc; i += 2)
        if (!strcmp(argv[i], "--plugin"))
            plugin = argv[i + 1];
    if (argc < 3 || !plugin) {
        fprintf(stderr, "usage: adv_deepbind ROAD PORT --plugin SO\n");
        return 2;
    }
    int flags = RTLD_NOW | (!strcmp(argv[1], "deepbind") ? RTLD_DEEPBIND : RTLD_LOCAL);
    void *h = dlopen(plugin, flags);
    if (!h) {
        printf("dlopen: %s\n", dlerror());
        return 2;
    }
    run_fn run = (run_fn)(void (*)(void))dlsym(h, "adv_plugin_run");
    if (!run)
        return 2;
    snprintf(marker, sizeof marker, "ADV-MARKER adv_deepbind/%s\n", argv[1]);
    return run(argv[2], "victim.test", marker);
}
