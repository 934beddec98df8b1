// Share requests (§5): the list by lifecycle state with deadlines in working days,
// one request followed from submission to grant, and a grant with its accesses.

import { get, all, directory, catalogAll, calendars, scorecards } from '../api.js';
import { t, localName, enumLabel } from '../i18n.js';
import { timelinessChart } from './orgs.js';
import { html, fmtTime, fmtDate, fmtNum, short, badge, table, section, kv, link, hashWith, entryLink, requestLink, grantLink, blockLink, requestBadge, requestState, deadlineCell, workdayChecker, workdaysLeft, variant, variantBody } from '../util.js';

const STATES = ['all', 'pending', 'overdue', 'granted', 'late', 'rejected', 'withdrawn'];

function inState(r, st, now) {
  if (st === 'all' || !st) return true;
  if (st === 'late') return r.decided_at && r.decided_at >= r.answer_due && variant(r.status) !== 'withdrawn';
  return requestState(r, now) === st;
}

export async function list(_p, q) {
  const state = STATES.includes(q.state) ? q.state : 'all';
  const [dir, entries, reqs, cals, cards] = await Promise.all([
    directory(),
    catalogAll(),
    all('/share-requests', { provider: q.provider, requester: q.requester, entry: q.entry }),
    calendars(),
    scorecards(),
  ]);
  const now = Date.now();
  const isWorkday = workdayChecker(cals);
  const names = new Map(entries.map((e) => [e.id, e.spec.name]));
  const shown = reqs.filter((r) => inState(r, state, now)).sort((a, b) => b.id - a.id);
  const tabs = STATES.map((s) => {
    const n = reqs.filter((r) => inState(r, s, now)).length;
    return html`<a class="tab ${s === state ? 'active' : ''} ${s === 'overdue' && n ? 'tab-warn' : ''}" data-state="${s}" href="${hashWith('/requests', { ...q, state: s === 'all' ? '' : s })}">${enumLabel('request_tab', s)} <span class="count">${n}</span></a>`;
  });
  const orgName = (c) => localName(dir.byCode.get(c)?.name || c);
  const rows = shown.map((r) => [
    requestLink(r.id),
    entryLink(r.entry_id, names.get(r.entry_id)),
    link(`#/org/${r.requester}`, orgName(r.requester)),
    link(`#/org/${r.provider}`, orgName(r.provider)),
    enumLabel('channel', r.channel),
    fmtDate(r.submitted_at),
    deadlineCell(r, isWorkday, now),
    `${r.approvals.length}/${r.required_approvals}`,
    requestBadge(r, now),
  ]);
  const providers = [...new Set(reqs.map((r) => r.provider).concat(q.provider ? [q.provider] : []))];
  const filter = html`<form id="request-filter" class="filters">
    <input type="hidden" name="state" value="${state === 'all' ? '' : state}">
    <label>${t('req.provider')}<select name="provider"><option value="">${t('common.all')}</option>${providers.map((p) => html`<option value="${p}"${p === q.provider ? html` selected` : ''}>${orgName(p)}</option>`)}</select></label>
    <label>${t('req.requester')}<select name="requester"><option value="">${t('common.all')}</option>${dir.orgs.map((o) => html`<option value="${o.credit_code}"${o.credit_code === q.requester ? html` selected` : ''}>${localName(o.name)}</option>`)}</select></label>
    <a class="button ghost" href="#/requests">${t('common.reset')}</a>
  </form>`;
  const body = html`
    ${section(t('req.title'), html`<p class="muted">${t('req.intro')}</p>${filter}<div class="tabs">${tabs}</div>
      ${table([t('req.id'), t('req.entry'), t('req.requester'), t('req.provider'), t('req.channel'), t('req.submitted'), t('req.deadline'), t('req.approvals'), t('req.status')], rows, { id: 'request-table', empty: t('req.empty') })}`)}
    ${section(t('score.chart'), timelinessChart(dir, cards))}
  `;
  return {
    html: body,
    title: t('nav.requests'),
    mount(root) {
      const f = root.querySelector('#request-filter');
      f.addEventListener('change', () => {
        location.hash = hashWith('/requests', Object.fromEntries(new FormData(f)));
      });
    },
  };
}

function step(cls, title, body) {
  return html`<li class="step step-${cls}"><div class="step-dot"></div><div class="step-body"><div class="step-title">${title}</div>${body}</div></li>`;
}

export async function detail({ id }) {
  const [dir, r, cals] = await Promise.all([directory(), get(`/share-requests/${encodeURIComponent(id)}`), calendars()]);
  const [entry, grant] = await Promise.all([
    get(`/catalog/${r.entry_id}`),
    variant(r.status) === 'granted' ? get(`/grants/${variantBody(r.status).grant_id}`) : null,
  ]);
  const accesses = grant ? await all('/access-events', { grant: grant.id }) : [];
  const now = Date.now();
  const isWorkday = workdayChecker(cals);
  const st = requestState(r, now);
  const orgName = (c) => localName(dir.byCode.get(c)?.name || c);
  const approvers = r.approvals.map((k) => {
    const m = dir.byKey.get(k);
    return html`<li>${m ? html`${localName(m.org.name)} · ${enumLabel('role', m.member.role)}` : ''} <span class="mono muted">${short(k)}</span></li>`;
  });
  const decided = ['granted', 'rejected', 'withdrawn'].includes(st);
  const late = r.decided_at && r.decided_at >= r.answer_due;
  const reviewBody = html`
    <div>${t('req.approvals_progress', { k: r.approvals.length, n: r.required_approvals })}</div>
    ${approvers.length ? html`<ul class="plain">${approvers}</ul>` : ''}
    <div class="muted small">${t('req.due')} ${fmtDate(r.answer_due - 1)}${st === 'pending' ? html` · <span class="deadline-ok">${t('req.workdays_left', { n: workdaysLeft(r.answer_due, isWorkday, now) })}</span>` : ''}</div>`;
  let decision;
  if (st === 'granted') decision = step(late ? 'late' : 'done', t('req.step_granted'), html`<div>${fmtTime(r.decided_at)} · ${late ? html`<span class="deadline-overdue">${t('req.late')}</span>` : html`<span class="deadline-ok">${t('req.on_time')}</span>`}</div>`);
  else if (st === 'rejected') decision = step('failed', t('req.step_rejected'), html`<div>${fmtTime(r.decided_at)}</div><div class="reason">${variantBody(r.status).reason}</div>`);
  else if (st === 'withdrawn') decision = step('failed', t('req.step_withdrawn'), html`<div class="muted">${t('req.withdrawn_note')}</div>`);
  else if (st === 'overdue') decision = step('overdue', t('req.step_overdue'), html`<div class="deadline-overdue">${t('req.overdue_note')}</div>`);
  else decision = step('todo', t('req.step_decision'), html`<div class="muted">${t('req.waiting')}</div>`);
  const grantStep = grant
    ? step('done', t('req.step_grant'), html`<div>${grantLink(grant.id)} · ${t('grant.expires')} ${fmtDate(grant.expires_at)} · ${t('grant.usage')} ${fmtNum(grant.rows_used)}${grant.quota_rows ? ` / ${fmtNum(grant.quota_rows)}` : ''}</div>`)
    : step('todo', t('req.step_grant'), html`<div class="muted">—</div>`);
  const body = html`
    ${section(html`${t('req.one', { id: r.id })} <span id="request-status">${requestBadge(r, now)}</span>`, html`
      <ol class="lifecycle" id="lifecycle">
        ${step('done', t('req.step_submitted'), html`<div>${fmtTime(r.submitted_at)} · ${orgName(r.requester)}</div>`)}
        ${step(decided ? 'done' : st === 'overdue' ? 'overdue' : 'current', t('req.step_review'), reviewBody)}
        ${decision}
        ${grantStep}
      </ol>`)}
    ${section(t('req.details'), kv([
      [t('req.entry'), entryLink(entry.id, entry.spec.name)],
      [t('req.channel'), enumLabel('channel', r.channel)],
      [t('req.requester'), link(`#/org/${r.requester}`, orgName(r.requester))],
      [t('req.provider'), link(`#/org/${r.provider}`, orgName(r.provider))],
      [t('req.fields'), html`${r.fields.map((f) => html`<span class="chip mono">${f}</span>`)}${(r.raw_fields || []).length ? html` <span class="muted small">${t('req.raw', { f: r.raw_fields.join(', ') })}</span>` : ''}`],
      [t('req.purpose'), r.purpose],
      [t('req.legal_basis'), r.legal_basis],
      [t('req.period'), t('req.days', { n: r.period_days })],
      [t('req.submitted'), fmtTime(r.submitted_at)],
      [t('req.deadline'), deadlineCell(r, isWorkday, now)],
      ...(r.decided_by_contract ? [[t('req.decided_by'), html`<span id="decided-by">${link('#/governance', t('req.contract', { id: r.decided_by_contract }))}</span>`]] : []),
    ]))}
    ${grant ? section(t('req.grant'), grantView(dir, grant), link(`#/grant/${grant.id}`, t('grant.open'), 'more')) : ''}
    ${grant ? section(t('entry.accesses'), accessTable(dir, accesses)) : ''}
  `;
  // A pending request's page follows its approvals and answer as they commit.
  return { html: body, title: t('req.one', { id: r.id }), live: variant(r.status) === 'pending' };
}

function grantView(dir, g) {
  const maskRows = g.masking.map((m) => [html`<span class="mono">${m.field}</span>`, enumLabel('masking', m.rule)]);
  return html`<div id="grant-view">${kv([
    [t('grant.id'), html`<span id="grant-id">#${g.id}</span>`],
    [t('grant.grantee'), link(`#/org/${g.grantee}`, localName(dir.byCode.get(g.grantee)?.name || g.grantee))],
    [t('grant.purpose'), g.purpose],
    [t('grant.granted'), fmtTime(g.granted_at)],
    [t('grant.expires'), fmtTime(g.expires_at)],
    [t('grant.quota_rows'), `${fmtNum(g.rows_used)} / ${g.quota_rows ? fmtNum(g.quota_rows) : t('grant.unlimited')}`],
    [t('grant.quota_calls'), `${fmtNum(g.calls_used)} / ${g.quota_calls ? fmtNum(g.quota_calls) : t('grant.unlimited')}`],
    [t('req.status'), g.revoked ? html`${badge('rejected', t('grant.revoked'))} ${fmtTime(g.revoked.at)} · ${g.revoked.reason}` : g.expires_at <= Date.now() ? badge('withdrawn', t('grant.expired')) : badge('granted', t('grant.in_force'))],
  ])}${table([t('entry.field'), t('entry.masking')], maskRows)}</div>`;
}

function accessTable(dir, accesses) {
  return table([t('audit.id'), t('audit.time'), t('audit.accessor_org'), t('audit.fields'), t('audit.rows'), t('audit.purpose'), t('audit.block')], accesses.map((a) => [
    `#${a.id}`, fmtTime(a.time), localName(dir.byCode.get(a.accessor_org)?.name || a.accessor_org), a.fields.join(', '), fmtNum(a.rows), a.purpose, blockLink(a.height),
  ]));
}

export async function grant({ id }) {
  const [dir, g] = await Promise.all([directory(), get(`/grants/${encodeURIComponent(id)}`)]);
  const [entry, accesses] = await Promise.all([get(`/catalog/${g.entry_id}`), all('/access-events', { grant: g.id })]);
  const origin = g.request_id ? html`${t('grant.from_request')} ${requestLink(g.request_id)}` : html`${t('grant.from_agreement')} ${link('#/open', `#${g.agreement_id}`)}`;
  const body = html`
    ${section(html`${t('grant.title', { id: g.id })}`, html`<p>${origin} · ${t('req.entry')} ${entryLink(entry.id, entry.spec.name)} · ${t('req.provider')} ${link(`#/org/${g.provider}`, localName(dir.byCode.get(g.provider)?.name || g.provider))}</p>${grantView(dir, g)}`)}
    ${section(t('entry.accesses'), accessTable(dir, accesses), link(`#/audit?entry=${g.entry_id}`, t('entry.in_audit'), 'more'))}
  `;
  return { html: body, title: t('grant.title', { id: g.id }) };
}
