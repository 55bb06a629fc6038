#!/usr/bin/env node
// Readiness probe for a Kafka broker, with nothing but node:net: asks ApiVersions, then
// Metadata (no topics), and succeeds once the broker lists at least one live (unfenced)
// broker. Prints one JSON line: {"ok":true,"brokers":1,"controllerId":1,"clusterId":"..."}.
//
//   node scripts/kafka/probe.js [host:port] [--timeout-ms 2000]
//
// Exit 0 when ready, 1 when not (the reason on stderr). Used by scripts/kafka/start.sh.
import net from 'node:net';
import { Buffer } from 'node:buffer';
import { clearTimeout, setTimeout } from 'node:timers';

const API_METADATA = 3;
const API_VERSIONS = 18;

function parseArgs(argv) {
  let target = process.env.KAFKA_BROKERS?.split(',')[0] || '127.0.0.1:19092';
  let timeoutMs = 2000;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--timeout-ms') timeoutMs = Number(argv[++i]);
    else if (!a.startsWith('-')) target = a;
    else throw new Error(`unknown option ${a}`);
  }
  const sep = target.lastIndexOf(':');
  const host = target.slice(0, sep);
  const port = Number(target.slice(sep + 1));
  if (sep <= 0 || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new Error(`expected host:port, got '${target}'`);
  }
  if (!(timeoutMs > 0)) throw new Error('--timeout-ms must be a positive number');
  return { host, port, timeoutMs };
}

/** A connection that sends size-prefixed requests and returns size-prefixed responses. */
function connect(host, port) {
  return new Promise((resolve, reject) => {
    const socket = net.createConnection({ host, port });
    let buffered = Buffer.alloc(0);
    const waiting = [];
    socket.once('error', reject);
    socket.once('connect', () => {
      socket.off('error', reject);
      resolve({
        request(header, body) {
          const frame = Buffer.concat([Buffer.alloc(4), header, body]);
          frame.writeInt32BE(frame.length - 4, 0);
          socket.write(frame);
          return new Promise((res, rej) => waiting.push({ res, rej }));
        },
        close: () => socket.destroy(),
      });
    });
    socket.on('data', (chunk) => {
      buffered = Buffer.concat([buffered, chunk]);
      while (buffered.length >= 4 && buffered.length >= 4 + buffered.readInt32BE(0)) {
        const size = buffered.readInt32BE(0);
        const payload = buffered.subarray(4, 4 + size);
        buffered = buffered.subarray(4 + size);
        waiting.shift()?.res(payload);
      }
    });
    const fail = (err) => {
      for (const w of waiting.splice(0)) w.rej(err);
    };
    socket.on('error', fail);
    socket.on('close', () => fail(new Error('connection closed by the broker')));
  });
}

/** Request header v1: api key, api version, correlation id, client id. */
function header(apiKey, version, correlationId) {
  const clientId = Buffer.from('pitwall-kafka-probe');
  const h = Buffer.alloc(10);
  h.writeInt16BE(apiKey, 0);
  h.writeInt16BE(version, 2);
  h.writeInt32BE(correlationId, 4);
  h.writeInt16BE(clientId.length, 8);
  return Buffer.concat([h, clientId]);
}

class Reader {
  constructor(buf) {
    this.buf = buf;
    this.at = 0;
  }
  int16() {
    const v = this.buf.readInt16BE(this.at);
    this.at += 2;
    return v;
  }
  int32() {
    const v = this.buf.readInt32BE(this.at);
    this.at += 4;
    return v;
  }
  nullableString() {
    const n = this.int16();
    if (n < 0) return null;
    const s = this.buf.toString('utf8', this.at, this.at + n);
    this.at += n;
    return s;
  }
}

async function probe({ host, port }) {
  const conn = await connect(host, port);
  try {
    // ApiVersions v0: every broker answers it, whatever versions it supports.
    const av = new Reader(await conn.request(header(API_VERSIONS, 0, 1), Buffer.alloc(0)));
    av.int32(); // correlation id
    const error = av.int16();
    if (error !== 0) throw new Error(`ApiVersions error code ${error}`);
    let metadata = null;
    for (let n = av.int32(); n > 0; n--) {
      const key = av.int16();
      const min = av.int16();
      const max = av.int16();
      if (key === API_METADATA) metadata = { min, max };
    }
    if (!metadata) throw new Error('the broker does not offer the Metadata API');
    // Versions 1-8 share the non-flexible encoding parsed below.
    const version = Math.min(metadata.max, 8);
    if (version < Math.max(metadata.min, 1)) {
      throw new Error(
        `no Metadata version this probe speaks (broker: ${metadata.min}-${metadata.max})`,
      );
    }
    const body = Buffer.alloc(4 + (version >= 4 ? 1 : 0) + (version >= 8 ? 2 : 0)); // no topics, no flags
    const md = new Reader(await conn.request(header(API_METADATA, version, 2), body));
    md.int32(); // correlation id
    if (version >= 3) md.int32(); // throttle time
    const brokers = md.int32();
    for (let i = 0; i < brokers; i++) {
      md.int32(); // node id
      md.nullableString(); // host
      md.int32(); // port
      md.nullableString(); // rack
    }
    const clusterId = version >= 2 ? md.nullableString() : null;
    const controllerId = md.int32();
    return { brokers, controllerId, clusterId };
  } finally {
    conn.close();
  }
}

async function main() {
  let args;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (err) {
    console.error(`probe: ${err.message}`);
    process.exit(2);
  }
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`no answer within ${args.timeoutMs} ms`)),
      args.timeoutMs,
    );
  });
  try {
    const result = await Promise.race([probe(args), timeout]);
    if (result.brokers < 1) throw new Error('the broker is up but not yet registered (fenced)');
    console.log(JSON.stringify({ ok: true, ...result }));
    process.exit(0);
  } catch (err) {
    console.error(`probe: ${args.host}:${args.port}: ${err.message}`);
    process.exit(1);
  } finally {
    clearTimeout(timer);
  }
}

await main();
