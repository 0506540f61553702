// A killed test run leaves no child behind: Prism has no --exit-with-parent, so prism.js starts
// every Node.js child with exit-with-parent.js preloaded. Here a stand-in for the test process
// starts an idle child that way and is killed with SIGKILL, when no handler of its own can run;
// the child must end by itself. (An idle child rather than Prism: the mechanism is the same,
// and it starts in milliseconds.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import readline from 'node:readline';

const prismJS = new URL('./prism.js', import.meta.url).href;

test('a child started by nodeChild ends when the test process is killed with SIGKILL', { timeout: 30_000 }, async () => {
  // The stand-in shares its fd 3, a pipe to this test, with its child; the pipe closes once both
  // have ended, so its end says the child ended, with no polling.
  const standIn = spawn(process.execPath, ['--input-type=module', '-e', `
    import { nodeChild } from ${JSON.stringify(prismJS)};
    const idle = nodeChild('-e', ['setInterval(() => {}, 1 << 30)'], { stdio: ['pipe', 'pipe', 'pipe', 3] });
    console.log(idle.proc.pid);
    setInterval(() => {}, 1 << 30);
  `], { stdio: ['ignore', 'pipe', 'inherit', 'pipe'] });
  const closed = once(standIn.stdio[3], 'close');
  standIn.stdio[3].resume();
  const [line] = await once(readline.createInterface({ input: standIn.stdout }), 'line');
  assert.match(line, /^\d+$/, 'the stand-in printed its child\'s pid');
  standIn.kill('SIGKILL');
  await closed; // bounded by the test's timeout: a child left behind holds the pipe open
});
