#!/usr/bin/env bash
# Installs everything 9volt needs to build, run and test on Debian 12.
# Idempotent: packages already present are not touched, and `apt-get update`
# runs at most once per invocation (and only when something is missing).
#
#   install-deps.sh            what `make run` and `make test` need
#   install-deps.sh fuzz       and Debian's clang with libFuzzer (`make fuzz`)
#   install-deps.sh stress     and stress-ng (`make test-stress`)
#   install-deps.sh soak       and gnuplot (`bench/run.sh soak` draws its plot)
# (clang alone is ~150 MB: a newcomer's `make test` does not wait for it.)
set -euo pipefail

packages=(
  # toolchain
  build-essential cmake ninja-build ccache pkg-config git
  # libraries (see DESIGN.md "Chosen libraries")
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  libboost-dev libcurl4-openssl-dev libssl-dev
  libyaml-cpp-dev nlohmann-json3-dev libspdlog-dev libfmt-dev libcli11-dev libexpected-dev
  libldns-dev libre2-dev libcctz-dev tzdata
  # tests and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev
  # the real etcd used by `9volt server` with no -e, and by integration tests
  etcd-server etcd-client openssl
  # real local peers for check tests: DNS server; for alerter tests: SMTP server
  # (tests/support/smtp_server.py runs on Debian's /usr/bin/python3); for the icmp tests,
  # ip and nft to set up the network namespaces they create (drop and loss rules)
  dnsmasq-base python3-aiosmtpd iproute2 nftables
  # the Prometheus text-format parser the /metrics integration test checks against
  python3-prometheus-client
  # lint
  clang-format clang-tidy
  # browser tests of the web UI (tests/browser: driven by playwright-core from npm; no
  # browser is ever downloaded)
  chromium
)
for extra in "$@"; do
  case "$extra" in
    fuzz) packages+=(clang-14 libclang-rt-14-dev) ;;  # libFuzzer and its sanitizer runtimes
    stress) packages+=(stress-ng) ;;                   # a CPU hog beside the suite
    soak) packages+=(gnuplot-nox) ;;                   # bench/run.sh soak draws its plot
    *) echo "install-deps: unknown group '$extra' (fuzz, stress, soak)" >&2; exit 2 ;;
  esac
done
# The web UI (ui/) is built with Node.js and npm: Debian's, unless a node is already on PATH
# (e.g. a newer one from nodesource or nvm).
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  packages+=(nodejs npm)
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# Debian's etcd-server package starts a system etcd on :2379; 9volt never relies on it
# (it starts its own on free ports), so stop it to keep the default port free and the machine quiet.
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet etcd 2>/dev/null; then
  $SUDO systemctl stop etcd || true
fi
echo "install-deps: done"
