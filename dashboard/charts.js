// Charts drawn with uPlot (vendor/uplot, loaded as a classic script before the modules). Each
// chart is kept in window.__serval.charts by name, so that tests can read what was drawn.
import { h } from './dom.js';

const pending = [];
const colors = ['#2f5fd0', '#b3261e', '#b26a00', '#1b8a5a', '#7a4cc2', '#5b6475'];

function registry() {
  window.__serval ??= { charts: {} };
  return window.__serval.charts;
}

// Destroys the charts of the view being left.
export function clearCharts() {
  const charts = registry();
  for (const name of Object.keys(charts)) {
    charts[name].destroy();
    delete charts[name];
  }
}

// A chart box: x values (epoch seconds unless `time` is false) and named series.
export function chart(name, title, x, series,
  { time = true, xLabel, yLabel, points = false, ySize = 70 } = {}) {
  const box = h('div', { class: 'chart', dataset: { chart: name } }, h('h3', {}, title));
  // A lone point gets room around it (half a day, or one step of x).
  const pad = time ? 43200 : 1;
  // Every figure shown is at least zero; tiny ones (costs) and all-zero series still get a scale.
  const top = Math.max(0, ...series.flatMap((s) => s.values.filter(Number.isFinite)));
  const options = {
    width: 460,
    height: 200,
    scales: {
      x: { time, range: (u, min, max) => (min === max ? [min - pad, max + pad] : [min, max]) },
      y: { auto: false, range: [0, top > 0 ? top * 1.1 : 1] },
    },
    series: [{ label: xLabel ?? (time ? 'time' : 'x') },
      ...series.map((s, i) => ({ label: s.label, stroke: s.color ?? colors[i % colors.length],
        width: 1.5, spanGaps: false, dash: s.dash,
        // Sparse series (isolated periods between gaps) show their points, or nothing would be seen.
        points: { show: points || s.values.filter((v) => v !== null).length < 60 } })),
    ],
    axes: [{}, { label: yLabel, size: ySize, values: (u, ticks) => ticks.map(tick) }],
  };
  pending.push(() => {
    options.width = Math.max(300, box.clientWidth - 16);
    registry()[name] = new window.uPlot(options, [x, ...series.map((s) => s.values)], box);
  });
  return box;
}

// An axis value: small ones (costs) with their significant digits.
function tick(value) {
  if (value === 0 || Math.abs(value) >= 0.01) return value.toLocaleString('en-US');
  return value.toPrecision(2);
}

// Draws the charts made since the last call, once their boxes are in the document (so that each
// takes its box's width).
export function mountCharts() {
  for (const mount of pending.splice(0)) mount();
}
