// Upload a file to a tus server with tus-js-client (a tus client nobody on
// this project wrote). Prints the upload URL on success; exits 1 on error.
// Usage: node upload.mjs ENDPOINT TOKEN FILE SHA256 [CHUNK_SIZE]
import fs from 'node:fs';
import * as tus from 'tus-js-client';

const [endpoint, token, path, sha256, chunk] = process.argv.slice(2);
const data = fs.readFileSync(path);
const started = process.hrtime.bigint();
const upload = new tus.Upload(data, {
  endpoint,
  headers: token ? { Authorization: `Bearer ${token}` } : {},
  metadata: { sha256, content_type: 'video/mp4', filename: 'clip.mp4' },
  uploadSize: data.length,
  chunkSize: chunk ? Number(chunk) : Infinity,
  retryDelays: [0, 200, 500, 1000, 2000],
  onError(err) {
    console.error(`error: ${err.message}`);
    process.exit(1);
  },
  onSuccess() {
    const secs = Number(process.hrtime.bigint() - started) / 1e9;
    console.log(`seconds ${secs}`);
    console.log(upload.url);
  },
});
upload.start();
