// The reference tus server (@tus/server with @tus/file-store) for the upload
// benchmark. Prints "listening PORT" once ready.
// Usage: node tus-server.mjs DIR
import http from 'node:http';
import { Server } from '@tus/server';
import { FileStore } from '@tus/file-store';

const dir = process.argv[2];
const tus = new Server({ path: '/files', datastore: new FileStore({ directory: dir }) });
const server = http.createServer((req, res) => tus.handle(req, res));
server.listen(0, '127.0.0.1', () => console.log(`listening ${server.address().port}`));
