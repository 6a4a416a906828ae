#!/usr/bin/env bash
# Starts a throwaway MariaDB (Debian's mariadb-server) on a temp datadir and a loopback port, for tests.
# Prints `TEST_DATABASE_URL=mysql://...` and `MARIADB_PID=...` on stdout; stop it with `kill $MARIADB_PID`.
# Usage: test/utils/mariadb-throwaway.sh [port]
set -euo pipefail
port="${1:-33$(( RANDOM % 90 + 10 ))6}"
mariadbd_bin="$(command -v mariadbd || command -v mysqld || ls /usr/sbin/mariadbd 2>/dev/null || true)"
install_db="$(command -v mariadb-install-db || command -v mysql_install_db || true)"
client="$(command -v mariadb || command -v mysql || true)"
if [ -z "$mariadbd_bin" ] || [ -z "$install_db" ] || [ -z "$client" ]; then
  echo "mariadb-throwaway: mariadbd not found (apt-get install -y mariadb-server)" >&2
  exit 3
fi
dir="$(mktemp -d "${TMPDIR:-/tmp}/kabinet-mariadb-XXXXXX")"
user_opt=()
[ "$(id -u)" = 0 ] && user_opt=(--user=root)
"$install_db" --no-defaults --datadir="$dir/data" --auth-root-authentication-method=normal \
  --skip-test-db "${user_opt[@]}" >"$dir/install.log" 2>&1 || { cat "$dir/install.log" >&2; exit 1; }
"$mariadbd_bin" --no-defaults --datadir="$dir/data" --socket="$dir/mysqld.sock" --pid-file="$dir/mysqld.pid" \
  --port="$port" --bind-address=127.0.0.1 --skip-name-resolve --skip-log-bin \
  --innodb-buffer-pool-size=256M --innodb-flush-log-at-trx-commit=2 --max-connections=300 \
  --character-set-server=utf8mb4 --collation-server=utf8mb4_unicode_ci \
  "${user_opt[@]}" >"$dir/mysqld.log" 2>&1 &
pid=$!
# Whatever goes wrong from here on, leave no server or datadir behind.
fail() { echo "mariadb-throwaway: $1" >&2; cat "$dir/mysqld.log" >&2 || true; kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$dir"; exit 1; }
ready=""
for _ in $(seq 1 150); do
  if "$client" --no-defaults -uroot --socket="$dir/mysqld.sock" -e 'SELECT 1' >/dev/null 2>&1; then ready=1; break; fi
  kill -0 "$pid" 2>/dev/null || fail "mariadbd exited during start-up"
  sleep 0.2
done
[ -n "$ready" ] || fail "mariadbd did not answer within 30 s"
"$client" --no-defaults -uroot --socket="$dir/mysqld.sock" -e "
  CREATE USER 'kabinet'@'127.0.0.1' IDENTIFIED BY 'kabinet';
  GRANT ALL PRIVILEGES ON *.* TO 'kabinet'@'127.0.0.1';
  CREATE DATABASE kabinet_test CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;" || fail "could not create the test user and database"
echo "TEST_DATABASE_URL=mysql://kabinet:kabinet@127.0.0.1:$port/kabinet_test"
echo "MARIADB_PID=$pid"
echo "MARIADB_DIR=$dir"
