// The demo's network in the browser: a worker that runs the WebAssembly
// module cmd/site builds (the shipped LeNet-5 and the Go code of infer
// -serve's answers), so that the page stays responsive while it computes.
//
// The page posts {id, read, width, height} (a drawing of a number: width x
// height pixels, 0 background, 255 ink), {id, pixels} (a 28x28 drawing of
// one digit) or {id, rgba, width, height, name} (a picture the browser
// decoded) and gets back {id, json} (the answer infer -serve gives) or
// {id, error}. Before the module is ready, messages wait; {ready: true} is
// posted once it is, or {fatal: "..."} if it cannot start.
'use strict';

importScripts('wasm_exec.js');

const queue = [];
let api = null;

function answer(m) {
  let r;
  try {
    if (m.read) r = api.read(m.read, m.width, m.height);
    else if (m.pixels) r = api.drawing(m.pixels);
    else r = api.picture(m.rgba, m.width, m.height, m.name);
  } catch (err) {
    r = { error: 'the network failed: ' + err.message };
  }
  self.postMessage({ id: m.id, json: r.json, error: r.error });
}

self.onmessage = (e) => {
  if (api) answer(e.data); else queue.push(e.data);
};

// module fetches the module, gzipped by cmd/site, and unzips it here unless
// the server already did (a server may send it with Content-Encoding: gzip).
async function module() {
  const resp = await fetch('lenet5.wasm.gz');
  if (!resp.ok) throw new Error('lenet5.wasm.gz: HTTP ' + resp.status);
  let bytes = new Uint8Array(await resp.arrayBuffer());
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    const unzipped = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'));
    bytes = new Uint8Array(await new Response(unzipped).arrayBuffer());
  }
  return bytes;
}

async function start() {
  const go = new Go();
  const { instance } = await WebAssembly.instantiate(await module(), go.importObject);
  const ready = new Promise((resolve) => { self.lenet5Ready = resolve; });
  const exited = go.run(instance).then(() => { throw new Error('the Go program exited'); });
  await Promise.race([ready, exited]);
  api = self.lenet5;
  self.postMessage({ ready: true });
  for (const m of queue.splice(0)) answer(m);
  await exited;
}

start().catch((err) => self.postMessage({ fatal: err.message }));
