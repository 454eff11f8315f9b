//! The generic mapping adapter, and the HR adapters built on it (Workday RaaS, BambooHR).
//!
//! A mapping names a record kind and, per kit field, where its value comes from: a CSV column
//! or a JSON path (`user.email`, `owners[0].mail`), optionally through a value map
//! (`"Terminated" = "offboarded"`) and a timestamp format (`%m/%d/%Y`), or a constant. Anything
//! with rows (OneTrust, ServiceNow, SailPoint, CyberArk, a Google Sheet) becomes a kit kind
//! without code.

use fieldcheck_kit::{ConfigValue, Diagnostic, Kind, Ty, did_you_mean};
use jiff::Timestamp;
use jiff::civil::{Date, Time};
use jiff::tz::TimeZone;
use serde_json::Value;

use crate::emit::Emitter;
use crate::read::{At, bad_json, csv_rows_any, json_file_in};
use crate::spec::{OptSpec, OptTy, Spec};
use crate::value::{parse_bool, parse_time, present};
use crate::{Adapter, Input};

/// Where one kit field's value comes from.
#[derive(Clone, Debug)]
pub(crate) struct FieldMap {
    /// The kit field.
    pub field: &'static str,
    /// Columns or JSON paths tried in order (the first non-empty wins).
    pub from: Vec<String>,
    /// A constant instead of a column.
    pub value: Option<String>,
    /// Raw value → kit value (exact, then case-insensitive).
    pub map: Vec<(String, String)>,
    /// A strftime-style format for timestamps and dates.
    pub format: Option<String>,
    /// A built-in adapter's default column (its absence is a warning, not an error).
    pub default: bool,
}

/// A whole mapping: the kind and its fields.
#[derive(Clone, Debug)]
pub(crate) struct Mapping {
    pub kind: Kind,
    pub fields: Vec<FieldMap>,
}

const MAPPING_OPTIONS: &[OptSpec] = &[
    OptSpec {
        name: "kind",
        ty: OptTy::Str,
        help: "the record kind the rows become, by file stem: `vendors`, `people`, `sessions`, ...",
    },
    OptSpec {
        name: "fields",
        ty: OptTy::Table,
        help: "kit field = \"Column\" or \"json.path\", or { from = \"...\", map = { \"Raw\" = \"kit\" }, format = \"%m/%d/%Y\" } or { value = \"constant\" }",
    },
    OptSpec {
        name: "records",
        ty: OptTy::Str,
        help: "JSON only: the path of the records array (`data.items`); default: a top-level array or the usual wrappers",
    },
    OptSpec {
        name: "delimiter",
        ty: OptTy::Str,
        help: "CSV only: the delimiter, one character; default `,`",
    },
    OptSpec {
        name: "format",
        ty: OptTy::Str,
        help: "`csv` or `json`; default from the file extension",
    },
];

/// `mapping`.
pub(crate) static MAPPING: Adapter = Adapter {
    spec: &Spec {
        name: "mapping",
        system: "any CSV or JSON export (OneTrust, ServiceNow, SailPoint, CyberArk, ProcessUnity, a spreadsheet)",
        reads: "any CSV (header row) or JSON export, through a declarative mapping of columns or JSON paths to one kit kind's fields",
        produces: &[],
        needs_system: false,
        containers: &[],
        options: MAPPING_OPTIONS,
        example: "[[sources]]\nadapter = \"mapping\"\npath = \"exports/onetrust-vendors.csv\"\nkind = \"vendors\"\n[sources.fields]\nvendor_id = \"Vendor ID\"\nname = \"Vendor Name\"\ntier = { from = \"Criticality\", map = { \"Critical\" = \"1\", \"High\" = \"2\", \"Low\" = \"3\" } }\nstatus = { from = \"Status\", map = { \"Active\" = \"active\", \"Terminated\" = \"offboarded\" } }\nlast_reviewed_at = { from = \"Last Assessment\", format = \"%m/%d/%Y\" }",
    },
    run: run_mapping,
};

/// `workday`.
pub(crate) static WORKDAY: Adapter = Adapter {
    spec: &Spec {
        name: "workday",
        system: "Workday",
        reads: "a Workday custom report (RaaS) as JSON (`?format=json`, `{\"Report_Entry\": [...]}`) or CSV (`?format=csv`), with the columns of the suggested Terminations report or your own through `fields`",
        produces: &[Kind::People],
        needs_system: false,
        containers: &["Report_Entry"],
        options: &[OptSpec {
            name: "fields",
            ty: OptTy::Table,
            help: "overrides of the default columns (person_id = \"Employee_ID\", email = \"Primary_Work_Email\", name = \"Worker\", manager_id = \"Manager_ID\", employment_type = \"Worker_Type\", start_date = \"Hire_Date\", terminated_at = \"Termination_Date\"), in the mapping adapter's form",
        }],
        example: "[[sources]]\nadapter = \"workday\"\npath = \"exports/workday/workers.json\"\n[sources.fields]\nprivileged = { from = \"Has_Admin_Access\", map = { \"1\" = \"true\", \"0\" = \"false\" } }",
    },
    run: run_workday,
};

/// `bamboohr`.
pub(crate) static BAMBOOHR: Adapter = Adapter {
    spec: &Spec {
        name: "bamboohr",
        system: "BambooHR",
        reads: "a BambooHR custom report (`POST /v1/reports/custom?format=JSON` asking for `id`, `workEmail`, `displayName`, `supervisorEId`, `employmentHistoryStatus`, `hireDate` and `terminationDate`; `{\"title\", \"fields\", \"employees\": [...]}`), or the employee directory (`GET /v1/employees/directory`, `{\"fields\", \"employees\": [...]}`), which lists only current employees and carries no hire or termination dates",
        produces: &[Kind::People],
        needs_system: false,
        containers: &["employees"],
        options: &[OptSpec {
            name: "fields",
            ty: OptTy::Table,
            help: "overrides of the default fields (person_id = \"id\", email = \"workEmail\", name = \"displayName\", manager_id = \"supervisorEId\", employment_type = \"employmentHistoryStatus\", start_date = \"hireDate\", terminated_at = \"terminationDate\"), in the mapping adapter's form",
        }],
        example: "[[sources]]\nadapter = \"bamboohr\"\npath = \"exports/bamboohr/report.json\"\n[sources.fields]\nperson_id = \"employeeNumber\"",
    },
    run: run_bamboohr,
};

fn simple(field: &'static str, from: &str) -> FieldMap {
    FieldMap {
        field,
        from: vec![from.to_string()],
        value: None,
        map: Vec::new(),
        format: None,
        default: true,
    }
}

fn run_workday(input: &Input<'_>, em: &mut Emitter) {
    let contract = vec![
        ("Employee".to_string(), "employee".to_string()),
        ("Regular".to_string(), "employee".to_string()),
        ("Contingent Worker".to_string(), "contractor".to_string()),
        ("Contractor".to_string(), "contractor".to_string()),
    ];
    let mut defaults = vec![
        simple("person_id", "Employee_ID"),
        simple("email", "Primary_Work_Email"),
        simple("name", "Worker"),
        simple("manager_id", "Manager_ID"),
        FieldMap {
            map: contract,
            ..simple("employment_type", "Worker_Type")
        },
        simple("start_date", "Hire_Date"),
        simple("terminated_at", "Termination_Date"),
    ];
    run_with_defaults(input, em, Kind::People, &mut defaults);
}

fn run_bamboohr(input: &Input<'_>, em: &mut Emitter) {
    let status = vec![
        ("Contractor".to_string(), "contractor".to_string()),
        ("Contract".to_string(), "contractor".to_string()),
        ("Full-Time".to_string(), "employee".to_string()),
        ("Part-Time".to_string(), "employee".to_string()),
        ("Terminated".to_string(), "employee".to_string()),
        ("Intern".to_string(), "employee".to_string()),
    ];
    let mut defaults = vec![
        simple("person_id", "id"),
        simple("email", "workEmail"),
        FieldMap {
            from: vec![
                "displayName".into(),
                "preferredName".into(),
                "firstName".into(),
            ],
            ..simple("name", "displayName")
        },
        simple("manager_id", "supervisorEId"),
        FieldMap {
            map: status,
            ..simple("employment_type", "employmentHistoryStatus")
        },
        simple("start_date", "hireDate"),
        simple("terminated_at", "terminationDate"),
    ];
    run_with_defaults(input, em, Kind::People, &mut defaults);
}

fn run_with_defaults(
    input: &Input<'_>,
    em: &mut Emitter,
    kind: Kind,
    defaults: &mut Vec<FieldMap>,
) {
    if let Some(overrides) = parse_fields(input, kind, em, false) {
        for o in overrides {
            match defaults.iter_mut().find(|d| d.field == o.field) {
                Some(d) => *d = o,
                None => defaults.push(o),
            }
        }
    } else if input.options.value("fields").is_some() {
        return;
    }
    let m = Mapping {
        kind,
        fields: std::mem::take(defaults),
    };
    apply(input, em, &m);
}

fn run_mapping(input: &Input<'_>, em: &mut Emitter) {
    let Some(stem) = input.options.str("kind") else {
        em.diag(
            Diagnostic::error(
                fieldcheck_kit::Code::SourceInvalid,
                "a `mapping` source needs `kind`: the record kind its rows become",
            )
            .file(input.config.to_string())
            .help(format!(
                "add `kind = \"...\"`, one of: {}",
                Kind::ALL
                    .iter()
                    .map(|k| format!("`{}`", k.stem()))
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        );
        return;
    };
    let Some(kind) = Kind::ALL.iter().copied().find(|k| k.stem() == stem) else {
        let hint = did_you_mean(stem, Kind::ALL.iter().map(|k| k.stem()))
            .map(|s| format!("did you mean `{s}`? "))
            .unwrap_or_default();
        let mut d = Diagnostic::error(
            fieldcheck_kit::Code::SourceInvalid,
            format!("`{stem}` is not a record kind"),
        )
        .file(input.config.to_string())
        .help(format!(
            "{hint}the kinds are: {}",
            Kind::ALL
                .iter()
                .map(|k| format!("`{}`", k.stem()))
                .collect::<Vec<_>>()
                .join(", ")
        ));
        if let Some(p) = input.options.place("kind") {
            d = d
                .line(p.line)
                .column(p.column)
                .snippet(p.snippet.clone(), p.width.max(1));
        }
        em.diag(d);
        return;
    };
    let Some(fields) = parse_fields(input, kind, em, true) else {
        return;
    };
    apply(input, em, &Mapping { kind, fields });
}

/// Parses the `fields` table; `None` when it is missing (and `need`) or has errors.
fn parse_fields(
    input: &Input<'_>,
    kind: Kind,
    em: &mut Emitter,
    need: bool,
) -> Option<Vec<FieldMap>> {
    let schema = kind.schema();
    let place = input.options.place("fields").cloned();
    let fail = |em: &mut Emitter, msg: String, help: String| {
        let mut d = Diagnostic::error(fieldcheck_kit::Code::SourceInvalidOption, msg)
            .help(help)
            .file(input.config.to_string());
        if let Some(p) = &place {
            d = d
                .line(p.line)
                .column(p.column)
                .snippet(p.snippet.clone(), p.width.max(1));
        }
        em.diag(d);
    };
    let Some(ConfigValue::Table(entries)) = input.options.value("fields") else {
        if need {
            fail(
                em,
                format!(
                    "a `mapping` source needs `fields`: which column or JSON path fills each field of {}",
                    schema.stem
                ),
                "add a `[sources.fields]` table, e.g. `vendor_id = \"Vendor ID\"`".into(),
            );
        }
        return None;
    };
    let mut out = Vec::new();
    let mut ok = true;
    for (name, v) in entries {
        let Some(f) = schema.fields.iter().find(|f| f.name == name) else {
            let hint = did_you_mean(name, schema.fields.iter().map(|f| f.name))
                .map(|s| format!("did you mean `{s}`? "))
                .unwrap_or_default();
            fail(
                em,
                format!("{} has no field `{name}`", schema.stem),
                format!(
                    "{hint}the fields of {} are: {}",
                    schema.stem,
                    schema
                        .fields
                        .iter()
                        .map(|f| f.name)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            );
            ok = false;
            continue;
        };
        let mut m = FieldMap {
            field: f.name,
            from: Vec::new(),
            value: None,
            map: Vec::new(),
            format: None,
            default: false,
        };
        match v {
            ConfigValue::Str(s) => m.from.push(s.clone()),
            ConfigValue::Array(a) => m.from.extend(a.iter().filter_map(|x| {
                if let ConfigValue::Str(s) = x {
                    Some(s.clone())
                } else {
                    None
                }
            })),
            ConfigValue::Table(t) => {
                for (k, x) in t {
                    match (k.as_str(), x) {
                        ("from", ConfigValue::Str(s)) => m.from.push(s.clone()),
                        ("from", ConfigValue::Array(a)) => {
                            m.from.extend(a.iter().filter_map(|x| {
                                if let ConfigValue::Str(s) = x {
                                    Some(s.clone())
                                } else {
                                    None
                                }
                            }))
                        }
                        ("value", ConfigValue::Str(s)) => m.value = Some(s.clone()),
                        ("value", ConfigValue::Int(n)) => m.value = Some(n.to_string()),
                        ("value", ConfigValue::Bool(b)) => m.value = Some(b.to_string()),
                        ("format", ConfigValue::Str(s)) => m.format = Some(s.clone()),
                        ("map", ConfigValue::Table(mt)) => {
                            for (rk, rv) in mt {
                                let rv = match rv {
                                    ConfigValue::Str(s) => s.clone(),
                                    ConfigValue::Int(n) => n.to_string(),
                                    ConfigValue::Bool(b) => b.to_string(),
                                    _ => continue,
                                };
                                m.map.push((rk.clone(), rv));
                            }
                        }
                        (other, _) => {
                            fail(em, format!("`fields.{name}` has an unknown or mistyped key `{other}`"), "a field takes `from` (a column or path, or a list of them), `map` (a table), `format` (a string) or `value` (a constant)".into());
                            ok = false;
                        }
                    }
                }
            }
            other => {
                fail(
                    em,
                    format!(
                        "`fields.{name}` must be a column name or a table, not {}",
                        other.type_name()
                    ),
                    "write `field = \"Column\"` or `field = { from = \"Column\", map = { ... } }`"
                        .into(),
                );
                ok = false;
                continue;
            }
        }
        if m.from.is_empty() && m.value.is_none() {
            fail(
                em,
                format!("`fields.{name}` names no column"),
                "add `from = \"Column\"` or `value = \"constant\"`".into(),
            );
            ok = false;
            continue;
        }
        out.push(m);
    }
    for f in schema.fields.iter().filter(|f| f.required && need) {
        if !out.iter().any(|m| m.field == f.name) {
            fail(
                em,
                format!(
                    "`fields` does not map `{}`, which {} requires",
                    f.name, schema.stem
                ),
                format!("add `{} = \"Column\"`", f.name),
            );
            ok = false;
        }
    }
    ok.then_some(out)
}

/// Looks up a JSON path: dot-separated keys with optional `[n]` indexes.
pub(crate) fn lookup<'v>(v: &'v Value, path: &str) -> Option<&'v Value> {
    let mut cur = v;
    for part in path.split('.') {
        let (key, idx) = match part.find('[') {
            Some(b) => (&part[..b], Some(&part[b..])),
            None => (part, None),
        };
        if !key.is_empty() {
            cur = cur.get(key)?;
        }
        if let Some(mut rest) = idx {
            while let Some(end) = rest.find(']') {
                let n: usize = rest.get(1..end)?.parse().ok()?;
                cur = cur.get(n)?;
                rest = &rest[end + 1..];
            }
        }
    }
    Some(cur)
}

fn json_text(v: &Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Array(a) => a.first().and_then(json_text),
        Value::Object(_) => None,
    }
}

/// The moment a bare date stands for: 23:59:59 that day.
const END_OF_DAY: Time = Time::constant(23, 59, 59, 0);

/// Converts one raw value to the kit field's text, or explains why it cannot.
///
/// A timestamp field's bare date is read as 23:59:59 that day in `tz` (the kit's rule for bare
/// dates; for `terminated_at`, the last moment of the last working day), and `bare` is set.
fn convert(
    m: &FieldMap,
    ty: Ty,
    raw: &str,
    tz: &TimeZone,
    bare: &mut bool,
) -> Result<Option<String>, String> {
    let mapped = m
        .map
        .iter()
        .find(|(k, _)| k == raw)
        .or_else(|| m.map.iter().find(|(k, _)| k.eq_ignore_ascii_case(raw)))
        .map(|(_, v)| v.clone());
    let v = mapped.unwrap_or_else(|| raw.to_string());
    let Some(v) = present(&v).map(str::to_string) else {
        return Ok(None);
    };
    match ty {
        Ty::Ts => {
            if let Some(fmt) = &m.format {
                let bdt = jiff::fmt::strtime::parse(fmt, &v)
                    .map_err(|e| format!("`{v}` does not match the format `{fmt}` ({e})"))?;
                if let Ok(ts) = bdt.to_timestamp() {
                    return Ok(Some(ts.to_string()));
                }
                let dt = match bdt.to_datetime() {
                    Ok(dt) => dt,
                    Err(_) => {
                        *bare = true;
                        bdt.to_date()
                            .map_err(|e| e.to_string())?
                            .to_datetime(END_OF_DAY)
                    }
                };
                return dt
                    .to_zoned(tz.clone())
                    .map(|z| Some(z.timestamp().to_string()))
                    .map_err(|e| e.to_string());
            }
            if v.len() == 10
                || (v.len() == 16
                    && v.as_bytes()
                        .get(10)
                        .is_some_and(|b| *b == b'-' || *b == b'+'))
            {
                // A bare date (Workday may add an offset: `2025-03-14-08:00`): 23:59:59 that day.
                let d: Date = crate::value::parse_date_prefix(&v)?;
                *bare = true;
                return d
                    .to_datetime(END_OF_DAY)
                    .to_zoned(tz.clone())
                    .map(|z| Some(z.timestamp().to_string()))
                    .map_err(|e| e.to_string());
            }
            parse_time(&v, Some(tz)).map(|t: Timestamp| Some(t.to_string()))
        }
        Ty::Date => {
            if let Some(fmt) = &m.format {
                let bdt = jiff::fmt::strtime::parse(fmt, &v)
                    .map_err(|e| format!("`{v}` does not match the format `{fmt}` ({e})"))?;
                return bdt
                    .to_date()
                    .map(|d| Some(d.to_string()))
                    .map_err(|e| e.to_string());
            }
            crate::value::parse_date_prefix(&v).map(|d| Some(d.to_string()))
        }
        Ty::Bool => parse_bool(&v).map(|b| Some(b.to_string())).ok_or_else(|| {
            format!("`{v}` is not a boolean (map it with `map = {{ \"{v}\" = \"true\" }}`)")
        }),
        Ty::Enum(values) => {
            let lower = v.to_lowercase().replace([' ', '-'], "_");
            Ok(Some(if values.contains(&lower.as_str()) {
                lower
            } else {
                v
            }))
        }
        _ => Ok(Some(v)),
    }
}

/// Applies `m` to every record of the source's files.
pub(crate) fn apply(input: &Input<'_>, em: &mut Emitter, m: &Mapping) {
    let schema = m.kind.schema();
    let format = input.options.str("format").map(str::to_ascii_lowercase);
    for f in input.files {
        let is_json = match format.as_deref() {
            Some("json") => true,
            Some(_) => false,
            None => {
                let n = f.shown.to_ascii_lowercase();
                n.ends_with(".json")
                    || n.ends_with(".jsonl")
                    || n.ends_with(".ndjson")
                    || n.ends_with(".json.gz")
            }
        };
        let one = std::slice::from_ref(f);
        let sub = Input {
            spec: input.spec,
            options: input.options,
            system_id: input.system_id,
            tz: input.tz,
            files: one,
            config: input.config,
            root: input.root,
        };
        // Timestamp fields given as bare dates, counted per field for the file's note.
        let bare_dates: std::cell::RefCell<std::collections::BTreeMap<&'static str, u64>> =
            Default::default();
        let emit_row = |em: &mut Emitter, at: &At, get: &dyn Fn(&str) -> Option<String>| {
            let mut row = em.row(m.kind, &at.file, at.line, at.path());
            let mut problems: Vec<String> = Vec::new();
            let mut unknown: Vec<(&'static str, String)> = Vec::new();
            let mut too_long: Vec<(&'static str, usize)> = Vec::new();
            let mut bare_here: Vec<&'static str> = Vec::new();
            for fm in &m.fields {
                let Some(kf) = schema.fields.iter().find(|x| x.name == fm.field) else {
                    continue;
                };
                let raw = match &fm.value {
                    Some(c) => Some(c.clone()),
                    None => fm
                        .from
                        .iter()
                        .find_map(|c| get(c).filter(|s| !s.trim().is_empty())),
                };
                let Some(raw) = raw else { continue };
                // No evidence field is this long (a cell that swallowed a file): rejected before
                // any work on it, as the kit reader does.
                if raw.len() > MAX_CELL {
                    too_long.push((fm.field, raw.len()));
                    continue;
                }
                let mut bare = false;
                match convert(fm, kf.ty, raw.trim(), input.tz, &mut bare) {
                    Ok(Some(v)) if matches!(kf.ty, Ty::Enum(values) if !values.contains(&v.as_str())) =>
                    {
                        unknown.push((fm.field, v));
                    }
                    Ok(v) => {
                        if bare {
                            bare_here.push(fm.field);
                        }
                        row = row.set(fm.field, v)
                    }
                    Err(e) => problems.push(format!("`{}`: {e}", fm.field)),
                }
            }
            if problems.is_empty() && unknown.is_empty() && too_long.is_empty() {
                row.emit();
                let mut b = bare_dates.borrow_mut();
                for f in bare_here {
                    *b.entry(f).or_default() += 1;
                }
                return;
            }
            drop(row);
            for (field, len) in too_long {
                em.bad_record(&at.file, at.line, at.path(), fieldcheck_kit::Code::CellTooLong, format!("`{field}` is {len} bytes long; no evidence field is longer than 64 KiB"), "the cell swallowed more than its value (an unclosed quote, a file pasted in): fix the export; the record was skipped");
            }
            for (field, value) in unknown {
                let allowed = schema
                    .fields
                    .iter()
                    .find(|k| k.name == field)
                    .map(|k| k.ty.describe())
                    .unwrap_or_default();
                let shown = super::common::clip(&value);
                em.bad_record(&at.file, at.line, at.path(), fieldcheck_kit::Code::UnknownValue, format!("`{field}` is `{shown}`, which is not a kit value"), format!("map it in `[sources.fields]`, e.g. `{field} = {{ from = \"...\", map = {{ \"{shown}\" = \"...\" }} }}` (the kit takes {allowed}); the record was skipped and the controls that need it are not evidenced"));
            }
            if !problems.is_empty() {
                em.bad_record(&at.file, at.line, at.path(), fieldcheck_kit::Code::BadValue, format!("cannot read {}", problems.join("; ")), "fix the value or add a `map`/`format` for it in `[sources.fields]`; the record was skipped");
            }
        };
        if is_json {
            let records = input.options.str("records").map(str::to_string);
            let containers: Vec<&str> = match &records {
                Some(r) if !r.contains('.') && !r.contains('[') => vec![r.as_str()],
                Some(_) => Vec::new(),
                None if input.spec.containers.is_empty() => DEFAULT_CONTAINERS.to_vec(),
                None => input.spec.containers.to_vec(),
            };
            // Which mapped fields some record of the file has (a renamed report column shows up
            // as a field no record has).
            let mut seen = vec![false; m.fields.len()];
            let mut count = 0usize;
            let mut mark = |v: &Value, seen: &mut Vec<bool>| {
                count += 1;
                for (i, fm) in m.fields.iter().enumerate() {
                    if !seen[i] && fm.from.iter().any(|c| lookup(v, c).is_some()) {
                        seen[i] = true;
                    }
                }
            };
            json_file_in(&sub, f, &containers, em, &mut |el, at, em| {
                let doc: Value = match serde_json::from_slice(el.bytes) {
                    Ok(v) => v,
                    Err(e) => return bad_json(em, at, &e, input.spec.reads),
                };
                match &records {
                    Some(r) if r.contains('.') || r.contains('[') => {
                        let Some(Value::Array(items)) = lookup(&doc, r) else {
                            at.bad(
                                em,
                                fieldcheck_kit::Code::BadJson,
                                format!("the document has no array at `{r}`"),
                                "check `records` in the source's config",
                            );
                            return;
                        };
                        for (i, item) in items.iter().enumerate() {
                            let at = At {
                                path: Some(format!(
                                    "{}.{r}[{i}]",
                                    at.path.as_deref().unwrap_or("$")
                                )),
                                ..at.clone()
                            };
                            mark(item, &mut seen);
                            emit_row(em, &at, &|c| lookup(item, c).and_then(json_text));
                        }
                    }
                    _ => {
                        mark(&doc, &mut seen);
                        emit_row(em, at, &|c| lookup(&doc, c).and_then(json_text))
                    }
                }
            });
            let never: Vec<String> = m
                .fields
                .iter()
                .zip(&seen)
                .filter(|(fm, s)| !**s && fm.value.is_none())
                .map(|(fm, _)| format!("`{}` (for `{}`)", fm.from.join("` or `"), fm.field))
                .collect();
            if count > 0 && !never.is_empty() {
                em.diag(
                    Diagnostic::warning(
                        fieldcheck_kit::Code::SourceMissingField,
                        format!(
                            "no record of the file has {}: those fields are unknown for all {count} records",
                            never.join(", ")
                        ),
                    )
                    .file(f.shown.clone())
                    .help("if the report's field was renamed, update `[sources.fields]`; if it is empty for everyone, ignore this"),
                );
            }
        } else {
            let delim = input
                .options
                .str("delimiter")
                .and_then(|d| d.bytes().next())
                .unwrap_or(b',');
            // Every mapped column must be in the header: a renamed column would otherwise read
            // as empty for every row.
            let is_required = |f: &FieldMap| {
                schema
                    .fields
                    .iter()
                    .any(|k| k.name == f.field && k.required)
            };
            let needed: Vec<Vec<String>> = m
                .fields
                .iter()
                .filter(|f| f.value.is_none() && (!f.default || is_required(f)))
                .map(|f| f.from.clone())
                .collect();
            let wanted: Vec<Vec<String>> = m
                .fields
                .iter()
                .filter(|f| f.value.is_none() && f.default && !is_required(f))
                .map(|f| f.from.clone())
                .collect();
            csv_rows_any(&sub, em, delim, &needed, &wanted, &mut |row, at, em| {
                emit_row(em, at, &|c| row.get(c).map(str::to_string))
            });
        }
        for (field, n) in bare_dates.into_inner() {
            em.diag(
                Diagnostic::new(
                    fieldcheck_kit::Severity::Note,
                    fieldcheck_kit::Code::BareDate,
                    format!(
                        "{n} value{} of `{field}` {} a bare date, read as 23:59:59 that day in {}",
                        if n == 1 { "" } else { "s" },
                        if n == 1 { "is" } else { "are" },
                        input.tz.iana_name().unwrap_or("the source's time zone")
                    ),
                )
                .file(f.shown.clone())
                .help("a date without a time is the last moment of that day (for a termination, the last working day); export the time, or set the source's `timezone`, if that is not what it means"),
            );
        }
    }
}

/// The longest value a mapped field takes (as the kit reader: 64 KiB).
const MAX_CELL: usize = 64 * 1024;

/// Wrappers whose array holds the records when a mapping names no `records` path.
const DEFAULT_CONTAINERS: &[&str] = &[
    "data",
    "value",
    "items",
    "results",
    "records",
    "Report_Entry",
    "employees",
    "issues",
];

#[cfg(test)]
mod tests {
    use crate::testkit::{flat, run};

    const VENDORS: &str = "Vendor ID,Vendor Name,Criticality,Status,Last Assessment,Report End\n\
V-1,\"Acme, Inc.\",Critical,Active,03/15/2026,2025-12-31\n\
V-2,Globex,Low,Terminated,N/A,\n\
V-3,Initech,High,Active,13/45/2026,\n";

    const BLOCK: &str = "[[sources]]\nadapter = \"mapping\"\npath = \"grc/vendors.csv\"\nkind = \"vendors\"\n[sources.fields]\nvendor_id = \"Vendor ID\"\nname = \"Vendor Name\"\ntier = { from = \"Criticality\", map = { \"Critical\" = \"1\", \"High\" = \"2\", \"Low\" = \"3\" } }\nstatus = { from = \"Status\", map = { \"Active\" = \"active\", \"Terminated\" = \"offboarded\" } }\nlast_reviewed_at = { from = \"Last Assessment\", format = \"%m/%d/%Y\" }\nreport_period_end = \"Report End\"\nassurance_type = { value = \"soc2_type2\" }";

    #[test]
    fn a_csv_mapping_with_value_maps_formats_and_constants() {
        let out = run(BLOCK, &[("grc/vendors.csv", VENDORS.as_bytes())]);
        let rows: Vec<String> = out.rows("vendors").iter().map(flat).collect();
        assert_eq!(
            rows,
            [
                "assurance_type=soc2_type2|last_reviewed_at=2026-03-15T04:00:00Z|name=Acme, Inc.|report_period_end=2025-12-31|status=active|tier=1|vendor_id=V-1",
                "assurance_type=soc2_type2|name=Globex|status=offboarded|tier=3|vendor_id=V-2",
            ]
        );
        // The impossible date is an error on its line, naming the field and the format.
        assert_eq!(out.codes(), ["bad-value"]);
        assert_eq!(out.diags[0].line, Some(4));
        assert!(
            out.diags[0].message.contains("last_reviewed_at"),
            "{}",
            out.diags[0].message
        );
        assert_eq!(out.problems("vendors").len(), 1);
    }

    #[test]
    fn a_changed_header_is_named_with_the_closest_column() {
        let csv = VENDORS.replace("Vendor ID", "Vendor Id");
        let out = run(BLOCK, &[("grc/vendors.csv", csv.as_bytes())]);
        assert!(out.rows("vendors").is_empty());
        assert_eq!(out.codes(), ["source-missing-column"]);
        assert!(
            out.diags[0]
                .help
                .as_deref()
                .unwrap_or("")
                .contains("`Vendor Id` → `Vendor ID`"),
            "{:?}",
            out.diags[0].help
        );
    }

    #[test]
    fn bad_mappings_are_config_errors() {
        let out = run(
            "[[sources]]\nadapter = \"mapping\"\npath = \"x.csv\"\nkind = \"vendor\"\n[sources.fields]\nvendor_id = \"A\"",
            &[("x.csv", b"A\n1\n")],
        );
        assert_eq!(out.codes(), ["source-invalid"]);
        assert!(
            out.diags[0]
                .help
                .as_deref()
                .unwrap_or("")
                .contains("did you mean `vendors`?")
        );
        let out = run(
            "[[sources]]\nadapter = \"mapping\"\npath = \"x.csv\"\nkind = \"vendors\"\n[sources.fields]\nname = \"A\"\ntierr = \"B\"",
            &[("x.csv", b"A\n1\n")],
        );
        assert_eq!(
            out.codes(),
            ["source-invalid-option", "source-invalid-option"]
        );
        assert!(
            out.diags[0]
                .help
                .as_deref()
                .unwrap_or("")
                .contains("did you mean `tier`?")
        );
        assert!(out.diags[1].message.contains("`vendor_id`"));
    }

    #[test]
    fn json_paths_and_nested_records() {
        let doc = r#"{"data": {"items": [
  {"id": "S-1", "owner": {"email": "ann@example.com"}, "start": "2026-03-01T10:00:00Z", "tags": ["ssh"]},
  {"id": "S-2", "owner": {"email": null}, "start": "2026-03-01 11:00:00+00:00", "tags": []}
]}}"#;
        let out = run(
            "[[sources]]\nadapter = \"mapping\"\npath = \"pam.json\"\nkind = \"sessions\"\nsystem_id = \"prod\"\nrecords = \"data.items\"\n[sources.fields]\nsession_id = \"id\"\nperson_id = \"owner.email\"\nstarted_at = \"start\"\nmethod = \"tags[0]\"",
            &[("pam.json", doc.as_bytes())],
        );
        let rows: Vec<String> = out.rows("sessions").iter().map(flat).collect();
        assert_eq!(
            rows,
            [
                "method=ssh|person_id=ann@example.com|session_id=S-1|started_at=2026-03-01T10:00:00Z|system_id=prod",
                "session_id=S-2|started_at=2026-03-01T11:00:00Z|system_id=prod",
            ]
        );
        assert_eq!(
            out.origins("sessions")[1].path.as_deref(),
            Some("$.data.items[1]")
        );
    }

    #[test]
    fn workday_reports_in_json_and_csv() {
        let json = r#"{"Report_Entry": [
  {"Employee_ID": "52107", "Worker": "John Smith (52107)", "Primary_Work_Email": "john.smith@example.com",
   "Hire_Date": "2021-06-01", "Termination_Date": "2025-03-14-08:00", "Worker_Type": "Employee", "Manager_ID": "50001"},
  {"Employee_ID": "52108", "Worker": "Ana Lima", "Primary_Work_Email": "ana@example.com", "Hire_Date": "2024-02-01-05:00",
   "Termination_Date": "2026-05-14T17:30:00-04:00", "Worker_Type": "Contingent Worker", "Has_Admin": "1"}
]}"#;
        let out = run(
            "[[sources]]\nadapter = \"workday\"\npath = \"hr/workers.json\"\n[sources.fields]\nprivileged = \"Has_Admin\"",
            &[("hr/workers.json", json.as_bytes())],
        );
        let rows: Vec<String> = out.rows("people").iter().map(flat).collect();
        assert_eq!(
            rows,
            [
                "email=john.smith@example.com|employment_type=employee|manager_id=50001|name=John Smith (52107)|person_id=52107|start_date=2021-06-01|terminated_at=2025-03-15T03:59:59Z",
                "email=ana@example.com|employment_type=contractor|name=Ana Lima|person_id=52108|privileged=true|start_date=2024-02-01|terminated_at=2026-05-14T21:30:00Z",
            ]
        );
        // The bare termination date is 23:59:59 that day in the org's zone, counted in a note.
        assert_eq!(out.codes(), ["bare-date"]);
        assert_eq!(out.diags[0].file.as_deref(), Some("hr/workers.json"));
        assert!(
            out.diags[0]
                .message
                .starts_with("1 value of `terminated_at` is a bare date, read as 23:59:59 that day in America/New_York"),
            "{}",
            out.diags[0].message
        );
        let csv = "Employee_ID,Worker,Primary_Work_Email,Hire_Date,Termination_Date,Worker_Type\n52107,John Smith,john@example.com,2021-06-01,,Employee\n";
        let out = run(
            "[[sources]]\nadapter = \"workday\"\npath = \"hr/workers.csv\"",
            &[("hr/workers.csv", csv.as_bytes())],
        );
        assert_eq!(
            flat(&out.rows("people")[0]),
            "email=john@example.com|employment_type=employee|name=John Smith|person_id=52107|start_date=2021-06-01"
        );
    }

    #[test]
    fn bamboohr_directory_with_its_never_terminated_sentinel() {
        let json = r#"{"fields": [], "employees": [
  {"id": "2", "employeeNumber": "E-1042", "displayName": "Kenji Watanabe", "workEmail": "kenji@example.com", "status": "Inactive",
   "employmentHistoryStatus": "Full-Time", "hireDate": "2020-01-06", "terminationDate": "2025-03-14", "supervisorEId": "1"},
  {"id": "3", "displayName": null, "firstName": "Ann", "workEmail": "ann@example.com", "status": "Active",
   "employmentHistoryStatus": "Contractor", "hireDate": "2021-02-01", "terminationDate": "0000-00-00"}
]}"#;
        let out = run(
            "[[sources]]\nadapter = \"bamboohr\"\npath = \"hr/*.json\"",
            &[("hr/dir.json", json.as_bytes())],
        );
        let rows: Vec<String> = out.rows("people").iter().map(flat).collect();
        assert_eq!(
            rows,
            [
                "email=kenji@example.com|employment_type=employee|manager_id=1|name=Kenji Watanabe|person_id=2|start_date=2020-01-06|terminated_at=2025-03-15T03:59:59Z",
                "email=ann@example.com|employment_type=contractor|name=Ann|person_id=3|start_date=2021-02-01",
            ]
        );
        assert_eq!(out.codes(), ["bare-date"], "{:?}", out.diags);
    }

    #[test]
    fn a_renamed_optional_column_stops_the_file_and_json_fields_no_record_has_are_named() {
        let csv = VENDORS.replace("Last Assessment", "Last Assesment");
        let out = run(BLOCK, &[("grc/vendors.csv", csv.as_bytes())]);
        assert!(out.rows("vendors").is_empty());
        assert_eq!(out.codes(), ["source-missing-column"]);
        assert!(
            out.diags[0]
                .help
                .as_deref()
                .unwrap_or("")
                .contains("`Last Assesment` → `Last Assessment`"),
            "{:?}",
            out.diags[0].help
        );
        assert_eq!(out.problems("vendors").len(), 1);

        let json = r#"{"Report_Entry": [{"Employee_ID": "1", "Hire_Date": "2020-01-01", "Term_Date": "2026-03-01"}]}"#;
        let out = run(
            "[[sources]]\nadapter = \"workday\"\npath = \"w.json\"",
            &[("w.json", json.as_bytes())],
        );
        assert_eq!(out.codes(), ["source-missing-field"]);
        assert!(
            out.diags[0]
                .message
                .contains("`Termination_Date` (for `terminated_at`)"),
            "{}",
            out.diags[0].message
        );
    }

    #[test]
    fn values_that_are_not_kit_values_are_errors_on_their_lines() {
        let json = r#"{"Report_Entry": [{"Employee_ID": "1", "Hire_Date": "2020-01-01", "Worker_Type": "Intern"},
 {"Employee_ID": "2", "Hire_Date": "2020-01-01", "Worker_Type": "Intern"},
 {"Employee_ID": "3", "Hire_Date": "2020-01-01", "Worker_Type": "Employee"}]}"#;
        let out = run(
            "[[sources]]\nadapter = \"workday\"\npath = \"w.json\"",
            &[("w.json", json.as_bytes())],
        );
        // Never a person of unknown employment type: each record is an error on its line and
        // is skipped, and the people's controls are not evidenced.
        let rows: Vec<String> = out.rows("people").iter().map(flat).collect();
        assert_eq!(
            rows,
            ["employment_type=employee|person_id=3|start_date=2020-01-01"]
        );
        // (`source-missing-field`: the report has no termination column.)
        assert_eq!(
            out.codes(),
            ["unknown-value", "unknown-value", "source-missing-field"]
        );
        let lines: Vec<Option<u32>> = out.diags[..2].iter().map(|d| d.line).collect();
        assert_eq!(lines, [Some(1), Some(2)]);
        let d = &out.diags[0];
        assert_eq!(d.severity, fieldcheck_kit::Severity::Error);
        assert!(
            d.message.starts_with(
                "`employment_type` is `Intern`, which is not a kit value at $.Report_Entry[0]"
            ),
            "{}",
            d.message
        );
        assert!(
            d.help
                .as_deref()
                .unwrap_or("")
                .contains("map = { \"Intern\" = \"...\" }"),
            "{:?}",
            d.help
        );
        assert_eq!(out.problems("people").len(), 1);
    }

    #[test]
    fn csv_lines_are_exact_with_crlf_blank_lines_quoted_newlines_and_gzip() {
        let csv = "Vendor ID,Vendor Name\r\nV-1,\"Acme\r\nInc.\"\r\n\r\nV-2,Globex\r\n";
        let block = "[[sources]]\nadapter = \"mapping\"\npath = \"v.csv*\"\nkind = \"vendors\"\n[sources.fields]\nvendor_id = \"Vendor ID\"\nname = \"Vendor Name\"";
        let out = run(block, &[("v.csv", csv.as_bytes())]);
        let lines: Vec<u32> = out.origins("vendors").iter().map(|o| o.line).collect();
        assert_eq!(lines, [2, 5]);
        assert_eq!(out.rows("vendors")[1]["name"], "Globex");
        use std::io::Write;
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        enc.write_all(csv.as_bytes()).unwrap();
        let out = run(block, &[("v.csv.gz", &enc.finish().unwrap())]);
        assert_eq!(out.rows("vendors").len(), 2, "{:?}", out.diags);
    }

    #[test]
    fn empty_exports_and_api_error_answers_are_lost_evidence() {
        let block = "[[sources]]\nadapter = \"mapping\"\npath = \"x/*\"\nkind = \"vendors\"\n[sources.fields]\nvendor_id = \"id\"";
        let out = run(
            block,
            &[("x/a.json", b""), ("x/b.csv", b""), ("x/c.json", b"  \n")],
        );
        assert_eq!(
            out.codes(),
            ["empty-export", "empty-export", "empty-export"]
        );
        assert!(!out.problems("vendors").is_empty());
        for (body, said) in [
            (
                r#"{"errorCode": "E0000011", "errorSummary": "Invalid token provided", "errorLink": "E0000011"}"#,
                "E0000011: Invalid token provided",
            ),
            (
                r#"{"message": "Bad credentials", "documentation_url": "https://docs.github.com/rest"}"#,
                "Bad credentials",
            ),
            (
                r#"{"errorMessages": ["The value 'XYZ' does not exist for the field 'project'."], "errors": {}}"#,
                "does not exist",
            ),
            (
                r#"{"error": {"code": "InvalidAuthenticationToken", "message": "Access token has expired."}}"#,
                "InvalidAuthenticationToken: Access token has expired.",
            ),
            (
                r#"{"__type": "AccessDeniedException", "message": "User is not authorized"}"#,
                "AccessDeniedException",
            ),
        ] {
            let out = run(block, &[("x/page.json", body.as_bytes())]);
            assert_eq!(out.codes(), ["source-error-response"], "{body}");
            assert!(
                out.diags[0].message.contains(said),
                "{}",
                out.diags[0].message
            );
            assert!(!out.problems("vendors").is_empty());
        }
    }

    #[test]
    fn a_flood_of_bad_values_is_capped_and_counted() {
        let mut csv = String::from("Vendor ID,Last Review\n");
        for i in 0..60 {
            csv.push_str(&format!("V-{i},not a date\n"));
        }
        let block = "[[sources]]\nadapter = \"mapping\"\npath = \"v.csv\"\nkind = \"vendors\"\n[sources.fields]\nvendor_id = \"Vendor ID\"\nlast_reviewed_at = \"Last Review\"";
        let out = run(block, &[("v.csv", csv.as_bytes())]);
        let codes = out.codes();
        assert_eq!(codes.iter().filter(|c| **c == "bad-value").count(), 50);
        let more = out
            .diags
            .iter()
            .find(|d| d.code == "more-diagnostics")
            .expect("counted");
        assert_eq!(
            (more.file.as_deref(), more.message.as_str()),
            (
                Some("v.csv"),
                "10 more `bad-value` diagnostics in this file were not listed"
            )
        );
    }

    #[test]
    fn a_column_named_twice_is_an_error_never_the_last_of_two() {
        // A vendor-management export with `Status` twice (the vendor's and the contract's):
        // which one is the vendor's cannot be guessed.
        let csv = "Vendor ID,Vendor Name,Criticality,Status,Last Assessment,Report End,Status\n\
V-1,\"Acme, Inc.\",Critical,Terminated,03/15/2026,2025-12-31,Active\n";
        let out = run(BLOCK, &[("grc/vendors.csv", csv.as_bytes())]);
        assert!(out.rows("vendors").is_empty());
        assert_eq!(out.codes(), ["duplicate-column"]);
        let d = &out.diags[0];
        assert_eq!(d.severity, fieldcheck_kit::Severity::Error);
        assert_eq!(
            (d.file.as_deref(), d.line),
            (Some("grc/vendors.csv"), Some(1))
        );
        assert!(d.message.contains("`Status` twice"), "{}", d.message);
        assert_eq!(out.problems("vendors").len(), 1);
    }

    #[test]
    fn a_semicolon_or_tab_delimited_export_is_named_in_the_error() {
        for (sep, name) in [(";", "`;` (semicolons)"), ("\t", "tabs")] {
            let csv = VENDORS.replace(',', sep);
            let out = run(BLOCK, &[("grc/vendors.csv", csv.as_bytes())]);
            assert_eq!(out.codes(), ["source-missing-column"]);
            let help = out.diags[0].help.clone().unwrap_or_default();
            assert!(
                help.contains(&format!("separated by {name}, not `,`"))
                    && help.contains("`delimiter`"),
                "{help}"
            );
        }
        // With the delimiter set, the same export reads.
        let csv = VENDORS.replace(',', ";").replace("\"Acme; Inc.\"", "Acme");
        let block = BLOCK.replace("kind = ", "delimiter = \";\"\nkind = ");
        let out = run(&block, &[("grc/vendors.csv", csv.as_bytes())]);
        // (V-3's assessment date, `13/45/2026`, is no date.)
        assert_eq!(out.rows("vendors").len(), 2);
        assert_eq!(out.codes(), ["bad-value"]);
    }

    #[test]
    fn a_ten_megabyte_enum_cell_is_rejected_on_its_line() {
        // A Workday report whose worker type cell swallowed a file (an unclosed quote upstream).
        let huge = "Employee ".repeat(10 * 1024 * 1024 / 9);
        let csv = format!(
            "Employee_ID,Worker,Primary_Work_Email,Hire_Date,Termination_Date,Worker_Type\n\
52107,John Smith,john@example.com,2021-06-01,,Employee\n\
52108,Ana Lima,ana@example.com,2024-02-01,,{huge}\n"
        );
        let out = run(
            "[[sources]]\nadapter = \"workday\"\npath = \"hr/workers.csv\"",
            &[("hr/workers.csv", csv.as_bytes())],
        );
        assert_eq!(out.rows("people").len(), 1);
        // (`source-missing-field`: the report has no `Manager_ID` column.)
        assert_eq!(out.codes(), ["source-missing-field", "cell-too-long"]);
        let d = &out.diags[1];
        assert_eq!(
            (d.file.as_deref(), d.line),
            (Some("hr/workers.csv"), Some(3))
        );
        // The message names the column, never echoes the cell.
        assert!(d.message.len() < 200, "{}", d.message.len());
        assert!(d.message.contains("`Worker_Type`"), "{}", d.message);
        // In JSON, the same cell is a value no kit field takes, and is not echoed either.
        let json = format!(
            r#"{{"Report_Entry": [{{"Employee_ID": "1", "Hire_Date": "2020-01-01", "Worker_Type": "{huge}"}}]}}"#
        );
        let out = run(
            "[[sources]]\nadapter = \"workday\"\npath = \"w.json\"",
            &[("w.json", json.as_bytes())],
        );
        assert!(out.rows("people").is_empty());
        assert_eq!(out.codes()[0], "cell-too-long");
        let echo = "Employee ".repeat(20);
        assert!(out.diags.iter().all(
            |d| !d.message.contains(&echo) && !d.help.as_deref().unwrap_or("").contains(&echo)
        ));
    }

    #[test]
    fn zone_annotations_are_refused_and_a_zone_without_dst_is_named() {
        let json = r#"{"Report_Entry": [{"Employee_ID": "1", "Hire_Date": "2020-01-01", "Worker_Type": "Employee", "Termination_Date": "2026-03-06T17:05:00Z[Mars/Olympus]"}]}"#;
        let out = run(
            "[[sources]]\nadapter = \"workday\"\npath = \"w.json\"\ntimezone = \"EST\"",
            &[("w.json", json.as_bytes())],
        );
        assert!(out.rows("people").is_empty());
        assert_eq!(
            out.codes(),
            ["fixed-offset-timezone", "bad-value", "source-missing-field"]
        );
        let w = &out.diags[0];
        assert_eq!(w.severity, fieldcheck_kit::Severity::Warning);
        assert_eq!(w.file.as_deref(), Some("fieldcheck.toml"));
        assert!(
            w.help
                .as_deref()
                .unwrap_or("")
                .contains("`America/New_York`"),
            "{:?}",
            w.help
        );
        assert!(
            out.diags[1].message.contains("annotation"),
            "{}",
            out.diags[1].message
        );
        assert_eq!(out.diags[1].line, Some(1));
    }

    /// The sample response of "Get Employee Directory" in BambooHR's API docs, as printed
    /// there (its `id` is a number), https://documentation.bamboohr.com/reference/get-employees-directory-1
    const DOC_BAMBOOHR_DIRECTORY: &str = r#"{
    "fields": [
        {
            "id": "displayName",
            "type": "text",
            "name": "Display Name"
        },
        {
            "id": "firstName",
            "type": "text",
            "name": "First Name"
        },
        {
            "id": "lastName",
            "type": "text",
            "name": "Last Name"
        },
        {
            "id": "gender",
            "type": "text",
            "name": "Gender"
        },
        {
            "id": "jobTitle",
            "type": "list",
            "name": "Job Title"
        },
        {
            "id": "workPhone",
            "type": "text",
            "name": "Work Phone"
        },
        {
            "id": "workPhoneExtension",
            "type": "text",
            "name": "Work Extension"
        },
        {
            "id": "skypeUsername",
            "type": "text",
            "name": "Skype Username"
        },
        {
            "id": "facebook",
            "type": "text",
            "name": "Facebook URL"
        }
    ],
    "employees": [
        {
            "id":123,
            "displayName":"John Doe",
            "firstName":"John",
            "lastName":"Doe",
            "gender":"Male",
            "jobTitle":"Customer Service Representative",
            "workPhone":"555-555-5555",
            "workPhoneExtension":null,
            "skypeUsername":"JohnDoe",
            "facebook":"JohnDoeFacebook"
        }
    ]
}"#;

    #[test]
    fn bamboohr_documented_directory_is_read_as_printed() {
        let out = run(
            "[[sources]]\nadapter = \"bamboohr\"\npath = \"hr/directory.json\"",
            &[("hr/directory.json", DOC_BAMBOOHR_DIRECTORY.as_bytes())],
        );
        let rows: Vec<String> = out.rows("people").iter().map(flat).collect();
        // The numeric id is read as text; the directory has no hire date, so the kit reader
        // rejects the row (`people.start_date` is required) and the people file is not evidenced.
        assert_eq!(rows, ["name=John Doe|person_id=123"]);
        assert_eq!(out.codes(), ["source-missing-field"], "{:?}", out.diags);
        assert!(
            out.diags[0]
                .message
                .contains("`hireDate` (for `start_date`), `terminationDate` (for `terminated_at`)"),
            "{}",
            out.diags[0].message
        );
    }
}
