// Issue 12, item 3: a web page the user visits must not be able to drive the node. The attack
// from the issue (a no-cors text/plain POST of `addnode` from Chromium) is replayed from a real
// page on another origin, plus a JSON POST (preflighted) and a WebSocket to /ws.
import { describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serveWeb } from '../dist/node/web-server.js';
import { launchChromium, skipBrowser } from './support/chromium.js';
import { startNode } from './support/node.js';


describe('CSRF from a real browser page', () => {
  it.skipIf(skipBrowser)('a page on another origin can neither call RPC nor open /ws', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hashlane-csrf-'));
    const node = await startNode({ dataDir: dir });
    const web = await serveWeb(node, { port: 0 });
    // What reached the RPC server, to show the browser did send the requests and we refused them.
    const seen: string[] = [];
    (node.rpc as unknown as { server: { on(e: 'request', f: (r: IncomingMessage) => void): void } }).server.on('request', (r) => seen.push(`${r.method} ${r.headers['content-type'] ?? '-'} ${r.headers.origin ?? '-'}`));
    const rpcUrl = `http://127.0.0.1:${node.rpc!.port}/`;
    const wsUrl = `ws://127.0.0.1:${web.port}/ws`;
    const page = `<!doctype html><script>
      window.results = (async () => {
        const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'addnode', params: ['203.0.113.9:17421', 'add'] });
        const out = {};
        try { await fetch(${JSON.stringify(rpcUrl)}, { method: 'POST', mode: 'no-cors', headers: { 'content-type': 'text/plain' }, body }); out.nocors = 'sent'; } catch (e) { out.nocors = 'error'; }
        try { const r = await fetch(${JSON.stringify(rpcUrl)}, { method: 'POST', headers: { 'content-type': 'application/json' }, body }); out.json = r.status; } catch (e) { out.json = 'blocked'; }
        out.ws = await new Promise((resolve) => {
          const ws = new WebSocket(${JSON.stringify(wsUrl)});
          ws.onopen = () => resolve('open');
          ws.onerror = () => resolve('refused');
        });
        return out;
      })();
    </script>`;
    const attacker = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(page));
    await new Promise<void>((r) => attacker.listen(0, '127.0.0.1', r));
    const browser = await launchChromium();
    try {
      const tab = await browser.context.newPage();
      // "localhost" is another origin than 127.0.0.1 for the browser, as evil.example would be.
      await tab.goto(`http://localhost:${(attacker.address() as { port: number }).port}/`);
      const results = await tab.evaluate(() => (window as unknown as { results: Promise<Record<string, unknown>> }).results);
      expect(results).toEqual({ nocors: 'sent', json: 'blocked', ws: 'refused' });
      // The no-cors POST reached the node and was refused (Origin, content type): nothing was added.
      expect(seen.some((s) => s.startsWith('POST text/plain http://localhost:'))).toBe(true);
      expect(node.network.configuredPeers).toEqual([]);
    } finally {
      await browser.close();
      await new Promise((r) => attacker.close(r));
      await web.close();
      await node.stop();
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
