// Preloaded into the server child (NODE_OPTIONS=--import) when profiling: samples the CPU and writes a .cpuprofile at exit.
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';

const dir = process.env.BENCH_CPU_PROFILE_DIR;
if (dir) {
  const session = new Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.setSamplingInterval', { interval: 500 });
  session.post('Profiler.start');
  // The in-thread inspector session answers synchronously, so this works inside an 'exit' handler.
  process.on('exit', () => {
    session.post('Profiler.stop', (error, result) => {
      if (!error) writeFileSync(`${dir}/server-${process.pid}.cpuprofile`, JSON.stringify(result.profile));
    });
  });
}
