#!/usr/bin/env bash
# Configure (once) and build wsgw: build/ is the release build, and with
# --asan also build-asan/, the ASan+UBSan build the unit tests run under.
set -euo pipefail
cd "$(dirname "$0")/.."

setup() {   # setup DIR [meson options]
	local dir=$1
	shift
	if [ ! -f "$dir/build.ninja" ]; then
		meson setup "$dir" "$@"
	fi
	ninja -C "$dir"
}

setup build
if [ "${1:-}" = "--asan" ]; then
	setup build-asan -Db_sanitize=address,undefined -Db_lundef=false \
		-Dbuildtype=debug -Dbench=disabled
fi
