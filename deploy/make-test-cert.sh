#!/usr/bin/env bash
# A self-signed certificate for a trial of compose.yaml (browsers will warn). In
# production put the real fullchain.pem and privkey.pem in deploy/tls/ instead.
set -euo pipefail
cd "$(dirname "$0")"
mkdir -p tls
host="${ECABINET_HOST:-localhost}"
openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=$host" \
  -addext "subjectAltName=DNS:$host" -keyout tls/privkey.pem -out tls/fullchain.pem
echo "wrote deploy/tls/{fullchain,privkey}.pem for $host"
