// The configuration file's schema: every key, its type, its default and what it means.
// It is the single source of truth: validation (loadConfig.ts), the defaults, and the
// configuration reference in the README (`stream-pipeline config-docs`) all come from here.
// It is typed by PipelineConfig (schemaTypes.ts), so a key, type or default that disagrees
// with the type the rest of the program reads fails `tsc`.

import { RESULT_LIMITS } from '../sinks/records.js';
import { MAX_GRID_IMAGES, type GridScanFields } from '../stages/grid/gridScan.js';
import type { PipelineConfig, SimulatorConfig, WorkerPoolConfig } from './PipelineConfig.js';
import { given, oneOf, type NumberKeywords, type Properties, type Property, type Schema } from './schemaTypes.js';

export type { SchemaNode } from './schemaTypes.js';

type Pipeline = PipelineConfig['pipeline'];
type Analysis = PipelineConfig['analysis'];

const positiveInt = (description: string, def: number, maximum?: number): Property<number> => ({
  type: 'integer',
  minimum: 1,
  ...(maximum ? { maximum } : {}),
  default: def,
  description,
});
function num(description: string, def: number, extra?: NumberKeywords): Property<number>;
function num(description: string, def: null, extra?: NumberKeywords): Property<number | null>;
function num(
  description: string,
  def: number | null,
  extra: NumberKeywords = {},
): Property<number> | Property<number | null> {
  return def === null
    ? { type: ['number', 'null'], default: null, description, ...extra }
    : { type: 'number', default: def, description, ...extra };
}
/** The keywords of every section but its `properties`; a section's keys all have defaults, so
 * its own default `{}` is filled in to a complete section. */
const section = (description: string) =>
  ({ type: 'object', description, additionalProperties: false, default: {} }) as const;

const simulator: Property<SimulatorConfig | null> = {
  type: ['object', 'null'],
  description:
    'Run the built-in detector simulator in-process as the detector (demo, tests). When present, ' +
    'detector.endpoint is where the simulator binds and the pipeline connects.',
  additionalProperties: false,
  default: null,
  properties: {
    model: {
      type: 'string',
      enum: oneOf('eiger2-4m', 'eiger2-9m', 'eiger2-16m'),
      default: 'eiger2-4m',
      description: 'Simulated detector.',
    },
    frames: positiveInt('Frames per series.', 1000),
    series: positiveInt('Number of series to send, one after another.', 1),
    rate: num('Frame rate in Hz; 0 sends as fast as possible.', 100, { minimum: 0 }),
    stream: {
      type: 'string',
      enum: oneOf('v1', 'v2'),
      default: 'v1',
      description: 'Wire format the simulator speaks.',
    },
    dtype: { type: 'string', enum: oneOf('uint16', 'uint32'), default: 'uint32', description: 'Pixel type.' },
    hit_fraction: num('Fraction of frames with Bragg spots.', 0.1, { minimum: 0, maximum: 1 }),
    ice_rings: { type: 'boolean', default: false, description: 'Add hexagonal-ice rings to the frames.' },
    split_spots: { type: 'boolean', default: false, description: 'Double every Bragg spot (split crystal).' },
    seed: {
      type: 'integer',
      minimum: 0,
      maximum: 4294967295,
      default: 1,
      description: 'Random seed; the same seed gives the same frames.',
    },
    truth: {
      type: ['string', 'null'],
      default: null,
      description: 'Write the true spot positions (JSON lines) to this file.',
    },
    grid: {
      type: ['string', 'null'],
      default: null,
      description:
        'COLSxROWS (e.g. "20x15"): the first series is a grid scan of that many images over a simulated crystal (its header describes the grid; `frames` is for the series after it); null: every series is serial crystallography.',
    },
  },
};

const gridSteps = (description: string) =>
  given<number>({ type: 'integer', minimum: 1, maximum: MAX_GRID_IMAGES, description });

const gridScan: Property<GridScanFields | null> = {
  type: ['object', 'null'],
  description:
    'The grid of every series whose header does not describe one (see Grid scans in the README): each image is one cell of the grid. null: only series whose header describes a grid are grid scans.',
  additionalProperties: false,
  default: null,
  required: ['cols', 'rows'],
  properties: {
    cols: gridSteps('Cells along x (a row of the grid).'),
    rows: gridSteps('Cells along y (a column of the grid).'),
    snaked: {
      type: 'boolean',
      default: false,
      description: 'Every other line of the scan runs backwards (the stage does not fly back).',
    },
    orientation: {
      type: 'string',
      enum: oneOf('horizontal', 'vertical'),
      default: 'horizontal',
      description: 'horizontal: the images run along a row first; vertical: down a column first.',
    },
    dx_mm: num('Step between columns in mm; null: not known.', null, { exclusiveMinimum: 0 }),
    dy_mm: num('Step between rows in mm; null: not known.', null, { exclusiveMinimum: 0 }),
  },
};

const detector: Property<PipelineConfig['detector']> = {
  ...section('Where the detector stream comes from.'),
  properties: {
    endpoint: {
      type: 'string',
      default: 'tcp://127.0.0.1:9999',
      format: 'zmq-connect',
      description: "The detector's ZeroMQ PUSH endpoint (V1 default port 9999, V2 31001).",
    },
    distance_fallback_m: num(
      'Sample-detector distance (m) used when the stream does not carry one (V2 without detector_translation).',
      null,
      { exclusiveMinimum: 0 },
    ),
    grid_scan: gridScan,
    simulate: simulator,
  },
};

const sampling: Property<Pipeline['fast']['sampling']> = {
  ...section('Which frames the fast path looks at (it also skips frames when every fast worker is busy).'),
  properties: {
    every: positiveInt('Look at every Nth frame (1 = all).', 1),
    fraction: num('Or: look at this random fraction of frames (1 = all). Applied after `every`.', 1, {
      exclusiveMinimum: 0,
      maximum: 1,
    }),
  },
};

/** The keys both worker pools have; `spotFinder` is the pool's default. */
const workerPool = (spotFinder: WorkerPoolConfig['spot_finder']): Properties<WorkerPoolConfig> => ({
  workers: {
    type: 'integer',
    minimum: 0,
    maximum: 256,
    default: 1,
    description: 'Local worker processes at start (0: only remote workers).',
  },
  min_workers: {
    type: 'integer',
    minimum: 0,
    maximum: 256,
    default: 1,
    description: 'Lower bound when the pool scaler adjusts the local worker count.',
  },
  max_workers: {
    type: 'integer',
    minimum: 0,
    maximum: 256,
    default: 2,
    description: 'Upper bound when the pool scaler adjusts the local worker count.',
  },
  spot_finder: {
    type: 'string',
    enum: oneOf('dispersion', 'peakfinder8'),
    default: spotFinder,
    description: 'Spot-finding algorithm of this path.',
  },
});

const auth: Property<Pipeline['auth']> = {
  ...section(
    'Who may join as a worker over TCP (ZeroMQ CURVE: encrypted, and only holders of an authorized key get in). Required when pipeline.host is not a loopback address; local workers use a private Unix socket and need no key.',
  ),
  properties: {
    key_file: {
      type: ['string', 'null'],
      default: null,
      description:
        "The pipeline's CURVE key pair file (`stream-pipeline keygen --out PREFIX` writes PREFIX.key, mode 600, and PREFIX.pub for the workers' --server-key).",
    },
    authorized_workers_file: {
      type: ['string', 'null'],
      default: null,
      description:
        'Public keys of the workers allowed to join: their .pub files concatenated, one "public-key Z85" line each.',
    },
  },
};

const pipeline: Property<Pipeline> = {
  ...section('The stage graph: receiver -> fast and good worker pools -> collector.'),
  properties: {
    host: {
      type: 'string',
      default: '127.0.0.1',
      description:
        'Address the pipeline binds its worker and HTTP ports on (0.0.0.0 to accept remote workers; then pipeline.auth is required).',
    },
    auth,
    worker_port: {
      type: 'integer',
      minimum: 0,
      maximum: 65535,
      default: 5600,
      description:
        'Port remote workers connect to (`stream-pipeline worker --connect tcp://HOST:PORT`); 0 picks a free one.',
    },
    fast: {
      ...section('The fast (lossy, live feedback) path.'),
      properties: { ...workerPool('peakfinder8'), sampling },
    },
    good: {
      ...section('The good (full, lossless) path.'),
      properties: {
        ...workerPool('dispersion'),
        memory_budget_mb: positiveInt(
          'Frames waiting for a good worker may use this much memory; beyond it they spill to disk, and when the disk refuses them (full, failing) they stay in memory up to twice this, counted on /status (good.keptOverBudget), before any is lost. Spill writes run off the receiving thread: up to 64 MB more wait in memory for the disk, and reception waits only while the disk is more than 48 MB behind (good.receptionWaitsForDisk on /status). The pipeline process needs memory beyond this for its receive queue and itself (`npm run bench` reports its peak RSS next to this budget).',
          2048,
        ),
        spill_dir: {
          type: ['string', 'null'],
          default: null,
          description:
            "Where frames spill when the memory budget is used up: a directory of this user's only (created with mode 700; one that is a symlink, another user's, or open to others is refused). null: a fresh private directory under the system's temporary directory, removed at exit.",
        },
        journal_dir: {
          type: ['string', 'null'],
          default: null,
          description:
            'Opt-in durable good path (CLI --journal DIR): every frame received is written to a journal here (segment files) before the good path gets it, and is marked done once its result is written; a pipeline restarted after it died (kill -9, OOM, reboot of the process) first works off the frames its earlier life had received and not finished, exactly once. A private directory, like spill_dir. null: no journal (a restart then loses the frames being processed; the series summary names them).',
        },
        journal_max_mb: positiveInt(
          'The journal may hold this much on disk; beyond it (or when its disk fails) frames go to the good path unjournaled, with a warning, counted on /status (journal.notJournaled), until finished segments make room again.',
          16384,
          1 << 24,
        ),
      },
    },
    state_dir: {
      type: ['string', 'null'],
      default: null,
      description:
        'Where the pipeline keeps the start (header, run number) of each open series, so that when it is restarted mid-series it takes up the rest of the series instead of dropping its frames: results and hit files continue, and the summary names the images lost to the restart (lost reason pipeline-restart). A private directory of one pipeline (a lock file keeps a second one with the same directory out). null: $XDG_STATE_HOME/stream-pipeline/NAME, else ~/.local/state/stream-pipeline/NAME, NAME being the set-up name.',
    },
    heartbeat_ms: positiveInt(
      'Worker heartbeat interval; a worker silent for 3 intervals is declared dead and its frames redelivered.',
      1000,
      60000,
    ),
    task_timeout_s: positiveInt(
      'A worker that holds a frame this long without answering (while still heart-beating) is dropped and its frames go to other workers.',
      60,
      3600,
    ),
    shared_memory_slot_mb: {
      type: 'integer',
      minimum: 0,
      maximum: 256,
      default: 16,
      description:
        'Local workers receive frames in shared memory: one slot of this size per frame of credit, reserved in /dev/shm (a good worker holds 4, a fast one 1). Larger frames, or all when /dev/shm has no room, go over the socket; 0: always over the socket.',
    },
  },
};

const userMask: Property<Analysis['mask']> = {
  ...section('Pixels to leave out of every analysis, on top of the detector pixel mask.'),
  properties: {
    rectangles: {
      type: 'array',
      default: [],
      description: 'Rectangles in pixels, [x0, y0, x1, y1] (inclusive-exclusive).',
      items: { type: 'array', items: { type: 'number' }, minItems: 4, maxItems: 4 },
    },
    circles: {
      type: 'array',
      default: [],
      description: 'Circles in pixels, [x, y, radius] (e.g. the beam stop).',
      items: { type: 'array', items: { type: 'number' }, minItems: 3, maxItems: 3 },
    },
    d_min: num('Leave out pixels at higher resolution than this (angstrom).', null, { exclusiveMinimum: 0 }),
    d_max: num('Leave out pixels at lower resolution than this (angstrom).', null, { exclusiveMinimum: 0 }),
  },
};

const analysis: Property<Analysis> = {
  ...section('Per-frame analysis parameters.'),
  properties: {
    mask: userMask,
    radial: {
      ...section('Radial profile (azimuthal average).'),
      properties: {
        bins: positiveInt('Number of bins.', 500, RESULT_LIMITS.radialBins),
        unit: {
          type: 'string',
          enum: oneOf('q', '2theta', 'd'),
          default: 'q',
          description: 'Bin unit: q (1/angstrom), 2theta (degrees) or d (angstrom).',
        },
        range: {
          type: ['array', 'null'],
          items: { type: 'number' },
          minItems: 2,
          maxItems: 2,
          default: null,
          description: 'Bin range [low, high] in the unit; null: the whole detector.',
        },
        solid_angle: { type: 'boolean', default: false, description: 'Apply the solid-angle correction.' },
        polarisation: num('Polarisation factor (-1..1) to correct for; null: no correction.', null, {
          minimum: -1,
          maximum: 1,
        }),
      },
    },
    dispersion: {
      ...section("DIALS's dispersion spot finder."),
      properties: {
        algorithm: {
          type: 'string',
          enum: oneOf('dispersion_extended', 'dispersion'),
          default: 'dispersion_extended',
          description:
            'Threshold variant: dispersion_extended (what dials.find_spots uses by default) or the classic dispersion.',
        },
        kernel_size: {
          type: 'integer',
          minimum: 1,
          maximum: 20,
          default: 3,
          description: 'Half-width of the local window ((2k+1)^2 pixels).',
        },
        sigma_background: num('Dispersion threshold (index of dispersion).', 6, { exclusiveMinimum: 0 }),
        sigma_strong: num('Strong-pixel threshold in sigmas above the local mean.', 3, { exclusiveMinimum: 0 }),
        min_local: { type: 'integer', minimum: 0, default: 2, description: 'Minimum valid pixels in the window.' },
        gain: num('Detector gain.', 1, { exclusiveMinimum: 0 }),
        global_threshold: num('Pixels must exceed this value.', 0, { minimum: 0 }),
        min_spot_size: { type: 'integer', minimum: 1, default: 3, description: 'Smallest spot, pixels.' },
        max_spot_size: { type: 'integer', minimum: 1, default: 1000, description: 'Largest spot, pixels.' },
        connectivity: {
          type: 'integer',
          enum: oneOf(4, 8),
          default: 4,
          description: 'Pixel neighbourhood that joins strong pixels into one spot (DIALS: 4).',
        },
      },
    },
    peakfinder8: {
      ...section('The OM / CrystFEL peakfinder8.'),
      properties: {
        adc_threshold: num('Absolute threshold (counts).', 5, { minimum: 0 }),
        min_snr: num('Signal-to-noise threshold.', 6, { exclusiveMinimum: 0 }),
        min_pix_count: { type: 'integer', minimum: 1, default: 2, description: 'Smallest peak, pixels.' },
        max_pix_count: { type: 'integer', minimum: 1, default: 200, description: 'Largest peak, pixels.' },
        local_bg_radius: { type: 'integer', minimum: 1, default: 3, description: 'Local background radius, pixels.' },
        min_res: num('Inner radius limit, pixels.', 0, { minimum: 0 }),
        max_res: num('Outer radius limit, pixels (0 = none).', 0, { minimum: 0 }),
        max_num_peaks: positiveInt('Most peaks reported per frame.', 2048, RESULT_LIMITS.spots),
        fast: {
          type: 'boolean',
          default: true,
          description: 'Radial statistics from a sample of 100 pixels per bin (the fast mode).',
        },
      },
    },
    hit: {
      ...section('What counts as a hit.'),
      properties: { min_spots: positiveInt('A frame with at least this many spots is a hit.', 20) },
    },
  },
};

const outputs: Property<PipelineConfig['outputs']> = {
  ...section('Where results go.'),
  properties: {
    results: {
      type: ['string', 'null'],
      default: null,
      description: 'JSON-lines results file (series, frame and summary records); null: none.',
    },
    spots_in_results: {
      type: 'boolean',
      default: true,
      description: "Include each good-path frame's spot list in the results.",
    },
    radial_in_results: {
      type: 'boolean',
      default: true,
      description: "Include each good-path frame's radial profile in the results.",
    },
    hdf5: {
      ...section('NXmx HDF5 files of the good path (see Outputs in the README).'),
      properties: {
        directory: {
          type: ['string', 'null'],
          default: null,
          description:
            'Directory the files are written to (it must exist and be writable); null: no HDF5 files. Each series gets PREFIX_master.h5, PREFIX_data_000001.h5... and PREFIX.geom.',
        },
        hits_only: {
          type: 'boolean',
          default: true,
          description: 'Write only the hits (serial crystallography); false writes every frame (rotation data).',
        },
        frames_per_file: positiveInt('Frames per data file.', 1000, 1_000_000),
        prefix: {
          type: ['string', 'null'],
          default: null,
          description:
            'File-name prefix of every series (PREFIX_2... for the next one); null: the set-up name and the series id. Files are never overwritten: a taken prefix gets _2, _3...',
        },
      },
    },
    zocalo: {
      ...section('Results into the facility over RabbitMQ, as Zocalo messages (see Outputs in the README).'),
      properties: {
        url: {
          type: ['string', 'null'],
          default: null,
          description:
            'The broker, amqp://host:5672 (amqps:// for TLS); null: off. No user or password in it: those come from credentials_file or STREAM_PIPELINE_ZOCALO_USERNAME / _PASSWORD (else guest).',
        },
        vhost: { type: 'string', default: '/', description: 'RabbitMQ virtual host.' },
        queue: {
          type: 'string',
          default: 'stream_pipeline.per_image_analysis',
          description:
            'Queue of the per-image results (series events go to QUEUE.series, X-ray centring to QUEUE.xray_centring), unless recipe_file routes them; declared durable if it does not exist.',
        },
        exchange: {
          type: ['string', 'null'],
          default: null,
          description: 'Exchange to send through, with the queue names as routing keys; null: the default exchange.',
        },
        credentials_file: {
          type: ['string', 'null'],
          default: null,
          description: 'YAML file with "username:" and "password:" (mode 600), as Zocalo credential files are.',
        },
        recipe_file: {
          type: ['string', 'null'],
          default: null,
          description:
            "A Zocalo recipe (JSON) routing the pipeline's output channels (result, series, xray-centring) to its steps; null: one made from queue.",
        },
        recipe_step: positiveInt("The pipeline's own step in recipe_file.", 1),
        dcid: {
          type: ['integer', 'null'],
          minimum: 1,
          default: null,
          description: 'ISPyB data-collection id for series whose header user data names none ("dcid").',
        },
        outbox_memory_mb: positiveInt('Messages waiting for the broker held in memory, MB; then on disk.', 64),
        outbox_disk_mb: positiveInt(
          'Messages waiting for the broker on disk (the spill directory), MB; then dropped, counted.',
          2048,
        ),
      },
    },
    http_host: {
      type: 'string',
      default: '127.0.0.1',
      description:
        'Address the HTTP server (dashboard, /status, /metrics, the WebSockets) binds. Its own setting, apart from pipeline.host: accepting remote workers does not put the results on the network. Open it (0.0.0.0) only with an access token (http_token_file) or on a trusted network.',
    },
    http_token_file: {
      type: ['string', 'null'],
      default: null,
      description:
        'File holding the access token (16 characters or more, not readable by every user) that the dashboard, the feeds, /status and /metrics then require; or set STREAM_PIPELINE_HTTP_TOKEN. Never the token itself: the configuration is not a secret. Open the page as /?token=TOKEN once; tools send "Authorization: Bearer TOKEN".',
    },
    http_port: {
      type: 'integer',
      minimum: 0,
      maximum: 65535,
      default: 8080,
      description: 'Port of the dashboard, /status, /metrics and the WebSockets; 0 picks a free one.',
    },
  },
};

export const configSchema: Schema<PipelineConfig> = {
  type: 'object',
  additionalProperties: false,
  properties: {
    name: {
      type: 'string',
      default: 'stream-pipeline',
      description: 'A name for this beamline set-up, shown on the dashboard and in logs.',
    },
    detector,
    pipeline,
    analysis,
    outputs,
    logging: {
      ...section('Logs (JSON lines on stderr).'),
      properties: {
        level: {
          type: 'string',
          enum: oneOf('fatal', 'error', 'warn', 'info', 'debug', 'trace'),
          default: 'info',
          description: 'Least severe level logged.',
        },
      },
    },
  },
};
