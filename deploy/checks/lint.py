#!/usr/bin/env python3
"""Static checks of labelcurve's deployment files that no off-the-shelf tool here covers.

Called by deploy/check.sh. Subcommands print one line per problem and exit 1 if any:
  compose FILE.json        rules on the resolved compose model (`docker compose config` output)
  dockerfile FILE...       hadolint-style rules (hadolint itself is not installable here)
  k8s FILE.json            policy rules on rendered manifests (a JSON array of objects)
  k8s-irsa FILE.json       the same with components/s3-web-identity: no Secret referenced
  k8s-fill JOB.json K8S.json  the models fill Job writes the PVC the workers mount read-only
  dashboard FILE OUT.yml   dashboard structure; writes its PromQL as a rules file for promtool
  envexample FILE          no secret in deploy/env.example (secrets are files)
  tls FILE                 the TLS overlay merged over the base: mTLS to Temporal, S3 over TLS
  policies RW.json RO.json the MinIO policies: bucket-only, explicit, read-only really read-only
"""
import json
import re
import sys

problems = []


def bad(msg):
    problems.append(msg)
    print("  problem: " + msg)


def pinned(image):
    if "@sha256:" in image:
        return True
    name, _, tag = image.rpartition(":")
    return bool(name) and "/" not in tag and tag not in ("latest", "") and not tag.endswith("-latest")


# ---------------------------------------------------------------------------------- compose --
def mounts_of(svc):
    """Volumes of a service in long form, whether `config` printed the short or long syntax."""
    out = []
    for v in svc.get("volumes") or []:
        if isinstance(v, dict):
            out.append({"type": v.get("type"), "source": v.get("source"), "target": v.get("target")})
        else:
            src, dst = v.split(":")[0], v.split(":")[1]
            out.append({"type": "bind" if src.startswith(("/", ".", "~")) else "volume",
                        "source": src, "target": dst})
    return out


# A worker's SIGTERM drain: --drain-seconds (WorkerRuntime.DEFAULT_DRAIN_SECONDS when absent),
# then up to 10 s for interrupted activities, then the JVM's exit. The grace period before the
# SIGKILL must cover it all.
DEFAULT_DRAIN_SECONDS = 60
DRAIN_MARGIN_SECONDS = 20


def drain_seconds(args):
    args = [str(a) for a in (args or [])]
    for i, a in enumerate(args):
        if a == "--drain-seconds" and i + 1 < len(args):
            return int(args[i + 1])
        if a.startswith("--drain-seconds="):
            return int(a.split("=", 1)[1])
    return DEFAULT_DRAIN_SECONDS


def duration_seconds(text):
    """Compose durations: 90s, 1m30s, 6m, 1h, or plain seconds."""
    text = str(text).strip()
    if re.fullmatch(r"\d+", text):
        return int(text)
    parts = re.findall(r"(\d+(?:\.\d+)?)(h|ms|m|s|us)", text)
    if not parts or "".join(n + u for n, u in parts) != text:
        return None
    scale = {"h": 3600, "m": 60, "s": 1, "ms": 0.001, "us": 0.000001}
    return sum(float(n) * scale[u] for n, u in parts)


def check_compose(path):
    import yaml  # `docker-compose config` (v1) prints YAML, v2 can print JSON; YAML reads both
    model = yaml.safe_load(open(path))
    services = model.get("services", {})
    declared_volumes = set((model.get("volumes") or {}).keys())
    for name, svc in services.items():
        image = svc.get("image", "")
        if "build" not in svc and not pinned(image):
            bad(f"compose {name}: image '{image}' is not pinned to a version")
        one_shot = svc.get("restart") in ("no", False) or str(svc.get("restart")).startswith("on-failure")
        if not one_shot and "healthcheck" not in svc and name != "temporal-ui":
            bad(f"compose {name}: long-running service without healthcheck")
        for dep, cond in (svc.get("depends_on") or {}).items():
            c = cond.get("condition") if isinstance(cond, dict) else None
            if c not in ("service_healthy", "service_completed_successfully"):
                bad(f"compose {name}: depends_on {dep} without a health/completion condition")
        for port in svc.get("ports") or []:
            host_ip = port.get("host_ip") if isinstance(port, dict) else str(port).split(":")[0]
            if host_ip in (None, "", "0.0.0.0") and "LABELCURVE_BIND_ADDR" not in str(port):
                bad(f"compose {name}: port {port} published on all interfaces by default")
        for vol in mounts_of(svc):
            if vol["type"] == "volume" and vol["source"] not in declared_volumes:
                bad(f"compose {name}: volume {vol['source']} is not a declared named volume")
        env = svc.get("environment") or {}
        check_secret_env(name, env, svc)
    for svc_name, state_path in (("postgres", "/var/lib/postgresql/data"), ("minio", "/data"),
                                 ("prometheus", "/prometheus"), ("grafana", "/var/lib/grafana")):
        if not any(m["type"] == "volume" and m["target"] == state_path
                   for m in mounts_of(services.get(svc_name, {}))):
            bad(f"compose {svc_name}: state at {state_path} is not on a named volume")
    gpu = services.get("gpu-worker")
    if gpu is None:
        bad("compose: no gpu-worker service (run the check with --profile gpu)")
    else:
        if gpu.get("profiles") != ["gpu"]:
            bad("compose gpu-worker: must be in profile 'gpu' only")
        devices = (((gpu.get("deploy") or {}).get("resources") or {}).get("reservations") or {}).get("devices") or []
        if not any("gpu" in (d.get("capabilities") or []) for d in devices):
            bad("compose gpu-worker: no device reservation with capabilities [gpu]")
    for w in ("cpu-worker", "gpu-worker"):
        svc = services.get(w) or {}
        grace = duration_seconds(svc.get("stop_grace_period", "10s"))
        command = svc.get("command")
        drain = drain_seconds(command.split() if isinstance(command, str) else command)
        if grace is None or grace < drain + DRAIN_MARGIN_SECONDS:
            bad(f"compose {w}: stop_grace_period {svc.get('stop_grace_period')!r} shorter than"
                f" the drain ({drain} s) + {DRAIN_MARGIN_SECONDS} s")
        if not svc.get("read_only"):
            bad(f"compose {w}: root filesystem not read-only")


def secret_names(svc):
    return {(x.get("source") if isinstance(x, dict) else x) for x in svc.get("secrets") or []}


def check_secret_env(name, env, svc):
    """Secrets are files: no variable carries one, and every /run/secrets/X used is mounted."""
    for key, value in (env.items() if isinstance(env, dict) else []):
        if re.search(r"(PASSWORD|SECRET|_PWD|API_KEY)", key) and not key.endswith("FILE"):
            bad(f"compose {name}: {key} carries a secret in the environment; use {key}_FILE"
                " and a compose secret")
        m = re.match(r"^/run/secrets/([A-Za-z0-9_.-]+)$", str(value or ""))
        if m and m.group(1) not in secret_names(svc):
            bad(f"compose {name}: {key} reads /run/secrets/{m.group(1)} but the service does"
                " not mount that secret")


def check_tls(path):
    """The TLS overlay merged over the base: mTLS to Temporal, S3 over TLS, for every client."""
    import yaml
    model = yaml.safe_load(open(path))
    services = model.get("services", {})
    t = services.get("temporal", {}).get("environment") or {}
    for key in ("TEMPORAL_TLS_FRONTEND_CERT", "TEMPORAL_TLS_FRONTEND_KEY",
                "TEMPORAL_TLS_CLIENT1_CA_CERT", "TEMPORAL_TLS_SERVER_CERT",
                "TEMPORAL_TLS_SERVER_KEY", "TEMPORAL_TLS_SERVER_CA_CERT"):
        if not t.get(key):
            bad(f"tls temporal: {key} not set")
    if str(t.get("TEMPORAL_TLS_REQUIRE_CLIENT_AUTH")).lower() != "true":
        bad("tls temporal: TEMPORAL_TLS_REQUIRE_CLIENT_AUTH is not true (no mutual TLS)")
    for name, svc in services.items():
        env = svc.get("environment") or {}
        check_secret_env(name, env, svc)
        if name == "temporal":
            continue
        if "LABELCURVE_TEMPORAL_ADDRESS" in env:
            for k in ("LABELCURVE_TEMPORAL_TLS_CERT", "LABELCURVE_TEMPORAL_TLS_KEY",
                      "LABELCURVE_TEMPORAL_TLS_CA"):
                if not env.get(k):
                    bad(f"tls {name}: talks to Temporal without {k}")
        if "TEMPORAL_ADDRESS" in env:
            for k in ("TEMPORAL_TLS_CERT", "TEMPORAL_TLS_KEY", "TEMPORAL_TLS_CA"):
                if not env.get(k):
                    bad(f"tls {name}: talks to Temporal without {k}")
        endpoint = env.get("LABELCURVE_S3_ENDPOINT")
        if endpoint is not None:
            if not str(endpoint).startswith("https://"):
                bad(f"tls {name}: LABELCURVE_S3_ENDPOINT {endpoint} is not https")
            if not env.get("LABELCURVE_S3_CA"):
                bad(f"tls {name}: S3 over TLS without LABELCURVE_S3_CA")
        if "MINIO_URL" in env and not str(env["MINIO_URL"]).startswith("https://"):
            bad(f"tls {name}: MINIO_URL {env['MINIO_URL']} is not https")
    minio = services.get("minio", {})
    targets = {x.get("target") for x in minio.get("secrets") or [] if isinstance(x, dict)}
    command = minio.get("command") or []
    if "--certs-dir" not in command:
        bad("tls minio: no --certs-dir")
    else:
        certs = command[command.index("--certs-dir") + 1]
        rel = certs.replace("/run/secrets/", "")
        for f in ("public.crt", "private.key"):
            if f"{rel}/{f}" not in targets and f"{certs}/{f}" not in targets:
                bad(f"tls minio: {certs}/{f} is not mounted from a secret")


def check_policies(rw_path, ro_path):
    """The MinIO policies: the read-only one can list and read, nothing else."""
    for path in (rw_path, ro_path):
        doc = json.load(open(path))
        for st in doc["Statement"]:
            for r in st["Resource"]:
                if not r.startswith("arn:aws:s3:::BUCKET"):
                    bad(f"{path}: resource {r} outside the labelcurve bucket")
            if st["Effect"] != "Allow" or any("*" in a for a in st["Action"]):
                bad(f"{path}: statement {st.get('Sid')} is not an explicit Allow list")
    ro = json.load(open(ro_path))
    actions = {a for st in ro["Statement"] for a in st["Action"]}
    if actions != {"s3:GetBucketLocation", "s3:ListBucket", "s3:GetObject"}:
        bad(f"{ro_path}: read-only policy allows {sorted(actions)}")


# ------------------------------------------------------------------------------- dockerfile --
def check_dockerfile(path):
    lines, cont = [], ""
    for raw in open(path):
        s = raw.rstrip("\n")
        if s.lstrip().startswith("#") and not cont:
            continue
        if s.endswith("\\"):
            cont += s[:-1] + " "
            continue
        lines.append((cont + s).strip())
        cont = ""
    lines = [l for l in lines if l]
    stages, users, text = [], [], "\n".join(lines)
    ignored = set(re.findall(r"hadolint ignore=([A-Z0-9,]+)", open(path).read()))
    ignored = {c for group in ignored for c in group.split(",")}
    args = {m.group(1): m.group(2) for m in re.finditer(r"^ARG (\w+)=(\S+)", text, re.M)}
    for l in lines:
        op = l.split()[0].upper()
        if op == "FROM":
            image = l.split()[1]
            for k, v in args.items():
                image = image.replace("${%s}" % k, v)
            stages.append(image)
            if not (pinned(image) or image in [s.split()[-1] for s in lines if s.upper().startswith("FROM") and " AS " in s.upper()]):
                bad(f"{path}: DL3006/DL3007 FROM {image} is not pinned")
        if op == "USER":
            users.append(l.split()[1])
        if op == "RUN":
            if "apt-get install" in l and "--no-install-recommends" not in l:
                bad(f"{path}: DL3015 apt-get install without --no-install-recommends")
            if "apt-get install" in l and "-y" not in l.split():
                bad(f"{path}: DL3014 apt-get install without -y")
            if "apt-get install" in l and "rm -rf /var/lib/apt/lists" not in l:
                bad(f"{path}: DL3009 apt lists not removed in the same RUN")
            if "apt-get install" in l and "DL3008" not in ignored:
                bad(f"{path}: DL3008 apt package versions not pinned (add a justified ignore)")
            if re.search(r"\bsudo\b", l):
                bad(f"{path}: DL3004 sudo in RUN")
            if "|" in l.replace("||", "") and "pipefail" not in text:
                bad(f"{path}: DL4006 pipe in RUN without SHELL -o pipefail")
            if re.search(r"\bcd\s", l):
                bad(f"{path}: DL3003 use WORKDIR instead of cd")
        if op == "ADD" and "http" in l:
            bad(f"{path}: DL3020 ADD of a URL (use curl with a checksum)")
        if op in ("CMD", "ENTRYPOINT") and not l.split(None, 1)[1].startswith("["):
            bad(f"{path}: DL3025 {op} not in JSON form")
    if not users or users[-1] in ("root", "0", "0:0"):
        bad(f"{path}: DL3002 last USER is root (or missing)")
    for instr in ("HEALTHCHECK", "STOPSIGNAL"):
        if not re.search(rf"^{instr}\s", text, re.M):
            bad(f"{path}: no {instr}")
    if "sha256sum -c" not in text and "download.pytorch.org" in text:
        bad(f"{path}: downloaded archive not verified with sha256sum -c")


# ------------------------------------------------------------------------------------- k8s --
def check_k8s(path):
    objs = json.load(open(path))
    kinds = [o["kind"] for o in objs]
    for need in ("Namespace", "ConfigMap", "Deployment", "Service", "PodDisruptionBudget"):
        if need not in kinds:
            bad(f"k8s: no {need}")
    for o in objs:
        name = f"{o['kind']}/{o['metadata'].get('name')}"
        if o["kind"] == "Secret":
            bad(f"k8s {name}: a Secret is part of the rendered manifests (keep secrets out of git)")
        if o["kind"] == "ConfigMap":
            for k in o.get("data", {}):
                if re.search(r"(SECRET|PASSWORD|API_KEY|ACCESS_KEY|TLS_KEY)", k):
                    bad(f"k8s {name}: secret-looking key {k} in a ConfigMap")
        if o["kind"] != "Deployment":
            continue
        spec = o["spec"]["template"]["spec"]
        ann = o["spec"]["template"]["metadata"].get("annotations", {})
        if ann.get("prometheus.io/scrape") != "true":
            bad(f"k8s {name}: no prometheus.io/scrape annotation")
        grace = spec.get("terminationGracePeriodSeconds", 30)
        for c in spec["containers"]:
            drain = drain_seconds(c.get("args"))
            if grace < drain + DRAIN_MARGIN_SECONDS:
                bad(f"k8s {name}: terminationGracePeriodSeconds {grace} shorter than the drain"
                    f" ({drain} s) + {DRAIN_MARGIN_SECONDS} s")
        psc = spec.get("securityContext", {})
        if not psc.get("runAsNonRoot"):
            bad(f"k8s {name}: pod not runAsNonRoot")
        volumes = {v["name"]: v for v in spec.get("volumes", [])}
        for c in spec["containers"]:
            sc = c.get("securityContext", {})
            if not sc.get("readOnlyRootFilesystem"):
                bad(f"k8s {name}/{c['name']}: root filesystem not read-only")
            if sc.get("allowPrivilegeEscalation") is not False:
                bad(f"k8s {name}/{c['name']}: allowPrivilegeEscalation not false")
            for probe in ("readinessProbe", "livenessProbe"):
                if c.get(probe, {}).get("httpGet", {}).get("path") != "/metrics":
                    bad(f"k8s {name}/{c['name']}: {probe} is not an httpGet on /metrics")
            mounts = {m["mountPath"]: m["name"] for m in c.get("volumeMounts", [])}
            if "emptyDir" not in volumes.get(mounts.get("/tmp"), {}):
                bad(f"k8s {name}/{c['name']}: /tmp is not an emptyDir")
            for e in c.get("env", []):
                if re.search(r"(SECRET|API_KEY|PASSWORD)", e["name"]) and "value" in e \
                        and not e["name"].endswith("_FILE"):
                    bad(f"k8s {name}: {e['name']} given as a literal value")
            gpu = c.get("resources", {}).get("limits", {}).get("nvidia.com/gpu")
            if "gpu" in o["metadata"]["name"]:
                if str(gpu) != "1":
                    bad(f"k8s {name}: GPU worker without nvidia.com/gpu: 1 limit")
                if not spec.get("tolerations") or not spec.get("nodeSelector"):
                    bad(f"k8s {name}: GPU worker without nodeSelector/tolerations")


def worker_deployments(objs):
    return [o for o in objs if o["kind"] == "Deployment"
            and o["metadata"]["name"] in ("labelcurve-cpu-worker", "labelcurve-gpu-worker")]


def check_k8s_extra(objs):
    """Issue 17: required S3 Secret as a file, NetworkPolicy, KEDA to zero, fillable models PVC."""
    kinds = {o["kind"] for o in objs}
    for need in ("NetworkPolicy", "ScaledObject", "PersistentVolumeClaim"):
        if need not in kinds:
            bad(f"k8s: no {need} (render with every component)")
    for o in worker_deployments(objs):
        name = o["metadata"]["name"]
        spec = o["spec"]["template"]["spec"]
        for c in spec["containers"]:
            for ef in c.get("envFrom", []):
                if "secretRef" in ef and ef["secretRef"].get("optional"):
                    bad(f"k8s {name}: optional secretRef {ef['secretRef']['name']}: a missing"
                        " Secret starts the worker without credentials")
            env = {e["name"]: e for e in c.get("env", [])}
            key = env.get("LABELCURVE_S3_ACCESS_KEY", {}).get("valueFrom", {}).get("secretKeyRef", {})
            if key.get("name") != "labelcurve-s3" or key.get("optional"):
                bad(f"k8s {name}: LABELCURVE_S3_ACCESS_KEY not from the required Secret labelcurve-s3")
            if "LABELCURVE_S3_SECRET_KEY" in env:
                bad(f"k8s {name}: the S3 secret key is in the environment; mount it as a file")
            path = env.get("LABELCURVE_S3_SECRET_KEY_FILE", {}).get("value", "")
            mounts = {m["mountPath"]: m for m in c.get("volumeMounts", [])}
            vols = {v["name"]: v for v in spec.get("volumes", [])}
            mount = mounts.get(path.rsplit("/", 1)[0])
            if not mount or vols.get(mount["name"], {}).get("secret", {}).get("secretName") != "labelcurve-s3":
                bad(f"k8s {name}: LABELCURVE_S3_SECRET_KEY_FILE {path!r} is not in a mount of Secret labelcurve-s3")
            models = mounts.get("/models")
            if not models or not models.get("readOnly"):
                bad(f"k8s {name}: /models not mounted read-only")
    for o in objs:
        name = f"{o['kind']}/{o['metadata'].get('name')}"
        if o["kind"] == "PersistentVolumeClaim" and o["metadata"]["name"] == "labelcurve-models":
            modes = set(o["spec"].get("accessModes", []))
            if not {"ReadOnlyMany", "ReadWriteOnce"} <= modes:
                bad(f"k8s {name}: access modes {sorted(modes)}: the fill Job writes it"
                    " (ReadWriteOnce), the workers read it on many nodes (ReadOnlyMany)")
        if o["kind"] == "ScaledObject":
            sp = o["spec"]
            if sp["scaleTargetRef"]["name"] != "labelcurve-gpu-worker" or sp.get("minReplicaCount") != 0:
                bad(f"k8s {name}: must scale labelcurve-gpu-worker from 0")
            trig = [t for t in sp["triggers"] if t["type"] == "temporal"]
            auth = {t.get("authenticationRef", {}).get("name") for t in trig} - {None}
            tas = {x["metadata"]["name"] for x in objs if x["kind"] == "TriggerAuthentication"}
            if not auth <= tas:
                bad(f"k8s {name}: authenticationRef {sorted(auth - tas)} not rendered")
            if not trig or trig[0]["metadata"].get("taskQueue") != "labelcurve-gpu" \
                    or trig[0]["metadata"].get("queueTypes") != "activity":
                bad(f"k8s {name}: no temporal trigger on the activity tasks of labelcurve-gpu")
        if o["kind"] == "TriggerAuthentication":
            params = {r["parameter"]: r for r in o["spec"].get("secretTargetRef", [])}
            if set(params) != {"ca", "cert", "key"} or any(
                    r["name"] != "labelcurve-temporal-tls" for r in params.values()):
                bad(f"k8s {name}: not the ca/cert/key of Secret labelcurve-temporal-tls")
        if o["kind"] == "NetworkPolicy" and o["metadata"]["name"] == "labelcurve-workers":
            ports = {p["port"] for r in o["spec"].get("ingress", []) for p in r.get("ports", [])}
            if ports != {9464}:
                bad(f"k8s {name}: ingress other than /metrics (9464): {sorted(ports)}")
            if "Egress" not in o["spec"].get("policyTypes", []):
                bad(f"k8s {name}: egress not restricted")


def check_k8s_irsa(path):
    objs = json.load(open(path))
    text = json.dumps(objs)
    if "labelcurve-s3" in text:
        bad("k8s (web identity): Secret labelcurve-s3 is still referenced")
    sa = [o for o in objs if o["kind"] == "ServiceAccount"]
    if not sa or "eks.amazonaws.com/role-arn" not in (sa[0]["metadata"].get("annotations") or {}):
        bad("k8s (web identity): the ServiceAccount carries no role")
    for o in worker_deployments(objs):
        if o["spec"]["template"]["spec"].get("serviceAccountName") != sa[0]["metadata"]["name"]:
            bad(f"k8s {o['metadata']['name']}: not on the annotated ServiceAccount")


def check_k8s_fill(path, workers_path):
    objs, workers = json.load(open(path)), json.load(open(workers_path))
    jobs = [o for o in objs if o["kind"] == "Job"]
    if len(jobs) != 1:
        bad("k8s models-fill: expected one Job")
        return
    spec = jobs[0]["spec"]["template"]["spec"]
    claims = {v["name"]: v["persistentVolumeClaim"]["claimName"]
              for v in spec.get("volumes", []) if "persistentVolumeClaim" in v}
    mounts = {m["mountPath"]: m for c in spec["containers"] for m in c.get("volumeMounts", [])}
    m = mounts.get("/models")
    if not m or m.get("readOnly") or claims.get(m["name"]) != "labelcurve-models":
        bad("k8s models-fill: the Job does not mount PVC labelcurve-models read-write at /models")
    if jobs[0]["metadata"].get("namespace") != "labelcurve":
        bad("k8s models-fill: not in namespace labelcurve")
    if not spec.get("securityContext", {}).get("runAsNonRoot"):
        bad("k8s models-fill: not runAsNonRoot")
    pvcs = [o for o in workers if o["kind"] == "PersistentVolumeClaim"]
    if not any(p["metadata"]["name"] == "labelcurve-models" for p in pvcs):
        bad("k8s models-fill: the workers' manifests have no PVC labelcurve-models")


# ------------------------------------------------------------------------------- dashboard --
KNOWN_PREFIXES = ("labelcurve_", "temporal_", "approximate_backlog_count", "up")


def check_dashboard(path, rules_out):
    import yaml
    dash = json.load(open(path))
    ids, exprs = set(), []
    for p in dash["panels"]:
        if p["id"] in ids:
            bad(f"dashboard: duplicate panel id {p['id']}")
        ids.add(p["id"])
        if p["type"] == "row":
            continue
        if p.get("datasource", {}).get("uid") != "prometheus":
            bad(f"dashboard panel '{p['title']}': datasource uid is not 'prometheus' (provisioned uid)")
        if not p.get("targets"):
            bad(f"dashboard panel '{p['title']}': no query")
        for t in p.get("targets", []):
            expr = t["expr"]
            metrics = set(re.findall(r"\b([a-z_][a-z0-9_]*)\s*[{\[]", expr)) - {"by", "without", "on", "le"}
            for m in metrics:
                if not m.startswith(KNOWN_PREFIXES):
                    bad(f"dashboard panel '{p['title']}': unknown metric {m}")
            exprs.append((p["title"], expr))
    ds = yaml.safe_load(open("deploy/grafana/provisioning/datasources/prometheus.yml"))
    if not any(d.get("uid") == "prometheus" for d in ds["datasources"]):
        bad("grafana datasource provisioning has no uid 'prometheus'")
    subst = {"$__rate_interval": "5m", "$__range": "1h", "$model": ".*", "$__interval": "1m"}
    rules = []
    for i, (title, expr) in enumerate(exprs):
        for k, v in subst.items():
            expr = expr.replace(k, v)
        if "$" in expr:
            bad(f"dashboard panel '{title}': unresolved variable in {expr}")
        rules.append({"record": f"dashboard:expr_{i}", "expr": expr})
    yaml.safe_dump({"groups": [{"name": "dashboard-exprs", "rules": rules}]}, open(rules_out, "w"))
    print(f"  {len(ids)} panels, {len(exprs)} queries written to {rules_out} for promtool")


def check_envexample(path):
    for line in open(path):
        m = re.match(r"^#?([A-Z0-9_]+)=(.*)$", line.strip())
        if m and re.search(r"(PASSWORD|SECRET|_PWD|API_KEY)", m.group(1)):
            bad(f"{path}: {m.group(1)}: secrets are files (deploy/make-secrets.sh), never .env"
                " variables")


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    {"compose": lambda: check_compose(args[0]),
     "dockerfile": lambda: [check_dockerfile(a) for a in args],
     "k8s": lambda: (check_k8s(args[0]), check_k8s_extra(json.load(open(args[0])))),
     "k8s-irsa": lambda: (check_k8s(args[0]), check_k8s_irsa(args[0])),
     "k8s-fill": lambda: check_k8s_fill(args[0], args[1]),
     "dashboard": lambda: check_dashboard(args[0], args[1]),
     "envexample": lambda: check_envexample(args[0]),
     "tls": lambda: check_tls(args[0]),
     "policies": lambda: check_policies(args[0], args[1])}[cmd]()
    sys.exit(1 if problems else 0)
