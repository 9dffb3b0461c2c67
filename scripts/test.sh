#!/usr/bin/env bash
# The whole test suite: installs prerequisites, runs every suite (they start their own real
# etcd clusters and loopback servers), then the transport suite again under ThreadSanitizer
# and AddressSanitizer. Exits non-zero on the first failure.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh

echo "== swift test (all suites)" >&2
swift test

echo "== ThreadSanitizer: transport suite" >&2
swift test --scratch-path .build-tsan --sanitize=thread --filter CurlTransportTests

echo "== AddressSanitizer: transport suite" >&2
# LeakSanitizer reports small toolchain-owned allocations (XCTest runner, Foundation.Process).
ASAN_OPTIONS=detect_leaks=0 swift test --scratch-path .build-asan --sanitize=address --filter CurlTransportTests
