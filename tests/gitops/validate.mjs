// validate.mjs: checks Kubernetes and Argo CD objects against their schemas (kubernetes-models).
// usage: node validate.mjs FILE...   FILE is render.go's JSON ([{template, object}]) or YAML
// manifests (several documents allowed). Prints one line per object; exits 1 if any is invalid
// or of a kind we have no schema for.
import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import * as core from 'kubernetes-models/v1';
import * as apps from 'kubernetes-models/apps/v1';
import * as networking from 'kubernetes-models/networking.k8s.io/v1';
import * as autoscaling from 'kubernetes-models/autoscaling/v2';
import * as argo from '@kubernetes-models/argo-cd/argoproj.io/v1alpha1';

const models = {
  'v1': core,
  'apps/v1': apps,
  'networking.k8s.io/v1': networking,
  'autoscaling/v2': autoscaling,
  'argoproj.io/v1alpha1': argo,
};

function objects(file) {
  const text = readFileSync(file, 'utf8');
  if (file.endsWith('.json')) return JSON.parse(text).map((o) => o.object);
  return parseAllDocuments(text).map((d) => {
    if (d.errors.length) throw new Error(`${file}: ${d.errors[0].message}`);
    return d.toJS();
  }).filter((o) => o);
}

let failed = 0;
for (const file of process.argv.slice(2)) {
  for (const obj of objects(file)) {
    const what = `${file}: ${obj.apiVersion} ${obj.kind} ${obj.metadata?.name}`;
    const Model = models[obj.apiVersion]?.[obj.kind];
    if (!Model) {
      console.log(`invalid ${what}: no schema for this kind`);
      failed++;
      continue;
    }
    try {
      new Model(obj).validate();
      console.log(`valid ${what}`);
    } catch (e) {
      console.log(`invalid ${what}: ${e.message}`);
      failed++;
    }
  }
}
process.exit(failed ? 1 : 0);
