//! CISO Assistant: the risk-scenarios CSV export as the risk register.

use fieldcheck_kit::Kind;

use super::common::unknown_value;
use crate::emit::Emitter;
use crate::read::{CsvRow, csv_rows};
use crate::spec::{OptSpec, OptTy, Spec};
use crate::value::present;
use crate::{Adapter, Input};

/// `ciso-assistant`.
pub(crate) static CISO_ASSISTANT: Adapter = Adapter {
    spec: &Spec {
        name: "ciso-assistant",
        system: "CISO Assistant",
        reads: "the CISO Assistant risk-scenarios CSV export (`risk_scenarios_export.csv` from `/risk-scenarios/export_csv/`: `;`-separated, UTF-8 with BOM, `--` for not rated); the export has no dates, so created_at, closed_at and reviews must come from elsewhere",
        produces: &[Kind::Risks],
        needs_system: false,
        containers: &[],
        options: &[OptSpec {
            name: "levels",
            ty: OptTy::Map,
            help: "risk matrix level name (case-insensitive) → 1..5; default Very Low = 1, Low = 2, Medium = 3, High = 4, Very High = 5",
        }],
        example: "[[sources]]\nadapter = \"ciso-assistant\"\npath = \"exports/ciso-assistant/risk_scenarios_export.csv\"\nlevels = { \"Rare\" = \"1\", \"Unlikely\" = \"2\", \"Possible\" = \"3\", \"Likely\" = \"4\", \"Almost certain\" = \"5\" }",
    },
    run,
};

const DEFAULT_LEVELS: &[(&str, i64)] = &[
    ("very low", 1),
    ("low", 2),
    ("medium", 3),
    ("high", 4),
    ("very high", 5),
];

/// A cell without the export's formula-injection guard (a `'` before `=`, `+`, `-` or `@`).
fn cell<'r>(row: &'r CsvRow<'_>, col: &str) -> Option<&'r str> {
    let v = present(row.get(col)?)?;
    let v = match v.strip_prefix('\'') {
        Some(rest) if rest.starts_with(['=', '+', '-', '@']) => rest,
        _ => v,
    };
    present(v)
}

fn run(input: &Input<'_>, em: &mut Emitter) {
    let mut levels: Vec<(String, i64)> = Vec::new();
    for (k, v) in input.options.map("levels") {
        match v.trim().parse::<i64>() {
            Ok(n) if (1..=5).contains(&n) => levels.push((k.trim().to_lowercase(), n)),
            _ => input.option_error(
                em,
                "levels",
                format!("`levels` maps `{k}` to `{v}`, which is not 1 to 5"),
                "map each level name of the risk matrix to a number from 1 to 5",
            ),
        }
    }
    if levels.is_empty() {
        levels = DEFAULT_LEVELS
            .iter()
            .map(|(k, n)| (k.to_string(), *n))
            .collect();
    }
    let required = [
        "name",
        "treatment",
        "current_proba",
        "current_impact",
        "residual_proba",
        "residual_impact",
        "owners",
    ];
    csv_rows(input, em, b';', &required, &mut |row, at, em| {
        let Some(id) = cell(row, "ref_id").or_else(|| cell(row, "internal_id")) else {
            em.bad_record(
                &at.file,
                at.line,
                None,
                fieldcheck_kit::Code::BadValue,
                "the risk scenario has neither `ref_id` nor `internal_id`",
                "the row was skipped",
            );
            return;
        };
        // A level name the matrix does not place on 1 to 5 would leave the rating unknown,
        // which no risk test fails on: an error on the row.
        let mut bad: Option<(&'static str, String)> = None;
        let mut level = |col: &'static str| -> Option<i64> {
            let v = cell(row, col)?;
            let l = v.to_lowercase();
            match levels.iter().find(|(k, _)| *k == l) {
                Some((_, n)) => Some(*n),
                None => {
                    bad.get_or_insert((col, v.to_string()));
                    None
                }
            }
        };
        let likelihood = level("current_proba");
        let impact = level("current_impact");
        let res_l = level("residual_proba");
        let res_i = level("residual_impact");
        if let Some((col, v)) = bad {
            unknown_value(
                em,
                at,
                col,
                &v,
                "the risk matrix's level names are placed on 1 to 5 by `levels = { \"<name>\" = \"<1..5>\" }` (default: very low, low, medium, high, very high and their synonyms)",
            );
            return;
        }
        let treatment_raw = cell(row, "treatment").unwrap_or("");
        let (treatment, status) = match treatment_raw.to_lowercase().as_str() {
            t @ ("mitigate" | "accept" | "transfer" | "avoid") => (Some(t.to_string()), "open"),
            "open" | "" => (None, "open"),
            "cancelled" => (None, "closed"),
            _ => {
                unknown_value(
                    em,
                    at,
                    "treatment",
                    treatment_raw,
                    "CISO Assistant treatments are open, mitigate, accept, avoid, transfer and cancelled",
                );
                return;
            }
        };
        let owner =
            cell(row, "owners").and_then(|o| o.split('|').map(str::trim).find(|x| !x.is_empty()));
        em.row(Kind::Risks, &at.file, at.line, None)
            .set("risk_id", id)
            .set("title", cell(row, "name"))
            .set("owner_id", owner)
            .set("likelihood", likelihood)
            .set("impact", impact)
            .set("residual_likelihood", res_l)
            .set("residual_impact", res_i)
            .set("treatment", treatment)
            .set("status", status)
            .emit();
    });
}

#[cfg(test)]
mod tests {
    use crate::testkit::{flat, run};

    const HEADER: &str = "internal_id;ref_id;name;description;risk_assessment;treatment;justification;inherent_proba;inherent_impact;inherent_level;current_proba;current_impact;current_level;residual_proba;residual_impact;residual_level;owners;threats;assets;vulnerabilities;applied_controls;existing_applied_controls;qualifications;filtering_labels\n";
    const ROWS: &str = "3f0b6c1e-6a55-4c3e-9f1a-2b7d9e4c8a10;R.12;Leaked CI credentials;\"Long-lived deploy keys\ncould be exfiltrated from CI\";2026 ISMS risk assessment;mitigate;;High;High;High;Medium;High;High;Low;High;Medium;alice@example.com;Credential theft;CI/CD pipeline;Static access keys;OIDC federation for CI;Key rotation 90d;Confidentiality|Integrity;soc2\n\
7a1d2c3e-0000-4c3e-9f1a-2b7d9e4c8a11;;'-Shadow IT;;2026 ISMS risk assessment;open;;--;--;--;--;--;--;--;--;--;bob@example.com|carol@example.com;;;;;;;\n\
8b2e3d4f-0000-4c3e-9f1a-2b7d9e4c8a12;R.14;Legacy FTP;;2026 ISMS risk assessment;cancelled;Decommissioned;;;;very high;Critical;High;Low;Low;Low;;;;;;;;\n\
9c3f4e5a-0000-4c3e-9f1a-2b7d9e4c8a13;R.15;Office flood;;2026 ISMS risk assessment;accept;Insured;;;;Very Low;Medium;Low;Very Low;Medium;Low;dan@example.com;;;;;;;\n";

    #[test]
    fn risk_scenarios_become_risks() {
        let csv = format!("\u{feff}{HEADER}{ROWS}");
        let out = run(
            "[[sources]]\nadapter = \"ciso-assistant\"\npath = \"ca/risk_scenarios_export.csv\"",
            &[("ca/risk_scenarios_export.csv", csv.as_bytes())],
        );
        let rows: Vec<String> = out.rows("risks").iter().map(flat).collect();
        assert_eq!(
            rows,
            [
                "impact=4|likelihood=3|owner_id=alice@example.com|residual_impact=4|residual_likelihood=2|risk_id=R.12|status=open|title=Leaked CI credentials|treatment=mitigate",
                "owner_id=bob@example.com|risk_id=7a1d2c3e-0000-4c3e-9f1a-2b7d9e4c8a11|status=open|title=-Shadow IT",
                "impact=3|likelihood=1|owner_id=dan@example.com|residual_impact=3|residual_likelihood=1|risk_id=R.15|status=open|title=Office flood|treatment=accept",
            ]
        );
        let lines: Vec<u32> = out.origins("risks").iter().map(|o| o.line).collect();
        assert_eq!(lines, [2, 4, 6]);
        // `Critical` is on no 1-to-5 scale: an error on its row (line 5), which is skipped, and
        // the risk register's controls are not evidenced.
        assert_eq!(out.codes(), ["unknown-value"]);
        let d = &out.diags[0];
        assert_eq!(d.severity, fieldcheck_kit::Severity::Error);
        assert_eq!(d.line, Some(5));
        assert!(
            d.message.contains("`current_impact` is `Critical`"),
            "{}",
            d.message
        );
        assert_eq!(out.problems("risks").len(), 1);
    }

    #[test]
    fn custom_levels_and_a_changed_header() {
        let renamed = HEADER.replace("residual_proba", "residual-proba");
        let custom = format!(
            "{HEADER}R-1-uuid;R.1;Phishing;;A;mitigate;;;;;Likely;Major;;Rare;Major;;ann@example.com;;;;;;;\n"
        );
        let out = run(
            "[[sources]]\nadapter = \"ciso-assistant\"\npath = \"ca/*.csv\"\nlevels = { \"rare\" = \"1\", \"Likely\" = \"4\", \"Major\" = \"4\" }",
            &[
                ("ca/a.csv", custom.as_bytes()),
                ("ca/b.csv", format!("{renamed}{ROWS}").as_bytes()),
            ],
        );
        let rows: Vec<String> = out.rows("risks").iter().map(flat).collect();
        assert_eq!(
            rows,
            [
                "impact=4|likelihood=4|owner_id=ann@example.com|residual_impact=4|residual_likelihood=1|risk_id=R.1|status=open|title=Phishing|treatment=mitigate"
            ]
        );
        assert_eq!(out.codes(), ["source-missing-column"]);
        let d = &out.diags[0];
        assert_eq!((d.file.as_deref(), d.line), (Some("ca/b.csv"), Some(1)));
        assert!(
            d.help
                .as_deref()
                .unwrap_or("")
                .contains("`residual-proba` → `residual_proba`"),
            "{:?}",
            d.help
        );
        assert_eq!(out.problems("risks").len(), 1);
    }

    /// A risk-scenarios export exactly as CISO Assistant writes it: `ExportMixin.export_csv` and
    /// `RiskScenarioViewSet.export_config` in `backend/core/views.py` of
    /// intuitem/ciso-assistant-community (commit f990d7b1b9a9f56e391acbc247c9076262a11412): a
    /// UTF-8 BOM, Python's `csv.writer(delimiter=";")` with its `\r\n` line ends and minimal
    /// quoting, the header from the `label`s in field order, levels as the matrix's names (`--`
    /// when unrated), owners joined with `|`, and `escape_excel_formula`'s `'` before `=+-@`.
    /// The levels are those of the bundled `risk-matrix-4x4-ebios-rm.yaml` matrix.
    const EXPORTED: &str = "\u{feff}internal_id;ref_id;name;description;risk_assessment;treatment;justification;inherent_proba;inherent_impact;inherent_level;current_proba;current_impact;current_level;residual_proba;residual_impact;residual_level;owners;threats;assets;vulnerabilities;applied_controls;existing_applied_controls;qualifications;filtering_labels\r\n\
0b4f52a8-3c1e-4a57-9a8e-6d2f0c9e1a01;R.1;Ransomware on file servers;\"Encryption of shared drives\r\nby a phishing payload\";2026 ISMS risk assessment;mitigate;;--;--;--;Likely;Critical;High;Unlikely;Significant;Low;alice@example.com|bob@example.com;Ransomware;File servers;;EDR on all servers;Backups;Availability;\r\n\
0b4f52a8-3c1e-4a57-9a8e-6d2f0c9e1a02;R.2;'=HYPERLINK exfiltration;;2026 ISMS risk assessment;open;;--;--;--;--;--;--;--;--;--;;;;;;;;\r\n";

    #[test]
    fn an_export_as_ciso_assistant_writes_it() {
        let out = run(
            "[[sources]]\nadapter = \"ciso-assistant\"\npath = \"ca/risk_scenarios_export.csv\"\nlevels = { \"Unlikely\" = \"1\", \"Likely\" = \"2\", \"Very likely\" = \"3\", \"Certain\" = \"4\", \"Minor\" = \"1\", \"Significant\" = \"2\", \"Important\" = \"3\", \"Critical\" = \"4\" }",
            &[("ca/risk_scenarios_export.csv", EXPORTED.as_bytes())],
        );
        let rows: Vec<String> = out.rows("risks").iter().map(flat).collect();
        assert_eq!(
            rows,
            [
                "impact=4|likelihood=2|owner_id=alice@example.com|residual_impact=2|residual_likelihood=1|risk_id=R.1|status=open|title=Ransomware on file servers|treatment=mitigate",
                "risk_id=R.2|status=open|title==HYPERLINK exfiltration",
            ]
        );
        let lines: Vec<u32> = out.origins("risks").iter().map(|o| o.line).collect();
        assert_eq!(lines, [2, 4]);
        assert!(out.codes().is_empty(), "{:?}", out.diags);
    }
}
