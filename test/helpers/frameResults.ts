// A complete, valid worker result body (what FrameAnalyser returns plus timing), for tests
// whose workers are driven by hand. Fields can be overridden to make it invalid.
export function validResultBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    n_spots: 0,
    n_spots_no_ice: 0,
    n_spots_4A: 0,
    hit: false,
    d_min: null,
    total_intensity: 0,
    saturated_pixels: 0,
    background: 0,
    spots: [],
    radial: [],
    separation: [0, 0],
    flags: [],
    timing: { decode: 0, analysis: 0, total: 0, wait: 0 },
    ...overrides,
  };
}
