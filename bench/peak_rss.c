/*
 * peak_rss — run a command, print its peak resident set size.
 *
 *   peak_rss PROGRAM [ARGS...]     prints "peak_rss_kb=N" on stdout
 *
 * The command's own output goes to /dev/null. A fork of this small process,
 * not a posix_spawn from Python: a child created with vfork/CLONE_VM (what
 * posix_spawn uses) inherits its parent's high-water mark in ru_maxrss, which
 * would report the Python interpreter's size, not the command's.
 */
#include <fcntl.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    int st;
    struct rusage ru;
    if (argc < 2) {
        fprintf(stderr, "usage: peak_rss PROGRAM [ARGS...]\n");
        return 2;
    }
    pid_t pid = fork();
    if (pid == 0) {
        int null = open("/dev/null", O_WRONLY);
        dup2(null, 1);
        dup2(null, 2);
        execvp(argv[1], argv + 1);
        _exit(127);
    }
    if (pid < 0 || wait4(pid, &st, 0, &ru) != pid)
        return 2;
    printf("peak_rss_kb=%ld\n", ru.ru_maxrss);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 2;
}
