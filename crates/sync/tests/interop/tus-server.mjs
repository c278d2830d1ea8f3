// @tus/server with @tus/file-store under /v1/uploads, the path debrief-sync's
// tus client uses. Media-by-hash (/v1/media/{sha256}) is Debrief's own
// extension, not tus: it always answers 404 here, so the client uploads.
// Prints "listening PORT" once ready. Usage: node tus-server.mjs DIR
import http from 'node:http';
import { Server } from '@tus/server';
import { FileStore } from '@tus/file-store';

const dir = process.argv[2];
const tus = new Server({ path: '/v1/uploads', datastore: new FileStore({ directory: dir }) });
const server = http.createServer((req, res) => {
  if (req.url.startsWith('/v1/media/')) {
    res.writeHead(404).end();
    return;
  }
  tus.handle(req, res);
});
server.listen(0, '127.0.0.1', () => console.log(`listening ${server.address().port}`));
