// The results file's series record: what the detector said about the series, the radial
// bins every frame record's `radial` array refers to, as q in 1/angstrom, and the grid scan
// the series is, if any.
import type { PipelineConfig } from '../../config/PipelineConfig.js';
import type { SeriesStart } from '../../receiver/events.js';
import type { SeriesRecord } from '../../sinks/records.js';
import { radialEdges, resolveBinSpec } from '../analysis/RadialBins.js';
import { radialBinSpec } from '../analysis/analysisSettings.js';
import { seriesGeometry } from '../geometry/seriesGeometry.js';
import { gridScanOf, gridScanRecord, type GridScan } from '../grid/gridScan.js';

/** The record, and what was wrong with a grid description in the header that could not be
 * used (the configured grid is then the record's), for the caller to log. */
export function seriesRecord(
  start: SeriesStart,
  analysis: PipelineConfig['analysis'],
  configuredGrid: GridScan | null,
): { record: SeriesRecord; gridProblem: string | null } {
  const grid = gridScanOf(start.userData, configuredGrid);
  const record: SeriesRecord = {
    type: 'series',
    series: start.series,
    series_unique_id: start.seriesUniqueId,
    detector: start.detectorDescription,
    width: start.width,
    height: start.height,
    dtype: start.dtype,
    beam_center_x: start.beamCenterX,
    beam_center_y: start.beamCenterY,
    distance_m: start.detectorDistance,
    wavelength_a: start.wavelength,
    pixel_size_m: start.pixelSizeX,
    number_of_images: start.numberOfImages,
    radial_q: radialBinsInQ(start, analysis),
    grid_scan: gridScanRecord(grid.grid),
  };
  return { record, gridProblem: grid.problem };
}

/** The bins in q, or [] when the geometry gives none (missing, or values no bins can be made of). */
function radialBinsInQ(start: SeriesStart, analysis: PipelineConfig['analysis']): number[] {
  const g = seriesGeometry(start);
  if (!g.geometry) return [];
  let spec;
  try {
    spec = resolveBinSpec(radialBinSpec(analysis.radial), g.geometry);
  } catch {
    return [];
  }
  const centres = radialEdges(spec).centres;
  const wavelength = g.geometry.wavelength;
  const toQ = (v: number): number => {
    switch (spec.unit) {
      case 'q':
        return v;
      case '2theta':
        return (4 * Math.PI * Math.sin((v * Math.PI) / 360)) / wavelength;
      case 'd':
        return (2 * Math.PI) / v;
    }
  };
  return Array.from(centres, (v) => Number(toQ(v).toPrecision(7)));
}
