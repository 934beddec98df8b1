// Charts drawn by hand as SVG: a column chart over time, horizontal bars, and
// horizontal stacked bars with a legend. Colors come from style.css (classes s0..s3).

import { esc, raw } from './util.js';

function niceMax(v) {
  if (v <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

function ticks(max, n = 4) {
  const step = max / n;
  return Array.from({ length: n + 1 }, (_, i) => i * step);
}

const fmt = (v) => (Number.isInteger(v) ? String(v) : v.toFixed(1));

function clip(s, n) {
  const str = String(s);
  return str.length > n ? `${str.slice(0, n - 1)}…` : str;
}

/** Columns over time. `buckets`: [{label, value, title}]; `yLabel` names the unit. */
export function columnChart({ buckets, yLabel = '', height = 240, cls = 's0', id = '' }) {
  const W = 1100;
  const H = height;
  const L = 48;
  const R = 12;
  const T = 28;
  const B = 30;
  const max = niceMax(Math.max(0, ...buckets.map((b) => b.value)));
  const plotW = W - L - R;
  const plotH = H - T - B;
  const bw = plotW / Math.max(1, buckets.length);
  const parts = [];
  for (const v of ticks(max)) {
    const y = T + plotH - (v / max) * plotH;
    parts.push(`<line class="grid" x1="${L}" x2="${W - R}" y1="${y}" y2="${y}"/>`);
    parts.push(`<text class="tick" x="${L - 6}" y="${y + 4}" text-anchor="end">${fmt(v)}</text>`);
  }
  const every = Math.max(1, Math.ceil(buckets.length / 12));
  buckets.forEach((b, i) => {
    const h = (b.value / max) * plotH;
    const x = L + i * bw;
    parts.push(`<rect class="bar ${cls}" x="${x + bw * 0.12}" y="${T + plotH - h}" width="${Math.max(1, bw * 0.76)}" height="${Math.max(0, h)}"><title>${esc(b.title ?? `${b.label}: ${b.value}`)}</title></rect>`);
    if (i % every === 0) {
      parts.push(`<text class="tick" x="${x + bw / 2}" y="${H - B + 16}" text-anchor="middle">${esc(b.label)}</text>`);
    }
  });
  parts.push(`<line class="axis" x1="${L}" x2="${W - R}" y1="${T + plotH}" y2="${T + plotH}"/>`);
  if (yLabel) parts.push(`<text class="axis-label" x="${L}" y="14">${esc(yLabel)}</text>`);
  return raw(`<svg class="chart" ${id ? `id="${esc(id)}" ` : ''}viewBox="0 0 ${W} ${H}" role="img" preserveAspectRatio="xMidYMid meet">${parts.join('')}</svg>`);
}

/** Horizontal bars, one per item: [{label, value, title, href}]. */
export function barChart({ items, valueFmt = fmt, cls = 's0', id = '' }) {
  const W = 1100;
  const row = 26;
  const L = 250;
  const R = 70;
  const H = items.length * row + 12;
  const max = Math.max(1, ...items.map((i) => i.value));
  const parts = items.map((it, i) => {
    const y = 6 + i * row;
    const w = ((W - L - R) * it.value) / max;
    const label = `<text class="label" x="${L - 8}" y="${y + row / 2 + 4}" text-anchor="end">${esc(clip(it.label, 22))}</text>`;
    const bar = `<rect class="bar ${cls}" x="${L}" y="${y + 4}" width="${Math.max(1, w)}" height="${row - 8}"><title>${esc(it.title ?? `${it.label}: ${it.value}`)}</title></rect>`;
    const val = `<text class="value" x="${L + w + 6}" y="${y + row / 2 + 4}">${esc(valueFmt(it.value))}</text>`;
    const body = label + bar + val;
    return it.href ? `<a href="${esc(it.href)}">${body}</a>` : body;
  });
  return raw(`<svg class="chart" ${id ? `id="${esc(id)}" ` : ''}viewBox="0 0 ${W} ${H}" role="img">${parts.join('')}</svg>`);
}

/** Horizontal stacked bars: items [{label, parts: [n, ...]}], series [{name}] in order. */
export function stackedBars({ items, series, id = '' }) {
  const W = 1100;
  const row = 28;
  const L = 250;
  const R = 50;
  const legendH = 26;
  const H = items.length * row + legendH + 10;
  const max = Math.max(1, ...items.map((i) => i.parts.reduce((a, b) => a + b, 0)));
  const parts = [];
  let lx = L;
  series.forEach((s, k) => {
    parts.push(`<rect class="bar s${k}" x="${lx}" y="6" width="12" height="12"/><text class="legend" x="${lx + 18}" y="16">${esc(s.name)}</text>`);
    lx += 30 + s.name.length * 13;
  });
  items.forEach((it, i) => {
    const y = legendH + i * row;
    parts.push(`<text class="label" x="${L - 8}" y="${y + row / 2 + 4}" text-anchor="end">${esc(clip(it.label, 22))}</text>`);
    let x = L;
    const total = it.parts.reduce((a, b) => a + b, 0);
    it.parts.forEach((v, k) => {
      const w = ((W - L - R) * v) / max;
      if (v > 0) {
        parts.push(`<rect class="bar s${k}" x="${x}" y="${y + 5}" width="${w}" height="${row - 10}"><title>${esc(`${it.label} · ${series[k].name}: ${v}`)}</title></rect>`);
        if (w > 18) parts.push(`<text class="in-bar" x="${x + w / 2}" y="${y + row / 2 + 4}" text-anchor="middle">${v}</text>`);
      }
      x += w;
    });
    parts.push(`<text class="value" x="${x + 6}" y="${y + row / 2 + 4}">${total}</text>`);
  });
  return raw(`<svg class="chart" ${id ? `id="${esc(id)}" ` : ''}viewBox="0 0 ${W} ${H}" role="img">${parts.join('')}</svg>`);
}

/** Splits [{time}] into about `n` equal time buckets with "nice" widths. */
export function timeBuckets(times, n = 24) {
  if (!times.length) return { width: 0, buckets: [] };
  const lo = Math.min(...times);
  const hi = Math.max(...times);
  const nice = [60e3, 300e3, 900e3, 3600e3, 6 * 3600e3, 86400e3, 7 * 86400e3, 30 * 86400e3];
  const width = nice.find((w) => (hi - lo) / w <= n) || nice[nice.length - 1];
  const off = 8 * 3600e3; // buckets start at China-time boundaries
  const start = Math.floor((lo + off) / width) * width - off;
  const count = Math.floor((hi - start) / width) + 1;
  const buckets = Array.from({ length: count }, (_, i) => ({ start: start + i * width, count: 0 }));
  return { width, buckets };
}
