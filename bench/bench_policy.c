/*
 * Benchmark of the policy module: time to parse and index a policy of N host
 * blocks (default 10 000), and host lookups per second.  Not a test: it
 * asserts nothing about time.  Build and run:
 *
 *   cc -std=gnu99 -D_GNU_SOURCE -O2 -Ipolicy -o build/bench_policy \
 *      bench/bench_policy.c policy/[a-z]*.c && build/bench_policy [N]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "policy.h"

#define PIN_A "sha256/ERERERERERERERERERERERERERERERERERERERERERE="
#define PIN_B "sha256/IiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiI="

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Block i: one exact, one "*." and one "**." pattern; every block sets
 * something, every fourth has two pins and an expiry. */
static char *
make_policy(size_t nblocks, size_t *len)
{
	size_t cap = nblocks * 300 + 256, n = 0, i;
	char *s = malloc(cap);

	if (s == NULL)
		return NULL;
	n += (size_t)snprintf(s + n, cap - n, "min-protocol TLSv1.2\nlog syslog\n");
	for (i = 0; i < nblocks; i++) {
		n += (size_t)snprintf(s + n, cap - n,
		                      "host svc%zu.example.com *.edge%zu.example.net **.zone%zu.example.org\n"
		                      "    mode %s\n",
		                      i, i, i, i % 2 ? "audit" : "enforce");
		if (i % 4 == 0)
			n += (size_t)snprintf(s + n, cap - n, "    pin %s\n    pin %s\n"
			                      "    pin-expires 2031-06-30\n", PIN_A, PIN_B);
	}
	*len = n;
	return s;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int
main(int argc, char **argv)
{
	size_t nblocks = argc > 1 ? (size_t)strtoul(argv[1], NULL, 10) : 10000;
	size_t len, i, nhosts = 4096, runs = 21, lookups = 0;
	char *text = make_policy(nblocks, &len), **hosts;
	double t0, times[21], elapsed;
	struct tg_diags d;
	struct tg_policy *p = NULL;
	struct tg_host_settings s;
	unsigned long sink = 0;

	if (text == NULL || nblocks == 0)
		return 1;
	for (i = 0; i < runs; i++) {
		tg_policy_free(p);
		t0 = now();
		p = tg_policy_parse(text, len, "bench", &d);
		times[i] = now() - t0;
		if (p == NULL || d.errors != 0) {
			fprintf(stderr, "bench: policy did not parse\n");
			return 1;
		}
		tg_diags_free(&d);
	}
	qsort(times, runs, sizeof(times[0]), cmp_double);
	printf("load %zu blocks (%zu bytes): median %.3f ms, min %.3f ms, max %.3f ms (%zu runs)\n",
	       nblocks, len, times[runs / 2] * 1e3, times[0] * 1e3, times[runs - 1] * 1e3, runs);

	/* A mix of hits of each kind and misses. */
	hosts = malloc(nhosts * sizeof(*hosts));
	for (i = 0; i < nhosts; i++) {
		size_t b = (i * 7919) % nblocks;

		hosts[i] = malloc(96);
		switch (i % 4) {
		case 0: snprintf(hosts[i], 96, "svc%zu.example.com", b); break;
		case 1: snprintf(hosts[i], 96, "a.edge%zu.example.net", b); break;
		case 2: snprintf(hosts[i], 96, "x.y.zone%zu.example.org", b); break;
		default: snprintf(hosts[i], 96, "www.nowhere%zu.example.com", b); break;
		}
	}
	t0 = now();
	do {
		for (i = 0; i < nhosts; i++) {
			tg_policy_lookup(p, hosts[i], &s);
			sink += (unsigned long)s.block_index + s.pin_count;
		}
		lookups += nhosts;
		elapsed = now() - t0;
	} while (elapsed < 1.0);
	printf("lookup: %.2f M lookups/s (%.0f ns each, %zu lookups; checksum %lu)\n",
	       (double)lookups / elapsed / 1e6, elapsed / (double)lookups * 1e9, lookups, sink);

	for (i = 0; i < nhosts; i++)
		free(hosts[i]);
	free(hosts);
	free(text);
	tg_policy_free(p);
	return 0;
}
