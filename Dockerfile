# Hijraah's API server in a container. Not exercised by the test suite (the machine it is built
# on has no Docker daemon); see compose.yaml for a whole deployment.
#
#   docker build -t hijraah .
#   docker run -e DATABASE_URL=postgres://... -e HIJRAAH_JWT_SECRET=... -e HIJRAAH_KEK=... -p 8000:8000 hijraah

# --- build: a release binary ---
FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked --bin hijraah \
 && cp target/release/hijraah /usr/local/bin/hijraah

# --- run: a small image, a non-root user ---
FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends curl ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --create-home --home-dir /var/lib/hijraah --uid 10001 hijraah
COPY --from=build /usr/local/bin/hijraah /usr/local/bin/hijraah
USER hijraah
WORKDIR /var/lib/hijraah
# Each container keeps its own data dir (its index and lock); the database and the secrets
# (HIJRAAH_JWT_SECRET, HIJRAAH_KEK) come from the environment.
ENV HIJRAAH_BIND=0.0.0.0:8000 \
    HIJRAAH_DATA_DIR=/var/lib/hijraah/data \
    RUST_LOG=info,sqlx=warn
VOLUME ["/var/lib/hijraah/data"]
EXPOSE 8000
HEALTHCHECK --interval=5s --timeout=3s --start-period=30s --retries=3 \
  CMD curl -fsS http://127.0.0.1:8000/readyz >/dev/null || exit 1
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/hijraah"]
CMD ["serve"]
