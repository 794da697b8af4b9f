// MQTT reference: a bare aedes broker on a TCP port whose publish handler does nothing.
import { createServer } from 'node:net';
import { Aedes } from 'aedes';

const port = Number(process.argv[2]);
const aedes = await Aedes.createBroker({
  authorizePublish: (_client, _packet, done) => done(null),
});
const server = createServer(aedes.handle);
server.listen(port, '127.0.0.1', () => console.log(JSON.stringify({ listening: port })));
process.on('SIGTERM', () => {
  aedes.close(() => server.close(() => process.exit(0)));
});
