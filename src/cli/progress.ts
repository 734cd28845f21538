/**
 * Progress on a terminal: one line redrawn in place with rows, rows/s and ETA. Off a terminal (CI, pipes,
 * log files) nothing is drawn; commands print a one-line summary at the end instead.
 */
export interface ProgressLine {
  update(text: string): void;
  done(): void;
}

export function progressLine(stream: NodeJS.WriteStream = process.stderr): ProgressLine {
  if (!stream.isTTY) return { update() {}, done() {} };
  let drawn = false;
  return {
    update(text) {
      const width = stream.columns ?? 100;
      stream.write(`\r${text.slice(0, width - 1).padEnd(Math.min(width - 1, 100))}`);
      drawn = true;
    },
    done() {
      if (drawn) stream.write('\r\x1b[2K');
      drawn = false;
    },
  };
}

export function bar(fraction: number, width = 24): string {
  const filled = Math.max(0, Math.min(width, Math.round(fraction * width)));
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
}

export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return '?';
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s}s` : s < 3600 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

export const formatInt = (n: number) => Math.round(n).toLocaleString('en-US');

/** `[#####.....] 42% 120,000 rows 35,000 rows/s ETA 12s` for a byte-measured read. */
export function describeRead(label: string, rows: number, bytesRead: number, totalBytes: number, elapsedMs: number): string {
  const fraction = totalBytes > 0 ? bytesRead / totalBytes : 0;
  const rate = rows / Math.max(elapsedMs / 1000, 1e-3);
  const eta = fraction > 0 ? (elapsedMs / fraction) * (1 - fraction) : NaN;
  return `${label} ${bar(fraction)} ${Math.floor(fraction * 100)}% ${formatInt(rows)} rows ${formatInt(rate)} rows/s ETA ${formatDuration(eta)}`;
}
