// validate.mjs: validate every object of a rendered manifest stream against the Kubernetes schemas.
//
//   node validate.mjs FILE.yaml > objects.json
//
// Each document is built with its kubernetes-models class (core and apps kinds from
// kubernetes-models, ServiceMonitor from @kubernetes-models/prometheus-operator) and validated;
// an unknown kind is an error too. Prints the objects as one JSON array (for jq assertions) and
// exits 1, naming each failure on stderr, when any object is invalid.
import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';

const modules = {
  v1: 'kubernetes-models/v1',
  'apps/v1': 'kubernetes-models/apps/v1',
  'batch/v1': 'kubernetes-models/batch/v1',
  'policy/v1': 'kubernetes-models/policy/v1',
  'networking.k8s.io/v1': 'kubernetes-models/networking.k8s.io/v1',
  'autoscaling/v2': 'kubernetes-models/autoscaling/v2',
  'monitoring.coreos.com/v1': '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1',
};
const docs = parseAllDocuments(readFileSync(process.argv[2], 'utf8'))
  .map((d) => d.toJSON())
  .filter((o) => o && typeof o === 'object');
let bad = 0;
for (const o of docs) {
  const where = `${o.kind}/${o.metadata && o.metadata.name}`;
  try {
    const path = modules[o.apiVersion];
    if (!path) throw new Error(`no schema for apiVersion ${o.apiVersion}`);
    const Cls = (await import(path))[o.kind];
    if (!Cls) throw new Error(`no schema for kind ${o.kind} in ${o.apiVersion}`);
    new Cls(o).validate();
  } catch (e) {
    bad++;
    process.stderr.write(`invalid ${where}: ${e.message}\n`);
  }
}
process.stdout.write(JSON.stringify(docs) + '\n');
process.exit(bad ? 1 : 0);
