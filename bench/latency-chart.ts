import type { LatencySamples } from './run-bench.js';

const WIDTH = 760;
const HEIGHT = 420;
const PAD = { left: 60, right: 20, top: 40, bottom: 90 };
const COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e'];

/**
 * The latency distributions (CDF, log time axis) of the agent (solid) and the raw ldapts baseline
 * (dashed) at the steady rate, one colour per directory, as a standalone SVG.
 */
export function latencyChartSvg(series: readonly LatencySamples[], caption: string): string {
  const all = series.flatMap((s) => [...s.agent, ...s.baseline]).filter((v) => v > 0);
  const lo = Math.pow(10, Math.floor(Math.log10(Math.max(0.01, Math.min(...all, 1)))));
  const hi = Math.pow(10, Math.ceil(Math.log10(Math.max(...all, 10))));
  const plotW = WIDTH - PAD.left - PAD.right;
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const x = (ms: number): number => PAD.left + ((Math.log10(Math.max(ms, lo)) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo))) * plotW;
  const y = (fraction: number): number => PAD.top + (1 - fraction) * plotH;
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif" font-size="11">`);
  out.push(`<rect width="${WIDTH}" height="${HEIGHT}" fill="white"/>`);
  out.push(`<text x="${WIDTH / 2}" y="20" text-anchor="middle" font-size="13">Latency distribution at a steady rate: agent (solid) vs raw ldapts (dashed)</text>`);
  for (let decade = lo; decade <= hi * 1.0001; decade *= 10) {
    const gx = x(decade);
    out.push(`<line x1="${f(gx)}" y1="${PAD.top}" x2="${f(gx)}" y2="${PAD.top + plotH}" stroke="#ddd"/>`);
    out.push(`<text x="${f(gx)}" y="${PAD.top + plotH + 14}" text-anchor="middle">${decade >= 1 ? decade : decade.toPrecision(1)} ms</text>`);
  }
  for (const p of [0, 0.5, 0.9, 0.99, 1]) {
    const gy = y(p);
    out.push(`<line x1="${PAD.left}" y1="${f(gy)}" x2="${PAD.left + plotW}" y2="${f(gy)}" stroke="#eee"/>`);
    out.push(`<text x="${PAD.left - 6}" y="${f(gy + 4)}" text-anchor="end">p${Math.round(p * 100)}</text>`);
  }
  out.push(`<rect x="${PAD.left}" y="${PAD.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#999"/>`);
  series.forEach((s, index) => {
    const colour = COLOURS[index % COLOURS.length] ?? '#000';
    for (const [samples, dashed] of [
      [s.agent, false],
      [s.baseline, true],
    ] as const) {
      if (samples.length === 0) continue;
      const sorted = [...samples].sort((a, b) => a - b);
      const step = Math.max(1, Math.floor(sorted.length / 400));
      const points: string[] = [];
      for (let i = 0; i < sorted.length; i += step) points.push(`${f(x(sorted[i] ?? lo))},${f(y((i + 1) / sorted.length))}`);
      points.push(`${f(x(sorted[sorted.length - 1] ?? lo))},${f(y(1))}`);
      out.push(`<polyline fill="none" stroke="${colour}" stroke-width="1.6"${dashed ? ' stroke-dasharray="5,3"' : ''} points="${points.join(' ')}"/>`);
    }
    const ly = PAD.top + plotH + 34 + Math.floor(index / 2) * 16;
    const lx = PAD.left + (index % 2) * (plotW / 2);
    out.push(`<line x1="${lx}" y1="${ly - 4}" x2="${lx + 24}" y2="${ly - 4}" stroke="${colour}" stroke-width="2"/>`);
    out.push(`<text x="${lx + 30}" y="${ly}">${escapeXml(`${s.name} at ${s.rate}/s`)}</text>`);
  });
  out.push(`<text x="${WIDTH / 2}" y="${HEIGHT - 6}" text-anchor="middle" fill="#555">${escapeXml(caption)}</text>`);
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

function f(value: number): string {
  return value.toFixed(1);
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
