// A complete series start for tests that need one without a detector: a small uint16 EIGER2
// with a usable geometry; tests override what they are about.
import type { SeriesStart } from '../../src/receiver/events.js';

export function testSeriesStart(series: number, overrides: Partial<SeriesStart> = {}): SeriesStart {
  return {
    type: 'series-start',
    streamVersion: 2,
    series,
    seriesUniqueId: null,
    headerDetail: 'all',
    detectorDescription: 'EIGER2',
    detectorSerialNumber: null,
    width: 4,
    height: 4,
    dtype: 'uint16',
    beamCenterX: 2,
    beamCenterY: 2,
    detectorDistance: 0.1,
    wavelength: 1,
    photonEnergy: null,
    pixelSizeX: 75e-6,
    pixelSizeY: 75e-6,
    countTime: null,
    frameTime: null,
    numberOfImages: null,
    saturationValue: null,
    sensorMaterial: null,
    sensorThickness: null,
    channels: ['threshold_1'],
    pixelMask: {},
    flatfield: {},
    countrateTable: null,
    goniometer: {},
    userData: null,
    config: {},
    receivedAt: Date.now(),
    ...overrides,
  };
}
