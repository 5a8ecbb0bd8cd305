// The public API, as the dashboard's only way in. Credentials live in sessionStorage (never in
// cookies, URLs or logs): an API key, or a JWT access token with its rotating refresh token.
const storeKey = "runhooks.session";

export function session() {
  try { return JSON.parse(sessionStorage.getItem(storeKey)) || null; } catch { return null; }
}

export function saveSession(value) {
  if (value) sessionStorage.setItem(storeKey, JSON.stringify(value));
  else sessionStorage.removeItem(storeKey);
}

export class APIError extends Error {
  constructor(status, message) { super(message); this.status = status; }
}

async function send(method, path, body, credential) {
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (credential) headers.Authorization = `Bearer ${credential}`;
  const response = await fetch(`/api/v1${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  let envelope = null;
  try { envelope = await response.json(); } catch { /* an empty or non-JSON answer */ }
  if (!response.ok) {
    throw new APIError(response.status, envelope?.error || envelope?.message || `HTTP ${response.status}`);
  }
  return envelope || {};
}

let refreshing = null;
async function refreshTokens(current) {
  // One refresh at a time: the refresh token is single-use, a second use would revoke the family.
  refreshing ??= send("POST", "/auth/refresh", { refreshToken: current.refreshToken })
    .then((reply) => { saveSession({ ...current, ...reply.data }); return session(); })
    .finally(() => { refreshing = null; });
  return refreshing;
}

export async function api(method, path, body) {
  let current = session();
  const credential = current?.apiKey || current?.accessToken;
  try {
    return await send(method, path, body, credential);
  } catch (error) {
    if (error.status === 401 && current?.refreshToken && !current.apiKey) {
      try { current = await refreshTokens(current); } catch { saveSession(null); throw error; }
      return send(method, path, body, current.accessToken);
    }
    throw error;
  }
}

export async function publicCall(method, path, body) {
  return send(method, path, body, null);
}
