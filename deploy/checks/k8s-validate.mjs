// Used by deploy/check.sh: node k8s-validate.mjs OBJECTS.json (run from a folder with the npm
// packages kubernetes-models, @kubernetes-models/prometheus-operator and @kubernetes-models/keda
// installed).
// Validate every object of a JSON array (made from the rendered YAML by check.sh) against the Kubernetes schemas
// bundled in the npm package kubernetes-models (and prometheus-operator's for ServiceMonitor).
import fs from "node:fs";
const docs = JSON.parse(fs.readFileSync(process.argv[2], "utf8")).filter(Boolean);
let failed = 0;
for (const doc of docs) {
  const [group, version] = doc.apiVersion.includes("/") ? doc.apiVersion.split("/") : [null, doc.apiVersion];
  const crds = {"monitoring.coreos.com": "@kubernetes-models/prometheus-operator",
                "keda.sh": "@kubernetes-models/keda"};
  const mod = crds[group]
    ? `${crds[group]}/${group}/${version}/${doc.kind}`
    : `kubernetes-models/${group ? group + "/" : ""}${version}/${doc.kind}`;
  const name = `${doc.kind}/${doc.metadata?.name}`;
  try {
    const m = await import(mod);
    new m[doc.kind](doc).validate();
    console.log(`ok    ${name}`);
  } catch (e) {
    failed++;
    console.log(`FAIL  ${name}: ${e.message}`);
  }
}
console.log(`${docs.length} objects, ${failed} invalid`);
process.exit(failed ? 1 : 0);
