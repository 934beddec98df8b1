// The node's REST API (`/v1`): JSON fetches, paging through listings, and a short-lived
// cache for the reference data every page needs (organizations, validators, calendars).

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** GET `/v1` + `path`, with `params` as the query; throws ApiError with the node's message. */
export async function get(path, params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params || {})) if (v !== undefined && v !== null && v !== '') q.set(k, v);
  const qs = q.toString();
  const res = await fetch(`/v1${path}${qs ? `?${qs}` : ''}`, { headers: { accept: 'application/json' } });
  let body = null;
  try {
    body = await res.json();
  } catch {
    throw new ApiError(res.status, 'bad_json', `${path}: the node answered ${res.status} without JSON`);
  }
  if (!res.ok) throw new ApiError(res.status, body?.error?.code || 'error', body?.error?.message || `HTTP ${res.status}`);
  return body;
}

/** Every item of a paginated listing (pages of 500, following `next`). */
export async function all(path, params = {}, max = 100000) {
  const items = [];
  let after;
  for (;;) {
    const page = await get(path, { ...params, limit: 500, after });
    items.push(...page.items);
    if (!page.next || items.length >= max) return items;
    after = page.next;
  }
}

const cache = new Map();
const TTL_MS = 15000;

/** `fn()` remembered under `key` for a few seconds. */
export function cached(key, fn) {
  const hit = cache.get(key);
  if (hit && Date.now() - hit.at < TTL_MS) return hit.value;
  const value = fn();
  cache.set(key, { at: Date.now(), value });
  value.catch(() => cache.delete(key));
  return value;
}

export function clearCache() {
  cache.clear();
}

/** Organizations with lookups by credit code and by member key. */
export function directory() {
  return cached('directory', async () => {
    const orgs = await all('/organizations');
    const byCode = new Map(orgs.map((o) => [o.credit_code, o]));
    const byKey = new Map();
    for (const o of orgs) for (const m of o.members) byKey.set(m.key, { org: o, member: m });
    return { orgs, byCode, byKey };
  });
}

export const validators = () => cached('validators', () => get('/validators'));
export const calendars = () => cached('calendars', () => get('/calendars'));
export const scorecards = () => cached('scorecards', () => get('/scorecards'));
export const catalogAll = () => cached('catalog', () => all('/catalog'));
export const parameters = () => cached('parameters', () => get('/parameters'));
