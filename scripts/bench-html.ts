/**
 * Sanitizer timings on maximal bodies (MAX_HTML_LENGTH characters of one
 * repeated chunk): `npm run bench:html`. Prints milliseconds per shape.
 */
import { MAX_HTML_LENGTH, sanitizeHtml } from '../src/common/html';

const shapes: [string, string][] = [
  ['plain chunks', '<p>Hello <b>world</b> <img src=x onerror=alert(1)> <a href="javascript:x">l</a></p>'],
  ['deep <b>', '<b>'],
  ['deep <div>', '<div>'],
  ['entities', '&amp;'],
  ['open brackets', '<<<<'],
  ['rejected images', '<img src=x>'],
  ['unclosed list items', '<li>x'],
];

console.log(`sanitizeHtml on ${MAX_HTML_LENGTH.toLocaleString()}-character bodies (node ${process.version})`);
for (const [name, chunk] of shapes) {
  const body = chunk.repeat(Math.floor(MAX_HTML_LENGTH / chunk.length));
  sanitizeHtml(body.slice(0, 10_000));
  const runs: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    sanitizeHtml(body);
    runs.push(performance.now() - t0);
  }
  runs.sort((a, b) => a - b);
  console.log(`${name.padEnd(22)} median ${runs[1]!.toFixed(0).padStart(5)} ms   max ${runs[2]!.toFixed(0).padStart(5)} ms`);
}
