// unseal.mjs: what the sealed-secrets controller does with a SealedSecret, in Node's own crypto
// (an implementation independent of lib/clients/sealed): for each encryptedData value, split
// uint16_be(len) || RSA-OAEP(SHA-256, label "<namespace>/<name>") session key || AES-256-GCM
// (zero nonce) ciphertext || tag, and decrypt with the controller's private key.
// usage: node unseal.mjs KEY.pem RENDERED.json   prints {"<namespace>/<name>": {KEY: value}}
import { readFileSync } from 'node:fs';
import crypto from 'node:crypto';

const key = crypto.createPrivateKey(readFileSync(process.argv[2]));
const out = {};
for (const { object: o } of JSON.parse(readFileSync(process.argv[3], 'utf8'))) {
  if (o.kind !== 'SealedSecret') continue;
  const label = `${o.metadata.namespace}/${o.metadata.name}`;
  const values = (out[label] = {});
  for (const [k, b64] of Object.entries(o.spec.encryptedData)) {
    const blob = Buffer.from(b64, 'base64');
    const n = blob.readUInt16BE(0);
    const session = crypto.privateDecrypt({ key, padding: crypto.constants.RSA_PKCS1_OAEP_PADDING,
      oaepHash: 'sha256', oaepLabel: Buffer.from(label) }, blob.subarray(2, 2 + n));
    const body = blob.subarray(2 + n);
    const d = crypto.createDecipheriv('aes-256-gcm', session, Buffer.alloc(12));
    d.setAuthTag(body.subarray(body.length - 16));
    values[k] = Buffer.concat([d.update(body.subarray(0, body.length - 16)), d.final()]).toString('utf8');
  }
}
process.stdout.write(JSON.stringify(out));
