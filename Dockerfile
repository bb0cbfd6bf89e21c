# Multi-stage build of ecabinet. The build stage installs its tools through ./x setup, the
# same script the README's commands use.
FROM rust:1.95-bookworm AS build
RUN apt-get update && apt-get install -y --no-install-recommends nodejs npm python3 python3-pip && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
# Only the build tools are needed here: skip the browser and the database of the tests.
ENV CARGO_TARGET_DIR=/target ECABINET_SETUP=build
RUN ./x setup && cargo xtask site --release && cargo build --release -p ecabinet-server

FROM debian:bookworm-slim
# DejaVu Sans draws the reader's name on classified pages; libpdfium renders documents.
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates fonts-dejavu-core && rm -rf /var/lib/apt/lists/* \
    && useradd --system --home /var/lib/ecabinet ecabinet && mkdir -p /var/lib/ecabinet && chown ecabinet /var/lib/ecabinet
COPY --from=build /target/release/ecabinet /usr/local/bin/ecabinet
COPY --from=build /target/site /usr/share/ecabinet/site
COPY --from=build /root/.cache/ecabinet/pdfium/libpdfium.so /usr/local/lib/ecabinet/libpdfium.so
USER ecabinet
WORKDIR /var/lib/ecabinet
ENV ECABINET_LISTEN=0.0.0.0:3000 \
    ECABINET_SITE_ROOT=/usr/share/ecabinet/site \
    ECABINET_DATABASE_URL=sqlite:///var/lib/ecabinet/ecabinet.db \
    ECABINET_DOCUMENTS_DIR=/var/lib/ecabinet/documents \
    ECABINET_PDFIUM_LIBRARY=/usr/local/lib/ecabinet/libpdfium.so
EXPOSE 3000
# Probes: GET /livez (the process answers), /readyz (serving, database reachable),
# /metrics (Prometheus). compose.yaml runs two of these behind nginx (docs/deploy.md).
CMD ["ecabinet", "serve"]
