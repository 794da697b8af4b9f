// The heat map's colour scale: a value 0..1 to an RGB colour (pure, shared by the map and its test).

/** Colour stops from 0 to 1 (dark blue through teal and green to yellow, readable in both themes). */
export const HEAT_STOPS: [number, number, number][] = [
  [48, 18, 59],
  [40, 110, 180],
  [30, 170, 140],
  [150, 210, 60],
  [250, 230, 40],
];

/** The colour of a value 0..1 (clamped). */
export function heatColour(value: number): [number, number, number] {
  const v = Math.min(1, Math.max(0, value)) * (HEAT_STOPS.length - 1);
  const i = Math.min(HEAT_STOPS.length - 2, Math.floor(v));
  const f = v - i;
  const [a, b] = [HEAT_STOPS[i], HEAT_STOPS[i + 1]];
  return [0, 1, 2].map((k) => Math.round(a[k] + (b[k] - a[k]) * f)) as [number, number, number];
}
