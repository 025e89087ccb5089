// InterPositive Edge DIT dashboard: polls the appliance API and renders cards, clips and sync status.
"use strict";
const state = { token: localStorage.getItem("ip.token") };

async function signInFromLink() {
  const m = location.hash.match(/signin=([0-9a-f]+)/);
  if (!m) return;
  history.replaceState(null, "", location.pathname);
  await fetch(`/signin?code=${m[1]}`, { method: "POST" });
}

async function api(path) {
  const headers = state.token ? { Authorization: `Bearer ${state.token}` } : {};
  const r = await fetch(`/api/v1${path}`, { headers, credentials: "same-origin" });
  if (r.status === 401) { document.getElementById("signin-panel").hidden = false; throw new Error("unauthorised"); }
  document.getElementById("signin-panel").hidden = true;
  return r.json();
}

const el = (tag, attrs = {}, ...children) => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) k === "class" ? (e.className = v) : e.setAttribute(k, v);
  for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(c ?? ""));
  return e;
};

function renderCards(cards) {
  const root = document.getElementById("cards");
  root.replaceChildren();
  if (!cards.length) { root.append(el("p", { class: "muted" }, "No cards yet.")); return; }
  for (const c of cards) {
    const safe = c.safeToFormat ? el("span", { class: "safe" }, "safe to format") : el("span", { class: "unsafe" }, c.status);
    const dests = el("div", { class: "dest" });
    for (const d of c.destinations) {
      const pct = c.totalBytes ? Math.round(100 * d.bytesVerified / c.totalBytes) : (d.status === "verified" ? 100 : 0);
      dests.append(el("span", {}, d.path), el("span", {}, `${d.status} ${pct}%`));
      const bar = el("div", { class: "bar" }, el("div", { style: `width:${pct}%` }));
      dests.append(bar);
      if (d.error) dests.append(el("span", { class: "unsafe" }, d.error));
      if (d.linksLeftOut?.length) dests.append(el("span", { class: "muted" }, `holds no links: ${d.linksLeftOut.length} of the card's links not made (their targets are copied)`));
    }
    root.append(el("div", { class: "card", "data-card": c.id }, el("h3", {}, c.name, safe),
      el("div", { class: "muted" }, `${c.cameraFamily ?? "camera ?"} · ${c.fileCount} files · ${(c.totalBytes / 1e9).toFixed(2)} GB`), dests));
  }
}

function renderClips(clips) {
  const body = document.querySelector("#clips tbody");
  body.replaceChildren();
  for (const c of clips) {
    const m = c.clip ?? {};
    const l = c.lighting ?? {};
    body.append(el("tr", { "data-clip": c.id, class: c.id === state.selected ? "selected" : "" },
      el("td", {}, m.clip ?? c.id), el("td", {}, m.reel ?? ""), el("td", {}, [m.scene, m.take].filter(Boolean).join("/")),
      el("td", {}, m.timecode?.start ?? ""), el("td", {}, [m.camera?.make, m.camera?.model].filter(Boolean).join(" ")),
      el("td", {}, m.iso ?? m.exposureIndex ?? ""), el("td", {}, m.whiteBalanceK ? `${m.whiteBalanceK} K` : ""),
      el("td", {}, m.shutterAngle ? `${m.shutterAngle}°` : ""),
      el("td", {}, l.light?.cct ? `${Math.round(l.light.cct)} K` : ""),
      el("td", {}, l.exposure?.averageStops != null ? `${l.exposure.averageStops.toFixed(2)} st` : "")));
  }
}

const thumbs = {};
async function refreshThumb(name) {
  const fc = document.getElementById("false-colour").checked;
  const headers = state.token ? { Authorization: `Bearer ${state.token}` } : {};
  const r = await fetch(`/api/v1/feeds/${encodeURIComponent(name)}/thumbnail.png?falseColour=${fc}`, { headers, credentials: "same-origin" });
  if (!r.ok) return;
  const url = URL.createObjectURL(await r.blob());
  const img = document.querySelector(`[data-feed="${name}"] img`);
  if (img) { if (thumbs[name]) URL.revokeObjectURL(thumbs[name]); thumbs[name] = url; img.src = url; }
}

const fmt = (v, digits, unit) => v == null ? "–" : `${Number(v).toFixed(digits)}${unit}`;

function renderFeeds(feeds) {
  const root = document.getElementById("feeds");
  if (!feeds.length) { root.replaceChildren(el("p", { class: "muted" }, "No feeds.")); return; }
  for (const f of feeds) {
    let box = root.querySelector(`[data-feed="${f.name}"]`);
    if (!box) {
      if (root.querySelector("p.muted")) root.replaceChildren();
      box = el("div", { class: "feed", "data-feed": f.name }, el("img", { alt: `feed ${f.name}` }), el("div", { class: "tc" }), el("div", { class: "readouts" }), el("div", { class: "muted meta" }));
      root.append(box);
    }
    box.querySelector(".tc").textContent = `${f.name}  ${f.timecode ?? "--:--:--:--"}`;
    box.querySelector(".readouts").replaceChildren(
      el("span", {}, `exp ${fmt(f.exposureStops, 1, " st")}`), el("span", {}, `clip ${fmt(f.clippedPct, 1, " %")}`), el("span", {}, `${fmt(f.cct, 0, " K")}`),
      el("span", {}, `Duv ${fmt(f.duv, 3, "")}`), el("span", { class: f.flicker ? "unsafe" : "" }, f.flicker ? `flicker ${fmt(f.flickerHz, 0, " Hz")}` : "no flicker"),
      el("span", {}, `drop ${f.dropped} · rep ${f.repeated}`));
    box.querySelector(".meta").textContent = `${f.state} · ${f.format ?? ""} · ${f.camera ?? ""}`;
    refreshThumb(f.name);
  }
}

// Light sensors on the cart's I²C bus: the latest lux and CCT, or why a sensor is not reading.
function renderSensors(sensors) {
  const root = document.getElementById("sensors");
  root.hidden = !sensors.length;
  root.replaceChildren(...sensors.map(s => el("div", { class: "sensor", "data-sensor": s.name },
    el("strong", {}, s.name), el("span", { class: "lux" }, s.state === "reading" ? fmt(s.lux, 0, " lx") : "–"),
    el("span", {}, s.state === "reading" && s.cct ? fmt(s.cct, 0, " K") : ""),
    el("span", { class: s.state === "reading" ? "muted" : "unsafe" }, s.state === "reading" ? (s.saturated ? "saturated" : s.timecode ?? "") : `${s.state}${s.error ? ": " + s.error : ""}`))));
}

function renderJobs(jobs) {
  const root = document.getElementById("jobs");
  const active = jobs.slice(0, 6);
  if (!active.length) { root.textContent = "No offload running."; root.className = "muted"; return; }
  root.className = "";
  root.replaceChildren(...active.map(j => {
    const pct = j.bytesTotal ? Math.round(100 * j.bytesDone / j.bytesTotal) : (j.state === "verified" ? 100 : 0);
    return el("div", { class: "card", "data-job": j.id }, el("h3", {}, j.name, el("span", { class: j.state === "verified" ? "safe" : "unsafe" }, j.state)),
      el("div", { class: "bar" }, el("div", { style: `width:${pct}%` })),
      el("div", { class: "muted" }, `${pct}% · ${j.filesDone}/${j.filesTotal} files${j.currentFile ? " · " + j.currentFile : ""}${j.error ? " · " + j.error : ""}`));
  }));
}

function renderAlerts(clips) {
  const items = [];
  for (const c of clips) {
    const alerts = c.alerts ?? [];
    for (const a of alerts) items.push(el("li", { class: a.kind === "flicker" ? "flicker" : "continuity" }, `${c.clip?.clip ?? c.id}: ${a.message}`));
    if (alerts.some(a => a.kind !== "flicker")) items.push(matchControl(c));
  }
  const root = document.getElementById("alerts");
  root.replaceChildren(...(items.length ? items : [el("li", { class: "muted" }, "No continuity or flicker alerts.")]));
}

// A take with a continuity alert is offered a match to the take it was compared with; the DIT accepts or rejects it,
// and an accepted match goes to post with the shot. Decisions are the operator's (POST needs the operator token).
state.matches = {};
function matchControl(clip) {
  const m = state.matches[clip.id];
  if (m === undefined) {
    state.matches[clip.id] = null;
    api(`/matches/${clip.id}`).then(r => { if (r?.status) { state.matches[clip.id] = r; refresh(); } }).catch(() => {});
  }
  const li = el("li", { class: "match", "data-clip": clip.id });
  if (!m) {
    li.append(el("button", { type: "button", "data-action": "offer" }, "Offer match to reference"));
  } else {
    const ch = m.adjustment?.changes ?? {};
    const after = m.adjustment?.after ?? {};
    const lamp = ch.fromKelvin ? `lamp ${Math.round(ch.fromKelvin)} K → ${Math.round(ch.toKelvin)} K, ` : "";
    li.append(el("span", {}, `match to ${m.referenceClip}: ${lamp}exposure ${(ch.exposureStops ?? 0).toFixed(2)} stops${ch.key ? `, key ${ch.key.stops.toFixed(2)} stops` : ""}; after: ΔCCT ${after.cctK ?? "—"} K, exposure ${(after.exposureStops ?? 0).toFixed(2)} stops · ${m.status}`));
    if (m.status === "offered") {
      li.append(el("button", { type: "button", "data-action": "accept" }, "Accept"), el("button", { type: "button", "data-action": "reject" }, "Reject"));
    }
  }
  li.addEventListener("click", async e => {
    const action = e.target?.dataset?.action;
    if (!action) return;
    e.target.disabled = true;
    const headers = state.token ? { Authorization: `Bearer ${state.token}` } : {};
    const r = await fetch(`/api/v1/matches/${action}/${clip.id}`, { method: "POST", headers, credentials: "same-origin" });
    if (r.ok) state.matches[clip.id] = await r.json();
    refresh();
  });
  return li;
}

// The selected take: a summary line and the plots a DIT would rather look at than read. Redrawn only when the
// record changes, so the 500 ms refresh does not make the plots blink.
function renderTake(clip) {
  const panel = document.getElementById("take-panel");
  if (!clip) { panel.hidden = true; return; }
  panel.hidden = false;
  const key = clip.id + JSON.stringify(clip.lighting ?? null);
  if (state.plotted === key) return;
  state.plotted = key;
  document.getElementById("take-clip").textContent = clip.clip?.clip ?? clip.id;
  const l = clip.lighting;
  const e = l?.exposure ?? {}, c = l?.light ?? {}, k = l?.contrast ?? {}, f = l?.flicker ?? {};
  document.getElementById("take-summary").replaceChildren(...(l ? [
    el("span", {}, `exposure ${fmt(e.averageStops, 2, " st")}`), el("span", {}, `clipped ${fmt(e.clippedPct, 1, " %")}`), el("span", {}, `crushed ${fmt(e.crushedPct, 1, " %")}`),
    el("span", {}, `light ${fmt(c.cct, 0, " K")}`), el("span", {}, `Duv ${fmt(c.duv, 4, "")}`), el("span", {}, `tint ${fmt(c.tint, 1, " CC")}`),
    el("span", {}, `key/fill ${fmt(k.keyFillStops, 1, " st")}`), el("span", {}, k.keyAzimuthDeg == null ? "key –" : `key ${fmt(k.keyAzimuthDeg, 0, "°")} az ${fmt(k.keyElevationDeg, 0, "°")} el`),
    el("span", { class: f.detected ? "unsafe" : "" }, f.detected ? `flicker ${fmt(f.frequencyHz, 0, " Hz")} ${fmt(f.depthPct, 1, " %")}` : "no flicker"),
    ...(l.sensors ?? []).slice(-1).map(r => el("span", { class: "sensor" }, `${r.sensor} ${fmt(r.lux, 0, " lx")}${r.cct ? " " + fmt(r.cct, 0, " K") : ""}`)),
  ] : [el("span", { class: "muted" }, "lighting not measured yet")]));
  document.getElementById("take-plots").replaceChildren(...Plots.take(l));
}

// The clip's look: the form shows the stored ASC CDL; Set and Clear write it (operator session), and post gets it with
// the shot. Filled only when another clip is selected, so the refresh does not overwrite what the DIT is typing.
function showLook(clip) {
  const form = document.getElementById("look-form");
  const cdl = clip.look ?? null;
  form.slope.value = (cdl?.slope ?? [1, 1, 1]).join(" ");
  form.offset.value = (cdl?.offset ?? [0, 0, 0]).join(" ");
  form.power.value = (cdl?.power ?? [1, 1, 1]).join(" ");
  form.saturation.value = cdl?.saturation ?? 1;
  document.getElementById("look-status").textContent = cdl ? `look ${cdl.id ?? ""} set` : "no look";
}
async function writeLook(method, body) {
  const id = state.selected;
  if (!id) return;
  const headers = { "Content-Type": "application/json", ...(state.token ? { Authorization: `Bearer ${state.token}` } : {}) };
  const r = await fetch(`/api/v1/looks/${id}`, { method, headers, credentials: "same-origin", body: body ? JSON.stringify(body) : undefined });
  const answer = await r.json().catch(() => ({}));
  document.getElementById("look-status").textContent = r.ok ? (answer.cdl ? "look set" : "look cleared") : (answer.error ?? `failed (${r.status})`);
}
document.getElementById("look-form").addEventListener("submit", ev => {
  ev.preventDefault();
  const f = ev.target, triple = s => s.trim().split(/[\s,]+/).map(Number);
  writeLook("PUT", { slope: triple(f.slope.value), offset: triple(f.offset.value), power: triple(f.power.value), saturation: Number(f.saturation.value) });
});
document.getElementById("look-clear").addEventListener("click", () => writeLook("DELETE"));

// Relight sliders: each move asks the appliance for the clip's first frame relit (debounced, last request wins).
const relight = { clip: null, timer: null, seq: 0, url: null };
function openRelight(clip) {
  relight.clip = clip;
  document.getElementById("relight-panel").hidden = false;
  document.getElementById("relight-clip").textContent = clip.clip?.clip ?? clip.id;
  const wb = clip.clip?.whiteBalanceK;
  if (wb) { document.getElementById("cct").value = wb; }
  requestRelight();
}
function requestRelight() {
  const v = id => document.getElementById(id).value;
  document.getElementById("cct-out").textContent = `${v("cct")} K`;
  document.getElementById("tint-out").textContent = v("tint");
  document.getElementById("exposure-out").textContent = `${Number(v("exposure")).toFixed(1)} st`;
  document.getElementById("az-out").textContent = `${v("az")}°`;
  document.getElementById("el-out").textContent = `${v("el")}°`;
  document.getElementById("ks-out").textContent = Number(v("ks")).toFixed(1);
  clearTimeout(relight.timer);
  relight.timer = setTimeout(async () => {
    if (!relight.clip) return;
    const seq = ++relight.seq;
    const started = performance.now();
    const key = Number(v("ks")) !== 0 ? `&key=${v("az")},${v("el")},${v("ks")}` : "";
    const headers = state.token ? { Authorization: `Bearer ${state.token}` } : {};
    const r = await fetch(`/api/v1/relight/${relight.clip.id}?cct=${v("cct")}&tint=${v("tint")}&exposure=${v("exposure")}${key}`, { headers, credentials: "same-origin" });
    if (!r.ok || seq !== relight.seq) return;
    const url = URL.createObjectURL(await r.blob());
    if (relight.url) URL.revokeObjectURL(relight.url);
    relight.url = url;
    document.getElementById("relight-image").src = url;
    document.getElementById("relight-ms").textContent = `answered in ${Math.round(performance.now() - started)} ms`;
  }, 120);
}
for (const id of ["cct", "tint", "exposure", "az", "el", "ks"]) document.getElementById(id).addEventListener("input", requestRelight);
document.querySelector("#clips tbody").addEventListener("click", ev => {
  const row = ev.target.closest("tr[data-clip]");
  const clip = row && state.clips?.find(c => c.id === row.dataset.clip);
  if (!clip) return;
  state.selected = clip.id;
  for (const r of document.querySelectorAll("#clips tbody tr")) r.classList.toggle("selected", r === row);
  renderTake(clip);
  showLook(clip);
  openRelight(clip);
  document.getElementById("take-panel").scrollIntoView({ behavior: "smooth", block: "start" });
});

async function refresh() {
  try {
    const [cards, clips, sync, feeds, jobs, sensors] = await Promise.all([api("/cards"), api("/clips"), api("/sync"), api("/feeds"), api("/offload/jobs"), api("/sensors")]);
    renderCards(cards.items);
    state.clips = clips.items;
    renderClips(clips.items);
    renderFeeds(feeds.items);
    renderJobs(jobs.items);
    renderSensors(sensors.items);
    renderAlerts(clips.items);
    if (state.selected) renderTake(clips.items.find(c => c.id === state.selected));
    const s = document.getElementById("sync");
    s.textContent = `sync: ${sync.backlog} pending${sync.broker ? " · " + (sync.connected ? "connected" : "offline") : ""}`;
    s.className = "pill " + (sync.backlog === 0 ? "ok" : "bad");
  } catch (e) { /* shown through the sign-in panel */ }
}

document.getElementById("token-form").addEventListener("submit", ev => {
  ev.preventDefault();
  state.token = document.getElementById("token").value.trim();
  localStorage.setItem("ip.token", state.token);
  refresh();
});

signInFromLink().then(refresh);
setInterval(refresh, 500);
