#!/bin/sh
# One-shot (compose service temporal-create-namespace, image temporalio/admin-tools): registers
# the namespace unless it exists. The temporal CLI reads TEMPORAL_ADDRESS and, with the TLS
# overlay (deploy/compose/tls.yml), TEMPORAL_TLS_CERT/_KEY/_CA/_SERVER_NAME.
set -eu

: "${TEMPORAL_ADDRESS:?}" "${NAMESPACE:?}" "${RETENTION:?}"
tries=0
until temporal operator cluster health >/dev/null 2>&1; do
  tries=$((tries + 1))
  [ "$tries" -lt 30 ] || { echo "Temporal at $TEMPORAL_ADDRESS is not healthy after 60 s" >&2; exit 1; }
  sleep 2
done
if temporal operator namespace describe --namespace "$NAMESPACE" >/dev/null 2>&1; then
  echo "namespace $NAMESPACE exists"
else
  temporal operator namespace create --namespace "$NAMESPACE" --retention "$RETENTION"
  echo "namespace $NAMESPACE created (retention $RETENTION)"
fi
