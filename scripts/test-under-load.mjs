// Runs `vitest run` (extra arguments passed through) while LOAD_PROCS busy-loop processes (default 2) eat the CPU,
// to prove the suite holds on a slower machine. The busy loops are stopped however vitest ends.
import { spawn } from 'node:child_process';

const count = Number(process.env.LOAD_PROCS ?? 2);
if (!Number.isInteger(count) || count < 0) {
  console.error(`LOAD_PROCS must be a whole number, got ${process.env.LOAD_PROCS}`);
  process.exit(2);
}

// Spin, and every few hundred million iterations check the parent is still this script: a burner orphaned by a
// SIGKILL of this script then ends by itself instead of eating a core forever.
const BUSY_LOOP = `const parent = process.ppid;
for (;;) {
  for (let i = 0; i < 3e8; i++);
  if (process.ppid !== parent) process.exit(0);
}`;
const burners = Array.from({ length: count }, () =>
  spawn(process.execPath, ['-e', BUSY_LOOP], { stdio: 'ignore' }),
);
const stopBurners = () => {
  for (const burner of burners)
    if (burner.exitCode === null && burner.signalCode === null) burner.kill('SIGKILL');
};
// Whatever happens to this process, the busy loops must not outlive it.
process.on('exit', stopBurners);

console.log(`[test:load] ${count} busy-loop process(es) running for the duration of vitest run`);
const vitest = spawn(process.execPath, ['node_modules/vitest/vitest.mjs', 'run', ...process.argv.slice(2)], {
  stdio: 'inherit',
});
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => vitest.kill(signal));
}
vitest.on('exit', (code, signal) => {
  stopBurners();
  process.exit(code ?? (signal ? 1 : 0));
});
