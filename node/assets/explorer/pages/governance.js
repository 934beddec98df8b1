// Governance: proposals with their votes, the policy contracts the consortium admitted
// (code and the departments' instances bound to catalog entries), the validator set, the
// governed parameters and the holiday calendars that drive the working-day clocks.

import { all, directory, validators, parameters, calendars } from '../api.js';
import { t, localName, enumLabel, fieldLabel } from '../i18n.js';
import { html, fmtTime, fmtDate, short, badge, table, section, kv, link, blockLink, variant, variantBody } from '../util.js';

function actionSummary(dir, action) {
  const kind = variant(action);
  const b = variantBody(action);
  let detail = '';
  if (kind === 'add_organization') detail = html`${localName(b.name)} <span class="mono muted">${b.credit_code}</span> · ${enumLabel('org_kind', b.kind)}`;
  else if (kind === 'remove_organization') detail = localName(dir.byCode.get(b.credit_code)?.name || b.credit_code);
  else if (kind === 'add_validator') detail = html`<span class="mono">${short(b.key)}</span> · ${localName(dir.byCode.get(b.operator)?.name || b.operator)}`;
  else if (kind === 'remove_validator') detail = html`<span class="mono">${short(b.key)}</span>`;
  else if (kind === 'set_holiday_calendar') detail = t('gov.calendar_detail', { year: b.year, h: b.holidays.length, m: b.makeup_workdays.length });
  else if (kind === 'set_parameters') detail = Object.entries(b).map(([k, v]) => `${fieldLabel(k)} = ${v}`).join('; ');
  else if (kind === 'approve_contract_code') detail = html`<span class="mono">${short(b.code_hash)}</span>${dir.codes?.get(b.code_hash) ? html` · ${dir.codes.get(b.code_hash).name}` : ''}`;
  return html`<strong>${enumLabel('proposal_action', kind)}</strong><div class="small">${detail}</div>`;
}

function statusBadge(p) {
  const s = variant(p.status);
  const b = variantBody(p.status);
  const cls = { open: 'pending', passed: 'granted', rejected: 'rejected', expired: 'withdrawn', failed: 'rejected' }[s];
  return html`${badge(cls, enumLabel('proposal_status', s), b.reason)}${b.height ? html` ${blockLink(b.height)}` : ''}`;
}

export async function page() {
  const [dir, proposals, vals, params, cals, codes, instances] = await Promise.all([directory(), all('/proposals'), validators(), parameters(), calendars(), all('/contracts/code'), all('/contracts/instances')]);
  dir.codes = new Map(codes.map((c) => [c.hash, c]));
  const orgName = (c) => localName(dir.byCode.get(c)?.name || c);
  const rows = [...proposals].sort((a, b) => b.id - a.id).map((p) => {
    const pct = Math.min(100, Math.round((p.approvals.length * 100) / Math.max(1, p.required)));
    return [
      `#${p.id}`,
      actionSummary(dir, p.action),
      link(`#/org/${p.proposer}`, orgName(p.proposer)),
      html`${fmtDate(p.submitted_at)}<div class="muted small">${t('gov.deadline')} ${fmtTime(p.deadline)}</div>`,
      html`<div class="meter"><span style="width:${pct}%" class="${pct >= 100 ? 'ok' : 'mid'}"></span></div> ${t('gov.votes', { a: p.approvals.length, r: p.required })}${p.rejections.length ? html` · <span class="deadline-overdue">${t('gov.against', { n: p.rejections.length })}</span>` : ''}
        <details><summary>${t('gov.voters')}</summary><ul class="plain">${p.approvals.map((c) => html`<li>✔ ${orgName(c)}</li>`)}${p.rejections.map((c) => html`<li>✘ ${orgName(c)}</li>`)}</ul></details>`,
      statusBadge(p),
    ];
  });
  const codeRows = codes.map((c) => [
    c.name,
    html`<span class="mono" title="${c.hash}">${short(c.hash)}</span>`,
    t('contract.bytes', { n: c.size }),
    link(`#/org/${c.uploaded_by}`, orgName(c.uploaded_by)),
    c.approved_by_proposal ? badge('granted', t('contract.approved', { id: c.approved_by_proposal })) : badge('pending', t('contract.awaiting')),
  ]);
  const instanceRows = instances.map((i) => [
    `#${i.id}`,
    html`${i.label}<details><summary>${t('contract.params')}</summary><pre class="small">${i.params}</pre></details>`,
    link(`#/org/${i.owner}`, orgName(i.owner)),
    dir.codes.get(i.code_hash)?.name || short(i.code_hash),
    html`v${i.version}${i.history.length > 1 ? html` <span class="muted small">${t('contract.versions', { n: i.history.length })}</span>` : ''}`,
    i.entries.length ? html`${i.entries.map((e) => html`<a href="#/entry/${e}">#${e}</a> `)}` : html`<span class="muted">${t('contract.unbound')}</span>`,
  ]);
  const valRows = vals.map((v) => [html`<span class="mono">${v.key}</span>`, link(`#/org/${v.operator}`, orgName(v.operator))]);
  const calRows = cals.map((c) => [c.year, c.holidays.length, c.makeup_workdays.length, html`<details><summary>${t('gov.dates')}</summary><div class="small">${t('gov.holidays')}: ${c.holidays.join(', ')}</div><div class="small">${t('gov.makeup')}: ${c.makeup_workdays.join(', ')}</div></details>`]);
  const body = html`
    ${section(t('gov.proposals'), html`<p class="muted">${t('gov.intro', { pct: params.governance_threshold_percent })}</p>${table([t('gov.id'), t('gov.action'), t('gov.proposer'), t('gov.submitted'), t('gov.votes_h'), t('gov.status')], rows, { id: 'proposals' })}`)}
    ${section(t('contract.title'), html`<p class="muted">${t('contract.intro')}</p>
      ${table([t('contract.id'), t('contract.label'), t('contract.owner'), t('contract.code'), t('contract.version'), t('contract.entries')], instanceRows, { id: 'contract-instances', empty: t('contract.none') })}
      ${table([t('contract.code'), t('contract.hash'), t('contract.size'), t('contract.uploader'), t('gov.status')], codeRows, { id: 'contract-code', empty: t('contract.none') })}`)}
    <div class="grid2">
      ${section(t('gov.parameters'), kv(Object.entries(params).map(([k, v]) => [fieldLabel(k), v])))}
      ${section(t('gov.validators'), html`${table([t('val.key'), t('val.operator')], valRows)}<p class="muted small">${t('gov.validator_note', { d: params.validator_change_delay })}</p>`)}
    </div>
    ${section(t('gov.calendars'), table([t('gov.year'), t('gov.holidays'), t('gov.makeup'), ''], calRows, { empty: t('gov.no_calendars') }))}
  `;
  return { html: body, title: t('nav.governance') };
}
