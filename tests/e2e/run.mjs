#!/usr/bin/env node
// End-to-end tests of the chain explorer in headless Chromium (Debian's /usr/bin/chromium,
// driven by playwright-core) against a `kuai-node dev` consortium.
//
// Builds nothing: it runs `$CARGO_TARGET_DIR/debug/kuai-node` and `.../kuai` (build them
// first, e.g. `cargo build --bins`). It starts a fresh dev chain in a temporary directory
// on free ports, waits for its "seeded" line, runs the checks below under an overall time
// bound, saves screenshots into docs/screenshots/, and kills the node by its PID in every
// outcome. Any page error, console error or failed request fails the run.
//
// Checks:
//   1. assets and API: `/` is the explorer's HTML, an unknown asset is a 404, an unknown
//      `/v1` route is still the API's JSON 404;
//   2. every page loads without console errors, and shows what the API says (row counts,
//      heights, certificate signers, filters);
//   3. the language toggle switches labels to English and the choice survives a reload;
//   4. search finds a transaction by its hash (and a block by height, nothing for junk);
//   5. the audit trail's filters (organization, purpose, date range) narrow the rows to
//      exactly what the API returns, and the CSV export holds the same rows;
//   6. a share request is followed from submission (pending, working days left) through
//      a first approval (1 of 2, still pending; shown on the open page without a reload,
//      as a pending request's page is live) to the grant (granted, with its grant);
//   7. the overview is live: it follows the node's stream of committed heads and shows a
//      block committed after it was drawn, without a reload (it has no timer left).

import { spawn, execFile } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const TARGET = process.env.CARGO_TARGET_DIR || path.join(os.homedir(), '.cache/kuai-target');
const NODE_BIN = path.join(TARGET, 'debug/kuai-node');
const CLI_BIN = path.join(TARGET, 'debug/kuai');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const SHOTS = path.join(ROOT, 'docs/screenshots');
const TOTAL_MS = Number(process.env.E2E_TIMEOUT_MS || 5 * 60 * 1000);
const STEP_MS = 20000;

const started = Date.now();
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kuai-e2e-'));
let nodeProc = null;
let context = null;
let nodeLog = '';
const problems = [];
let step = 'setup';

function log(msg) {
  console.log(`[e2e ${((Date.now() - started) / 1000).toFixed(1)}s] ${msg}`);
}

function assert(cond, msg) {
  if (!cond) throw new Error(`${step}: ${msg}`);
}

function eq(actual, expected, what) {
  assert(actual === expected, `${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
}

// ---------------------------------------------------------------------------------
// processes

async function portFree(port) {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

/** A base port whose API ports (base..base+7) and p2p ports (base+100..base+107) are free. */
async function freeBase() {
  for (let i = 0; i < 50; i++) {
    const base = 20000 + Math.floor(Math.random() * 20000);
    let ok = true;
    for (const p of [...Array(8).keys()].flatMap((k) => [base + k, base + 100 + k])) {
      if (!(await portFree(p))) { ok = false; break; }
    }
    if (ok) return base;
  }
  throw new Error('no free ports found');
}

async function startNode(port) {
  const dataDir = path.join(tmp, 'chain');
  nodeProc = spawn(NODE_BIN, ['dev', '--data-dir', dataDir, '--api', `127.0.0.1:${port}`], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, RUST_LOG: process.env.RUST_LOG || 'warn' },
  });
  log(`started kuai-node dev (pid ${nodeProc.pid}) on 127.0.0.1:${port}, data in ${dataDir}`);
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`kuai-node did not seed within 180 s:\n${nodeLog.slice(-3000)}`)), 180000);
    const onData = (d) => {
      nodeLog += d.toString();
      if (/seeded the sample consortium/.test(nodeLog)) {
        clearTimeout(timer);
        resolve();
      }
    };
    nodeProc.stdout.on('data', onData);
    nodeProc.stderr.on('data', onData);
    nodeProc.once('exit', (code, sig) => {
      clearTimeout(timer);
      reject(new Error(`kuai-node exited early (code ${code}, signal ${sig}):\n${nodeLog.slice(-3000)}`));
    });
  });
  nodeProc.removeAllListeners('exit');
  nodeProc.stdout.on('data', (d) => { nodeLog = (nodeLog + d.toString()).slice(-200000); });
  nodeProc.stderr.on('data', (d) => { nodeLog = (nodeLog + d.toString()).slice(-200000); });
  return dataDir;
}

async function stopNode() {
  const p = nodeProc;
  nodeProc = null;
  if (!p || p.exitCode !== null || p.signalCode !== null) return;
  const exited = new Promise((resolve) => p.once('exit', resolve));
  try { process.kill(p.pid, 'SIGTERM'); } catch { return; }
  const timer = setTimeout(() => { try { process.kill(p.pid, 'SIGKILL'); } catch { /* gone */ } }, 5000);
  await exited;
  clearTimeout(timer);
  log(`stopped kuai-node (pid ${p.pid})`);
}

function cli(args) {
  return new Promise((resolve, reject) => {
    execFile(CLI_BIN, args, { timeout: 60000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`kuai ${args.join(' ')} failed: ${err.message}\n${stdout}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

async function cleanup() {
  if (context) {
    await context.close().catch(() => {});
    context = null;
  }
  await stopNode();
  fs.rmSync(tmp, { recursive: true, force: true });
}

// ---------------------------------------------------------------------------------
// helpers

let BASE = '';
/** A response the test itself makes fail (a refused stream of heads), not a problem. */
let expectedRefusal = null;
const api = async (p) => {
  const res = await fetch(`${BASE}/v1${p}`);
  const body = await res.json();
  if (!res.ok) throw new Error(`GET /v1${p}: ${res.status} ${JSON.stringify(body)}`);
  return body;
};
async function apiAll(p) {
  const out = [];
  let after = '';
  for (;;) {
    const sep = p.includes('?') ? '&' : '?';
    const page = await api(`${p}${sep}limit=500${after ? `&after=${after}` : ''}`);
    out.push(...page.items);
    if (!page.next) return out;
    after = page.next;
  }
}

/** Opens a route and waits until the explorer has rendered it (`body[data-ready]`). */
async function open(page, route, pattern) {
  const before = await page.evaluate(() => location.hash).catch(() => '');
  await page.evaluate(() => { document.body.dataset.ready = ''; }).catch(() => {});
  if (before === `#${route}`) await page.reload();
  else await page.goto(`${BASE}/#${route}`);
  await waitReady(page, pattern);
}

/** Runs `action` (a click, a key press...) and waits for the page it leads to. */
async function act(page, action, pattern) {
  await page.evaluate(() => { document.body.dataset.ready = ''; });
  await action();
  await waitReady(page, pattern);
}

async function waitReady(page, pattern) {
  await page.waitForFunction((p) => document.body.dataset.ready === p || document.body.dataset.ready === 'error', pattern, { timeout: STEP_MS });
  const err = await page.evaluate(() => document.querySelector('.error-panel')?.textContent);
  assert(!err, `the page shows an error: ${err}`);
  // A label missing from the dictionaries shows as its key, e.g. "req.status".
  const body = await page.evaluate(() => document.body.innerText);
  const key = LABEL_KEY.exec(body);
  assert(!key, `${pattern} shows the untranslated label key "${key?.[0]}"`);
}

const LABEL_KEY = /(?<![\w/.-])(app|nav|common|search|time|unit|overview|val|blocks|block|cert|tx|org|score|catalog|entry|obj|req|grant|audit|gov|open)\.[a-z_0-9]+\b/;

const rows = (page, sel) => page.locator(`${sel} tbody tr`).count();
const text = (page, sel) => page.locator(sel).first().innerText();

async function shot(page, name) {
  fs.mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
}

/** Minimal RFC 4180 parser (quotes, doubled quotes, CRLF). */
function parseCSV(s) {
  const out = [];
  let row = [];
  let cell = '';
  let q = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (q) {
      if (c === '"' && s[i + 1] === '"') { cell += '"'; i++; } else if (c === '"') q = false; else cell += c;
    } else if (c === '"') q = true;
    else if (c === ',') { row.push(cell); cell = ''; } else if (c === '\n') { row.push(cell.replace(/\r$/, '')); out.push(row); row = []; cell = ''; } else cell += c;
  }
  if (cell || row.length) { row.push(cell); out.push(row); }
  return out;
}

/** CST calendar date of a time, `YYYY-MM-DD`. */
const cstDate = (ms) => new Date(ms + 8 * 3600e3).toISOString().slice(0, 10);

// ---------------------------------------------------------------------------------
// checks

async function checkServing() {
  step = 'serving';
  const index = await fetch(`${BASE}/`);
  eq(index.status, 200, 'GET / status');
  assert(index.headers.get('content-type').startsWith('text/html'), 'GET / is not HTML');
  assert((await index.text()).includes('/explorer/app.js'), 'index.html does not load app.js');
  const js = await fetch(`${BASE}/explorer/app.js`);
  assert(js.headers.get('content-type').startsWith('text/javascript'), 'app.js is not served as JavaScript');
  const missing = await fetch(`${BASE}/explorer/no-such-file.js`);
  eq(missing.status, 404, 'unknown asset status');
  const unknown = await fetch(`${BASE}/v1/no-such-route`);
  eq(unknown.status, 404, 'unknown /v1 route status');
  eq((await unknown.json()).error.code, 'not_found', 'unknown /v1 route error code');
  return 'assets are served, unknown asset and unknown /v1 route are JSON 404s';
}

async function checkPages(page) {
  step = 'pages';
  const status = await api('/status');
  const vals = await api('/validators');
  const blocks = await api('/blocks?limit=500');
  const withTxs = blocks.find((b) => b.tx_count > 1) || blocks.find((b) => b.tx_count > 0);
  const block = await api(`/blocks/${withTxs.height}`);
  const catalog = await apiAll('/catalog');
  const filtered = await apiAll('/catalog?share_type=conditional&open_mode=not_open');
  const requests = await apiAll('/share-requests');
  const accesses = await apiAll('/access-events');
  const proposals = await apiAll('/proposals');
  const cards = await api('/scorecards');
  const now = Date.now();
  const overdue = requests.filter((r) => r.status === 'pending' && (r.overdue || now >= r.answer_due));
  const withVersions = [];
  for (const e of catalog) if (e.version > 1) withVersions.push(e);
  const versioned = withVersions[0] || catalog[0];
  const granted = requests.find((r) => r.status.granted);

  await open(page, '/', '/');
  const shownHeight = Number((await text(page, '#chain-height')).replace(/[^0-9]/g, ''));
  assert(shownHeight >= status.height, `overview height ${shownHeight} is below the API's ${status.height}`);
  eq(await rows(page, '#validators'), vals.length, 'validators listed');
  assert((await page.locator('#tx-rate-chart rect.bar').count()) > 0, 'the transaction rate chart has no bars');
  assert((await rows(page, '#recent-blocks')) > 0, 'no recent blocks');
  await shot(page, 'overview');

  await open(page, '/blocks', '/blocks');
  assert((await rows(page, '#block-list')) > 0, 'block list is empty');

  await open(page, `/block/${withTxs.height}`, '/block/:id');
  eq(await text(page, '#block-height'), `#${withTxs.height}`, 'block height shown');
  eq(await rows(page, '#block-txs'), withTxs.tx_count, 'transactions of the block');
  if (block.certificate) {
    eq(await rows(page, '#cert-signers'), block.certificate.votes.length, 'certificate signers shown');
    const signer = block.certificate.votes[0].validator;
    assert((await page.locator(`#cert-signers [title="${signer}"]`).count()) === 1, 'a certificate signer is missing');
  } else {
    assert((await text(page, '#certificate')).includes('无证书'), 'no "single validator (no certificate)" note');
  }
  await shot(page, 'block');

  const txHash = block.txs[0].hash;
  await open(page, `/tx/${txHash}`, '/tx/:hash');
  eq(await text(page, '#tx-hash'), txHash, 'transaction hash shown');
  await shot(page, 'transaction');

  await open(page, '/catalog', '/catalog');
  eq(await rows(page, '#catalog-table'), catalog.length, 'catalog rows');
  await shot(page, 'catalog');
  await open(page, '/catalog?share_type=conditional&open_mode=not_open', '/catalog');
  eq(await rows(page, '#catalog-table'), filtered.length, 'filtered catalog rows');
  assert(filtered.length > 0 && filtered.length < catalog.length, 'the catalog filter does not narrow');
  // choosing a filter in the form narrows too
  await open(page, '/catalog', '/catalog');
  await act(page, () => page.selectOption('#catalog-filter select[name=open_mode]', 'open'), '/catalog');
  assert((await page.evaluate(() => location.hash)).includes('open_mode=open'), 'the filter is not in the address');
  eq(await rows(page, '#catalog-table'), catalog.filter((e) => e.spec.open_mode === 'open').length, 'catalog rows with open_mode=open');

  const versions = await api(`/catalog/${versioned.id}/versions`);
  await open(page, `/entry/${versioned.id}`, '/entry/:id');
  eq(await rows(page, '#versions'), versions.length + 1, 'version history rows');
  eq(await rows(page, '#entry-requests'), requests.filter((r) => r.entry_id === versioned.id).length || 0, 'requests of the entry');
  await shot(page, 'entry');

  await open(page, '/requests', '/requests');
  eq(await rows(page, '#request-table'), requests.length, 'request rows');
  await shot(page, 'requests');
  await open(page, '/requests?state=overdue', '/requests');
  if (overdue.length) {
    eq(await rows(page, '#request-table'), overdue.length, 'overdue request rows');
    eq(await page.locator('#request-table .badge-overdue').count(), overdue.length, 'overdue badges');
    assert((await text(page, '#request-table')).includes('已超期'), 'overdue requests are not marked');
  }
  await open(page, `/request/${granted.id}`, '/request/:id');
  eq(await text(page, '#grant-id'), `#${granted.status.granted.grant_id}`, 'grant of a granted request');
  await open(page, `/grant/${granted.status.granted.grant_id}`, '/grant/:id');

  await open(page, '/audit', '/audit');
  eq(await rows(page, '#audit-table'), accesses.length, 'audit rows');
  assert((await page.locator('#accesses-chart rect.bar').count()) > 0, 'accesses-per-entry chart is empty');

  await open(page, '/orgs', '/orgs');
  eq(await rows(page, '#scorecards'), cards.length, 'scorecards');
  assert((await page.locator('#timeliness-chart rect.bar').count()) > 0, 'timeliness chart is empty');
  await shot(page, 'organizations');
  await open(page, `/org/${cards[0].organization}`, '/org/:code');

  await open(page, '/governance', '/governance');
  eq(await rows(page, '#proposals'), proposals.length, 'proposals');
  const instances = await apiAll('/contracts/instances');
  assert(instances.length >= 3, 'the dev seed has no policy contracts');
  eq(await rows(page, '#contract-instances'), instances.length, 'policy contract instances');
  eq(await rows(page, '#contract-code'), (await apiAll('/contracts/code')).length, 'contract code');
  assert((await text(page, '#contract-instances')).includes('#4'), 'bound entry 4 is not shown');
  const decided = requests.find((r) => r.decided_by_contract);
  assert(decided, 'no contract-decided request in the dev seed');
  await open(page, `/request/${decided.id}`, '/request/:id');
  assert((await text(page, '#decided-by')).includes(`#${decided.decided_by_contract}`), 'the deciding contract is not shown');
  await shot(page, 'governance');

  await open(page, '/open', '/open');
  const openSets = catalog.filter((e) => e.spec.open_mode === 'open' && !e.negative_list_basis).length;
  eq(await text(page, '#open-count'), String(openSets), 'open datasets');
  assert((await page.locator('#how-to-apply li').count()) >= 4, 'no application steps');
  await shot(page, 'open-data');

  await open(page, '/no-such-page', 'not-found');
  return `20 page views load without console errors and match the API`;
}

async function checkLanguage(page) {
  step = 'language';
  await open(page, '/', '/');
  eq(await text(page, '#nav [data-nav=overview]'), '总览', 'default language is Chinese');
  const [onlyZh, onlyEn] = await page.evaluate(async () => {
    const { DICTS } = await import('/explorer/i18n.js');
    const zh = Object.keys(DICTS.zh);
    const en = Object.keys(DICTS.en);
    return [zh.filter((k) => !en.includes(k)), en.filter((k) => !zh.includes(k))];
  });
  assert(!onlyZh.length && !onlyEn.length, `labels in one language only: zh ${onlyZh}, en ${onlyEn}`);
  await act(page, () => page.click('#lang'), '/');
  eq(await text(page, '#nav [data-nav=overview]'), 'Overview', 'toggled to English');
  for (const [route, pattern] of [['/catalog', '/catalog'], ['/requests', '/requests'], ['/audit', '/audit'], ['/open', '/open']]) {
    await open(page, route, pattern);
  }
  await open(page, '/', '/');
  await act(page, () => page.reload(), '/');
  eq(await text(page, '#nav [data-nav=audit]'), 'Access audit', 'English survives a reload');
  await shot(page, 'overview-en');
  await act(page, () => page.click('#lang'), '/');
  eq(await text(page, '#nav [data-nav=overview]'), '总览', 'toggled back to Chinese');
  return 'the language toggle switches and persists';
}

async function checkSearch(page) {
  step = 'search';
  const blocks = await api('/blocks?limit=500');
  const b = blocks.find((x) => x.tx_count > 0);
  const tx = (await api(`/blocks/${b.height}`)).txs.at(-1).hash;
  await open(page, '/', '/');
  await page.fill('#search-input', tx);
  await act(page, () => page.press('#search-input', 'Enter'), '/tx/:hash');
  eq(await page.evaluate(() => location.hash), `#/tx/${tx}`, 'address of the transaction found');
  eq(await text(page, '#tx-hash'), tx, 'the transaction found by its hash');
  assert((await page.locator(`a[href="#/block/${b.height}"]`).count()) > 0, 'the transaction does not link its block');

  // the block hash goes to the block; a name finds several records; junk finds nothing
  await page.fill('#search-input', b.hash);
  await act(page, () => page.press('#search-input', 'Enter'), '/block/:id');
  eq(await page.evaluate(() => location.hash), `#/block/${b.height}`, 'address of the block found by hash');
  await page.fill('#search-input', 'health');
  await act(page, () => page.press('#search-input', 'Enter'), '/search');
  assert((await rows(page, '#search-hits')) > 1, 'a name search found fewer than two records');
  await shot(page, 'search');
  await page.fill('#search-input', 'zzz-no-such-thing');
  await act(page, () => page.press('#search-input', 'Enter'), '/search');
  eq(await page.locator('#search-hits').count(), 0, 'junk search hits');
  return 'search finds a transaction by hash, a block by hash, records by name';
}

async function checkAudit(page) {
  step = 'audit';
  const all = await apiAll('/access-events');
  const byOrg = new Map();
  for (const a of all) byOrg.set(a.accessor_org, (byOrg.get(a.accessor_org) || 0) + 1);
  const [org] = [...byOrg.entries()].sort((x, y) => y[1] - x[1])[0];
  const ofOrg = await apiAll(`/access-events?accessor_org=${org}`);
  assert(ofOrg.length > 0 && ofOrg.length < all.length, 'the organization filter would not narrow the trail');

  await open(page, '/audit', '/audit');
  eq(await rows(page, '#audit-table'), all.length, 'unfiltered audit rows');
  await act(page, () => page.selectOption('#audit-filter select[name=accessor_org]', org), '/audit');
  assert((await page.evaluate(() => location.hash)).includes(`accessor_org=${org}`), 'the organization is not in the address');
  eq(await rows(page, '#audit-table'), ofOrg.length, `audit rows of ${org}`);

  // purpose: a word of one of its events' purposes
  const word = ofOrg[0].purpose.split(/\s+/).find((w) => w.length > 4) || ofOrg[0].purpose;
  const ofPurpose = await apiAll(`/access-events?accessor_org=${org}&purpose=${encodeURIComponent(word)}`);
  await page.fill('#audit-filter input[name=purpose]', word);
  await act(page, () => page.click('#audit-apply'), '/audit');
  eq(await rows(page, '#audit-table'), ofPurpose.length, `audit rows of ${org} with purpose "${word}"`);

  // date range: the China-time day of the newest event, both ends inclusive
  const day = cstDate(Math.max(...ofPurpose.map((a) => a.time)));
  const from = Date.parse(`${day}T00:00:00+08:00`);
  const inRange = ofPurpose.filter((a) => a.time >= from && a.time < from + 86400e3);
  const apiRange = await apiAll(`/access-events?accessor_org=${org}&purpose=${encodeURIComponent(word)}&from=${from}&to=${from + 86400e3}`);
  eq(apiRange.length, inRange.length, 'API date filter');
  await page.fill('#audit-filter input[name=from]', day);
  await page.fill('#audit-filter input[name=to]', day);
  await act(page, () => page.click('#audit-apply'), '/audit');
  const h = await page.evaluate(() => location.hash);
  assert(h.includes(`from=${day}`) && h.includes(`to=${day}`) && h.includes('purpose='), `the filters are not in the address: ${h}`);
  const shown = await rows(page, '#audit-table');
  eq(shown, inRange.length, `audit rows on ${day}`);
  assert(shown > 0, 'the date filter left nothing to export');

  const [download] = await Promise.all([page.waitForEvent('download', { timeout: STEP_MS }), page.click('#export-csv')]);
  assert(/^kuai-access-audit-\d{8}\.csv$/.test(download.suggestedFilename()), `CSV file name ${download.suggestedFilename()}`);
  const csv = fs.readFileSync(await download.path(), 'utf8').replace(/^\uFEFF/, '');
  const [header, ...data] = parseCSV(csv).filter((r) => r.length > 1);
  eq(header.slice(0, 4).join(','), 'id,time_cst,block_height,accessor_org', 'CSV header');
  eq(data.length, shown, 'CSV rows');
  const col = (name) => header.indexOf(name);
  for (const r of data) {
    eq(r[col('accessor_org')], org, 'CSV accessor_org');
    assert(r[col('purpose')].includes(word), `CSV purpose "${r[col('purpose')]}" lacks "${word}"`);
    assert(r[col('time_cst')].startsWith(day), `CSV time ${r[col('time_cst')]} is not on ${day}`);
  }
  const ids = new Set(inRange.map((a) => String(a.id)));
  assert(data.every((r) => ids.has(r[col('id')])), 'CSV ids differ from the API');
  await shot(page, 'audit-filtered');
  return `audit filters (${all.length} → ${ofOrg.length} → ${ofPurpose.length} → ${shown} rows) and CSV export`;
}

async function checkRequestLifecycle(page, dataDir) {
  step = 'request lifecycle';
  const node = ['--node', BASE];
  const keys = path.join(dataDir, 'keys');
  const out = await cli([...node, 'request', 'submit', '--key', path.join(keys, 'civil-app.key'), '--entry', '22', '--fields', 'child_name',
    '--purpose', 'E2E: check newborn records for child benefit (儿童福利核查)', '--legal-basis', 'Social Assistance art. 9']);
  const m = /"request_id":(\d+)/.exec(out);
  assert(m, `no request id in the CLI output: ${out}`);
  const id = Number(m[1]);
  log(`submitted share request ${id}`);

  await open(page, `/request/${id}`, '/request/:id');
  assert((await text(page, '#request-status')).includes('待答复'), 'a new request is not shown pending');
  assert(/剩余 \d+ 个工作日/.test(await text(page, '#lifecycle')), 'no working days left shown');
  await open(page, '/requests?state=pending', '/requests');
  assert((await page.locator(`#request-table a[href="#/request/${id}"]`).count()) === 1, 'the new request is not among the pending ones');
  await shot(page, 'request-pending-list');

  // The pending request's page is live: the first approval shows without a reload.
  await open(page, `/request/${id}`, '/request/:id');
  await page.waitForFunction(() => document.getElementById('live')?.dataset.state === 'on', null, { timeout: STEP_MS });
  await page.evaluate(() => { window.__notReloaded = true; });
  await cli([...node, 'request', 'approve', String(id), '--key', path.join(keys, 'health-reviewer.key')]);
  await page.waitForFunction(() => document.getElementById('lifecycle')?.textContent.includes('1/2'), null, { timeout: STEP_MS });
  assert(await page.evaluate(() => window.__notReloaded === true), 'the page was reloaded');
  assert((await text(page, '#request-status')).includes('待答复'), 'one of two approvals already granted the request');
  assert((await text(page, '#lifecycle')).includes('1/2'), 'the first approval is not shown as 1/2');
  await shot(page, 'request-pending');

  const out2 = await cli([...node, 'request', 'approve', String(id), '--key', path.join(keys, 'health-cdo.key')]);
  const g = /"grant_id":(\d+)/.exec(out2);
  const r = await api(`/share-requests/${id}`);
  assert(r.status.granted, `request ${id} is not granted on the ledger: ${JSON.stringify(r.status)}`);
  const grantId = r.status.granted.grant_id;
  if (g) eq(Number(g[1]), grantId, 'grant id in the CLI output');
  await open(page, `/request/${id}`, '/request/:id');
  assert((await text(page, '#request-status')).includes('已同意'), 'the request is not shown granted');
  eq(await text(page, '#grant-id'), `#${grantId}`, 'the grant shown');
  assert((await text(page, '#lifecycle')).includes('2/2'), 'the approvals are not shown as 2/2');
  await shot(page, 'request-granted');
  await act(page, () => page.click(`#lifecycle a[href="#/grant/${grantId}"]`), '/grant/:id');
  assert((await text(page, '#grant-view')).includes('child_name'), 'the grant does not show its field');
  return `request ${id} followed from submission to grant ${grantId}`;
}

async function checkLive(page, dataDir) {
  step = 'live overview';
  await open(page, '/', '/');
  await page.waitForFunction(() => document.getElementById('live')?.dataset.state === 'on', null, { timeout: STEP_MS });
  const shown = Number((await text(page, '#chain-height')).replace(/[^0-9]/g, ''));
  const atNode = (await api('/status')).height;
  assert(shown > 0 && shown <= atNode, `the overview shows height ${shown}, the node is at ${atNode}`);
  const pendingBefore = (await apiAll('/share-requests?status=pending')).length;
  await cli(['--node', BASE, 'request', 'submit', '--key', path.join(dataDir, 'keys', 'civil-app.key'), '--entry', '22', '--fields', 'child_name',
    '--purpose', 'E2E: live overview (实时总览)', '--legal-basis', 'Social Assistance art. 9']);
  const committed = (await api('/status')).height;
  assert(committed > shown, `no block committed after the submission (height ${committed})`);
  await page.waitForFunction((h) => Number(document.getElementById('chain-height')?.textContent.replace(/[^0-9]/g, '')) >= h, committed, { timeout: STEP_MS });
  const head = Number(await page.evaluate(() => document.body.dataset.head));
  assert(head >= committed, `the page's last head event is ${head}, below the committed ${committed}`);
  const pendingNow = (await apiAll('/share-requests?status=pending')).length;
  eq(pendingNow, pendingBefore + 1, 'pending requests on the ledger');
  eq(await page.locator('.stat', { hasText: '待答复申请' }).locator('.stat-value').innerText(), String(pendingNow), 'pending requests on the overview');
  await shot(page, 'overview-live');

  // A node that refuses to resume the stream (here: one refusal, as after a restore)
  // closes it for good in the browser; the page opens it afresh and stays live.
  step = 'live overview, stream refused';
  let refusals = 0;
  await page.route('**/v1/heads', (route) => {
    if (refusals++ > 0) return route.continue();
    expectedRefusal = route.request().url();
    return route.fulfill({ status: 400, contentType: 'application/json', body: '{"error":{"code":"bad_request","message":"Last-Event-ID is above the head"}}' });
  });
  await open(page, '/', '/');
  await page.waitForFunction(() => document.getElementById('live')?.dataset.state === 'on', null, { timeout: STEP_MS });
  assert(refusals >= 2, `the stream was opened ${refusals} time(s) after a refusal`);
  await page.unroute('**/v1/heads');
  expectedRefusal = null;
  return `the overview followed the heads stream from height ${shown} to ${committed} without a reload, and reopened it after a refusal`;
}

// ---------------------------------------------------------------------------------

async function main() {
  for (const [what, p] of [['kuai-node', NODE_BIN], ['kuai', CLI_BIN], ['chromium', CHROMIUM]]) {
    if (!fs.existsSync(p)) throw new Error(`${what} not found at ${p} (build with \`cargo build --bins\`; install chromium with scripts/setup.sh)`);
  }
  const port = await freeBase();
  BASE = `http://127.0.0.1:${port}`;
  const dataDir = await startNode(port);
  log('chain seeded');

  context = await chromium.launchPersistentContext(path.join(tmp, 'chromium-profile'), {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
    viewport: { width: 1360, height: 900 },
    locale: 'zh-CN',
    timezoneId: 'Asia/Shanghai',
    acceptDownloads: true,
  });
  context.setDefaultTimeout(STEP_MS);
  const page = context.pages()[0] || (await context.newPage());
  page.on('pageerror', (e) => problems.push(`${step}: page error: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error' && !(expectedRefusal && m.text().includes('400'))) problems.push(`${step}: console error: ${m.text()}`); });
  page.on('requestfailed', (r) => {
    // Leaving a live page closes its stream of heads on purpose.
    if (r.url().endsWith('/v1/heads') && r.failure()?.errorText === 'net::ERR_ABORTED') return;
    problems.push(`${step}: request failed: ${r.url()} ${r.failure()?.errorText}`);
  });
  page.on('response', (r) => { if (r.status() >= 400 && r.url().startsWith(BASE) && r.url() !== expectedRefusal) problems.push(`${step}: HTTP ${r.status()} for ${r.url()}`); });

  const checks = [
    () => checkServing(),
    () => checkPages(page),
    () => checkLanguage(page),
    () => checkSearch(page),
    () => checkAudit(page),
    () => checkRequestLifecycle(page, dataDir),
    () => checkLive(page, dataDir),
  ];
  for (const c of checks) {
    const done = await c();
    if (problems.length) throw new Error(`errors in the browser:\n  ${problems.join('\n  ')}`);
    log(`ok: ${done}`);
  }
}

const watchdog = setTimeout(async () => {
  console.error(`[e2e] FAILED: over the time bound of ${TOTAL_MS / 1000} s (in step "${step}")`);
  await cleanup().catch(() => {});
  process.exit(1);
}, TOTAL_MS);

for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, async () => {
    await cleanup().catch(() => {});
    process.exit(130);
  });
}

try {
  await main();
  log(`PASSED in ${((Date.now() - started) / 1000).toFixed(1)} s; screenshots in ${path.relative(ROOT, SHOTS)}/`);
  await cleanup();
  clearTimeout(watchdog);
  process.exit(0);
} catch (e) {
  console.error(`[e2e] FAILED: ${e.stack || e.message}`);
  if (nodeLog) console.error(`--- kuai-node output (tail) ---\n${nodeLog.slice(-2000)}`);
  await cleanup().catch(() => {});
  clearTimeout(watchdog);
  process.exit(1);
}
