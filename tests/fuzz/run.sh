#!/usr/bin/env bash
# Build the ws libFuzzer targets with clang (ASan + UBSan) in their own
# build directory and run each for a bounded time.
#
#   tests/fuzz/run.sh [seconds per target, default 30]
#
# Exits non-zero when a target fails to build or finds a crash; the crash
# input is left in build-fuzz/crashes/.
set -euo pipefail

secs="${1:-30}"
root="$(cd "$(dirname "$0")/../.." && pwd)"
bdir="$root/build-fuzz"
targets=(fuzz_ws_handshake fuzz_ws_frame)

build_meson() {
	if [ ! -f "$bdir/build.ninja" ]; then
		CC=clang CXX=clang++ meson setup "$bdir" "$root" -Dfuzz=true \
			-Db_sanitize=address,undefined -Db_lundef=false \
			-Dbuildtype=debugoptimized >/dev/null || return 1
	fi
	local t
	for t in "${targets[@]}"; do
		# Only our targets: the rest of the tree may be mid-change.
		ninja -C "$bdir" "tests/fuzz/$t" >/dev/null || return 1
		ln -sf "$bdir/tests/fuzz/$t" "$bdir/$t" || return 1
	done
}

# Fallback when the rest of the tree does not configure with clang.
build_plain() {
	local cflags=(-std=c11 -D_GNU_SOURCE -O1 -g -Wall -Wextra -Werror
		-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
		-I"$root/ws")
	local common=(ws_conn.c ws_frame.c ws_hs_client.c ws_hs_server.c
		ws_http.c ws_simd.c ws_unmask_scalar.c ws_utf8_scalar.c)
	local objs=() f isa flags
	mkdir -p "$bdir/plain"
	for f in "${common[@]}"; do
		clang "${cflags[@]/-fsanitize=fuzzer,/-fsanitize=fuzzer-no-link,}" \
			-c "$root/ws/$f" -o "$bdir/plain/${f%.c}.o"
		objs+=("$bdir/plain/${f%.c}.o")
	done
	for isa in sse2:-msse2 avx2:-mavx2 avx512:-mavx512f,-mavx512bw,-mavx512vl; do
		IFS=, read -r -a flags <<<"${isa#*:}"
		for f in "ws_unmask_${isa%%:*}.c" "ws_utf8_${isa%%:*}.c"; do
			clang "${cflags[@]/-fsanitize=fuzzer,/-fsanitize=fuzzer-no-link,}" \
				"${flags[@]}" -c "$root/ws/$f" -o "$bdir/plain/${f%.c}.o"
			objs+=("$bdir/plain/${f%.c}.o")
		done
	done
	for t in "${targets[@]}"; do
		clang "${cflags[@]}" "$root/tests/fuzz/$t.c" "${objs[@]}" -lcrypto \
			-o "$bdir/$t"
	done
}

if ! build_meson; then
	echo "meson build of the fuzz targets failed; using plain clang" >&2
	mkdir -p "$bdir"
	build_plain
fi

mkdir -p "$bdir/crashes"
status=0
passed=0
failed=0
for t in "${targets[@]}"; do
	corpus="$bdir/corpus/$t"
	mkdir -p "$corpus"
	echo "== $t for ${secs}s"
	if ! "$bdir/$t" -max_total_time="$secs" -timeout=10 -print_final_stats=1 \
			-artifact_prefix="$bdir/crashes/$t-" "$corpus"; then
		echo "$t: crash or error, see $bdir/crashes/" >&2
		status=1
		failed=$((failed + 1))
	else
		passed=$((passed + 1))
	fi
done
echo "fuzz: $passed passed, $failed failed"
exit $status
