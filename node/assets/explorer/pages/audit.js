// The access audit trail (谁来拿数据, 拿数据干什么): every delivery of data under a grant,
// filtered by organization, entry, purpose and date range, with a CSV export and a
// chart of accesses per entry.

import { all, directory, catalogAll } from '../api.js';
import { t, localName } from '../i18n.js';
import { barChart } from '../charts.js';
import { html, fmtTime, fmtNum, short, table, section, link, hashWith, entryLink, grantLink, blockLink, stat, toCSV, download, cstMidnight, DAY_MS, fmtDate } from '../util.js';

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** The API's filter from the page's query (dates are China-time days, `to` inclusive). */
export function apiFilter(q) {
  return {
    accessor_org: q.accessor_org,
    provider: q.provider,
    entry: q.entry,
    purpose: q.purpose,
    from: DATE.test(q.from || '') ? cstMidnight(q.from) : undefined,
    to: DATE.test(q.to || '') ? cstMidnight(q.to) + DAY_MS : undefined,
  };
}

export async function page(_p, q) {
  const [dir, entries, events] = await Promise.all([directory(), catalogAll(), all('/access-events', apiFilter(q))]);
  const names = new Map(entries.map((e) => [e.id, e.spec.name]));
  const orgName = (c) => localName(dir.byCode.get(c)?.name || c);
  const rows = events.map((a) => [
    `#${a.id}`,
    fmtTime(a.time),
    link(`#/org/${a.accessor_org}`, orgName(a.accessor_org)),
    html`<span class="mono small" title="${a.accessor}">${short(a.accessor, 8, 4)}</span>`,
    link(`#/org/${a.provider}`, orgName(a.provider)),
    entryLink(a.entry_id, names.get(a.entry_id)),
    a.fields.join(', '),
    fmtNum(a.rows),
    a.purpose,
    grantLink(a.grant_id),
    blockLink(a.height),
  ]);
  const perEntry = new Map();
  for (const a of events) {
    const x = perEntry.get(a.entry_id) || { n: 0, rows: 0 };
    x.n += 1;
    x.rows += a.rows;
    perEntry.set(a.entry_id, x);
  }
  const chartItems = [...perEntry.entries()]
    .sort((a, b) => b[1].n - a[1].n || a[0] - b[0])
    .slice(0, 15)
    .map(([id, x]) => ({
      label: localName(names.get(id) || `#${id}`),
      value: x.n,
      title: `${localName(names.get(id) || `#${id}`)}: ${t('audit.chart_title', { n: x.n, rows: fmtNum(x.rows) })}`,
      href: `#/entry/${id}`,
    }));
  const orgOptions = (name) => html`<select name="${name}"><option value="">${t('common.all')}</option>${dir.orgs.map((o) => html`<option value="${o.credit_code}"${o.credit_code === q[name] ? html` selected` : ''}>${localName(o.name)}</option>`)}</select>`;
  const form = html`<form id="audit-filter" class="filters">
    <label>${t('audit.accessor_org')}${orgOptions('accessor_org')}</label>
    <label>${t('audit.provider')}${orgOptions('provider')}</label>
    <label>${t('audit.entry')}<select name="entry"><option value="">${t('common.all')}</option>${entries.map((e) => html`<option value="${e.id}"${String(e.id) === q.entry ? html` selected` : ''}>#${e.id} ${localName(e.spec.name)}</option>`)}</select></label>
    <label>${t('audit.purpose')}<input name="purpose" type="search" value="${q.purpose || ''}" placeholder="${t('audit.purpose_hint')}"></label>
    <label>${t('audit.from')}<input name="from" type="date" value="${q.from || ''}"></label>
    <label>${t('audit.to')}<input name="to" type="date" value="${q.to || ''}"></label>
    <button type="submit" id="audit-apply">${t('audit.apply')}</button>
    <a class="button ghost" href="#/audit">${t('common.reset')}</a>
  </form>`;
  const totalRows = events.reduce((s, a) => s + a.rows, 0);
  const body = html`
    ${section(t('audit.title'), html`<p class="muted">${t('audit.intro')}</p>${form}
      <div class="stats compact">
        ${stat(t('audit.events'), html`<span id="audit-count">${events.length}</span>`)}
        ${stat(t('audit.rows_total'), fmtNum(totalRows))}
        ${stat(t('audit.orgs'), new Set(events.map((a) => a.accessor_org)).size)}
        ${stat(t('audit.entries'), perEntry.size)}
      </div>
      ${table([t('audit.id'), t('audit.time'), t('audit.accessor_org'), t('audit.accessor'), t('audit.provider'), t('audit.entry'), t('audit.fields'), t('audit.rows'), t('audit.purpose'), t('audit.grant'), t('audit.block')], rows, { id: 'audit-table', empty: t('audit.empty') })}`,
      html`<button type="button" id="export-csv" ${events.length ? '' : 'disabled'}>${t('audit.export')}</button>`)}
    ${section(t('audit.per_entry'), chartItems.length ? barChart({ id: 'accesses-chart', items: chartItems }) : html`<p class="empty">${t('audit.empty')}</p>`)}
  `;
  return {
    html: body,
    title: t('nav.audit'),
    mount(root) {
      const f = root.querySelector('#audit-filter');
      const apply = () => {
        location.hash = hashWith('/audit', Object.fromEntries(new FormData(f)));
      };
      f.addEventListener('submit', (ev) => {
        ev.preventDefault();
        apply();
      });
      f.querySelectorAll('select').forEach((s) => s.addEventListener('change', apply));
      root.querySelector('#export-csv').addEventListener('click', () => {
        const header = ['id', 'time_cst', 'block_height', 'accessor_org', 'accessor_org_name', 'accessor_key', 'provider', 'provider_name', 'entry_id', 'entry_name', 'grant_id', 'fields', 'rows', 'purpose', 'query_digest'];
        const data = events.map((a) => [
          a.id, fmtTime(a.time), a.height, a.accessor_org, dir.byCode.get(a.accessor_org)?.name || '', a.accessor, a.provider,
          dir.byCode.get(a.provider)?.name || '', a.entry_id, names.get(a.entry_id) || '', a.grant_id, a.fields.join(';'), a.rows, a.purpose, a.query_digest,
        ]);
        const stamp = fmtDate(Date.now()).replace(/-/g, '');
        download(`kuai-access-audit-${stamp}.csv`, toCSV(header, data));
      });
    },
  };
}
