// A series set-up as the broker sends it, for tests that drive a worker by hand: the frame shape
// and no geometry unless given (a SeriesSetup has exactly the fields in SETUP_FIELDS).
import type { SeriesSetup } from '../../src/stages/pool/protocol.js';

export function testSetup(width: number, height: number, geometry: Partial<SeriesSetup> = {}): SeriesSetup {
  return {
    run: 1,
    series: 1,
    width,
    height,
    dtype: 'uint16',
    beamCenterX: null,
    beamCenterY: null,
    detectorDistance: null,
    wavelength: null,
    pixelSizeX: null,
    pixelSizeY: null,
    saturationValue: null,
    channels: ['threshold_1'],
    maskChannel: null,
    ...geometry,
  };
}
