# syntax=docker/dockerfile:1
# Multi-stage build: compile in the Rust image, run in a slim Debian as a non-root user. The
# registry and the target folder are cache mounts, so a change to the sources rebuilds only
# the workspace's own crates, not the dependencies.
FROM rust:1.95-bookworm AS builder
WORKDIR /src
COPY . .
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked && cp target/release/liangxin /liangxin

FROM debian:bookworm-slim
ARG VERSION=0.1.0
ARG REVISION=unknown
LABEL org.opencontainers.image.title="liangxin" \
      org.opencontainers.image.description="The party-building API for \"two new\" organizations" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.licenses="MIT"
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /data --create-home liangxin
COPY --from=builder /liangxin /usr/local/bin/liangxin
USER liangxin
WORKDIR /data
ENV LIANGXIN_BIND=0.0.0.0:8080 \
    DATABASE_URL=sqlite:///data/liangxin.db?mode=rwc \
    LIANGXIN_LOG_FORMAT=json
VOLUME ["/data"]
EXPOSE 8080
# No curl in the image: the binary asks its own /healthz (at LIANGXIN_BIND).
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s \
  CMD ["/usr/local/bin/liangxin", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/liangxin"]
CMD ["serve"]
