"""Inline CSS and JavaScript of the page written by ``podfit render`` (no network access).

The script reads the steps as differences (format: :mod:`podfit.report.page_data`), keeps the
state of the step shown (each CPU's owner, the node's shared pool, the memory rows, the pods on the
node) plus a copy every ``CHECK_EVERY`` steps, and moves to another step by replaying differences
from the nearest copy. It repaints only the CPU boxes whose owner changed and builds the panel of
the step shown (legend counts, pods, memory bars, shortfall) and, for long scenarios, the part of
the timeline around it: nothing is built for the steps not shown.
"""

from __future__ import annotations

__all__ = ["PAGE_CSS", "PAGE_JS"]

PAGE_CSS = """
* { box-sizing: border-box; }
body { margin: 0; padding: 16px 20px; color: #1a1a1a; background: #ffffff;
  font-family: system-ui, -apple-system, 'Segoe UI', 'DejaVu Sans', sans-serif; font-size: 14px; }
header h1 { font-size: 20px; margin: 0 0 2px 0; }
header p { margin: 0 0 10px 0; color: #444; }
nav.step-control { display: flex; align-items: center; gap: 10px; margin: 6px 0 8px 0; }
nav.step-control button { font: inherit; padding: 4px 12px; border: 1px solid #555; border-radius: 4px;
  background: #f4f4f4; cursor: pointer; }
nav.step-control button:disabled { color: #999; border-color: #bbb; cursor: default; }
nav.step-control input[type=range] { width: 320px; }
#step-num { font-weight: 600; min-width: 90px; }
ol.timeline { list-style: none; display: flex; flex-wrap: wrap; gap: 6px; padding: 0; margin: 0 0 12px 0; }
ol.timeline button { font: inherit; font-size: 12px; padding: 3px 8px; border-radius: 12px;
  border: 1px solid #888; background: #fff; cursor: pointer; }
ol.timeline li.gap { color: #666; padding: 3px 2px; }
ol.timeline li[aria-current=step] button { outline: 3px solid #d55e00; outline-offset: 1px;
  font-weight: 700; }
.st-admitted button, .status-admitted { border-color: #007a55; color: #00573d; }
.st-rejected button, .status-rejected, .status-refused { border-color: #b00020; color: #8f001a; }
.st-removed button, .st-not-on-node button { color: #444; }
main { display: flex; flex-wrap: wrap; gap: 20px; align-items: flex-start; }
section.map svg { display: block; }
aside { flex: 1 1 360px; min-width: 340px; max-width: 620px; }
.step-panel h2 { font-size: 16px; margin: 0 0 4px 0; }
.step-panel .status { display: inline-block; padding: 1px 8px; border: 1.5px solid; border-radius: 10px;
  font-size: 13px; font-weight: 700; margin-right: 6px; }
.step-panel .reason { margin: 4px 0 8px 0; padding: 6px 8px; background: #fdecee;
  border-left: 4px solid #b00020; }
.step-panel .shortfall h3 { margin-top: 6px; }
.step-panel .shortfall ul { margin: 2px 0 8px 0; padding-left: 20px; }
.step-panel h3 { font-size: 14px; margin: 12px 0 4px 0; }
ul.legend { list-style: none; padding: 0; margin: 6px 0; }
ul.legend li { display: flex; align-items: center; gap: 8px; margin: 3px 0; }
ul.legend svg { flex: none; }
table.pods { border-collapse: collapse; font-size: 12.5px; width: 100%; }
table.pods th, table.pods td { border-bottom: 1px solid #ddd; padding: 2px 6px; text-align: left; }
table.pods td.cpus { font-family: ui-monospace, 'DejaVu Sans Mono', monospace; }
table.pods button { font: inherit; padding: 2px 10px; cursor: pointer; }
.swatch { display: inline-block; width: 12px; height: 12px; margin-right: 6px; vertical-align: -1px;
  border: 1px solid #1f1f1f; border-radius: 2px; }
#details { min-height: 3.2em; padding: 6px 8px; margin-bottom: 10px; background: #f6f6f6;
  border: 1px solid #ccc; border-radius: 4px; white-space: pre-line; font-size: 13px; }
.note { color: #555; font-size: 12.5px; }
"""

PAGE_JS = r"""
(function () {
  'use strict';
  const data = JSON.parse(document.getElementById('podfit-frames').textContent);
  const steps = data.steps;
  const last = steps.length - 1;
  const KINDS = data.kinds;
  const UI = data.ui;
  const CHECK_EVERY = 256;
  const OPS = { admitted: 'add', rejected: 'add', removed: 'remove', started: 'start' };
  const MARK = { admitted: '✓', rejected: '✗', removed: '−', started: '▸', 'not-on-node': '·' };
  const SVGNS = 'http://www.w3.org/2000/svg';
  const ncpu = data.cpus.length;
  const slot = new Map();
  data.cpus.forEach(function (r, j) { slot.set(r[0], j); });
  const boxes = new Array(ncpu);
  document.querySelectorAll('section.map g.cpu[data-cpu]').forEach(function (g) {
    const j = slot.get(Number(g.dataset.cpu));
    if (j !== undefined) { boxes[j] = g; }
  });
  const map = document.querySelector('section.map');
  const slider = document.getElementById('step');
  const prev = document.getElementById('prev');
  const next = document.getElementById('next');
  const num = document.getElementById('step-num');
  const details = document.getElementById('details');
  const aside = document.querySelector('main aside');
  const timeline = document.querySelector('ol.timeline');
  let current = Number(document.body.dataset.step);

  // ----- CPU lists and amounts, worded as podfit words them -----------------------------------
  function parseSet(text) {
    const out = [];
    if (!text) { return out; }
    text.split(',').forEach(function (part) {
      const dash = part.indexOf('-');
      if (dash < 0) { out.push(Number(part)); return; }
      const hi = Number(part.slice(dash + 1));
      for (let c = Number(part.slice(0, dash)); c <= hi; c++) { out.push(c); }
    });
    return out;
  }
  function formatSet(ids) {
    const s = ids.slice().sort(function (a, b) { return a - b; });
    const parts = [];
    let i = 0;
    while (i < s.length) {
      let j = i;
      while (j + 1 < s.length && s[j + 1] === s[j] + 1) { j++; }
      parts.push(i === j ? String(s[i]) : s[i] + '-' + s[j]);
      i = j + 1;
    }
    return parts.join(',');
  }
  function roundHalfEven(x) {
    const f = Math.floor(x);
    const d = x - f;
    if (d > 0.5) { return f + 1; }
    if (d < 0.5) { return f; }
    return f % 2 === 0 ? f : f + 1;
  }
  const UNITS = [['Ti', Math.pow(2, 40)], ['Gi', Math.pow(2, 30)], ['Mi', Math.pow(2, 20)], ['Ki', 1024]];
  function formatBytes(n) {
    for (const [suffix, size] of UNITS) {
      if (n >= size) {
        if (n % size === 0) { return (n / size) + suffix; }
        return (roundHalfEven(n * 10 / size) / 10).toFixed(1) + suffix;
      }
    }
    return String(n);
  }
  function short(name) {
    const chars = Array.from(name);
    return chars.length <= 6 ? name : chars.slice(0, 5).join('') + '…';
  }

  // ----- the state after a step, replayed from the nearest copy -----------------------------
  function blank() {
    return { owners: new Int32Array(ncpu).fill(-1), pool: new Set(), mem: null, on: new Map() };
  }
  function copy(s) {
    return {
      owners: s.owners.slice(), pool: new Set(s.pool), mem: s.mem && new Map(s.mem), on: new Map(s.on)
    };
  }
  function apply(s, i) {
    const e = steps[i];
    if (e.c) {
      e.c.forEach(function (change) {
        parseSet(change[1]).forEach(function (cpu) {
          const j = slot.get(cpu);
          if (j !== undefined) { s.owners[j] = change[0]; }
        });
      });
    }
    if (e.d) {
      parseSet(e.d).forEach(function (cpu) {
        if (s.pool.has(cpu)) { s.pool.delete(cpu); } else { s.pool.add(cpu); }
      });
    }
    if ('m' in e) {
      if (e.m === null) { s.mem = null; } else {
        if (!s.mem) { s.mem = new Map(); }
        e.m.forEach(function (row) { s.mem.set(row[0], row.slice(1)); });
      }
    }
    if (e.a !== undefined) {
      const name = data.pods[e.a][0];
      s.on.delete(name);
      s.on.set(name, e.a);
    }
    if (e.l) { s.on.delete(e.p); }
  }
  const copies = new Map();
  let state = blank();
  let at = -1;
  function stateAt(i) {
    if (i < at) {
      let k = Math.floor(i / CHECK_EVERY) * CHECK_EVERY;
      while (k > 0 && !copies.has(k)) { k -= CHECK_EVERY; }
      if (copies.has(k)) { state = copy(copies.get(k)); at = k; } else { state = blank(); at = -1; }
    }
    while (at < i) {
      at += 1;
      apply(state, at);
      if (at % CHECK_EVERY === 0 && !copies.has(at)) { copies.set(at, copy(state)); }
    }
    return state;
  }

  // ----- the CPU boxes ----------------------------------------------------------------------
  function tag(o) {
    const kind = KINDS[o[0]];
    if (kind === 'reserved') { return 'rsv'; }
    if (o[1] < 0) { return ''; }
    const label = data.names[o[1]][1] || 'P?';
    if (kind === 'pod-shared') { return label + ' shared'; }
    return o[2] ? label + ' ' + short(o[2].split(',')[0]) : label + ' free';
  }
  function tooltip(j, o) {
    const r = data.cpus[j];
    let place = 'CPU ' + r[0] + ' · core ' + r[1] + ' · socket ' + r[2] + ' · NUMA ' + r[3];
    if (r[4] !== null) { place += ' · L3 ' + r[4]; }
    let who = data.kindLabels[o[0]];
    if (KINDS[o[0]] === 'reserved' && o[6]) { who += ' (also in the node shared pool)'; }
    if (o[1] >= 0) {
      who += ': pod ' + data.names[o[1]][0];
      if (o[2]) { who += ', container ' + o[2].split(',').join(', '); }
    }
    return place + '\n' + who;
  }
  const painted = new Int32Array(ncpu).fill(-2);
  function paint(s) {
    for (let j = 0; j < ncpu; j++) {
      const id = s.owners[j];
      const g = boxes[j];
      if (id === painted[j] || !g || id < 0) { continue; }
      painted[j] = id;
      const o = data.owners[id];
      const kind = KINDS[o[0]];
      g.setAttribute('class', 'cpu k-' + kind);
      g.setAttribute('style', '--fill:' + o[3] + ';--ink:' + o[4] + ';--edge:' + o[5]);
      g.dataset.kind = kind;
      g.dataset.pod = o[1] < 0 ? '' : data.names[o[1]][0];
      g.dataset.container = o[2];
      g.querySelector('.cpu-tag').textContent = tag(o);
      g.querySelector('title').textContent = tooltip(j, o);
    }
  }

  // ----- the panel of the step shown --------------------------------------------------------
  function el(name, attrs, children) {
    const e = document.createElement(name);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    (children || []).forEach(function (c) {
      e.appendChild(typeof c === 'string' ? document.createTextNode(c) : c);
    });
    return e;
  }
  function svgEl(name, attrs, text) {
    const e = document.createElementNS(SVGNS, name);
    Object.keys(attrs).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text !== undefined) { e.textContent = text; }
    return e;
  }
  function info(i) {
    const e = steps[i];
    const status = data.statuses[e.t];
    const op = e.o || OPS[status] || null;
    const pod = e.p === undefined ? null : data.names[e.p][0];
    const first = status === 'refused' ? 'Kubelet refuses to start' : 'Initial state';
    const title = op === null ? first : op + ' ' + pod;
    const reason = e.r === undefined ? null : data.text[e.r];
    const message = e.g === undefined ? null : data.text[e.g];
    let caption = 'Step ' + i + '/' + last + ': ' + title;
    if (op !== null) { caption += ' — ' + status; }
    if (reason) { caption += ': ' + reason; }
    if (message) { caption += ': ' + message; }
    return {
      e: e, status: status, op: op, pod: pod, title: title, reason: reason, message: message, caption: caption
    };
  }
  function swatch(colour) {
    return colour ? [el('span', { class: 'swatch', style: 'background:' + colour })] : [];
  }
  function legend(s) {
    const counts = new Array(KINDS.length).fill(0);
    for (let j = 0; j < ncpu; j++) { if (s.owners[j] >= 0) { counts[data.owners[s.owners[j]][0]] += 1; } }
    const ul = el('ul', { class: 'legend', 'aria-label': 'Legend' });
    KINDS.forEach(function (kind, k) {
      if (!counts[k]) { return; }
      const p = data.kindPaints[k];
      const svg = svgEl('svg', { width: 30, height: 20, 'aria-hidden': 'true' });
      const style = '--fill:' + p[0] + ';--ink:' + p[1] + ';--edge:' + p[2];
      const g = svgEl('g', { class: 'k-' + kind, style: style });
      g.appendChild(svgEl('rect', { class: 'cpu-box', x: 1, y: 1, width: 28, height: 18, rx: 3 }));
      svg.appendChild(g);
      const n = counts[k];
      ul.appendChild(el('li', { class: 'legend-item', 'data-kind': kind }, [
        svg, el('span', {}, [data.kindLegend[k]]), ' ',
        el('span', { class: 'count' }, ['(' + n + ' CPU' + (n === 1 ? '' : 's') + ')'])]));
    });
    return ul;
  }
  function podsTable(s, all) {
    if (s.on.size === 0) { return el('p', { class: 'note' }, ['No pod holds CPUs or memory on the node.']); }
    const body = el('tbody', {}, [el('tr', {}, ['container', 'kind', 'assignment', 'CPUs'].map(
      function (h) { return el('th', {}, [h]); }))]);
    const table = el('table', { class: 'pods' }, [body]);
    let shown = 0;
    for (const adm of s.on.values()) {
      if (!all && shown === UI.podsShown) { break; }
      shown += 1;
      const p = data.pods[adm];
      const name = data.names[p[0]];
      const budget = p[1] === null ? '' : ' · budget ' + p[1];
      body.appendChild(el('tr', { class: 'pod-row', 'data-pod': name[0] }, [
        el('th', { colspan: 4 }, swatch(p[2]).concat([name[1] + ' ' + name[0] + budget]))]));
      p[3].forEach(function (c) {
        body.appendChild(el('tr', {}, [
          el('td', {}, swatch(c[4]).concat([c[0]])), el('td', {}, [c[1]]), el('td', {}, [c[2]]),
          el('td', { class: 'cpus' }, [c[3] === null ? 'node shared pool' : c[3]])]));
      });
    }
    if (shown < s.on.size) {
      const button = el('button', { type: 'button', class: 'show-all' }, ['Show all ' + s.on.size + ' pods']);
      body.appendChild(el('tr', { class: 'more' }, [el('td', { colspan: 4 }, [button])]));
    }
    return table;
  }
  function memory(s) {
    const rows = [];
    if (s.mem) {
      data.memOrder.forEach(function (r) {
        const v = s.mem.get(r);
        if (v && (v[0] || v[1] || v[2])) { rows.push([data.mem[r], v]); }
      });
    }
    if (!rows.length) {
      return el('p', { class: 'note' }, ['No per-NUMA memory table in this result for this step.']);
    }
    const barX = 170, barW = 390, rowH = 26, w = barX + barW, h = rows.length * rowH;
    const svg = svgEl('svg', { class: 'podfit-svg memory', width: w, height: h, viewBox: '0 0 ' + w + ' ' + h,
      role: 'img', 'aria-label': 'Memory per NUMA node' });
    rows.forEach(function (row, i) {
      const numa = row[0][0], type = row[0][1], alloc = row[1][0], reserved = row[1][1], free = row[1][2];
      const used = Math.max(alloc - free, 0);
      const usedW = alloc <= 0 ? 0 : roundHalfEven(barW * Math.min(used, alloc) / alloc);
      const text = formatBytes(used) + ' assigned · ' + formatBytes(free) + ' free of ' + formatBytes(alloc);
      const g = svgEl('g', {
        class: 'mem-row', 'data-numa': numa, 'data-type': type, 'data-allocatable': alloc,
        'data-reserved': reserved, 'data-free': free, transform: 'translate(0,' + (i * rowH) + ')'
      });
      g.appendChild(svgEl('title', {}, 'NUMA ' + numa + ' ' + type + ': ' + text));
      g.appendChild(svgEl('text', { class: 'mem-label', x: 0, y: 16 }, 'NUMA ' + numa + ' · ' + type));
      g.appendChild(svgEl('rect', { class: 'mem-bg', x: barX, y: 2, width: barW, height: 20, rx: 3 }));
      g.appendChild(svgEl('rect', { class: 'mem-used', x: barX, y: 2, width: usedW, height: 20, rx: 3 }));
      g.appendChild(svgEl('text', { class: 'mem-label', x: barX + 6, y: 16 }, text));
      svg.appendChild(g);
    });
    return svg;
  }
  function shortfall(x) {
    if (x.status !== 'rejected' || !('f' in x.e)) { return []; }
    if (x.e.f === 0) {
      return [el('p', { class: 'note shortfall' }, [
        'Shortfall not computed for this rejection (only the first ones are): podfit explain --pod ' +
        (x.pod || '') + ' traces it.'])];
    }
    return [el('div', { class: 'shortfall' }, [el('h3', {}, ['What it lacked']),
      el('ul', {}, x.e.f.map(function (line) { return el('li', {}, [line]); }))])];
  }
  function panel(i, s) {
    const x = info(i);
    const head = x.op === null ? [] : [el('span', { class: 'status status-' + x.status }, [x.status])];
    const parts = [el('h2', {}, head.concat(['Step ' + i + '/' + last + ': ' + x.title]))];
    if (x.reason || x.message) {
      parts.push(el('p', { class: 'reason' }, [el('strong', {}, [x.reason || '']),
        (x.reason && x.message ? ': ' : '') + (x.message || '')]));
    }
    const pool = formatSet(Array.from(s.pool));
    const attrs = { class: 'step-panel', 'data-step': i, 'data-status': x.status, 'aria-label': x.caption };
    return el('section', attrs, parts.concat(shortfall(x), [
      legend(s), el('p', { class: 'note pool' }, ['Node shared pool: ' + (pool || 'empty')]),
      el('h3', {}, ['Pods on the node']), podsTable(s, false),
      el('h3', {}, ['Memory per NUMA node']), memory(s)]));
  }

  // ----- the timeline -----------------------------------------------------------------------
  function windowOf(i) {
    if (last + 1 <= UI.timelineAll) { return [0, last + 1]; }
    const lo = Math.max(0, Math.min(i - UI.timelineSpan, last - 2 * UI.timelineSpan));
    return [lo, Math.min(last + 1, lo + 2 * UI.timelineSpan + 1)];
  }
  function markTimeline(i) {
    if (last + 1 > UI.timelineAll) {
      const w = windowOf(i);
      const items = [];
      if (w[0] > 0) { items.push(el('li', { class: 'gap', 'aria-hidden': 'true' }, ['…'])); }
      for (let k = w[0]; k < w[1]; k++) {
        const x = info(k);
        const label = (k + ' ' + (MARK[x.status] || '') + ' ' + x.title).split('  ').join(' ');
        items.push(el('li', { class: 'st-' + x.status, 'data-step': k }, [
          el('button', { type: 'button', title: x.status }, [label])]));
      }
      if (w[1] <= last) { items.push(el('li', { class: 'gap', 'aria-hidden': 'true' }, ['…'])); }
      timeline.replaceChildren.apply(timeline, items);
    }
    timeline.querySelectorAll('li[data-step]').forEach(function (m) {
      if (Number(m.dataset.step) === i) { m.setAttribute('aria-current', 'step'); }
      else { m.removeAttribute('aria-current'); }
    });
  }

  // ----- showing a step ---------------------------------------------------------------------
  function show(i) {
    i = Math.max(0, Math.min(last, i));
    current = i;
    const s = stateAt(i);
    paint(s);
    const old = aside.querySelector('.step-panel');
    const fresh = panel(i, s);
    if (old) { aside.replaceChild(fresh, old); } else { aside.appendChild(fresh); }
    markTimeline(i);
    slider.value = String(i);
    prev.disabled = i === 0;
    next.disabled = i === last;
    num.textContent = 'Step ' + i + ' / ' + last;
    document.body.dataset.step = String(i);
    details.textContent = 'Hover or click a CPU for details.';
  }

  prev.addEventListener('click', function () { show(current - 1); });
  next.addEventListener('click', function () { show(current + 1); });
  slider.addEventListener('input', function () { show(Number(slider.value)); });
  timeline.addEventListener('click', function (e) {
    const li = e.target.closest('li[data-step]');
    if (li) { show(Number(li.dataset.step)); }
  });
  aside.addEventListener('click', function (e) {
    if (!e.target.closest('button.show-all')) { return; }
    const table = aside.querySelector('.step-panel table.pods');
    table.parentNode.replaceChild(podsTable(stateAt(current), true), table);
  });
  document.addEventListener('keydown', function (e) {
    if (e.target && e.target.tagName === 'INPUT') { return; }
    if (e.key === 'ArrowLeft') { show(current - 1); }
    if (e.key === 'ArrowRight') { show(current + 1); }
  });
  function explain(e) {
    const g = e.target.closest && e.target.closest('g.cpu');
    if (g) { details.textContent = g.querySelector('title').textContent; }
  }
  map.addEventListener('mouseover', explain);
  map.addEventListener('click', explain);
  show(current);
})();
"""
