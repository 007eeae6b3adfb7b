// ort_profile.js MODEL.onnx THREADS RUNS OUT.json NAME=DIMS ...
//
// ONNX Runtime's own per-node profile of one model (the peer side of
// bench/compare_profile.py): float32 inputs (seeded, made once), 3 warm-up
// runs, then RUNS profiled runs. Writes OUT.json: {"run_ms": [per-run
// wall times], "nodes": {node name: {"op": op type, "ms": mean ms per run}}}.
'use strict';
const ort = require('onnxruntime-node');
const fs = require('fs');
const os = require('os');
const path = require('path');

async function main() {
  const [model, threadsText, runsText, out, ...specs] = process.argv.slice(2);
  const threads = Number(threadsText), runs = Number(runsText);
  if (!model || !out || !(threads > 0) || !(runs > 0))
    throw new Error('usage: ort_profile.js MODEL THREADS RUNS OUT.json NAME=DIMS ...');
  let state = 4321;
  const next = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 4294967296 - 0.5;
  };
  const feeds = {};
  for (const spec of specs) {
    const [name, dimsText] = spec.split('=');
    const dims = dimsText.split('x').map(Number);
    const count = dims.reduce((a, b) => a * b, 1);
    feeds[name] = new ort.Tensor('float32', Float32Array.from({length: count}, next), dims);
  }
  const prefix = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ort-profile-')), 'p');
  const session = await ort.InferenceSession.create(model, {
    executionProviders: ['cpu'], intraOpNumThreads: threads, interOpNumThreads: 1,
    graphOptimizationLevel: 'all', enableProfiling: true, profileFilePrefix: prefix,
  });
  const warmup = 3;
  for (let i = 0; i < warmup + runs; ++i)
    await session.run(feeds);
  session.endProfiling();
  const dir = path.dirname(prefix);
  const file = fs.readdirSync(dir).find((f) => f.endsWith('.json'));
  const events = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8'));
  fs.rmSync(dir, {recursive: true});
  const modelRuns = events.filter((e) => e.name === 'model_run');
  const start = modelRuns[warmup - 1].ts + modelRuns[warmup - 1].dur;
  const nodes = {};
  for (const e of events) {
    if (e.cat !== 'Node' || !e.name.endsWith('_kernel_time') || e.ts <= start)
      continue;
    const name = e.name.slice(0, -'_kernel_time'.length);
    nodes[name] = nodes[name] || {op: e.args.op_name, ms: 0};
    nodes[name].ms += e.dur / 1000 / runs;
  }
  fs.writeFileSync(out, JSON.stringify({
    run_ms: modelRuns.slice(warmup).map((e) => e.dur / 1000), nodes}));
}

main().catch((e) => {
  console.error('ort_profile.js: error: ' + e.message);
  process.exit(1);
});
