// The explorer's shell: layout, hash routing (`#/block/12`, `#/catalog?share_type=...`),
// the search box and the language toggle. Each page module exports functions that
// take the route's parameters and return the page's markup (plus an optional `mount`
// to wire up its controls after it is in the document, and `live` to be drawn again
// as blocks commit: see live.js).

import { t, lang, setLang, applyStatic } from './i18n.js';
import { html, esc } from './util.js';
import { clearCache } from './api.js';
import { follow, unfollow } from './live.js';
import * as overview from './pages/overview.js';
import * as chain from './pages/chain.js';
import * as search from './pages/search.js';
import * as orgs from './pages/orgs.js';
import * as catalog from './pages/catalog.js';
import * as requests from './pages/requests.js';
import * as audit from './pages/audit.js';
import * as governance from './pages/governance.js';
import * as open from './pages/open.js';

/** Routes: a pattern with `:params`, the nav section it belongs to, and its page. */
const ROUTES = [
  ['/', 'overview', overview.page],
  ['/blocks', 'overview', chain.blocks],
  ['/block/:id', 'overview', chain.block],
  ['/tx/:hash', 'overview', chain.tx],
  ['/search', '', search.page],
  ['/orgs', 'orgs', orgs.list],
  ['/org/:code', 'orgs', orgs.detail],
  ['/catalog', 'catalog', catalog.list],
  ['/entry/:id', 'catalog', catalog.detail],
  ['/requests', 'requests', requests.list],
  ['/request/:id', 'requests', requests.detail],
  ['/grant/:id', 'requests', requests.grant],
  ['/audit', 'audit', audit.page],
  ['/governance', 'governance', governance.page],
  ['/open', 'open', open.page],
];

const NAV = ['overview', 'catalog', 'requests', 'audit', 'orgs', 'governance', 'open'];
const NAV_HREF = { overview: '#/', catalog: '#/catalog', requests: '#/requests', audit: '#/audit', orgs: '#/orgs', governance: '#/governance', open: '#/open' };

function match(path) {
  for (const [pattern, nav, fn] of ROUTES) {
    const ps = pattern.split('/');
    const xs = path.split('/');
    if (ps.length !== xs.length) continue;
    const params = {};
    if (ps.every((p, i) => (p.startsWith(':') ? ((params[p.slice(1)] = decodeURIComponent(xs[i])), xs[i] !== '') : p === xs[i]))) {
      return { nav, fn, params, pattern };
    }
  }
  return null;
}

function parseHash() {
  const h = location.hash.replace(/^#/, '') || '/';
  const [path, qs = ''] = h.split('?');
  return { path: path || '/', query: Object.fromEntries(new URLSearchParams(qs)) };
}

function renderNav(active) {
  const nav = document.getElementById('nav');
  nav.innerHTML = NAV.map((n) => `<a href="${NAV_HREF[n]}" data-nav="${n}" class="${n === active ? 'active' : ''}">${esc(t(`nav.${n}`))}</a>`).join('');
}

let generation = 0;

/** Draws a live page again after a commit, with fresh reference data. */
function redraw() {
  clearCache();
  render({ quiet: true });
}

/**
 * Renders the page of the current hash. A newer navigation discards an older one's
 * result. `quiet` (a live page drawn again) keeps the page on screen while it loads.
 */
export async function render({ quiet = false } = {}) {
  const my = ++generation;
  const { path, query } = parseHash();
  const view = document.getElementById('view');
  const m = match(path);
  renderNav(m?.nav);
  if (!quiet) {
    document.body.dataset.ready = '';
    view.innerHTML = `<div class="loading">${esc(t('common.loading'))}</div>`;
    unfollow();
  }
  if (!m) {
    view.innerHTML = String(html`<section class="card"><h2>${t('common.not_found')}</h2><p>${t('common.no_page', { path })}</p></section>`);
    document.body.dataset.ready = 'not-found';
    return;
  }
  try {
    const out = await m.fn(m.params, query);
    if (my !== generation) return;
    const page = out && out.html !== undefined ? out : { html: out };
    view.innerHTML = String(page.html);
    document.title = `${page.title ? `${page.title} · ` : ''}${t('app.title')}`;
    if (page.mount) page.mount(view);
    if (page.live) follow(redraw);
    else unfollow();
    document.body.dataset.ready = m.pattern;
  } catch (e) {
    if (my !== generation) return;
    console.warn('page failed', e);
    view.innerHTML = String(html`<section class="card error-panel"><h2>${t('common.error')}</h2><p>${e.message}</p><p><a href="#/">${t('common.back_home')}</a></p></section>`);
    document.body.dataset.ready = 'error';
  }
}

function setupChrome() {
  document.getElementById('lang').addEventListener('click', () => {
    setLang(lang() === 'zh' ? 'en' : 'zh');
    applyStatic();
    render();
  });
  document.getElementById('search-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const q = document.getElementById('search-input').value.trim();
    if (!q) return;
    const target = `#/search?q=${encodeURIComponent(q)}`;
    if (location.hash === target) render();
    else location.hash = target;
  });
  document.getElementById('refresh').addEventListener('click', () => {
    clearCache();
    render();
  });
  window.addEventListener('hashchange', () => {
    render();
    window.scrollTo(0, 0);
  });
}

applyStatic();
setupChrome();
render();
