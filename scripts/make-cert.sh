#!/usr/bin/env bash
# Makes a self-signed TLS certificate and key for local use of nginx/ (never for production: browsers warn).
#
#   scripts/make-cert.sh [DIR]
#
# Writes DIR/fullchain.pem and DIR/privkey.pem (DIR defaults to nginx/certs/ beside this script), the names
# nginx/snippets/tls.conf expects. The certificate's SANs are the host names in CERT_HOSTS (default:
# "auth.example.test app.example.test") plus localhost, 127.0.0.1 and ::1. Valid for CERT_DAYS (default 825) days.
# An existing pair is replaced.
set -euo pipefail

script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out_dir="${1:-"$script_dir/../nginx/certs"}"
hosts="${CERT_HOSTS:-auth.example.test app.example.test}"
days="${CERT_DAYS:-825}"

command -v openssl >/dev/null 2>&1 || { echo "make-cert.sh: openssl not found (apt-get install openssl)" >&2; exit 1; }

mkdir -p "$out_dir"

san=""
first=""
for host in $hosts localhost; do
  [ -n "$first" ] || first="$host"
  san="${san:+$san,}DNS:$host"
done
san="$san,IP:127.0.0.1,IP:::1"

tmp_key="$(mktemp "$out_dir/.privkey.XXXXXX")"
tmp_crt="$(mktemp "$out_dir/.fullchain.XXXXXX")"
trap 'rm -f "$tmp_key" "$tmp_crt"' EXIT

# ECDSA P-256: small, fast, accepted everywhere TLS 1.2+ is.
openssl req -x509 -nodes -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
  -keyout "$tmp_key" -out "$tmp_crt" -days "$days" -sha256 \
  -subj "/CN=$first" \
  -addext "subjectAltName=$san" \
  -addext "basicConstraints=critical,CA:FALSE" \
  -addext "keyUsage=critical,digitalSignature" \
  -addext "extendedKeyUsage=serverAuth" \
  2>/dev/null

chmod 600 "$tmp_key"
chmod 644 "$tmp_crt"
mv -f "$tmp_key" "$out_dir/privkey.pem"
mv -f "$tmp_crt" "$out_dir/fullchain.pem"
trap - EXIT

echo "make-cert.sh: wrote $out_dir/fullchain.pem and $out_dir/privkey.pem (SAN $san, $days days)"
