// The fabric page: draws the snapshot from api/fabric, follows
// api/events, and asks api/path for the way between two hosts.
"use strict";

const SVG = "http://www.w3.org/2000/svg";
const state = { snap: null, selected: null, path: null };

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  for (const c of children) e.append(c);
  return e;
}

function svg(tag, attrs, ...children) {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  for (const c of children) e.append(c);
  return e;
}

// short writes a datapath id without its leading zeros: 0xe1.
function short(dpid) {
  return dpid.replace(/^0x0+(?=.)/, "0x");
}

// layout places the switches on a circle, in datapath order.
function layout(switches) {
  const pos = new Map();
  const n = switches.length, cx = 400, cy = 300;
  const r = n <= 1 ? 0 : Math.min(220, 90 + 25 * n);
  switches.forEach((s, i) => {
    const a = 2 * Math.PI * i / Math.max(n, 1) - Math.PI / 2;
    pos.set(s.dpid, { x: cx + r * Math.cos(a), y: cy + r * Math.sin(a), a });
  });
  return pos;
}

function onPath(hop) {
  return state.path && state.path.hops.some(h => h.dpid === hop);
}

function linkOnPath(l) {
  if (!state.path) return false;
  const hops = state.path.hops;
  for (let i = 0; i + 1 < hops.length; i++) {
    const a = hops[i], b = hops[i + 1];
    const fwd = l.a.dpid === a.dpid && l.a.port === a.out && l.b.dpid === b.dpid && l.b.port === b.in;
    const rev = l.b.dpid === a.dpid && l.b.port === a.out && l.a.dpid === b.dpid && l.a.port === b.in;
    if (fwd || rev) return true;
  }
  return false;
}

function drawGraph() {
  const snap = state.snap;
  const pos = layout(snap.switches);
  const links = document.getElementById("links");
  const hosts = document.getElementById("hosts");
  const switches = document.getElementById("switches");
  links.replaceChildren();
  hosts.replaceChildren();
  switches.replaceChildren();
  for (const l of snap.links) {
    const a = pos.get(l.a.dpid), b = pos.get(l.b.dpid);
    if (!a || !b) continue;
    const line = svg("line", { x1: a.x, y1: a.y, x2: b.x, y2: b.y, class: "link" + (linkOnPath(l) ? " on-path" : ""),
      "data-a": l.a.dpid + ":" + l.a.port, "data-b": l.b.dpid + ":" + l.b.port });
    line.append(svg("title", {}, `${short(l.a.dpid)}:${l.a.port} ↔ ${short(l.b.dpid)}:${l.b.port}`));
    links.append(line);
  }
  const slice = snap.slices.find(s => s.id === state.selected);
  if (slice) {
    // The selected slice's hosts, fanned out from their switch.
    const byDP = new Map();
    for (const e of slice.learned) {
      if (!byDP.has(e.dpid)) byDP.set(e.dpid, []);
      byDP.get(e.dpid).push(e);
    }
    for (const [dpid, entries] of byDP) {
      const p = pos.get(dpid);
      if (!p) continue;
      entries.forEach((e, i) => {
        const a = p.a + (i - (entries.length - 1) / 2) * 0.7;
        const d = 80 + 14 * (i % 2);
        const hx = p.x + d * Math.cos(a), hy = p.y + d * Math.sin(a);
        const mine = state.path && (state.path.from.mac === e.mac || state.path.to.mac === e.mac);
        const g = svg("g", { class: "host" + (mine ? " on-path" : ""), "data-mac": e.mac });
        g.append(svg("line", { x1: p.x, y1: p.y, x2: hx, y2: hy }),
          svg("rect", { x: hx - 6, y: hy - 6, width: 12, height: 12, rx: 2 }),
          svg("text", { x: hx, y: hy + 18 }, `${e.mac} @${e.port}`));
        hosts.append(g);
      });
    }
  }
  for (const s of snap.switches) {
    const p = pos.get(s.dpid);
    const g = svg("g", { class: "switch" + (s.connected ? "" : " disconnected") + (onPath(s.dpid) ? " on-path" : ""),
      "data-dpid": s.dpid });
    g.append(svg("circle", { cx: p.x, cy: p.y, r: 20 }),
      svg("text", { x: p.x, y: p.y - 26 }, short(s.dpid)),
      svg("title", {}, s.label || s.dpid));
    switches.append(g);
  }
}

// seen says how long ago an entry was seen.
function seen(age) {
  return !age || age < 1 ? "seen just now" : `seen ${Math.round(age)} s ago`;
}

function list(title, items, render) {
  const box = el("div", {});
  box.append(el("span", { class: "label" }, title));
  if (items.length === 0) {
    box.append(el("div", { class: "empty" }, "none"));
    return box;
  }
  const ul = el("ul", {});
  for (const it of items) ul.append(render(it));
  box.append(ul);
  return box;
}

function drawSlices() {
  const box = document.getElementById("slices");
  box.replaceChildren();
  if (state.snap.slices.length === 0) box.append(el("div", { class: "empty" }, "no slices"));
  for (const s of state.snap.slices) {
    const div = el("div", { class: "slice" + (s.id === state.selected ? " selected" : ""), "data-id": s.id });
    div.append(el("h3", {}, s.id));
    div.append(list("ports", s.ports, p => el("li", { class: "port", "data-port": `${p.dpid}:${p.port}` },
      `${short(p.dpid)} port ${p.port}, vlan ${p.vlan}` + (p.attached.length ? " — " + p.attached.join(", ") : ""))));
    div.append(list("attached to the network", s.network_attachments, m => el("li", { class: "mac attachment" }, m)));
    div.append(list("learned", s.learned, e => el("li", { class: "mac learned", "data-mac": e.mac },
      `${e.mac} at ${short(e.dpid)}:${e.port}, vlan ${e.vlan}` + (e.static ? " (attached)" : ` (${seen(e.age)})`))));
    div.addEventListener("click", () => select(s.id));
    box.append(div);
  }
}

function fillPathForm() {
  const sliceSel = document.getElementById("path-slice");
  const keep = sliceSel.value;
  sliceSel.replaceChildren(...state.snap.slices.map(s => el("option", { value: s.id }, s.id)));
  sliceSel.value = state.selected || keep;
  const slice = state.snap.slices.find(s => s.id === sliceSel.value);
  const macs = slice ? slice.learned.map(e => e.mac) : [];
  const chosen = { "path-src": state.path && state.path.from.mac, "path-dst": state.path && state.path.to.mac };
  for (const id of ["path-src", "path-dst"]) {
    const sel = document.getElementById(id);
    const was = chosen[id] || sel.value;
    sel.replaceChildren(...macs.map(m => el("option", { value: m }, m)));
    if (macs.includes(was)) sel.value = was;
  }
  const dst = document.getElementById("path-dst");
  if (macs.length > 1 && dst.value === document.getElementById("path-src").value) dst.value = macs[1];
}

function render() {
  if (!state.snap) return;
  if (state.selected && !state.snap.slices.some(s => s.id === state.selected)) state.selected = null;
  if (!state.selected && state.snap.slices.length) state.selected = state.snap.slices[0].id;
  const learned = state.snap.slices.reduce((n, s) => n + s.learned.length, 0);
  document.getElementById("summary").textContent =
    `${state.snap.switches.length} switches, ${state.snap.links.length} links, ${state.snap.slices.length} slices, ${learned} learned MACs`;
  drawGraph();
  drawSlices();
  fillPathForm();
}

function select(id) {
  if (state.selected !== id) state.path = null;
  state.selected = id;
  render();
}

async function showPath(ev) {
  ev.preventDefault();
  await fetchPath(new URLSearchParams(new FormData(ev.target)));
}

// fetchPath asks for the path q (slice, src, dst) names and draws it.
async function fetchPath(q) {
  const out = document.getElementById("path-result");
  state.selected = q.get("slice");
  const res = await fetch("api/path?" + q);
  if (!res.ok) {
    state.path = null;
    out.textContent = await res.text();
  } else {
    state.path = await res.json();
    out.textContent = state.path.hops.map(h => `${short(h.dpid)} (port ${h.in} → ${h.out})`).join(" → ");
  }
  render();
}

function setStatus(s, text) {
  const e = document.getElementById("status");
  e.dataset.state = s;
  e.textContent = text;
}

async function start() {
  document.getElementById("path-form").addEventListener("submit", showPath);
  document.getElementById("path-slice").addEventListener("change", ev => select(ev.target.value));
  try {
    const res = await fetch("api/fabric");
    state.snap = await res.json();
    render();
    // A link to the page may name a path: ?slice=ID&src=MAC&dst=MAC.
    const q = new URLSearchParams(location.search);
    if (q.get("slice") && q.get("src") && q.get("dst")) await fetchPath(q);
  } catch (e) {
    setStatus("down", "cannot reach the server");
  }
  const events = new EventSource("api/events");
  events.addEventListener("fabric", ev => {
    state.snap = JSON.parse(ev.data);
    setStatus("live", "live");
    render();
  });
  events.onerror = () => setStatus("down", "reconnecting…");
}

start();
