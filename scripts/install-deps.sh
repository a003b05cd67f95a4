#!/usr/bin/env bash
# Install every build, test and benchmark dependency of wsgw on Debian 12.
# Idempotent: packages already present are left as they are.
set -euo pipefail

PKGS=(
	build-essential pkg-config meson ninja-build clang libclang-rt-14-dev
	libdpdk-dev dpdk dpdk-dev libnuma-dev libpcap-dev libbpf-dev libxdp-dev libelf-dev
	libssl-dev libjemalloc-dev libcmocka-dev libbenchmark-dev
	libconfig-dev
	iproute2 ethtool iputils-ping iputils-arping procps psmisc kmod
	python3 python3-scapy python3-websockets tshark
	chromium gnuplot-nox socat netcat-openbsd libwebsockets-dev
)
# node and npm come with the machine (Debian's npm conflicts with its
# node); node's ws comes from npm (Debian's node-ws is not on this node's path),
# into a folder of the tree that git ignores.
NODE_DIR=$(cd "$(dirname "$0")/.." && pwd)/tests/integration/node
node_ws() {
	[ -f "$NODE_DIR/node_modules/ws/package.json" ] && return 0
	command -v npm >/dev/null || { echo "install-deps: no npm for node's ws"; return 1; }
	mkdir -p "$NODE_DIR"
	npm install --prefix "$NODE_DIR" --no-audit --no-fund --silent ws@8 \
		|| { echo "install-deps: npm install ws failed"; return 1; }
}

missing=()
for p in "${PKGS[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' \
		|| missing+=("$p")
done

if [ "${#missing[@]}" -eq 0 ]; then
	echo "install-deps: all ${#PKGS[@]} packages present"
	node_ws
	exit 0
fi

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
echo "install-deps: installing ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
node_ws
