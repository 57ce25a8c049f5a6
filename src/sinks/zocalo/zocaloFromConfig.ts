// The Zocalo sink as the configuration describes it, every part checked at start-up so a
// mistake is a clear message naming the setting (unreachable brokers are not a mistake: the
// sink starts anyway and its outbox holds the results until the broker answers).
import type { Logger } from 'pino';
import type { PipelineConfig } from '../../config/PipelineConfig.js';
import { brokerCredentials, checkBrokerUrl } from './brokerCredentials.js';
import { defaultRecipe, recipeFromFile } from './recipe.js';
import { STATUS_INTERVAL_MS } from './statusBroadcast.js';
import { ZocaloSink } from './ZocaloSink.js';

export function zocaloFromConfig(config: PipelineConfig, logger: Logger, utilization: () => number): ZocaloSink | null {
  const z = config.outputs.zocalo;
  if (z.url === null) return null;
  const routes = z.recipe_file ? recipeFromFile(z.recipe_file, z.recipe_step) : defaultRecipe(z.queue, z.exchange);
  return new ZocaloSink({
    url: checkBrokerUrl(z.url),
    vhost: z.vhost,
    credentials: brokerCredentials(z.credentials_file),
    routes,
    outbox: { memoryBytes: z.outbox_memory_mb * 1024 * 1024, diskBytes: z.outbox_disk_mb * 1024 * 1024 },
    spillDir: config.pipeline.good.spill_dir,
    statusIntervalMs: STATUS_INTERVAL_MS,
    logger,
    utilization,
  });
}
