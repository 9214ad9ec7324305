#!/usr/bin/env bash
# `npm test`'s set-up: what the tests need on this machine, done only when missing, one line per thing done.
#   - Debian's Chromium at /usr/bin/chromium (browser tests) and poppler's pdftotext (PDF exports), installed with
#     apt-get when missing;
#   - PostgreSQL at 127.0.0.1:5432 with a database `test`, started when down (unless PARLEY_TEST_POSTGRES_URL is set);
#   - NATS at 127.0.0.1:4222, started when down (unless PARLEY_TEST_NATS_URL is set).
set -euo pipefail

say() { echo "test-setup: $*"; }
fail() {
  echo "test-setup: $*" >&2
  exit 1
}

# Waits up to 30 s for the check "$@" to pass.
wait_for() {
  for _ in $(seq 1 30); do
    "$@" && return 0
    sleep 1
  done
  return 1
}

# Debian packages the tests use: installed with apt-get when their program is missing.
#   need <program> <package> <what for>
need() {
  [ -x "$1" ] && return 0
  if ! command -v apt-get >/dev/null 2>&1; then
    fail "$3 need Debian's $2 ($1), and this machine has no apt-get"
  fi
  if [ "$(id -u)" -ne 0 ]; then
    fail "$3 need $1; install it with: sudo apt-get install -y $2"
  fi
  say "installing $2 (apt-get)"
  export DEBIAN_FRONTEND=noninteractive
  if [ -z "${apt_updated:-}" ]; then
    apt-get update -qq || true
    apt_updated=1
  fi
  apt-get install -y -qq "$2" >/dev/null
  [ -x "$1" ] || fail "apt-get installed $2 but $1 is still missing"
}
need /usr/bin/chromium chromium "browser tests"
need /usr/bin/pdftotext poppler-utils "the PDF export tests (a real reader of what Parley writes)"

# PostgreSQL, as this machine runs it: the Debian cluster `main`.
pg_up() { pg_isready -h 127.0.0.1 -p 5432 -q; }
if [ -z "${PARLEY_TEST_POSTGRES_URL:-}" ]; then
  if ! pg_up; then
    version="$(ls /etc/postgresql 2>/dev/null | sort -V | tail -n 1 || true)"
    [ -n "$version" ] || fail "PostgreSQL is not running at 127.0.0.1:5432 and /etc/postgresql has no cluster"
    say "starting PostgreSQL $version"
    # A concurrent run may have started it meanwhile; the wait below is what decides.
    pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
    wait_for pg_up || fail "PostgreSQL did not accept connections at 127.0.0.1:5432 within 30 s"
  fi
  test_db_exists() {
    [ "$(psql -h 127.0.0.1 -p 5432 -U postgres -d postgres -tAc "select 1 from pg_database where datname = 'test'")" = 1 ]
  }
  # Without psql (a PostgreSQL elsewhere), the tests themselves say when `test` is missing.
  if command -v psql >/dev/null 2>&1 && ! test_db_exists; then
    say "creating PostgreSQL database test"
    createdb -h 127.0.0.1 -p 5432 -U postgres test || test_db_exists || fail "could not create database test"
  fi
fi

# NATS, with JetStream, as this machine runs it.
nats_up() { timeout 2 bash -c 'exec 3<>/dev/tcp/127.0.0.1/4222' 2>/dev/null; }
if [ -z "${PARLEY_TEST_NATS_URL:-}" ] && ! nats_up; then
  say "starting NATS"
  start-stop-daemon --start --oknodo --background --exec /usr/sbin/nats-server -- \
    -a 127.0.0.1 -p 4222 -js -sd /var/lib/nats-server -l /var/log/nats-server.log
  wait_for nats_up || fail "NATS did not accept connections at 127.0.0.1:4222 within 30 s"
fi
