//! The register's two databases behind one small interface: SQLite (a file, the default) and
//! PostgreSQL (a URL, for teams sharing one register). The register's SQL is written once, with
//! `?N` placeholders and types both accept; each backend adapts placeholders and locking.
//!
//! This is the only module that knows which database it talks to: which locations name a server
//! ([`is_server`], [`open`]), the `postgres` feature, and the SQL one database accepts and the
//! other does not (a CHECK constraint added to an existing table: [`Backend::add_checks`]). The
//! rest of the crate speaks [`Backend`].

use crate::{Conclusion, Error, ExceptionStatus, Result};

/// A value passed to or read from the database.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Val {
    Int(i64),
    Text(String),
    Null,
}

impl Val {
    pub fn text(&self) -> String {
        match self {
            Val::Text(s) => s.clone(),
            Val::Int(n) => n.to_string(),
            Val::Null => String::new(),
        }
    }

    pub fn opt_text(&self) -> Option<String> {
        match self {
            Val::Null => None,
            v => Some(v.text()),
        }
    }

    pub fn int(&self) -> i64 {
        match self {
            Val::Int(n) => *n,
            Val::Text(s) => s.parse().unwrap_or(0),
            Val::Null => 0,
        }
    }

    pub fn opt_int(&self) -> Option<i64> {
        match self {
            Val::Null => None,
            v => Some(v.int()),
        }
    }
}

impl From<&str> for Val {
    fn from(s: &str) -> Self {
        Val::Text(s.to_string())
    }
}

impl From<&String> for Val {
    fn from(s: &String) -> Self {
        Val::Text(s.clone())
    }
}

impl From<String> for Val {
    fn from(s: String) -> Self {
        Val::Text(s)
    }
}

impl From<i64> for Val {
    fn from(n: i64) -> Self {
        Val::Int(n)
    }
}

impl From<ExceptionStatus> for Val {
    fn from(s: ExceptionStatus) -> Self {
        Val::Text(s.as_str().to_string())
    }
}

impl From<Conclusion> for Val {
    fn from(c: Conclusion) -> Self {
        Val::Text(c.as_str().to_string())
    }
}

/// Whether a register location names a database server (a PostgreSQL URL, `postgres://...` or
/// `postgresql://...`, or a `host=... dbname=...` connection string) rather than a file.
pub fn is_server(location: &str) -> bool {
    location.starts_with("postgres://")
        || location.starts_with("postgresql://")
        || location
            .split_whitespace()
            .any(|w| w.starts_with("host=") || w.starts_with("dbname="))
}

/// The database at `location`: a PostgreSQL server when [`is_server`] says so (refused by a build
/// without the `postgres` feature), else an SQLite file.
pub(crate) fn open(location: &str) -> Result<Box<dyn Backend + Send>> {
    if is_server(location) {
        #[cfg(feature = "postgres")]
        return Ok(Box::new(Postgres::connect(location)?));
        #[cfg(not(feature = "postgres"))]
        return Err(Error::Refused(
            "this build of fieldcheck has no PostgreSQL support (build it with `--features postgres`)"
                .into(),
        ));
    }
    open_file(std::path::Path::new(location))
}

/// The SQLite database in the file at `path` (created when missing).
pub(crate) fn open_file(path: &std::path::Path) -> Result<Box<dyn Backend + Send>> {
    Ok(Box::new(Sqlite::open(path)?))
}

/// What the register needs of a database.
pub(crate) trait Backend {
    /// Creates the tables when missing (the first schema, and the version table).
    fn create_schema(&mut self) -> Result<()>;
    /// Runs several statements (a migration), inside the caller's transaction.
    fn batch(&mut self, sql: &str) -> Result<()>;
    /// Adds CHECK constraints to existing tables, keeping their rows, indexes and ids, inside the
    /// caller's transaction (a migration; [`migrate`] has refused rows they would not accept).
    fn add_checks(&mut self, checks: &[Check]) -> Result<()>;
    /// Starts a transaction that holds the register's write lock until it ends.
    fn begin(&mut self) -> Result<()>;
    /// Commits it.
    fn commit(&mut self) -> Result<()>;
    /// Abandons it (after an error).
    fn rollback(&mut self);
    /// Runs a statement.
    fn exec(&mut self, sql: &str, params: &[Val]) -> Result<()>;
    /// Runs a query.
    fn query(&mut self, sql: &str, params: &[Val]) -> Result<Vec<Vec<Val>>>;
}

/// The tables, in the SQL both databases accept (`BIGINT` ids are filled by the register).
pub(crate) const TABLES: &str = "
CREATE TABLE IF NOT EXISTS runs (
    id BIGINT PRIMARY KEY,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    kit TEXT NOT NULL,
    controls TEXT NOT NULL,
    deviations BIGINT NOT NULL,
    open_after BIGINT NOT NULL,
    overdue_after BIGINT NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS exceptions (
    id TEXT PRIMARY KEY,
    control TEXT NOT NULL,
    test TEXT NOT NULL,
    item TEXT NOT NULL,
    reasons TEXT NOT NULL,
    detail TEXT NOT NULL,
    owner TEXT NOT NULL,
    target TEXT NOT NULL,
    status TEXT NOT NULL,
    regression BIGINT NOT NULL DEFAULT 0,
    opened_run BIGINT NOT NULL,
    last_seen_run BIGINT NOT NULL,
    accepted_by TEXT,
    accepted_reason TEXT,
    accepted_until TEXT
);
CREATE TABLE IF NOT EXISTS history (
    seq BIGINT PRIMARY KEY,
    exception_id TEXT NOT NULL,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    field TEXT NOT NULL,
    old TEXT NOT NULL,
    new TEXT NOT NULL,
    why TEXT NOT NULL,
    run BIGINT
);
CREATE INDEX IF NOT EXISTS history_by_exception ON history (exception_id, seq);
CREATE INDEX IF NOT EXISTS exceptions_by_status ON exceptions (status);
CREATE TABLE IF NOT EXISTS schema_version (
    version BIGINT NOT NULL
);
";

/// The schema version this build writes; [`MIGRATIONS`] brings an older register up to it.
pub(crate) const SCHEMA_VERSION: i64 = 5;

/// One migration's work.
pub(crate) enum Migration {
    /// Statements both databases accept.
    Sql(&'static str),
    /// CHECK constraints added to existing tables (each database has its own way).
    Checks(&'static [Check]),
}

/// A CHECK constraint that a column holds one of a closed set of names, the set given by the
/// enum it stores (so the database and the code cannot drift apart).
pub(crate) struct Check {
    /// The constraint's name.
    pub name: &'static str,
    /// The table.
    pub table: &'static str,
    /// The column.
    pub column: &'static str,
    /// The columns that identify a row, for the message that names a bad one.
    pub key: &'static [&'static str],
    /// Whether the column may be NULL (nothing recorded).
    pub nullable: bool,
    /// The names the column accepts.
    pub values: fn() -> Vec<&'static str>,
}

impl Check {
    /// The constraint's condition: `status IN ('open', ...)`.
    pub fn condition(&self) -> String {
        let list = (self.values)()
            .iter()
            .map(|v| format!("'{}'", v.replace('\'', "''")))
            .collect::<Vec<_>>()
            .join(", ");
        if self.nullable {
            format!("{col} IS NULL OR {col} IN ({list})", col = self.column)
        } else {
            format!("{} IN ({list})", self.column)
        }
    }
}

/// Schema version 4's constraints: an exception's status, a run's computed conclusion, and an
/// override's computed and concluded conclusions are each one their enum names (a person
/// concludes only `effective`, `effective_with_exceptions` or `ineffective`).
pub(crate) const CHECKS_V4: [Check; 4] = [
    Check {
        name: "exceptions_status_known",
        table: "exceptions",
        column: "status",
        key: &["id"],
        nullable: false,
        values: || ExceptionStatus::ALL.map(ExceptionStatus::as_str).to_vec(),
    },
    Check {
        name: "run_controls_conclusion_known",
        table: "run_controls",
        column: "conclusion",
        key: &["run", "control"],
        nullable: true,
        values: || Conclusion::ALL.map(Conclusion::as_str).to_vec(),
    },
    Check {
        name: "overrides_computed_known",
        table: "overrides",
        column: "computed",
        key: &["seq"],
        nullable: true,
        values: || Conclusion::ALL.map(Conclusion::as_str).to_vec(),
    },
    Check {
        name: "overrides_concluded_known",
        table: "overrides",
        column: "concluded",
        key: &["seq"],
        nullable: false,
        values: || Conclusion::CONCLUDABLE.map(Conclusion::as_str).to_vec(),
    },
];

/// Runs one migration step inside the caller's transaction. Before constraints are added, a row
/// they would refuse stops the migration with an error naming the row and the value (the
/// transaction is then rolled back: the register stays at its version, nothing is dropped).
pub(crate) fn migrate(db: &mut dyn Backend, step: &Migration) -> Result<()> {
    match step {
        Migration::Sql(sql) => db.batch(sql),
        Migration::Checks(checks) => {
            for c in checks.iter() {
                let rows = db.query(
                    &format!(
                        "SELECT {}, {col} FROM {} WHERE NOT ({}) ORDER BY {}",
                        c.key.join(", "),
                        c.table,
                        c.condition(),
                        c.key.join(", "),
                        col = c.column
                    ),
                    &[],
                )?;
                if let Some(r) = rows.first() {
                    let n = c.key.len();
                    let key = r[..n]
                        .iter()
                        .map(|v| match v {
                            Val::Int(i) => i.to_string(),
                            v => format!("'{}'", v.text()),
                        })
                        .collect::<Vec<_>>();
                    let key = if n == 1 {
                        format!("{} = {}", c.key[0], key[0])
                    } else {
                        format!("({}) = ({})", c.key.join(", "), key.join(", "))
                    };
                    return Err(Error::Refused(format!(
                        "the register cannot be brought to schema version {SCHEMA_VERSION}: its {table} row {key} has {col} `{value}`, which is not one of: {values}{more}; correct {them} (or restore the register from a backup) and run fieldcheck again",
                        table = c.table,
                        col = c.column,
                        value = r[n].text(),
                        values = (c.values)().join(", "),
                        more = match rows.len() {
                            1 => String::new(),
                            m => format!(" ({} more rows of {} like it)", m - 1, c.table),
                        },
                        them = if rows.len() == 1 { "it" } else { "them" },
                    )));
                }
            }
            db.add_checks(checks)
        }
    }
}

/// The migrations, each taking the schema from the version before it to its own (run inside the
/// write lock, after the version was checked again). Version 2: windows, file counts, responses
/// and populations; version 3: each run's controls (their computed conclusion) and tests (their
/// population and deviation counts), and the conclusions people recorded (`overrides`); version
/// 4: the database refuses a status or conclusion that is not one of the enum's ([`CHECKS_V4`]).
pub(crate) const MIGRATIONS: [(i64, Migration); 4] = [
    (
        2,
        Migration::Sql(
            "
ALTER TABLE runs ADD COLUMN audit_window TEXT NOT NULL DEFAULT '';
ALTER TABLE runs ADD COLUMN files TEXT NOT NULL DEFAULT '';
ALTER TABLE exceptions ADD COLUMN unverified TEXT;
ALTER TABLE exceptions ADD COLUMN response TEXT;
ALTER TABLE exceptions ADD COLUMN response_by TEXT;
ALTER TABLE exceptions ADD COLUMN response_at TEXT;
CREATE TABLE IF NOT EXISTS populations (
    audit_window TEXT NOT NULL,
    control TEXT NOT NULL,
    test TEXT NOT NULL,
    run BIGINT NOT NULL,
    items TEXT NOT NULL,
    PRIMARY KEY (audit_window, control, test)
);
",
        ),
    ),
    (
        3,
        Migration::Sql(
            "
CREATE TABLE IF NOT EXISTS run_controls (
    run BIGINT NOT NULL,
    control TEXT NOT NULL,
    conclusion TEXT,
    unverifiable TEXT,
    PRIMARY KEY (run, control)
);
CREATE TABLE IF NOT EXISTS run_tests (
    run BIGINT NOT NULL,
    control TEXT NOT NULL,
    test TEXT NOT NULL,
    population BIGINT NOT NULL,
    deviations BIGINT NOT NULL,
    PRIMARY KEY (run, control, test)
);
CREATE TABLE IF NOT EXISTS overrides (
    seq BIGINT PRIMARY KEY,
    audit_window TEXT NOT NULL,
    control TEXT NOT NULL,
    run BIGINT NOT NULL,
    computed TEXT,
    concluded TEXT NOT NULL,
    why TEXT NOT NULL,
    at TEXT NOT NULL,
    actor TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS overrides_by_window ON overrides (audit_window, control, seq);
",
        ),
    ),
    (4, Migration::Checks(&CHECKS_V4)),
    // Schema 5: the server's users (roles as `access::Role` names: a test checks the list),
    // sessions (a token's hash, never the token), the auditor's evidence requests and the log of
    // changes to access.
    (
        5,
        Migration::Sql(
            "
CREATE TABLE IF NOT EXISTS users (
    email TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('admin', 'owner', 'viewer', 'auditor')),
    password TEXT NOT NULL,
    disabled BIGINT NOT NULL DEFAULT 0,
    expires TEXT,
    failures BIGINT NOT NULL DEFAULT 0,
    locked_until BIGINT,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS sessions (
    token_hash TEXT PRIMARY KEY,
    email TEXT NOT NULL,
    csrf TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    seen_at BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS sessions_by_email ON sessions (email);
CREATE TABLE IF NOT EXISTS evidence_requests (
    id BIGINT PRIMARY KEY,
    item TEXT NOT NULL,
    owner TEXT NOT NULL,
    text TEXT NOT NULL,
    requested_by TEXT NOT NULL,
    requested_at TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('open', 'answered')),
    answer TEXT,
    answered_by TEXT,
    answered_at TEXT
);
CREATE TABLE IF NOT EXISTS access_log (
    seq BIGINT PRIMARY KEY,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    email TEXT NOT NULL,
    detail TEXT NOT NULL
);
",
        ),
    ),
];

/// SQLite: a file, WAL, synchronous writes, `BEGIN IMMEDIATE` for the write lock.
pub(crate) struct Sqlite {
    conn: rusqlite::Connection,
}

impl Sqlite {
    pub fn open(path: &std::path::Path) -> Result<Sqlite> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|e| Error::Refused(format!("cannot create `{}`: {e}", dir.display())))?;
        }
        let conn = rusqlite::Connection::open(path).map_err(db)?;
        conn.busy_timeout(std::time::Duration::from_secs(60))
            .map_err(db)?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(db)?;
        conn.pragma_update(None, "synchronous", "FULL")
            .map_err(db)?;
        Ok(Sqlite { conn })
    }
}

fn db<E: std::error::Error + Send + Sync + 'static>(e: E) -> Error {
    Error::Db(Box::new(e))
}

fn to_sqlite(v: &Val) -> rusqlite::types::Value {
    match v {
        Val::Int(n) => rusqlite::types::Value::Integer(*n),
        Val::Text(s) => rusqlite::types::Value::Text(s.clone()),
        Val::Null => rusqlite::types::Value::Null,
    }
}

impl Backend for Sqlite {
    fn create_schema(&mut self) -> Result<()> {
        self.conn.execute_batch(TABLES).map_err(db)
    }

    fn batch(&mut self, sql: &str) -> Result<()> {
        self.conn.execute_batch(sql).map_err(db)
    }

    /// SQLite cannot add a constraint to a table: each table is rebuilt with its constraints (the
    /// procedure of <https://www.sqlite.org/lang_altertable.html#otheralter>): a new table made
    /// from the stored definition plus the constraints, every row copied with its rowid, the old
    /// table dropped, the new one renamed, its indexes made again from their stored definitions.
    fn add_checks(&mut self, checks: &[Check]) -> Result<()> {
        let mut tables: Vec<&str> = checks.iter().map(|c| c.table).collect();
        tables.dedup();
        for table in tables {
            let ddl: String = self
                .conn
                .query_row(
                    "SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = ?1",
                    [table],
                    |r| r.get(0),
                )
                .map_err(db)?;
            let (Some(open), Some(close)) = (ddl.find('('), ddl.rfind(')')) else {
                return Err(Error::Refused(format!(
                    "the register's table {table} has a definition fieldcheck cannot read: {ddl}"
                )));
            };
            let constraints: String = checks
                .iter()
                .filter(|c| c.table == table)
                .map(|c| format!(",\n    CONSTRAINT {} CHECK ({})", c.name, c.condition()))
                .collect();
            let indexes: Vec<String> = {
                let mut st = self
                    .conn
                    .prepare(
                        "SELECT sql FROM sqlite_schema WHERE type = 'index' AND tbl_name = ?1 AND sql IS NOT NULL ORDER BY name",
                    )
                    .map_err(db)?;
                st.query_map([table], |r| r.get(0))
                    .map_err(db)?
                    .collect::<rusqlite::Result<_>>()
                    .map_err(db)?
            };
            let columns: Vec<String> = {
                let mut st = self
                    .conn
                    .prepare("SELECT name FROM pragma_table_info(?1) ORDER BY cid")
                    .map_err(db)?;
                st.query_map([table], |r| r.get::<_, String>(0))
                    .map_err(db)?
                    .map(|n| n.map(|n| format!("\"{}\"", n.replace('"', "\"\""))))
                    .collect::<rusqlite::Result<_>>()
                    .map_err(db)?
            };
            let columns = columns.join(", ");
            let rebuilt = format!("fieldcheck_rebuild_{table}");
            let mut sql = format!(
                "CREATE TABLE {rebuilt} {}{constraints}\n{};\n\
                 INSERT INTO {rebuilt} (rowid, {columns}) SELECT rowid, {columns} FROM {table};\n\
                 DROP TABLE {table};\n\
                 ALTER TABLE {rebuilt} RENAME TO {table};\n",
                &ddl[open..close],
                &ddl[close..],
            );
            for index in indexes {
                sql.push_str(&index);
                sql.push_str(";\n");
            }
            self.conn.execute_batch(&sql).map_err(db)?;
        }
        Ok(())
    }

    fn begin(&mut self) -> Result<()> {
        self.conn.execute_batch("BEGIN IMMEDIATE").map_err(db)
    }

    fn commit(&mut self) -> Result<()> {
        self.conn.execute_batch("COMMIT").map_err(db)
    }

    fn rollback(&mut self) {
        let _ = self.conn.execute_batch("ROLLBACK");
    }

    fn exec(&mut self, sql: &str, params: &[Val]) -> Result<()> {
        let mut st = self.conn.prepare_cached(sql).map_err(db)?;
        st.execute(rusqlite::params_from_iter(params.iter().map(to_sqlite)))
            .map_err(db)?;
        Ok(())
    }

    fn query(&mut self, sql: &str, params: &[Val]) -> Result<Vec<Vec<Val>>> {
        let mut st = self.conn.prepare_cached(sql).map_err(db)?;
        let n = st.column_count();
        let mut rows = st
            .query(rusqlite::params_from_iter(params.iter().map(to_sqlite)))
            .map_err(db)?;
        let mut out = Vec::new();
        while let Some(r) = rows.next().map_err(db)? {
            let mut row = Vec::with_capacity(n);
            for i in 0..n {
                row.push(match r.get_ref(i).map_err(db)? {
                    rusqlite::types::ValueRef::Integer(x) => Val::Int(x),
                    rusqlite::types::ValueRef::Text(t) => {
                        Val::Text(String::from_utf8_lossy(t).into_owned())
                    }
                    rusqlite::types::ValueRef::Null => Val::Null,
                    rusqlite::types::ValueRef::Real(f) => Val::Int(f as i64),
                    rusqlite::types::ValueRef::Blob(b) => {
                        Val::Text(String::from_utf8_lossy(b).into_owned())
                    }
                });
            }
            out.push(row);
        }
        Ok(out)
    }
}

/// PostgreSQL: one client; the write lock is a transaction-scoped advisory lock.
#[cfg(feature = "postgres")]
pub(crate) struct Postgres {
    client: postgres::Client,
    statements: std::collections::HashMap<String, postgres::Statement>,
}

/// The advisory lock every register write takes ("fc" in ASCII, then 1).
#[cfg(feature = "postgres")]
const LOCK: i64 = 0x6663_0001;

#[cfg(feature = "postgres")]
impl Postgres {
    pub fn connect(url: &str) -> Result<Postgres> {
        let client = postgres::Client::connect(url, postgres::NoTls).map_err(db)?;
        Ok(Postgres {
            client,
            statements: std::collections::HashMap::new(),
        })
    }

    /// The prepared statement for `sql`, and its parameters converted to the types it expects.
    fn bind(
        &mut self,
        sql: &str,
        params: &[Val],
    ) -> Result<(
        postgres::Statement,
        Vec<Box<dyn postgres::types::ToSql + Sync>>,
    )> {
        let st = match self.statements.get(sql) {
            Some(st) => st.clone(),
            None => {
                let st = self.client.prepare(&dollar(sql)).map_err(db)?;
                self.statements.insert(sql.to_string(), st.clone());
                st
            }
        };
        let values = params
            .iter()
            .zip(st.params())
            .map(|(v, ty)| to_pg(v, ty))
            .collect();
        Ok((st, values))
    }
}

/// `?1` → `$1`.
#[cfg(feature = "postgres")]
fn dollar(sql: &str) -> String {
    sql.replace('?', "$")
}

#[cfg(feature = "postgres")]
impl Backend for Postgres {
    fn create_schema(&mut self) -> Result<()> {
        // Two first connections may race to create the tables: serialise them on the lock.
        self.client.batch_execute("BEGIN").map_err(db)?;
        self.client
            .execute("SELECT pg_advisory_xact_lock($1)", &[&LOCK])
            .map_err(db)?;
        self.client.batch_execute(TABLES).map_err(db)?;
        self.client.batch_execute("COMMIT").map_err(db)
    }

    fn batch(&mut self, sql: &str) -> Result<()> {
        self.client.batch_execute(sql).map_err(db)
    }

    /// PostgreSQL adds a constraint in place (and checks the rows it holds).
    fn add_checks(&mut self, checks: &[Check]) -> Result<()> {
        for c in checks {
            self.client
                .batch_execute(&format!(
                    "ALTER TABLE {} ADD CONSTRAINT {} CHECK ({})",
                    c.table,
                    c.name,
                    c.condition()
                ))
                .map_err(db)?;
        }
        Ok(())
    }

    fn begin(&mut self) -> Result<()> {
        self.client.batch_execute("BEGIN").map_err(db)?;
        self.client
            .execute("SELECT pg_advisory_xact_lock($1)", &[&LOCK])
            .map_err(db)?;
        Ok(())
    }

    fn commit(&mut self) -> Result<()> {
        self.client.batch_execute("COMMIT").map_err(db)
    }

    fn rollback(&mut self) {
        let _ = self.client.batch_execute("ROLLBACK");
    }

    fn exec(&mut self, sql: &str, params: &[Val]) -> Result<()> {
        let (st, owned) = self.bind(sql, params)?;
        let refs: Vec<&(dyn postgres::types::ToSql + Sync)> =
            owned.iter().map(|b| b.as_ref()).collect();
        self.client.execute(&st, &refs).map_err(db)?;
        Ok(())
    }

    fn query(&mut self, sql: &str, params: &[Val]) -> Result<Vec<Vec<Val>>> {
        let (st, owned) = self.bind(sql, params)?;
        let refs: Vec<&(dyn postgres::types::ToSql + Sync)> =
            owned.iter().map(|b| b.as_ref()).collect();
        let rows = self.client.query(&st, &refs).map_err(db)?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let mut row = Vec::with_capacity(r.len());
            for (i, c) in r.columns().iter().enumerate() {
                let v = if *c.type_() == postgres::types::Type::INT8 {
                    r.try_get::<_, Option<i64>>(i)
                        .map_err(db)?
                        .map_or(Val::Null, Val::Int)
                } else if *c.type_() == postgres::types::Type::INT4 {
                    r.try_get::<_, Option<i32>>(i)
                        .map_err(db)?
                        .map_or(Val::Null, |n| Val::Int(i64::from(n)))
                } else {
                    r.try_get::<_, Option<String>>(i)
                        .map_err(db)?
                        .map_or(Val::Null, Val::Text)
                };
                row.push(v);
            }
            out.push(row);
        }
        Ok(out)
    }
}

/// A value as the statement's parameter type wants it.
#[cfg(feature = "postgres")]
fn to_pg(v: &Val, ty: &postgres::types::Type) -> Box<dyn postgres::types::ToSql + Sync> {
    use postgres::types::Type;
    match (v, ty) {
        (Val::Int(n), t) if *t == Type::INT4 => Box::new(i32::try_from(*n).unwrap_or(i32::MAX)),
        (Val::Int(n), t) if *t == Type::TEXT || *t == Type::VARCHAR => Box::new(n.to_string()),
        (Val::Int(n), _) => Box::new(*n),
        (Val::Text(s), t) if *t == Type::INT8 => Box::new(s.parse::<i64>().unwrap_or(0)),
        (Val::Text(s), _) => Box::new(s.clone()),
        (Val::Null, t) if *t == Type::INT8 => Box::new(Option::<i64>::None),
        (Val::Null, t) if *t == Type::INT4 => Box::new(Option::<i32>::None),
        (Val::Null, _) => Box::new(Option::<String>::None),
    }
}
