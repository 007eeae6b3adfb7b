//===- Profile.cpp - tessera-run's kernel time table ----------------------===//

#include "tools/tessera-run/Profile.h"
#include "tessera/Support/OneLine.h"

#include <algorithm>
#include <numeric>
#include <string>
#include <vector>

/// Model text safe on one terminal line.
static std::string printable(const char *text) {
  return tessera::oneLine(text ? text : "");
}

void tessera::run::printProfile(std::FILE *out, const tessera_model_t &model,
                                const tessera_kernel_profile_t *profiles,
                                int count, int runs, int top, double runMs) {
  std::vector<int> order(count);
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](int a, int b) {
    if (profiles[a].total_seconds != profiles[b].total_seconds)
      return profiles[a].total_seconds > profiles[b].total_seconds;
    return a < b;
  });
  double total = 0;
  for (int k = 0; k < count; ++k)
    total += profiles[k].total_seconds;
  double perRun = runs > 0 ? total * 1e3 / runs : 0;
  std::fprintf(out,
               "profile: %d kernels, %d runs; kernels take %.4f ms per run "
               "(%.1f%% of the mean run, %.4f ms)\n",
               count, runs, perRun, runMs > 0 ? 100.0 * perRun / runMs : 0.0,
               runMs);
  std::fprintf(out, "%5s %7s %10s %6s %9s %8s %6s  %-14s %s\n", "rank",
               "share", "ms/run", "calls", "GFLOP/s", "GB/s", "kernel",
               "kind", "nodes");
  int shown = std::min(top, count);
  for (int rank = 0; rank < shown; ++rank) {
    int k = order[rank];
    const tessera_kernel_profile_t &p = profiles[k];
    const tessera_kernel_desc_t &desc = model.kernels[k];
    double seconds = p.total_seconds;
    auto rate = [&](uint64_t amount) -> std::string {
      if (amount == 0 || seconds <= 0)
        return "-";
      char text[32];
      std::snprintf(text, sizeof(text), "%.1f",
                    static_cast<double>(amount) * p.calls / seconds * 1e-9);
      return text;
    };
    std::fprintf(out, "%5d %6.1f%% %10.4f %6lld %9s %8s %6d  %-14s %s\n",
                 rank + 1, total > 0 ? 100.0 * seconds / total : 0.0,
                 runs > 0 ? seconds * 1e3 / runs : 0.0,
                 static_cast<long long>(p.calls), rate(desc.flops).c_str(),
                 rate(desc.bytes).c_str(), k, printable(desc.kind).c_str(),
                 printable(desc.name).c_str());
  }
  if (shown < count) {
    double rest = 0;
    for (int rank = shown; rank < count; ++rank)
      rest += profiles[order[rank]].total_seconds;
    std::fprintf(out, "%5s %6.1f%% %10.4f  in the other %d kernels\n", "",
                 total > 0 ? 100.0 * rest / total : 0.0,
                 runs > 0 ? rest * 1e3 / runs : 0.0, count - shown);
  }
}
