# Stand-in for redis:7: Debian bookworm's redis-server 7.0 (redis-cli comes with it).
ARG BASE=openvrs-local/debian:bookworm
FROM ${BASE}
RUN apt-get update && apt-get install -y --no-install-recommends redis-server \
    && rm -rf /var/lib/apt/lists/* && mkdir -p /data && chown redis:redis /data
WORKDIR /data
USER redis
EXPOSE 6379
# Like the official image without a config file: listen on every interface, no protected
# mode (the port is only reachable on the compose network).
CMD ["redis-server", "--bind", "0.0.0.0", "--protected-mode", "no", "--dir", "/data"]
