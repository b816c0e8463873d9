// adsbwatch's web map: polls data/aircraft.json (dump1090-fa's format) every second and
// shows the aircraft on an offline map and in a table; the history tab lists the watched
// aircraft's past visits from the store (api/visits) and draws their tracks. Sightings
// (data/sightings.json) show as banners, and as desktop notifications where allowed.
// ?icao=HEX selects that aircraft once it is heard (the push alerts link to it).
// Plain JavaScript, no build step; every URL is relative (works behind a path prefix).
"use strict";

const POLL_MS = 1000;
const TRAIL_MAX = 2000;        // positions kept per aircraft from the polls
const RING_STEPS = [50, 100, 150, 200];
const NM_M = 1852;
const STALE_S = 60;            // dump1090-fa's pages dim aircraft not heard for a minute
const CURRENT_VISIT_S = 600;  // a stored visit this recent is the one under way
const WATCHLIST_EVERY = 15;    // polls between reloads of api/watchlist (it can change)
const TRACK_PAGES_MAX = 50;    // pages of api/track (10,000 points each) read for one visit
const SIGHTING_RECENT_S = 600; // a sighting this recent (data time) gets a banner on opening
const SIGHTINGS_SHOWN = 5;     // banners at once: the oldest gives way
const DISMISSED_KEY = "adsbwatch.dismissed";  // localStorage: banners closed, by sighting

const state = {
  config: {tiles: null, receiver: null, history: false},
  receiver: null,              // {lat, lon}
  unit: "km",
  watch: [],                   // [{lo, hi, label}] as numbers
  aircraft: new Map(),         // hex -> {data, marker, trail: [[lat, lon], ...]}
  selected: null,              // hex
  now: 0,                      // aircraft.json's clock (a replay's stays at its end)
  storedTrail: null,           // the selected watched aircraft's points from the store
  trailLine: null,
  historyLine: null,
  sightingsSeen: new Set(),    // sightings already handled, by sightingKey
  notified: [],                // hexes a desktop notification was made for
  wantSelect: (new URLSearchParams(location.search).get("icao") || "").toLowerCase() || null,
};

const map = L.map("map", {worldCopyJump: true, zoomControl: true}).setView([30, 0], 2);

// ------------------------------------------------------------------ helpers

async function getJson(url) {
  const response = await fetch(url, {cache: "no-store"});
  if (!response.ok) {
    let why = response.status + " " + response.statusText;
    try { why = (await response.json()).error || why; } catch (e) { /* not JSON */ }
    throw new Error(url + ": " + why);
  }
  return response.json();
}

// A visit's whole track: api/track answers a page at a time, and a visit whose points did
// not all fit says where the rest starts (next_start).
async function wholeTrack(icao, visit) {
  const points = visit.track.slice();
  let next = visit.next_start;
  for (let pages = 1; next !== undefined && pages < TRACK_PAGES_MAX; pages++) {
    const doc = await getJson("api/track/" + icao + "?visit=" + encodeURIComponent(visit.id) +
                              "&start=" + next);
    const page = doc.visits[0];
    if (!page) break;
    for (const point of page.track) points.push(point);
    next = page.next_start;
  }
  return points;
}

function el(tag, props, ...children) {
  const node = document.createElement(tag);
  Object.assign(node, props || {});
  for (const child of children) node.append(child);
  return node;
}

function distanceKm(lat1, lon1, lat2, lon2) {
  const rad = Math.PI / 180, dLat = (lat2 - lat1) * rad, dLon = (lon2 - lon1) * rad;
  const a = Math.sin(dLat / 2) ** 2 +
            Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin(dLon / 2) ** 2;
  return 6371.0088 * 2 * Math.asin(Math.min(1, Math.sqrt(a)));
}

function fmt(value, digits) {
  if (value === undefined || value === null) return "";
  return typeof value === "number" ? value.toFixed(digits || 0) : String(value);
}

function utc(t) {
  return new Date(t * 1000).toISOString().replace("T", " ").slice(0, 19);
}

function watchEntry(hex) {
  if (hex.startsWith("~")) return null;  // not an ICAO address (TIS-B, ADS-R): not watched
  const n = parseInt(hex, 16);
  return state.watch.find((w) => w.lo <= n && n <= w.hi) || null;
}

// ------------------------------------------------------------------ the background

async function drawBackground() {
  if (state.config.tiles) {
    L.tileLayer(state.config.tiles, {
      maxZoom: 18, attribution: "tiles: " + new URL(state.config.tiles, location.href).host,
    }).addTo(map);
    return;
  }
  // Offline: Natural Earth's land, and country borders over it.
  try {
    const [land, countries] = await Promise.all([
      getJson("static/outlines/land.geojson"), getJson("static/outlines/countries.geojson")]);
    L.geoJSON(land, {interactive: false,
      style: {color: "#9aa69a", weight: 1, fillColor: "#f4f1e8", fillOpacity: 1}}).addTo(map);
    L.geoJSON(countries, {interactive: false,
      style: {color: "#b2a99a", weight: 0.8, fill: false}}).addTo(map);
    map.attributionControl.addAttribution("outlines: Natural Earth");
  } catch (e) {
    setStatus("cannot load the outlines: " + e.message);
  }
}

let ringLayer = null;

function drawReceiver() {
  if (ringLayer) ringLayer.remove();
  if (!state.receiver) return;
  const {lat, lon} = state.receiver;
  ringLayer = L.layerGroup().addTo(map);
  L.circleMarker([lat, lon], {radius: 5, color: "#000", weight: 2, fillColor: "#fff",
    fillOpacity: 1}).bindTooltip("receiver").addTo(ringLayer);
  const metres = state.unit === "nm" ? NM_M : 1000;
  for (const step of RING_STEPS) {
    L.circle([lat, lon], {radius: step * metres, color: "#666", weight: 1, fill: false,
      dashArray: "4 4", interactive: false}).addTo(ringLayer);
    // The ring's label at its northern edge.
    const north = lat + (step * metres) / 111320;
    L.marker([north, lon], {interactive: false, icon: L.divIcon({
      className: "ring-label", html: step + " " + state.unit, iconSize: [60, 14],
      iconAnchor: [30, 14]})}).addTo(ringLayer);
  }
}

// ------------------------------------------------------------------ aircraft

const PLANE = '<svg class="ac-plane" viewBox="-12 -12 24 24"><path d="M0,-11 L2,-3 L10,2 ' +
  'L10,4 L2,1.5 L1.5,7 L4,9 L4,10.5 L0,9.5 L-4,10.5 L-4,9 L-1.5,7 L-2,1.5 L-10,4 ' +
  'L-10,2 L-2,-3 Z"/></svg>';

function altitudeText(a) {
  if (a.alt_baro === "ground") return "ground";
  const alt = a.alt_baro !== undefined ? a.alt_baro : a.alt_geom;
  return alt === undefined ? "" : alt + " ft";
}

function markerIcon(a, hex, watch) {
  const classes = ["ac-marker"];
  if (watch) classes.push("watched");
  if (hex === state.selected) classes.push("selected");
  const name = (a.flight || "").trim() || hex;
  const lines = [name];
  if (watch && watch.label) lines.push(watch.label);
  const alt = altitudeText(a);
  if (alt) lines.push(alt);
  const rotation = typeof a.track === "number" ? a.track : 0;
  const html = PLANE.replace('class="ac-plane"',
      'class="ac-plane" style="transform: rotate(' + rotation + 'deg)"') +
    '<div class="ac-label"></div>';
  const icon = L.divIcon({className: classes.join(" "), html: html, iconSize: [24, 24],
    iconAnchor: [12, 12]});
  icon.labelText = lines;
  return icon;
}

function setMarker(entry, a, hex, watch) {
  const icon = markerIcon(a, hex, watch);
  const key = JSON.stringify([icon.options.className, icon.options.html, icon.labelText]);
  if (!entry.marker) {
    entry.marker = L.marker([a.lat, a.lon], {icon: icon, title: hex}).addTo(map);
    entry.marker.on("click", () => select(hex));
  } else {
    entry.marker.setLatLng([a.lat, a.lon]);
    if (entry.iconKey !== key) entry.marker.setIcon(icon);
  }
  if (entry.iconKey !== key) {
    // The label's text set as text, never as HTML: callsigns and labels are data.
    const node = entry.marker.getElement();
    node.dataset.hex = hex;
    const label = node.querySelector(".ac-label");
    label.replaceChildren();
    icon.labelText.forEach((line, i) => { if (i) label.append(el("br")); label.append(line); });
    entry.iconKey = key;
  }
}

function update(doc) {
  const seen = new Set();
  for (const a of doc.aircraft || []) {
    const hex = a.hex;
    seen.add(hex);
    let entry = state.aircraft.get(hex);
    if (!entry) {
      entry = {trail: [], marker: null};
      state.aircraft.set(hex, entry);
    }
    entry.data = a;
    const watch = watchEntry(hex);
    if (typeof a.lat === "number" && typeof a.lon === "number") {
      const last = entry.trail[entry.trail.length - 1];
      if (!last || last[0] !== a.lat || last[1] !== a.lon) {
        entry.trail.push([a.lat, a.lon]);
        if (entry.trail.length > TRAIL_MAX) entry.trail.shift();
      }
      setMarker(entry, a, hex, watch);
    }
  }
  for (const [hex, entry] of state.aircraft) {
    if (!seen.has(hex)) {
      if (entry.marker) entry.marker.remove();
      state.aircraft.delete(hex);
    }
  }
  drawTable();
  drawTrail();
  showSelected();  // what is known of it may have come since it was chosen
  if (state.wantSelect && state.aircraft.has(state.wantSelect)) {
    const hex = state.wantSelect;  // ?icao=: once, when it is first there
    state.wantSelect = null;
    select(hex, true);
  }
}

const tableRows = new Map();    // hex -> <tr>, kept and updated in place

function tableRow(hex) {
  // Rows are updated, never replaced: a row replaced under the pointer would swallow
  // the user's click.
  let tr = tableRows.get(hex);
  if (!tr) {
    tr = el("tr");
    for (let i = 0; i < 11; i++) tr.append(el("td"));
    tr.dataset.hex = hex;
    tr.addEventListener("click", () => select(hex, true));
    tableRows.set(hex, tr);
  }
  return tr;
}

function setCell(td, text) {
  if (td.textContent !== text) td.textContent = text;
}

function drawTable() {
  const rows = [];
  for (const [hex, entry] of state.aircraft) {
    const a = entry.data;
    let dist = null;
    if (state.receiver && typeof a.lat === "number") {
      dist = distanceKm(state.receiver.lat, state.receiver.lon, a.lat, a.lon);
      if (state.unit === "nm") dist = dist * 1000 / NM_M;
    }
    rows.push({hex, a, dist, watch: watchEntry(hex)});
  }
  // Watched first, then the nearest; aircraft without a position last.
  rows.sort((x, y) => (!!y.watch - !!x.watch) ||
    ((x.dist === null) - (y.dist === null)) || ((x.dist || 0) - (y.dist || 0)) ||
    x.hex.localeCompare(y.hex));
  for (const [hex, tr] of tableRows) {
    if (!state.aircraft.has(hex)) { tr.remove(); tableRows.delete(hex); }
  }
  const body = document.querySelector("#aircraft tbody");
  rows.forEach(({hex, a, dist, watch}, i) => {
    const tr = tableRow(hex);
    const cells = tr.cells;
    setCell(cells[0], hex);
    const flight = (a.flight || "").trim();
    const label = watch ? (watch.label || "watched") : null;
    if (cells[1].dataset.shown !== JSON.stringify([flight, label])) {
      cells[1].replaceChildren(flight);
      if (label !== null) {
        cells[1].append(el("span", {className: "watch-label", title: label}, label));
      }
      cells[1].dataset.shown = JSON.stringify([flight, label]);
    }
    // The aircraft database's registration and type (readsb's r and t), its
    // description on hover.
    setCell(cells[2], a.r || "");
    setCell(cells[3], a.t || "");
    if (cells[3].title !== (a.desc || "")) cells[3].title = a.desc || "";
    setCell(cells[4], a.alt_baro === "ground" ? "ground" : fmt(a.alt_baro));
    setCell(cells[5], fmt(a.gs));
    setCell(cells[6], fmt(a.track));
    setCell(cells[7], fmt(dist, 1));
    setCell(cells[8], fmt(a.messages));
    setCell(cells[9], fmt(a.seen, 1));
    setCell(cells[10], fmt(a.rssi, 1));
    tr.classList.toggle("watched", !!watch);
    if (watch) tr.dataset.label = watch.label; else delete tr.dataset.label;
    tr.classList.toggle("selected", hex === state.selected);
    tr.classList.toggle("stale", a.seen > STALE_S);
    if (body.children[i] !== tr) body.insertBefore(tr, body.children[i] || null);
  });
  document.getElementById("count").textContent = "(" + rows.length + ")";
  document.getElementById("distance-head").textContent = "dist " + state.unit;
}

// ------------------------------------------------------------------ selection and trails

async function select(hex, pan) {
  state.selected = state.selected === hex ? null : hex;
  state.storedTrail = null;
  const entry = state.aircraft.get(hex);
  if (state.selected && entry && pan && typeof entry.data.lat === "number") {
    map.panTo([entry.data.lat, entry.data.lon]);
  }
  for (const [h, e] of state.aircraft) {
    if (e.marker) { e.iconKey = null; setMarker(e, e.data, h, watchEntry(h)); }
  }
  drawTable();
  drawTrail();
  showSelected();
  if (state.selected && watchEntry(hex) && state.config.history) {
    // A watched aircraft's track so far is in the store, from before the page opened.
    try {
      const doc = await getJson("api/track/" + encodeURIComponent(hex));
      const visit = doc.visits[0];
      // Only the visit under way: an older one's track is not this trail.
      if (state.selected === hex && visit && state.now - visit.last_seen < CURRENT_VISIT_S) {
        const track = await wholeTrack(hex, visit);
        if (state.selected !== hex) return;  // another one chosen meanwhile
        state.storedTrail = track.map((p) => [p[1], p[2]]);
        drawTrail();
      }
    } catch (e) { setStatus(e.message); }
  }
}

function drawTrail() {
  if (state.trailLine) { state.trailLine.remove(); state.trailLine = null; }
  const entry = state.selected && state.aircraft.get(state.selected);
  if (!entry) return;
  const points = (state.storedTrail || []).concat(entry.trail);
  if (points.length >= 2) {
    state.trailLine = L.polyline(points, {color: "#c2185b", weight: 2}).addTo(map);
  }
}

function showSelected() {
  const info = document.getElementById("selected-info");
  const entry = state.selected && state.aircraft.get(state.selected);
  if (!entry) { info.textContent = ""; return; }
  const a = entry.data, watch = watchEntry(state.selected);
  const text = "selected: " + state.selected + " " + (a.flight || "").trim() +
    (watch ? " (watched: " + (watch.label || "no label") + ")" : "") +
    (a.squawk ? ", squawk " + a.squawk : "") + (a.category ? ", category " + a.category : "");
  const known = databaseText(a);
  const shown = known ? text + "\n" + known : text;
  if (info.textContent !== shown) info.textContent = shown;
}

// What the aircraft database says (readsb's keys, and adsbwatch's country):
// "PH-GOV, B737 (BOEING 737-700), Dutch Government, Netherlands (NL)".
function databaseText(a) {
  const type = a.t ? a.t + (a.desc ? " (" + a.desc + ")" : "") : a.desc;
  const country = a.country_name ? a.country_name + (a.country ? " (" + a.country + ")" : "")
    : a.country;
  const flags = [];
  if (a.dbFlags & 1) flags.push("military");
  if (a.dbFlags & 2) flags.push("interesting");
  return [a.r, type, a.ownOp, country, a.year ? "built " + a.year : null, ...flags]
    .filter(Boolean).join(", ");
}

// ------------------------------------------------------------------ history

async function loadHistory() {
  const status = document.getElementById("history-status");
  if (!state.config.history) { status.textContent = "No store: no history to show."; return; }
  let visits;
  try {
    visits = await getJson("api/visits?limit=200");
  } catch (e) { status.textContent = e.message; return; }
  status.textContent = visits.length ? visits.length + " visits of watched aircraft, newest " +
    "first; click one to draw its track." : "No visits of watched aircraft stored yet.";
  const list = document.getElementById("visits");
  list.replaceChildren(...visits.map((v) => {
    const minutes = Math.max(0, (v.last_seen - v.first_seen) / 60);
    const alts = v.min_alt === null ? "" : ", " + v.min_alt + "–" + v.max_alt + " ft";
    const closest = v.closest_km === null ? "" : ", closest " + v.closest_km.toFixed(1) + " km";
    const li = el("li", {},
      el("strong", {}, [v.icao, v.registration, v.type_code, v.label].filter(Boolean)
        .join(" ")), " ",
      v.callsigns.join(" "), el("br"),
      el("span", {className: "when"}, utc(v.first_seen) + " UTC, " + minutes.toFixed(1) +
        " min" + alts + closest + ", " + v.points + " positions"));
    li.dataset.visitId = v.id;
    li.dataset.icao = v.icao;
    li.addEventListener("click", () => drawVisit(v, li));
    return li;
  }));
}

async function drawVisit(v, li) {
  let track;
  try {
    const doc = await getJson("api/track/" + v.icao + "?visit=" + encodeURIComponent(v.id));
    track = doc.visits.length ? await wholeTrack(v.icao, doc.visits[0]) : [];
  } catch (e) { setStatus(e.message); return; }
  clearHistoryLine();
  document.querySelectorAll("#visits li.selected").forEach((n) => n.classList.remove("selected"));
  li.classList.add("selected");
  const points = track.map((p) => [p[1], p[2]]);
  if (!points.length) { setStatus("visit " + v.id + " has no stored positions"); return; }
  state.historyLine = L.layerGroup([
    L.polyline(points, {color: "#6a1b9a", weight: 3}),
    L.circleMarker(points[0], {radius: 4, color: "#6a1b9a"}).bindTooltip("first position"),
    L.circleMarker(points[points.length - 1], {radius: 4, color: "#6a1b9a", fillOpacity: 1})
      .bindTooltip("last position"),
  ]).addTo(map);
  map.fitBounds(L.latLngBounds(points).pad(0.2), {maxZoom: 11});
  document.getElementById("history-clear").classList.remove("hidden");
}

function clearHistoryLine() {
  if (state.historyLine) { state.historyLine.remove(); state.historyLine = null; }
  document.getElementById("history-clear").classList.add("hidden");
}

// ------------------------------------------------------------------ sightings

// A sighting's key outlives the run's numbering: the aircraft and when its visit began.
function sightingKey(s) { return s.hex + "@" + s.time; }

function dismissedKeys() {
  try { return new Set(JSON.parse(localStorage.getItem(DISMISSED_KEY) || "[]")); }
  catch (e) { return new Set(); }
}

function dismiss(key) {
  const keys = [...dismissedKeys(), key].slice(-200);
  try { localStorage.setItem(DISMISSED_KEY, JSON.stringify(keys)); } catch (e) { /* private */ }
}

function chooseAircraft(hex) {
  if (state.selected !== hex) select(hex, true);  // select() toggles: never unselect here
}

async function pollSightings() {
  let doc;
  try { doc = await getJson("data/sightings.json"); } catch (e) { return; }
  const dismissed = dismissedKeys();
  for (const s of doc.sightings || []) {
    const key = sightingKey(s);
    if (state.sightingsSeen.has(key)) continue;
    state.sightingsSeen.add(key);
    if (dismissed.has(key) || doc.now - s.time > SIGHTING_RECENT_S) continue;
    showSighting(s, key);
    notifyDesktop(s, key);
  }
}

function showSighting(s, key) {
  const name = [s.hex.toUpperCase(), s.callsign, s.registration].filter(Boolean).join(" ");
  // Text, never HTML: labels and callsigns are data.
  const text = el("span", {className: "sighting-text", title: s.text},
    "Sighting: " + name + (s.label ? " — " + s.label : "") + ", " + utc(s.time).slice(11) +
    " UTC");
  const close = el("button", {className: "sighting-close", type: "button", title: "dismiss"},
    "×");
  const banner = el("div", {className: "sighting", role: "alert"}, text, close);
  banner.dataset.hex = s.hex;
  text.addEventListener("click", () => chooseAircraft(s.hex));
  close.addEventListener("click", () => { banner.remove(); dismiss(key); });
  const box = document.getElementById("sightings");
  box.prepend(banner);
  while (box.children.length > SIGHTINGS_SHOWN) box.lastChild.remove();
}

function notifyDesktop(s, key) {
  if (!("Notification" in window) || Notification.permission !== "granted") return;
  try {
    // The tag: one notification per sighting however many tabs show the map.
    const note = new Notification(s.title, {body: s.text, tag: key});
    note.onclick = () => { window.focus(); chooseAircraft(s.hex); };
    state.notified.push(s.hex);
  } catch (e) { /* a browser that shows them only from a service worker */ }
}

// The button that asks for desktop notifications, while they are not allowed.
function setupDesktopAlerts() {
  const button = document.getElementById("desktop-alerts");
  if (!("Notification" in window)) return;
  const show = () => {
    const permission = Notification.permission;
    button.classList.toggle("hidden", permission === "granted");
    button.disabled = permission === "denied" || !window.isSecureContext;
    button.textContent = permission === "denied" ? "desktop alerts blocked"
      : "allow desktop alerts";
    button.title = window.isSecureContext ? "a desktop notification for each sighting"
      : "browsers allow desktop notifications on https or localhost pages only";
  };
  button.addEventListener("click", async () => {
    try { await Notification.requestPermission(); } catch (e) { /* old callback form */ }
    show();
  });
  show();
}

// ------------------------------------------------------------------ polling and start

function setStatus(text) { document.getElementById("status").textContent = text; }

// aircraft.json carries no_data_since (UNIX seconds) while a live source is away.
function showNoData(since) {
  const banner = document.getElementById("no-data");
  const away = typeof since === "number";
  banner.classList.toggle("hidden", !away);
  banner.textContent = away ? "no data since " + utc(since).slice(11) + " UTC" : "";
}

let polls = 0;

async function poll() {
  polls += 1;
  if (polls % WATCHLIST_EVERY === 0) await loadWatchlist();
  try {
    const doc = await getJson("data/aircraft.json");
    state.now = doc.now || 0;
    update(doc);
    showNoData(doc.no_data_since);
    if (!doc.now) {
      // `adsbwatch serve`: no receiver, the store's history is all there is to see.
      setStatus("no receiver running: the history of the store");
      if (polls === 1) showPanel("history");
    } else {
      const positioned = (doc.aircraft || []).filter((a) => typeof a.lat === "number").length;
      setStatus((doc.aircraft || []).length + " aircraft (" + positioned +
        " with a position), at " + utc(doc.now) + " UTC");
      await pollSightings();
    }
  } catch (e) {
    setStatus("no live data (" + e.message + ")");
  }
  setTimeout(poll, POLL_MS);
}

function showPanel(name) {
  for (const tab of document.querySelectorAll(".tab")) {
    tab.classList.toggle("active", tab.dataset.panel === name);
  }
  document.getElementById("panel-live").classList.toggle("hidden", name !== "live");
  document.getElementById("panel-history").classList.toggle("hidden", name !== "history");
  if (name === "history") loadHistory();
}

async function loadWatchlist() {
  // A run without its own watchlist's details (adsbwatch serve) learns of watched
  // aircraft from the store, as their visits are saved: reloaded now and then.
  try {
    state.watch = (await getJson("api/watchlist")).map((w) => ({
      lo: parseInt(w.icao, 16), hi: parseInt(w.to || w.icao, 16), label: w.label}));
  } catch (e) { setStatus(e.message); }
}

async function start() {
  try { state.config = await getJson("api/config"); } catch (e) { setStatus(e.message); }
  state.receiver = state.config.receiver;
  try {
    const receiver = await getJson("data/receiver.json");
    if (typeof receiver.lat === "number" && typeof receiver.lon === "number") {
      state.receiver = {lat: receiver.lat, lon: receiver.lon};
    }
  } catch (e) { /* no receiver running: api/config's position, if any */ }
  await loadWatchlist();
  if (state.receiver) map.setView([state.receiver.lat, state.receiver.lon], 8);
  drawBackground();
  drawReceiver();
  setupDesktopAlerts();
  document.getElementById("unit").addEventListener("change", (event) => {
    state.unit = event.target.value;
    drawReceiver();
    drawTable();
  });
  for (const tab of document.querySelectorAll(".tab")) {
    tab.addEventListener("click", () => showPanel(tab.dataset.panel));
  }
  document.getElementById("history-clear").addEventListener("click", () => {
    clearHistoryLine();
    document.querySelectorAll("#visits li.selected").forEach((n) => n.classList.remove("selected"));
  });
  poll();
}

start();
