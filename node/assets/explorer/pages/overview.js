// Overview: chain height, validators and their status, transaction rate, recent blocks,
// and the headline numbers of data sharing. Live: drawn again as blocks commit.

import { get, all, directory, validators, scorecards } from '../api.js';
import { t, localName } from '../i18n.js';
import { columnChart, timeBuckets } from '../charts.js';
import { html, fmtTime, fmtNum, ago, short, badge, table, section, stat, blockLink, link, fmtDate } from '../util.js';

/** Name of the organization that runs a validator key, or the short key. */
export function validatorName(dir, vals, key) {
  const v = vals.find((x) => x.key === key);
  const org = v && dir.byCode.get(v.operator);
  return org ? localName(org.name) : short(key);
}

export function txRateChart(blocks) {
  const { width, buckets } = timeBuckets(blocks.map((b) => b.time_ms), 24);
  for (const b of blocks) {
    const i = Math.floor((b.time_ms - buckets[0].start) / width);
    if (buckets[i]) buckets[i].count += b.tx_count;
  }
  const unit = width >= 86400e3 * 7 ? 'week' : width >= 86400e3 ? 'day' : width >= 3600e3 ? 'hour' : 'minute';
  const unitName = t(`unit.${unit}`) + (width === 6 * 3600e3 ? ' ×6' : width === 900e3 ? ' ×15' : width === 300e3 ? ' ×5' : '');
  const label = (ms) => (width >= 86400e3 ? fmtDate(ms).slice(5) : fmtTime(ms).slice(5, 16));
  const chart = columnChart({
    id: 'tx-rate-chart',
    yLabel: t('overview.tx_per', { unit: unitName }),
    buckets: buckets.map((b) => ({ label: label(b.start), value: b.count, title: `${fmtTime(b.start)} · ${b.count} tx` })),
  });
  const total = blocks.reduce((a, b) => a + b.tx_count, 0);
  const span = blocks.length > 1 ? blocks[0].time_ms - blocks[blocks.length - 1].time_ms : 0;
  const perDay = span > 0 ? (total / (span / 86400e3)).toFixed(1) : '—';
  return { chart, total, perDay };
}

/** The newest `n` block summaries, paging down from the head. */
async function recentBlocks(n) {
  const out = [];
  let before;
  while (out.length < n) {
    const page = await get('/blocks', { limit: Math.min(500, n - out.length), before });
    out.push(...page);
    if (page.length === 0 || page[page.length - 1].height <= 1) break;
    before = page[page.length - 1].height;
  }
  return out;
}

const SPANS = [500, 2000, 10000];

export async function page(_p, q) {
  const span = SPANS.includes(Number(q.span)) ? Number(q.span) : SPANS[0];
  const [status, blocks, dir, vals, cards, pending] = await Promise.all([
    get('/status'),
    recentBlocks(span),
    directory(),
    validators(),
    scorecards(),
    all('/share-requests', { status: 'pending' }),
  ]);
  // Validators are "active" when they signed (or proposed) one of the last blocks:
  // a certificate needs only more than 2/3 of them, so one block alone says little.
  const window = await Promise.all(blocks.slice(0, 10).map((b) => get(`/blocks/${b.height}`)));
  const cert = window[0]?.certificate;
  const signedRecent = new Map();
  for (const b of window) {
    for (const v of b.certificate?.votes || []) signedRecent.set(v.validator, (signedRecent.get(v.validator) || 0) + 1);
  }
  const signers = new Set((cert?.votes || []).map((v) => v.validator));
  const proposed = new Map();
  for (const b of blocks) {
    const p = proposed.get(b.proposer) || { n: 0, last: 0 };
    p.n += 1;
    p.last = Math.max(p.last, b.height);
    proposed.set(b.proposer, p);
  }
  const now = Date.now();
  const sum = (k) => cards.reduce((a, c) => a + (c[k] || 0), 0);
  const overdue = pending.filter((r) => r.overdue || now >= r.answer_due).length;
  const { chart, total, perDay } = txRateChart(blocks);


  const valRows = vals.map((v) => {
    const org = dir.byCode.get(v.operator);
    const p = proposed.get(v.key);
    let st;
    const k = signedRecent.get(v.key) || 0;
    if (cert) {
      st = k > 0 || (p && p.last > status.height - window.length)
        ? html`${badge('granted', t('val.active'))} <span class="muted small">${t('val.signed_recent', { k, n: window.length })}</span>`
        : badge('overdue', t('val.absent', { n: window.length }));
    } else {
      st = p && p.last === status.height ? badge('granted', t('val.proposing')) : badge('pending', t('val.standby'));
    }
    return [
      html`<span class="mono nowrap" title="${v.key}">${short(v.key, 8, 4)}</span>`,
      org ? link(`#/org/${org.credit_code}`, localName(org.name)) : v.operator,
      st,
      p ? fmtNum(p.n) : '0',
      p ? blockLink(p.last) : '—',
    ];
  });

  const recent = blocks.slice(0, 10).map((b) => [
    blockLink(b.height),
    html`<span title="${fmtTime(b.time_ms)}">${fmtTime(b.time_ms)}</span><div class="muted small">${ago(b.time_ms)}</div>`,
    fmtNum(b.tx_count),
    validatorName(dir, vals, b.proposer),
    html`<a class="mono" href="#/block/${b.height}">${short(b.hash, 12, 8)}</a>`,
  ]);

  const body = html`
    <div class="stats">
      ${stat(t('overview.height'), html`<span id="chain-height">${fmtNum(status.height)}</span>`, html`${t('overview.latest')} ${ago(status.latest_block_time_ms)}`)}
      ${stat(t('overview.validators'), vals.length, cert ? t('overview.bft', { n: signers.size }) : t('overview.single'))}
      ${stat(t('overview.orgs'), dir.orgs.filter((o) => !o.removed_height).length, t('overview.departments', { n: dir.orgs.filter((o) => o.kind === 'department').length }))}
      ${stat(t('overview.entries'), fmtNum(sum('entries_published')), link('#/catalog', t('overview.browse')))}
      ${stat(t('overview.pending'), fmtNum(pending.length), overdue ? html`<a class="deadline-overdue" href="#/requests?state=overdue">${t('overview.overdue_n', { n: overdue })}</a>` : t('overview.none_overdue'), overdue ? 'warn' : '')}
      ${stat(t('overview.accesses'), fmtNum(sum('accesses_served')), t('overview.rows', { n: fmtNum(sum('rows_served')) }))}
    </div>
    <div class="grid2">
      ${section(t('overview.chain'), html`<table class="kv"><tbody>
        <tr><th>${t('overview.chain_id')}</th><td class="mono">${status.chain_id}</td></tr>
        <tr><th>${t('overview.latest_hash')}</th><td><a class="mono" href="#/block/${status.height}">${short(status.latest_block_hash, 16, 8)}</a></td></tr>
        <tr><th>${t('overview.latest_time')}</th><td>${fmtTime(status.latest_block_time_ms)}</td></tr>
        <tr><th>${t('overview.genesis')}</th><td class="mono">${short(status.genesis_hash, 16, 8)}</td></tr>
        <tr><th>${t('overview.mempool')}</th><td>${fmtNum(status.mempool_size)}</td></tr>
        <tr><th>${t('overview.version')}</th><td>${status.version}</td></tr>
      </tbody></table>`)}
      ${section(t('overview.validators'), table([t('val.key'), t('val.operator'), t('val.status'), t('val.proposed'), t('val.last')], valRows, { id: 'validators' }))}
    </div>
    ${section(t('overview.tx_rate'), html`${chart}<p class="muted small">${t('overview.rate_note', { blocks: fmtNum(blocks.length), total: fmtNum(total), perDay })}</p>`,
      html`<span class="pager" id="tx-span">${SPANS.map((n) => (n === span ? html`<strong>${t('overview.last_n', { n })}</strong>` : link(`#/?span=${n}`, t('overview.last_n', { n }))))}</span>`)}
    ${section(t('overview.recent'), table([t('block.height'), t('block.time'), t('block.txs'), t('block.proposer'), t('block.hash')], recent, { id: 'recent-blocks' }), link('#/blocks', t('overview.all_blocks'), 'more'))}
  `;
  return { html: body, title: t('nav.overview'), live: true };
}
