#!/bin/sh
# One-shot MinIO setup (compose service minio-setup, image minio/mc): creates the bucket and a
# least-privilege user for the workers and the host CLI. Idempotent: safe on every `up`.
# Credentials come from the environment (compose passes them from .env); nothing is printed.
set -eu

: "${MINIO_ROOT_USER:?}" "${MINIO_ROOT_PASSWORD:?}" "${BUCKET:?}"
: "${APP_ACCESS_KEY:?}" "${APP_SECRET_KEY:?}"
MINIO_URL="${MINIO_URL:-http://minio:9000}"

mc alias set local "$MINIO_URL" "$MINIO_ROOT_USER" "$MINIO_ROOT_PASSWORD" >/dev/null
mc mb --ignore-existing "local/$BUCKET"

policy=/tmp/labelcurve-rw.json
cat >"$policy" <<JSON
{
  "Version": "2012-10-17",
  "Statement": [
    {"Effect": "Allow",
     "Action": ["s3:GetBucketLocation", "s3:ListBucket", "s3:ListBucketMultipartUploads"],
     "Resource": ["arn:aws:s3:::$BUCKET"]},
    {"Effect": "Allow",
     "Action": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject",
                "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"],
     "Resource": ["arn:aws:s3:::$BUCKET/*"]}
  ]
}
JSON
mc admin policy create local labelcurve-rw "$policy" >/dev/null
mc admin user add local "$APP_ACCESS_KEY" "$APP_SECRET_KEY" >/dev/null
if ! mc admin policy attach local labelcurve-rw --user "$APP_ACCESS_KEY" >/tmp/attach.log 2>&1; then
  # Attaching an already attached policy is reported as an error; anything else is one.
  grep -qi "already" /tmp/attach.log || { cat /tmp/attach.log >&2; exit 1; }
fi
echo "bucket $BUCKET ready; worker user has policy labelcurve-rw"
