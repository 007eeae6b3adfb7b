// ort_bench.js MODEL.onnx THREADS ITERATIONS WARMUP NAME=DIMS[:TYPE] ...
//
// Times ONNX Runtime (npm onnxruntime-node, CPU execution provider) on one
// model with seeded random inputs, the peer side of bench/run.py: inputs
// made once, outputs pre-allocated and reused. DIMS is
// like 1x3x48x192; TYPE is float32 (default), int64 (zeros) or int64/HIGH
// (uniform in [0, HIGH), for indices). Prints one line:
//   latency_ms min=... median=... iterations=N threads=T rss_growth_kb=K
// K: how much the resident memory grew from before the session was created
// to after the timed runs.
'use strict';
const ort = require('onnxruntime-node');

function random(seed) {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 4294967296 - 0.5;
  };
}

async function main() {
  const [model, threadsText, iterationsText, warmupText, ...specs] =
      process.argv.slice(2);
  const threads = Number(threadsText), iterations = Number(iterationsText),
        warmup = Number(warmupText);
  if (!model || !(threads > 0) || !(iterations > 0) || !(warmup >= 0))
    throw new Error('usage: ort_bench.js MODEL THREADS ITERATIONS WARMUP NAME=DIMS ...');
  const next = random(1234);
  const feeds = {};
  for (const spec of specs) {
    const [name, rest] = spec.split('=');
    const [dimsText, type = 'float32'] = rest.split(':');
    const dims = dimsText.split('x').map(Number);
    const count = dims.reduce((a, b) => a * b, 1);
    const [element, highText] = type.split('/');
    const high = Number(highText || 0);
    const data = element === 'int64'
        ? BigInt64Array.from(
              {length: count},
              () => BigInt(high > 0 ? Math.floor((next() + 0.5) * high) : 0))
        : Float32Array.from({length: count}, next);
    feeds[name] = new ort.Tensor(element, data, dims);
  }
  const baselineKb = process.memoryUsage().rss / 1024;
  const session = await ort.InferenceSession.create(model, {
    executionProviders: ['cpu'], intraOpNumThreads: threads,
    interOpNumThreads: 1, graphOptimizationLevel: 'all',
  });
  // Outputs pre-allocated once (their shapes from a first run) and reused:
  // ONNX Runtime writes into them, as a careful application runs it.
  const first = await session.run(feeds);
  const fetches = {};
  for (const [name, value] of Object.entries(first))
    fetches[name] = new ort.Tensor(value.type, new value.data.constructor(value.data.length),
                                   value.dims);
  for (let i = 0; i < warmup; ++i)
    await session.run(feeds, fetches);
  const times = [];
  for (let i = 0; i < iterations; ++i) {
    const start = process.hrtime.bigint();
    await session.run(feeds, fetches);
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  times.sort((a, b) => a - b);
  const n = times.length;
  const median = n % 2 ? times[(n - 1) / 2] : (times[n / 2 - 1] + times[n / 2]) / 2;
  const growthKb = Math.round(process.memoryUsage().rss / 1024 - baselineKb);
  console.log(`latency_ms min=${times[0].toFixed(4)} median=${median.toFixed(4)} ` +
              `iterations=${n} threads=${threads} rss_growth_kb=${growthKb}`);
}

main().catch((e) => {
  console.error('ort_bench.js: error: ' + e.message);
  process.exit(1);
});
