#!/usr/bin/env bash
# Installs what ClickSwarm needs on a fresh Debian machine that has Swift:
#   - libcurl4-openssl-dev (apt): the Reports module links libcurl;
#   - librdkafka-dev (apt): the SwarmKafka module links librdkafka and its mock cluster
#     (rdkafka_mock.h, which Debian's package ships);
#   - with --tests: python3 with pip, and the Python packages protobuf, grpcio-tools and grpcio
#     (the interoperability tests compile our .proto files for Python; the gRPC ones run a grpcio
#     client and server against ClickSwarm's) and confluent-kafka
#     (the Kafka interoperability test reads and writes with it); Debian's prometheus
#     package for promtool (the renderer tests check the Prometheus text with `promtool check metrics`);
#     prometheus-pushgateway (apt): the push tests start one and read the pushed figures back.
# Each step checks first and installs only what is missing; a step that fails says what and why.
set -euo pipefail

want_tests=false
[ "${1:-}" = "--tests" ] && want_tests=true

fail() {
  echo "setup: error: $*" >&2
  exit 1
}

command -v swift >/dev/null 2>&1 ||
  fail "swift is not on PATH. Install the Swift 6.1+ toolchain (swift.org) first."

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 && sudo_cmd=(sudo)
fi

apt_updated=false
apt_install() {
  command -v apt-get >/dev/null 2>&1 ||
    fail "missing $*, and apt-get is not available to install it. Install $* with your package manager."
  if ! $apt_updated; then
    "${sudo_cmd[@]}" apt-get update -qq >/dev/null || fail "apt-get update failed (network? permissions? run as root)"
    apt_updated=true
  fi
  echo "setup: installing $* with apt-get" >&2
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq "$@" >/dev/null ||
    fail "apt-get install $* failed"
}

if ! dpkg -s libcurl4-openssl-dev >/dev/null 2>&1 && ! pkg-config --exists libcurl 2>/dev/null; then
  apt_install libcurl4-openssl-dev
fi

if ! dpkg -s librdkafka-dev >/dev/null 2>&1 && ! pkg-config --exists rdkafka 2>/dev/null; then
  apt_install librdkafka-dev
fi

if $want_tests; then
  command -v python3 >/dev/null 2>&1 || apt_install python3 python3-pip
  python3 -m pip --version >/dev/null 2>&1 || apt_install python3-pip
  if ! python3 -c 'import google.protobuf, grpc_tools, grpc' >/dev/null 2>&1; then
    echo "setup: installing the Python packages protobuf, grpcio-tools and grpcio with pip" >&2
    # Keep them in step: grpcio-tools generates code for the protobuf and grpcio versions it ships with.
    python3 -m pip install -q --upgrade protobuf grpcio-tools grpcio 2>/dev/null ||
      python3 -m pip install -q --upgrade --break-system-packages protobuf grpcio-tools grpcio ||
      fail "pip could not install protobuf, grpcio-tools and grpcio (needed by the Python interoperability tests)"
  fi
  if ! python3 -c 'import confluent_kafka' >/dev/null 2>&1; then
    echo "setup: installing the Python package confluent-kafka with pip" >&2
    python3 -m pip install -q confluent-kafka 2>/dev/null ||
      python3 -m pip install -q --break-system-packages confluent-kafka ||
      fail "pip could not install confluent-kafka (needed by the Kafka interoperability test)"
  fi
  command -v promtool >/dev/null 2>&1 || apt_install prometheus
  # The test starts the binary itself; the package's service may stay stopped.
  [ -x /usr/bin/prometheus-pushgateway ] || apt_install prometheus-pushgateway
fi
