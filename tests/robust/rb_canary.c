/*
 * rb_canary — proves a sanitizer run would see a problem: each mode commits
 * one on purpose, and the check fails unless the sanitizer reports it.
 *
 *   rb_canary overflow   a heap overflow through memset (caught by ASan's
 *                        interceptor even in uninstrumented code)
 *   rb_canary leak       a lost allocation (LeakSanitizer at exit)
 *   rb_canary race       two threads write one int unsynchronised (TSan;
 *                        built with -fsanitize=thread)
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static volatile int shared;
static void *volatile keep;

static void *racer(void *arg)
{
    shared++;
    return arg;
}

int main(int argc, char **argv)
{
    if (argc != 2)
        return 2;
    if (!strcmp(argv[1], "overflow")) {
        /* Through a pointer, so the compiler can neither inline nor check it:
         * the call reaches libc's memset, or whatever interposes it. */
        void *(*volatile set)(void *, int, size_t) = memset;
        char *p = malloc(8);
        set(p, 0, 16);
        free(p);
    } else if (!strcmp(argv[1], "leak")) {
        keep = malloc(64);
        keep = NULL;
    } else if (!strcmp(argv[1], "race")) {
        pthread_t t;
        pthread_create(&t, NULL, racer, NULL);
        shared++;
        pthread_join(t, NULL);
    } else {
        return 2;
    }
    printf("canary %s done\n", argv[1]);
    return 0;
}
