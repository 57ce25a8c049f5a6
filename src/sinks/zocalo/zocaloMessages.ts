// The messages the pipeline sends into Zocalo: the recipe wrapper's envelope around each
// payload, and the payloads: per-image analysis results with the fields Diamond's PIA service
// produces (so the ISPyB connector, X-ray centring and SSX plots take them as they are), plus
// ours (hit, red flags, the series and image ids to de-duplicate by); series start, end and
// summary; X-ray centring.
import type { FrameResult, SeriesRecord, SeriesSummary } from '../records.js';
import type { CollectionIds } from './collectionIds.js';
import type { Destination, RecipeRoutes } from './recipe.js';

/** What every message of a series says about it. */
export interface SeriesContext extends CollectionIds {
  series: number;
  seriesUniqueId: string | null;
  /** The recipe environment's ID: one per series, as one recipe run per data collection. */
  environmentId: string;
}

/** The recipe wrapper's body for `destination` (python-workflows' message layout). */
export function envelope(
  routes: RecipeRoutes,
  destination: Destination,
  ctx: SeriesContext,
  payload: Record<string, unknown>,
): Buffer {
  return Buffer.from(
    JSON.stringify({
      recipe: routes.recipe,
      'recipe-pointer': destination.pointer,
      'recipe-path': [routes.step],
      environment: { ID: ctx.environmentId, source: 'stream-pipeline' },
      payload,
    }),
  );
}

/** A good-path frame's result: DIALS per-image analysis names; file-number is 1-based. */
export function perImageResult(r: FrameResult, ctx: SeriesContext): Record<string, unknown> {
  return {
    ...fileFields(ctx, r.frame),
    n_spots_total: r.n_spots,
    n_spots_no_ice: r.n_spots_no_ice,
    n_spots_4A: r.n_spots_4A,
    // DIALS gives -1 when too few spots allow no estimate.
    estimated_d_min: r.d_min ?? -1,
    total_intensity: r.total_intensity,
    // When the frame arrived (s since the epoch): the facility's X-ray centring requires it.
    'file-seen-at': r.receivedAt / 1000,
    ...ids(ctx, r.frame),
    hit: r.hit,
    flags: r.flags,
  };
}

export function seriesStarted(record: SeriesRecord, ctx: SeriesContext): Record<string, unknown> {
  return {
    type: 'series-start',
    ...ids(ctx, null),
    ...(ctx.file !== null ? { file: ctx.file } : {}),
    detector: record.detector,
    number_of_images: record.number_of_images,
    wavelength: record.wavelength_a,
    detector_distance_m: record.distance_m,
    beam_centre_px: [record.beam_center_x, record.beam_center_y],
    grid_scan: record.grid_scan,
  };
}

export function seriesEnded(summary: SeriesSummary, ctx: SeriesContext): Record<string, unknown> {
  return { type: 'series-end', ...ids(ctx, null), summary };
}

function fileFields(ctx: SeriesContext, image: number): Record<string, unknown> {
  return {
    ...(ctx.file !== null ? { file: ctx.file } : {}),
    'file-number': image + 1,
    'file-pattern-index': image + 1,
  };
}

function ids(ctx: SeriesContext, image: number | null): Record<string, unknown> {
  return {
    ...(ctx.dcid !== null ? { dcid: ctx.dcid } : {}),
    series_id: ctx.series,
    series_unique_id: ctx.seriesUniqueId,
    ...(image !== null ? { image_id: image } : {}),
  };
}
