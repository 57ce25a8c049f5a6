// The detector geometry a series announces, or why there is none: analysis that needs
// resolution (radial profile in q, d_min, ice rings) cannot run without beam centre,
// distance, wavelength and pixel size.
import type { SeriesStart } from '../receiver/events.js';
import { DetectorGeometry } from './geometry/DetectorGeometry.js';

export type SeriesGeometry = { geometry: DetectorGeometry; missing: null } | { geometry: null; missing: string };

type GeometryFields = Pick<
  SeriesStart,
  'width' | 'height' | 'beamCenterX' | 'beamCenterY' | 'detectorDistance' | 'wavelength' | 'pixelSizeX' | 'pixelSizeY'
>;

export function seriesGeometry(s: GeometryFields): SeriesGeometry {
  // The beam centre may lie off the detector (any finite value); lengths must be positive.
  const finite = { beam_center_x: s.beamCenterX, beam_center_y: s.beamCenterY };
  const positive = { image_size_x: s.width, image_size_y: s.height, detector_distance: s.detectorDistance, wavelength: s.wavelength, pixel_size_x: s.pixelSizeX, pixel_size_y: s.pixelSizeY };
  const missing = [
    ...Object.entries(finite).filter(([, v]) => v === null || !Number.isFinite(v)),
    ...Object.entries(positive).filter(([, v]) => v === null || !(v > 0) || !Number.isFinite(v)),
  ].map(([k]) => k);
  if (missing.length > 0) return { geometry: null, missing: `the series start lacks ${missing.join(', ')}` };
  try {
    const geometry = new DetectorGeometry({
      width: s.width!, height: s.height!, beamCenterX: s.beamCenterX!, beamCenterY: s.beamCenterY!,
      distance: s.detectorDistance!, wavelength: s.wavelength!, pixelSizeX: s.pixelSizeX!, pixelSizeY: s.pixelSizeY!,
    });
    return { geometry, missing: null };
  } catch (err) {
    return { geometry: null, missing: (err as Error).message };
  }
}
