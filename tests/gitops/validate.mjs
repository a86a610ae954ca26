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

// Bitnami's SealedSecret has no model in kubernetes-models: its CRD's rules, checked here
// (metadata as any namespaced object; encryptedData: keys a Secret allows, base64 values;
// the template's name and namespace those of the SealedSecret, as strict scope requires).
class SealedSecret {
  constructor(obj) { this.obj = obj; }
  validate() {
    const o = this.obj, dns = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
    const fail = (m) => { throw new Error(m); };
    if (!dns.test(o.metadata?.name || '') || o.metadata.name.length > 253) fail('metadata.name is not a DNS subdomain');
    if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(o.metadata?.namespace || '')) fail('metadata.namespace is not a DNS label');
    const data = o.spec?.encryptedData;
    if (!data || typeof data !== 'object' || !Object.keys(data).length) fail('spec.encryptedData is empty');
    for (const [k, v] of Object.entries(data)) {
      if (!/^[-._a-zA-Z0-9]+$/.test(k)) fail(`spec.encryptedData key ${k} is not a Secret key`);
      if (typeof v !== 'string' || !/^[A-Za-z0-9+/]+={0,2}$/.test(v) || v.length % 4) fail(`spec.encryptedData.${k} is not base64`);
    }
    const t = o.spec.template || {};
    if (t.metadata?.name !== o.metadata.name || t.metadata?.namespace !== o.metadata.namespace) fail('spec.template names another Secret');
    if (t.type && typeof t.type !== 'string') fail('spec.template.type must be a string');
  }
}

const models = {
  'bitnami.com/v1alpha1': { SealedSecret },
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
