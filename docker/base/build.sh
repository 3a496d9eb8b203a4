#!/bin/sh
# Build the base images the stack needs from Debian packages, for a machine that reaches
# a Debian mirror but no container registry. Where Docker Hub is reachable you need none
# of this: compose.yaml defaults to the public images (python:3.11-slim, postgres:16,
# redis:7).
#
#   sudo docker/base/build.sh            # then: export the three *_IMAGE names it prints
#
# Steps (run as root; needs debootstrap, docker):
#   1. debootstrap a minimal Debian bookworm from MIRROR (default: the first URI in
#      /etc/apt/sources.list.d/debian.sources, else deb.debian.org) and `docker import` it
#      as openvrs-local/debian:bookworm.
#   2. On that base: openvrs-local/python:3.11 (python3 + venv, Debian's 3.11),
#      openvrs-local/postgres:15 (Debian's PostgreSQL 15; the entrypoint honours
#      POSTGRES_USER / POSTGRES_PASSWORD / POSTGRES_DB like the official image) and
#      openvrs-local/redis:7 (Debian's redis-server 7.0).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
suite=bookworm
mirror=${MIRROR:-$(sed -n 's/^URIs: *\([^ ]*\).*/\1/p' /etc/apt/sources.list.d/debian.sources \
    2>/dev/null | head -n 1)}
mirror=${mirror:-http://deb.debian.org/debian}
prefix=${PREFIX:-openvrs-local}
work=$(mktemp -d "${TMPDIR:-/tmp}/openvrs-rootfs.XXXXXX")
trap 'rm -rf "$work"' EXIT

if ! docker image inspect "$prefix/debian:$suite" >/dev/null 2>&1; then
    echo "debootstrap $suite from $mirror" >&2
    debootstrap --variant=minbase --include=ca-certificates "$suite" "$work/rootfs" "$mirror"
    # Same apt source inside the image as on the host, and no package caches.
    printf 'deb %s %s main\ndeb %s %s-updates main\n' "$mirror" "$suite" "$mirror" "$suite" \
        > "$work/rootfs/etc/apt/sources.list"
    rm -rf "$work/rootfs/var/cache/apt/archives/"*.deb "$work/rootfs/var/lib/apt/lists/"*
    tar -C "$work/rootfs" -c . | docker import \
        -c 'ENV LANG=C.UTF-8 PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
        -c 'CMD ["/bin/bash"]' - "$prefix/debian:$suite"
    rm -rf "$work/rootfs"
fi

for name in python:3.11 postgres:15 redis:7; do
    file="$here/${name%%:*}.Dockerfile"
    docker build --build-arg "BASE=$prefix/debian:$suite" -t "$prefix/$name" -f "$file" "$here"
done

cat <<EOT
Built. Use them with:
  export PYTHON_IMAGE=$prefix/python:3.11 POSTGRES_IMAGE=$prefix/postgres:15 REDIS_IMAGE=$prefix/redis:7
EOT
