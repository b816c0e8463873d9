// adsbwatch's web map: polls data/aircraft.json (dump1090-fa's format) every second and
// shows the aircraft on an offline map (background.js), coloured by altitude on tar1090's
// scale (altitude.js) with labels that do not collide (labels.js), and in a table sorted
// by any column; the selected aircraft's panel says all that is known of it and its trail
// is drawn in its altitudes' colours. The history tab lists the watched aircraft's past
// visits from the store (api/visits) and draws their tracks in their altitudes' colours. Sightings
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
  aircraft: new Map(),         // hex -> {data, marker, trail: [[lat, lon, alt], ...]}
  selected: null,              // hex
  now: 0,                      // aircraft.json's clock (a replay's stays at its end)
  storedTrail: null,           // the selected watched aircraft's points from the store
  sort: null,                  // {key, descending}: the table's column chosen, if any
  failingSince: null,          // UNIX seconds: aircraft.json has not come since
  trailLine: null,
  historyLine: null,
  sightingsSeen: new Set(),    // sightings already handled, by sightingKey
  notified: [],                // hexes a desktop notification was made for
  wantSelect: (new URLSearchParams(location.search).get("icao") || "").toLowerCase() || null,
};

const map = L.map("map", {worldCopyJump: true, zoomControl: true}).setView([30, 0], 2);
// Panes, bottom to top: the background (land, borders), airports (runways, codes), the
// trails, the receiver and its rings; then Leaflet's marker pane (the aircraft, 600).
// A pane is a layer of its own: whatever arrives late in a lower one stays below.
for (const [name, zIndex] of [["background", 250], ["airports", 300], ["trails", 420],
  ["receiver", 450]]) {
  map.createPane(name).style.zIndex = zIndex;
}

// Leaflet's scale bar with its second line in nautical miles rather than miles and feet.
const NauticalScale = L.Control.Scale.extend({
  _updateImperial(maxMeters) {
    const maxNm = maxMeters / NM_M;
    const nm = roundDown(maxNm);
    this._updateScale(this._iScale, nm + " nm", nm / maxNm);
  },
});

// The largest 1, 2, 3 or 5 times a power of ten not over x.
function roundDown(x) {
  const power = Math.pow(10, Math.floor(Math.log10(x)));
  const first = x / power;
  const step = first >= 5 ? 5 : first >= 3 ? 3 : first >= 2 ? 2 : 1;
  return Number((step * power).toPrecision(1));
}

new NauticalScale({position: "bottomleft", metric: true, imperial: true, maxWidth: 120})
  .addTo(map);
const AltitudeLegend = L.Control.extend({
  onAdd() {
    const box = L.DomUtil.create("div", "leaflet-control");
    fillAltitudeLegend(box);
    return box;
  },
});
new AltitudeLegend({position: "bottomleft"}).addTo(map);

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

let ringLayer = null;

function drawReceiver() {
  if (ringLayer) ringLayer.remove();
  if (!state.receiver) return;
  const {lat, lon} = state.receiver;
  // In the receiver's pane: above the background, whenever that arrives.
  ringLayer = L.layerGroup().addTo(map);
  L.circleMarker([lat, lon], {pane: "receiver", className: "receiver", radius: 5,
    color: "#000", weight: 2, fillColor: "#fff", fillOpacity: 1})
    .bindTooltip("receiver").addTo(ringLayer);
  const metres = state.unit === "nm" ? NM_M : 1000;
  for (const step of RING_STEPS) {
    L.circle([lat, lon], {pane: "receiver", className: "range-ring", radius: step * metres,
      color: "#555", weight: 1, fill: false, dashArray: "4 4", interactive: false})
      .addTo(ringLayer);
    // The ring's label at its northern edge.
    const north = lat + (step * metres) / 111320;
    L.marker([north, lon], {pane: "receiver", interactive: false, icon: L.divIcon({
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

function isStale(a) { return a.seen > STALE_S; }

function markerIcon(a, hex, watch) {
  const classes = ["ac-marker"];
  const selected = hex === state.selected;
  if (watch) classes.push("watched");
  if (selected) classes.push("selected");
  const name = (a.flight || "").trim() || hex;
  const lines = [name];
  if (watch && watch.label) lines.push(watch.label);
  const alt = altitudeText(a);
  if (alt) lines.push(alt);
  const rotation = typeof a.track === "number" ? a.track : 0;
  const colour = altitudeColour(colourAltitude(a), selected, isStale(a));
  const html = PLANE.replace('class="ac-plane"',
      'class="ac-plane" style="transform: rotate(' + rotation + 'deg)"')
      .replace("<path ", '<path style="fill: ' + colour + '" ') +
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
    entry.marker = L.marker([a.lat, a.lon], {icon: icon, title: hex,
      zIndexOffset: watch ? 1000 : 0}).addTo(map);
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
        entry.trail.push([a.lat, a.lon, colourAltitude(a)]);
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
  placeLabels();
  showSelected();  // what is known of it may have come since it was chosen
  if (state.wantSelect && state.aircraft.has(state.wantSelect)) {
    const hex = state.wantSelect;  // ?icao=: once, when it is first there
    state.wantSelect = null;
    select(hex, true);
  }
}

// The table's columns: the header, the cell's text and the value it sorts by (null: not
// known, listed last whichever way the column is sorted).
function verticalRate(a) {
  return typeof a.baro_rate === "number" ? a.baro_rate : a.geom_rate;
}

const GROUND_SORTS_AS = -1e6;   // below any airborne altitude (which can be negative)
const EMERGENCY_SQUAWKS = new Set(["7500", "7600", "7700"]);

const COLUMNS = [
  {key: "hex", head: "hex", text: (r) => r.hex, value: (r) => r.hex},
  {key: "flight", head: "flight", value: (r) => (r.a.flight || "").trim() || null},
  {key: "r", head: "reg", text: (r) => r.a.r || "", value: (r) => r.a.r || null},
  {key: "t", head: "type", text: (r) => r.a.t || "", value: (r) => r.a.t || null},
  {key: "squawk", head: "squawk", text: (r) => r.a.squawk || "",
    value: (r) => r.a.squawk || null},
  {key: "alt", head: "alt ft",
    text: (r) => r.a.alt_baro === "ground" ? "ground" : fmt(r.a.alt_baro),
    value: (r) => r.a.alt_baro === "ground" ? GROUND_SORTS_AS : number(r.a.alt_baro)},
  {key: "vrate", head: "v/s ft/min", text: (r) => fmt(verticalRate(r.a)),
    value: (r) => number(verticalRate(r.a))},
  {key: "gs", head: "speed kt", text: (r) => fmt(r.a.gs), value: (r) => number(r.a.gs)},
  {key: "track", head: "track", text: (r) => fmt(r.a.track), value: (r) => number(r.a.track)},
  {key: "dist", head: "dist km", text: (r) => fmt(r.dist, 1), value: (r) => r.dist},
  {key: "messages", head: "msgs", text: (r) => fmt(r.a.messages),
    value: (r) => number(r.a.messages)},
  {key: "seen", head: "seen s", text: (r) => fmt(r.a.seen, 1), value: (r) => number(r.a.seen)},
  {key: "rssi", head: "rssi", text: (r) => fmt(r.a.rssi, 1), value: (r) => number(r.a.rssi)},
];
const FLIGHT_COLUMN = 1;

function number(v) { return typeof v === "number" ? v : null; }

function compareValues(x, y) { return x < y ? -1 : x > y ? 1 : 0; }

// The user's order (a column, either way; missing values last), else watched aircraft
// first, then the nearest, those without a position last.
function compareRows(x, y) {
  if (state.sort) {
    const column = COLUMNS.find((c) => c.key === state.sort.key);
    const vx = column.value(x), vy = column.value(y);
    if ((vx === null) !== (vy === null)) return vx === null ? 1 : -1;
    const order = vx === null ? 0 : compareValues(vx, vy) * (state.sort.descending ? -1 : 1);
    return order || compareValues(x.hex, y.hex);
  }
  return (!!y.watch - !!x.watch) || ((x.dist === null) - (y.dist === null)) ||
    ((x.dist || 0) - (y.dist || 0)) || compareValues(x.hex, y.hex);
}

function drawTableHead() {
  const row = document.querySelector("#aircraft thead tr");
  row.replaceChildren(...COLUMNS.map((column) => {
    const th = el("th", {title: "sort by " + column.head}, column.head);
    th.dataset.key = column.key;
    th.addEventListener("click", () => sortBy(column.key));
    return th;
  }));
}

function sortBy(key) {
  const again = state.sort && state.sort.key === key;
  state.sort = {key, descending: again ? !state.sort.descending : false};
  drawTable();
}

const tableRows = new Map();    // hex -> <tr>, kept and updated in place

function tableRow(hex) {
  // Rows are updated, never replaced: a row replaced under the pointer would swallow
  // the user's click.
  let tr = tableRows.get(hex);
  if (!tr) {
    tr = el("tr");
    for (let i = 0; i < COLUMNS.length; i++) tr.append(el("td"));
    tr.dataset.hex = hex;
    tr.addEventListener("click", () => select(hex, true));
    tableRows.set(hex, tr);
  }
  return tr;
}

function setCell(td, text) {
  if (td.textContent !== text) td.textContent = text;
}

function distanceIn(unit, a) {
  if (!state.receiver || typeof a.lat !== "number") return null;
  const km = distanceKm(state.receiver.lat, state.receiver.lon, a.lat, a.lon);
  return unit === "nm" ? km * 1000 / NM_M : km;
}

function drawTable() {
  const rows = [];
  for (const [hex, entry] of state.aircraft) {
    const a = entry.data;
    rows.push({hex, a, dist: distanceIn(state.unit, a), watch: watchEntry(hex)});
  }
  rows.sort(compareRows);
  for (const [hex, tr] of tableRows) {
    if (!state.aircraft.has(hex)) { tr.remove(); tableRows.delete(hex); }
  }
  const body = document.querySelector("#aircraft tbody");
  rows.forEach((row, i) => {
    const {hex, a, watch} = row;
    const tr = tableRow(hex);
    const cells = tr.cells;
    COLUMNS.forEach((column, c) => { if (column.text) setCell(cells[c], column.text(row)); });
    const flightCell = cells[FLIGHT_COLUMN];
    const flight = (a.flight || "").trim();
    const label = watch ? (watch.label || "watched") : null;
    if (flightCell.dataset.shown !== JSON.stringify([flight, label])) {
      flightCell.replaceChildren(flight);
      if (label !== null) {
        flightCell.append(el("span", {className: "watch-label", title: label}, label));
      }
      flightCell.dataset.shown = JSON.stringify([flight, label]);
    }
    // The type's description on hover (readsb's desc), the squawk flagged in an emergency.
    const typeCell = cells[COLUMNS.findIndex((column) => column.key === "t")];
    if (typeCell.title !== (a.desc || "")) typeCell.title = a.desc || "";
    cells[COLUMNS.findIndex((column) => column.key === "squawk")].classList.toggle(
      "emergency", EMERGENCY_SQUAWKS.has(a.squawk));
    // The altitude's colour beside it, as on the map.
    cells[COLUMNS.findIndex((column) => column.key === "alt")].style.borderLeft =
      "4px solid " + altitudeColour(colourAltitude(a), false, isStale(a));
    tr.classList.toggle("watched", !!watch);
    if (watch) tr.dataset.label = watch.label; else delete tr.dataset.label;
    tr.classList.toggle("selected", hex === state.selected);
    tr.classList.toggle("stale", isStale(a));
    if (body.children[i] !== tr) body.insertBefore(tr, body.children[i] || null);
  });
  document.getElementById("count").textContent = "(" + rows.length + ")";
  for (const th of document.querySelectorAll("#aircraft th")) {
    const column = COLUMNS.find((c) => c.key === th.dataset.key);
    const head = column.key === "dist" ? "dist " + state.unit : column.head;
    const sorted = state.sort && state.sort.key === column.key;
    setCell(th, head + (sorted ? (state.sort.descending ? " ▼" : " ▲") : ""));
    th.setAttribute("aria-sort", sorted ? (state.sort.descending ? "descending" : "ascending")
      : "none");
  }
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
  placeLabels();
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
        state.storedTrail = track.map((p) => [p[1], p[2], p[3]]);  // [t, lat, lon, alt]
        drawTrail();
      }
    } catch (e) { setStatus(e.message); }
  }
}

// The selected aircraft's trail, each stretch in the colour of its altitude (to the
// nearest TRAIL_ALT_STEP feet: a climb is a few dozen lines, not one per position).
const TRAIL_ALT_STEP = 250;

function trailColour(altitude) {
  const stepped = typeof altitude === "number"
    ? Math.round(altitude / TRAIL_ALT_STEP) * TRAIL_ALT_STEP : altitude;
  return altitudeColour(stepped, false, false);
}

// Points [lat, lon, altitude] as lines in their altitudes' colours, in a layer group: a
// stretch from point `first` has its start's colour; stretches share their ends.
function altitudeLines(points, className) {
  const group = L.layerGroup();
  let first = 0;
  for (let k = 1; k < points.length; k++) {
    const colour = trailColour(points[first][2]);
    if (k === points.length - 1 || trailColour(points[k][2]) !== colour) {
      L.polyline(points.slice(first, k + 1).map((p) => [p[0], p[1]]), {pane: "trails",
        className: className, color: colour, weight: 3, interactive: false})
        .addTo(group);
      first = k;
    }
  }
  return group;
}

function drawTrail() {
  if (state.trailLine) { state.trailLine.remove(); state.trailLine = null; }
  const entry = state.selected && state.aircraft.get(state.selected);
  if (!entry) return;
  const points = (state.storedTrail || []).concat(entry.trail);
  if (points.length < 2) return;
  state.trailLine = altitudeLines(points, "trail").addTo(map);
}

// Everything aircraft.json says of the selected aircraft: [key, name, text] for what is
// known, the key naming the row (data-key) for tests and styles.
function selectedFields(a, hex) {
  const alt = (v) => v === "ground" ? "ground" : typeof v === "number" ? v + " ft" : null;
  const num = (v, unit, digits) => typeof v === "number" ? fmt(v, digits) + unit : null;
  const dist = distanceIn(state.unit, a);
  let where = null;
  if (typeof a.lat === "number") {
    where = a.lat.toFixed(4) + ", " + a.lon.toFixed(4);
    if (dist !== null) {
      where += " (" + dist.toFixed(1) + " " + state.unit + " at " +
        bearing(state.receiver.lat, state.receiver.lon, a.lat, a.lon).toFixed(0) + "°)";
    }
  }
  const squawk = a.squawk ? a.squawk + (a.emergency && a.emergency !== "none"
    ? " (emergency: " + a.emergency + ")" : "") : null;
  const nav = [a.nav_altitude_mcp, a.nav_altitude_fms].some((v) => typeof v === "number")
    ? [num(a.nav_altitude_mcp, " ft (MCP)"), num(a.nav_altitude_fms, " ft (FMS)")]
      .filter(Boolean).join(", ") : null;
  return [
    ["hex", "ICAO address", hex + (a.type ? " (" + a.type + ")" : "")],
    ["flight", "callsign", (a.flight || "").trim() || null],
    ["r", "registration", a.r || null],
    ["t", "type", a.t ? a.t + (a.desc ? " (" + a.desc + ")" : "") : a.desc || null],
    ["ownOp", "operator", a.ownOp || null],
    ["country", "country", a.country_name || a.country || null],
    ["squawk", "squawk", squawk],
    ["category", "category", a.category || null],
    ["alt_baro", "altitude", alt(a.alt_baro)],
    ["alt_geom", "GNSS altitude", alt(a.alt_geom)],
    ["vrate", "vertical rate", num(verticalRate(a), " ft/min")],
    ["gs", "ground speed", num(a.gs, " kt")],
    ["ias", "IAS / TAS / Mach", [num(a.ias, " kt"), num(a.tas, " kt"), num(a.mach, "", 3)]
      .filter(Boolean).join(" / ") || null],
    ["track", "track", num(a.track, "°")],
    ["mag_heading", "heading (magnetic)", num(a.mag_heading, "°")],
    ["nav_altitude", "selected altitude", nav],
    ["nav_qnh", "QNH", num(a.nav_qnh, " hPa", 1)],
    ["position", "position", where],
    ["messages", "messages", num(a.messages, "")],
    ["seen", "last heard", num(a.seen, " s ago", 1)],
    ["seen_pos", "last position", num(a.seen_pos, " s ago", 1)],
    ["rssi", "signal", num(a.rssi, " dBFS", 1)],
    ["version", "ADS-B version / NACp / SIL",
      typeof a.version === "number" ? [a.version, a.nac_p, a.sil].map((v) => fmt(v)).join(" / ")
        : null],
  ].filter(([, , text]) => text !== null && text !== "");
}

function bearing(lat1, lon1, lat2, lon2) {
  const rad = Math.PI / 180;
  const y = Math.sin((lon2 - lon1) * rad) * Math.cos(lat2 * rad);
  const x = Math.cos(lat1 * rad) * Math.sin(lat2 * rad) -
    Math.sin(lat1 * rad) * Math.cos(lat2 * rad) * Math.cos((lon2 - lon1) * rad);
  return (Math.atan2(y, x) / rad + 360) % 360;
}

function showSelected() {
  const info = document.getElementById("selected-info");
  const entry = state.selected && state.aircraft.get(state.selected);
  info.classList.toggle("hidden", !entry);
  if (!entry) { info.replaceChildren(); info.dataset.shown = ""; return; }
  const a = entry.data, watch = watchEntry(state.selected);
  const title = "selected: " + state.selected + " " + (a.flight || "").trim() +
    (watch ? " (watched: " + (watch.label || "no label") + ")" : "");
  const known = databaseText(a);
  const fields = selectedFields(a, state.selected);
  const shown = JSON.stringify([title, known, fields]);
  if (info.dataset.shown === shown) return;
  info.dataset.shown = shown;
  const colour = altitudeColour(colourAltitude(a), true, isStale(a));
  const header = el("p", {id: "selected-title"}, title);
  header.style.borderLeftColor = colour;
  info.replaceChildren(header);
  if (known) info.append(el("p", {id: "selected-db"}, known));
  const list = el("dl", {id: "selected-fields"});
  for (const [key, name, text] of fields) {
    const dd = el("dd", {}, text);
    dd.dataset.key = key;
    list.append(el("dt", {}, name), dd);
  }
  info.append(list);
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
  status.textContent = visits.length ? counted(visits.length, "visit") + " of watched aircraft, " +
    "newest first; click one to draw its track." : "No visits of watched aircraft stored yet.";
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
  const points = track.map((p) => [p[1], p[2], p[3]]);  // lat, lon, altitude
  if (!points.length) { setStatus("visit " + v.id + " has no stored positions"); return; }
  const first = points[0].slice(0, 2), last = points[points.length - 1].slice(0, 2);
  // The track in its altitudes' colours, as a live trail is; its ends in one colour of
  // their own, the first hollow.
  state.historyLine = L.layerGroup([
    altitudeLines(points, "history-track"),
    L.circleMarker(first, {radius: 4, color: "#6a1b9a"}).bindTooltip("first position"),
    L.circleMarker(last, {radius: 4, color: "#6a1b9a", fillOpacity: 1})
      .bindTooltip("last position"),
  ]).addTo(map);
  map.fitBounds(L.latLngBounds(points.map((p) => [p[0], p[1]])).pad(0.2), {maxZoom: 11});
  document.getElementById("history-clear").classList.remove("hidden");
}

function clearHistoryLine() {
  if (state.historyLine) { state.historyLine.remove(); state.historyLine = null; }
  document.getElementById("history-clear").classList.add("hidden");
}

// "1 visit", "3 visits": a count as a person writes it.
function counted(n, thing) {
  return n + " " + thing + (n === 1 ? "" : "s");
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

// The banner over the map while no data arrives: aircraft.json carries no_data_since
// (UNIX seconds) while a live source is away, and when aircraft.json itself does not come
// (adsbwatch stopped, the network down) the page says since when it has had no answer.
function showNoData(text) {
  const banner = document.getElementById("no-data");
  banner.classList.toggle("hidden", !text);
  if (banner.textContent !== (text || "")) banner.textContent = text || "";
}

let polls = 0;

async function poll() {
  polls += 1;
  if (polls % WATCHLIST_EVERY === 0) await loadWatchlist();
  try {
    const doc = await getJson("data/aircraft.json");
    state.now = doc.now || 0;
    state.failingSince = null;
    update(doc);
    showNoData(typeof doc.no_data_since === "number"
      ? "no data since " + utc(doc.no_data_since).slice(11) + " UTC" : null);
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
    if (state.failingSince === null) state.failingSince = Date.now() / 1000;
    showNoData("no answer from adsbwatch since " + utc(state.failingSince).slice(11) +
      " UTC");
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
  drawTableHead();
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
  map.on("zoomend", placeLabels);
  setupDesktopAlerts();
  document.getElementById("unit").addEventListener("change", (event) => {
    state.unit = event.target.value;
    drawReceiver();
    drawTable();
    showSelected();
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
