# Stand-in for python:3.11-slim: Debian bookworm's Python 3.11 with venv.
ARG BASE=openvrs-local/debian:bookworm
FROM ${BASE}
RUN apt-get update && apt-get install -y --no-install-recommends python3 python3-venv \
    && rm -rf /var/lib/apt/lists/*
CMD ["python3"]
