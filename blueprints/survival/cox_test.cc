#include "blueprints/survival/cox.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <numeric>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/charconv.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"

namespace serval::survival {
namespace {

const std::filesystem::path kFixtures = SURVIVAL_FIXTURE_DIR;

// ---- Fixture files (written by fixtures/make_fixtures.R) ----

// A cell: NA is nullopt; NaN, Inf and -Inf as R prints them.
std::optional<double> ParseCell(std::string_view s) {
  if (s == "NA") return std::nullopt;
  if (s == "NaN") return std::numeric_limits<double>::quiet_NaN();
  if (s == "Inf") return std::numeric_limits<double>::infinity();
  if (s == "-Inf") return -std::numeric_limits<double>::infinity();
  double v = 0;
  auto r = absl::from_chars(s.data(), s.data() + s.size(), v);
  EXPECT_TRUE(r.ec == std::errc() && r.ptr == s.data() + s.size()) << "bad number: " << s;
  return v;
}

std::vector<std::vector<std::string>> ReadCsv(const std::filesystem::path& path) {
  std::ifstream in(path);
  EXPECT_TRUE(in.good()) << path;
  std::vector<std::vector<std::string>> rows;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty()) rows.push_back(absl::StrSplit(line, ','));
  }
  return rows;
}

struct Dataset {
  std::vector<double> times;
  std::vector<int> events;
  std::vector<std::string> record_names;
  std::vector<std::vector<double>> records;
};

Dataset ReadData(const std::string& name) {
  auto rows = ReadCsv(kFixtures / (name + ".data.csv"));
  Dataset d;
  const auto& header = rows.at(0);
  d.record_names.assign(header.begin() + 2, header.end());
  d.records.resize(d.record_names.size());
  for (size_t i = 1; i < rows.size(); ++i) {
    d.times.push_back(*ParseCell(rows[i][0]));
    d.events.push_back(static_cast<int>(*ParseCell(rows[i][1])));
    for (size_t r = 0; r < d.records.size(); ++r)
      d.records[r].push_back(*ParseCell(rows[i][2 + r]));
  }
  return d;
}

struct Expected {
  std::string record;
  std::optional<double> column[6];  // coef, exp(coef), se(coef), robust se, z, Pr(>|z|)
  int iter = 0;
  std::string status;
};

std::vector<Expected> ReadExpected(const std::string& name) {
  auto rows = ReadCsv(kFixtures / (name + ".expected.csv"));
  std::vector<Expected> out;
  for (size_t i = 1; i < rows.size(); ++i) {
    Expected e;
    e.record = rows[i][0];
    for (int c = 0; c < 6; ++c) e.column[c] = ParseCell(rows[i][1 + c]);
    e.iter = rows[i][7] == "NA" ? -1 : std::stoi(rows[i][7]);
    e.status = rows[i][8];
    out.push_back(e);
  }
  return out;
}

std::vector<std::string> FixtureNames() {
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(kFixtures)) {
    const std::string file = entry.path().filename().string();
    const std::string suffix = ".expected.csv";
    if (file.size() > suffix.size() && file.ends_with(suffix)) {
      names.push_back(file.substr(0, file.size() - suffix.size()));
    }
  }
  std::sort(names.begin(), names.end());
  return names;
}

// ---- Comparison ----
//
// Every column must agree with R to kRelTol relative: |ours - R| <= kRelTol * scale, where the
// scale is |R's value| for every column except where a value can be legitimately near 0:
//   * coef and z, which cross 0 when there is no association: their scale is
//     max(|value|, 1e-3 * se) (coef) and max(|z|, 1e-3): a coefficient a thousandth of its
//     standard error is "zero" to any reader, and its absolute error is bounded by the
//     conditioning of the fit, not by the size of the coefficient;
//   * p, which is not near 0 by cancellation but through the tail of the normal: p = erfc(|z|/√2)
//     moves by a factor (1 + z^2 * dz/z) for a relative change dz/z in z, so its relative error
//     is the z error amplified by z^2; its scale is |p| * max(1, z^2). A p below DBL_MIN
//     (2.2e-308: subnormal or 0, z beyond ~37.5) has no relative precision; R's and ours must
//     both be below DBL_MIN.
// NaN must match NaN and infinities must match in sign (R produces both in degenerate fits).
constexpr double kRelTol = 1e-9;
const char* const kColumns[6] = {"coef", "exp(coef)", "se(coef)", "robust se", "z", "Pr(>|z|)"};

double Value(const CoxResult& r, int c) {
  switch (c) {
    case 0:
      return r.coef;
    case 1:
      return r.hazard_ratio;
    case 2:
      return r.se;
    case 3:
      return r.robust_se;
    case 4:
      return r.z;
    default:
      return r.p;
  }
}

// Returns the scaled error (|a - b| / scale), 0 for matching NaN/Inf, and +inf for a mismatch
// in kind.
double ScaledError(int c, double ours, double r, const std::optional<double> (&row)[6]) {
  if (std::isnan(r) || std::isnan(ours)) {
    return std::isnan(r) && std::isnan(ours) ? 0 : HUGE_VAL;
  }
  if (std::isinf(r) || std::isinf(ours)) return ours == r ? 0 : HUGE_VAL;
  if (ours == r) return 0;
  double scale = std::fabs(r);
  if (c == 0) {
    const double se = row[2].value_or(0);
    if (std::isfinite(se)) scale = std::max(scale, 1e-3 * se);
  } else if (c == 4) {
    scale = std::max(scale, 1e-3);
  } else if (c == 5) {
    const double z = row[4].value_or(0);
    if (std::isfinite(z)) scale *= std::max(1.0, z * z);
    // Below DBL_MIN (subnormal, or underflowed to 0) there is no relative precision left:
    // both must be there.
    if (r < std::numeric_limits<double>::min()) {
      return ours < std::numeric_limits<double>::min() ? 0 : HUGE_VAL;
    }
  }
  return std::fabs(ours - r) / scale;
}

// ---- The seed's numbers ----

// The seed's Lambda unit test: 136 patients, both records the same predictor. The seed states
// hazard 1.0461031177542928 and pval 5.643821021250606e-05 (Pr(>|z|), the robust z's p).
TEST(CoxSeedTest, UnitTestNumbers) {
  Dataset d = ReadData("seed_unit");
  ASSERT_EQ(d.times.size(), 136u);
  auto dataset = CoxDataset::Create(d.times, d.events);
  ASSERT_TRUE(dataset.ok()) << dataset.status();
  ASSERT_EQ(d.records.size(), 2u);
  for (const auto& values : d.records) {
    auto r = dataset->Fit(values);
    ASSERT_TRUE(r.ok()) << r.status();
    ASSERT_EQ(r->state, CoxState::kEstimate);
    EXPECT_EQ(r->hazard_ratio, 1.0461031177542928);
    EXPECT_NEAR(r->p, 5.643821021250606e-05, 5.643821021250606e-05 * 1e-12);
    EXPECT_TRUE(r->converged);
  }
}

// The seed's TCGA breast cancer example: 480 patients, MKI67 and APOE.
TEST(CoxSeedTest, TcgaNumbers) {
  Dataset d = ReadData("seed_tcga");
  ASSERT_EQ(d.times.size(), 480u);
  ASSERT_EQ(d.record_names, (std::vector<std::string>{"MKI67", "APOE"}));
  auto dataset = CoxDataset::Create(d.times, d.events);
  ASSERT_TRUE(dataset.ok()) << dataset.status();
  const double want[2][2] = {{1.3926333898762577, 0.005922935208231839},
                             {0.957292958555334, 0.7976137866147548}};
  for (int i = 0; i < 2; ++i) {
    auto r = dataset->Fit(d.records[i]);
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->hazard_ratio, want[i][0]) << d.record_names[i];
    EXPECT_NEAR(r->p, want[i][1], want[i][1] * 1e-12) << d.record_names[i];
  }
}

// The seed's printed p-values come from survival 2.39-4's 1 - pchisq(z^2, 1): with
// legacy_pvalue every number the seed prints is reproduced to the last bit.
TEST(CoxSeedTest, LegacyPvalueReproducesEverySeedDigit) {
  CoxOptions legacy;
  legacy.legacy_pvalue = true;
  struct Want {
    const char* fixture;
    int record;
    double hazard, p;
  };
  for (const Want& want : {Want{"seed_unit", 0, 1.0461031177542928, 5.643821021250606e-05},
                           Want{"seed_unit", 1, 1.0461031177542928, 5.643821021250606e-05},
                           Want{"seed_tcga", 0, 1.3926333898762577, 0.005922935208231839},
                           Want{"seed_tcga", 1, 0.957292958555334, 0.7976137866147548}}) {
    Dataset d = ReadData(want.fixture);
    auto dataset = CoxDataset::Create(d.times, d.events, legacy);
    ASSERT_TRUE(dataset.ok()) << dataset.status();
    auto r = dataset->Fit(d.records[want.record]);
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->hazard_ratio, want.hazard) << want.fixture << " " << want.record;
    EXPECT_EQ(r->p, want.p) << want.fixture << " " << want.record;
  }
}

// ---- Agreement with R on every fixture ----

TEST(CoxFixtureTest, AgreesWithR) {
  const auto names = FixtureNames();
  ASSERT_GE(names.size(), 20u);
  double max_error[6] = {0, 0, 0, 0, 0, 0};
  std::string worst[6];
  int records = 0;
  int no_estimate = 0;
  CoxWorkspace workspace;
  for (const auto& name : names) {
    SCOPED_TRACE(name);
    Dataset d = ReadData(name);
    auto expected = ReadExpected(name);
    ASSERT_EQ(expected.size(), d.records.size());
    auto dataset = CoxDataset::Create(d.times, d.events);
    ASSERT_TRUE(dataset.ok()) << dataset.status();
    for (size_t i = 0; i < expected.size(); ++i) {
      const Expected& e = expected[i];
      SCOPED_TRACE(e.record);
      ASSERT_EQ(e.record, d.record_names[i]);
      ASSERT_NE(e.status, "error") << "R failed on this record; no fixture should";
      auto r = dataset->Fit(d.records[i], workspace);
      ASSERT_TRUE(r.ok()) << r.status();
      ++records;
      EXPECT_EQ(r->iterations, e.iter);
      if (e.status == "no_estimate") {
        ++no_estimate;
        EXPECT_EQ(r->state, CoxState::kNoEstimate);
        continue;
      }
      ASSERT_EQ(e.status, "ok");
      ASSERT_EQ(r->state, CoxState::kEstimate);
      for (int c = 0; c < 6; ++c) {
        ASSERT_TRUE(e.column[c].has_value());
        const double err = ScaledError(c, Value(*r, c), *e.column[c], e.column);
        EXPECT_LE(err, kRelTol) << kColumns[c] << ": ours "
                                << absl::StrFormat("%.17g", Value(*r, c)) << " R "
                                << absl::StrFormat("%.17g", *e.column[c]);
        if (err > max_error[c]) {
          max_error[c] = err;
          worst[c] = absl::StrCat(name, "/", e.record);
        }
      }
    }
  }
  std::printf("%d records in %zu fixtures (%d no-estimate); max scaled error vs R:\n", records,
              names.size(), no_estimate);
  for (int c = 0; c < 6; ++c) {
    std::printf("  %-10s %.3g  (%s)\n", kColumns[c], max_error[c], worst[c].c_str());
  }
}

// The O(n) residual recurrence (used above CoxOptions::exact_residual_budget) agrees with the
// exact R-order residuals (to 1e-9; ~1e-10 on extreme_hr, whose x + 1e6 predictor costs R's
// raw-value differences six digits, while the recurrence works on centred values).
TEST(CoxFixtureTest, LinearResidualsAgreeWithExact) {
  CoxOptions exact;
  exact.exact_residual_budget = std::numeric_limits<std::int64_t>::max();
  CoxOptions linear;
  linear.exact_residual_budget = 0;
  double max_rel = 0;
  for (const char* name : {"seed_tcga", "tcga_synthetic", "ties_heavy", "ties_extreme",
                           "censor_heavy", "censor_none", "large_n5000", "extreme_hr"}) {
    SCOPED_TRACE(name);
    Dataset d = ReadData(name);
    auto de = CoxDataset::Create(d.times, d.events, exact);
    auto dl = CoxDataset::Create(d.times, d.events, linear);
    ASSERT_TRUE(de.ok() && dl.ok());
    for (const auto& values : d.records) {
      auto re = de->Fit(values);
      auto rl = dl->Fit(values);
      ASSERT_TRUE(re.ok() && rl.ok());
      EXPECT_EQ(re->coef, rl->coef);
      const double rel = std::fabs(re->robust_se - rl->robust_se) / re->robust_se;
      EXPECT_LE(rel, kRelTol);
      max_rel = std::max(max_rel, rel);
    }
  }
  std::printf("linear vs exact residuals: max relative difference in robust se %.3g\n", max_rel);
}

// ---- Behaviour that needs no R ----

TEST(CoxDatasetTest, RejectsBadInput) {
  const std::vector<double> t = {1, 2, 3};
  EXPECT_FALSE(CoxDataset::Create(t, std::vector<int>{1, 0}).ok());
  EXPECT_FALSE(CoxDataset::Create(std::vector<double>{1}, std::vector<int>{1}).ok());
  EXPECT_FALSE(CoxDataset::Create(std::vector<double>{}, std::vector<int>{}).ok());
  EXPECT_FALSE(CoxDataset::Create(t, std::vector<int>{1, 2, 0}).ok());
  EXPECT_FALSE(CoxDataset::Create(t, std::vector<int>{1, -1, 0}).ok());
  EXPECT_FALSE(
      CoxDataset::Create(std::vector<double>{1, std::nan(""), 3}, std::vector<int>{1, 0, 1}).ok());
  EXPECT_FALSE(
      CoxDataset::Create(std::vector<double>{1, HUGE_VAL, 3}, std::vector<int>{1, 0, 1}).ok());

  auto d = CoxDataset::Create(t, std::vector<int>{1, 1, 0});
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->event_count(), 2);
  EXPECT_FALSE(d->Fit(std::vector<double>{1, 2}).ok());
  EXPECT_FALSE(d->Fit(std::vector<double>{1, 2, 3, 4}).ok());
  EXPECT_FALSE(d->Fit(std::vector<double>{1, std::nan(""), 3}).ok());
  EXPECT_FALSE(d->Fit(std::vector<double>{1, -HUGE_VAL, 3}).ok());
  EXPECT_TRUE(d->Fit(std::vector<double>{1, 3, 2}).ok());
}

TEST(CoxDatasetTest, NoEstimateCases) {
  const std::vector<double> t = {5, 1, 4, 2, 3, 6};
  auto d = CoxDataset::Create(t, std::vector<int>{1, 0, 1, 1, 0, 0});
  ASSERT_TRUE(d.ok());
  auto constant = d->Fit(std::vector<double>(6, 2.5));
  ASSERT_TRUE(constant.ok());
  EXPECT_EQ(constant->state, CoxState::kNoEstimate);

  auto no_events = CoxDataset::Create(t, std::vector<int>(6, 0));
  ASSERT_TRUE(no_events.ok());
  auto r = no_events->Fit(std::vector<double>{1, 2, 3, 4, 5, 6});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->state, CoxState::kNoEstimate);
  EXPECT_EQ(r->iterations, 0);
}

// The subjects' order is the caller's business: any permutation gives the same fit.
TEST(CoxDatasetTest, InvariantToSubjectOrder) {
  std::mt19937_64 rng(7);
  std::normal_distribution<double> normal;
  std::exponential_distribution<double> expo(1.0);
  const int n = 300;
  std::vector<double> t(n);
  std::vector<int> e(n);
  std::vector<double> x(n);
  for (int i = 0; i < n; ++i) {
    t[i] = std::round(expo(rng) * 10);  // ties
    e[i] = (i % 3) != 0;
    x[i] = normal(rng);
  }
  auto d = CoxDataset::Create(t, e);
  ASSERT_TRUE(d.ok());
  auto base = d->Fit(x);
  ASSERT_TRUE(base.ok());

  std::vector<int> perm(n);
  std::iota(perm.begin(), perm.end(), 0);
  std::shuffle(perm.begin(), perm.end(), rng);
  std::vector<double> t2(n), x2(n);
  std::vector<int> e2(n);
  for (int i = 0; i < n; ++i) {
    t2[i] = t[perm[i]];
    e2[i] = e[perm[i]];
    x2[i] = x[perm[i]];
  }
  auto d2 = CoxDataset::Create(t2, e2);
  ASSERT_TRUE(d2.ok());
  auto shuffled = d2->Fit(x2);
  ASSERT_TRUE(shuffled.ok());
  EXPECT_NEAR(shuffled->coef, base->coef, 1e-12 * std::fabs(base->coef));
  EXPECT_NEAR(shuffled->robust_se, base->robust_se, 1e-12 * base->robust_se);
  EXPECT_NEAR(shuffled->p, base->p, 1e-11 * base->p);
}

// A workspace reused across records of different sizes gives the same answers as a fresh one.
TEST(CoxDatasetTest, WorkspaceReuse) {
  Dataset big = ReadData("seed_tcga");
  Dataset small = ReadData("seed_unit");
  auto dbig = CoxDataset::Create(big.times, big.events);
  auto dsmall = CoxDataset::Create(small.times, small.events);
  ASSERT_TRUE(dbig.ok() && dsmall.ok());
  CoxWorkspace ws;
  auto a = dsmall->Fit(small.records[0], ws);
  auto b = dbig->Fit(big.records[0], ws);
  auto c = dsmall->Fit(small.records[0], ws);
  auto b_fresh = dbig->Fit(big.records[0]);
  ASSERT_TRUE(a.ok() && b.ok() && c.ok() && b_fresh.ok());
  EXPECT_EQ(a->p, c->p);
  EXPECT_EQ(b->p, b_fresh->p);
  EXPECT_EQ(b->coef, b_fresh->coef);
}

}  // namespace
}  // namespace serval::survival
