// yaml2json.mjs: `helm template` output (YAML documents with "# Source:" comments) as JSON
// [{template, object}] for jq and validate.mjs. usage: node yaml2json.mjs FILE
import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';

const out = [];
for (const d of parseAllDocuments(readFileSync(process.argv[2], 'utf8'))) {
  if (d.errors.length) throw new Error(d.errors[0].message);
  const object = d.toJS();
  if (!object) continue;
  const m = /# Source: (.*)/.exec(String(d.commentBefore || ''));
  out.push({ template: m ? m[1].trim() : '', object });
}
process.stdout.write(JSON.stringify(out));
