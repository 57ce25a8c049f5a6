// A progress line on stderr, refreshed at most once a second: rewritten in place on a terminal,
// one line every few seconds otherwise (logs stay readable).
export class ProgressLine {
  private last = 0;
  private shown = false;
  private readonly tty = process.stderr.isTTY === true;

  constructor(private readonly command: string) {}

  update(text: () => string): void {
    const now = Date.now();
    if (now - this.last < (this.tty ? 1000 : 5000)) return;
    this.last = now;
    this.write(text());
  }

  finish(text: string): void {
    if (this.tty && this.shown) process.stderr.write('\n');
    process.stderr.write(`stream-pipeline ${this.command}: ${text}\n`);
  }

  private write(text: string): void {
    this.shown = true;
    if (this.tty) process.stderr.write(`\rstream-pipeline ${this.command}: ${text}\x1b[K`);
    else process.stderr.write(`stream-pipeline ${this.command}: ${text}\n`);
  }
}
