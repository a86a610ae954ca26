#!/usr/bin/env node
// fake-jenkins.js: a loopback Jenkins for tests: the remote-API endpoints the worker uses, scripted builds.
//
//   node fake-jenkins.js --port-file FILE [--user U --token T] [--require-crumb]
//                        [--fcgi-callback HOST:PORT]
//
// Endpoints follow reference/protocols.md section 1: crumbIssuer, buildWithParameters (201 +
// Location of the queue item), queue item JSON (Waiting/Left, executable, cancelled), the queue
// and job JSON with build parameters, build JSON, logText/progressiveText (X-Text-Size,
// X-More-Data), queue/cancelItem, stop. Builds print lines over time (with multi-byte UTF-8,
// sometimes split across polls), call the pipeline's CALLBACK_URL like jenkins/Jenkinsfile does,
// and end in the scripted result. Left queue items are forgotten after leftTtlMs.
//
// Test controls (JSON), never part of Jenkins:
//   POST /_fake/config  merge settings: {default:{...}, byBranch:{b:{...}}, byProject:{p:{...}},
//                       burst5xx:N, downMs:N, slowMs:N, requireCrumb:bool, leftTtlMs:N, executors:N}
//                       a script: {queueMs, lines, lineMs, result, hang, callbacks, splitUtf8, gitops,
//                                  print, stamp, perTick}
//   print: [strings]    printed as they are, one per lineMs, instead of the numbered lines
//   stamp: true         each numbered line carries t=<epoch ms> from when it was printed (bench/logs.sh)
//   perTick: N          numbered lines printed per lineMs with stamp (fast logs)
//   gitops: true        the release stage does what jenkins/Jenkinsfile does: runs `platformctl gitops
//                       release --deployment ID --api <CALLBACK_URL's base>` ($PLATFORMCTL_BIN, remote
//                       $PLATFORM_GITOPS_URL from the fake's environment, the callback token in
//                       PLATFORM_CALLBACK_TOKEN) and reports the real commit; a failed write fails the
//                       build in stage release.
//                       Off by default: the release is then a made-up commit id.
//   POST /_fake/filler {"count":N}  N finished builds of other deployments (older ones drop out of
//                       the newest 100)
//   GET  /_fake/triggers  every buildWithParameters that queued something, in order
//   GET  /_fake/releases  every platformctl release the pipeline ran: deployment id and argv
//   GET  /_fake/builds    every build: number, deployment, result, log length
//   GET  /_fake/log/<deployment id>  the whole log Jenkins printed for that deployment's build
//   GET  /_fake/token/<deployment id>  the CALLBACK_TOKEN its trigger carried (as a pipeline step sees it)
//
// --fcgi-callback HOST:PORT: deliver the callbacks to the API's FastCGI socket directly, for a
// test without nginx (the stack's nginx routes /internal/jenkins/events to the API).
'use strict';
const http = require('http');
const net = require('net');
const crypto = require('crypto');
const fs = require('fs');
const { execFile } = require('child_process');

const args = process.argv.slice(2);
const opt = (name, def) => {
	const i = args.indexOf(name);
	return i >= 0 ? args[i + 1] : def;
};
const flag = (name) => args.includes(name);

const cfg = {
	default: { queueMs: 200, lines: 10, lineMs: 100, result: 'SUCCESS', callbacks: true },
	byBranch: {},
	byProject: {},
	burst5xx: 0,
	downUntil: 0,
	slowMs: 0,
	requireCrumb: flag('--require-crumb'),
	leftTtlMs: 5 * 60 * 1000,
	executors: 0, // 0: unlimited
};
const user = opt('--user', null);
const token = opt('--token', null);
const fcgiCallback = opt('--fcgi-callback', null);

let nextQueueId = 100;
let nextBuild = 1;
const queue = new Map(); // id -> item
const builds = new Map(); // number -> build
const triggers = [];
const releases = [];
const sessions = new Map(); // JSESSIONID -> crumb
let base = '';

function scriptFor(params) {
	return Object.assign(
		{},
		cfg.default,
		cfg.byProject[params.PROJECT_NAME] || {},
		cfg.byBranch[params.BRANCH] || {},
	);
}

function paramActions(params) {
	return [
		{ _class: 'hudson.model.ParametersAction', parameters: Object.entries(params).map(([name, value]) => ({ name, value })) },
		{ _class: 'hudson.model.CauseAction', causes: [{ shortDescription: 'Started by remote host' }] },
	];
}

// ------------------------------------------------------------------------------ builds

const LINE_TEXT = ['compiling ✓', 'ünïcødé lines 🚀 pass through', 'plain ascii line', 'tab\tseparated\tvalues'];

function startBuild(item) {
	const number = nextBuild++;
	const s = item.script;
	const b = {
		number,
		queueId: item.id,
		params: item.params,
		script: s,
		log: Buffer.alloc(0),
		pending: null, // bytes of a line not yet written (split UTF-8 mode)
		building: true,
		result: null,
		timestamp: Date.now(),
		timer: null,
		stopped: false,
	};
	builds.set(number, b);
	item.left = true;
	item.executable = number;
	item.leftAt = Date.now();
	append(b, `Started by remote host\nBuilding deployment ${item.params.DEPLOYMENT_ID} (build #${number})\n`);
	callback(b, { event: 'stage', stage: 'checkout' });
	let i = 0;
	const tick = () => {
		if (b.stopped || !b.building) return;
		if (b.pending) {
			append(b, b.pending);
			b.pending = null;
		}
		if (s.print) {
			if (i < s.print.length) {
				append(b, s.print[i++]);
				b.timer = setTimeout(tick, s.lineMs);
				return;
			}
			return finish(b, s.result);
		}
		if (s.stamp && (i < s.lines || s.hang)) {
			for (let k = 0; k < (s.perTick || 1) && (i < s.lines || s.hang); k++, i++) {
				append(b, `[${i + 1}/${s.lines}] t=${(performance.timeOrigin + performance.now()).toFixed(3)} ${LINE_TEXT[i % LINE_TEXT.length]}\n`);
			}
			b.timer = setTimeout(tick, s.lineMs);
			return;
		}
		if (i < s.lines || s.hang) {
			const text = `[${i + 1}/${s.lines}] ${LINE_TEXT[i % LINE_TEXT.length]} ${crypto.randomBytes(3).toString('hex')}\n`;
			const bytes = Buffer.from(text);
			if (s.splitUtf8 && i % 3 === 1) {
				// cut inside the first multi-byte character: a reader sees half of it
				const cut = bytes.findIndex((c) => c >= 0xc0) + 1 || Math.floor(bytes.length / 2);
				append(b, bytes.subarray(0, cut));
				b.pending = bytes.subarray(cut);
			} else {
				append(b, bytes);
			}
			if (i === Math.floor(s.lines / 2)) callback(b, { event: 'stage', stage: 'build' });
			i++;
			b.timer = setTimeout(tick, s.lineMs);
			return;
		}
		finish(b, s.result);
	};
	b.timer = setTimeout(tick, s.lineMs);
}

function append(b, data) {
	b.log = Buffer.concat([b.log, Buffer.isBuffer(data) ? data : Buffer.from(data)]);
}

async function finish(b, result) {
	if (!b.building || b.finishing) return;
	b.finishing = true;
	clearTimeout(b.timer);
	if (b.pending) {
		append(b, b.pending);
		b.pending = null;
	}
	const p = b.params;
	const tag = `${p.PROJECT_NAME}-${(p.COMMIT || 'head').slice(0, 12)}-${b.number}`;
	let releaseError = null;
	if (result === 'SUCCESS' && p.ACTION !== 'rollback') {
		append(b, `Pushed registry.local/platform/${p.USER_ID}-${p.PROJECT_NAME}:${tag}\n`);
		await callback(b, { event: 'pushed', image: `registry.local/platform/${p.USER_ID}-${p.PROJECT_NAME}`, tag, digest: 'sha256:' + crypto.createHash('sha256').update(tag).digest('hex') });
	}
	if (result === 'SUCCESS') {
		const relTag = p.ACTION === 'rollback' ? p.IMAGE_TAG : tag;
		// the image repository as jenkins/Jenkinsfile names it: $HARBOR_HOST/$HARBOR_PROJECT/<user>-<project>
		const image = `registry.local/platform/${p.USER_ID}-${p.PROJECT_NAME}`;
		let commit = crypto.createHash('sha1').update('gitops' + b.number).digest('hex');
		if (b.script.gitops) {
			await callback(b, { event: 'stage', stage: 'release' });
			try {
				commit = await gitopsRelease(p);
			} catch (err) {
				append(b, `platformctl gitops release failed: ${err.message}\n`);
				result = 'FAILURE';
				releaseError = 'stage release failed (FAILURE); see the build log';
			}
		}
		if (result === 'SUCCESS') {
			append(b, `Released to GitOps ${commit}\n`);
			await callback(b, { event: 'released', gitops_commit: commit, image, tag: relTag });
		}
	}
	await callback(b, { event: 'result', result, error: releaseError || (result === 'FAILURE' ? 'stage build failed: npm run build exited with 1' : null) });
	append(b, `Finished: ${result}\n`);
	b.result = result;
	b.building = false;
	b.duration = Date.now() - b.timestamp;
}

// The release stage of jenkins/Jenkinsfile: `platformctl gitops release --deployment ID` writes the
// platform's own description of the release (GET /internal/deployments/ID/release with the callback
// token in PLATFORM_CALLBACK_TOKEN, never in argv); resolves to the new commit id.
function gitopsRelease(p) {
	const api = String(p.CALLBACK_URL || '').replace(/\/internal\/jenkins\/events$/, '');
	const args = ['gitops', 'release', '--deployment', p.DEPLOYMENT_ID, '--api', api];
	const env = Object.assign({}, process.env, { PLATFORM_CALLBACK_TOKEN: p.CALLBACK_TOKEN || '' });
	releases.push({ deployment_id: p.DEPLOYMENT_ID, args });
	return new Promise((resolve, reject) => {
		execFile(process.env.PLATFORMCTL_BIN || 'platformctl', args, { env, timeout: 60000 }, (err, stdout, stderr) => {
			if (err) return reject(new Error(String(stderr || err.message).trim()));
			resolve(String(stdout).trim());
		});
	});
}

// The pipeline's reports, as jenkins/Jenkinsfile sends them.
function callback(b, event) {
	const p = b.params;
	if (!b.script.callbacks || !p.CALLBACK_URL) return Promise.resolve();
	const body = JSON.stringify(Object.assign({ deployment_id: p.DEPLOYMENT_ID, build_number: b.number }, event));
	const deliver = fcgiCallback ? fcgiPost : httpPost;
	return deliver(p.CALLBACK_URL, p.CALLBACK_TOKEN, body).then(
		(status) => {
			b.callbacks = (b.callbacks || []).concat([{ event: event.event, status }]);
		},
		(err) => {
			b.callbacks = (b.callbacks || []).concat([{ event: event.event, status: 0, error: String(err) }]);
		},
	);
}

function httpPost(url, tok, body) {
	return new Promise((resolve, reject) => {
		const req = http.request(url, { method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${tok}`, 'Content-Length': Buffer.byteLength(body) } }, (res) => {
			res.resume();
			res.on('end', () => resolve(res.statusCode));
		});
		req.on('error', reject);
		req.setTimeout(10000, () => req.destroy(new Error('timeout')));
		req.end(body);
	});
}

// A minimal FastCGI responder client: BEGIN_REQUEST, PARAMS, STDIN; read STDOUT until END_REQUEST.
function fcgiRecord(type, content) {
	const pad = (8 - (content.length % 8)) % 8;
	const h = Buffer.alloc(8);
	h.writeUInt8(1, 0);
	h.writeUInt8(type, 1);
	h.writeUInt16BE(1, 2);
	h.writeUInt16BE(content.length, 4);
	h.writeUInt8(pad, 6);
	return Buffer.concat([h, content, Buffer.alloc(pad)]);
}

function fcgiPair(name, value) {
	const n = Buffer.from(name);
	const v = Buffer.from(String(value));
	const len = (x) => {
		if (x < 128) return Buffer.from([x]);
		const b = Buffer.alloc(4);
		b.writeUInt32BE((x | 0x80000000) >>> 0);
		return b;
	};
	return Buffer.concat([len(n.length), len(v.length), n, v]);
}

function fcgiPost(url, tok, body) {
	const u = new URL(url);
	const [host, port] = fcgiCallback.split(':');
	const params = {
		REQUEST_METHOD: 'POST', REQUEST_URI: u.pathname + u.search, DOCUMENT_URI: u.pathname, QUERY_STRING: u.search.slice(1),
		CONTENT_TYPE: 'application/json', CONTENT_LENGTH: Buffer.byteLength(body), SERVER_PROTOCOL: 'HTTP/1.1',
		HTTP_AUTHORIZATION: `Bearer ${tok}`, REMOTE_ADDR: '127.0.0.1',
	};
	return new Promise((resolve, reject) => {
		const sock = net.connect(Number(port), host);
		let got = Buffer.alloc(0);
		let out = '';
		sock.setTimeout(10000, () => sock.destroy(new Error('timeout')));
		sock.on('error', reject);
		sock.on('connect', () => {
			const begin = Buffer.from([0, 1, 0, 0, 0, 0, 0, 0]);
			const pairs = Buffer.concat(Object.entries(params).map(([k, v]) => fcgiPair(k, v)));
			sock.write(Buffer.concat([fcgiRecord(1, begin), fcgiRecord(4, pairs), fcgiRecord(4, Buffer.alloc(0)),
				fcgiRecord(5, Buffer.from(body)), fcgiRecord(5, Buffer.alloc(0))]));
		});
		sock.on('data', (d) => {
			got = Buffer.concat([got, d]);
			while (got.length >= 8) {
				const type = got.readUInt8(1);
				const len = got.readUInt16BE(4);
				const pad = got.readUInt8(6);
				if (got.length < 8 + len + pad) break;
				const content = got.subarray(8, 8 + len);
				got = got.subarray(8 + len + pad);
				if (type === 6) out += content.toString();
				if (type === 3) {
					sock.end();
					const m = /^Status: (\d+)/m.exec(out);
					resolve(m ? Number(m[1]) : 200);
				}
			}
		});
	});
}

// ------------------------------------------------------------------------------ the queue

function schedule() {
	const running = [...builds.values()].filter((b) => b.building).length;
	let free = cfg.executors ? cfg.executors - running : Infinity;
	const now = Date.now();
	for (const item of queue.values()) {
		if (item.left || free <= 0) continue;
		if (now - item.inQueueSince >= item.script.queueMs) {
			startBuild(item);
			free--;
		}
	}
	// Jenkins forgets left items after a while
	for (const [id, item] of queue) {
		if (item.left && now - item.leftAt > cfg.leftTtlMs) queue.delete(id);
	}
}
setInterval(schedule, 25);

function queueJson(item) {
	const j = {
		_class: item.left ? 'hudson.model.Queue$LeftItem' : 'hudson.model.Queue$WaitingItem',
		id: item.id, blocked: false, buildable: !item.left, stuck: false,
		inQueueSince: item.inQueueSince, params: '', task: { name: 'platform-deploy' },
		actions: paramActions(item.params),
		why: item.left ? null : cfg.executors ? 'Waiting for next available executor' : 'In the quiet period',
	};
	if (item.left) {
		j.cancelled = !!item.cancelled;
		j.executable = item.executable ? { number: item.executable, url: `${base}/job/x/${item.executable}/` } : null;
	}
	return j;
}

// ------------------------------------------------------------------------------ HTTP

function send(res, status, body, headers = {}, immediate = false) {
	const data = body === undefined ? '' : typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);
	const h = Object.assign({ 'X-Jenkins': '2.440-fake', 'Content-Length': Buffer.byteLength(data) }, headers);
	if (typeof body === 'object' && !Buffer.isBuffer(body)) h['Content-Type'] = 'application/json;charset=utf-8';
	const go = () => {
		res.writeHead(status, h);
		res.end(data);
	};
	if (cfg.slowMs && !immediate) setTimeout(go, cfg.slowMs);
	else go();
}

function readBody(req) {
	return new Promise((resolve) => {
		const parts = [];
		req.on('data', (d) => parts.push(d));
		req.on('end', () => resolve(Buffer.concat(parts).toString()));
	});
}

function cookieOf(req, name) {
	const m = new RegExp(`(?:^|;\\s*)${name}=([^;]+)`).exec(req.headers.cookie || '');
	return m ? m[1] : null;
}

function authorized(req) {
	if (!user) return true;
	const want = 'Basic ' + Buffer.from(`${user}:${token}`).toString('base64');
	return req.headers.authorization === want;
}

function crumbOk(req) {
	if (!cfg.requireCrumb) return true;
	const sid = cookieOf(req, 'JSESSIONID');
	return sid && sessions.has(sid) && req.headers['jenkins-crumb'] === sessions.get(sid);
}

async function control(req, res, path) {
	if (req.method === 'POST' && path === '/_fake/config') {
		const c = JSON.parse((await readBody(req)) || '{}');
		for (const k of ['default', 'byBranch', 'byProject']) if (c[k]) cfg[k] = k === 'default' ? Object.assign(cfg.default, c[k]) : Object.assign(cfg[k], c[k]);
		if ('burst5xx' in c) cfg.burst5xx = c.burst5xx;
		if ('downMs' in c) cfg.downUntil = Date.now() + c.downMs;
		for (const k of ['slowMs', 'requireCrumb', 'leftTtlMs', 'executors']) if (k in c) cfg[k] = c[k];
		return send(res, 200, { ok: true }, {}, true);
	}
	if (req.method === 'POST' && path === '/_fake/filler') {
		// {"count": N}: N finished builds of no deployment of ours (someone else's jobs), newest last
		const c = JSON.parse((await readBody(req)) || '{}');
		for (let i = 0; i < (c.count || 0); i++) {
			const number = nextBuild++;
			builds.set(number, { number, queueId: 0, params: { DEPLOYMENT_ID: `other-${number}` }, script: {}, log: Buffer.from('filler\n'), pending: null, building: false, result: 'SUCCESS', timestamp: Date.now(), timer: null, stopped: false });
		}
		return send(res, 200, { ok: true }, {}, true);
	}
	if (path === '/_fake/triggers') return send(res, 200, triggers, {}, true);
	if (path === '/_fake/releases') return send(res, 200, releases, {}, true);
	if (path === '/_fake/builds') {
		return send(res, 200, [...builds.values()].map((b) => ({
			number: b.number, deployment_id: b.params.DEPLOYMENT_ID, project: b.params.PROJECT_NAME,
			building: b.building, result: b.result, log_bytes: b.log.length, callbacks: b.callbacks || [],
		})), {}, true);
	}
	const t = /^\/_fake\/token\/([^/]+)$/.exec(path);
	if (t) {
		// what a pipeline step would read from its CALLBACK_TOKEN parameter
		const item = [...queue.values()].reverse().find((i) => i.params.DEPLOYMENT_ID === t[1]) ||
			[...builds.values()].find((b) => b.params.DEPLOYMENT_ID === t[1]);
		return item ? send(res, 200, item.params.CALLBACK_TOKEN, {}, true) : send(res, 404, '', {}, true);
	}
	const m = /^\/_fake\/log\/([^/]+)$/.exec(path);
	if (m) {
		const b = [...builds.values()].find((x) => x.params.DEPLOYMENT_ID === m[1]);
		return b ? send(res, 200, b.log, { 'Content-Type': 'text/plain; charset=utf-8' }, true) : send(res, 404, 'no build', {}, true);
	}
	return send(res, 404, 'no such control', {}, true);
}

async function handle(req, res) {
	const u = new URL(req.url, base);
	const path = u.pathname;
	if (path.startsWith('/_fake/')) return control(req, res, path);
	if (Date.now() < cfg.downUntil) return req.socket.destroy();
	if (cfg.burst5xx > 0) {
		cfg.burst5xx--;
		return send(res, 503, '<html>Service Unavailable</html>');
	}
	if (!authorized(req)) return send(res, 401, '<html>Unauthorized</html>', { 'WWW-Authenticate': 'Basic realm="Jenkins"' });

	if (req.method === 'GET' && path === '/crumbIssuer/api/json') {
		if (!cfg.requireCrumb) return send(res, 404, '<html>Not Found</html>');
		const sid = crypto.randomBytes(8).toString('hex');
		const crumb = crypto.randomBytes(16).toString('hex');
		sessions.set(sid, crumb);
		return send(res, 200, { _class: 'hudson.security.csrf.DefaultCrumbIssuer', crumb, crumbRequestField: 'Jenkins-Crumb' }, { 'Set-Cookie': `JSESSIONID=${sid}; Path=/; HttpOnly` });
	}
	if (req.method === 'POST' && !crumbOk(req)) {
		return send(res, 403, '<html><body>Error 403 No valid crumb was included in the request</body></html>');
	}

	let m;
	if (req.method === 'POST' && (m = /^\/job\/([^/]+)\/buildWithParameters$/.exec(path))) {
		const body = await readBody(req);
		const params = Object.fromEntries(new URLSearchParams(body));
		for (const [k, v] of u.searchParams) params[k] = v;
		// an identical item still waiting absorbs the request (newer cores answer 303)
		for (const item of queue.values()) {
			if (!item.left && JSON.stringify(item.params) === JSON.stringify(params)) {
				return send(res, 303, '', { Location: `${base}/queue/item/${item.id}/` });
			}
		}
		const id = nextQueueId++;
		const item = { id, params, script: scriptFor(params), inQueueSince: Date.now(), left: false };
		queue.set(id, item);
		const { CALLBACK_TOKEN, ...shown } = params; // eslint-disable-line no-unused-vars
		triggers.push({ queue_id: id, at: Date.now(), deployment_id: params.DEPLOYMENT_ID, params: shown, has_token: !!CALLBACK_TOKEN });
		return send(res, 201, '', { Location: `${base}/queue/item/${id}/` });
	}
	if (req.method === 'GET' && (m = /^\/queue\/item\/(\d+)\/api\/json$/.exec(path))) {
		const item = queue.get(Number(m[1]));
		return item ? send(res, 200, queueJson(item)) : send(res, 404, '<html>Not Found</html>');
	}
	if (req.method === 'GET' && path === '/queue/api/json') {
		return send(res, 200, { _class: 'hudson.model.Queue', items: [...queue.values()].filter((i) => !i.left).map(queueJson) });
	}
	if (req.method === 'POST' && path === '/queue/cancelItem') {
		const item = queue.get(Number(u.searchParams.get('id')));
		if (!item) return send(res, 404, '');
		if (item.left) return send(res, 422, '');
		item.left = true;
		item.cancelled = true;
		item.leftAt = Date.now();
		return send(res, 204);
	}
	if (req.method === 'GET' && (m = /^\/job\/([^/]+)\/api\/json$/.exec(path))) {
		// tree=builds[...]{M,N}: entries M (inclusive) to N (exclusive), newest first, as Jenkins's
		// range specifier; without one, Jenkins's own cap of 100 builds
		const r = /\{(\d*),(\d*)\}\s*$/.exec(u.searchParams.get('tree') || '');
		const from = r && r[1] ? Number(r[1]) : 0;
		const to = r && r[2] ? Number(r[2]) : r ? Infinity : 100;
		const list = [...builds.values()].sort((a, b) => b.number - a.number).slice(from, to);
		return send(res, 200, { _class: 'org.jenkinsci.plugins.workflow.job.WorkflowJob', name: m[1], builds: list.map((b) => ({ number: b.number, timestamp: b.timestamp, actions: paramActions(b.params) })) });
	}
	if ((m = /^\/job\/([^/]+)\/(\d+)\/(.*)$/.exec(path))) {
		const b = builds.get(Number(m[2]));
		if (!b) return send(res, 404, '<html>Not Found</html>');
		const rest = m[3];
		if (req.method === 'GET' && rest === 'api/json') {
			return send(res, 200, { _class: 'org.jenkinsci.plugins.workflow.job.WorkflowRun', number: b.number, building: b.building, result: b.result, duration: b.duration || 0, timestamp: b.timestamp, estimatedDuration: 1000 });
		}
		if (req.method === 'GET' && rest === 'logText/progressiveText') {
			const start = Math.max(0, Number(u.searchParams.get('start') || 0));
			const chunk = b.log.subarray(Math.min(start, b.log.length));
			const h = { 'Content-Type': 'text/plain;charset=UTF-8', 'X-Text-Size': String(b.log.length) };
			if (b.building) h['X-More-Data'] = 'true';
			return send(res, 200, chunk, h);
		}
		if (req.method === 'POST' && rest === 'stop') {
			if (b.building && !b.stopped) {
				b.stopped = true;
				clearTimeout(b.timer);
				append(b, 'Aborted by user\n');
				setTimeout(() => finish(b, 'ABORTED'), 50);
			}
			return send(res, 302, '', { Location: `${base}/job/${m[1]}/${b.number}/` });
		}
	}
	return send(res, 404, '<html>Not Found</html>');
}

const server = http.createServer((req, res) => {
	handle(req, res).catch((e) => {
		console.error(e);
		if (!res.headersSent) send(res, 500, String(e));
	});
});
server.keepAliveTimeout = 30000;
server.listen(Number(opt('--port', 0)), '127.0.0.1', () => {
	const port = server.address().port;
	base = `http://127.0.0.1:${port}`;
	const pf = opt('--port-file', null);
	if (pf) fs.writeFileSync(pf + '.tmp', String(port)), fs.renameSync(pf + '.tmp', pf);
	console.log(`fake-jenkins listening on ${base}`);
});
process.on('SIGTERM', () => process.exit(0));
