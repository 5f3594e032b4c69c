// The demo's page: write a number on the pad (pointer events: mouse, pen
// and touch), have it read while writing (the drawing sent at a quarter of
// the pad's resolution), and draw the answer: the text read, each digit's
// box and confidence over the pad, and for the selected digit (the first,
// or the one clicked) the ten probabilities and every layer. An uploaded
// picture is classified as one digit.
//
// The answers come from one of two backends, named by the body's
// data-backend attribute: "http" posts to /api/read and /api/predict of the
// server that served the page (infer -serve); "wasm" asks a worker running
// the same Go code compiled to WebAssembly (the static site of cmd/site).
// Both give the same answers, in the same JSON: a reading holds, for each
// digit, the MNIST-like piece of its box, and the selected digit's layers
// are the answer to that piece sent as a 28x28 drawing.
//
// For tests and anyone measuring, the page leaves User Timing marks:
// "lenet5-stroke-end" when a stroke ends, "lenet5-answer" once an answer
// and all its layers are drawn, and "lenet5-ready" when the WebAssembly
// network has loaded. window.lenet5Demo.pixels() returns the drawing the
// page sends for what is now on the pad ({width, height, pixels}),
// .reading() the last reading shown, .answer() the last layers' answer
// shown, and .boxes() the boxes drawn over the pad, in pad pixels.
'use strict';

(() => {
  const CELL = 4;           // pad pixels per sent pixel (each way)
  const PAD_W = 840, PAD_H = 280;                      // the pad, 3:1
  const SENT_W = PAD_W / CELL, SENT_H = PAD_H / CELL;  // the drawing is sent as 210x70 pixels
  const STROKE = 20;        // pen width in pad pixels, MNIST-like strokes after scaling
  const DEBOUNCE_MS = 100;  // while drawing, at most one request per this time
  const EMPTY = 'Write a number in the box.';

  const pad = document.getElementById('pad');
  const ctx = pad.getContext('2d', { willReadFrequently: true });
  const overlay = document.getElementById('overlay');
  const octx = overlay.getContext('2d');
  const digitsEl = document.getElementById('digits');
  const digitEl = document.getElementById('digit');
  const confidenceEl = document.getElementById('confidence');
  const statusEl = document.getElementById('status');
  const barsEl = document.getElementById('bars');
  const scoresEl = document.getElementById('scores');
  const upload = document.getElementById('upload');
  const MAX_PICTURE_PIXELS = 16 << 20; // as infer -serve's limit

  // state
  let mode = 'draw';        // 'draw' or 'upload' (the pad shows an uploaded image)
  let inked = false;        // has anything been drawn since the last clear
  let stroke = null;        // {id, x, y} of the pointer drawing now
  let timer = null;         // debounce timer
  let inFlight = false;     // a drawing request is running
  let again = false;        // the drawing changed while it ran
  let generation = 0;       // bumped by clear and upload: older answers are dropped
  let answers = 0;
  let reading = null;       // the reading shown, or null
  let selected = 0;         // the digit of the reading whose layers are shown
  let layersPending = 0;    // layer requests running
  let layersAsked = 0;      // bumped per layer request: only the latest is shown

  function makeRows(list) {
    const rows = [];
    for (let d = 0; d < 10; d++) {
      const li = document.createElement('li');
      li.innerHTML = '<span class="label"></span><span class="track"><span class="fill"></span></span><span class="value"></span>';
      li.querySelector('.label').textContent = String(d);
      list.appendChild(li);
      rows.push({ li, fill: li.querySelector('.fill'), value: li.querySelector('.value') });
    }
    return rows;
  }
  const bars = makeRows(barsEl);
  const scores = makeRows(scoresEl);

  function setBusy() {
    document.body.dataset.busy = (timer !== null || inFlight || layersPending > 0) ? '1' : '0';
  }

  function status(text, state) {
    statusEl.textContent = text;
    statusEl.dataset.state = state;
  }

  // ---- the pad ----

  function clearPad() {
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, PAD_W, PAD_H);
    inked = false;
    clearReading();
  }

  function point(e) {
    const r = pad.getBoundingClientRect();
    return { x: (e.clientX - r.left) * PAD_W / r.width, y: (e.clientY - r.top) * PAD_H / r.height };
  }

  function segment(a, b) {
    ctx.strokeStyle = '#000';
    ctx.lineWidth = STROKE;
    ctx.lineCap = 'round';
    ctx.lineJoin = 'round';
    ctx.beginPath();
    ctx.moveTo(a.x, a.y);
    ctx.lineTo(b.x, b.y);
    ctx.stroke();
    inked = true;
  }

  pad.addEventListener('pointerdown', (e) => {
    if (e.pointerType === 'mouse' && e.button !== 0) return;
    if (stroke !== null) return; // one pointer draws at a time
    e.preventDefault();
    pad.setPointerCapture(e.pointerId);
    if (mode === 'upload') {
      generation++;
      clearPad();
      mode = 'draw';
    }
    const p = point(e);
    stroke = { id: e.pointerId, x: p.x, y: p.y };
    segment(p, p);
    schedule(false);
  });

  pad.addEventListener('pointermove', (e) => {
    if (stroke === null || e.pointerId !== stroke.id) return;
    e.preventDefault();
    const events = e.getCoalescedEvents ? e.getCoalescedEvents() : [];
    for (const ev of (events.length ? events : [e])) {
      const p = point(ev);
      segment(stroke, p);
      stroke.x = p.x;
      stroke.y = p.y;
    }
    schedule(false);
  });

  function endStroke(e) {
    if (stroke === null || e.pointerId !== stroke.id) return;
    stroke = null;
    performance.mark('lenet5-stroke-end');
    schedule(true);
  }
  pad.addEventListener('pointerup', endStroke);
  pad.addEventListener('pointercancel', endStroke);

  document.getElementById('clear').addEventListener('click', () => {
    generation++;
    mode = 'draw';
    clearPad();
    if (timer !== null) { clearTimeout(timer); timer = null; }
    again = false;
    setBusy();
    showNothing(EMPTY);
  });

  // The drawing as SENT_W x SENT_H pixels, 0 background and 255 ink: the
  // mean darkness of each CELL x CELL block of the pad.
  function pixels() {
    const rgba = ctx.getImageData(0, 0, PAD_W, PAD_H).data;
    const out = new Array(SENT_W * SENT_H).fill(0);
    for (let y = 0; y < PAD_H; y++) {
      const row = Math.floor(y / CELL) * SENT_W;
      for (let x = 0; x < PAD_W; x++) {
        out[row + Math.floor(x / CELL)] += 255 - rgba[(y * PAD_W + x) * 4];
      }
    }
    return { width: SENT_W, height: SENT_H, pixels: out.map((v) => Math.round(v / (CELL * CELL))) };
  }

  // ---- talking to the server ----

  // schedule asks for a reading of the drawing: now (a stroke ended) or
  // after DEBOUNCE_MS, with at most one request running.
  function schedule(now) {
    if (timer !== null) {
      if (!now) return;
      clearTimeout(timer);
    }
    timer = setTimeout(() => { timer = null; predictDrawing(); }, now ? 0 : DEBOUNCE_MS);
    setBusy();
  }

  async function predictDrawing() {
    if (mode !== 'draw') { setBusy(); return; }
    if (!inked) { showNothing(EMPTY); setBusy(); return; }
    if (inFlight) { again = true; setBusy(); return; }
    inFlight = true;
    setBusy();
    try {
      await readDrawing();
    } finally {
      inFlight = false;
      if (again) {
        again = false;
        predictDrawing();
      }
      setBusy();
    }
  }

  // readDrawing asks the backend to read the drawing and shows the
  // reading, then the selected digit's layers, unless the pad was cleared
  // or replaced meanwhile.
  async function readDrawing() {
    const gen = generation;
    let reply;
    try {
      reply = await backend.read(pixels());
    } catch (err) {
      if (gen === generation) showNothing(backend.failure + err.message, 'error');
      return;
    }
    if (gen !== generation) return;
    if (!reply.ok) {
      showNothing(reply.answer.error || 'The drawing was refused.', 'error');
      return;
    }
    const r = reply.answer;
    if (selected >= r.digits.length) selected = 0;
    showReading(r);
    await showLayersOf(selected);
  }

  // showLayersOf asks for the layers of digit k of the reading shown (its
  // piece, sent as a drawing) and draws them, unless the reading changed
  // or another digit was chosen meanwhile.
  async function showLayersOf(k) {
    const r = reading, gen = generation, asked = ++layersAsked;
    const d = r && r.digits[k];
    if (!d || !d.piece) {
      // Nothing to classify (a box with no ink left): no layers to show.
      if (r && r === reading) {
        for (const row of bars) { row.fill.style.width = '0'; row.value.textContent = ''; row.li.classList.remove('best'); }
        answers++;
        document.body.dataset.answers = String(answers);
      }
      return;
    }
    layersPending++;
    setBusy();
    try {
      let reply;
      try {
        reply = await backend.predict({ pixels: d.piece });
      } catch (err) {
        if (gen === generation && reading === r) status(backend.failure + err.message, 'error');
        return;
      }
      if (gen !== generation || reading !== r || asked !== layersAsked) return;
      if (!reply.ok) {
        status(reply.answer.error || 'The digit was refused.', 'error');
        return;
      }
      show(reply.answer, true);
    } finally {
      layersPending--;
      setBusy();
    }
  }

  // send asks the backend for the answer to a picture (an uploaded file)
  // and shows it, unless the pad was cleared or replaced meanwhile.
  async function send(request) {
    const gen = generation;
    let reply;
    try {
      reply = await backend.predict(request);
    } catch (err) {
      if (gen === generation) showNothing(backend.failure + err.message, 'error');
      return;
    }
    if (gen !== generation) return; // cleared or replaced meanwhile
    if (!reply.ok) {
      showNothing(reply.answer.error || 'The image was refused.', 'error');
      return;
    }
    show(reply.answer);
  }

  // ---- the backends: where the answers come from ----

  // httpBackend posts to the server that served the page.
  function httpBackend() {
    return {
      failure: 'The server did not answer: ',
      async predict(request) {
        const body = request.pixels ? JSON.stringify({ pixels: request.pixels }) : request.file;
        const type = request.pixels ? 'application/json' : (request.file.type || 'application/octet-stream');
        const resp = await fetch('api/predict', { method: 'POST', headers: { 'Content-Type': type }, body });
        return { ok: resp.ok, answer: await resp.json() };
      },
      async read(d) {
        const resp = await fetch('api/read', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(d) });
        return { ok: resp.ok, answer: await resp.json() };
      },
    };
  }

  // wasmBackend asks the worker that runs the network in this browser.
  function wasmBackend() {
    const worker = new Worker('static/worker.js');
    const waiting = new Map();
    let next = 1;
    let broken = null;
    status('Loading the network into your browser…', 'busy');
    worker.onmessage = (e) => {
      const m = e.data;
      if (m.ready) {
        performance.mark('lenet5-ready');
        document.body.dataset.ready = '1';
        if (!inked && mode === 'draw') status(EMPTY, 'empty');
        return;
      }
      if (m.fatal !== undefined) {
        fail(m.fatal);
        return;
      }
      const resolve = waiting.get(m.id);
      waiting.delete(m.id);
      if (resolve) resolve(m.error !== undefined ? { ok: false, answer: { error: m.error } } : { ok: true, answer: JSON.parse(m.json) });
    };
    worker.onerror = (e) => { e.preventDefault(); fail(e.message || 'the worker failed'); };
    function fail(msg) {
      broken = msg;
      showNothing('The network could not start: ' + msg, 'error');
      for (const [, resolve] of waiting) resolve({ ok: false, answer: { error: 'The network could not start: ' + msg } });
      waiting.clear();
    }
    function call(msg, transfer) {
      if (broken !== null) return Promise.resolve({ ok: false, answer: { error: 'The network could not start: ' + broken } });
      return new Promise((resolve) => {
        const id = next++;
        waiting.set(id, resolve);
        worker.postMessage(Object.assign({ id }, msg), transfer || []);
      });
    }
    return {
      failure: 'The network failed: ',
      async read(d) {
        return call({ read: Uint8Array.from(d.pixels), width: d.width, height: d.height });
      },
      async predict(request) {
        if (request.pixels) return call({ pixels: Uint8Array.from(request.pixels) });
        const file = request.file;
        let bitmap;
        try {
          bitmap = await createImageBitmap(file, { premultiplyAlpha: 'none', colorSpaceConversion: 'none' });
        } catch (err) {
          return { ok: false, answer: { error: file.name + ': this browser cannot read it as an image (PNG, JPEG, GIF, WebP or BMP)' } };
        }
        const { width, height } = bitmap;
        if (width * height > MAX_PICTURE_PIXELS) {
          return { ok: false, answer: { error: file.name + ': image is ' + width + 'x' + height + ' pixels, more than the limit of ' + MAX_PICTURE_PIXELS } };
        }
        const c = new OffscreenCanvas(width, height).getContext('2d');
        c.drawImage(bitmap, 0, 0);
        const rgba = c.getImageData(0, 0, width, height).data;
        return call({ rgba, width, height, name: file.name }, [rgba.buffer]);
      },
    };
  }

  const backend = document.body.dataset.backend === 'wasm' ? wasmBackend() : httpBackend();
  let lastAnswer = null;
  let boxes = [];           // the boxes drawn over the pad, in pad pixels
  window.lenet5Demo = { pixels, answer: () => lastAnswer, reading: () => reading, boxes: () => boxes.slice() };

  // ---- upload ----

  async function uploadFile(file) {
    if (!file) return;
    generation++;
    mode = 'upload';
    if (timer !== null) { clearTimeout(timer); timer = null; }
    clearPad();
    status('Reading ' + file.name + '…', 'busy');
    try {
      const bitmap = await createImageBitmap(file);
      const scale = Math.min(PAD_W / bitmap.width, PAD_H / bitmap.height);
      const w = bitmap.width * scale, h = bitmap.height * scale;
      ctx.drawImage(bitmap, (PAD_W - w) / 2, (PAD_H - h) / 2, w, h);
    } catch (err) {
      // The browser cannot show it; the server may still read it (TIFF, ...).
    }
    inFlight = true;
    setBusy();
    try {
      await send({ file });
    } finally {
      inFlight = false;
      setBusy();
    }
  }
  upload.addEventListener('change', () => { uploadFile(upload.files[0]); upload.value = ''; });
  pad.addEventListener('dragover', (e) => e.preventDefault());
  pad.addEventListener('drop', (e) => {
    e.preventDefault();
    if (e.dataTransfer && e.dataTransfer.files.length) uploadFile(e.dataTransfer.files[0]);
  });

  // ---- showing the answer ----

  function showNothing(text, state) {
    digitEl.textContent = '?';
    delete digitEl.dataset.rejected;
    confidenceEl.textContent = '';
    status(text, state || 'empty');
    clearReading();
    lastAnswer = null;
    for (const r of bars) { r.fill.style.width = '0'; r.value.textContent = ''; r.li.classList.remove('best'); }
  }

  function percent(p) { return (100 * p).toFixed(1) + '%'; }

  // clearReading removes the reading: boxes, labels and digit buttons.
  function clearReading() {
    reading = null;
    boxes = [];
    layersAsked++;
    octx.clearRect(0, 0, overlay.width, overlay.height);
    overlay.dataset.boxes = '0';
    digitsEl.replaceChildren();
  }

  // showReading shows a reading: the text (? when rejected), the
  // confidence, a button per digit, and the boxes over the pad.
  function showReading(r) {
    reading = r;
    const n = r.digits.length;
    digitEl.textContent = r.rejected ? '?' : r.text;
    digitEl.dataset.rejected = r.rejected ? '1' : '0';
    confidenceEl.textContent = percent(r.confidence);
    status(r.rejected
      ? 'Not sure: it looks like ' + r.text + ', but at ' + percent(r.confidence) + ' the reading is rejected.'
      : 'LeNet-5 reads ' + r.text + (n > 1 ? ' (' + n + ' digits: choose one to see its layers).' : '.'), r.rejected ? 'rejected' : 'ok');
    digitsEl.replaceChildren(...r.digits.map((d, k) => {
      const b = document.createElement('button');
      b.type = 'button';
      b.dataset.index = String(k);
      b.setAttribute('aria-label', 'digit ' + (k + 1) + ': ' + d.digit + ', ' + percent(d.confidence) + '; show its layers');
      b.append(String(d.digit));
      const small = document.createElement('small');
      small.textContent = percent(d.confidence);
      b.append(small);
      b.addEventListener('click', () => select(k));
      return b;
    }));
    drawBoxes();
  }

  // select shows the layers of digit k of the reading.
  function select(k) {
    if (!reading || k >= reading.digits.length) return;
    selected = k;
    drawBoxes();
    showLayersOf(k);
  }

  // drawBoxes draws the reading's boxes over the pad, each with its digit
  // and confidence, the selected one in the highlight colour; and marks
  // the selected digit's button.
  function drawBoxes() {
    octx.clearRect(0, 0, overlay.width, overlay.height);
    boxes = [];
    if (!reading) return;
    // Labels at least 13 CSS pixels high, however small the pad is shown.
    const font = Math.round(Math.max(22, 13 * PAD_W / (overlay.clientWidth || PAD_W)));
    const lh = font + 4;
    octx.font = 'bold ' + font + 'px system-ui, sans-serif';
    octx.textBaseline = 'bottom';
    reading.digits.forEach((d, k) => {
      const [x0, y0, x1, y1] = d.box.map((v) => v * CELL);
      const colour = k === selected ? '#c0392b' : '#2a6fb0';
      octx.strokeStyle = colour;
      octx.lineWidth = k === selected ? 4 : 2;
      octx.strokeRect(x0, y0, x1 - x0, y1 - y0);
      const label = d.digit + ' ' + percent(d.confidence);
      const w = octx.measureText(label).width + 8;
      const ly = y0 >= lh ? y0 : Math.min(PAD_H, y1 + lh);
      octx.fillStyle = colour;
      octx.fillRect(x0, ly - lh, w, lh);
      octx.fillStyle = '#fff';
      octx.fillText(label, x0 + 4, ly - 2);
      boxes.push([x0, y0, x1, y1]);
    });
    overlay.dataset.boxes = String(boxes.length);
    for (const b of digitsEl.children) b.setAttribute('aria-pressed', String(Number(b.dataset.index) === selected));
  }

  // show draws an answer's bars and layers: a digit of the reading
  // (ofReading) or an uploaded picture's one digit.
  function show(a, ofReading) {
    lastAnswer = a;
    answers++;
    document.body.dataset.answers = String(answers);
    if (!ofReading) {
      digitEl.textContent = String(a.digit);
      delete digitEl.dataset.rejected;
      confidenceEl.textContent = percent(a.confidence);
      status('LeNet-5 reads a ' + a.digit + '.', 'ok');
    }
    a.probabilities.forEach((p, d) => {
      bars[d].fill.style.width = (100 * p).toFixed(1) + '%';
      bars[d].value.textContent = (100 * p).toFixed(1) + '%';
      bars[d].li.classList.toggle('best', d === a.digit);
    });
    drawLayers(a);
    performance.mark('lenet5-answer');
  }

  // shade maps v in [lo, hi] to a grey level, lo white and hi black, as
  // the layer picture of infer -viz.
  function shade(v, lo, hi) {
    const t = Math.min(1, Math.max(0, (v - lo) / (hi - lo)));
    return Math.round(255 * (1 - t));
  }

  // Block is one grid of cells to paint: rows x cols values, each cell
  // scale pixels, at (x, y) of the canvas.
  function paint(img, x0, y0, rows, cols, scale, values, offset, range) {
    const w = img.width;
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) {
        const g = shade(values[offset + r * cols + c], range[0], range[1]);
        for (let y = y0 + r * scale; y < y0 + (r + 1) * scale; y++) {
          for (let x = x0 + c * scale; x < x0 + (c + 1) * scale; x++) {
            const i = (y * w + x) * 4;
            img.data[i] = img.data[i + 1] = img.data[i + 2] = g;
            img.data[i + 3] = 255;
          }
        }
      }
    }
  }

  function canvasOf(name) {
    return document.querySelector('figure[data-stage="' + name + '"] canvas');
  }

  // drawMaps draws a stage of maps as infer -viz does: up to 8 maps in one
  // column, more in two; each map a frame of the same height for all stages.
  function drawMaps(name, st) {
    const [maps, side] = st.shape;
    const perCol = maps > 8 ? Math.ceil(maps / 2) : maps;
    const scale = Math.max(1, Math.floor((maps > 8 ? 40 : 56) / side));
    const cell = side * scale + 4;
    const cols = Math.ceil(maps / perCol);
    const canvas = canvasOf(name);
    canvas.width = cols * cell - 2;
    canvas.height = perCol * cell - 2;
    const c = canvas.getContext('2d');
    const img = c.createImageData(canvas.width, canvas.height);
    for (let k = 0; k < maps; k++) {
      const x = Math.floor(k / perCol) * cell + 1, y = (k % perCol) * cell + 1;
      paint(img, x, y, side, side, scale, st.values, k * side * side, st.range);
    }
    c.putImageData(img, 0, 0);
    canvas.dataset.drawn = String(answers);
  }

  function drawGrid(name, parts) {
    const canvas = canvasOf(name);
    const scale = 8;
    canvas.width = parts.reduce((w, p) => w + p.cols * scale, 0) + 10 * (parts.length - 1);
    canvas.height = Math.max(...parts.map((p) => p.rows * scale));
    const c = canvas.getContext('2d');
    const img = c.createImageData(canvas.width, canvas.height);
    let x = 0;
    for (const p of parts) {
      paint(img, x, 0, p.rows, p.cols, scale, p.st.values, 0, p.st.range);
      x += p.cols * scale + 10;
    }
    c.putImageData(img, 0, 0);
    canvas.dataset.drawn = String(answers);
  }

  function drawLayers(a) {
    const L = a.layers;
    const input = canvasOf('input');
    input.width = input.height = 4 * L.input.shape[1];
    const c = input.getContext('2d');
    const img = c.createImageData(input.width, input.height);
    paint(img, 0, 0, L.input.shape[1], L.input.shape[2], 4, L.input.values, 0, L.input.range);
    c.putImageData(img, 0, 0);
    input.dataset.drawn = String(answers);
    for (const name of ['C1', 'S2', 'C3', 'S4']) drawMaps(name, L[name]);
    drawGrid('C5', [{ rows: 12, cols: 10, st: L.C5 }]);
    drawGrid('F6', [{ rows: 12, cols: 7, st: L.F6 }, { rows: 12, cols: 7, st: L.code }]);
    document.getElementById('f6-sub').textContent = '84 | ' + a.digit;
    document.getElementById('output-sub').textContent = L.output.name;
    const [lo, hi] = L.output.range;
    L.output.values.forEach((v, d) => {
      const t = hi > lo ? (v - Math.min(0, lo)) / (hi - Math.min(0, lo)) : 0;
      scores[d].fill.style.width = (100 * Math.max(0.01, t)).toFixed(1) + '%';
      scores[d].value.textContent = v.toFixed(2);
      scores[d].li.classList.toggle('best', d === a.digit);
    });
  }

  clearPad();
  setBusy();
})();
