// Turns the configuration's analysis section into the options the analysis modules take.
import type { PipelineConfig } from '../../config/PipelineConfig.js';
import type { RadialBinSpec, RadialCorrections } from './RadialBins.js';
import type { UserMaskConfig } from './UserMask.js';

type Analysis = PipelineConfig['analysis'];

export function radialBinSpec(r: Analysis['radial']): RadialBinSpec {
  const spec: RadialBinSpec = { unit: r.unit, count: r.bins };
  if (r.range) {
    spec.min = r.range[0];
    spec.max = r.range[1];
  } else if (r.unit === 'd') {
    // d bins need explicit limits; cover macromolecular resolution by default.
    spec.min = 1;
    spec.max = 50;
  }
  return spec;
}

export function radialCorrections(r: Analysis['radial']): RadialCorrections {
  return { solidAngle: r.solid_angle, polarizationFactor: r.polarisation };
}

export function userMaskConfig(m: Analysis['mask']): UserMaskConfig {
  return {
    rectangles: m.rectangles.map(([x0, y0, x1, y1]) => ({ x0, y0, x1, y1 })),
    circles: m.circles.map(([x, y, r]) => ({ x, y, r })),
    ...(m.d_min !== null ? { d_min: m.d_min } : {}),
    ...(m.d_max !== null ? { d_max: m.d_max } : {}),
  };
}
