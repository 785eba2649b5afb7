/**
 * A progress bar on stderr with count, percentage, rate and ETA: redrawn in place on a terminal; elsewhere (CI,
 * a pipe, `--json`) a plain line at every 10 % step, so logs stay short and a reader still sees it finish.
 *
 *   [██████████░░░░░░░░░░]  50%  250/500  50.0/s  ETA 5s
 */
import { formatAge, type Io } from './io.js';

const WIDTH = 20;

export class Progress {
  private done = 0;
  private readonly started = Date.now();
  private lastDraw = 0;
  private lastStep = -1;

  /** `total` may grow (a queue receives more while it is drained) and is only an estimate until {@link finish}. */
  constructor(
    private readonly io: Io,
    private readonly label: string,
    private total: number,
  ) {}

  /** Counts `n` more items done and redraws (at most every 100 ms on a terminal). */
  tick(n = 1): void {
    this.done += n;
    if (this.done > this.total) this.total = this.done;
    this.draw(false);
  }

  /** Marks the work complete: the bar shows 100 % with the final count. */
  finish(): void {
    this.total = this.done;
    this.draw(true);
    if (this.io.stderr.isTTY) this.io.stderr.write('\n');
  }

  /** The line as drawn now (exported for tests of the format). */
  line(): string {
    const pct = this.total === 0 ? 100 : Math.floor((this.done / this.total) * 100);
    const filled = Math.round((pct / 100) * WIDTH);
    const seconds = (Date.now() - this.started) / 1000;
    const rate = seconds > 0 ? this.done / seconds : 0;
    const eta = this.done >= this.total ? '0s' : rate > 0 ? formatAge((this.total - this.done) / rate) : '?';
    return `${this.label} [${'█'.repeat(filled)}${'░'.repeat(WIDTH - filled)}] ${String(pct).padStart(3)}%  ${this.done}/${this.total}  ${rate.toFixed(1)}/s  ETA ${eta}`;
  }

  private draw(final: boolean): void {
    const now = Date.now();
    if (this.io.stderr.isTTY) {
      if (!final && now - this.lastDraw < 100) return;
      this.lastDraw = now;
      this.io.stderr.write(`\r${this.line()}\x1b[K`);
      return;
    }
    const step = this.total === 0 ? 10 : Math.floor((this.done / this.total) * 10);
    if (step === this.lastStep && !final) return;
    if (final && step === this.lastStep && this.lastStep === 10) return;
    this.lastStep = step;
    this.io.stderr.write(`${this.line()}\n`);
  }
}
