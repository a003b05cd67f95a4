// Google Benchmark driver: registers every C case from bench_harness.
#include <benchmark/benchmark.h>

#include "bench_harness.h"

static void run_case(benchmark::State &state, struct bench_case *c)
{
	int64_t arg = state.range(0);
	void *st = c->setup(arg);
	if (st == nullptr) {
		state.SkipWithError("not supported on this CPU or set-up failed");
		return;
	}
	uint64_t batch = c->batch ? c->batch : 1;
	while (state.KeepRunningBatch((benchmark::IterationCount)batch))
		c->run(st, batch);
	if (c->items_per_iter)
		state.SetItemsProcessed((int64_t)(state.iterations() *
			c->items_per_iter(arg)));
	if (c->bytes_per_iter)
		state.SetBytesProcessed((int64_t)(state.iterations() *
			c->bytes_per_iter(arg)));
	if (c->teardown)
		c->teardown(st);
}

int main(int argc, char **argv)
{
	for (struct bench_case *c = bench_cases(); c; c = c->next) {
		auto *b = benchmark::RegisterBenchmark(c->name, run_case, c);
		if (c->n_args == 0)
			b->Arg(0);
		for (unsigned int i = 0; i < c->n_args; i++)
			b->Arg(c->args[i]);
	}
	benchmark::Initialize(&argc, argv);
	if (benchmark::ReportUnrecognizedArguments(argc, argv))
		return 1;
	benchmark::RunSpecifiedBenchmarks();
	benchmark::Shutdown();
	return 0;
}
