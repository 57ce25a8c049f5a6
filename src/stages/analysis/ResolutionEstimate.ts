// estimated_d_min as DIALS's per-image analysis computes it: ln(I/sigma) against d*^2 in
// equal-population bins (about 20 spots each, 5..20 bins), Wilson outlier rejection per bin,
// straight lines through each bin's 10th and 90th percentile points, and the highest d*^2 of a
// (non-ice, non-outlier) spot lying below the upper line. Spot-finding intensities are summed
// raw counts, so sigma^2 = I. Returns null where DIALS gives -1.

export interface ResolutionInput {
  /** d*^2 of each spot (1/A^2), > 0 */
  dStarSq: Float64Array | number[];
  intensity: Float64Array | number[];
  /** sigma^2 of each intensity; defaults to the intensity (Poisson, as for spot finding) */
  variance?: Float64Array | number[];
  /** true for spots on ice rings */
  ice?: Uint8Array | boolean[];
}

const P_CUTOFF = 1e-2;
const LOW_PERCENTILE = 0.1;

interface Fit {
  slope: number;
  intercept: number;
}

function linearFit(x: number[], y: number[]): Fit | null {
  const n = x.length;
  if (n < 2) return null;
  let sx = 0,
    sy = 0;
  for (let i = 0; i < n; i++) {
    sx += x[i]!;
    sy += y[i]!;
  }
  const mx = sx / n,
    my = sy / n;
  let sxx = 0,
    sxy = 0;
  for (let i = 0; i < n; i++) {
    const dx = x[i]! - mx;
    sxx += dx * dx;
    sxy += dx * (y[i]! - my);
  }
  if (sxx === 0) return null;
  const slope = sxy / sxx;
  return { slope, intercept: my - slope * mx };
}

/** Iterative Wilson outlier rejection within one bin: normalised amplitude sqrt(I / <I>) >= sqrt(-ln p). */
function wilsonOutliers(intensity: number[], ice: boolean[]): boolean[] {
  const eCutoff = Math.sqrt(-Math.log(P_CUTOFF));
  let sum = 0,
    n = 0;
  for (let i = 0; i < intensity.length; i++)
    if (!ice[i]) {
      sum += intensity[i]!;
      n++;
    }
  const out = new Array<boolean>(intensity.length).fill(false);
  if (n === 0) return out;
  const sigmaN = sum / n;
  let any = false;
  for (let i = 0; i < intensity.length; i++) {
    out[i] = Math.sqrt(intensity[i]!) / Math.sqrt(sigmaN) >= eCutoff;
    if (out[i]) any = true;
  }
  if (!any) return out;
  const keep: number[] = [];
  for (let i = 0; i < out.length; i++) if (!out[i]) keep.push(i);
  const inner = wilsonOutliers(
    keep.map((i) => intensity[i]!),
    keep.map((i) => ice[i]!),
  );
  keep.forEach((i, j) => {
    out[i] = inner[j]!;
  });
  return out;
}

/** Bin edges (d_max, d_min) in d of equal-population bins, as DIALS's binner. */
function equalPopulationBins(dStarSq: number[]): Array<{ dMax: number; dMin: number }> {
  let nSlots = Math.floor(dStarSq.length / 20);
  nSlots = Math.max(Math.min(nSlots, 20), 5);
  const perBin = dStarSq.length / nSlots;
  const dSorted = [...dStarSq].sort((a, b) => a - b).map((s) => 1 / Math.sqrt(s));
  const bins: Array<{ dMax: number; dMin: number }> = [];
  let dMax = dSorted[0]!;
  for (let i = 0; i < nSlots; i++) {
    const at = Math.min(dSorted.length - 1, Math.max(0, Math.round((i + 1) * perBin) - 1));
    const dMin = dSorted[at]!;
    bins.push({ dMax, dMin });
    dMax = dMin;
  }
  return bins;
}

/** The resolution estimate in angstrom, or null when none can be made. */
export function estimateResolution(input: ResolutionInput): number | null {
  const n = input.dStarSq.length;
  if (input.intensity.length !== n) throw new Error('resolution estimate: dStarSq and intensity lengths differ');
  const ds2: number[] = [],
    inten: number[] = [],
    logIs: number[] = [],
    ice: boolean[] = [];
  for (let i = 0; i < n; i++) {
    const v = input.variance ? input.variance[i]! : input.intensity[i]!;
    if (!(v > 0) || !(input.dStarSq[i]! > 0)) continue;
    ds2.push(input.dStarSq[i]!);
    inten.push(input.intensity[i]!);
    logIs.push(Math.log(input.intensity[i]! / Math.sqrt(v)));
    ice.push(input.ice ? Boolean(input.ice[i]) : false);
  }
  if (ds2.length < 2) return null;
  const d = ds2.map((s) => 1 / Math.sqrt(s));
  const outliersAll = new Array<boolean>(ds2.length).fill(false);
  const upperX: number[] = [],
    upperY: number[] = [],
    lowerX: number[] = [],
    lowerY: number[] = [];
  for (const bin of equalPopulationBins(ds2)) {
    const members: number[] = [];
    for (let i = 0; i < d.length; i++) if (d[i]! < bin.dMax && d[i]! >= bin.dMin) members.push(i);
    if (!members.some((i) => !ice[i])) continue;
    const out = wilsonOutliers(
      members.map((i) => inten[i]!),
      members.map((i) => ice[i]!),
    );
    members.forEach((i, j) => {
      outliersAll[i] = out[j]!;
    });
    const kept = members.filter((i, j) => !out[j] && !ice[i]);
    if (kept.length === 0) continue;
    const order = [...kept].sort((a, b) => logIs[a]! - logIs[b]! || a - b);
    const iLow = order[Math.floor(LOW_PERCENTILE * order.length)]!;
    const iHigh = order[Math.floor((1 - LOW_PERCENTILE) * order.length)]!;
    lowerY.push(logIs[iLow]!);
    upperY.push(logIs[iHigh]!);
    upperX.push(ds2[iLow]!); // DIALS pairs the upper values with these d*^2 (kept as it does)
    lowerX.push(ds2[iHigh]!);
  }
  const upper = linearFit(upperX, upperY);
  const lower = linearFit(lowerX, lowerY);
  if (!upper || !lower || upper.slope === lower.slope) return null;
  let best = -Infinity;
  for (let i = 0; i < ds2.length; i++) {
    if (outliersAll[i] || ice[i]) continue;
    const below = logIs[i]! - upper.intercept - upper.slope * ds2[i]! < 0;
    if (below && ds2[i]! > best) best = ds2[i]!;
  }
  return best > 0 ? 1 / Math.sqrt(best) : null;
}
