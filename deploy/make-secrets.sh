#!/usr/bin/env bash
# Creates the secret files docker-compose.yml reads (compose `secrets:`), with random values,
# in ./secrets/ (or $1): a folder only its owner may enter, files readable by the containers'
# own users through their bind mounts. Existing files are kept, so it is safe to run again.
#   bash deploy/make-secrets.sh
# Nothing is printed but the file names: read a value with `cat secrets/NAME` when you need it
# (e.g. the Grafana admin password), never `export` it.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
dir="${1:-secrets}"
umask 077
mkdir -p "$dir"
chmod 700 "$dir"
for name in postgres_password minio_root_password labelcurve_s3_secret_key \
            labelcurve_s3_readonly_secret_key grafana_admin_password; do
  f="$dir/$name"
  if [ ! -s "$f" ]; then
    # 24 random bytes as 48 hex digits: long enough for MinIO (>= 8) and every other service.
    od -An -N24 -tx1 /dev/urandom | tr -d ' \n' >"$f"
    echo "created $f"
  fi
  chmod 444 "$f"
done
