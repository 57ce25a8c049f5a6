// Zocalo recipes, as far as the pipeline takes part in one: a recipe is a JSON graph of numbered
// steps ({service, queue, parameters, output}) with a "start" list; every message between steps
// carries the whole recipe, the number of the step it is for (recipe-pointer) and the steps it
// came through (recipe-path). The pipeline is one step (outputs.zocalo.recipe_step); what it
// sends on an output channel goes to the steps that channel names, each to its queue. Without a
// recipe file the pipeline makes one with a step per channel, to the configured queue and queues
// named after it, so a stock Zocalo service subscribed there can consume the messages.
import { readFileSync } from 'node:fs';

/** What the pipeline sends on: per-image results, series start/end/summary, X-ray centring. */
export const CHANNELS = ['result', 'series', 'xray-centring'] as const;
export type Channel = (typeof CHANNELS)[number];

export interface RecipeStep {
  service?: string;
  queue?: string;
  /** A broadcast: sent to the fanout exchange of that name. */
  topic?: string;
  /** The exchange a queue send goes through, with the queue's name as routing key (default ''). */
  exchange?: string;
  parameters?: Record<string, unknown>;
  output?: number | number[] | Record<string, number | number[]>;
}

export type Recipe = Record<string, unknown> & { start?: unknown };

/** Where one message goes, for the step it names: a queue (through the default exchange) or a
 * topic (its fanout exchange); a step with both gets both, as python-workflows sends them. */
export interface Destination {
  exchange: string;
  routingKey: string;
  pointer: number;
}

export class RecipeRoutes {
  private readonly routes = new Map<Channel, Destination[]>();

  constructor(
    readonly recipe: Recipe,
    /** The pipeline's own step. */
    readonly step: number,
    what: string,
  ) {
    const own = stepOf(recipe, step, `${what}: step ${step} (the pipeline's, outputs.zocalo.recipe_step)`);
    for (const channel of CHANNELS) {
      const targets = outputsOf(own.output, channel);
      this.routes.set(
        channel,
        targets.flatMap((n) =>
          destinationsOf(stepOf(recipe, n, `${what}: step ${n} (output "${channel}" of step ${step})`), n, what),
        ),
      );
    }
  }

  /** The destinations of a channel; none when the recipe does not use it (its messages are dropped, as
   * Zocalo drops what goes to a channel nobody listens on). */
  of(channel: Channel): readonly Destination[] {
    return this.routes.get(channel) ?? [];
  }

  /** Every queue the pipeline sends to (declared durable at connection). */
  queues(): string[] {
    const all = [...this.routes.values()].flat();
    return [...new Set(all.filter((d) => d.exchange === '').map((d) => d.routingKey))];
  }
}

/** The recipe in the file, with the pipeline as `step`. */
export function recipeFromFile(file: string, step: number): RecipeRoutes {
  const what = `outputs.zocalo.recipe_file ${file}`;
  let recipe: unknown;
  try {
    recipe = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`${what}: ${(err as Error).message}`, { cause: err });
  }
  if (typeof recipe !== 'object' || recipe === null || Array.isArray(recipe))
    throw new Error(`${what}: a recipe is a JSON object of numbered steps`);
  return new RecipeRoutes(recipe as Recipe, step, what);
}

/** A recipe of the pipeline (step 1) sending each channel to a queue: `queue` for per-image
 * results, `queue.series` and `queue.xray_centring` for the others. */
export function defaultRecipe(queue: string, exchange: string | null = null): RecipeRoutes {
  const via = exchange ? { exchange } : {};
  const recipe: Recipe = {
    '1': { service: 'stream-pipeline', output: { result: 2, series: 3, 'xray-centring': 4 } },
    '2': { service: 'per-image analysis results', queue, ...via },
    '3': { service: 'series events', queue: `${queue}.series`, ...via },
    '4': { service: 'X-ray centring results', queue: `${queue}.xray_centring`, ...via },
    start: [[1, []]],
  };
  return new RecipeRoutes(recipe, 1, 'the generated recipe');
}

function destinationsOf(target: RecipeStep, n: number, what: string): Destination[] {
  const out: Destination[] = [];
  const exchange = typeof target.exchange === 'string' ? target.exchange : '';
  if (typeof target.queue === 'string' && target.queue !== '')
    out.push({ exchange, routingKey: target.queue, pointer: n });
  if (typeof target.topic === 'string' && target.topic !== '')
    out.push({ exchange: target.topic, routingKey: '', pointer: n });
  if (out.length === 0) throw new Error(`${what}: step ${n} has neither a queue nor a topic to send to`);
  return out;
}

function stepOf(recipe: Recipe, n: number, what: string): RecipeStep {
  const step = recipe[String(n)];
  if (typeof step !== 'object' || step === null || Array.isArray(step)) throw new Error(`${what} is not in the recipe`);
  return step as RecipeStep;
}

/** The steps an output sends `channel` to: a named output lists them per channel; a bare step
 * number or list is the default channel, 'result'. */
function outputsOf(output: RecipeStep['output'], channel: Channel): number[] {
  if (output === undefined) return [];
  const asList = (v: unknown): number[] => {
    const list = Array.isArray(v) ? v : [v];
    for (const n of list)
      if (!Number.isInteger(n)) throw new Error(`recipe output ${JSON.stringify(v)} is not a step number`);
    return list as number[];
  };
  if (typeof output === 'number' || Array.isArray(output)) return channel === 'result' ? asList(output) : [];
  const named = output[channel];
  return named === undefined ? [] : asList(named);
}
