#!/usr/bin/env bash
# A private CA and the certificates of the TLS overlay (deploy/compose/tls.yml), in ./tls/ (or
# $LABELCURVE_TLS_DIR):
#   ca.pem                     the CA every party trusts (ca-key.pem: keep it offline after use)
#   temporal.pem / -key.pem    Temporal's frontend and internode certificate
#   minio.pem / -key.pem       MinIO's S3 API certificate
#   client.pem / -key.pem      the client certificate of workers, CLI, UI and admin tools
#   bash deploy/make-tls.sh HOST [HOST...]   # names/IPs by which other machines reach this one
# Existing files are kept. Needs openssl. Keys are EC P-256 (PKCS#8, what the Java SDK reads).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
dir="${LABELCURVE_TLS_DIR:-tls}"
days="${LABELCURVE_TLS_DAYS:-825}"
umask 077
mkdir -p "$dir"
chmod 700 "$dir"

san="DNS:localhost,IP:127.0.0.1"
for h in "$@"; do
  if [[ $h =~ ^[0-9.]+$ || $h == *:* ]]; then san="$san,IP:$h"; else san="$san,DNS:$h"; fi
done

key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1"; }

if [ ! -s "$dir/ca.pem" ]; then
  key "$dir/ca-key.pem"
  openssl req -x509 -new -key "$dir/ca-key.pem" -sha256 -days "$days" -subj "/CN=labelcurve CA" \
    -addext "basicConstraints=critical,CA:true" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -out "$dir/ca.pem"
  echo "created $dir/ca.pem"
fi

# leaf NAME CN SAN USAGE
leaf() {
  [ -s "$dir/$1.pem" ] && return 0
  key "$dir/$1-key.pem"
  openssl req -new -key "$dir/$1-key.pem" -subj "/CN=$2" -out "$dir/$1.csr"
  printf 'subjectAltName=%s\nextendedKeyUsage=%s\nkeyUsage=critical,digitalSignature\n' "$3" "$4" \
    >"$dir/$1.ext"
  openssl x509 -req -in "$dir/$1.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca-key.pem" \
    -CAcreateserial -days "$days" -sha256 -extfile "$dir/$1.ext" -out "$dir/$1.pem" 2>/dev/null
  rm -f "$dir/$1.csr" "$dir/$1.ext"
  echo "created $dir/$1.pem"
}
leaf temporal temporal "DNS:temporal,$san" serverAuth,clientAuth
leaf minio minio "DNS:minio,$san" serverAuth
leaf client labelcurve-client "DNS:labelcurve-client" clientAuth
# Readable by the containers' users through their bind mounts; the 0700 folder keeps others out.
# The CA key is the owner's alone.
for f in ca temporal temporal-key minio minio-key client client-key; do chmod 444 "$dir/$f.pem"; done
chmod 400 "$dir/ca-key.pem"
