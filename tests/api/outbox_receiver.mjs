// A webhook receiver for the outbox tests (tests/api/outbox*.test.mjs,
// webhooks*.test.mjs, bench/outbox.mjs): a node http server on 127.0.0.1
// that records every request and answers as the test programs it.
//
//   const rx = await startReceiver();          // closed when the file is done (atEnd)
//   rx.answer = (req) => 500;                  // a status, or {status, hold: true}
//   await rx.until((got) => got.length >= 3);  // polls the recorded requests
//
// Each recorded request: {method, url, headers, body (text), json, at,
// answered (the status given; null while held)}. A
// held request gets no answer until rx.releaseHeld(status) (or the server
// that sent it is killed). Not a test file itself (no .test. in the name).
import http from 'node:http';
import { createHmac, timingSafeEqual } from 'node:crypto';
import assert from 'node:assert/strict';
import { atEnd } from './helpers.mjs';

export async function startReceiver({ autoClose = true } = {}) {
  const rx = {
    got: [],
    held: [],
    /** (request record) → status | {status, hold}; default 200. */
    answer: () => 200,
    url: null,
    server: null,
    /** Polls until pred(rx.got) holds; fails naming `what` after ms. */
    async until(pred, what = 'the receiver', ms = 15000) {
      const end = Date.now() + ms;
      while (Date.now() < end) {
        if (pred(rx.got)) return rx.got;
        await new Promise((r) => setTimeout(r, 25));
      }
      assert.fail(`${what}: timed out with ${rx.got.length} requests: ${JSON.stringify(rx.got.map((g) => g.json && g.json.kind))}`);
    },
    releaseHeld(status = 200) {
      for (const res of rx.held.splice(0)) {
        try {
          res.writeHead(status).end();
        } catch {
          /* the sender is gone */
        }
      }
    },
    async close() {
      rx.releaseHeld(503);
      rx.server.closeAllConnections();
      await new Promise((r) => rx.server.close(r));
    },
  };
  rx.server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let json;
      try {
        json = JSON.parse(body);
      } catch {
        json = undefined;
      }
      const rec = { method: req.method, url: req.url, headers: req.headers, body, json, at: Date.now() };
      rx.got.push(rec);
      let a = rx.answer(rec);
      if (typeof a === 'number') a = { status: a };
      rec.answered = a.hold ? null : a.status;
      if (a.hold) {
        rx.held.push(res);
        return;
      }
      res.writeHead(a.status, { 'Content-Type': 'text/plain' }).end('ok');
    });
  });
  await new Promise((r) => rx.server.listen(0, '127.0.0.1', r));
  rx.url = `http://127.0.0.1:${rx.server.address().port}/hook`;
  if (autoClose) {
    // left for the file's end (atEnd), it must not keep the loop alive:
    // neither its socket nor the servers' connections to it
    rx.server.unref();
    rx.server.on('connection', (socket) => socket.unref());
    atEnd(() => rx.close());
  }
  return rx;
}

/** True when rec's X-Civicloop-Signature is HMAC-SHA256(secret, body), checked in constant time. */
export function signatureValid(rec, secret) {
  const sig = rec.headers['x-civicloop-signature'] || '';
  const want = 'sha256=' + createHmac('sha256', secret).update(rec.body, 'utf8').digest('hex');
  return sig.length === want.length && timingSafeEqual(Buffer.from(sig), Buffer.from(want));
}
