// The open data portal (§6): datasets open to all, datasets open on application with how
// to apply, what is not opened and why (incl. the negative list), contract-based
// opening agreements, and applications from outside bodies.

import { all, directory, catalogAll, parameters } from '../api.js';
import { t, localName, enumLabel } from '../i18n.js';
import { html, fmtDate, badge, table, section, link, entryLink, requestLink, grantLink, requestBadge, variant, variantBody, short } from '../util.js';

function datasetCard(dir, e) {
  return html`<article class="dataset">
    <h3>${entryLink(e.id, e.spec.name)}</h3>
    <div class="muted small">${localName(dir.byCode.get(e.provider)?.name || e.provider)} · ${e.spec.format} · ${t('entry.frequency')} ${e.spec.update_frequency}</div>
    <div class="chips">${e.spec.fields.map((f) => html`<span class="chip mono">${f.name}</span>`)}</div>
    <div class="small">${t('entry.methods')}: ${e.spec.share_methods.map((m) => enumLabel('method', m)).join('、')}</div>
    <div class="small muted">${e.spec.usage_requirements}</div>
  </article>`;
}

export async function page() {
  const [dir, entries, agreements, opening, params] = await Promise.all([
    directory(),
    catalogAll(),
    all('/agreements'),
    all('/share-requests').then((rs) => rs.filter((r) => r.channel === 'opening')),
    parameters(),
  ]);
  const orgName = (c) => localName(dir.byCode.get(c)?.name || c);
  const openNow = entries.filter((e) => e.spec.open_mode === 'open' && !e.negative_list_basis);
  const onApp = entries.filter((e) => e.spec.open_mode === 'on_application' && !e.negative_list_basis);
  const closed = entries.filter((e) => e.spec.open_mode === 'not_open' || e.negative_list_basis);
  const names = new Map(entries.map((e) => [e.id, e.spec.name]));
  const example = onApp[0];
  const cmd = `kuai request submit --key <applicant-app.key> --entry ${example ? example.id : '<id>'} \\\n  --fields ${example ? example.spec.fields.filter((f) => f.sensitivity !== 'sensitive').slice(0, 2).map((f) => f.name).join(',') : '<fields>'} \\\n  --purpose "<${t('open.cmd_purpose')}>" --legal-basis "<${t('open.cmd_basis')}>"`;
  const body = html`
    <section class="card hero">
      <h2>${t('open.title')}</h2>
      <p>${t('open.intro')}</p>
      <div class="stats compact">
        <div class="stat"><div class="stat-label">${t('open.n_open')}</div><div class="stat-value" id="open-count">${openNow.length}</div></div>
        <div class="stat"><div class="stat-label">${t('open.n_app')}</div><div class="stat-value">${onApp.length}</div></div>
        <div class="stat"><div class="stat-label">${t('open.n_closed')}</div><div class="stat-value">${closed.length}</div></div>
        <div class="stat"><div class="stat-label">${t('open.n_agreements')}</div><div class="stat-value">${agreements.length}</div></div>
      </div>
    </section>
    ${section(t('open.open_sets'), html`<p class="muted">${t('open.open_note')}</p><div class="datasets" id="open-datasets">${openNow.map((e) => datasetCard(dir, e))}</div>`)}
    ${section(t('open.on_app'), html`<div class="datasets">${onApp.map((e) => datasetCard(dir, e))}</div>`)}
    ${section(t('open.how'), html`<ol class="howto" id="how-to-apply">
        <li>${t('open.how1')}</li>
        <li>${t('open.how2')}<pre class="cmd">${cmd}</pre></li>
        <li>${t('open.how3', { n: params.answer_working_days })}</li>
        <li>${t('open.how4')}</li>
        <li>${t('open.how5')}</li>
      </ol>`)}
    ${section(t('open.applications'), table([t('req.id'), t('req.entry'), t('req.requester'), t('req.purpose'), t('req.submitted'), t('req.status')], opening.map((r) => [
      requestLink(r.id), entryLink(r.entry_id, names.get(r.entry_id)), orgName(r.requester), r.purpose, fmtDate(r.submitted_at), requestBadge(r),
    ])))}
    ${section(t('open.agreements'), html`<p class="muted">${t('open.agreements_note')}</p>${table([t('gov.id'), t('req.entry'), t('open.parties'), t('req.purpose'), t('open.signed'), t('req.status')], agreements.map((a) => [
      `#${a.id}`,
      entryLink(a.entry_id, names.get(a.entry_id)),
      html`${orgName(a.operator)}<br>${orgName(a.provider)}<br>${orgName(a.applicant)}`,
      html`${a.purpose}<div class="muted small mono" title="${a.digest}">${t('open.digest')} ${short(a.digest)}</div>`,
      `${a.signed_by.length}/3`,
      variant(a.status) === 'active' ? html`${badge('granted', t('open.active'))} ${grantLink(variantBody(a.status).grant_id)}` : badge('pending', t('open.proposed')),
    ]))}`)}
    ${section(t('open.closed'), table([t('entry.id'), t('entry.name'), t('entry.provider'), t('entry.open_mode'), t('open.basis')], closed.map((e) => [
      `#${e.id}`, entryLink(e.id, e.spec.name), orgName(e.provider),
      e.negative_list_basis ? badge('rejected', t('entry.negative')) : badge('open-not_open', enumLabel('open_mode', e.spec.open_mode)),
      e.negative_list_basis || e.spec.legal_basis || '—',
    ]), { id: 'closed-entries' }))}
    ${link('#/catalog?open_mode=open', t('open.in_catalog'), 'more')}
  `;
  return { html: body, title: t('nav.open') };
}
