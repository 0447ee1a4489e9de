// The Node TCP transport of the Stratum client.
import net from 'node:net';
import type { StratumConnection, StratumHandlers, StratumTransport } from '../pow/stratum.js';

export const tcpTransport: StratumTransport = (host: string, port: number, handlers: StratumHandlers) =>
  new Promise<StratumConnection>((resolve, reject) => {
    const socket = net.connect({ host, port });
    let open = false;
    socket.setEncoding('utf8');
    socket.setNoDelay(true);
    socket.once('connect', () => {
      open = true;
      resolve({ write: (text) => void socket.write(text), close: () => socket.destroy() });
    });
    socket.on('data', (text: string) => handlers.onData(text));
    socket.on('error', (err) => {
      if (!open) reject(new Error(`cannot connect to ${host}:${port}: ${err.message}`));
    });
    socket.on('close', (hadError) => {
      if (open) handlers.onClose(hadError ? new Error('connection error') : undefined);
    });
  });
