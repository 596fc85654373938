/**
 * An RGB raster the widget renderer draws into: rectangles, lines and 5×7
 * text, every write clipped to the image.
 */
import { ADVANCE, GLYPH_HEIGHT, GLYPH_WIDTH, glyph } from "./font.js";

export type Rgb = readonly [number, number, number];

/** "#rrggbb" (the form the metric widget's color fields take) to a colour. */
export function parseColor(hex: string): Rgb {
  const n = parseInt(hex.slice(1), 16);
  return [(n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff];
}

export class Canvas {
  readonly pixels: Uint8Array;

  constructor(readonly width: number, readonly height: number, background: Rgb) {
    this.pixels = new Uint8Array(width * height * 3);
    this.fill(0, 0, width, height, background);
  }

  set(x: number, y: number, c: Rgb): void {
    if (x < 0 || y < 0 || x >= this.width || y >= this.height) return;
    this.pixels.set(c, (y * this.width + x) * 3);
  }

  get(x: number, y: number): Rgb {
    const i = (y * this.width + x) * 3;
    return [this.pixels[i], this.pixels[i + 1], this.pixels[i + 2]];
  }

  fill(x: number, y: number, w: number, h: number, c: Rgb): void {
    const x0 = Math.max(0, Math.round(x));
    const y0 = Math.max(0, Math.round(y));
    const x1 = Math.min(this.width, Math.round(x + w));
    const y1 = Math.min(this.height, Math.round(y + h));
    if (x1 <= x0 || y1 <= y0) return;
    // One pixel, doubled along the row, then the row copied down: a 2000×2000 background took 0.6 s pixel by pixel.
    const rowStart = (y0 * this.width + x0) * 3;
    const rowBytes = (x1 - x0) * 3;
    this.pixels.set(c, rowStart);
    for (let n = 3; n < rowBytes; n *= 2) this.pixels.copyWithin(rowStart + n, rowStart, rowStart + Math.min(n, rowBytes - n));
    for (let yy = y0 + 1; yy < y1; yy++) this.pixels.copyWithin((yy * this.width + x0) * 3, rowStart, rowStart + rowBytes);
  }

  /** A line `thickness` pixels wide (Bresenham, widened across its minor axis). */
  line(xa: number, ya: number, xb: number, yb: number, c: Rgb, thickness = 1): void {
    let x0 = Math.round(xa), y0 = Math.round(ya);
    const x1 = Math.round(xb), y1 = Math.round(yb);
    const dx = Math.abs(x1 - x0), dy = -Math.abs(y1 - y0);
    const sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1;
    const steep = -dy > dx;
    let err = dx + dy;
    // Callers keep the ends near the image: pixels outside it are walked and dropped.
    for (;;) {
      for (let t = 0; t < thickness; t++) {
        const o = t - Math.floor((thickness - 1) / 2);
        if (steep) this.set(x0 + o, y0, c);
        else this.set(x0, y0 + o, c);
      }
      if (x0 === x1 && y0 === y1) return;
      const e2 = 2 * err;
      if (e2 >= dy) { err += dy; x0 += sx; }
      if (e2 <= dx) { err += dx; y0 += sy; }
    }
  }

  /** Text with its top-left corner at (x, y). */
  text(x: number, y: number, text: string, c: Rgb): void {
    let cx = Math.round(x);
    const top = Math.round(y);
    for (const ch of text) {
      const rows = glyph(ch);
      for (let r = 0; r < GLYPH_HEIGHT; r++) {
        for (let col = 0; col < GLYPH_WIDTH; col++) if (rows[r] & (1 << (GLYPH_WIDTH - 1 - col))) this.set(cx + col, top + r, c);
      }
      cx += ADVANCE;
    }
  }
}
