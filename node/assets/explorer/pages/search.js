// Search: one box for heights, block and transaction hashes, keys, organizations,
// catalog entries, share requests and grants (`/v1/search`). One hit opens it directly.

import { get } from '../api.js';
import { t, localName, enumLabel } from '../i18n.js';
import { html, table, section, link } from '../util.js';

const HREF = {
  block: (id) => `#/block/${id}`,
  transaction: (id) => `#/tx/${id}`,
  organization: (id) => `#/org/${id}`,
  catalog_entry: (id) => `#/entry/${id}`,
  share_request: (id) => `#/request/${id}`,
  grant: (id) => `#/grant/${id}`,
};

export async function page(_p, { q = '' }) {
  const input = document.getElementById('search-input');
  if (input && input.value !== q) input.value = q;
  const res = await get('/search', { q });
  if (res.hits.length === 1) {
    const h = res.hits[0];
    location.replace(HREF[h.kind](h.id));
    return { html: html`<p class="loading">${t('common.loading')}</p>` };
  }
  const rows = res.hits.map((h) => [
    enumLabel('hit', h.kind),
    link(HREF[h.kind](h.id), h.kind === 'transaction' ? h.id : `${h.kind === 'organization' ? '' : '#'}${h.id}`, h.kind === 'transaction' ? 'mono' : ''),
    localName(h.label),
  ]);
  const body = section(
    t('search.results', { q }),
    html`${table([t('search.kind'), t('search.id'), t('search.label')], rows, { id: 'search-hits', empty: t('search.nothing', { q }) })}
    <p class="muted small">${t('search.help')}</p>`,
  );
  return { html: body, title: t('search.button') };
}
