// The detector geometry a series announces, or why there is none: analysis that needs
// resolution (radial profile in q, d_min, ice rings) cannot run without beam centre,
// distance, wavelength and pixel size.
import type { SeriesStart } from '../../receiver/events.js';
import { DetectorGeometry } from './DetectorGeometry.js';

export type SeriesGeometry = { geometry: DetectorGeometry; missing: null } | { geometry: null; missing: string };

type GeometryFields = Pick<
  SeriesStart,
  'width' | 'height' | 'beamCenterX' | 'beamCenterY' | 'detectorDistance' | 'wavelength' | 'pixelSizeX' | 'pixelSizeY'
>;

/**
 * The range each length may take on a real beamline, in the series start's units. A value
 * outside it (wavelength 1e308, a pixel of 1e-300 m) is a broken or hostile header: the series
 * is then analysed without geometry, naming the value, rather than with tables that find nothing.
 */
const PLAUSIBLE: Record<string, { min: number; max: number; unit: string }> = {
  detector_distance: { min: 1e-3, max: 100, unit: 'm' },
  wavelength: { min: 0.01, max: 100, unit: 'angstrom' },
  pixel_size_x: { min: 1e-7, max: 1e-2, unit: 'm' },
  pixel_size_y: { min: 1e-7, max: 1e-2, unit: 'm' },
};
/** A beam centre may lie off the detector, but not further than this many detector widths. */
const BEAM_CENTRE_REACH = 100;

export function seriesGeometry(s: GeometryFields): SeriesGeometry {
  // The beam centre may lie off the detector (any finite value); lengths must be positive.
  const finite = { beam_center_x: s.beamCenterX, beam_center_y: s.beamCenterY };
  const positive = {
    image_size_x: s.width,
    image_size_y: s.height,
    detector_distance: s.detectorDistance,
    wavelength: s.wavelength,
    pixel_size_x: s.pixelSizeX,
    pixel_size_y: s.pixelSizeY,
  };
  const missing = [
    ...Object.entries(finite).filter(([, v]) => v === null || !Number.isFinite(v)),
    ...Object.entries(positive).filter(([, v]) => v === null || !(v > 0) || !Number.isFinite(v)),
  ].map(([k]) => k);
  if (missing.length > 0) return { geometry: null, missing: `the series start lacks ${missing.join(', ')}` };
  const implausible = Object.entries(positive)
    .filter(([k, v]) => PLAUSIBLE[k] && (v! < PLAUSIBLE[k]!.min || v! > PLAUSIBLE[k]!.max))
    .map(([k, v]) => `${k} ${v} ${PLAUSIBLE[k]!.unit} is outside ${PLAUSIBLE[k]!.min}..${PLAUSIBLE[k]!.max}`);
  const reach = BEAM_CENTRE_REACH * Math.max(s.width!, s.height!);
  for (const [k, v] of Object.entries(finite))
    if (Math.abs(v!) > reach) implausible.push(`${k} ${v} px is more than ${BEAM_CENTRE_REACH} detector widths away`);
  if (implausible.length > 0)
    return { geometry: null, missing: `the series start's geometry is implausible: ${implausible.join('; ')}` };
  try {
    const geometry = new DetectorGeometry({
      width: s.width!,
      height: s.height!,
      beamCenterX: s.beamCenterX!,
      beamCenterY: s.beamCenterY!,
      distance: s.detectorDistance!,
      wavelength: s.wavelength!,
      pixelSizeX: s.pixelSizeX!,
      pixelSizeY: s.pixelSizeY!,
    });
    return { geometry, missing: null };
  } catch (err) {
    return { geometry: null, missing: (err as Error).message };
  }
}
