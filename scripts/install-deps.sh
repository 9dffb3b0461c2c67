#!/usr/bin/env bash
# Installs what building and testing need on Debian (run as root, or with sudo available):
# libcurl's headers, etcd 3.4 (the tests start their own throwaway clusters), pkg-config,
# openssl (the TLS tests make throwaway certificates with it),
# dnsmasq (the SRV discovery tests start their own loopback DNS servers; dnsmasq-base is the
# binary alone, without the system service that would take port 53).
# Does nothing when everything is already there.
set -euo pipefail

need=()
dpkg -s libcurl4-openssl-dev >/dev/null 2>&1 || need+=(libcurl4-openssl-dev)
command -v etcd >/dev/null 2>&1 || need+=(etcd-server)
command -v pkg-config >/dev/null 2>&1 || need+=(pkg-config)
[ -x /usr/sbin/dnsmasq ] || need+=(dnsmasq-base)
command -v python3 >/dev/null 2>&1 || need+=(python3)
command -v openssl >/dev/null 2>&1 || need+=(openssl)
[ ${#need[@]} -eq 0 ] && exit 0

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "install-deps: installing ${need[*]}" >&2
$sudo env DEBIAN_FRONTEND=noninteractive apt-get update -q
$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${need[@]}"
