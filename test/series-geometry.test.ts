// A series start's geometry is used only when every length is one a beamline can have: absurd
// but finite values are refused with the value named, as missing or NaN ones are.
import { describe, expect, it } from 'vitest';
import { seriesGeometry } from '../src/stages/geometry/seriesGeometry.js';

const real = {
  width: 2068,
  height: 2162,
  beamCenterX: 1030.5,
  beamCenterY: 1100.2,
  detectorDistance: 0.15,
  wavelength: 0.9763,
  pixelSizeX: 75e-6,
  pixelSizeY: 75e-6,
};

describe('series geometry', () => {
  it('accepts a real EIGER2 4M set-up, beam centre off the detector included', () => {
    expect(seriesGeometry(real).missing).toBeNull();
    expect(seriesGeometry({ ...real, beamCenterX: -500 }).missing).toBeNull();
  });

  const absurd: [string, Partial<typeof real>, RegExp][] = [
    ['wavelength 1e308', { wavelength: 1e308 }, /wavelength 1e\+308 angstrom is outside/],
    ['distance 1e300', { detectorDistance: 1e300 }, /detector_distance 1e\+300 m is outside/],
    ['pixel size 1e-300', { pixelSizeX: 1e-300 }, /pixel_size_x 1e-300 m is outside/],
    ['wavelength 1e-320', { wavelength: 1e-320 }, /wavelength/],
    ['a beam centre 1e12 px away', { beamCenterY: 1e12 }, /beam_center_y 1000000000000 px/],
  ];
  for (const [what, change, reason] of absurd) {
    it(`refuses ${what}, naming it`, () => {
      const g = seriesGeometry({ ...real, ...change });
      expect(g.geometry).toBeNull();
      expect(g.missing).toMatch(reason);
    });
  }

  it('still names what is missing or not a number', () => {
    expect(seriesGeometry({ ...real, wavelength: null }).missing).toMatch(/lacks wavelength/);
    expect(seriesGeometry({ ...real, beamCenterX: Number.NaN }).missing).toMatch(/lacks beam_center_x/);
  });
});
