// What the page shows, readable from outside (tests, and anyone at the browser console asking
// why a panel looks as it does): the last messages, the apply times and the plots themselves.
import type uPlot from 'uplot';
import type { PreviewMessage, StateMessage } from '../dashboardMessages.js';

export interface DashboardHook {
  lastState: StateMessage | null;
  lastPreview: PreviewMessage | null;
  /** seq of the last state applied to the panels (lastState may be newer, awaiting a frame). */
  appliedSeq: number | null;
  /** The last 200 apply durations (ms), drawing included. */
  applyMs: number[];
  plots: { hitRate: uPlot; spots: uPlot; radial: uPlot; separation: uPlot; dMin: uPlot };
  /** Client coordinates of a heat-map cell's centre. */
  heatMapCellAt(col: number, row: number): { x: number; y: number };
}

declare global {
  interface Window {
    streamPipelineDashboard?: DashboardHook;
  }
}
