# syntax=docker/dockerfile:1
# Multi-stage build: compile in the Rust image, run in a slim Debian as a non-root user.
FROM rust:1.95-bookworm AS builder
WORKDIR /src
COPY . .
RUN cargo build --release --locked && cp target/release/liangxin /liangxin

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates curl \
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
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s \
  CMD curl -fsS http://127.0.0.1:8080/healthz || exit 1
ENTRYPOINT ["/usr/local/bin/liangxin"]
CMD ["serve"]
