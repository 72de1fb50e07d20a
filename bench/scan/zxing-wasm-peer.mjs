// zxing-wasm-peer.mjs: zxing-cpp 3 (zxing-wasm) reads the benchmark's frames
//
//   node zxing-wasm-peer.mjs PEER_DIR FRAME_DIR > READS
//
// PEER_DIR holds `npm install zxing-wasm@3` (run.sh installs it there; it is
// the benchmark's peer only, never the product's). Its .wasm is loaded from
// that copy: by default zxing-wasm would fetch it from a CDN. Prints a line
// per image file of FRAME_DIR: its name without the extension, then each
// payload read, in hex, separated by spaces.

import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const [peer, frames] = process.argv.slice(2);
const dist = join(peer, "node_modules", "zxing-wasm", "dist");
const wasmPath = join(dist, "reader", "zxing_reader.wasm");
const { prepareZXingModule, readBarcodes } = await import(pathToFileURL(join(dist, "es", "reader", "index.js")).href);

await prepareZXingModule({
  overrides: {
    wasmBinary: readFileSync(wasmPath),
    locateFile: (path, prefix) => (path.endsWith(".wasm") ? wasmPath : prefix + path),
  },
  fireImmediately: true,
});

// Its strongest settings (they are its defaults too), QR only.
const options = { formats: ["QRCode"], tryHarder: true, tryRotate: true, tryInvert: true, tryDownscale: true };

for (const name of readdirSync(frames).sort()) {
  const m = name.match(/^(.*)\.(pgm|jpg)$/);
  if (!m) continue;
  const results = await readBarcodes(readFileSync(join(frames, name)), options);
  const payloads = results.filter((r) => r.isValid).map((r) => Buffer.from(r.bytes).toString("hex"));
  process.stdout.write([m[1], ...payloads].join(" ") + "\n");
}
