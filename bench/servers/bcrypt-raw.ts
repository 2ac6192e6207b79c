// Raw bcrypt-compare throughput with the same cost and the same libuv thread pool as the gateway: keeps
// $BENCH_IN_FLIGHT compares running for $BENCH_SECONDS and prints `{"comparesPerSecond": n}`.
import bcrypt from 'bcrypt';

const cost = Number(process.env.BENCH_BCRYPT_COST ?? 10);
const inFlight = Number(process.env.BENCH_IN_FLIGHT ?? 8);
const seconds = Number(process.env.BENCH_SECONDS ?? 5);

const hash = await bcrypt.hash('correct horse battery staple', cost);
await bcrypt.compare('warm up', hash);
let done = 0;
const deadline = performance.now() + seconds * 1000;
async function loop(): Promise<void> {
  while (performance.now() < deadline) {
    await bcrypt.compare('correct horse battery staple', hash);
    done += 1;
  }
}
const started = performance.now();
await Promise.all(Array.from({ length: inFlight }, loop));
const elapsed = (performance.now() - started) / 1000;
process.stdout.write(`${JSON.stringify({ comparesPerSecond: done / elapsed })}\n`);
