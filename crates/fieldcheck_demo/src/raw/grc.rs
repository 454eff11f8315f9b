//! The risk register as CISO Assistant exports it: `risk_scenarios_export.csv` from
//! `/risk-scenarios/export_csv/` (`;`-separated, UTF-8 with a byte-order mark, level names from
//! the risk matrix, `--` for not rated; the columns of CISO Assistant's `export_csv` view).

use std::collections::HashMap;
use std::io;
use std::path::Path;

use jiff::Timestamp;

use super::{Left, Row, get, ts};

/// The risk matrix's level names, 1 to 5 (CISO Assistant's default 5×5 matrix).
const LEVELS: [&str; 5] = ["Very Low", "Low", "Medium", "High", "Very High"];

fn level(v: Option<&str>) -> &'static str {
    v.and_then(|v| v.parse::<usize>().ok())
        .and_then(|n| LEVELS.get(n.wrapping_sub(1)))
        .copied()
        .unwrap_or("--")
}

fn score_level(l: Option<&str>, i: Option<&str>) -> &'static str {
    match (
        l.and_then(|v| v.parse::<u32>().ok()),
        i.and_then(|v| v.parse::<u32>().ok()),
    ) {
        (Some(l), Some(i)) => match l * i {
            0..=4 => "Low",
            5..=9 => "Medium",
            10..=16 => "High",
            _ => "Very High",
        },
        _ => "--",
    }
}

/// The risk register's first scenarios, as far as their dates do not matter to the audit: the
/// export has no creation, closing or treatment due date, so from the first risk whose audit
/// needs one (created late, closed, a mitigation above appetite with its due date, or not
/// reviewed by the end of the window's first quarter) the register continues in the GRC sheet,
/// where those dates are kept. (Kept in order: the controls report risks in register order.)
pub(super) fn ciso_assistant(
    canon: &Path,
    dir: &Path,
    config: &mut String,
    left: &mut Left<'_>,
    email: &HashMap<String, String>,
) -> io::Result<()> {
    // The window's first quarter ends 2026-06-30 (New York); the default appetite is 12.
    let first_quarter_end: Timestamp = "2026-06-30T04:00:00Z".parse().unwrap_or_default();
    let reviews = super::read(canon, "risk_reviews.csv")?;
    let reviewed_early: Vec<&str> = reviews
        .iter()
        .filter(|r| get(r, "reviewed_at").is_some_and(|t| ts(t) < first_quarter_end))
        .filter_map(|r| get(r, "risk_id"))
        .collect();
    let int = |r: &Row, f: &str| get(r, f).and_then(|v| v.parse::<i64>().ok());
    let dateless = |r: &Row| {
        let score = int(r, "residual_likelihood")
            .zip(int(r, "residual_impact"))
            .or(int(r, "likelihood").zip(int(r, "impact")))
            .map_or(0, |(l, i)| l * i);
        get(r, "closed_at").is_none()
            && (get(r, "treatment_due").is_none()
                || get(r, "treatment") != Some("mitigate")
                || score < 12)
            && get(r, "created_at").is_some_and(|t| ts(t) < first_quarter_end)
            && get(r, "risk_id").is_some_and(|id| reviewed_early.contains(&id))
    };
    let all = left.take("risks", |_| true)?;
    let first = all.iter().take_while(|r| dateless(r)).count();
    let mut all = all;
    let sheet = all.split_off(first);
    let risks = all;
    left.put_back("risks", sheet);
    let p = dir.join("exports/ciso-assistant/risk_scenarios_export.csv");
    if let Some(parent) = p.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let mut w = csv::WriterBuilder::new()
        .delimiter(b';')
        .from_writer(Vec::from("\u{feff}".as_bytes()));
    let header = [
        "internal_id",
        "ref_id",
        "name",
        "description",
        "risk_assessment",
        "treatment",
        "justification",
        "inherent_proba",
        "inherent_impact",
        "inherent_level",
        "current_proba",
        "current_impact",
        "current_level",
        "residual_proba",
        "residual_impact",
        "residual_level",
        "owners",
        "threats",
        "assets",
        "vulnerabilities",
        "applied_controls",
        "existing_applied_controls",
        "qualifications",
        "filtering_labels",
    ];
    w.write_record(header).map_err(io::Error::other)?;
    for (i, r) in risks.iter().enumerate() {
        let (l, im) = (get(r, "likelihood"), get(r, "impact"));
        let (rl, ri) = (get(r, "residual_likelihood"), get(r, "residual_impact"));
        let owner = get(r, "owner_id").map(|o| email.get(o).map_or(o, String::as_str));
        let internal = format!(
            "6f1c{i:04x}-3b2a-4c1e-9d7f-0a5e8b{:06x}",
            0x2c_4000 + i * 131
        );
        let row = [
            internal.as_str(),
            get(r, "risk_id").unwrap_or_default(),
            get(r, "title").unwrap_or_default(),
            "",
            "Northpeak ISMS risk assessment 2026",
            get(r, "treatment").unwrap_or("open"),
            "",
            level(l),
            level(im),
            score_level(l, im),
            level(l),
            level(im),
            score_level(l, im),
            level(rl),
            level(ri),
            score_level(rl, ri),
            owner.unwrap_or_default(),
            "",
            "",
            "",
            "",
            "",
            "",
            "soc2",
        ];
        w.write_record(row).map_err(io::Error::other)?;
    }
    let bytes = w.into_inner().map_err(io::Error::other)?;
    std::fs::write(p, bytes)?;
    config.push_str("\n# The risk register's scenarios: CISO Assistant's risk-scenarios CSV export (its creation and closing dates, and the reviews, come from the GRC sheets below).\n[[sources]]\nadapter = \"ciso-assistant\"\npath = \"exports/ciso-assistant/risk_scenarios_export.csv\"\n");
    Ok(())
}
