/*
 * rb_fork — fork and exec under the shim.
 *
 *   rb_fork GOOD_HOST:PORT BAD_HOST:PORT [--no-helper | --helper-peer HOST:PORT]
 *
 * 1. The parent makes a good connection: the shim is initialised and its
 *    default trust store loaded.
 * 2. A helper thread keeps resolving and connecting while the parent forks
 *    four children (a fork may land while the helper holds the shim's locks).
 *    Parent and each child then make a good and a bad connection: good ones
 *    pass, bad ones are blocked, on both sides of the fork.
 * 3. A child execs this program again (--exec-child): LD_PRELOAD came with
 *    the environment, so the shim is there and blocks the bad peer.
 *
 * --helper-peer gives the helper a peer of its own (default: GOOD). A child
 * inherits the socket of a connection the helper has open at the fork and
 * keeps it open until it exits; an `openssl s_server` serves one connection
 * at a time, so a child that then waits for that same server waits forever.
 *
 * --no-helper forks with no other thread running: for ASan builds, whose
 * allocator (GCC 12's libasan) is not fork-safe while another thread is inside
 * malloc — a child then hangs in ASan's own allocator, shim or no shim.
 *
 * Each child has 20 s (alarm) before it counts as hung. A hung child looks
 * at where it waits: on a lock the shim took (the frame that called
 * pthread_mutex_lock or a sibling is the shim's) it fails; on a lock of
 * another library or of this program (OpenSSL 3's rwlocks, 1.0.2's locking
 * callback here, glibc's resolv.conf lock: each can be held by the helper at
 * the fork, shim or not) the fork proved nothing and is made again, up to 3
 * times. Prints a line per check and "N passed, N failed"; exit 0 when all
 * passed.
 */
#include "rb.h"

#include <dlfcn.h>
#include <execinfo.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static char good_host[256], bad_host[256], helper_host[256];
static int good_port, bad_port, helper_port;
static int passed, failed;
static volatile int stop_helper;

static void check(const char *what, int ok, const char *why)
{
    printf("%s %s%s%s\n", ok ? "ok  " : "FAIL", what, ok || !why || !*why ? "" : ": ",
           ok ? "" : why);
    fflush(stdout);
    if (ok)
        passed++;
    else
        failed++;
}

/* A good and a bad connection on a fresh context; 1 when both ended right. */
static int good_and_bad(const char *who, char *why, size_t n)
{
    char w[512];
    SSL_CTX *ctx = rb_legacy_ctx();
    if (!ctx) {
        snprintf(why, n, "%s: SSL_CTX_new failed", who);
        return 0;
    }
    enum rb_result g =
        rb_connect_once(ctx, good_host, good_port, "TLSGUARD-PAYLOAD rb_fork\n", w, sizeof w);
    if (g != RB_OK) {
        snprintf(why, n, "%s: good peer: %s: %.400s", who, rb_result_name(g), w);
        SSL_CTX_free(ctx);
        return 0;
    }
    enum rb_result b =
        rb_connect_once(ctx, bad_host, bad_port, "TLSGUARD-PAYLOAD rb_fork\n", w, sizeof w);
    SSL_CTX_free(ctx);
    if (b != RB_BLOCKED) {
        snprintf(why, n, "%s: bad peer: %s: %.400s", who, rb_result_name(b), w);
        return 0;
    }
    return 1;
}

static void *helper(void *arg)
{
    (void)arg;
    char why[512];
    SSL_CTX *ctx = rb_legacy_ctx();
    while (!stop_helper && ctx)
        rb_connect_once(ctx, helper_host, helper_port, "TLSGUARD-PAYLOAD rb_fork helper\n", why,
                        sizeof why);
    SSL_CTX_free(ctx);
    return NULL;
}

#define HUNG_ELSEWHERE 4 /* a child's exit: waiting on a lock not the shim's */

static const char *object_of(void *pc, const char **sym)
{
    Dl_info info;
    *sym = "";
    if (!dladdr(pc, &info) || !info.dli_fname)
        return "?";
    *sym = info.dli_sname ? info.dli_sname : "";
    return info.dli_fname;
}

static int is_libc(const char *obj)
{
    return strstr(obj, "/libc.so") || strstr(obj, "/libpthread.so") || strstr(obj, "/ld-linux");
}

/* SIGALRM in a child: which object's code waits, through which libc call.
 * The frames after the signal trampoline (libc) are the wait's: libc's own
 * (futex, lock) first, then the first frame outside libc is the waiter. */
static void on_hang(int sig)
{
    void *pcs[64];
    const char *sym, *called = "", *waiter = "?";
    int n = backtrace(pcs, 64), i = 1;
    (void)sig;
    while (i < n && !is_libc(object_of(pcs[i], &sym)))
        i++; /* the handler's own frames */
    for (i++; i < n; i++) {
        const char *obj = object_of(pcs[i], &sym);
        if (!is_libc(obj)) {
            waiter = obj;
            break;
        }
        called = sym;
    }
    int lock = !strncmp(called, "pthread_", 8) || !strncmp(called, "__pthread_", 10);
    int shim = strstr(waiter, "libtlsguard") != NULL;
    printf("hung for 20 s: %s waits in %s\n", waiter, *called ? called : "libc");
    fflush(stdout);
    _exit(shim || !lock ? 1 : HUNG_ELSEWHERE);
}

/* Wait for a child: 0 passed, HUNG_ELSEWHERE (not judged), else failed
 * (with why). */
static int reap_status(pid_t pid, char *why, size_t n)
{
    int st = 0;
    why[0] = '\0';
    if (waitpid(pid, &st, 0) != pid)
        snprintf(why, n, "waitpid failed");
    else if (WIFSIGNALED(st))
        snprintf(why, n, "killed by signal %d", WTERMSIG(st));
    else if (WEXITSTATUS(st) == HUNG_ELSEWHERE)
        return HUNG_ELSEWHERE;
    else if (WEXITSTATUS(st) != 0)
        snprintf(why, n, "exit %d", WEXITSTATUS(st));
    return why[0] != '\0';
}

/* Wait for a child; its exit status 0 is a pass. */
static void reap(pid_t pid, const char *what)
{
    char why[128];
    int rc = reap_status(pid, why, sizeof why);
    check(what, rc == 0, rc == HUNG_ELSEWHERE ? "hung on a lock not the shim's" : why);
}

static int shim_loaded(char *where, size_t n)
{
    Dl_info info;
    void *p = dlsym(RTLD_DEFAULT, "SSL_connect");
    if (!p || !dladdr(p, &info) || !info.dli_fname)
        return 0;
    snprintf(where, n, "%s", info.dli_fname);
    return strstr(info.dli_fname, "libtlsguard") != NULL;
}

/* The child exec'd by main: the shim is loaded again (LD_PRELOAD from the
 * environment), a good peer passes and a bad one is blocked. */
static int exec_child_main(void)
{
    char where[512] = "", why[600];
    alarm(20);
    if (!shim_loaded(where, sizeof where)) {
        printf("exec child: SSL_connect comes from %s, not the shim\n",
               where[0] ? where : "nowhere");
        return 1;
    }
    if (!good_and_bad("exec child", why, sizeof why)) {
        printf("%s\n", why);
        return 1;
    }
    return 0;
}

static pid_t fork_child(void)
{
    char why[600];
    pid_t pid = fork();
    if (pid == 0) {
        signal(SIGALRM, on_hang);
        alarm(20);
        if (!good_and_bad("child", why, sizeof why)) {
            printf("%s\n", why);
            fflush(stdout);
            _exit(1);
        }
        _exit(0);
    }
    if (pid < 0)
        check("fork", 0, "fork failed");
    return pid;
}

/* Child k's verdict; one hung on a lock not the shim's is forked again. */
static void reap_kid(pid_t pid, int k)
{
    char what[64], why[128];
    int rc = reap_status(pid, why, sizeof why);
    for (int again = 0; rc == HUNG_ELSEWHERE && again < 3 && pid > 0; again++) {
        printf("note child %d hung on a lock not the shim's (held by the helper at the fork): "
               "forked again\n",
               k);
        pid = fork_child();
        rc = pid > 0 ? reap_status(pid, why, sizeof why) : 1;
    }
    snprintf(what, sizeof what, "child %d after fork: good passes, bad blocked", k);
    check(what, rc == 0, rc == HUNG_ELSEWHERE ? "hung on a lock not the shim's, 4 times" : why);
}

/* Four children forked while the helper thread (unless no_helper) is in the
 * middle of its handshakes: in each, and in the parent after, a good peer
 * passes and a bad one is blocked. */
static void fork_beside_helper(int no_helper)
{
    char why[600];
    pthread_t th;
    int have_helper = 0;
    if (!no_helper) {
        have_helper = pthread_create(&th, NULL, helper, NULL) == 0;
        check("helper thread started", have_helper, "pthread_create failed");
    }
    pid_t kids[4];
    for (int k = 0; k < 4; k++) {
        usleep(3000 * (unsigned)k); /* land at different points of the helper's loop */
        kids[k] = fork_child();
    }
    check("parent after fork: good passes, bad blocked", good_and_bad("parent", why, sizeof why),
          why);
    for (int k = 0; k < 4; k++)
        if (kids[k] > 0)
            reap_kid(kids[k], k);
    stop_helper = 1;
    if (have_helper)
        pthread_join(th, NULL);
}

int main(int argc, char **argv)
{
    char why[600];
    rb_openssl_init();
    int exec_child = argc == 4 && !strcmp(argv[1], "--exec-child");
    int no_helper = argc == 4 && !strcmp(argv[3], "--no-helper");
    int own_helper_peer = argc == 5 && !strcmp(argv[3], "--helper-peer");
    if (argc != 3 && !exec_child && !no_helper && !own_helper_peer) {
        fprintf(stderr, "usage: rb_fork GOOD_HOST:PORT BAD_HOST:PORT [--no-helper | --helper-peer "
                        "HOST:PORT]\n");
        return 2;
    }
    if (rb_parse_peer(argv[1 + exec_child], good_host, sizeof good_host, &good_port) ||
        rb_parse_peer(argv[2 + exec_child], bad_host, sizeof bad_host, &bad_port) ||
        rb_parse_peer(argv[own_helper_peer ? 4 : 1 + exec_child], helper_host, sizeof helper_host,
                      &helper_port)) {
        fprintf(stderr, "rb_fork: bad peer\n");
        return 2;
    }
    if (exec_child)
        return exec_child_main();

    char where[512] = "";
    void *pc[1];
    backtrace(pc, 1); /* loads the unwinder now, not in a hung child */
    check("the shim is loaded", shim_loaded(where, sizeof where), where);
    {
        SSL_CTX *ctx = rb_legacy_ctx();
        enum rb_result r = ctx ? rb_connect_once(ctx, good_host, good_port,
                                                 "TLSGUARD-PAYLOAD rb_fork\n", why, sizeof why)
                               : RB_ERROR;
        check("parent before fork: good peer passes", r == RB_OK, why);
        SSL_CTX_free(ctx);
    }

    fork_beside_helper(no_helper);

    pid_t pid = fork();
    if (pid == 0) {
        char self[64] = "/proc/self/exe";
        char *args[] = { argv[0], (char *)"--exec-child", argv[1], argv[2], NULL };
        execv(self, args);
        _exit(127);
    }
    reap(pid,
         "exec'd child keeps the shim (LD_PRELOAD from the environment): good passes, bad blocked");
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
