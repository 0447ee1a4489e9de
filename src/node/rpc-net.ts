// RPC methods for operating a node (bans, connections, network, stop), Bitcoin Core's names
// and shapes where they exist. Registered beside rpc-methods.ts by HashlaneNode.
import { bitsToTarget } from '../pow/index.js';
import type { HashlaneNode } from './node.js';
import { banKey } from './net/network.js';
import { PROTOCOL_VERSION } from './net/wire.js';
import { parseHostPort } from './rpc-params.js';
import { RpcCode, RpcError } from './rpc-errors.js';
import type { RpcServer } from './rpc-server.js';
import { targetToDifficulty } from './stratum-server.js';
import { isIP } from 'node:net';

/** "1.2.3.4", "1.2.3.4:17421", "[::1]:17421" or a peer id -> the key bans are stored under. */
function banTarget(text: string): string {
  if (isIP(text)) return text;
  if (/^(?:12D3Koo|Qm)[1-9A-HJ-NP-Za-km-z]{20,60}$/.test(text)) return text;
  const hp = parseHostPort(text);
  if (hp && isIP(hp.host)) return banKey(hp.host, hp.port);
  throw new RpcError(RpcCode.CLIENT_INVALID_IP_OR_SUBNET, `setban: "${text.slice(0, 80)}" is not an IP address or address:port; expected e.g. 203.0.113.5, 127.0.0.1:17421 or a peer id 12D3KooW...`);
}

export function registerNetMethods(rpc: RpcServer, node: HashlaneNode): void {
  const net = () => node.network;

  rpc.register('listbanned', {
    help: 'listbanned — banned addresses (peer ids on loopback and private ranges) with reason and expiry',
    params: [],
    handler: () => {
      const now = Math.floor(Date.now() / 1000);
      return net()
        .listBans()
        .map(([address, b]) => {
          const until = Math.floor(b.until / 1000);
          return { address, banned_until: until, time_remaining: Math.max(0, until - now), ban_reason: b.reason };
        });
    },
  });
  rpc.register('setban', {
    help: 'setban "address[:port]" add|remove [bantime=86400] [absolute=false] — ban or unban (bantime in seconds, or a unix time when absolute)',
    params: [
      { name: 'subnet', type: 'string', maxLength: 64 },
      { name: 'command', type: 'string', oneOf: ['add', 'remove'] },
      { name: 'bantime', type: 'int', min: 0, optional: true },
      { name: 'absolute', type: 'bool', optional: true },
    ],
    handler: ([subnet, cmd, bantime, absolute]) => {
      const key = banTarget(subnet as string);
      if (cmd === 'remove') {
        if (!net().unban(key)) throw new RpcError(RpcCode.CLIENT_INVALID_IP_OR_SUBNET, `setban remove: ${key} is not banned`);
        return null;
      }
      if (net().isBanned(key)) throw new RpcError(-23, `setban add: ${key} is already banned`);
      const t = (bantime as number | undefined) || 86_400;
      const ms = absolute ? t * 1000 - Date.now() : t * 1000;
      if (ms <= 0) throw new RpcError(RpcCode.INVALID_PARAMETER, 'setban: an absolute bantime must lie in the future');
      net().ban(key, 'manually added (setban)', ms);
      return null;
    },
  });
  rpc.register('clearbanned', {
    help: 'clearbanned — lifts every ban',
    params: [],
    handler: () => {
      net().bans.clear();
      return null;
    },
  });
  rpc.register('getconnectioncount', {
    help: 'getconnectioncount — peers with a completed handshake',
    params: [],
    handler: () => net().ready().length,
  });
  rpc.register('getnetworkinfo', {
    help: 'getnetworkinfo — version, our peer id, listen multiaddrs, connections and limits',
    params: [],
    handler: () => {
      const peers = net().ready();
      const inbound = peers.filter((p) => p.inbound).length;
      return {
        version: 100,
        subversion: '/hashlane:0.1.0/',
        protocolversion: PROTOCOL_VERSION,
        peerid: net().peerId,
        listenaddrs: net().listenAddrs(),
        protocols: Object.values(net().protocols),
        connections: peers.length,
        connections_in: inbound,
        connections_out: peers.length - inbound,
        networkactive: true,
        listening: net().listenPort > 0,
        localaddresses: net().listenPort > 0 ? [{ address: node.opts.bind ?? '127.0.0.1', port: net().listenPort }] : [],
        banned: net().listBans().length,
        limits: node.limits,
        warnings: '',
      };
    },
  });
  rpc.register('getdifficulty', {
    help: 'getdifficulty — difficulty of the tip block, in Bitcoin difficulty-1 units',
    params: [],
    handler: () => targetToDifficulty(bitsToTarget(node.chain.tip.header.bits)),
  });
  rpc.register('stop', {
    help: 'stop — shuts the node down cleanly (the answer is sent first)',
    params: [],
    handler: () => {
      setTimeout(() => node.requestShutdown(), 50);
      return 'hashlane node stopping';
    },
  });
}
