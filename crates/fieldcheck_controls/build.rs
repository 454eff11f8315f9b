//! Generates from `src/catalog.toml` (and, with the `toy-control` feature, the extra control
//! folders under `tests/`) into `OUT_DIR`:
//!
//! - `catalog.toml`: the catalog the crate reads at run time (the built-in controls, then the
//!   extra ones);
//! - `reasons.rs`: one enum of reason codes per control and test, in the catalog's order
//!   (`reasons::change_management::DeployTraceability::NoTicket`), so an unknown code does not
//!   compile;
//! - `params.rs`: one typed parameter struct per control
//!   (`control_params::access_reviews::Params`);
//! - `registry.rs`: every control's module (`src/builtin/<id_with_underscores>.rs`, or an extra
//!   folder's `control.rs`) and its run function, in catalog order;
//! - `builtin_count.rs`: how many of the catalog's controls are built in (read by `catalog.rs`).
//!
//! Adding a control is one module plus one `[[control]]` entry (ARCHITECTURE.md, "Adding a
//! control").

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn main() {
    let dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("manifest dir"));
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("out dir"));
    let main_catalog = dir.join("src/catalog.toml");
    println!("cargo:rerun-if-changed={}", main_catalog.display());
    println!(
        "cargo:rerun-if-changed={}",
        dir.join("src/builtin").display()
    );
    let mut text = read(&main_catalog);
    let mut controls: Vec<Control> = parse(&text, &main_catalog)
        .into_iter()
        .map(|(id, table)| {
            let module = dir.join(format!("src/builtin/{}.rs", snake(&id)));
            Control::new(id, table, module, false)
        })
        .collect();
    let builtin = controls.len();
    // Extra control folders, each a `catalog.toml` with one `[[control]]` and a `control.rs`.
    let mut extra: Vec<PathBuf> = Vec::new();
    if std::env::var_os("CARGO_FEATURE_TOY_CONTROL").is_some() {
        extra.push(dir.join("tests/toy-control"));
    }
    for folder in &extra {
        let cat = folder.join("catalog.toml");
        println!("cargo:rerun-if-changed={}", folder.display());
        let t = read(&cat);
        let value: toml::Table = t
            .parse()
            .unwrap_or_else(|e| panic!("{}: {e}", cat.display()));
        assert!(
            value.keys().all(|k| k == "control"),
            "{}: an extra control folder's catalog holds only `[[control]]` entries",
            cat.display()
        );
        for (id, table) in parse(&t, &cat) {
            controls.push(Control::new(id, table, folder.join("control.rs"), true));
        }
        text.push('\n');
        text.push_str(&t);
    }
    for c in &controls {
        assert!(
            c.module.is_file(),
            "control `{}` of the catalog has no module {} (see ARCHITECTURE.md, \"Adding a control\")",
            c.id,
            c.module.display()
        );
    }
    write(&out.join("catalog.toml"), &text);
    write(&out.join("reasons.rs"), &reasons(&controls));
    write(&out.join("params.rs"), &params(&controls));
    write(&out.join("registry.rs"), &registry(&controls));
    write(
        &out.join("builtin_count.rs"),
        &format!(
            "/// How many of the catalog's controls are built in (the rest come from extra folders).\npub(crate) const BUILTIN_COUNT: usize = {builtin};\n"
        ),
    );
}

struct Control {
    id: String,
    module_name: String,
    module: PathBuf,
    extra: bool,
    /// (test id, [(code, meaning)])
    tests: Vec<(String, Vec<(String, String)>)>,
    /// (name, type, default, doc)
    params: Vec<(String, String, String, String)>,
}

impl Control {
    fn new(id: String, t: toml::Table, module: PathBuf, extra: bool) -> Control {
        let arr = |k: &str| -> Vec<toml::Table> {
            t.get(k)
                .and_then(|v| v.as_array())
                .map(|a| a.iter().filter_map(|x| x.as_table().cloned()).collect())
                .unwrap_or_default()
        };
        let s = |t: &toml::Table, k: &str| -> String {
            t.get(k)
                .and_then(|v| v.as_str())
                .unwrap_or_else(|| panic!("control `{id}`: `{k}` must be a string"))
                .to_string()
        };
        let tests = arr("test")
            .iter()
            .map(|test| {
                let reasons = test
                    .get("reasons")
                    .and_then(|v| v.as_array())
                    .unwrap_or_else(|| panic!("control `{id}`: a test needs `reasons`"))
                    .iter()
                    .map(|r| {
                        let pair = r.as_array().expect("a reason is [code, meaning]");
                        let code = pair[0].as_str().expect("code").to_string();
                        assert!(
                            !code.is_empty()
                                && code.chars().all(|c| c.is_ascii_lowercase()
                                    || c.is_ascii_digit()
                                    || c == '_'),
                            "control `{id}`: reason code `{code}` must be snake_case"
                        );
                        (code, pair[1].as_str().expect("meaning").to_string())
                    })
                    .collect();
                (s(test, "id"), reasons)
            })
            .collect();
        let params = arr("param")
            .iter()
            .map(|p| {
                (
                    s(p, "name"),
                    s(p, "type"),
                    p.get("default").map(|d| d.to_string()).unwrap_or_default(),
                    s(p, "doc"),
                )
            })
            .collect();
        Control {
            module_name: snake(&id),
            id,
            module,
            extra,
            tests,
            params,
        }
    }
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn write(p: &Path, text: &str) {
    // Unchanged output is not rewritten, so nothing downstream rebuilds for nothing.
    if std::fs::read_to_string(p).ok().as_deref() != Some(text) {
        std::fs::write(p, text).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    }
}

fn parse(text: &str, path: &Path) -> Vec<(String, toml::Table)> {
    let value: toml::Table = text
        .parse()
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    value
        .get("control")
        .and_then(|v| v.as_array())
        .map(|a| {
            a.iter()
                .map(|c| {
                    let t = c.as_table().expect("[[control]] is a table").clone();
                    let id = t
                        .get("id")
                        .and_then(|v| v.as_str())
                        .expect("a control has an id")
                        .to_string();
                    (id, t)
                })
                .collect()
        })
        .unwrap_or_default()
}

/// `change-management` -> `change_management`.
fn snake(id: &str) -> String {
    id.replace('-', "_")
}

/// `deploy-traceability` or `no_ticket` -> `DeployTraceability`, `NoTicket`.
fn camel(id: &str) -> String {
    id.split(['-', '_'])
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}

fn doc(s: &str) -> String {
    s.replace('\n', " ")
}

fn reasons(controls: &[Control]) -> String {
    let mut o = String::new();
    for c in controls {
        let m = &c.module_name;
        writeln!(o, "/// The reason codes of `{}`, one enum per test.", c.id).unwrap();
        writeln!(o, "pub mod {m} {{").unwrap();
        for (test, reasons) in &c.tests {
            let name = camel(test);
            writeln!(
                o,
                "    /// The reason codes of `{}/{test}`, in the catalog's order.",
                c.id
            )
            .unwrap();
            writeln!(
                o,
                "    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]"
            )
            .unwrap();
            writeln!(o, "    pub enum {name} {{").unwrap();
            for (code, meaning) in reasons {
                writeln!(o, "        /// `{code}`: {}.", doc(meaning)).unwrap();
                writeln!(o, "        {},", camel(code)).unwrap();
            }
            writeln!(o, "    }}").unwrap();
            writeln!(o, "    impl {name} {{").unwrap();
            writeln!(o, "        /// Every code, in the catalog's order.").unwrap();
            write!(o, "        pub const ALL: &'static [{name}] = &[").unwrap();
            for (code, _) in reasons {
                write!(o, "{name}::{}, ", camel(code)).unwrap();
            }
            writeln!(o, "];").unwrap();
            writeln!(o, "        /// The code as written in reports.").unwrap();
            writeln!(o, "        pub const fn as_str(self) -> &'static str {{").unwrap();
            writeln!(o, "            match self {{").unwrap();
            for (code, _) in reasons {
                writeln!(o, "                {name}::{} => {code:?},", camel(code)).unwrap();
            }
            writeln!(o, "            }}\n        }}\n    }}").unwrap();
            writeln!(o, "    impl crate::ReasonCode for {name} {{").unwrap();
            writeln!(o, "        const CONTROL: &'static str = {:?};", c.id).unwrap();
            writeln!(o, "        const TEST: &'static str = {test:?};").unwrap();
            writeln!(
                o,
                "        fn as_str(self) -> &'static str {{ {name}::as_str(self) }}"
            )
            .unwrap();
            writeln!(o, "    }}").unwrap();
        }
        writeln!(o, "}}").unwrap();
    }
    o
}

fn rust_type(ty: &str, control: &str, name: &str) -> &'static str {
    match ty {
        "days" | "hours" | "int" => "i64",
        "bool" => "bool",
        "string" => "String",
        "strings" | "classifications" => "Vec<String>",
        "sla" => "crate::params::Sla",
        "cadence" => "crate::params::Cadence",
        "tls" => "fieldcheck_kit::TlsVersion",
        other => panic!("control `{control}`: parameter `{name}` has unknown type `{other}`"),
    }
}

fn params(controls: &[Control]) -> String {
    let mut o = String::new();
    for c in controls {
        let m = &c.module_name;
        writeln!(o, "/// The typed parameters of `{}`.", c.id).unwrap();
        writeln!(o, "pub mod {m} {{").unwrap();
        writeln!(
            o,
            "    /// `[controls.{}]`'s parameters, read once from the resolved settings.",
            c.id
        )
        .unwrap();
        writeln!(o, "    #[derive(Clone, Debug, PartialEq)]").unwrap();
        writeln!(o, "    pub struct Params {{").unwrap();
        for (name, ty, default, d) in &c.params {
            writeln!(o, "        /// {} (`{ty}`, default `{default}`).", doc(d)).unwrap();
            writeln!(o, "        pub {name}: {},", rust_type(ty, &c.id, name)).unwrap();
        }
        writeln!(o, "    }}").unwrap();
        writeln!(o, "    impl Params {{").unwrap();
        writeln!(
            o,
            "        /// The values resolved (and validated) by `resolve`."
        )
        .unwrap();
        writeln!(
            o,
            "        pub fn from_control(_cp: &crate::ControlParams) -> Params {{"
        )
        .unwrap();
        writeln!(o, "            Params {{").unwrap();
        for (name, ty, _, _) in &c.params {
            let getter = match ty.as_str() {
                "days" | "hours" | "int" => "typed_int",
                "bool" => "typed_bool",
                "string" => "typed_str",
                "strings" | "classifications" => "typed_list",
                "sla" => "typed_sla",
                "cadence" => "typed_cadence",
                _ => "typed_tls",
            };
            writeln!(o, "                {name}: _cp.{getter}({name:?}),").unwrap();
        }
        writeln!(o, "            }}\n        }}\n    }}\n}}").unwrap();
    }
    o
}

fn registry(controls: &[Control]) -> String {
    let mut o = String::new();
    for c in controls {
        let m = &c.module_name;
        writeln!(o, "#[path = {:?}]", c.module.display().to_string()).unwrap();
        if c.extra {
            writeln!(o, "#[allow(missing_docs)]").unwrap();
        }
        writeln!(o, "mod {m};").unwrap();
        writeln!(
            o,
            "fn run_{m}(cx: &crate::Cx<'_>) -> Vec<crate::TestResult> {{"
        )
        .unwrap();
        writeln!(
            o,
            "    let p = crate::control_params::{m}::Params::from_control(cx.p);"
        )
        .unwrap();
        writeln!(o, "    {m}::run(&cx.with(&p))").unwrap();
        writeln!(o, "}}").unwrap();
    }
    writeln!(
        o,
        "/// Every control compiled in, in catalog order: the built-in ones, then those of extra folders."
    )
    .unwrap();
    writeln!(o, "pub(crate) static CONTROLS: &[(&str, RunFn)] = &[").unwrap();
    for c in controls {
        writeln!(o, "    ({:?}, run_{}),", c.id, c.module_name).unwrap();
    }
    writeln!(o, "];").unwrap();
    o
}
