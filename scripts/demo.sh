#!/usr/bin/env bash
# Runs the demo against a throwaway single-member etcd on a free loopback port, with a
# temporary data dir; both are gone when the script ends.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh

port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
client=$(port); peer=$(port)
data=$(mktemp -d /tmp/swift-etcd-v2-demo.XXXXXX)
etcd --name demo --data-dir "$data/etcd" --enable-v2=true \
    --listen-client-urls "http://127.0.0.1:$client" --advertise-client-urls "http://127.0.0.1:$client" \
    --listen-peer-urls "http://127.0.0.1:$peer" --initial-advertise-peer-urls "http://127.0.0.1:$peer" \
    --initial-cluster "demo=http://127.0.0.1:$peer" >"$data/etcd.log" 2>&1 &
etcd_pid=$!
trap 'kill -9 $etcd_pid 2>/dev/null; wait $etcd_pid 2>/dev/null || true; rm -rf "$data"' EXIT

for _ in $(seq 200); do
    curl -fsS "http://127.0.0.1:$client/health" 2>/dev/null | grep -q true && break
    sleep 0.05
done
swift build --product etcdv2-demo >&2
.build/debug/etcdv2-demo "http://127.0.0.1:$client"
