// Aircraft labels that never cover one another: a greedy placement, most important first
// (the selected aircraft, then watched ones, then the nearest to the receiver). Each
// label tries below its plane, then right, above and left; it takes the first spot whose
// box meets no label placed before it and, if it can, no plane either. A label with no
// such spot is hidden (class label-hidden) until the traffic or the zoom leaves it room.
"use strict";

const ICON_HALF = 12;   // the plane icon is 24 px square, anchored at its centre
const LABEL_GAP = 1;    // pixels between a plane's icon and its label

function boxesMeet(a, b) {
  return a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
}

// The candidate boxes of a w x h label around a plane at p (container pixels).
function labelSpots(p, w, h) {
  const near = ICON_HALF + LABEL_GAP;
  const halfW = Math.round(w / 2), halfH = Math.round(h / 2);
  return [[p.x - halfW, p.y + near], [p.x + near, p.y - halfH], [p.x - halfW, p.y - near - h],
    [p.x - near - w, p.y - halfH]].map(([left, top]) => ({
    left, top, right: left + w, bottom: top + h}));
}

function labelPriority(hex, entry) {
  const a = entry.data;
  let dist = Infinity;
  if (state.receiver && typeof a.lat === "number") {
    dist = distanceKm(state.receiver.lat, state.receiver.lon, a.lat, a.lon);
  }
  return [hex === state.selected ? 0 : 1, watchEntry(hex) ? 0 : 1, dist];
}

function comparePriority(x, y) {
  for (let i = 0; i < x.priority.length; i++) {
    if (x.priority[i] !== y.priority[i]) return x.priority[i] < y.priority[i] ? -1 : 1;
  }
  return x.hex < y.hex ? -1 : x.hex > y.hex ? 1 : 0;
}

function placeLabels() {
  const shown = [];
  for (const [hex, entry] of state.aircraft) {
    const node = entry.marker && entry.marker.getElement();
    if (!node) continue;
    const label = node.querySelector(".ac-label");
    // Every size read before any label moves: one layout, not one per label. Whole
    // pixels, one more each way: boxes that do not meet here never touch on screen.
    const size = label.getBoundingClientRect();
    shown.push({hex, label, point: map.latLngToContainerPoint(entry.marker.getLatLng()).round(),
      width: Math.ceil(size.width) + 1, height: Math.ceil(size.height) + 1,
      priority: labelPriority(hex, entry)});
  }
  shown.sort(comparePriority);
  const planes = shown.map(({point}) => ({left: point.x - ICON_HALF, top: point.y - ICON_HALF,
    right: point.x + ICON_HALF, bottom: point.y + ICON_HALF}));
  const placed = [];
  for (const {label, point, width, height} of shown) {
    const spots = labelSpots(point, width, height);
    const free = spots.filter((box) => !placed.some((other) => boxesMeet(box, other)));
    const box = free.find((b) => !planes.some((plane) => boxesMeet(b, plane))) || free[0];
    label.classList.toggle("label-hidden", !box);
    if (!box) continue;
    placed.push(box);
    // The label's position inside its marker, whose corner is the icon's top left.
    label.style.left = Math.round(box.left - (point.x - ICON_HALF)) + "px";
    label.style.top = Math.round(box.top - (point.y - ICON_HALF)) + "px";
  }
}
