// A command's output written straight to descriptor 1 (src/cli/write-stdout.ts) must reach the
// reader whole, in order, whatever its size, and fail as Node's stream does where the descriptor
// refuses it; a process that did not claim descriptor 1 keeps writing through the stream.
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it, vi } from 'vitest';
import { writeStdout } from '../src/cli/write-stdout.js';

const module = pathToFileURL(join(__dirname, '..', 'dist', 'src', 'cli', 'write-stdout.js')).href;

/** A child that claims descriptor 1 and writes `text` (made by `make`, a JS expression) with writeStdout. */
const childScript = (make: string) =>
  `import(${JSON.stringify(module)}).then(({ claimStdout, writeStdout }) => { claimStdout(); writeStdout(${make}); })`;

describe('writeStdout', () => {
  it('in the CLI process, gives a slow reader of a pipe every byte, in order, beyond the pipe buffer', async () => {
    // 3 MB of numbered lines with non-ASCII text: many times a pipe's 64 KiB, so the writes block and return partly.
    const make = "Array.from({ length: 100000 }, (_, i) => `${i} µs × ${'x'.repeat(i % 17)}\\n`).join('')";
    const expected = Array.from({ length: 100000 }, (_, i) => `${i} µs × ${'x'.repeat(i % 17)}\n`).join('');
    const child = spawn(process.execPath, ['-e', childScript(make)], { stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      child.stdout.pause();
      setTimeout(() => child.stdout.resume(), 1); // a reader slower than the writer
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code).toBe(0);
    expect(Buffer.concat(chunks).toString('utf8') === expected).toBe(true);
  });

  it('fails on a closed pipe as the stream does: the same error, the same exit code', () => {
    const run = (write: string) =>
      spawnSync('bash', ['-c', `"${process.execPath}" -e '${write}' | (exec 0<&-; sleep 0.3); echo "exit \${PIPESTATUS[0]}" >&2`], { encoding: 'utf8' });
    const direct = run(childScript("'x'.repeat(200000)").replaceAll("'", "'\\''"));
    const stream = run("process.stdout.write(\"x\".repeat(200000))");
    expect(direct.stderr).toMatch(/Error: write EPIPE/);
    expect(direct.stderr.match(/exit \d+/)?.[0]).toBe(stream.stderr.match(/exit \d+/)?.[0]);
    expect(stream.stderr).toMatch(/Error: write EPIPE/);
  });

  it('in a process that did not claim descriptor 1 (tests, library users), writes through process.stdout', () => {
    const written: string[] = [];
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => (written.push(String(chunk)), true));
    try {
      writeStdout('a summary\n');
    } finally {
      spy.mockRestore();
    }
    expect(written).toEqual(['a summary\n']);
  });
});
