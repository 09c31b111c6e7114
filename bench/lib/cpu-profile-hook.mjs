// Preloaded into the server child (NODE_OPTIONS=--import) when profiling: samples the CPU and writes a .cpuprofile
// at exit; with BENCH_HEAP_PROFILE=1 it also samples allocations (collected ones included) into a .heapprofile.
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';

const dir = process.env.BENCH_CPU_PROFILE_DIR;
if (dir) {
  const session = new Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.setSamplingInterval', { interval: 500 });
  session.post('Profiler.start');
  const heap = process.env.BENCH_HEAP_PROFILE === '1';
  if (heap) {
    session.post('HeapProfiler.enable');
    // Every allocation site, not only what is still alive at the end: garbage is what costs GC time.
    session.post('HeapProfiler.startSampling', {
      samplingInterval: 16_384,
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: true,
    });
  }
  // The in-thread inspector session answers synchronously, so this works inside an 'exit' handler.
  process.on('exit', () => {
    session.post('Profiler.stop', (error, result) => {
      if (!error) writeFileSync(`${dir}/server-${process.pid}.cpuprofile`, JSON.stringify(result.profile));
    });
    if (heap) {
      session.post('HeapProfiler.stopSampling', (error, result) => {
        if (!error) writeFileSync(`${dir}/server-${process.pid}.heapprofile`, JSON.stringify(result.profile));
      });
    }
  });
}
