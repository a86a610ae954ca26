// api.js: the one way the console talks to the platform: the public JSON API (api/openapi.yaml).
// Every write is JSON with its content type, from this origin, with the session cookie (which
// JS never reads: it is HttpOnly). Errors become ApiError with the API's code, message and field.

export class ApiError extends Error {
  constructor(status, code, message, field) {
    super(message);
    this.status = status;
    this.code = code;
    this.field = field || null;
  }
}

// Sign-in problems send the user to /signin; the view that asked gets the error too.
let onSignedOut = () => {};
export function setSignedOutHandler(fn) { onSignedOut = fn; }

export async function api(method, path, body) {
  const init = { method, credentials: 'same-origin', headers: { Accept: 'application/json' } };
  if (method !== 'GET' && method !== 'HEAD') {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body === undefined ? {} : body);
  }
  let res;
  try {
    res = await fetch(path, init);
  } catch (e) {
    throw new ApiError(0, 'network_error', 'the platform cannot be reached; check your connection and retry');
  }
  const text = await res.text();
  let json = null;
  if (text) {
    try { json = JSON.parse(text); } catch (e) { json = null; }
  }
  if (!res.ok) {
    const err = json && json.error ? json.error : {};
    const e = new ApiError(res.status, err.code || `http_${res.status}`,
      err.message || `the platform answered ${res.status}`, err.field);
    if (res.status === 401 && (e.code === 'unauthenticated' || e.code === 'session_invalid')) onSignedOut(e);
    throw e;
  }
  return json;
}

// q('/api/x', {limit: 10, cursor}) with the empty values left out
export function q(path, params) {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params || {})) if (v !== undefined && v !== null && v !== '') u.set(k, v);
  const s = u.toString();
  return s ? `${path}?${s}` : path;
}

export const enc = encodeURIComponent;
