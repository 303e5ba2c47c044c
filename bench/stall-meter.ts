/**
 * A heartbeat on every turn of the event loop: the longest gap between two beats is the longest stall.
 * `stop()` takes a last beat (the gap up to now counts) and returns the longest gap in ms.
 */
export function startStallMeter(): { stop(): number } {
  let maxStallMs = 0;
  let last = performance.now();
  let beating = true;
  const beat = () => {
    const t = performance.now();
    maxStallMs = Math.max(maxStallMs, t - last);
    last = t;
    if (beating) setImmediate(beat);
  };
  setImmediate(beat);
  return {
    stop() {
      beat();
      beating = false;
      return maxStallMs;
    },
  };
}
