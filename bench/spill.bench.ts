// Reception while the good path spills: the simulator sends as fast as the pipeline takes its
// frames, to one good worker that cannot keep up, so the backlog grows for the whole series.
// With a 64 MB budget most of it goes to disk; with 4096 MB none does. Spill I/O runs off the
// receiving event loop, so the rate the pipeline takes frames at should hardly differ.
import type { BenchReport } from './report.js';
import { FRAMES, runTwice } from './pipelineRun.js';

export default async function (report: BenchReport): Promise<void> {
  const inMemory = await runTwice({ fast: 0, good: 1, rate: 'max', memoryBudgetMb: 4096 });
  const spilling = await runTwice({ fast: 0, good: 1, rate: 'max', memoryBudgetMb: 64 });
  report.add({
    name: 'receiver rate while the good path spills (64 MB budget)',
    value: spilling.sentFps,
    unit: 'frames/s',
    higherIsBetter: true,
    reference: { name: 'receiver rate without spilling (4096 MB budget)', value: inMemory.sentFps },
    target: 'within 10 % of the reference',
    note: `${FRAMES} EIGER2 4M uint32 frames per series, second series, 1 good worker; spilling run: processed ${spilling.steady.processed}/${spilling.steady.received}, lost ${spilling.steady.lost}, peak RSS ${spilling.peakRssMb.toFixed(0)} MB; in-memory run: lost ${inMemory.steady.lost}, peak RSS ${inMemory.peakRssMb.toFixed(0)} MB`,
  });
}
