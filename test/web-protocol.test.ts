import { describe, expect, it } from 'vitest';
import {
  MAX_WEB_MESSAGE,
  WebProtocolError,
  parseClientMessage,
  parseServerMessage,
  webPageUrl,
} from '../dist/web/protocol.js';

const header = '0a'.repeat(80);
const hash = 'ab'.repeat(32);

describe('web work protocol', () => {
  it('accepts every well-formed client message', () => {
    const frames = [
      { type: 'hello', version: 1, client: 'hashlane-web/0.1.0' },
      { type: 'hello', version: 1, client: 'x', payTo: hash },
      { type: 'getjob' },
      { type: 'submit', jobId: 'j1', header },
      { type: 'rate', hashesPerSecond: 1.5e6 },
    ];
    for (const f of frames) expect(parseClientMessage(JSON.stringify(f))).toEqual(f);
  });

  it('accepts every well-formed server message', () => {
    const frames = [
      { type: 'welcome', version: 1, chain: 'hashlane-devnet', height: 0, tip: hash },
      { type: 'job', jobId: '7', height: 3, header, target: '00'.repeat(2) + 'ff'.repeat(30), clean: true },
      { type: 'result', jobId: '7', accepted: true, hash, height: 3 },
      { type: 'result', jobId: '7', accepted: false, reason: 'stale' },
      { type: 'error', message: 'bad frame' },
    ];
    for (const f of frames) expect(parseServerMessage(JSON.stringify(f))).toEqual(f);
  });

  it('refuses malformed frames with a WebProtocolError that says what was expected', () => {
    const bad: [unknown, RegExp][] = [
      ['not json', /one JSON object/],
      ['[1]', /string "type"/],
      [new Uint8Array(3), /text frame/],
      ['x'.repeat(MAX_WEB_MESSAGE + 1), /at most 4096 bytes/],
      [JSON.stringify({ type: 'hello', version: 2, client: 'x' }), /hello.version must be 1/],
      [JSON.stringify({ type: 'hello', version: 1, client: 'x', payTo: 'zz' }), /payTo must be 32 bytes/],
      [JSON.stringify({ type: 'submit', jobId: 'j', header: header.slice(2) }), /header must be 80 bytes/],
      [JSON.stringify({ type: 'submit', jobId: 'j', header: header.toUpperCase() }), /lowercase hex/],
      [JSON.stringify({ type: 'submit', header }), /jobId must be a string/],
      [JSON.stringify({ type: 'rate', hashesPerSecond: -1 }), /non-negative number/],
      [JSON.stringify({ type: 'mine' }), /unknown client message type/],
    ];
    for (const [frame, msg] of bad) {
      expect(() => parseClientMessage(frame)).toThrow(WebProtocolError);
      expect(() => parseClientMessage(frame)).toThrow(msg);
    }
    expect(() => parseServerMessage(JSON.stringify({ type: 'job', jobId: '1', height: 1.5, header, target: hash, clean: true }))).toThrow(/non-negative integer/);
    expect(() => parseServerMessage(JSON.stringify({ type: 'job', jobId: '1', height: 1, header, target: hash }))).toThrow(/clean must be a boolean/);
    expect(() => parseServerMessage(JSON.stringify({ type: 'hello', version: 1, client: 'x' }))).toThrow(/unknown server message type/);
  });

  it('names the folder of the built page', () => {
    expect(webPageUrl().href).toMatch(/\/dist\/web\/page\/$/);
  });
});
