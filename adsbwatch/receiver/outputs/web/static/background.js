// The map's background, offline: Natural Earth's 1:110m land and borders when zoomed out;
// from DETAIL_ZOOM on, the tiles of static/outlines/detail/ for the area in view
// (1:10m land, lakes and borders, OurAirports' runways and airport names: see
// static/outlines/README.md). With --map-tiles, the tile server's pictures instead.
// Everything here goes into the low panes ("background", "airports"): the receiver, its
// rings, trails and aircraft are always drawn above it, whenever it arrives.
"use strict";

const DETAIL_ZOOM = 7;          // from here on the 1:110m outline strays too far
const AIRPORT_NAME_ZOOM = 9;    // airports' codes shown from here on
const EARTH_M = 40075016.686;   // the equator, for a runway's width in pixels
const LAND_STYLE = {fillColor: "#f4f1e8", fillOpacity: 1};
const WATER_STYLE = {fillColor: "#cfe0ec", fillOpacity: 1};  // as #map's background
const BORDER_STYLE = {color: "#b2a99a", weight: 0.8};

const background = {
  coarse: null,                 // the 1:110m layers (land, borders)
  index: null,                  // detail/index.json: {tile, scale, tiles: ["LAT_LON"]}
  available: new Set(),
  loaded: new Map(),            // "LAT_LON" -> Promise of its layer group
  detail: null,                 // layer group of every detail tile loaded
  runways: [],                  // [layer, width_m] for the weights at each zoom
};

function escapeHtml(text) {
  return String(text).replace(/[&<>"']/g, (c) => "&#" + c.charCodeAt(0) + ";");
}

async function drawBackground() {
  if (state.config.tiles) {
    L.tileLayer(state.config.tiles, {
      maxZoom: 18, attribution: "tiles: " + new URL(state.config.tiles, location.href).host,
    }).addTo(map);
    return;
  }
  try {
    const [land, countries] = await Promise.all([
      getJson("static/outlines/land.geojson"), getJson("static/outlines/countries.geojson")]);
    background.coarse = L.layerGroup([
      L.geoJSON(land, {pane: "background", interactive: false,
        style: {color: "#9aa69a", weight: 1, ...LAND_STYLE}}),
      L.geoJSON(countries, {pane: "background", interactive: false,
        style: {...BORDER_STYLE, fill: false}}),
    ]);
    map.attributionControl.addAttribution("outlines: Natural Earth");
  } catch (e) {
    setStatus("cannot load the outlines: " + e.message);
  }
  try {
    background.index = await getJson("static/outlines/detail/index.json");
    background.available = new Set(background.index.tiles);
    background.detail = L.layerGroup();
    map.attributionControl.addAttribution("airports: OurAirports");
  } catch (e) {
    setStatus("cannot load the detailed background: " + e.message);
  }
  map.on("moveend zoomend", showBackground);
  showBackground();
}

// Which background the zoom calls for, and the detail tiles of the view.
function showBackground() {
  const detailed = background.index !== null && map.getZoom() >= DETAIL_ZOOM;
  // The coarse land under the fine would show where 1:110m strays into the sea.
  toggleLayer(background.coarse, !detailed);
  toggleLayer(background.detail, detailed);
  map.getContainer().classList.toggle("show-airports", map.getZoom() >= AIRPORT_NAME_ZOOM);
  if (!detailed) return;
  const size = background.index.tile, view = map.getBounds();
  const south = Math.max(-90, Math.floor(view.getSouth() / size) * size);
  const west = Math.floor(view.getWest() / size) * size;
  for (let lat = south; lat < Math.min(90, view.getNorth()); lat += size) {
    for (let lon = west; lon < view.getEast(); lon += size) {
      const wrapped = ((lon + 180) % 360 + 360) % 360 - 180;
      const key = lat + "_" + wrapped;
      if (background.available.has(key) && !background.loaded.has(key)) {
        background.loaded.set(key, loadDetailTile(key));
      }
    }
  }
  runwayWeights();
}

function toggleLayer(layer, on) {
  if (!layer) return;
  if (on && !map.hasLayer(layer)) layer.addTo(map);
  if (!on && map.hasLayer(layer)) layer.remove();
}

// A packed ring or line (whole 1/scale degrees: lon, lat, then differences) as LatLngs.
function unpack(packed, scale) {
  const points = [];
  let x = 0, y = 0;
  for (let i = 0; i + 1 < packed.length; i += 2) {
    x += packed[i];
    y += packed[i + 1];
    points.push([y / scale, x / scale]);
  }
  return points;
}

async function loadDetailTile(key) {
  let tile;
  try {
    tile = await getJson("static/outlines/detail/" + key + ".json");
  } catch (e) {
    background.loaded.delete(key);  // asked again at the next move
    setStatus("cannot load the detailed background: " + e.message);
    return null;
  }
  const scale = background.index.scale;
  const group = L.layerGroup();
  if (tile.land.length) {
    L.polygon(tile.land.map((polygon) => polygon.map((r) => unpack(r, scale))), {
      pane: "background", interactive: false, stroke: false, className: "detail-land",
      ...LAND_STYLE}).addTo(group);
  }
  if (tile.lakes.length) {  // over the land, in the sea's colour
    L.polygon(tile.lakes.map((polygon) => polygon.map((r) => unpack(r, scale))), {
      pane: "background", interactive: false, stroke: false, className: "detail-lake",
      ...WATER_STYLE}).addTo(group);
  }
  if (tile.borders.length) {
    L.polyline(tile.borders.map((line) => unpack(line, scale)), {
      pane: "background", interactive: false, className: "detail-border",
      ...BORDER_STYLE}).addTo(group);
  }
  for (const [lat1, lon1, lat2, lon2, width, name] of tile.runways) {
    const runway = L.polyline([[lat1, lon1], [lat2, lon2]], {
      pane: "airports", interactive: false, color: "#8d8d8d", lineCap: "butt",
      className: "runway", weight: 2}).addTo(group);
    runway.runwayName = name;
    background.runways.push([runway, width || 30]);
  }
  for (const [lat, lon, ident, name, kind] of tile.airports) {
    L.marker([lat, lon], {pane: "airports", interactive: false, keyboard: false,
      icon: L.divIcon({className: "airport-label airport-" + kind, iconSize: null,
        html: '<span title="' + escapeHtml(name) + '">' + escapeHtml(ident) + "</span>"})})
      .addTo(group);
  }
  group.addTo(background.detail);
  runwayWeights();
  return group;
}

// A runway as wide as it is (OurAirports' width), two pixels at least.
function runwayWeights() {
  const zoom = map.getZoom(), lat = map.getCenter().lat;
  const metresPerPixel = EARTH_M * Math.cos(lat * Math.PI / 180) / Math.pow(2, zoom + 8);
  for (const [runway, width] of background.runways) {
    const weight = Math.max(2, Math.round(width / metresPerPixel));
    if (runway.options.weight !== weight) runway.setStyle({weight});
  }
}
