/**
 * @file
 * The C side of the benchmark harness.
 *
 * Modules describe benchmark cases in C and register them with
 * BENCH_REGISTER(); bench_main.cc hands each one to Google Benchmark.
 * A case is set up once per argument, then run in batches: run() does
 * @p n iterations and the harness accounts items and bytes per iteration.
 */
#ifndef BENCH_HARNESS_H
#define BENCH_HARNESS_H

#include <stdint.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define BENCH_MAX_ARGS 8

struct bench_case {
	/** Name as Google Benchmark shows it, e.g. "ws_unmask/avx2". */
	const char *name;
	/** Argument values (e.g. sizes); the case runs once for each. */
	int64_t args[BENCH_MAX_ARGS];
	unsigned int n_args;
	/** Items processed by one iteration (0: do not report). */
	uint64_t (*items_per_iter)(int64_t arg);
	/** Bytes processed by one iteration (0: do not report). */
	uint64_t (*bytes_per_iter)(int64_t arg);
	/** Build the state for one argument; NULL skips the case. */
	void *(*setup)(int64_t arg);
	/** Run @p n iterations. */
	void (*run)(void *state, uint64_t n);
	void (*teardown)(void *state);
	/** Iterations per call of run(); 0 means 1. */
	uint64_t batch;
	struct bench_case *next;
};

/** Add a case to the list (called from constructors, see below). */
void bench_register(struct bench_case *c);

/** First registered case, then follow ->next. */
struct bench_case *bench_cases(void);

/**
 * Initialise a minimal EAL (no hugepages, no shared files) once, so that cases
 * can create mempools and mbufs.
 * @return 0 on success, a negative errno otherwise.
 */
int bench_eal_init(void);

/** Keep the compiler from discarding a computed value. */
static inline void bench_do_not_optimize(const void *p)
{
	__asm__ volatile("" : : "r"(p) : "memory");
}

#define BENCH_REGISTER(c) \
	static void __attribute__((constructor)) bench_register_##c(void) \
	{ \
		bench_register(&(c)); \
	}

#ifdef __cplusplus
}
#endif

#endif /* BENCH_HARNESS_H */
