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

/// The attribute-sampling plan of the AICPA Audit Sampling guide's Tables A-1 (95 %) and A-2
/// (90 %): the smallest n for which, allowing the expected deviations c = ⌈expected rate × n⌉, the
/// chance of finding at most c at the tolerable rate is at most 1 − confidence (binomial). Rates
/// are in hundredths of a percent (basis points: 2.75 % is 275), so c is computed exactly in
/// integers, as the tables' expected-deviation counts are. Returns (n, c), or `None` when no
/// sample up to 5,000 supports the plan (the expected rate is at or above the tolerable one).
pub fn attribute_sample_size(
    confidence: f64,
    tolerable_bp: u32,
    expected_bp: u32,
) -> Option<(usize, usize)> {
    if expected_bp >= tolerable_bp || tolerable_bp == 0 || tolerable_bp >= 10_000 {
        return None;
    }
    let risk = 1.0 - confidence;
    let rate = f64::from(tolerable_bp) / 10_000.0;
    (1..=5_000usize).find_map(|n| {
        let c = (n * expected_bp as usize).div_ceil(10_000);
        (c < n && binomial_cdf(c, n, rate) <= risk + 1e-12).then_some((n, c))
    })
}

/// P(X ≤ x) for X hypergeometric: x or fewer deviating items in a sample of `n` drawn without
/// replacement from `population` items of which `deviations` deviate.
fn hypergeometric_cdf(population: usize, deviations: usize, n: usize, x: usize) -> f64 {
    let (big_n, k) = (population as f64, deviations as f64);
    let nf = n as f64;
    // The smallest possible count is max(0, n − (N − K)).
    let low = (n + deviations).saturating_sub(population);
    if x < low {
        return 0.0;
    }
    // P(X = 0) when low is 0, else start from P(X = low) by the ratio of binomial coefficients.
    let mut pmf = if low == 0 {
        let mut p = 1.0_f64;
        for i in 0..n {
            let i = i as f64;
            p *= (big_n - k - i) / (big_n - i);
        }
        p
    } else {
        // Every one of the N − K good items is drawn: C(K, low) / C(N, n), in logs.
        (ln_choose(deviations, low) - ln_choose(population, n)).exp()
    };
    let mut total = pmf;
    let mut j = low;
    while j < x.min(n).min(deviations) {
        let jf = j as f64;
        pmf *= (k - jf) * (nf - jf) / ((jf + 1.0) * (big_n - k - nf + jf + 1.0));
        total += pmf;
        j += 1;
    }
    total.min(1.0)
}

/// ln C(a, b).
fn ln_choose(a: usize, b: usize) -> f64 {
    let b = b.min(a - b);
    (0..b).map(|i| ((a - i) as f64 / (i + 1) as f64).ln()).sum()
}

/// The upper deviation limit of a sample of `n` drawn without replacement from `population`
/// items, with `x` deviations, at a confidence level: the largest deviation rate K / N of the
/// population for which a sample shows x or fewer deviations with a chance above 1 − confidence
/// (the exact bound for a finite population, which tends to Clopper–Pearson, Tables,
/// as N grows). A census (n = N) gives the population's own rate. In percent, rounded up to 0.1.
pub fn upper_deviation_limit_finite(population: usize, n: usize, x: usize, confidence: f64) -> f64 {
    if population == 0 {
        return 0.0;
    }
    let n = n.min(population);
    if n == population {
        return (x as f64 / population as f64 * 1000.0 - 1e-9).ceil() / 10.0 + 0.0;
    }
    let risk = 1.0 - confidence;
    // P(X ≤ x) falls as K grows: find the largest K with P > risk (K = x always qualifies).
    let (mut lo, mut hi) = (x.min(population), population);
    if hypergeometric_cdf(population, hi, n, x) > risk {
        lo = hi;
    }
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if hypergeometric_cdf(population, mid, n, x) > risk {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    (lo as f64 / population as f64 * 1000.0 - 1e-9).ceil() / 10.0 + 0.0
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

    // The AICPA Audit Sampling guide (2017), Appendix A, Tables A-1 (5 % risk of overreliance) and
    // A-2 (10 %), as reproduced cell by cell in koenderks/jfa,
    // tests/testthat/test-validation-appendix-a.R (commit 02f8c23a4208196bfc4fc6a6f4122c620c6d2291;
    // the numbers only). One column per tolerable rate (2–10, 15, 20 %), one row per expected
    // population deviation rate (0 to 4 % by 0.25, then 5–10, 12.5, 15, 17.5 %), down to the
    // tables' last cell. Three A-2 cells differ from the page: jfa's file gives 113 where the
    // guide prints 112 (7 % tolerable, 3.25 %: 4 or fewer of 112 at 7 % still has P > 0.10), and,
    // where jfa's floating point rounds 0.035 × 400 up to 15, it keeps its own 423 and 1,313: with
    // the expected count in exact integers (as here) the cells are 400 and 1,300 (the guide's
    // 1,300, as jfa's own comment says).
    const EXPECTED_BP: [u32; 26] = [
        0, 25, 50, 75, 100, 125, 150, 175, 200, 225, 250, 275, 300, 325, 350, 375, 400, 500, 600,
        700, 800, 900, 1000, 1250, 1500, 1750,
    ];
    const TOLERABLE_BP: [u32; 11] = [200, 300, 400, 500, 600, 700, 800, 900, 1000, 1500, 2000];
    const TABLE_A1: [&[usize]; 11] = [
        &[149, 236, 313, 386, 590, 1030],
        &[99, 157, 157, 208, 257, 303, 392, 562, 846, 1466],
        &[
            74, 117, 117, 117, 156, 156, 192, 227, 294, 390, 513, 722, 1098, 1936,
        ],
        &[
            59, 93, 93, 93, 93, 124, 124, 153, 181, 208, 234, 286, 361, 458, 624, 877, 1348,
        ],
        &[
            49, 78, 78, 78, 78, 78, 103, 103, 127, 127, 150, 173, 195, 238, 280, 341, 421, 1580,
        ],
        &[
            42, 66, 66, 66, 66, 66, 66, 88, 88, 88, 109, 109, 129, 148, 167, 185, 221, 478, 1832,
        ],
        &[
            36, 58, 58, 58, 58, 58, 58, 77, 77, 77, 77, 95, 95, 112, 112, 129, 146, 240, 532,
        ],
        &[
            32, 51, 51, 51, 51, 51, 51, 51, 68, 68, 68, 68, 84, 84, 84, 100, 100, 158, 266, 585,
        ],
        &[
            29, 46, 46, 46, 46, 46, 46, 46, 46, 61, 61, 61, 61, 61, 76, 76, 89, 116, 179, 298, 649,
        ],
        &[
            19, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 40, 40, 40, 40, 50, 68, 85,
            110, 150, 576,
        ],
        &[
            14, 22, 22, 22, 22, 22, 22, 22, 22, 22, 22, 22, 22, 22, 22, 22, 22, 30, 30, 37, 37, 44,
            50, 88, 193, 720,
        ],
    ];
    const TABLE_A2: [&[usize]; 11] = [
        &[114, 194, 194, 265, 398, 708, 1463],
        &[76, 129, 129, 129, 176, 221, 265, 390, 590, 974],
        &[
            57, 96, 96, 96, 96, 132, 132, 166, 198, 262, 353, 471, 730, 1258,
        ],
        &[
            45, 77, 77, 77, 77, 77, 105, 105, 132, 132, 158, 209, 258, 306, 400, 583, 873,
        ],
        &[
            38, 64, 64, 64, 64, 64, 64, 88, 88, 88, 110, 132, 132, 153, 194, 235, 274, 1019,
        ],
        &[
            32, 55, 55, 55, 55, 55, 55, 55, 75, 75, 75, 94, 94, 113, 113, 131, 149, 318, 1150,
        ],
        &[
            28, 48, 48, 48, 48, 48, 48, 48, 48, 65, 65, 65, 65, 82, 82, 98, 98, 160, 349, 1300,
        ],
        &[
            25, 42, 42, 42, 42, 42, 42, 42, 42, 42, 58, 58, 58, 58, 73, 73, 73, 115, 182, 385, 1437,
        ],
        &[
            22, 38, 38, 38, 38, 38, 38, 38, 38, 38, 38, 52, 52, 52, 52, 52, 65, 78, 116, 199, 424,
            1577,
        ],
        &[
            15, 25, 25, 25, 25, 25, 25, 25, 25, 25, 25, 25, 25, 25, 25, 25, 25, 34, 43, 52, 60, 77,
            100, 368,
        ],
        &[
            11, 18, 18, 18, 18, 18, 18, 18, 18, 18, 18, 18, 18, 18, 18, 18, 18, 18, 25, 25, 25, 32,
            38, 63, 126, 457,
        ],
    ];

    #[test]
    fn aicpa_tables_a1_and_a2_every_cell() {
        let mut cells = 0;
        for (confidence, table) in [(0.95, &TABLE_A1), (0.90, &TABLE_A2)] {
            for (col, sizes) in table.iter().enumerate() {
                for (row, &want) in sizes.iter().enumerate() {
                    let (t, e) = (TOLERABLE_BP[col], EXPECTED_BP[row]);
                    let (n, c) = attribute_sample_size(confidence, t, e).expect("a plan");
                    assert_eq!(n, want, "{confidence}: tolerable {t} bp, expected {e} bp");
                    // The expected deviations the tables print beside the size.
                    assert_eq!(c, (n * e as usize).div_ceil(10_000));
                    cells += 1;
                }
            }
        }
        assert_eq!(cells, 392);
        // Spot checks of the expected counts as printed: 93 (1), 124 (2), 181 (4), 50 (5).
        assert_eq!(attribute_sample_size(0.95, 500, 100), Some((93, 1)));
        assert_eq!(attribute_sample_size(0.95, 500, 125), Some((124, 2)));
        assert_eq!(attribute_sample_size(0.95, 500, 200), Some((181, 4)));
        assert_eq!(attribute_sample_size(0.95, 2000, 1000), Some((50, 5)));
        assert_eq!(attribute_sample_size(0.95, 500, 500), None);
    }

    #[test]
    fn finite_population_upper_limits() {
        // A census gives the population's own rate.
        assert_eq!(upper_deviation_limit_finite(40, 40, 1, 0.95), 2.5);
        assert_eq!(
            upper_deviation_limit_finite(214, 214, 0, 0.95).to_string(),
            "0"
        );
        // The bands' samples support a 10 % tolerable rate when they find nothing.
        assert!(upper_deviation_limit_finite(25, 19, 0, 0.95) < 10.0);
        assert!(upper_deviation_limit_finite(40, 21, 0, 0.95) < 10.0);
        assert!(upper_deviation_limit_finite(40, 20, 0, 0.95) >= 10.0);
        // Large populations tend to Clopper–Pearson (Table A-3: 30 → 9.6 %; 25 with 1 → 17.7 %).
        assert_eq!(upper_deviation_limit_finite(1_000_000, 30, 0, 0.95), 9.6);
        assert_eq!(upper_deviation_limit_finite(1_000_000, 25, 1, 0.95), 17.7);
        // Two of four quarters, none deviating: half of them could still deviate.
        assert_eq!(upper_deviation_limit_finite(4, 2, 0, 0.95), 50.0);
        assert_eq!(upper_deviation_limit_finite(0, 0, 0, 0.95), 0.0);
    }
}
