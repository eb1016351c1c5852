-- wrk script for bench/l7/run.sh: after the run, print the latency tail beyond wrk's own
-- --latency lines (50/75/90/99 %), in milliseconds, one "tail <percentile> <ms>" line each.
done = function(summary, latency, requests)
  for _, p in ipairs({99.9, 99.99}) do
    io.write(string.format("tail %g %.2f\n", p, latency:percentile(p) / 1000))
  end
  io.write(string.format("tail max %.2f\n", latency.max / 1000))
end
