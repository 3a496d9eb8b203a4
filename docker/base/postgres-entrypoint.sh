#!/bin/sh
# First start: initdb, then create POSTGRES_USER (password POSTGRES_PASSWORD, required)
# and POSTGRES_DB; password authentication over TCP. Later starts: just run the server.
set -eu
: "${POSTGRES_USER:=postgres}" "${POSTGRES_DB:=$POSTGRES_USER}"
if [ ! -s "$PGDATA/PG_VERSION" ]; then
    : "${POSTGRES_PASSWORD:?POSTGRES_PASSWORD must be set}"
    pwfile=$(mktemp)
    printf '%s\n' "$POSTGRES_PASSWORD" > "$pwfile"
    initdb -D "$PGDATA" -U "$POSTGRES_USER" --pwfile="$pwfile" --auth-local=trust \
        --auth-host=scram-sha-256 --encoding=UTF8 --locale=C.UTF-8 >/dev/null
    rm -f "$pwfile"
    printf 'host all all all scram-sha-256\n' >> "$PGDATA/pg_hba.conf"
    if [ "$POSTGRES_DB" != postgres ]; then
        # A server on the socket only, for as long as it takes to create the database.
        pg_ctl -D "$PGDATA" -w -s -o "-c listen_addresses='' \
            -c unix_socket_directories=/var/run/postgresql" start
        createdb -h /var/run/postgresql -U "$POSTGRES_USER" -O "$POSTGRES_USER" \
            "$POSTGRES_DB"
        pg_ctl -D "$PGDATA" -w -s -m fast stop
    fi
fi
if [ "${1:-}" = postgres ]; then
    shift
    exec postgres -D "$PGDATA" -c listen_addresses='*' \
        -c unix_socket_directories=/var/run/postgresql "$@"
fi
exec "$@"
