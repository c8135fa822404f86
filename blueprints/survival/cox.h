#pragma once

// Cox proportional hazards, one predictor at a time, reproducing R's
//
//   summary(coxph(Surv(times, events) ~ values + cluster(1:n)))$coefficients
//
// (survival 3.5-3, the call the seed's Lambda handler makes for every gene): coef, exp(coef),
// se(coef), robust se, z and Pr(>|z|). Ties are handled by Efron's method; the fit is
// Newton-Raphson from 0 with R's coxph.control() rule (eps 1e-9 on the relative change of the
// partial log-likelihood, at most 20 iterations, step-halving when the likelihood gets worse);
// the robust variance is R's sandwich from dfbeta residuals with every subject its own cluster.
//
// The cost of a dataset (times and events) is paid once: CoxDataset sorts by time, merges
// near-equal times the way R does (aeqSurv) and records the tie structure; each record (gene)
// then costs O(n) per Newton iteration with no allocation beyond a reusable CoxWorkspace.
//
// What is an error and what is "no estimate":
//   * Errors (absl::InvalidArgumentError), where R either fails or the seed's contract rejects
//     the input: fewer than 2 subjects (R's coxph fails for n = 1), times and events of different
//     lengths, a time that is NaN or infinite, an event other than 0 or 1, a record whose length
//     differs from the number of subjects, or a value that is NaN or infinite (R drops NA rows
//     and stops on infinite predictors; the seed's contract calls both bad input).
//   * No estimate (CoxState::kNoEstimate), where R's coefficient is NA and the seed's handler
//     gets NA for hazard and p: no events at all (every record), or a predictor that carries no
//     information (constant, or so nearly constant that the information is below R's Cholesky
//     tolerance).
//   * Estimates that contain NaN or infinity, exactly where R has them: e.g. a single event at
//     the largest time (the log-likelihood is 0 for every coefficient, R runs out of iterations
//     with coef 0 and robust se 0, so z and p are NaN), or predictors near 1e300 whose scores
//     overflow. Callers that emit JSON must map non-finite numbers themselves (R's NaN is not
//     JSON).

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"

namespace serval::survival {

// R's coxph.control() defaults.
struct CoxOptions {
  double eps = 1e-9;        // convergence: |1 - loglik_best / loglik_new| <= eps
  int max_iterations = 20;  // iter.max
  // Cholesky singularity tolerance: .Machine$double.eps^0.75.
  double toler_chol = 1.8189894035458617e-12;
  // Threshold of R's "coefficient may be infinite" warning (sqrt(eps)).
  double toler_inf = 3.1622776601683795e-05;
  // R's timefix: times closer than this (absolutely, or relative to the mean |time|) are ties.
  // sqrt(.Machine$double.eps). Zero or less disables merging.
  double timefix_tolerance = 1.4901161193847656e-08;
  // The robust variance needs every subject's score residual. R computes them (coxscore2) with
  // a pass over the risk set for every distinct event time, O(n x event times), on the raw
  // values. We do exactly that, in R's order and so with R's rounding, while n x event times is
  // at most this budget (the seed's 480 patients with 26 event times: 12,480); above it, an
  // O(n) recurrence on centred values gives the same residuals up to rounding, and is more
  // accurate than R where R's raw-value differences cancel (values like 1e6 + small).
  std::int64_t exact_residual_budget = std::int64_t{1} << 22;
  // How Pr(>|z|) is computed. Today's R (summary.coxph since survival 2.4x) uses
  // pchisq(z^2, 1, lower.tail = FALSE), accurate far into the tail; survival 2.39-4, which the
  // seed post ran, used 1 - pchisq(z^2, 1), whose subtraction rounds p to a multiple of 2^-53
  // (so p below ~1e-16 becomes 0). The legacy formula reproduces the seed's printed p-values to
  // the last digit; it is off by up to ~1e-16 absolute, so it is not the default.
  bool legacy_pvalue = false;
};

enum class CoxState {
  kEstimate,    // every column below is set (some may be NaN or infinite, as in R)
  kNoEstimate,  // R's coefficient is NA: no events, or the predictor is singular
};

// One row of R's summary(coxph(...))$coefficients, plus fit diagnostics.
struct CoxResult {
  CoxState state = CoxState::kNoEstimate;
  double coef = 0;          // log hazard ratio
  double hazard_ratio = 0;  // exp(coef); what the seed calls "hazard"
  double se = 0;            // se(coef): sqrt of the inverse information
  double robust_se = 0;     // sandwich standard error from dfbeta residuals
  double z = 0;             // coef / robust_se
  double p = 0;             // Pr(>|z|), two-sided normal; what the seed calls "pval"
  int iterations = 0;       // R's fit$iter (max_iterations + 1 when it did not converge)
  bool converged = false;   // false where R warns "Ran out of iterations and did not converge"
  // R's other warning: "Loglik converged before variable 1; coefficient may be infinite".
  bool possibly_infinite = false;
};

// Scratch memory for fitting records of one size. Reusing one per thread makes Fit allocation
// free after the first record.
// Thread-compatible: one workspace must not be used by two Fit calls at the same time.
class CoxWorkspace {
 public:
  CoxWorkspace() = default;

 private:
  friend class CoxDataset;
  void Reserve(int n, int groups);
  std::vector<double> x_;      // record values in time order (raw, then centred and scaled)
  std::vector<double> xc_;     // centred, unscaled values (for the residuals)
  std::vector<double> score_;  // exp(linear predictor) at the final coefficient
  // Per tie group, risk-set sums of scores and of score * x (linear residuals); or scores in
  // residual order (exact residuals). Max(2 x groups, n) doubles.
  std::vector<double> risk_sums_;
  std::vector<double> resid_;  // score residuals in R's residual order
};

// Times and events of one cohort, sorted and grouped once; Fit() then fits any number of
// records (genes) against them.
// Thread-safe: immutable after Create(); concurrent Fit() calls need separate workspaces.
class CoxDataset {
 public:
  static absl::StatusOr<CoxDataset> Create(absl::Span<const double> times,
                                           absl::Span<const int> events,
                                           const CoxOptions& options = {});

  int size() const { return static_cast<int>(order_.size()); }
  int event_count() const { return event_count_; }
  const CoxOptions& options() const { return options_; }

  // Fits values (one per subject, in the order of the times given to Create). Errors only for
  // a wrong length or a non-finite value; R's NA cases come back as CoxState::kNoEstimate.
  absl::StatusOr<CoxResult> Fit(absl::Span<const double> values, CoxWorkspace& workspace) const;

  // Convenience form with a temporary workspace.
  absl::StatusOr<CoxResult> Fit(absl::Span<const double> values) const;

 private:
  // A run of equal (after timefix) times in sorted order, [begin, end), with its deaths.
  struct TieGroup {
    int begin;
    int end;
    int deaths;
  };

  CoxDataset() = default;

  // One pass of R's coxfit6_iter for a single covariate: the partial log-likelihood at beta and,
  // through u and imat, its first derivative and the information (minus the second derivative).
  double Iterate(const double* x, double beta, double& u, double& imat) const;

  // The robust variance: sum over subjects of (score residual * var)^2, the residuals being
  // R's coxscore2 (Efron) computed in O(n). risk_sums has room for 2 doubles per tie group.
  double SumSquaredDfbeta(const double* xc, const double* score, double var,
                          double* risk_sums) const;

  // The same sum, with the residuals computed as R's coxscore2 does, in its order (subjects
  // sorted by time, deaths before censored within a time), from the raw values. O(n x event
  // times). Scratch arrays of n doubles each.
  double SumSquaredDfbetaExact(const double* raw, const double* score, double var, double* x_r,
                               double* score_r, double* resid) const;

  CoxOptions options_;
  std::vector<int> order_;            // sorted position -> caller's index (R's order(time))
  std::vector<std::uint8_t> status_;  // event indicator in sorted order
  std::vector<TieGroup> groups_;      // ascending time
  // R's residual order: within each tie group, deaths first (each part in the caller's order).
  // residual_order_[j] is the sorted position (index into order_) of the j-th subject.
  std::vector<int> residual_order_;
  int event_groups_ = 0;  // tie groups with at least one death
  int event_count_ = 0;
};

}  // namespace serval::survival
