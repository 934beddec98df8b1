// Blocks and transactions: the block list, a block with its header, transactions,
// events and commit certificate, and a transaction with its payload and receipt.

import { get, directory, validators } from '../api.js';
import { t, localName, enumLabel, fieldLabel } from '../i18n.js';
import { html, fmtTime, fmtNum, ago, short, badge, table, section, kv, blockLink, txLink, link, variant, variantBody } from '../util.js';
import { validatorName } from './overview.js';

const ID_LINKS = {
  entry_id: (v) => `#/entry/${v}`,
  request_id: (v) => `#/request/${v}`,
  grant_id: (v) => `#/grant/${v}`,
  proposal_id: () => '#/governance',
  agreement_id: () => '#/open',
  objection_id: (v) => `#/entry/${v}`,
};

/** One value of a payload or event, with links to what it names. */
export function value(dir, key, v) {
  if (v === null || v === undefined) return html`<span class="muted">—</span>`;
  if (ID_LINKS[key] && typeof v === 'number' && key !== 'objection_id') return link(ID_LINKS[key](v), `#${v}`);
  if (typeof v === 'string') {
    const org = dir.byCode.get(v);
    if (org) return link(`#/org/${v}`, localName(org.name));
    if (/^[0-9a-f]{64}$/.test(v)) {
      const m = dir.byKey.get(v);
      return html`<span class="mono" title="${v}">${short(v, 12, 6)}</span>${m ? html` <span class="muted small">${localName(m.org.name)} · ${enumLabel('role', m.member.role)}</span>` : ''}`;
    }
    return v;
  }
  if (Array.isArray(v)) {
    if (v.every((x) => typeof x !== 'object')) return html`${v.map((x) => html`<span class="chip">${value(dir, '', x)}</span>`)}`;
    return html`<pre class="json">${JSON.stringify(v, null, 2)}</pre>`;
  }
  if (typeof v === 'object') return html`<pre class="json">${JSON.stringify(v, null, 2)}</pre>`;
  if (typeof v === 'number' && /(_at|_due|expires|time|deadline)/.test(key) && v > 1e12) return fmtTime(v);
  return String(v);
}

/** The fields of a payload or event as a key/value table. */
export function fields(dir, body) {
  const entries = Object.entries(body || {});
  if (!entries.length) return html`<span class="muted">—</span>`;
  return kv(entries.map(([k, v]) => [fieldLabel(k), value(dir, k, v)]));
}

/** An event as "label: k = v, ...", compact, for lists. */
export function eventLine(dir, ev) {
  const kind = variant(ev);
  const body = variantBody(ev);
  return html`<div class="event"><span class="event-kind">${enumLabel('event', kind)}</span> ${Object.entries(body).map(([k, v]) => html`<span class="event-field"><span class="muted">${fieldLabel(k)}</span> ${value(dir, k, v)}</span>`)}</div>`;
}

export function outcomeBadge(receipt) {
  if (!receipt) return badge('pending', t('tx.pending'));
  if (variant(receipt.outcome) === 'success') return badge('granted', t('tx.success'));
  return badge('rejected', t('tx.rejected'), variantBody(receipt.outcome).reason);
}

/** The commit certificate's signers, or the note that a single validator made the block. */
export function certificateView(dir, vals, block) {
  const cert = block.certificate;
  if (!cert) {
    return html`<p class="note" id="certificate">${badge('pending', t('cert.none_badge'))} ${t('cert.none')}</p>`;
  }
  const n = vals.length;
  const quorum = Math.floor((n * 2) / 3) + 1;
  const rows = cert.votes.map((v, i) => [
    i + 1,
    html`<span class="mono" title="${v.validator}">${short(v.validator, 12, 6)}</span>`,
    validatorName(dir, vals, v.validator),
    html`<span class="mono" title="${v.signature}">${short(v.signature, 16, 8)}</span>`,
  ]);
  return html`<div id="certificate">
    <p>${badge('granted', t('cert.signed', { k: cert.votes.length, n }))} ${t('cert.detail', { round: cert.round, quorum })}</p>
    ${table(['#', t('val.key'), t('val.operator'), t('cert.signature')], rows, { id: 'cert-signers' })}
  </div>`;
}

export async function blocks(_p, q) {
  const before = q.before ? Number(q.before) : undefined;
  const [list, dir, vals] = await Promise.all([get('/blocks', { limit: 50, before }), directory(), validators()]);
  const rows = list.map((b) => [
    blockLink(b.height),
    fmtTime(b.time_ms),
    fmtNum(b.tx_count),
    validatorName(dir, vals, b.proposer),
    html`<a class="mono" href="#/block/${b.height}">${short(b.hash, 16, 8)}</a>`,
  ]);
  const last = list[list.length - 1];
  const more = last && last.height > 1 ? link(`#/blocks?before=${last.height}`, t('blocks.older'), 'more') : '';
  return {
    // The newest page follows new blocks; older pages stay as they are.
    live: before === undefined,
    title: t('blocks.title'),
    html: section(t('blocks.title'), html`${table([t('block.height'), t('block.time'), t('block.txs'), t('block.proposer'), t('block.hash')], rows, { id: 'block-list' })}<p>${more}</p>`),
  };
}

export async function block({ id }) {
  const [b, dir, vals, status] = await Promise.all([get(`/blocks/${encodeURIComponent(id)}`), directory(), validators(), get('/status')]);
  const h = b.header;
  const outcomes = new Map(b.receipts.map((r) => [r.tx_hash, r]));
  const txRows = b.txs.map((x, i) => {
    const signer = dir.byKey.get(x.tx.signer);
    return [
      i,
      txLink(x.hash),
      enumLabel('tx', variant(x.tx.payload)),
      signer ? link(`#/org/${signer.org.credit_code}`, localName(signer.org.name)) : short(x.tx.signer),
      outcomeBadge(outcomes.get(x.hash)),
    ];
  });
  const nav = html`<span class="pager">${h.height > 1 ? link(`#/block/${h.height - 1}`, `‹ ${t('block.prev')}`) : ''} ${h.height < status.height ? link(`#/block/${h.height + 1}`, `${t('block.next')} ›`) : ''}</span>`;
  const body = html`
    ${section(html`${t('block.title')} <span id="block-height">#${h.height}</span>`, kv([
      [t('block.hash'), html`<span class="mono">${b.hash}</span>`],
      [t('block.parent'), h.height > 1 ? html`<a class="mono" href="#/block/${h.height - 1}">${h.parent_hash}</a>` : html`<span class="mono">${h.parent_hash}</span>`],
      [t('block.time'), html`${fmtTime(h.time_ms)} <span class="muted">(${ago(h.time_ms)})</span>`],
      [t('block.proposer'), html`${validatorName(dir, vals, h.proposer)} <span class="mono muted">${short(h.proposer)}</span>`],
      [t('block.txs'), b.txs.length],
      [t('block.tx_root'), html`<span class="mono">${h.tx_root}</span>`],
      [t('block.state_root'), html`<span class="mono">${h.state_root}</span>`],
      [t('block.receipts_root'), html`<span class="mono">${h.receipts_root}</span>`],
      [t('overview.chain_id'), h.chain_id],
    ]), nav)}
    ${section(t('cert.title'), certificateView(dir, vals, b))}
    ${b.events.length ? section(t('block.events'), html`${b.events.map((e) => eventLine(dir, e))}`) : ''}
    ${section(t('block.transactions'), table(['#', t('tx.hash'), t('tx.type'), t('tx.signer'), t('tx.outcome')], txRows, { id: 'block-txs' }))}
  `;
  return { html: body, title: `${t('block.title')} #${h.height}` };
}

export async function tx({ hash }) {
  const [x, dir, vals] = await Promise.all([get(`/tx/${encodeURIComponent(hash)}`), directory(), validators()]);
  const b = x.height ? await get(`/blocks/${x.height}`) : null;
  const signer = dir.byKey.get(x.tx.signer);
  const kind = variant(x.tx.payload);
  const r = x.receipt;
  const rejected = r && variant(r.outcome) === 'rejected' ? variantBody(r.outcome) : null;
  const body = html`
    ${section(t('tx.title'), kv([
      [t('tx.hash'), html`<span class="mono" id="tx-hash">${x.hash}</span>`],
      [t('tx.status'), x.status === 'committed' ? badge('granted', t('tx.committed')) : badge('pending', t('tx.pending'))],
      [t('tx.block'), x.height ? html`${blockLink(x.height)} <span class="muted">${t('tx.index', { i: x.index })} · ${fmtTime(b.header.time_ms)}</span>` : '—'],
      [t('tx.type'), html`<strong>${enumLabel('tx', kind)}</strong> <span class="muted mono">${kind}</span>`],
      [t('tx.signer'), html`<span class="mono">${x.tx.signer}</span>${signer ? html`<div>${link(`#/org/${signer.org.credit_code}`, localName(signer.org.name))} · ${enumLabel('role', signer.member.role)}</div>` : ''}`],
      [t('tx.nonce'), x.tx.nonce],
      [t('tx.outcome'), html`${outcomeBadge(r)}${rejected ? html` <span class="reason">${rejected.code}: ${rejected.reason}</span>` : ''}`],
      [t('tx.signature'), html`<span class="mono small">${x.signature}</span>`],
    ]))}
    ${section(t('tx.payload'), html`${fields(dir, variantBody(x.tx.payload))}<details><summary>JSON</summary><pre class="json">${JSON.stringify(x.tx, null, 2)}</pre></details>`)}
    ${r ? section(t('tx.events'), r.events.length ? html`${r.events.map((e) => eventLine(dir, e))}` : html`<p class="empty">${t('common.none')}</p>`) : ''}
    ${b ? section(t('cert.title'), certificateView(dir, vals, b)) : ''}
  `;
  // A pending transaction's page follows the chain until it commits.
  return { html: body, title: `${t('tx.title')} ${short(x.hash)}`, live: x.status !== 'committed' };
}
