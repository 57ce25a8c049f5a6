// The live-feedback page: one WebSocket (/ws) brings states (at most ten a second) and hit
// images; the newest state is applied to every panel once per animation frame.
//
// Text values carry data-field names, stable for tests and for anyone scripting the page:
//   header:      setup, series, series-run, series-state, series-images, series-select,
//                view-mode, view-notice, back-to-live, connection, connection-banner, flags-count
//   red flags:   flags-none, flag-<name> (its reason, e.g. flag-ice-rings), flag-<name>-since
//   key numbers: latest-d-min, latest-d-min-image, hit-rate-good, hit-rate-fast, hit-rate-window
//   plots:       spots-bin-width, d-min-bin-width, radial-current, radial-current-label,
//                radial-accumulated, separation-threshold, separation-close
//   heat map:    heatmap-title, heatmap-progress, heatmap-best, heatmap-scale-max, heatmap-tooltip
//   hit image:   preview-caption, preview-empty, preview-scale
//   health:      input-rate, processed-rate-good, processed-rate-fast, fast-skipped,
//                fast-skipped-reasons, good-queue-waiting, good-queue-in-flight, good-queue-on-disk,
//                good-queue-spilled, workers-good, workers-fast, delay-good, delay-fast,
//                files-written, hit-file-queue, dashboard-clients
//   series counts: series-received, series-processed-good, series-processed-fast,
//                series-hits-good, series-hits-fast, series-lost, series-lost-reasons,
//                series-skipped-fast, series-skipped-fast-reasons, series-files-written
// and elements, not texts: view-banner, series-progress, flags-panel, flags-list, heatmap-panel,
//   heatmap-canvas, heatmap-legend, preview-canvas, and the plots' containers hit-rate-plot,
//   spots-plot, d-min-plot, radial-plot, separation-plot.
//
// window.streamPipelineDashboard (hook.ts) exposes lastState, lastPreview, appliedSeq, applyMs
// (the last 200 apply times), plots (the uPlot instances) and heatMapCellAt(col, row).
import type { DashboardMessage, SeriesView, StateMessage } from '../dashboardMessages.js';
import { ApplyScheduler } from './applyScheduler.js';
import { feedUrl, LiveConnection } from './connection.js';
import { ConnectionBanner } from './connectionBanner.js';
import { DMinPanel } from './dMinPanel.js';
import { FlagsPanel } from './flagsPanel.js';
import { Header } from './header.js';
import { HealthPanel } from './healthPanel.js';
import { HeatMapPanel } from './heatMapPanel.js';
import type { DashboardHook } from './hook.js';
import { HitRatePanel } from './hitRatePanel.js';
import { PreviewPanel } from './previewPanel.js';
import { PreviewStore } from './previewStore.js';
import { RadialPanel } from './radialPanel.js';
import { SeparationPanel } from './separationPanel.js';
import { SeriesSelection } from './seriesSelection.js';
import type { SeriesPanel } from './seriesPanel.js';
import { SpotsPanel } from './spotsPanel.js';

function start(): void {
  // Anything that changes what is shown (a choice, a resize, a message) asks for one apply.
  const request = (): void => scheduler.request();
  const selection = new SeriesSelection(request);
  const header = new Header(selection);
  const health = new HealthPanel();
  const previews = new PreviewStore();
  const previewPanel = new PreviewPanel(request);
  const plots = {
    hitRate: new HitRatePanel(),
    spots: new SpotsPanel(),
    radial: new RadialPanel(),
    separation: new SeparationPanel(),
    dMin: new DMinPanel(),
  };
  const heatMap = new HeatMapPanel(request);
  const panels: SeriesPanel[] = [new FlagsPanel(), ...Object.values(plots), heatMap];
  const banner = new ConnectionBanner();

  let state: StateMessage | null = null;
  const scheduler = new ApplyScheduler(() => {
    if (!state) return;
    const shown: SeriesView | null = selection.shown(state.current);
    document.body.classList.toggle('no-series', shown === null);
    header.apply(state, shown);
    for (const panel of panels) panel.apply(shown);
    previewPanel.apply(shown, previews.of(shown));
    health.apply(state.health, shown);
    hook.appliedSeq = state.seq;
  });

  const hook: DashboardHook = {
    lastState: null,
    lastPreview: null,
    appliedSeq: null,
    applyMs: scheduler.durations,
    plots: {
      hitRate: plots.hitRate.plot,
      spots: plots.spots.plot,
      radial: plots.radial.plot,
      separation: plots.separation.plot,
      dMin: plots.dMin.plot,
    },
    heatMapCellAt: (col, row) => heatMap.cellAt(col, row),
  };
  window.streamPipelineDashboard = hook;

  const receive = (message: DashboardMessage): void => {
    if (message.type === 'state') state = hook.lastState = message;
    else {
      hook.lastPreview = message;
      previews.put(message);
    }
    request();
  };
  new LiveConnection({ url: feedUrl(location), onMessage: receive, onStatus: (s) => banner.update(s) }).start();
}

start();
