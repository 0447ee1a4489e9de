// Hash rate over time on a canvas: one thin line per worker, a dashed line for the WebGPU
// scanner when it runs, a thick line for the total.

export interface RateSample {
  /** Seconds since mining began. */
  t: number;
  total: number;
  perWorker: number[];
  /** The WebGPU scanner's rate; absent while it does not run. */
  gpu?: number;
}

const HUES = [200, 30, 120, 280, 0, 60, 170, 320];

/** The colour of worker `i` in the chart (and in the page's rate table). */
export const workerColor = (i: number): string => `hsl(${HUES[i % HUES.length]} 70% 55%)`;
/** The colour of the WebGPU scanner's line and table row. */
export const GPU_COLOR = '#c2185b';

export class RateChart {
  private samples: RateSample[] = [];

  constructor(
    private readonly canvas: HTMLCanvasElement,
    /** How many seconds of history the chart shows. */
    private readonly windowSeconds = 60,
  ) {}

  push(s: RateSample): void {
    this.samples.push(s);
    const from = s.t - this.windowSeconds;
    while (this.samples.length > 2 && this.samples[0].t < from) this.samples.shift();
    this.draw();
  }

  clear(): void {
    this.samples = [];
    this.draw();
  }

  draw(): void {
    const c = this.canvas;
    const ratio = globalThis.devicePixelRatio ?? 1;
    const w = Math.round(c.clientWidth * ratio) || c.width;
    const h = Math.round(c.clientHeight * ratio) || c.height;
    if (c.width !== w) c.width = w;
    if (c.height !== h) c.height = h;
    const g = c.getContext('2d');
    if (!g) return;
    g.clearRect(0, 0, w, h);
    const pad = { l: 76 * ratio, r: 12 * ratio, t: 12 * ratio, b: 22 * ratio };
    const pw = w - pad.l - pad.r;
    const ph = h - pad.t - pad.b;
    const last = this.samples.at(-1);
    const tMax = Math.max(last?.t ?? 0, this.windowSeconds);
    const tMin = tMax - this.windowSeconds;
    const yMax = niceCeil(Math.max(1, ...this.samples.map((s) => s.total)));
    const x = (t: number) => pad.l + ((t - tMin) / this.windowSeconds) * pw;
    const y = (v: number) => pad.t + ph - (v / yMax) * ph;

    g.font = `${11 * ratio}px system-ui, sans-serif`;
    g.fillStyle = '#777';
    g.strokeStyle = '#ddd';
    g.lineWidth = ratio;
    for (let i = 0; i <= 4; i++) {
      const v = (yMax * i) / 4;
      g.beginPath();
      g.moveTo(pad.l, y(v));
      g.lineTo(pad.l + pw, y(v));
      g.stroke();
      g.textAlign = 'right';
      g.textBaseline = 'middle';
      g.fillText(formatRate(v), pad.l - 6 * ratio, y(v));
    }
    g.textAlign = 'center';
    g.textBaseline = 'top';
    for (let t = Math.ceil(tMin / 10) * 10; t <= tMax; t += 10) g.fillText(`${t}s`, x(t), pad.t + ph + 5 * ratio);

    const line = (values: (s: RateSample) => number | undefined, color: string, width: number, dash: number[] = []) => {
      g.strokeStyle = color;
      g.lineWidth = width * ratio;
      g.setLineDash(dash.map((d) => d * ratio));
      g.beginPath();
      let started = false;
      for (const s of this.samples) {
        const v = values(s);
        if (v === undefined) continue;
        if (started) g.lineTo(x(s.t), y(v));
        else g.moveTo(x(s.t), y(v));
        started = true;
      }
      g.stroke();
    };
    const workers = Math.max(0, ...this.samples.map((s) => s.perWorker.length));
    for (let i = 0; i < workers; i++) line((s) => s.perWorker[i], workerColor(i), 1);
    if (this.samples.some((s) => s.gpu !== undefined)) line((s) => s.gpu, GPU_COLOR, 2, [6, 4]);
    line((s) => s.total, '#222', 2.5);
  }
}

/** Hashes per second with a unit: H/s, kH/s, MH/s. */
export function formatRate(v: number): string {
  if (v >= 1e6) return `${(v / 1e6).toFixed(2)} MH/s`;
  if (v >= 1e3) return `${(v / 1e3).toFixed(1)} kH/s`;
  return `${v.toFixed(0)} H/s`;
}

function niceCeil(v: number): number {
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}
