// Small helpers shared by the pages: safe HTML templates, time and working-day
// arithmetic in China Standard Time, badges, links, CSV.

import { t, lang, localName, enumLabel } from './i18n.js';

class Raw {
  constructor(s) { this.s = s; }
  toString() { return this.s; }
}

/** Marks trusted markup so `html` does not escape it. */
export const raw = (s) => new Raw(String(s));

export function esc(v) {
  return String(v ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));
}

function part(v) {
  if (v instanceof Raw) return v.s;
  if (Array.isArray(v)) return v.map(part).join('');
  if (v === null || v === undefined || v === false) return '';
  return esc(v);
}

/** Tagged template: interpolations are escaped unless `raw`; arrays are joined. */
export function html(strings, ...values) {
  let out = strings[0];
  values.forEach((v, i) => { out += part(v) + strings[i + 1]; });
  return new Raw(out);
}

export const CST_OFFSET_MS = 8 * 3600 * 1000;
export const DAY_MS = 86400000;

/** CST day number (days since 1970-01-01) of a time. */
export const cstDay = (ms) => Math.floor((ms + CST_OFFSET_MS) / DAY_MS);
/** The first instant after CST day `day` ends. */
export const endOfDay = (day) => (day + 1) * DAY_MS - CST_OFFSET_MS;
/** Midnight CST of a `YYYY-MM-DD` date, in ms. */
export function cstMidnight(date) {
  const [y, m, d] = date.split('-').map(Number);
  return Date.UTC(y, m - 1, d) - CST_OFFSET_MS;
}
function isoOfDay(day) {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

function pad(n) { return String(n).padStart(2, '0'); }

/** `YYYY-MM-DD HH:MM:SS`, China time. */
export function fmtTime(ms) {
  if (ms === null || ms === undefined) return '—';
  const d = new Date(ms + CST_OFFSET_MS);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}

/** `YYYY-MM-DD`, China time. */
export function fmtDate(ms) {
  if (ms === null || ms === undefined) return '—';
  return fmtTime(ms).slice(0, 10);
}

export function fmtNum(n) {
  return Number(n ?? 0).toLocaleString(lang() === 'zh' ? 'zh-CN' : 'en-US');
}

/** "3 minutes ago" style age. */
export function ago(ms, now = Date.now()) {
  const s = Math.round((now - ms) / 1000);
  if (s < 0) return t('time.future');
  if (s < 60) return t('time.seconds', { n: s });
  if (s < 3600) return t('time.minutes', { n: Math.floor(s / 60) });
  if (s < 86400) return t('time.hours', { n: Math.floor(s / 3600) });
  return t('time.days', { n: Math.floor(s / 86400) });
}

export function short(h, head = 10, tail = 6) {
  const s = String(h ?? '');
  return s.length > head + tail + 1 ? `${s.slice(0, head)}…${s.slice(-tail)}` : s;
}

/** Working days per the runtime's rules: Monday to Friday, minus the calendar's holidays,
 * plus its make-up working days. `calendars` is the list from `/v1/calendars`. */
export function workdayChecker(calendars) {
  const holidays = new Set();
  const makeup = new Set();
  for (const c of calendars || []) {
    c.holidays.forEach((d) => holidays.add(d));
    c.makeup_workdays.forEach((d) => makeup.add(d));
  }
  return (day) => {
    const iso = isoOfDay(day);
    if (makeup.has(iso)) return true;
    if (holidays.has(iso)) return false;
    const wd = new Date(day * DAY_MS).getUTCDay();
    return wd !== 0 && wd !== 6;
  };
}

/** Working days left until `due` (the end of its last working day), counting today when
 * it is a working day. 0 when the deadline has passed. */
export function workdaysLeft(due, isWorkday, now = Date.now()) {
  if (now >= due) return 0;
  const last = cstDay(due - 1);
  let n = 0;
  for (let d = cstDay(now); d <= last && n < 1000; d++) if (isWorkday(d)) n++;
  return n;
}

/** Working days from `from` to `to` (days after `from`'s day, up to `to`'s day). */
export function workdaysBetween(from, to, isWorkday) {
  let n = 0;
  for (let d = cstDay(from) + 1; d <= cstDay(to) && n < 10000; d++) if (isWorkday(d)) n++;
  return n;
}

export function badge(cls, text, title) {
  return html`<span class="badge badge-${cls}"${title ? raw(` title="${esc(title)}"`) : ''}>${text}</span>`;
}

/** The status of a share request as one of pending / overdue / granted / late / rejected / withdrawn. */
export function requestState(r, now = Date.now()) {
  const st = typeof r.status === 'string' ? r.status : Object.keys(r.status)[0];
  if (st === 'pending') return r.overdue || now >= r.answer_due ? 'overdue' : 'pending';
  return st;
}

export function requestBadge(r, now = Date.now()) {
  const st = requestState(r, now);
  const out = [badge(st, enumLabel('request_status', st))];
  if (st !== 'overdue' && st !== 'pending' && st !== 'withdrawn' && r.decided_at && r.decided_at >= r.answer_due) {
    out.push(' ', badge('late', t('req.answered_late')));
  }
  return html`${out}`;
}

/** The deadline cell: remaining working days, "overdue", or when it was answered. */
export function deadlineCell(r, isWorkday, now = Date.now()) {
  const st = requestState(r, now);
  if (st === 'pending') {
    const left = workdaysLeft(r.answer_due, isWorkday, now);
    const cls = left <= 2 ? 'deadline-soon' : 'deadline-ok';
    return html`<span class="${cls}">${t('req.workdays_left', { n: left })}</span><div class="muted small">${t('req.due')} ${fmtDate(r.answer_due - 1)}</div>`;
  }
  if (st === 'overdue') {
    const late = workdaysBetween(r.answer_due - 1, now, isWorkday);
    return html`<span class="deadline-overdue">${t('req.overdue_by', { n: late })}</span><div class="muted small">${t('req.due')} ${fmtDate(r.answer_due - 1)}</div>`;
  }
  if (r.decided_at) {
    const onTime = r.decided_at < r.answer_due;
    return html`<span class="${onTime ? 'deadline-ok' : 'deadline-overdue'}">${onTime ? t('req.on_time') : t('req.late')}</span><div class="muted small">${t('req.answered')} ${fmtDate(r.decided_at)}</div>`;
  }
  return html`<span class="muted">${t('req.due')} ${fmtDate(r.answer_due - 1)}</span>`;
}

export const link = (href, text, cls = '') => html`<a href="${href}"${cls ? raw(` class="${cls}"`) : ''}>${text}</a>`;
export const blockLink = (h) => link(`#/block/${h}`, `#${h}`);
export const txLink = (h, n = 10) => link(`#/tx/${h}`, short(h, n, 6), 'mono');
export const entryLink = (id, name) => link(`#/entry/${id}`, name ? `${localName(name)}` : `#${id}`);
export const requestLink = (id) => link(`#/request/${id}`, `#${id}`);
export const grantLink = (id) => link(`#/grant/${id}`, `#${id}`);

/** Builds `#/path?k=v` from a params object, dropping empty values. */
export function hashWith(path, params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params || {})) if (v !== undefined && v !== null && v !== '') q.set(k, v);
  const s = q.toString();
  return `#${path}${s ? `?${s}` : ''}`;
}

/** RFC 4180 CSV, with a BOM so that spreadsheet programs read the Chinese text right. */
export function toCSV(header, rows) {
  const cell = (v) => {
    const s = String(v ?? '');
    return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return '\uFEFF' + [header, ...rows].map((r) => r.map(cell).join(',')).join('\r\n') + '\r\n';
}

export function download(filename, text, type = 'text/csv;charset=utf-8') {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** A key/value table. `rows` is a list of [label, value] pairs; falsy rows are skipped. */
export function kv(rows) {
  return html`<table class="kv"><tbody>${rows.filter(Boolean).map(([k, v]) => html`<tr><th>${k}</th><td>${v}</td></tr>`)}</tbody></table>`;
}

/** A data table with a header; `empty` is shown when there are no rows. */
export function table(headers, rows, { empty, cls = '', id = '' } = {}) {
  if (!rows.length) return html`<p class="empty">${empty || t('common.none')}</p>`;
  return html`<div class="table-wrap"><table class="data ${cls}"${id ? raw(` id="${esc(id)}"`) : ''}><thead><tr>${headers.map((h) => html`<th>${h}</th>`)}</tr></thead><tbody>${rows.map((r) => html`<tr>${r.map((c) => html`<td>${c}</td>`)}</tr>`)}</tbody></table></div>`;
}

export function section(title, body, extra = '') {
  return html`<section class="card"><div class="card-head"><h2>${title}</h2>${extra}</div>${body}</section>`;
}

export function stat(label, value, sub = '', cls = '') {
  return html`<div class="stat ${cls}"><div class="stat-label">${label}</div><div class="stat-value">${value}</div>${sub ? html`<div class="stat-sub">${sub}</div>` : ''}</div>`;
}

/** The enum variant name of an externally tagged serde value (`"open"` or `{"passed": {...}}`). */
export function variant(v) {
  return typeof v === 'string' ? v : Object.keys(v || {})[0];
}
export function variantBody(v) {
  return typeof v === 'string' ? {} : Object.values(v || {})[0] || {};
}
