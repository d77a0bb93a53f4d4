/*
 * test_once.c — shim/core/once.h: one run however many threads race, every
 * caller returns after the run, and a child forked while a thread of its
 * parent was running the initialiser runs it itself instead of waiting for
 * a thread it does not have.
 */
#include "once.h"
#include "unit.h"

#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#define THREADS 8

static tg_once_t race_once = TG_ONCE_INIT;
static int runs, ready_value;

static void slow_init(void)
{
    __atomic_add_fetch(&runs, 1, __ATOMIC_RELAXED);
    usleep(20000); /* the other threads arrive while this runs */
    ready_value = 42;
}

static void *racer(void *seen)
{
    tg_once(&race_once, slow_init);
    *(int *)seen = ready_value; /* written by the run, read after tg_once returned */
    return NULL;
}

static void check_race(void)
{
    pthread_t t[THREADS];
    int seen[THREADS];
    for (int i = 0; i < THREADS; i++)
        pthread_create(&t[i], NULL, racer, &seen[i]);
    for (int i = 0; i < THREADS; i++)
        pthread_join(t[i], NULL);
    CHECK_INT(runs, 1, "initialiser runs once");
    for (int i = 0; i < THREADS; i++)
        CHECK_INT(seen[i], 42, "every caller returns after the run");
    tg_once(&race_once, slow_init);
    CHECK_INT(runs, 1, "a later call does not run it again");
}

/* A run that blocks until the test lets it go: in flight across fork(). */
static tg_once_t fork_once = TG_ONCE_INIT;
static int gate[2];
static int child_ran;

static void blocking_init(void)
{
    char c;
    if (read(gate[0], &c, 1) < 0)
        return;
}

static void child_init(void)
{
    child_ran = 1;
}

static void *hold(void *unused)
{
    (void)unused;
    tg_once(&fork_once, blocking_init);
    return NULL;
}

static void check_fork(void)
{
    pthread_t t;
    if (pipe(gate) != 0)
        return;
    pthread_create(&t, NULL, hold, NULL);
    while (__atomic_load_n(&fork_once.state, __ATOMIC_ACQUIRE) == 0)
        usleep(1000);
    pid_t pid = fork();
    if (pid == 0) {
        alarm(5); /* waiting for the parent's thread would hang: fail */
        tg_once(&fork_once, child_init);
        _exit(child_ran ? 0 : 1);
    }
    int st = 0;
    waitpid(pid, &st, 0);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0,
          "a child forked mid-run runs the initialiser itself");
    if (write(gate[1], "x", 1) != 1)
        return;
    pthread_join(t, NULL);
    CHECK_INT(fork_once.state, TG_ONCE_DONE, "the parent's run completes");
}

int main(void)
{
    check_race();
    check_fork();
    return unit_finish();
}
