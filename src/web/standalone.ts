// Standalone mode: a devnet chain inside the page (the chain core over its in-memory store).
// The page mines its own templates; each accepted block pays the page's key, and from then on
// the page sends a small signed transfer into its mempool for every next block, so blocks
// carry real transactions through the full validation (signatures in one WASM batch).
import { Chain, Mempool, completeBlock, createBlockTemplate, createTransfer, devnetParams, type BlockTemplate, type ChainParams } from '../chain/index.js';
import { encodeHeader, toDisplayHex } from '../pow/index.js';
import { ed25519 } from '../sig/index.js';
import type { SubmitResult, Work, WorkSource } from './work.js';

export class StandaloneSource implements WorkSource {
  readonly mode = 'standalone';
  private chain: Chain | null = null;
  private mempool: Mempool | null = null;
  private template: BlockTemplate | null = null;
  private jobs = 0;
  private onWork: (w: Work) => void = () => {};
  /** The page's key (for this page's lifetime only): the coinbase pays it, transfers spend it. */
  private readonly secret = ed25519.randomSecretKey();
  readonly minerKey = ed25519.getPublicKey(this.secret);

  /** `params`: the devnet by default; regtest (trivial proof of work) suits a slow software GPU. */
  constructor(private readonly params: ChainParams = devnetParams) {}

  async open(onWork: (w: Work) => void, onStatus: (text: string) => void): Promise<void> {
    this.onWork = onWork;
    this.chain = await Chain.open({ params: this.params });
    const mempool = new Mempool(this.chain);
    this.mempool = mempool;
    this.chain.subscribe((change) => mempool.update(change));
    onStatus(`devnet in this page: genesis ${toDisplayHex(this.chain.genesisHash)}`);
    this.refresh();
  }

  refresh(): void {
    if (!this.chain) return;
    this.template = createBlockTemplate(this.chain, this.mempool, { coinbaseTo: this.minerKey });
    this.onWork({ id: String(++this.jobs), height: this.template.height, header: encodeHeader(this.template.header), target: this.template.target });
  }

  async submit(work: Work, header: Uint8Array): Promise<SubmitResult> {
    const t = this.template;
    if (!this.chain || !t || work.id !== String(this.jobs)) return { accepted: false, reason: 'stale' };
    const nonce = new DataView(header.buffer, header.byteOffset, 80).getUint32(76, true);
    let result: SubmitResult;
    try {
      const r = await this.chain.addBlock(completeBlock(t, { nonce }));
      const accepted = r.status === 'connected' || r.status === 'reorg';
      result = { accepted, hash: toDisplayHex(r.hash), height: r.height, txs: t.block.txs.length, reason: accepted ? undefined : r.status };
      if (accepted) this.sendTransfer();
    } catch (err) {
      result = { accepted: false, reason: (err as { code?: string }).code ?? (err as Error).message };
    }
    this.refresh();
    return result;
  }

  /** A transfer of 1 unit (fee 1000) from the page's key to a fresh key, when it can pay. */
  private sendTransfer(): void {
    const chain = this.chain!;
    const account = chain.getAccount(this.minerKey);
    if (account.balance < 10_000n) return;
    const to = ed25519.getPublicKey(ed25519.randomSecretKey());
    this.mempool!.add(createTransfer({ chainId: chain.params.chainId, to, amount: 1n, fee: 1000n, nonce: account.nonce }, this.secret));
  }

  rate(): void {}

  close(): void {
    void this.chain?.close();
    this.chain = null;
  }
}
