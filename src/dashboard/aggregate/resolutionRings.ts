// Resolution rings for the hit image: round d-spacings that fall on the detector, at the radius
// the series' geometry puts them (a flat detector normal to the beam, as the series announces).
import { DetectorGeometry } from '../../stages/geometry/DetectorGeometry.js';
import type { SeriesRecord } from '../../sinks/records.js';
import type { SeriesView } from '../dashboardMessages.js';

/** The d-spacings (A) crystallographers read rings at. */
const RING_D = [8, 5, 4, 3, 2.5, 2, 1.8, 1.5, 1.2, 1];

export function seriesGeometryView(record: SeriesRecord): SeriesView['geometry'] {
  const r = record;
  if (
    r.width === null ||
    r.height === null ||
    r.beam_center_x === null ||
    r.beam_center_y === null ||
    r.distance_m === null ||
    r.wavelength_a === null ||
    r.pixel_size_m === null
  )
    return null;
  let geometry: DetectorGeometry;
  try {
    geometry = new DetectorGeometry({
      width: r.width,
      height: r.height,
      beamCenterX: r.beam_center_x,
      beamCenterY: r.beam_center_y,
      distance: r.distance_m,
      wavelength: r.wavelength_a,
      pixelSizeX: r.pixel_size_m,
      pixelSizeY: r.pixel_size_m,
    });
  } catch {
    return null; // values no geometry can be made of: the image is drawn without rings
  }
  const corner = geometry.maxAtCorners((x, y) => Math.hypot(x - geometry.beamCenterX, y - geometry.beamCenterY));
  const resolutionRings: { dA: number; radiusPx: number }[] = [];
  for (const dA of RING_D) {
    const radius = geometry.radiusAtD(dA);
    if (radius !== null && radius <= corner) resolutionRings.push({ dA, radiusPx: Math.round(radius * 10) / 10 });
  }
  return {
    beamCenterX: r.beam_center_x,
    beamCenterY: r.beam_center_y,
    distanceM: r.distance_m,
    wavelengthA: r.wavelength_a,
    pixelSizeM: r.pixel_size_m,
    resolutionRings,
  };
}
