/*
 * tlsguard.h — the `tlsguard` command's subcommands.
 */
#ifndef TG_TOOL_H
#define TG_TOOL_H

int tg_cmd_run(int argc, char **argv);
int tg_cmd_pin(int argc, char **argv);
int tg_cmd_doctor(int argc, char **argv);
int tg_cmd_check(int argc, char **argv);
/* The path of libtlsguard.so that belongs with this tlsguard binary. */
int tg_find_library(char *out, unsigned long n);

#endif
