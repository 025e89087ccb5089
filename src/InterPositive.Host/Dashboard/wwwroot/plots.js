// Small SVG plots for the DIT dashboard, drawn by our own code: the appliance is offline, so no chart library.
// Every plot scales with its box (viewBox) so it stays legible on a phone or a tablet on the cart; each data point
// carries class "pt" and data-x/data-y so the browser tests can count what was drawn.
"use strict";

const Plots = (() => {
  const NS = "http://www.w3.org/2000/svg";
  const W = 360, H = 210, M = { left: 46, right: 12, top: 24, bottom: 40 };
  const COLOURS = { bar: "#4ea1ff", clip: "#e5484d", crush: "#8b5cf6", cct: "#f5a524", exposure: "#3fbf6f", spectrum: "#4ea1ff", grid: "#333", axis: "#8a8a8a", text: "#c8c8c8" };

  const svgEl = (tag, attrs = {}, text) => {
    const e = document.createElementNS(NS, tag);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
    if (text != null) e.textContent = text;
    return e;
  };

  // Round tick steps (1, 2, 5 × 10^n) giving about `count` ticks over [min, max].
  function ticks(min, max, count = 5) {
    const span = max - min || 1;
    const raw = span / count;
    const magnitude = Math.pow(10, Math.floor(Math.log10(raw)));
    const step = [1, 2, 5, 10].map(s => s * magnitude).find(s => span / s <= count) ?? 10 * magnitude;
    const out = [];
    for (let v = Math.ceil(min / step) * step; v <= max + step * 1e-9; v += step) out.push(Math.abs(v) < step * 1e-9 ? 0 : v);
    return out;
  }

  // Decade ticks (1, 2, 5 per decade) for a logarithmic axis.
  function logTicks(min, max) {
    const out = [];
    for (let d = Math.floor(Math.log10(min)); d <= Math.ceil(Math.log10(max)); d++) {
      for (const m of [1, 2, 5]) { const v = m * Math.pow(10, d); if (v >= min && v <= max) out.push(v); }
    }
    return out;
  }

  const label = v => Math.abs(v) >= 1000 ? `${+(v / 1000).toFixed(1)}k` : `${+v.toFixed(2)}`;

  // A framed plot: title, gridlines, ticks and axis titles with units. Returns the svg and the data→pixel maps.
  function frame(kind, title, x, y) {
    const svg = svgEl("svg", { viewBox: `0 0 ${W} ${H}`, class: "plot", "data-plot": kind, role: "img", "aria-label": title });
    const pw = W - M.left - M.right, ph = H - M.top - M.bottom;
    const xs = x.log
      ? v => M.left + pw * (Math.log(v) - Math.log(x.min)) / (Math.log(x.max) - Math.log(x.min))
      : v => M.left + pw * (v - x.min) / ((x.max - x.min) || 1);
    const ys = v => M.top + ph * (1 - (v - y.min) / ((y.max - y.min) || 1));
    svg.append(svgEl("text", { x: M.left, y: 15, class: "plot-title", fill: COLOURS.text, "font-size": 13, "font-weight": 600 }, title));
    for (const t of y.ticks ?? ticks(y.min, y.max)) {
      svg.append(svgEl("line", { x1: M.left, x2: W - M.right, y1: ys(t), y2: ys(t), stroke: COLOURS.grid, "stroke-width": 1 }));
      svg.append(svgEl("text", { x: M.left - 5, y: ys(t) + 4, "text-anchor": "end", fill: COLOURS.axis, "font-size": 11 }, label(t)));
    }
    for (const t of x.ticks ?? (x.log ? logTicks(x.min, x.max) : ticks(x.min, x.max, 6))) {
      svg.append(svgEl("line", { x1: xs(t), x2: xs(t), y1: H - M.bottom, y2: H - M.bottom + 4, stroke: COLOURS.axis }));
      svg.append(svgEl("text", { x: xs(t), y: H - M.bottom + 16, "text-anchor": "middle", fill: COLOURS.axis, "font-size": 11 }, x.format ? x.format(t) : label(t)));
    }
    svg.append(svgEl("line", { x1: M.left, x2: W - M.right, y1: H - M.bottom, y2: H - M.bottom, stroke: COLOURS.axis }));
    svg.append(svgEl("line", { x1: M.left, x2: M.left, y1: M.top, y2: H - M.bottom, stroke: COLOURS.axis }));
    svg.append(svgEl("text", { x: M.left + pw / 2, y: H - 6, "text-anchor": "middle", fill: COLOURS.text, "font-size": 11, class: "axis-x" }, x.title));
    svg.append(svgEl("text", { x: 12, y: M.top + ph / 2, "text-anchor": "middle", fill: COLOURS.text, "font-size": 11, class: "axis-y", transform: `rotate(-90 12 ${M.top + ph / 2})` }, y.title));
    return { svg, xs, ys, pw, ph };
  }

  function empty(kind, title, why) {
    const box = document.createElement("div");
    box.className = "plot empty";
    box.dataset.plot = kind;
    box.append(Object.assign(document.createElement("strong"), { textContent: title }), Object.assign(document.createElement("p"), { className: "muted", textContent: why }));
    return box;
  }

  const point = (kind, x, y) => ({ class: `pt ${kind}`, "data-x": x, "data-y": y });

  // Exposure histogram: percent of the picture per stop around 18 % grey, with the clipped and crushed shares as
  // their own coloured bars at the ends (they are measured at the curve's clip point and black, not at a stop).
  function histogram(exposure) {
    const bins = (exposure?.histogramStops ?? []).filter(b => b != null);
    if (!bins.length) return empty("histogram", "Exposure histogram", "not measured");
    const used = bins.filter(b => b.pct > 0.05).map(b => b.stops);
    const lo = Math.min(-6, ...used), hi = Math.max(6, ...used);
    const shown = bins.filter(b => b.stops >= lo && b.stops <= hi);
    const top = Math.max(5, ...shown.map(b => b.pct), exposure.clippedPct ?? 0, exposure.crushedPct ?? 0);
    const y = { min: 0, max: Math.ceil(top / 5) * 5, title: "% of picture" };
    const x = { min: lo - 2.5, max: hi + 2.5, title: "stops from 18 % grey", ticks: ticks(lo, hi, 6).filter(t => Number.isInteger(t)), format: t => (t > 0 ? `+${t}` : `${t}`) };
    const f = frame("histogram", "Exposure histogram", x, y);
    const bw = f.xs(1) - f.xs(0);
    for (const b of shown) {
      f.svg.append(svgEl("rect", { ...point("bin", b.stops, b.pct), x: f.xs(b.stops - 0.45), width: bw * 0.9, y: f.ys(b.pct), height: f.ys(0) - f.ys(b.pct), fill: COLOURS.bar }));
    }
    const ends = [["crush", lo - 1.5, exposure.crushedPct ?? 0, "crushed"], ["clip", hi + 1.5, exposure.clippedPct ?? 0, "clipped"]];
    for (const [kind, at, pct, name] of ends) {
      f.svg.append(svgEl("rect", { ...point(kind, name, pct), x: f.xs(at - 0.45), width: bw * 0.9, y: f.ys(pct), height: Math.max(f.ys(0) - f.ys(pct), pct > 0 ? 1 : 0), fill: COLOURS[kind] }));
      // Labels run inward from the plot's edges so neither is cut off on a narrow phone.
      const edge = kind === "clip" ? { x: f.xs(at + 0.45), anchor: "end" } : { x: f.xs(at - 0.45), anchor: "start" };
      f.svg.append(svgEl("text", { x: edge.x, y: f.ys(pct) - 4, "text-anchor": edge.anchor, fill: COLOURS[kind], "font-size": 11, class: `${kind}-label` }, `${name} ${pct.toFixed(1)} %`));
    }
    f.svg.append(svgEl("line", { x1: f.xs(0), x2: f.xs(0), y1: M.top, y2: H - M.bottom, stroke: "#ddd", "stroke-dasharray": "3 3", "stroke-width": 1 }));
    f.svg.append(svgEl("text", { x: f.xs(0) + 3, y: M.top + 10, fill: "#ddd", "font-size": 10 }, "grey"));
    return f.svg;
  }

  // One quantity over the take, a point per second.
  function series(kind, title, samples, value, unit, minSpan, colour) {
    const pts = (samples ?? []).filter(s => value(s) != null).map(s => [s.second, value(s)]);
    if (!pts.length) return empty(kind, title, "not measured");
    const vs = pts.map(p => p[1]);
    let lo = Math.min(...vs), hi = Math.max(...vs);
    if (hi - lo < minSpan) { const mid = (hi + lo) / 2; lo = mid - minSpan / 2; hi = mid + minSpan / 2; }
    const pad = (hi - lo) * 0.1;
    const x = { min: 0, max: Math.max(1, ...pts.map(p => p[0] + 1)), title: "time in take (s)" };
    const y = { min: lo - pad, max: hi + pad, title: unit };
    const f = frame(kind, title, x, y);
    // Each sample stands for its second: drawn at the middle of it.
    f.svg.append(svgEl("polyline", { points: pts.map(([s, v]) => `${f.xs(s + 0.5)},${f.ys(v)}`).join(" "), fill: "none", stroke: colour, "stroke-width": 2 }));
    for (const [s, v] of pts) f.svg.append(svgEl("circle", { ...point(kind, s, v), cx: f.xs(s + 0.5), cy: f.ys(v), r: 3.5, fill: colour }));
    return f.svg;
  }

  // Flicker spectrum: modulation depth against frequency (logarithmic when it spans mains and LED-driver rates).
  function spectrum(flicker) {
    const bins = (flicker?.spectrum ?? []).filter(b => b.hz > 0);
    if (!bins.length) return empty("flicker", "Flicker spectrum", "not measured");
    const hzs = bins.map(b => b.hz);
    const minHz = Math.min(...hzs), maxHz = Math.max(...hzs);
    const log = maxHz / minHz > 20;
    const x = log ? { min: minHz, max: maxHz, log, title: "frequency (Hz)" } : { min: 0, max: maxHz, title: "frequency (Hz)" };
    const top = Math.max(2, ...bins.map(b => b.depthPct));
    const y = { min: 0, max: top * 1.15, title: "depth (%)" };
    const f = frame("flicker", "Flicker spectrum", x, y);
    f.svg.append(svgEl("polyline", { points: bins.map(b => `${f.xs(b.hz)},${f.ys(b.depthPct)}`).join(" "), fill: "none", stroke: COLOURS.spectrum, "stroke-width": 1.5 }));
    for (const b of bins) f.svg.append(svgEl("circle", { ...point("bin", b.hz, b.depthPct), cx: f.xs(b.hz), cy: f.ys(b.depthPct), r: bins.length > 120 ? 1.2 : 2.2, fill: COLOURS.spectrum }));
    if (flicker.detected && flicker.frequencyHz) {
      const at = f.xs(Math.min(Math.max(flicker.frequencyHz, x.min), x.max));
      f.svg.append(svgEl("line", { x1: at, x2: at, y1: M.top, y2: H - M.bottom, stroke: COLOURS.clip, "stroke-dasharray": "4 3", class: "detected" }));
      f.svg.append(svgEl("text", { x: Math.min(at + 4, W - 90), y: M.top + 12, fill: COLOURS.clip, "font-size": 11 }, `${flicker.frequencyHz.toFixed(0)} Hz, ${flicker.depthPct.toFixed(1)} %`));
    }
    return f.svg;
  }

  // All the plots of one take's lighting record.
  function take(lighting) {
    const l = lighting ?? {};
    return [
      histogram(l.exposure),
      series("cct", "Light colour over the take", l.samples, s => s.cct, "CCT (K)", 200, COLOURS.cct),
      series("exposure", "Exposure over the take", l.samples, s => s.averageStops, "stops from grey", 1, COLOURS.exposure),
      spectrum(l.flicker),
    ];
  }

  return { take, histogram, series, spectrum };
})();
