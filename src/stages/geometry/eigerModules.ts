// The sensor module layouts of DECTRIS EIGER and EIGER2 detectors: modules of 1030 x 514
// (EIGER) or 1028 x 512 (EIGER2) pixels, tiled with fixed gaps between them. The one place
// this is written down: the worker finds module rectangles from an image size with it, and the
// simulator builds its detectors and their gap masks from it.
export interface ModuleLayout {
  name: string;
  moduleWidth: number;
  moduleHeight: number;
  /** Gap columns between modules side by side, and gap rows between modules one above the other. */
  gapColumns: number;
  gapRows: number;
}

export const EIGER2_LAYOUT: ModuleLayout = {
  name: 'EIGER2',
  moduleWidth: 1028,
  moduleHeight: 512,
  gapColumns: 12,
  gapRows: 38,
};
export const EIGER_LAYOUT: ModuleLayout = {
  name: 'EIGER',
  moduleWidth: 1030,
  moduleHeight: 514,
  gapColumns: 10,
  gapRows: 37,
};
export const MODULE_LAYOUTS: readonly ModuleLayout[] = [EIGER2_LAYOUT, EIGER_LAYOUT];

/** The layout whose whole number of modules and gaps makes exactly this image size, if any. */
export function layoutOf(
  width: number,
  height: number,
): { layout: ModuleLayout; modulesX: number; modulesY: number } | null {
  for (const layout of MODULE_LAYOUTS) {
    const modulesX = (width + layout.gapColumns) / (layout.moduleWidth + layout.gapColumns);
    const modulesY = (height + layout.gapRows) / (layout.moduleHeight + layout.gapRows);
    if (Number.isInteger(modulesX) && Number.isInteger(modulesY) && modulesX >= 1 && modulesY >= 1)
      return { layout, modulesX, modulesY };
  }
  return null;
}
