//! Attribute-sampling arithmetic: the chance a sample finds a deviation (hypergeometric, exact),
//! the sample size a plan needs (binomial, as the AICPA tables), and the upper deviation limit of
//! a sample (Clopper–Pearson, as the AICPA evaluation tables).

/// The chance that a sample of `n` items, drawn without replacement from `population` items of
/// which `deviations` fail, contains at least one failing item: `1 − C(N−k, n) / C(N, n)`.
pub fn detection_probability(population: usize, deviations: usize, n: usize) -> f64 {
    let (big_n, k) = (population as f64, deviations.min(population) as f64);
    let n = n.min(population);
    if deviations == 0 || n == 0 {
        return 0.0;
    }
    if n > population - deviations.min(population) {
        return 1.0;
    }
    let mut miss = 1.0_f64;
    for i in 0..n {
        let i = i as f64;
        miss *= (big_n - k - i) / (big_n - i);
    }
    1.0 - miss
}

/// P(X ≤ c) for X ~ Binomial(n, p).
fn binomial_cdf(c: usize, n: usize, p: f64) -> f64 {
    if p <= 0.0 {
        return 1.0;
    }
    if p >= 1.0 {
        return if c >= n { 1.0 } else { 0.0 };
    }
    // Terms from the log of the first, to stay exact for large n.
    let q = 1.0 - p;
    let mut log_term = n as f64 * q.ln();
    let mut total = log_term.exp();
    for i in 0..c.min(n) {
        log_term += ((n - i) as f64).ln() - ((i + 1) as f64).ln() + p.ln() - q.ln();
        total += log_term.exp();
    }
    total.min(1.0)
}

/// The smallest sample that supports a tolerable deviation rate at a confidence level while
/// allowing `c` deviations: the least n with P(X ≤ c; n, rate) ≤ 1 − confidence (the AICPA
/// Audit Sampling guide's Tables ).
pub fn binomial_sample_size(confidence: f64, tolerable_rate: f64, c: usize) -> usize {
    let risk = 1.0 - confidence;
    (c + 1..100_000)
        .find(|&n| binomial_cdf(c, n, tolerable_rate) <= risk + 1e-12)
        .unwrap_or(100_000)
}

/// The upper deviation limit of a sample of `n` with `x` deviations at a confidence level (the
/// one-sided Clopper–Pearson bound), in percent rounded up to 0.1 as the AICPA Tables.
pub fn upper_deviation_limit(n: usize, x: usize, confidence: f64) -> f64 {
    if x >= n {
        return 100.0;
    }
    let risk = 1.0 - confidence;
    let (mut lo, mut hi) = (0.0_f64, 1.0_f64);
    for _ in 0..200 {
        let mid = (lo + hi) / 2.0;
        if binomial_cdf(x, n, mid) > risk {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    (hi * 1000.0 - 1e-9).ceil() / 10.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round3(x: f64) -> f64 {
        (x * 1000.0).round() / 1000.0
    }

    #[test]
    fn worked_detection_odds() {
        // audit-method.md §1.2 and §3.5.
        assert!((detection_probability(12, 1, 2) - 1.0 / 6.0).abs() < 1e-12);
        let cases = [
            (4, 1, 2, 0.500),
            (12, 1, 2, 0.167),
            (12, 1, 5, 0.417),
            (52, 5, 5, 0.410),
            (52, 5, 15, 0.832),
            (250, 25, 25, 0.938),
            (250, 25, 40, 0.990),
            (2000, 200, 25, 0.929),
            (2000, 200, 60, 0.998),
            (250, 5, 25, 0.412),
            (1000, 50, 25, 0.727),
            (1000, 50, 40, 0.877),
            (1000, 50, 60, 0.958),
            (60, 6, 25, 0.968),
            (1000, 10, 25, 0.225),
            (1000, 10, 60, 0.463),
        ];
        for (n_pop, k, n, want) in cases {
            assert_eq!(
                round3(detection_probability(n_pop, k, n)),
                want,
                "N={n_pop} k={k} n={n}"
            );
        }
    }

    #[test]
    fn detection_edges() {
        assert_eq!(detection_probability(10, 0, 5), 0.0);
        assert_eq!(detection_probability(10, 3, 0), 0.0);
        assert_eq!(detection_probability(10, 3, 8), 1.0);
        assert_eq!(detection_probability(10, 10, 1), 1.0);
        assert_eq!(detection_probability(0, 0, 0), 0.0);
    }

    #[test]
    fn aicpa_sample_sizes() {
        // Tables A-2 (90 %) and A-1 (95 %): tolerable rate → sizes for 0, 1 and 2 deviations.
        let table = [
            (0.05, [45, 77, 105], [59, 93, 124]),
            (0.10, [22, 38, 52], [29, 46, 61]),
            (0.15, [15, 25, 34], [19, 30, 40]),
            (0.20, [11, 18, 25], [14, 22, 30]),
        ];
        for (rate, at90, at95) in table {
            for c in 0..3 {
                assert_eq!(
                    binomial_sample_size(0.90, rate, c),
                    at90[c],
                    "90 %, {rate}, c={c}"
                );
                assert_eq!(
                    binomial_sample_size(0.95, rate, c),
                    at95[c],
                    "95 %, {rate}, c={c}"
                );
            }
        }
    }

    #[test]
    fn aicpa_upper_limits() {
        // audit-method.md §1.6 and §3.6 (Tables, rounded up to 0.1 %).
        let cases = [
            (25, 0, 8.8, 11.3),
            (25, 1, 14.7, 17.7),
            (40, 0, 5.6, 7.3),
            (40, 1, 9.4, 11.4),
            (60, 0, 3.8, 4.9),
            (60, 1, 6.4, 7.7),
            (60, 2, 8.7, 10.2),
        ];
        for (n, x, at90, at95) in cases {
            assert_eq!(upper_deviation_limit(n, x, 0.90), at90, "n={n} x={x} 90 %");
            assert_eq!(upper_deviation_limit(n, x, 0.95), at95, "n={n} x={x} 95 %");
        }
    }
}
