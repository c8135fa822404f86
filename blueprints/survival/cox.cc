#include "blueprints/survival/cox.h"

// How R's survival package fits this model, and how this file follows it.
//
// coxph() (R/coxph.R) first applies the timefix rule (aeqSurv): distinct times closer than
// sqrt(machine eps), absolutely or relative to the mean |time|, are treated as one time. It then
// calls coxph.fit(), which orders subjects by time (a stable order) and hands them to the C
// routine coxfit6. A predictor whose values all lie in {-1, 0, 1} is left alone; any other is
// centred on its mean and multiplied by n / sum|x - mean| so that the iterations run on a scale
// near 1. The answers are mapped back at the end. (Newton-Raphson and step-halving are
// invariant under this affine change, so it only affects rounding; we do the same to round the
// same way.)
//
// coxfit6 walks subjects from the latest time to the earliest, so that the risk-set sums
// (denominator, weighted first and second moments of x) only ever grow. At a time with d deaths,
// Efron's approximation adds the deaths' contribution in d equal slices: the k-th slice sees the
// censored and later subjects in full and (d-k)/d of the tied deaths, contributing a log-term,
// a mean and a variance term each. One pass yields the log partial likelihood, its derivative u
// (the score) and the information imat.
//
// The iteration: evaluate at beta = 0 and take the Newton step u/imat. At each new point, if the
// log-likelihood is finite and |1 - best/new| <= eps it has converged (and the point just
// evaluated is the answer). If it is not finite or worse than the best so far, the step is
// halved back towards the last good point, more aggressively each time ((new + h*old)/(h+1)
// after h failures). Otherwise the point is accepted and a Newton step taken from it. After
// iter.max evaluations without convergence, R returns the last accepted point, with the
// iteration count one past the limit. A 1x1 "Cholesky" is just the check that the information is
// finite and positive (above toler_chol of itself); if it is not, R's step is 0, its variance 0,
// and coxph.fit reports the coefficient as NA ("X matrix deemed to be singular").
//
// The robust variance (coxph with cluster(), one subject per cluster): R computes dfbeta
// residuals, the score residuals of each subject (C routine coxscore2, Efron form) times the
// model-based variance, and the robust variance is their sum of squares. A subject's score
// residual is its own x minus the risk-weighted mean at its event time (if it died), minus, over
// every event time at which it was at risk, its risk score times the hazard increment times
// (x - the mean at that time); tied deaths again enter in Efron's slices, the dying subject
// itself carrying (1 - k/d) of each slice. coxscore2 does this with a loop over the risk set for
// every event time, O(n x event times), on the raw (uncentred) values. We run that same loop, in
// R's order, while its cost is moderate (CoxOptions::exact_residual_budget; the seed's workload
// is far below it): the robust se is the one column whose rounding depends on the order of
// operations enough to show at 1e-9 (near-separated fits, predictors with tiny spread). Above
// the budget we get the same sums in linear time: with
// cumulative sums over event times of the hazard increments H and of the hazard-weighted means
// HM, the censoring part of subject i's residual is -score_i * (x_i * H - HM). Values are centred
// first so that x_i * H and HM do not cancel.
//
// Finally summary.coxph: z = coef / robust se and Pr(>|z|) = pchisq(z^2, 1, lower = FALSE),
// which is erfc(|z| / sqrt 2) and stays accurate far into the tail (CoxOptions::legacy_pvalue
// gives survival 2.39-4's 1 - pchisq(z^2, 1) instead, for the seed's printed digits).

#include <algorithm>
#include <cmath>
#include <numeric>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace serval::survival {
namespace {

// R's mean(): a long double sum, then one refinement pass (src/main/summary.c).
double RMean(absl::Span<const double> v) {
  long double s = 0;
  for (double x : v) s += x;
  s /= v.size();
  if (std::isfinite(static_cast<double>(s))) {
    long double t = 0;
    for (double x : v) t += x - s;
    s += t / v.size();
  }
  return static_cast<double>(s);
}

// R's aeqSurv(): returns times with near-equal values replaced by the smallest of their run.
std::vector<double> TimeFix(absl::Span<const double> times, double tolerance) {
  std::vector<double> result(times.begin(), times.end());
  if (tolerance <= 0) return result;
  std::vector<double> y(times.begin(), times.end());
  std::sort(y.begin(), y.end());
  y.erase(std::unique(y.begin(), y.end()), y.end());
  if (y.size() < 2) return result;
  std::vector<double> abs_y(y.size());
  for (size_t i = 0; i < y.size(); ++i) abs_y[i] = std::fabs(y[i]);
  const double mean_abs = RMean(abs_y);
  std::vector<double> cuts = {y[0]};
  bool any_tied = false;
  for (size_t i = 0; i + 1 < y.size(); ++i) {
    const double dy = y[i + 1] - y[i];
    const bool tied = dy <= tolerance || dy / mean_abs <= tolerance;
    if (tied) {
      any_tied = true;
    } else {
      cuts.push_back(y[i + 1]);
    }
  }
  if (!any_tied) return result;
  for (double& t : result) {
    // findInterval: the last cut <= t.
    auto it = std::upper_bound(cuts.begin(), cuts.end(), t);
    t = *(it - 1);
  }
  return result;
}

// cholesky2() for a 1x1 matrix: returns the rank (0 or 1); zeroes an unusable pivot. Like R, a
// non-positive or NaN value makes it return early and leaves the value as it is.
int Cholesky1(double& m, double toler) {
  double eps = 0;
  if (m > eps) eps = m;
  if (eps == 0) return 0;
  eps *= toler;
  const double pivot = m;
  if (std::isnan(pivot) || std::isinf(pivot) || pivot < eps) {
    m = 0;
    return 0;
  }
  return 1;
}

// chsolve2() for 1x1.
double Solve1(double m, double y) { return m == 0 ? 0 : y / m; }

// chinv2() for 1x1: inverts a positive value, leaves anything else as it is.
double Invert1(double m) { return m > 0 ? 1 / m : m; }

bool IsNoCenterValue(double v) { return v == -1 || v == 0 || v == 1; }

}  // namespace

void CoxWorkspace::Reserve(int n, int groups) {
  if (static_cast<int>(x_.size()) < n) {
    x_.resize(n);
    xc_.resize(n);
    score_.resize(n);
  }
  if (static_cast<int>(risk_sums_.size()) < std::max(2 * groups, n)) {
    risk_sums_.resize(std::max(2 * groups, n));
  }
  if (static_cast<int>(resid_.size()) < n) resid_.resize(n);
}

absl::StatusOr<CoxDataset> CoxDataset::Create(absl::Span<const double> times,
                                              absl::Span<const int> events,
                                              const CoxOptions& options) {
  if (times.size() != events.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("times has ", times.size(), " entries but events has ", events.size()));
  }
  if (times.size() < 2) {
    return absl::InvalidArgumentError(
        absl::StrCat("a Cox model needs at least 2 subjects, got ", times.size()));
  }
  if (times.size() > static_cast<size_t>(1) << 30) {
    return absl::InvalidArgumentError("too many subjects");
  }
  for (size_t i = 0; i < times.size(); ++i) {
    if (!std::isfinite(times[i])) {
      return absl::InvalidArgumentError(absl::StrCat("times[", i, "] is not a finite number"));
    }
    if (events[i] != 0 && events[i] != 1) {
      return absl::InvalidArgumentError(
          absl::StrCat("events[", i, "] is ", events[i], "; events must be 0 or 1"));
    }
  }
  if (!(options.max_iterations >= 0) || !(options.eps > 0)) {
    return absl::InvalidArgumentError("invalid CoxOptions");
  }

  CoxDataset d;
  d.options_ = options;
  const int n = static_cast<int>(times.size());
  const std::vector<double> t = TimeFix(times, options.timefix_tolerance);
  d.order_.resize(n);
  std::iota(d.order_.begin(), d.order_.end(), 0);
  // R's order(time) is stable; coxfit6's sums within a tie then run in the same order as ours.
  std::stable_sort(d.order_.begin(), d.order_.end(), [&t](int a, int b) { return t[a] < t[b]; });
  d.status_.resize(n);
  for (int i = 0; i < n; ++i) {
    d.status_[i] = static_cast<std::uint8_t>(events[d.order_[i]]);
    d.event_count_ += d.status_[i];
  }
  for (int begin = 0; begin < n;) {
    int end = begin;
    int deaths = 0;
    while (end < n && t[d.order_[end]] == t[d.order_[begin]]) deaths += d.status_[end++];
    d.groups_.push_back({begin, end, deaths});
    if (deaths > 0) ++d.event_groups_;
    for (int p = begin; p < end; ++p) {
      if (d.status_[p]) d.residual_order_.push_back(p);
    }
    for (int p = begin; p < end; ++p) {
      if (!d.status_[p]) d.residual_order_.push_back(p);
    }
    begin = end;
  }
  return d;
}

double CoxDataset::Iterate(const double* x, double beta, double& u_out, double& imat_out) const {
  const std::uint8_t* status = status_.data();
  const bool at_zero = beta == 0;  // the first evaluation: skip n calls to exp
  double loglik = 0;
  double u = 0;
  double imat = 0;
  // Risk-set sums over everybody with a later time (or censored at this one).
  double denom = 0;
  double a = 0;
  double cmat = 0;
  for (auto g = groups_.rbegin(); g != groups_.rend(); ++g) {
    double denom2 = 0;  // the same sums over the deaths at this time
    double a2 = 0;
    double cmat2 = 0;
    for (int p = g->end - 1; p >= g->begin; --p) {
      const double zbeta = beta * x[p];
      const double risk = at_zero ? 1.0 : std::exp(zbeta);  // exp(+-0) is exactly 1
      if (status[p] == 0) {
        denom += risk;
        a += risk * x[p];
        cmat += risk * x[p] * x[p];
      } else {
        denom2 += risk;
        loglik += zbeta;
        u += x[p];
        a2 += risk * x[p];
        cmat2 += risk * x[p] * x[p];
      }
    }
    const int ndead = g->deaths;
    if (ndead == 0) continue;
    const double deadwt = ndead;
    if (ndead == 1) {
      denom += denom2;
      loglik -= deadwt * std::log(denom);
      a += a2;
      const double mean = a / denom;
      u -= deadwt * mean;
      cmat += cmat2;
      imat += deadwt * (cmat - mean * a) / denom;
    } else {
      // Efron: the deaths enter the sums in ndead equal slices.
      const double wtave = deadwt / ndead;
      for (int k = 0; k < ndead; ++k) {
        denom += denom2 / ndead;
        loglik -= wtave * std::log(denom);
        a += a2 / ndead;
        const double mean = a / denom;
        u -= wtave * mean;
        cmat += cmat2 / ndead;
        imat += wtave * (cmat - mean * a) / denom;
      }
    }
  }
  u_out = u;
  imat_out = imat;
  return loglik;
}

double CoxDataset::SumSquaredDfbeta(const double* xc, const double* score, double var,
                                    double* risk_sums) const {
  const size_t ngroups = groups_.size();
  const std::uint8_t* status = status_.data();
  // Backward pass: the risk-set sums (score, score * x) at each time. The forward pass below
  // needs them in ascending time, when the sums would otherwise have to be recovered by
  // subtraction (and lose precision), hence the stored copy.
  {
    double denom = 0;
    double a = 0;
    for (size_t gi = ngroups; gi-- > 0;) {
      const TieGroup& g = groups_[gi];
      for (int p = g.end - 1; p >= g.begin; --p) {
        denom += score[p];
        a += score[p] * xc[p];
      }
      risk_sums[2 * gi] = denom;
      risk_sums[2 * gi + 1] = a;
    }
  }
  double cum_h = 0;   // sum over earlier event times of the hazard increments
  double cum_hm = 0;  // ... of hazard increment * risk-set mean of x
  double sum_sq = 0;
  for (size_t gi = 0; gi < ngroups; ++gi) {
    const TieGroup& g = groups_[gi];
    double h = 0;         // this group's hazard increments, summed over Efron slices
    double hm = 0;        // ... times the slice means
    double hw = 0;        // the dying subjects' share: sum of h_k * (1 - k/d)
    double hwm = 0;       // ... times the slice means
    double mean_avg = 0;  // average of the slice means (each death gets x - mean_k, 1/d each)
    if (g.deaths > 0) {
      const double denom = risk_sums[2 * gi];
      const double a = risk_sums[2 * gi + 1];
      const int d = g.deaths;
      if (d == 1) {
        const double hazard = 1 / denom;
        const double mean = a / denom;
        h = hazard;
        hm = hazard * mean;
        hw = h;
        hwm = hm;
        mean_avg = mean;
      } else {
        double e_denom = 0;
        double a2 = 0;
        for (int p = g.begin; p < g.end; ++p) {
          if (status[p]) {
            e_denom += score[p];
            a2 += score[p] * xc[p];
          }
        }
        const double dd_total = d;
        for (int k = 0; k < d; ++k) {
          const double downwt = k / dd_total;
          const double temp = denom - downwt * e_denom;
          const double hazard = 1 / temp;
          const double mean = (a - downwt * a2) / temp;
          h += hazard;
          hm += hazard * mean;
          hw += hazard * (1 - downwt);
          hwm += hazard * (1 - downwt) * mean;
          mean_avg += mean;
        }
        mean_avg /= dd_total;
      }
    }
    const double next_h = cum_h + h;
    const double next_hm = cum_hm + hm;
    for (int p = g.begin; p < g.end; ++p) {
      double r;
      if (status[p]) {
        r = (xc[p] - mean_avg) - score[p] * (xc[p] * hw - hwm) -
            score[p] * (xc[p] * cum_h - cum_hm);
      } else {
        r = -score[p] * (xc[p] * next_h - next_hm);
      }
      const double dfbeta = r * var;
      sum_sq += dfbeta * dfbeta;
    }
    cum_h = next_h;
    cum_hm = next_hm;
  }
  return sum_sq;
}

double CoxDataset::SumSquaredDfbetaExact(const double* raw, const double* score, double var,
                                         double* x_r, double* score_r, double* resid) const {
  const int n = size();
  for (int j = 0; j < n; ++j) {
    x_r[j] = raw[residual_order_[j]];
    score_r[j] = score[residual_order_[j]];
    resid[j] = 0;
  }
  // Walk groups from the latest time; within a group the deaths occupy the first `deaths`
  // positions (residual order), so a subject k >= begin is one of this time's deaths iff
  // k < begin + deaths.
  double denom = 0;
  double a = 0;
  for (auto g = groups_.rbegin(); g != groups_.rend(); ++g) {
    double e_denom = 0;
    double a2 = 0;
    double deaths = 0;
    double meanwt = 0;
    for (int i = g->end - 1; i >= g->begin; --i) {
      const double risk = score_r[i];
      denom += risk;
      if (i < g->begin + g->deaths) {
        deaths++;
        e_denom += risk;
        meanwt += 1;
        a2 += risk * x_r[i];
      }
      a += risk * x_r[i];
    }
    if (deaths == 0) continue;
    const int i = g->begin;
    const int dead_end = g->begin + g->deaths;
    if (deaths < 2) {
      const double hazard = meanwt / denom;
      const double mean = a / denom;
      for (int k = i; k < n; ++k) {
        const double temp2 = x_r[k] - mean;
        if (k < dead_end) resid[k] += temp2;
        resid[k] -= temp2 * score_r[k] * hazard;
      }
    } else {
      meanwt /= deaths;
      for (int dd = 0; dd < deaths; ++dd) {
        const double downwt = dd / deaths;
        const double temp = denom - downwt * e_denom;
        const double hazard = meanwt / temp;
        const double mean = (a - downwt * a2) / temp;
        for (int k = i; k < n; ++k) {
          const double temp2 = x_r[k] - mean;
          if (k < dead_end) {
            resid[k] += temp2 / deaths;
            resid[k] -= temp2 * score_r[k] * hazard * (1 - downwt);
          } else {
            resid[k] -= temp2 * score_r[k] * hazard;
          }
        }
      }
    }
  }
  double sum_sq = 0;
  for (int k = 0; k < n; ++k) {
    const double dfbeta = resid[k] * var;
    sum_sq += dfbeta * dfbeta;
  }
  return sum_sq;
}

absl::StatusOr<CoxResult> CoxDataset::Fit(absl::Span<const double> values) const {
  CoxWorkspace workspace;
  return Fit(values, workspace);
}

absl::StatusOr<CoxResult> CoxDataset::Fit(absl::Span<const double> values,
                                          CoxWorkspace& workspace) const {
  const int n = size();
  if (static_cast<int>(values.size()) != n) {
    return absl::InvalidArgumentError(
        absl::StrCat("a record has ", values.size(), " values for ", n, " subjects"));
  }
  workspace.Reserve(n, static_cast<int>(groups_.size()));
  double* raw = workspace.xc_.data();  // raw values in time order; centred later
  double* x = workspace.x_.data();
  double* score = workspace.score_.data();
  bool nocenter = true;
  for (int i = 0; i < n; ++i) {
    const double v = values[order_[i]];
    if (!std::isfinite(v)) {
      return absl::InvalidArgumentError(
          absl::StrCat("value ", order_[i], " of a record is not a finite number"));
    }
    raw[i] = v;
    nocenter = nocenter && IsNoCenterValue(v);
  }

  CoxResult result;
  if (event_count_ == 0) {
    // coxph() returns before fitting: every coefficient NA, iter 0.
    result.state = CoxState::kNoEstimate;
    return result;
  }

  // Centre and scale as coxfit6 does (weights are all 1).
  double mean = 0;
  double scale = 1;
  if (nocenter) {
    std::copy(raw, raw + n, x);
  } else {
    const double total_weight = n;
    double sum = 0;
    for (int i = 0; i < n; ++i) sum += raw[i];
    mean = sum / total_weight;
    double abs_sum = 0;
    for (int i = 0; i < n; ++i) {
      x[i] = raw[i] - mean;
      abs_sum += std::fabs(x[i]);
    }
    scale = abs_sum > 0 ? total_weight / abs_sum : 1.0;
    for (int i = 0; i < n; ++i) x[i] *= scale;
  }

  const CoxOptions& o = options_;
  const int max_iter = o.max_iterations;
  double beta = 0;  // on the scaled axis
  double u = 0;
  double imat = 0;
  const double loglik0 = Iterate(x, beta, u, imat);
  int flag = Cholesky1(imat, o.toler_chol);
  double var_scaled = 0;  // inverse information on the scaled axis
  int iter = 0;
  bool done = false;
  if (max_iter == 0 || !std::isfinite(loglik0)) {
    var_scaled = Invert1(imat);
    done = true;
  }
  double best = loglik0;
  double newbeta = beta + Solve1(imat, u);
  double halving = 0;
  if (!done) {
    for (iter = 1; iter <= max_iter; ++iter) {
      const double newlk = Iterate(x, newbeta, u, imat);
      flag = Cholesky1(imat, o.toler_chol);
      const bool notfinite = !std::isfinite(u) || !std::isfinite(imat) || !std::isfinite(newlk);
      if (!notfinite && std::fabs(1 - (best / newlk)) <= o.eps) {
        beta = newbeta;
        var_scaled = Invert1(imat);
        if (halving != 0) flag = -2;
        done = true;
        break;
      }
      if (notfinite || newlk < best) {
        halving += 1;
        newbeta = (newbeta + halving * beta) / (halving + 1.0);
      } else {
        halving = 0;
        best = newlk;
        const double step = Solve1(imat, u);
        beta = newbeta;
        newbeta = newbeta + step;
      }
    }
    if (!done) {
      // Out of iterations: R reports the last accepted point (re-evaluated when iter.max > 1,
      // and then inverted without a fresh Cholesky check).
      if (max_iter > 1) Iterate(x, beta, u, imat);
      var_scaled = Invert1(imat);
      flag = 1000;
    }
  }
  const double coef = beta * scale;
  u /= scale;
  const double var = var_scaled * scale * scale;
  result.iterations = iter;
  result.converged = flag != 1000;

  // coxph.fit: a rank-deficient fit with zero variance is an NA coefficient.
  if (flag < 1 && var == 0) {
    result.state = CoxState::kNoEstimate;
    return result;
  }

  // Linear predictors as coxph.fit forms them: x %*% coef + offset - sum(coef * means).
  double max_lp = -HUGE_VAL;
  for (int i = 0; i < n; ++i) {
    const double lp = raw[i] * coef - coef * mean;
    max_lp = std::max(max_lp, lp);
    score[i] = std::exp(lp);
  }
  const double infs = std::fabs(u * var);
  if (max_iter > 1) {
    if (flag == 1000) {
      result.possibly_infinite = max_lp > 500 || !std::isfinite(infs);
    } else {
      result.possibly_infinite =
          !std::isfinite(u) || (infs > o.eps && infs > o.toler_inf * std::fabs(coef));
    }
  }

  // dfbeta = score residual * var; the robust variance is the sum of their squares.
  double robust_var;
  if (static_cast<std::int64_t>(n) * event_groups_ <= o.exact_residual_budget) {
    robust_var = SumSquaredDfbetaExact(raw, score, var, x, workspace.risk_sums_.data(),
                                       workspace.resid_.data());
  } else {
    // Score residuals are invariant to shifting x; centre to avoid cancellation.
    for (int i = 0; i < n; ++i) raw[i] -= mean;
    robust_var = SumSquaredDfbeta(raw, score, var, workspace.risk_sums_.data());
  }

  result.state = CoxState::kEstimate;
  result.coef = coef;
  result.hazard_ratio = std::exp(coef);
  result.se = std::sqrt(var);
  result.robust_se = std::sqrt(robust_var);
  result.z = coef / result.robust_se;
  const double abs_z_scaled = std::fabs(result.z) * M_SQRT1_2;
  if (!options_.legacy_pvalue) {
    result.p = std::erfc(abs_z_scaled);
  } else if (result.z * result.z / 2 < 1) {
    // R's pgamma(x/2, 0.5) sums the lower tail directly below x/2 = 1...
    result.p = 1.0 - std::erf(abs_z_scaled);
  } else {
    // ...and above it takes 1 - its upper tail, so 1 - pchisq() is 1 - (1 - upper).
    result.p = 1.0 - (1.0 - std::erfc(abs_z_scaled));
  }
  return result;
}

}  // namespace serval::survival
