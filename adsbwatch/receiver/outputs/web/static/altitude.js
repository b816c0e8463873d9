// Altitude colours, on tar1090's scale (its ColorByAlt defaults) so that a tar1090 user
// reads our map at a glance: the hue follows the altitude along a piecewise linear scale
// (orange on the ground's doorstep, yellow, green, blue, magenta, red above FL510), the
// saturation is fixed and the lightness follows the hue (so that every hue reads as
// equally strong on the map). An aircraft on the ground is dark grey, one whose altitude
// is unknown light grey; a selected one is a little stronger, a stale one paler.
"use strict";

// [altitude ft, hue]: below the first, the first's hue; above the last, the last's.
const HUE_BY_ALTITUDE = [[0, 20], [2000, 32.5], [4000, 43], [6000, 54], [8000, 72],
  [9000, 85], [11000, 140], [40000, 300], [51000, 360]];
const AIR_SATURATION = 88;
// [hue, lightness %]
const LIGHTNESS_BY_HUE = [[0, 53], [20, 50], [32, 54], [40, 52], [46, 51], [50, 46],
  [60, 43], [80, 41], [100, 41], [120, 41], [140, 41], [160, 40], [180, 40], [190, 44],
  [198, 50], [200, 58], [220, 58], [240, 58], [255, 55], [266, 55], [270, 58], [280, 58],
  [290, 47], [300, 43], [310, 48], [320, 48], [340, 52], [360, 53]];
const GROUND_HSL = [220, 0, 30];
const UNKNOWN_HSL = [0, 0, 75];
const SELECTED_CHANGE = [0, 10, 5];   // added to h, s, l
const STALE_CHANGE = [0, -35, 9];

// y at x on a polyline given as [[x, y], ...] sorted by x; flat beyond either end.
function piecewise(table, x) {
  if (x <= table[0][0]) return table[0][1];
  for (let i = 1; i < table.length; i++) {
    const [x1, y1] = table[i];
    if (x <= x1) {
      const [x0, y0] = table[i - 1];
      return y0 + (y1 - y0) * (x - x0) / (x1 - x0);
    }
  }
  return table[table.length - 1][1];
}

// The altitude an aircraft is coloured by: barometric, else geometric; "ground" as is.
function colourAltitude(a) {
  if (a.alt_baro !== undefined) return a.alt_baro;
  return a.alt_geom;
}

// [h, s, l] for an altitude in feet, "ground", or undefined/null (unknown).
function altitudeHsl(altitude) {
  if (altitude === "ground") return GROUND_HSL.slice();
  if (typeof altitude !== "number") return UNKNOWN_HSL.slice();
  const hue = piecewise(HUE_BY_ALTITUDE, altitude);
  return [hue, AIR_SATURATION, piecewise(LIGHTNESS_BY_HUE, hue)];
}

// A CSS colour; `selected` and `stale` shift it as tar1090 does.
function altitudeColour(altitude, selected, stale) {
  let [h, s, l] = altitudeHsl(altitude);
  for (const [apply, change] of [[selected, SELECTED_CHANGE], [stale, STALE_CHANGE]]) {
    if (apply) { h += change[0]; s += change[1]; l += change[2]; }
  }
  const clamp = (v) => Math.max(0, Math.min(100, v));
  return "hsl(" + Math.round(h % 360) + ", " + Math.round(clamp(s)) + "%, " +
    Math.round(clamp(l)) + "%)";
}

// The legend in the map's corner, as tar1090 has one: each tick a stripe of the colour
// of its altitude. `control` is a Leaflet control's container.
const LEGEND_TICKS = [["ground", "gnd"], [0, "0"], [4000, "4k"], [8000, "8k"],
  [10000, "10k"], [20000, "20k"], [30000, "30k"], [40000, "40k"]];

function fillAltitudeLegend(control) {
  control.className += " altitude-legend";
  control.title = "altitude colours, feet";
  for (const [altitude, text] of LEGEND_TICKS) {
    const tick = document.createElement("span");
    tick.className = "legend-tick";
    tick.textContent = text;
    tick.dataset.altitude = String(altitude);
    tick.style.borderTopColor = altitudeColour(altitude, false, false);
    control.append(tick);
  }
}
