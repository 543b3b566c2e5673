// Runs one benchmark round and measures it: wall-clock and CPU seconds, and (when asked) RSS growth sampled every
// 20 ms from a forced-GC baseline (run node with --expose-gc for that baseline).
export async function timed(run, sampleRss) {
  globalThis.gc?.()
  const before = process.memoryUsage.rss()
  let peak = before
  const timer = sampleRss
    ? setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 20)
    : undefined
  const started = performance.now()
  const cpuBefore = process.cpuUsage()
  const rows = await run()
  const seconds = (performance.now() - started) / 1000
  const cpu = process.cpuUsage(cpuBefore)
  clearInterval(timer)
  peak = Math.max(peak, process.memoryUsage.rss())
  const mb = (bytes) => bytes / 1024 / 1024
  return {
    rows,
    seconds,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    growthMb: mb(peak - before),
    beforeMb: mb(before),
    peakMb: mb(peak),
  }
}

export const median = (values) => [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)].toFixed(2)
