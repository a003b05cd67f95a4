#!/usr/bin/env bash
# Reserve 2 MB hugepages for wsgw (default 512 pages, 1 GiB) and mount
# hugetlbfs at /dev/hugepages when it is not mounted. Idempotent.
set -euo pipefail
want=${1:-512}
nr=/proc/sys/vm/nr_hugepages
free=$(awk '/^HugePages_Free/ { print $2 }' /proc/meminfo)
if [ "$free" -lt "$want" ]; then
	total=$(cat "$nr")
	echo $((total + want - free)) >"$nr"
fi
free=$(awk '/^HugePages_Free/ { print $2 }' /proc/meminfo)
if [ "$free" -lt "$want" ]; then
	echo "hugepages: only $free of $want pages could be reserved" >&2
	exit 1
fi
if ! grep -q ' /dev/hugepages hugetlbfs ' /proc/mounts; then
	mkdir -p /dev/hugepages
	mount -t hugetlbfs nodev /dev/hugepages
fi
echo "hugepages: $free free 2 MB pages, hugetlbfs on /dev/hugepages"
