#!/usr/bin/env bash
# Single quotes around bash -c bodies are intended (they expand in the inner shell):
# shellcheck disable=SC2016
# Static checks of the cluster deployment files; no Docker engine and no cluster needed.
#   bash deploy/check.sh            (from anywhere; CI: .ci/run calls it)
# Installs what it needs from Debian (apt-get, as root) and npm when missing; a tool that
# cannot be installed is SKIPPED with a message, every check that runs must pass.
# Exit status: 0 when no check failed, 1 otherwise. Takes well under a minute once installed.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 1

PY=/usr/bin/python3          # Debian's python3: python3-yaml and python3-jsonschema
[ -x "$PY" ] || PY=python3
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/labelcurve-deploy-check"
passed=() failed=() skipped=()

check() {  # check NAME COMMAND...: runs it, records the outcome
  local name=$1; shift
  echo "== $name"
  if "$@"; then passed+=("$name"); echo "   ok"; else failed+=("$name"); echo "   FAILED: $name"; fi
}
skip() { echo "== $1: SKIPPED ($2)"; skipped+=("$1"); }

apt_updated=0
ensure() {  # ensure COMMAND DEBIAN_PACKAGE: installs the package when the command is missing
  command -v "$1" >/dev/null 2>&1 && return 0
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then return 1; fi
  if [ $apt_updated = 0 ]; then apt-get update -qq >/dev/null 2>&1 || true; apt_updated=1; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -o DPkg::Lock::Timeout=300 --no-install-recommends "$2" \
    >"$WORK/apt-$2.log" 2>&1 || { tail -5 "$WORK/apt-$2.log"; return 1; }
  command -v "$1" >/dev/null 2>&1
}

# python3-yaml is needed by most checks below.
if ! "$PY" -c 'import yaml' 2>/dev/null && [ "$(id -u)" = 0 ]; then
  apt-get update -qq >/dev/null 2>&1; apt_updated=1
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3-yaml >/dev/null 2>&1
fi
"$PY" -c 'import yaml' 2>/dev/null || { echo "python3 with PyYAML is required"; exit 1; }
yaml2json() { "$PY" -c 'import sys,yaml,json; json.dump([d for d in yaml.safe_load_all(open(sys.argv[1])) if d], sys.stdout)' "$1"; }

# ---- shell scripts -------------------------------------------------------------------------------
if ensure shellcheck shellcheck; then
  check "shellcheck deploy/**.sh" shellcheck deploy/check.sh deploy/minio/setup.sh \
    deploy/make-secrets.sh deploy/make-tls.sh deploy/temporal/setup-schema.sh \
    deploy/temporal/create-namespace.sh
else skip "shellcheck" "shellcheck not installable"; fi

# ---- env.example: no secret at all (secrets are files) ------------------------------------------
check "env.example has no secret" "$PY" deploy/checks/lint.py envexample deploy/env.example
check "MinIO policies (bucket only; read-only lists and reads)" "$PY" deploy/checks/lint.py \
  policies deploy/minio/labelcurve-rw.json deploy/minio/labelcurve-ro.json

# ---- docker compose ------------------------------------------------------------------------------
COMPOSE=()
if docker compose version >/dev/null 2>&1; then COMPOSE=(docker compose)
elif ensure docker-compose docker-compose; then COMPOSE=(docker-compose); fi
if [ ${#COMPOSE[@]} -gt 0 ]; then
  echo "   using: $("${COMPOSE[@]}" version 2>/dev/null | head -1)"
  # The example as shipped holds every required setting and no secret; the secret files and the
  # TLS material are made in a throw-away folder by the scripts a user runs.
  cp deploy/env.example "$WORK/env"
  echo "LABELCURVE_TLS_DIR=$WORK/tls" >>"$WORK/env"
  base=("${COMPOSE[@]}" --project-directory . --env-file "$WORK/env" -f docker-compose.yml)
  check "compose config (default profile)" "${base[@]}" config -q
  check "compose config (profile gpu)" bash -c '"$@" > "'"$WORK"'/compose.yml"' _ \
    "${base[@]}" --profile gpu config
  check "compose rules (pins, healthchecks, volumes, gpu profile, secrets as files)" \
    "$PY" deploy/checks/lint.py compose "$WORK/compose.yml"
  check "compose config (TLS overlay, profile gpu)" bash -c '"$@" > "'"$WORK"'/compose-tls.yml"' _ \
    "${base[@]}" -f deploy/compose/tls.yml --profile gpu config
  check "TLS overlay rules (mTLS to Temporal for every client, S3 over TLS)" \
    "$PY" deploy/checks/lint.py tls "$WORK/compose-tls.yml"
  check "TLS overlay keeps the base's rules" "$PY" deploy/checks/lint.py compose "$WORK/compose-tls.yml"
  # A required setting missing from .env is refused: nothing starts half-configured.
  grep -v '^LABELCURVE_S3_ACCESS_KEY=' deploy/env.example >"$WORK/env-missing"
  check "compose refuses a missing required setting" bash -c \
    '! "$@" >/dev/null 2>&1' _ "${COMPOSE[@]}" --project-directory . --env-file "$WORK/env-missing" -f docker-compose.yml config -q
else skip "docker compose" "neither 'docker compose' nor docker-compose installable"; fi

# ---- secret and TLS material made by the scripts a user runs -----------------------------------------
check "make-secrets.sh: 0700 folder, 0444 non-empty files, idempotent" bash -c '
  bash deploy/make-secrets.sh "$0/secrets" >/dev/null && before=$(cat "$0"/secrets/*) &&
  bash deploy/make-secrets.sh "$0/secrets" >/dev/null && [ "$before" = "$(cat "$0"/secrets/*)" ] &&
  [ "$(stat -c %a "$0/secrets")" = 700 ] && [ "$(ls "$0/secrets" | wc -l)" = 5 ] &&
  for f in "$0"/secrets/*; do [ -s "$f" ] && [ "$(stat -c %a "$f")" = 444 ] || exit 1; done' "$WORK"
if command -v openssl >/dev/null 2>&1; then
  check "make-tls.sh: certificates chain to the CA, keys match, SANs for the compose names" bash -c '
    LABELCURVE_TLS_DIR="$0/tls" bash deploy/make-tls.sh other-host.example 10.1.2.3 >/dev/null &&
    cd "$0/tls" && openssl verify -CAfile ca.pem temporal.pem minio.pem client.pem >/dev/null &&
    for n in temporal minio client; do
      [ "$(openssl x509 -in $n.pem -noout -pubkey)" = "$(openssl pkey -in $n-key.pem -pubout)" ] || exit 1
    done &&
    openssl x509 -in temporal.pem -noout -ext subjectAltName | grep -q "DNS:temporal, .*DNS:other-host.example, IP Address:10.1.2.3" &&
    openssl x509 -in minio.pem -noout -ext subjectAltName | grep -q "DNS:minio" &&
    openssl x509 -in client.pem -noout -ext extendedKeyUsage | grep -q "TLS Web Client Authentication" &&
    head -1 client-key.pem | grep -q "BEGIN PRIVATE KEY" && [ "$(stat -c %a ca-key.pem)" = 400 ]' "$WORK"
else skip "make-tls.sh" "openssl not installed"; fi

# ---- Dockerfiles (hadolint is not packaged for Debian; the same rules, by lint.py) -----------------
if command -v hadolint >/dev/null 2>&1; then
  check "hadolint" hadolint deploy/docker/Dockerfile.worker deploy/docker/Dockerfile.worker-gpu
else echo "== hadolint: not installed, using deploy/checks/lint.py's rules"; fi
check "Dockerfile rules" "$PY" deploy/checks/lint.py dockerfile \
  deploy/docker/Dockerfile.worker deploy/docker/Dockerfile.worker-gpu

# ---- Prometheus ---------------------------------------------------------------------------------
if ensure promtool prometheus; then
  check "promtool check config" promtool check config deploy/prometheus/prometheus.yml
  check "promtool check rules" promtool check rules deploy/prometheus/alerts.yml
  check "promtool test rules" bash -c 'cd deploy/prometheus && promtool test rules alerts.test.yml'
else skip "promtool" "Debian package prometheus not installable"; fi

# ---- Grafana ------------------------------------------------------------------------------------
check "dashboard JSON parses" bash -c 'for f in deploy/grafana/dashboards/*.json; do "$0" -m json.tool "$f" >/dev/null || exit 1; done' "$PY"
check "grafana provisioning YAML parses" "$PY" -c \
  'import sys,yaml; [yaml.safe_load(open(f)) for f in sys.argv[1:]]' deploy/grafana/provisioning/*/*.yml
check "dashboard panels and queries" "$PY" deploy/checks/lint.py dashboard \
  deploy/grafana/dashboards/labelcurve.json "$WORK/dashboard-rules.yml"
if command -v promtool >/dev/null 2>&1; then
  check "dashboard PromQL parses (promtool)" promtool check rules "$WORK/dashboard-rules.yml"
fi

# ---- Kubernetes ---------------------------------------------------------------------------------
# Render the base and the base with every optional component (a throw-away overlay).
mkdir -p "$WORK/overlay"
rel=$(realpath --relative-to="$WORK/overlay" deploy/k8s)
cat >"$WORK/overlay/kustomization.yaml" <<YAML
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources: [$rel]
components: [$rel/components/temporal-mtls, $rel/components/temporal-api-key, $rel/components/servicemonitor,
             $rel/components/gpu-autoscaling, $rel/components/gpu-autoscaling-mtls]
YAML
mkdir -p "$WORK/overlay-irsa"
cat >"$WORK/overlay-irsa/kustomization.yaml" <<YAML
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources: [$rel]
components: [$rel/components/s3-web-identity]
YAML
if ensure kubectl kubectl && kubectl kustomize --help >/dev/null 2>&1; then
  check "kustomize build (base)" bash -c 'kubectl kustomize deploy/k8s > "$0"' "$WORK/base.yaml"
  check "kustomize build (all components)" bash -c 'kubectl kustomize "$1" > "$0"' "$WORK/k8s.yaml" "$WORK/overlay"
  check "kustomize build (S3 by web identity)" bash -c 'kubectl kustomize "$1" > "$0"' "$WORK/k8s-irsa.yaml" "$WORK/overlay-irsa"
  check "kustomize build (models fill Job)" bash -c 'kubectl kustomize deploy/k8s/models-fill > "$0"' "$WORK/k8s-fill.yaml"
else
  echo "== kubectl not installable: validating the raw manifest files instead of the kustomize output"
  skipped+=("kustomize build")
  cat deploy/k8s/{namespace,serviceaccount,configmap,pvc-models,deployment-cpu-worker,deployment-gpu-worker,pdb-cpu-worker,service}.yaml \
      deploy/k8s/components/servicemonitor/servicemonitor.yaml | sed 's/^\(apiVersion\)/---\n\1/' >"$WORK/k8s.yaml"
fi
if [ -s "$WORK/k8s.yaml" ]; then
  for r in k8s k8s-irsa k8s-fill; do [ -s "$WORK/$r.yaml" ] && yaml2json "$WORK/$r.yaml" >"$WORK/$r.json"; done
  check "k8s policy (non-root, read-only fs, probes, grace, GPU, required S3 secret, NetworkPolicy, KEDA, models PVC)" \
    "$PY" deploy/checks/lint.py k8s "$WORK/k8s.json"
  [ -s "$WORK/k8s-irsa.json" ] && check "k8s policy with S3 by web identity (no Secret referenced)" \
    "$PY" deploy/checks/lint.py k8s-irsa "$WORK/k8s-irsa.json"
  [ -s "$WORK/k8s-fill.json" ] && check "k8s models fill Job (writes the PVC the workers read)" \
    "$PY" deploy/checks/lint.py k8s-fill "$WORK/k8s-fill.json" "$WORK/k8s.json"
  # Schema validation with the Kubernetes OpenAPI schemas of the npm package kubernetes-models
  # (and its prometheus-operator and KEDA CRD packages).
  if command -v npm >/dev/null 2>&1 && command -v node >/dev/null 2>&1; then
    if [ ! -d "$CACHE/node/node_modules/@kubernetes-models/keda" ]; then
      mkdir -p "$CACHE/node"
      (cd "$CACHE/node" && npm install --silent --no-audit --no-fund --no-save \
         kubernetes-models@5.1.0 @kubernetes-models/prometheus-operator@6.0.0 \
         @kubernetes-models/keda@2.0.0 >/dev/null 2>&1) || true
    fi
    if [ -d "$CACHE/node/node_modules/@kubernetes-models/keda" ]; then
      cp deploy/checks/k8s-validate.mjs "$CACHE/node/"
      for r in k8s k8s-irsa k8s-fill; do
        [ -s "$WORK/$r.json" ] && check "k8s schema validation of $r (kubernetes-models)" \
          node "$CACHE/node/k8s-validate.mjs" "$WORK/$r.json"
      done
    else skip "k8s schema validation" "npm install kubernetes-models failed"; fi
  else skip "k8s schema validation" "node/npm not available"; fi
  check "k8s secret templates parse" "$PY" -c \
    'import sys,yaml; [yaml.safe_load(open(f))["stringData"] for f in sys.argv[1:]]' deploy/k8s/secret-*.example.yaml
fi

# ---- no credentials committed ---------------------------------------------------------------------
check "no .env or key material tracked by git" bash -c \
  '! git ls-files --error-unmatch .env >/dev/null 2>&1 && ! git ls-files | grep -E "(^|/)(\.env|.*\.pem|.*\.key|secret-[^/]*)$" | grep -v "\.example\.yaml$"'

echo
echo "deploy/check.sh: ${#passed[@]} passed, ${#failed[@]} failed, ${#skipped[@]} skipped"
[ ${#skipped[@]} -eq 0 ] || echo "skipped: ${skipped[*]}"
[ ${#failed[@]} -eq 0 ] || { echo "failed: ${failed[*]}"; exit 1; }
