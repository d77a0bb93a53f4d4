/*
 * ip_literal.c — inet_pton decides, for both address families.
 */
#include "ip_literal.h"

#include <arpa/inet.h>
#include <netinet/in.h>

int tg_is_ip_literal(const char *s)
{
    unsigned char buf[sizeof(struct in6_addr)];
    return s && (inet_pton(AF_INET, s, buf) == 1 || inet_pton(AF_INET6, s, buf) == 1);
}
