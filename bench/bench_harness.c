/**
 * @file
 * Case registry and EAL set-up for the benchmark harness.
 */
#include <errno.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>

#include "bench_harness.h"

static struct bench_case *bench_head;
static struct bench_case **bench_tail = &bench_head;

void bench_register(struct bench_case *c)
{
	c->next = NULL;
	*bench_tail = c;
	bench_tail = &c->next;
}

struct bench_case *bench_cases(void)
{
	return bench_head;
}

int bench_eal_init(void)
{
	static int done;
	static int result;
	char *argv[] = {
		"wsgw-bench", "--no-huge", "--no-shconf", "-m", "512", "--no-pci",
		"-l", "0", "--log-level", "lib.eal:error", NULL,
	};

	if (done)
		return result;
	done = 1;
	if (rte_eal_init((int)(sizeof(argv) / sizeof(argv[0])) - 1, argv) < 0)
		result = -rte_errno;
	return result;
}
