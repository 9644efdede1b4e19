"""Inline CSS and JavaScript of the page written by ``podfit render`` (no network access)."""

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
.step-panel h3 { font-size: 14px; margin: 12px 0 4px 0; }
ul.legend { list-style: none; padding: 0; margin: 6px 0; }
ul.legend li { display: flex; align-items: center; gap: 8px; margin: 3px 0; }
ul.legend svg { flex: none; }
table.pods { border-collapse: collapse; font-size: 12.5px; width: 100%; }
table.pods th, table.pods td { border-bottom: 1px solid #ddd; padding: 2px 6px; text-align: left; }
table.pods td.cpus { font-family: ui-monospace, 'DejaVu Sans Mono', monospace; }
#details { min-height: 3.2em; padding: 6px 8px; margin-bottom: 10px; background: #f6f6f6;
  border: 1px solid #ccc; border-radius: 4px; white-space: pre-line; font-size: 13px; }
.note { color: #555; font-size: 12.5px; }
"""

PAGE_JS = """
(function () {
  const data = JSON.parse(document.getElementById('podfit-frames').textContent);
  const last = data.steps.length - 1;
  const boxes = new Map();
  document.querySelectorAll('section.map g.cpu[data-cpu]').forEach(function (g) {
    boxes.set(Number(g.dataset.cpu), g);
  });
  const slider = document.getElementById('step');
  const prev = document.getElementById('prev');
  const next = document.getElementById('next');
  const num = document.getElementById('step-num');
  const details = document.getElementById('details');
  const panels = document.querySelectorAll('.step-panel');
  const marks = document.querySelectorAll('ol.timeline li');
  let current = Number(document.body.dataset.step);

  function paint(i) {
    const owners = data.steps[i];
    data.cpus.forEach(function (cpu, j) {
      const o = owners[j];
      const g = boxes.get(cpu);
      if (!g) { return; }
      g.setAttribute('class', 'cpu k-' + o[0]);
      g.dataset.kind = o[0];
      g.dataset.pod = o[1];
      g.dataset.container = o[2];
      g.querySelector('.cpu-tag').textContent = o[3];
      g.querySelector('title').textContent = o[4];
    });
  }

  function show(i) {
    i = Math.max(0, Math.min(last, i));
    current = i;
    paint(i);
    panels.forEach(function (p) { p.hidden = Number(p.dataset.step) !== i; });
    marks.forEach(function (m) {
      if (Number(m.dataset.step) === i) { m.setAttribute('aria-current', 'step'); }
      else { m.removeAttribute('aria-current'); }
    });
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
  marks.forEach(function (m) {
    m.querySelector('button').addEventListener('click', function () { show(Number(m.dataset.step)); });
  });
  document.addEventListener('keydown', function (e) {
    if (e.target && e.target.tagName === 'INPUT') { return; }
    if (e.key === 'ArrowLeft') { show(current - 1); }
    if (e.key === 'ArrowRight') { show(current + 1); }
  });
  boxes.forEach(function (g) {
    const explain = function () { details.textContent = g.querySelector('title').textContent; };
    g.addEventListener('mouseenter', explain);
    g.addEventListener('click', explain);
  });
  show(current);
})();
"""
