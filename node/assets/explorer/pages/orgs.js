// Organizations: the consortium's members with their department scorecards (§8.5),
// and one organization with its keys, catalog, requests and grants.

import { get, all, directory, scorecards, catalogAll, calendars } from '../api.js';
import { t, localName, enumLabel } from '../i18n.js';
import { stackedBars } from '../charts.js';
import { html, fmtNum, short, badge, table, section, kv, link, stat, blockLink, entryLink, requestLink, grantLink, requestBadge, deadlineCell, workdayChecker, fmtDate } from '../util.js';

const pct = (c) => {
  const answered = c.requests_answered_on_time + c.requests_answered_late;
  return answered ? Math.floor((c.requests_answered_on_time * 100) / answered) : 100;
};

/** Requests answered on time, late, and pending past the deadline, per department. */
export function timelinessChart(dir, cards) {
  return stackedBars({
    id: 'timeliness-chart',
    series: [{ name: t('score.on_time') }, { name: t('score.late') }, { name: t('score.overdue_now') }],
    items: cards.map((c) => ({
      label: localName(dir.byCode.get(c.organization)?.name || c.organization),
      parts: [c.requests_answered_on_time, c.requests_answered_late, c.requests_overdue],
    })),
  });
}

function scoreRows(dir, cards) {
  return cards.map((c) => {
    const org = dir.byCode.get(c.organization);
    const p = pct(c);
    const upToDate = c.entries_published - Math.max(c.entries_update_overdue, c.entries_review_overdue);
    return [
      link(`#/org/${c.organization}`, localName(org?.name || c.organization)),
      html`${fmtNum(c.entries_published)}${upToDate < c.entries_published ? html` <span class="deadline-overdue small">(${t('score.stale', { n: c.entries_published - upToDate })})</span>` : ''}`,
      fmtNum(c.requests_received),
      html`<div class="meter"><span style="width:${p}%" class="${p >= 90 ? 'ok' : p >= 60 ? 'mid' : 'low'}"></span></div> ${p}%`,
      c.requests_overdue ? html`<span class="deadline-overdue">${c.requests_overdue}</span>` : '0',
      html`${c.objections_resolved}/${c.objections_received}${c.objections_overdue ? html` <span class="deadline-overdue small">(${t('score.overdue_n', { n: c.objections_overdue })})</span>` : ''}`,
      fmtNum(c.accesses_served),
      fmtNum(c.rows_served),
      fmtNum(c.requests_submitted),
    ];
  });
}

export async function list() {
  const [dir, cards] = await Promise.all([directory(), scorecards()]);
  const orgRows = dir.orgs.map((o) => [
    link(`#/org/${o.credit_code}`, localName(o.name)),
    html`<span class="mono">${o.credit_code}</span>`,
    badge(`kind-${o.kind}`, enumLabel('org_kind', o.kind)),
    o.members.filter((m) => !m.removed_height).length,
    o.approval_threshold,
    o.registered_height ? blockLink(o.registered_height) : t('org.genesis'),
    o.removed_height ? badge('rejected', t('org.removed')) : badge('granted', t('org.active')),
  ]);
  const body = html`
    ${section(t('score.title'), html`<p class="muted">${t('score.intro')}</p>${table(
      [t('org.name'), t('score.entries'), t('score.received'), t('score.on_time_pct'), t('score.overdue_now'), t('score.objections'), t('score.accesses'), t('score.rows'), t('score.submitted')],
      scoreRows(dir, cards),
      { id: 'scorecards' },
    )}`)}
    ${section(t('score.chart'), timelinessChart(dir, cards))}
    ${section(t('org.title'), table([t('org.name'), t('org.code'), t('org.kind'), t('org.keys'), t('org.threshold'), t('org.registered'), t('org.status')], orgRows, { id: 'org-list' }))}
  `;
  return { html: body, title: t('nav.orgs') };
}

export async function detail({ code }) {
  const [dir, org, entries, submitted, received, grants, cals] = await Promise.all([
    directory(),
    get(`/organizations/${encodeURIComponent(code)}`),
    catalogAll(),
    all('/share-requests', { requester: code }),
    all('/share-requests', { provider: code }),
    all('/grants', { grantee: code }),
    calendars(),
  ]);
  const card = org.kind === 'department' ? await get(`/organizations/${encodeURIComponent(code)}/scorecard`) : null;
  const isWorkday = workdayChecker(cals);
  const names = new Map(entries.map((e) => [e.id, e.spec.name]));
  const own = entries.filter((e) => e.provider === code);
  const memberRows = org.members.map((m) => [
    html`<span class="mono" title="${m.key}">${short(m.key, 16, 8)}</span>`,
    enumLabel('role', m.role),
    blockLink(m.added_height),
    m.removed_height ? html`${badge('withdrawn', t('org.key_removed'))} ${blockLink(m.removed_height)}` : badge('granted', t('org.active')),
    m.rotated_from ? html`<span class="mono">${short(m.rotated_from)}</span>` : '—',
  ]);
  const reqRows = (list, other) => list.map((r) => [
    requestLink(r.id),
    entryLink(r.entry_id, names.get(r.entry_id)),
    link(`#/org/${r[other]}`, localName(dir.byCode.get(r[other])?.name || r[other])),
    fmtDate(r.submitted_at),
    deadlineCell(r, isWorkday),
    requestBadge(r),
  ]);
  const body = html`
    ${section(html`${localName(org.name)} ${badge(`kind-${org.kind}`, enumLabel('org_kind', org.kind))}`, kv([
      [t('org.code'), html`<span class="mono">${org.credit_code}</span>`],
      [t('org.full_name'), org.name],
      [t('org.threshold'), t('org.threshold_text', { k: org.approval_threshold })],
      [t('org.registered'), org.registered_height ? blockLink(org.registered_height) : t('org.genesis')],
      [t('org.status'), org.removed_height ? badge('rejected', t('org.removed')) : badge('granted', t('org.active'))],
    ]))}
    ${card ? section(t('score.title'), html`<div class="stats">
      ${stat(t('score.entries'), card.entries_published, t('score.stale', { n: Math.max(card.entries_update_overdue, card.entries_review_overdue) }))}
      ${stat(t('score.on_time_pct'), `${pct(card)}%`, t('score.answered', { on: card.requests_answered_on_time, late: card.requests_answered_late }))}
      ${stat(t('score.overdue_now'), card.requests_overdue, '', card.requests_overdue ? 'warn' : '')}
      ${stat(t('score.objections'), `${card.objections_resolved}/${card.objections_received}`, card.objections_overdue ? t('score.overdue_n', { n: card.objections_overdue }) : '')}
      ${stat(t('score.accesses'), fmtNum(card.accesses_served), t('overview.rows', { n: fmtNum(card.rows_served) }))}
      ${stat(t('score.submitted'), card.requests_submitted, t('score.made', { n: card.accesses_made }))}
    </div>`) : ''}
    ${section(t('org.members'), table([t('val.key'), t('org.role'), t('org.added'), t('org.status'), t('org.rotated_from')], memberRows))}
    ${own.length ? section(t('org.entries'), table([t('entry.id'), t('entry.name'), t('entry.share_type'), t('entry.open_mode')], own.map((e) => [
      `#${e.id}`, entryLink(e.id, e.spec.name), badge(e.spec.share_type, enumLabel('share_type', e.spec.share_type)), badge(`open-${e.spec.open_mode}`, enumLabel('open_mode', e.spec.open_mode)),
    ])), link(`#/catalog?provider=${code}`, t('org.in_catalog'), 'more')) : ''}
    ${received.length ? section(t('org.received'), table([t('req.id'), t('req.entry'), t('req.requester'), t('req.submitted'), t('req.deadline'), t('req.status')], reqRows(received, 'requester'))) : ''}
    ${section(t('org.submitted'), table([t('req.id'), t('req.entry'), t('req.provider'), t('req.submitted'), t('req.deadline'), t('req.status')], reqRows(submitted, 'provider')))}
    ${section(t('org.grants'), table([t('grant.id'), t('req.entry'), t('grant.fields'), t('grant.expires'), t('grant.usage')], grants.map((g) => [
      grantLink(g.id), entryLink(g.entry_id, names.get(g.entry_id)), g.fields.join(', '), fmtDate(g.expires_at),
      `${fmtNum(g.rows_used)}${g.quota_rows ? ` / ${fmtNum(g.quota_rows)}` : ''}`,
    ])), link(`#/audit?accessor_org=${code}`, t('org.audit'), 'more'))}
  `;
  return { html: body, title: localName(org.name) };
}
