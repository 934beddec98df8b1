// The data resource catalog (§2.4): a filterable list, and one entry with its fields,
// deadlines, version history, requests, grants, accesses and objections.

import { get, all, directory, catalogAll, calendars } from '../api.js';
import { t, localName, enumLabel, fieldLabel } from '../i18n.js';
import { html, fmtTime, fmtDate, fmtNum, short, badge, table, section, kv, link, hashWith, entryLink, requestLink, grantLink, blockLink, requestBadge, deadlineCell, workdayChecker, variant, variantBody } from '../util.js';

export function shareBadge(e) {
  return badge(e.spec.share_type, enumLabel('share_type', e.spec.share_type));
}
export function openBadge(e) {
  return badge(`open-${e.spec.open_mode}`, enumLabel('open_mode', e.spec.open_mode));
}

export function reviewBadge(e) {
  const r = variant(e.review);
  const out = [badge(r === 'approved' ? 'granted' : r === 'pending' ? 'pending' : 'rejected', enumLabel('review', r))];
  if (e.review_overdue) out.push(' ', badge('overdue', t('entry.review_overdue')));
  if (e.update_overdue) out.push(' ', badge('overdue', t('entry.update_overdue')));
  return html`${out}`;
}

function select(name, label, options, current) {
  return html`<label>${label}<select name="${name}"><option value="">${t('common.all')}</option>${options.map(([v, text]) => html`<option value="${v}"${v === current ? html` selected` : ''}>${text}</option>`)}</select></label>`;
}

export async function list(_p, q) {
  const filter = {
    share_type: q.share_type,
    open_mode: q.open_mode,
    classification: q.classification,
    provider: q.provider,
    negative_list: q.negative_list === 'true' ? 'true' : undefined,
  };
  const [dir, everything, entries] = await Promise.all([directory(), catalogAll(), all('/catalog', filter)]);
  const classes = [...new Set(everything.map((e) => e.spec.classification.split('/')[0]))].sort();
  const providers = [...new Set(everything.map((e) => e.provider))];
  const rows = entries.map((e) => [
    `#${e.id}`,
    html`${entryLink(e.id, e.spec.name)}${e.negative_list_basis ? html` ${badge('rejected', t('entry.negative'), e.negative_list_basis)}` : ''}`,
    link(`#/org/${e.provider}`, localName(dir.byCode.get(e.provider)?.name || e.provider)),
    html`<span class="mono small">${e.spec.classification}</span>`,
    html`<span class="grade grade-${e.spec.security_grade}">${e.spec.security_grade}</span>`,
    shareBadge(e),
    openBadge(e),
    `v${e.version}`,
    reviewBadge(e),
  ]);
  const form = html`<form id="catalog-filter" class="filters">
    ${select('share_type', t('entry.share_type'), ['unconditional', 'conditional', 'not_shareable'].map((v) => [v, enumLabel('share_type', v)]), q.share_type)}
    ${select('open_mode', t('entry.open_mode'), ['open', 'on_application', 'not_open'].map((v) => [v, enumLabel('open_mode', v)]), q.open_mode)}
    ${select('classification', t('entry.classification'), classes.map((c) => [c, enumLabel('class', c)]), q.classification)}
    ${select('provider', t('entry.provider'), providers.map((p) => [p, localName(dir.byCode.get(p)?.name || p)]), q.provider)}
    <label class="check"><input type="checkbox" name="negative_list" value="true"${q.negative_list === 'true' ? html` checked` : ''}> ${t('entry.negative_only')}</label>
    <a class="button ghost" href="#/catalog">${t('common.reset')}</a>
  </form>`;
  const body = section(
    t('catalog.title'),
    html`${form}<p class="muted" id="catalog-count">${t('catalog.count', { n: entries.length, total: everything.length })}</p>
    ${table([t('entry.id'), t('entry.name'), t('entry.provider'), t('entry.classification'), t('entry.grade'), t('entry.share_type'), t('entry.open_mode'), t('entry.version'), t('entry.review')], rows, { id: 'catalog-table', empty: t('catalog.empty') })}`,
  );
  return {
    html: body,
    title: t('nav.catalog'),
    mount(root) {
      const f = root.querySelector('#catalog-filter');
      f.addEventListener('change', () => {
        const data = Object.fromEntries(new FormData(f));
        location.hash = hashWith('/catalog', data);
      });
    },
  };
}

function specChanges(prev, next) {
  if (!prev) return [];
  return Object.keys(next).filter((k) => JSON.stringify(prev[k]) !== JSON.stringify(next[k]));
}

function reviewText(dir, review) {
  const r = variant(review);
  const b = variantBody(review);
  const who = b.reviewer ? dir.byKey.get(b.reviewer) : null;
  return html`${enumLabel('review', r)}${who ? html` · ${localName(who.org.name)} ${enumLabel('role', who.member.role)}` : ''}${b.at ? html` · ${fmtDate(b.at)}` : ''}${b.note ? html` · “${b.note}”` : ''}`;
}

export async function detail({ id }) {
  const [dir, e, versions, requests, grants, accesses, objections, cals] = await Promise.all([
    directory(),
    get(`/catalog/${encodeURIComponent(id)}`),
    get(`/catalog/${encodeURIComponent(id)}/versions`),
    all('/share-requests', { entry: id }),
    all('/grants', { entry: id }),
    all('/access-events', { entry: id }),
    all('/objections', { entry: id }),
    calendars(),
  ]);
  const isWorkday = workdayChecker(cals);
  const s = e.spec;
  const provider = dir.byCode.get(e.provider);
  const fieldRows = s.fields.map((f) => [
    html`<span class="mono">${f.name}</span>`,
    badge(`sens-${f.sensitivity}`, enumLabel('sensitivity', f.sensitivity)),
    enumLabel('masking', f.masking),
    f.element_code ? html`<span class="mono">${f.element_code}</span>` : '—',
  ]);
  const history = [
    ...versions.map((v) => ({ version: v.version, spec: v.spec, at: v.updated_at, by: v.updated_by, review: v.review })),
    { version: e.version, spec: s, at: e.updated_at, by: null, review: e.review, current: true },
  ];
  const versionRows = history.map((v, i) => {
    const by = v.by ? dir.byKey.get(v.by) : null;
    const changed = specChanges(history[i - 1]?.spec, v.spec);
    return [
      html`v${v.version}${v.current ? html` ${badge('granted', t('entry.current'))}` : ''}`,
      fmtTime(v.at),
      by ? html`${localName(by.org.name)} · ${enumLabel('role', by.member.role)}` : v.current ? '—' : short(v.by),
      i === 0 ? t('entry.first_version') : changed.length ? changed.map((k) => fieldLabel(k)).join('、') : t('entry.no_change'),
      reviewText(dir, v.review),
      html`<details><summary>${t('entry.spec')}</summary><pre class="json">${JSON.stringify(v.spec, null, 2)}</pre></details>`,
    ];
  });
  const reqRows = requests.map((r) => [
    requestLink(r.id),
    link(`#/org/${r.requester}`, localName(dir.byCode.get(r.requester)?.name || r.requester)),
    r.fields.join(', '),
    r.purpose,
    deadlineCell(r, isWorkday),
    requestBadge(r),
  ]);
  const grantRows = grants.map((g) => [
    grantLink(g.id),
    link(`#/org/${g.grantee}`, localName(dir.byCode.get(g.grantee)?.name || g.grantee)),
    g.fields.join(', '),
    fmtDate(g.expires_at),
    `${fmtNum(g.rows_used)}${g.quota_rows ? ` / ${fmtNum(g.quota_rows)}` : ''}`,
    g.revoked ? badge('rejected', t('grant.revoked')) : badge('granted', t('grant.in_force')),
  ]);
  const accessRows = accesses.map((a) => [
    `#${a.id}`,
    fmtTime(a.time),
    link(`#/org/${a.accessor_org}`, localName(dir.byCode.get(a.accessor_org)?.name || a.accessor_org)),
    a.fields.join(', '),
    fmtNum(a.rows),
    a.purpose,
    blockLink(a.height),
  ]);
  const objRows = objections.map((o) => [
    `#${o.id}`,
    link(`#/org/${o.raised_by}`, localName(dir.byCode.get(o.raised_by)?.name || o.raised_by)),
    html`<span class="mono">${o.field}</span> · ${o.record_ref}`,
    o.description,
    fmtDate(o.answer_due - 1),
    html`${badge(variant(o.status) === 'open' ? (o.overdue ? 'overdue' : 'pending') : 'granted', enumLabel('objection', variant(o.status)))}${o.overdue ? html` ${badge('overdue', t('req.overdue'))}` : ''}`,
  ]);
  const body = html`
    ${section(html`<span id="entry-name">${localName(s.name)}</span> <span class="muted">#${e.id} · v${e.version}</span>`, html`
      <div class="badges">${shareBadge(e)} ${openBadge(e)} ${reviewBadge(e)} ${e.negative_list_basis ? badge('rejected', t('entry.negative')) : ''}</div>
      ${kv([
        [t('entry.full_name'), s.name],
        [t('entry.provider'), provider ? link(`#/org/${e.provider}`, localName(provider.name)) : e.provider],
        [t('entry.classification'), html`<span class="mono">${s.classification}</span>`],
        [t('entry.grade'), html`<span class="grade grade-${s.security_grade}">${s.security_grade}</span> ${t('entry.grade_of')}`],
        [t('entry.format'), s.format],
        [t('entry.frequency'), s.update_frequency],
        [t('entry.methods'), s.share_methods.map((m) => enumLabel('method', m)).join('、')],
        [t('entry.usage'), s.usage_requirements],
        s.legal_basis && [t('entry.legal_basis'), s.legal_basis],
        e.negative_list_basis && [t('entry.negative_basis'), e.negative_list_basis],
        [t('entry.threshold'), s.approval_threshold ?? t('entry.threshold_default')],
        [t('entry.registered'), fmtTime(e.registered_at)],
        [t('entry.updated'), fmtTime(e.updated_at)],
        [t('entry.review'), reviewText(dir, e.review)],
        [t('entry.review_due'), html`${fmtDate(e.review_due - 1)} ${e.review_overdue ? badge('overdue', t('req.overdue')) : ''}`],
        [t('entry.update_due'), e.update_due ? html`${fmtDate(e.update_due - 1)} ${e.update_overdue ? badge('overdue', t('req.overdue')) : badge('pending', t('entry.change_declared'))}` : t('entry.no_change_declared')],
      ])}`)}
    ${section(t('entry.fields'), table([t('entry.field'), t('entry.sensitivity'), t('entry.masking'), t('entry.element')], fieldRows))}
    ${section(t('entry.versions'), table([t('entry.version'), t('entry.updated'), t('entry.updated_by'), t('entry.changed'), t('entry.review'), ''], versionRows, { id: 'versions' }))}
    ${section(t('entry.requests'), table([t('req.id'), t('req.requester'), t('req.fields'), t('req.purpose'), t('req.deadline'), t('req.status')], reqRows, { id: 'entry-requests' }))}
    ${section(t('entry.grants'), table([t('grant.id'), t('grant.grantee'), t('grant.fields'), t('grant.expires'), t('grant.usage'), t('req.status')], grantRows))}
    ${section(t('entry.accesses'), table([t('audit.id'), t('audit.time'), t('audit.accessor_org'), t('audit.fields'), t('audit.rows'), t('audit.purpose'), t('audit.block')], accessRows, { id: 'entry-accesses' }), link(`#/audit?entry=${e.id}`, t('entry.in_audit'), 'more'))}
    ${objections.length ? section(t('entry.objections'), table(['#', t('obj.raised_by'), t('obj.datum'), t('obj.description'), t('obj.due'), t('req.status')], objRows)) : ''}
  `;
  return { html: body, title: localName(s.name) };
}
