// survival_bench: fits GENES synthetic genes x the seed's 480 TCGA patients (their times and
// events) with serval::survival on 1 and on 2 threads, and prints JSON with ms per gene. It also
// writes the same genes as Invoke payloads of BATCH genes each (for bench/survival.sh to send
// through Serval) and as a CSV sample for R to time.
//
// Usage: survival_bench FIXTURE_DIR OUT_DIR [--genes 20000] [--batch 200] [--r-sample 200]

#include <fmt/format.h>

#include <charconv>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "blueprints/survival/cox.h"

namespace {

using serval::survival::CoxDataset;
using serval::survival::CoxWorkspace;

struct Cohort {
  std::vector<double> times;
  std::vector<int> events;
};

// The seed's TCGA cohort from seed_tcga.data.csv (time,event,MKI67,APOE).
Cohort ReadCohort(const std::string& fixture_dir) {
  std::ifstream in(fixture_dir + "/seed_tcga.data.csv");
  Cohort cohort;
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    std::stringstream fields(line);
    std::string time, event;
    std::getline(fields, time, ',');
    std::getline(fields, event, ',');
    double value = 0;
    std::from_chars(time.data(), time.data() + time.size(), value);
    cohort.times.push_back(value);
    cohort.events.push_back(event == "1" ? 1 : 0);
  }
  return cohort;
}

double FitAllSeconds(const CoxDataset& dataset, const std::vector<std::vector<double>>& genes,
                     int threads) {
  const auto start = std::chrono::steady_clock::now();
  auto fit_every = [&](int worker) {
    CoxWorkspace workspace;
    for (size_t i = worker; i < genes.size(); i += threads) {
      if (!dataset.Fit(genes[i], workspace).ok()) std::abort();
    }
  };
  std::vector<std::thread> pool;
  for (int worker = 1; worker < threads; ++worker) pool.emplace_back(fit_every, worker);
  fit_every(0);
  for (auto& thread : pool) thread.join();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

std::string JsonArray(const std::vector<double>& values) {
  std::string out = "[";
  for (size_t i = 0; i < values.size(); ++i) out += fmt::format("{}{}", i ? "," : "", values[i]);
  return out + "]";
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr,
                 "usage: survival_bench FIXTURE_DIR OUT_DIR [--genes N] [--batch N] "
                 "[--r-sample N]\n");
    return 2;
  }
  const std::string fixture_dir = argv[1], out_dir = argv[2];
  int genes_count = 20000, batch = 200, r_sample = 200;
  for (int i = 3; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    const int value = std::atoi(argv[i + 1]);
    if (flag == "--genes") genes_count = value;
    if (flag == "--batch") batch = value;
    if (flag == "--r-sample") r_sample = value;
  }
  const Cohort cohort = ReadCohort(fixture_dir);
  // Expression-like values: log-normal noise, some genes associated with the hazard.
  std::mt19937_64 random(42);
  std::normal_distribution<double> normal;
  std::vector<std::vector<double>> genes(genes_count, std::vector<double>(cohort.times.size()));
  for (int g = 0; g < genes_count; ++g) {
    const double effect = g % 10 == 0 ? 0.5 : 0.0;
    for (size_t p = 0; p < cohort.times.size(); ++p) {
      genes[g][p] = normal(random) + effect * cohort.events[p];
    }
  }
  auto dataset = CoxDataset::Create(cohort.times, cohort.events);
  if (!dataset.ok()) return 1;
  const double one = FitAllSeconds(*dataset, genes, 1);
  const double two = FitAllSeconds(*dataset, genes, 2);

  std::vector<double> times(cohort.times.begin(), cohort.times.end());
  std::vector<double> events(cohort.events.begin(), cohort.events.end());
  for (int start = 0, file = 0; start < genes_count; start += batch, ++file) {
    std::ofstream payload(fmt::format("{}/payload-{:04}.json", out_dir, file));
    payload << R"({"times":)" << JsonArray(times) << R"(,"events":)" << JsonArray(events)
            << R"(,"values_by_record":[)";
    for (int g = start; g < std::min(genes_count, start + batch); ++g) {
      payload << (g > start ? "," : "") << JsonArray(genes[g]);
    }
    payload << "]}";
  }
  std::ofstream sample(out_dir + "/r_sample.csv");
  sample << "time,event";
  for (int g = 0; g < r_sample; ++g) sample << ",g" << g;
  sample << "\n";
  for (size_t p = 0; p < cohort.times.size(); ++p) {
    sample << fmt::format("{},{}", cohort.times[p], cohort.events[p]);
    for (int g = 0; g < r_sample; ++g) sample << fmt::format(",{}", genes[g][p]);
    sample << "\n";
  }
  std::printf(
      "{\"genes\":%d,\"patients\":%zu,\"seconds_1_thread\":%.4f,\"seconds_2_threads\":%.4f,"
      "\"ms_per_gene_1_thread\":%.5f,\"ms_per_gene_2_threads\":%.5f}\n",
      genes_count, cohort.times.size(), one, two, one * 1000 / genes_count,
      two * 1000 / genes_count);
  return 0;
}
