//! The Markdown report read the way GitHub reads it: a CommonMark + GFM table parser
//! (pulldown-cmark with tables) finds the controls' table with every cell where it belongs, and
//! no text from the kit becomes HTML.

mod common;

use common::{assert_exit, control, fieldcheck, s, text};
use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};

/// Every table in `md`: its rows (the header first), each a list of cell texts.
fn tables(md: &str) -> Vec<Vec<Vec<String>>> {
    let mut out: Vec<Vec<Vec<String>>> = Vec::new();
    let mut cell: Option<String> = None;
    for e in Parser::new_ext(md, Options::ENABLE_TABLES) {
        match e {
            Event::Start(Tag::Table(_)) => out.push(Vec::new()),
            Event::Start(Tag::TableHead | Tag::TableRow) => {
                out.last_mut().expect("in a table").push(Vec::new())
            }
            Event::Start(Tag::TableCell) => cell = Some(String::new()),
            Event::End(TagEnd::TableCell) => {
                let c = cell.take().expect("in a cell");
                let table = out.last_mut().expect("in a table");
                table
                    .last_mut()
                    .expect("in a row")
                    .push(c.trim().to_string());
            }
            Event::Text(t) | Event::Code(t) => {
                if let Some(c) = cell.as_mut() {
                    c.push_str(&t);
                }
            }
            _ => {}
        }
    }
    out
}

#[test]
fn the_controls_table_has_every_cell_in_its_column() {
    let dir = tempfile::tempdir().unwrap();
    let kit = dir.path().join("kit");
    assert_exit(&fieldcheck(&["demo", "--out", s(&kit)]), 0);
    // A vendor name that tries to be markup and to break the table.
    let vendors = std::fs::read_to_string(kit.join("vendors.csv")).unwrap();
    let evil = vendors.replace(
        "Redwood Events Co.",
        "Redwood <script>alert(1)</script> | Events &amp; Co.",
    );
    assert_ne!(vendors, evil, "the demo has the vendor the test renames");
    std::fs::write(kit.join("vendors.csv"), evil).unwrap();

    let md = fieldcheck(&["audit", s(&kit), "--format", "markdown"]);
    assert_exit(&md, 1);
    let md = text(&md.stdout);
    let json = fieldcheck(&["audit", s(&kit), "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();

    let all = tables(&md);
    assert_eq!(all.len(), 1, "one table: the controls'");
    let t = &all[0];
    assert_eq!(
        t[0],
        [
            "Control",
            "Criteria",
            "Status",
            "Conclusion",
            "Population",
            "Deviations",
            "P(exception)"
        ]
    );
    let controls = v["controls"].as_array().unwrap();
    assert_eq!(t.len(), 1 + controls.len());
    for (row, c) in t[1..].iter().zip(controls) {
        assert_eq!(row.len(), 7, "{row:?}");
        let id = c["id"].as_str().unwrap();
        let c = control(&v, id);
        assert_eq!(row[0], id);
        let criteria: Vec<&str> = c["criteria"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_str().unwrap())
            .collect();
        assert_eq!(row[1], criteria.join(", "));
        let status = c["status"].as_str().unwrap().replace('_', " ");
        assert!(row[2].ends_with(&status), "{row:?} vs {status}");
        let conclusion = c["conclusion"].as_str().unwrap();
        let shown = match conclusion {
            "effective_with_exceptions" => "with exceptions".to_string(),
            other => other.replace('_', " "),
        };
        assert_eq!(row[3], shown, "{row:?}");
        let tests = c["tests"].as_array().unwrap();
        let population: u64 = tests
            .iter()
            .map(|t| t["population"].as_u64().unwrap())
            .sum();
        let deviations: usize = tests
            .iter()
            .map(|t| t["deviations"].as_array().unwrap().len())
            .sum();
        assert_eq!(row[4].replace(',', ""), population.to_string(), "{row:?}");
        assert_eq!(row[5].replace(',', ""), deviations.to_string(), "{row:?}");
        assert!(row[6].ends_with(" %"), "{row:?}");
    }

    // The vendor's name is text: no HTML event anywhere, and it reads back as written.
    for e in Parser::new_ext(&md, Options::ENABLE_TABLES) {
        assert!(
            !matches!(e, Event::Html(_) | Event::InlineHtml(_)),
            "raw HTML in the Markdown: {e:?}"
        );
    }
    let texts: String = Parser::new_ext(&md, Options::ENABLE_TABLES)
        .filter_map(|e| match e {
            Event::Text(t) => Some(t.into_string()),
            _ => None,
        })
        .collect();
    assert!(
        texts.contains("Redwood <script>alert(1)</script> | Events &amp; Co."),
        "the name reads back as written"
    );
}
