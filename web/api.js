// The API client. The access token lives in this module's memory only
// (never in localStorage); the refresh token is an HttpOnly cookie the
// browser sends to /auth only, so a reload restores the session through
// POST /auth/refresh.

let accessToken = null;
let account = null;

export class ApiError extends Error {
  constructor(status, problem, retryAfter = null) {
    super(problem.detail || `HTTP ${status}`);
    this.status = status;
    /** The API's own explanation (English), if it sent one. */
    this.detail = problem.detail || null;
    this.field = problem.field || null;
    /** Why the field was refused, when it is a common case, and its limit. */
    this.reason = problem.reason || null;
    this.limit = problem.limit ?? null;
    /** Seconds to wait, from a 429's Retry-After. */
    this.retryAfter = retryAfter;
  }
}

export function currentAccount() {
  return account;
}

function remember(session) {
  accessToken = session.access_token;
  account = session.account;
}

async function send(method, path, body, token, extraHeaders = {}) {
  const headers = { accept: "application/json", ...extraHeaders };
  if (body !== undefined) headers["content-type"] = "application/json";
  if (token) headers.authorization = `Bearer ${token}`;
  if (path.startsWith("/auth/")) headers["x-servicedesk-csrf"] = "1";
  let response;
  try {
    response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: "same-origin" });
  } catch {
    throw new ApiError(0, { detail: "network" });
  }
  const text = await response.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    // Not JSON (a gateway's error page): the status alone tells what happened.
  }
  if (!response.ok) throw new ApiError(response.status, data || {}, Number(response.headers.get("retry-after")) || null);
  return data;
}

/** Calls the API as the signed-in person, refreshing an expired token once. */
export async function api(method, path, body, headers = {}) {
  try {
    return await send(method, path, body, accessToken, headers);
  } catch (error) {
    if (error.status === 401 && accessToken && (await restore())) {
      return send(method, path, body, accessToken, headers);
    }
    throw error;
  }
}

/** Calls the API without credentials (guests, sign-in). */
export function anonymous(method, path, body) {
  return send(method, path, body, null);
}

/**
 * Calls the API with a ticket's access key (guests, invited people). The key
 * goes in a header, never in the URL, so no access log records it.
 */
export function withAccessKey(key, method, path, body) {
  return send(method, path, body, null, { authorization: `AccessKey ${key}` });
}

export async function signIn(email, password) {
  remember(await send("POST", "/auth/login", { email, password }, null));
  return account;
}

/** Picks the session up again from the refresh cookie, if there is one. */
export async function restore() {
  try {
    remember(await send("POST", "/auth/refresh", undefined, null));
    return true;
  } catch {
    accessToken = null;
    account = null;
    return false;
  }
}

export async function signOut() {
  try {
    await send("POST", "/auth/logout", undefined, null);
  } finally {
    accessToken = null;
    account = null;
  }
}
