#!/bin/sh
# One-shot MinIO setup (compose service minio-setup, image minio/mc): creates the bucket, the
# workers' user with policy labelcurve-rw (read/write/delete in the bucket only) and the
# researchers' user with policy labelcurve-ro (list and read: `sweep status`, `sweep list`,
# `report`). Idempotent: safe on every `up`. Passwords come from secret files
# (*_FILE); nothing secret is printed. The policies are deploy/minio/labelcurve-{rw,ro}.json with
# BUCKET replaced.
set -eu

: "${MINIO_ROOT_USER:?}" "${MINIO_ROOT_PASSWORD_FILE:?}" "${BUCKET:?}"
: "${APP_ACCESS_KEY:?}" "${APP_SECRET_KEY_FILE:?}"
: "${READONLY_ACCESS_KEY:?}" "${READONLY_SECRET_KEY_FILE:?}"
MINIO_URL="${MINIO_URL:-http://minio:9000}"
POLICIES="${POLICIES:-/policies}"

mc alias set local "$MINIO_URL" "$MINIO_ROOT_USER" "$(cat "$MINIO_ROOT_PASSWORD_FILE")" >/dev/null
mc mb --ignore-existing "local/$BUCKET"

# user ACCESS_KEY SECRET_FILE POLICY
user() {
  sed "s/BUCKET/$BUCKET/g" "$POLICIES/$3.json" >"/tmp/$3.json"
  mc admin policy create local "$3" "/tmp/$3.json" >/dev/null
  mc admin user add local "$1" "$(cat "$2")" >/dev/null
  if ! mc admin policy attach local "$3" --user "$1" >/tmp/attach.log 2>&1; then
    # Attaching an already attached policy is reported as an error; anything else is one.
    grep -qi "already" /tmp/attach.log || { cat /tmp/attach.log >&2; exit 1; }
  fi
  echo "user $1 has policy $3"
}
user "$APP_ACCESS_KEY" "$APP_SECRET_KEY_FILE" labelcurve-rw
user "$READONLY_ACCESS_KEY" "$READONLY_SECRET_KEY_FILE" labelcurve-ro
echo "bucket $BUCKET ready"
