// The CrystFEL geometry file written beside a master (crystfel_geometry(5)): one panel reading
// the master's image stack event by event, the pixel mask, and the edge spot finder's peaks as a
// CXI peak list, so `indexamajig -g <prefix>.geom --peaks=cxi` indexes the hits without finding
// spots again. CrystFEL's lab frame has +z along the beam and +y up; the panel follows its own
// examples for EIGERs (fs = +x, ss = +y, corner = minus the beam centre).
import { PATHS } from './nxmxLayout.js';
import type { HitFileSeries } from './hitFileTypes.js';

const num = (v: number): string => String(Number(v.toPrecision(12)));

export function crystfelGeometry(s: HitFileSeries, master: string, frames: number): string {
  const ssScale = s.pixelSizeY / s.pixelSizeX;
  const lines = [
    `; CrystFEL geometry for ${master}, written by stream-pipeline`,
    `; ${frames} frames (hits) of series ${s.series}${s.seriesUniqueId ? ` (${s.seriesUniqueId})` : ''}, channel ${s.channel}`,
    '',
    `wavelength = ${num(s.wavelength)} A   ; also in the master: ${PATHS.wavelength}`,
    `clen = ${num(s.distance)} m   ; also in the master: ${PATHS.distance}`,
    `res = ${num(1 / s.pixelSizeX)}   ; pixels per metre (1 / ${num(s.pixelSizeX)} m)`,
    'adu_per_photon = 1',
    '',
    '; the master holds every written frame as one stack [frame, ss, fs]',
    'dim0 = %',
    'dim1 = ss',
    'dim2 = fs',
    `data = ${PATHS.data}`,
    '',
    '; peaks of the edge spot finder, CXI layout: pixel indices (the first pixel centre is 0),',
    '; which CrystFEL shifts by half a pixel unless --no-half-pixel-shift',
    `peak_list = ${PATHS.result}`,
    'peak_list_type = cxi',
    '',
  ];
  if (s.pixelMask !== null) {
    lines.push(
      '; the DECTRIS pixel mask: any bit set = bad',
      `mask0_data = ${PATHS.pixelMask}`,
      'mask0_goodbits = 0x0',
      'mask0_badbits = 0xffffffff',
      '',
    );
  }
  lines.push(
    '; corner_x/y: the corner of the first pixel relative to the beam, in pixels',
    'panel0/min_fs = 0',
    `panel0/max_fs = ${s.width - 1}`,
    'panel0/min_ss = 0',
    `panel0/max_ss = ${s.height - 1}`,
    `panel0/corner_x = ${num(-s.beamCenterX)}`,
    `panel0/corner_y = ${num(-s.beamCenterY * ssScale)}`,
    'panel0/fs = +1x',
    `panel0/ss = +${num(ssScale)}y`,
    '',
  );
  return lines.join('\n');
}
