#!/usr/bin/env bash
# Make sure PostgreSQL, Redis and RabbitMQ answer on their standard loopback ports (5432, 6379,
# 5672) for the test suite: install them with apt-get if missing, start them if down. Tests that
# need a server that still does not answer skip with a printed reason.
set -uo pipefail

up() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
wait_up() { for _ in $(seq 1 "${2:-60}"); do up "$1" && return 0; sleep 1; done; return 1; }
need() {  # need PORT PACKAGE START-COMMAND...
    local port=$1 package=$2; shift 2
    if up "$port"; then echo "services: $package answers on 127.0.0.1:$port"; return; fi
    if ! dpkg -s "$package" >/dev/null 2>&1; then
        echo "services: installing $package (Debian)"
        (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$package") >/dev/null 2>&1 \
            || echo "services: could not install $package"
    fi
    echo "services: starting $package"
    service "$package" start >/dev/null 2>&1 || "$@" >/dev/null 2>&1 || true
    if wait_up "$port" 90; then echo "services: $package up on 127.0.0.1:$port"
    else echo "services: $package is not answering on 127.0.0.1:$port; its tests will skip"; fi
}

need 5432 postgresql pg_ctlcluster --skip-systemctl-redirect 15 main start
need 6379 redis-server redis-server --bind 127.0.0.1 --port 6379 --save '' --daemonize yes
need 5672 rabbitmq-server /usr/lib/rabbitmq/bin/rabbitmq-server -detached
# The console's browser tests drive Debian's Chromium (never a browser download).
if [ ! -x /usr/bin/chromium ]; then
    echo "services: installing chromium (Debian) for the browser tests"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >/dev/null 2>&1 \
        || echo "services: could not install chromium; the browser tests will skip"
fi
# Tools the transport tests run (no service): OpenSSH's sftp client (tests/transports/sftp) and sshd
# (started by the tests themselves on loopback ports; bench/sftp.py compares with it).
for tool in openssh-client openssh-server; do
    dpkg -s "$tool" >/dev/null 2>&1 && continue
    echo "services: installing $tool (Debian)"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$tool") >/dev/null 2>&1 \
        || echo "services: could not install $tool; its tests will skip"
done
exit 0
