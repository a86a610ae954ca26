// appset.mjs: turns the ApplicationSet's spec.template into a one-file Helm chart, so that Helm's
// engine (the Go template language + sprig that Argo CD's goTemplate uses) renders it with the
// git files generator's parameters for one Chart.yaml path.
// usage: node appset.mjs APPLICATIONSET.yaml apps/ws/user/project/Chart.yaml CHARTDIR
import { readFileSync, writeFileSync } from 'node:fs';
import { parse, stringify } from 'yaml';

const [file, path, chart] = process.argv.slice(2);
const set = parse(readFileSync(file, 'utf8'));
const dir = path.split('/').slice(0, -1);
// Argo CD's files generator: path.path (the folder), path.basename, path.filename, path.segments
const params = {
  path: { path: dir.join('/'), basename: dir[dir.length - 1], filename: path.split('/').pop(),
    basenameNormalized: dir[dir.length - 1], filenameNormalized: path.split('/').pop(), segments: dir },
};
const app = { apiVersion: 'argoproj.io/v1alpha1', kind: 'Application', ...set.spec.template };
// each string is a template over the parameters: `with .Values` makes them the dot
writeFileSync(`${chart}/templates/app.yaml`,
  `{{- with .Values }}\n${stringify(app, { defaultStringType: 'QUOTE_SINGLE', defaultKeyType: 'PLAIN' })}{{- end }}\n`);
writeFileSync(`${chart}/params.yaml`, stringify(params));
