//! `fieldcheck serve` and `fieldcheck users`: flags, messages and exit codes; the server and the
//! rules of accounts are `fieldcheck_serve`'s.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;

use anyhow::Context;
use clap::{Parser, Subcommand};
use fieldcheck_register::Register;
use fieldcheck_register::access::Role;

#[derive(Parser)]
pub struct ServeArgs {
    /// The evidence kit folder [default: the current folder].
    #[arg(value_name = "KIT")]
    kit: Option<PathBuf>,
    /// The same as KIT.
    #[arg(long = "kit", value_name = "DIR", conflicts_with = "kit")]
    kit_flag: Option<PathBuf>,
    /// The config file [default: KIT/fieldcheck.toml].
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// The register: an SQLite file, or a PostgreSQL URL [default: KIT/.fieldcheck/fieldcheck.db].
    #[arg(long, value_name = "FILE|URL")]
    database: Option<String>,
    /// Where to listen (a port of 0 picks a free one).
    #[arg(long, value_name = "ADDR:PORT", default_value = "127.0.0.1:8400")]
    listen: SocketAddr,
    /// Sign users in from this header set by an SSO proxy (for example `X-Forwarded-Email`);
    /// believed only from `--trusted-proxy` addresses.
    #[arg(long, value_name = "HEADER", requires = "trusted_proxy")]
    trust_header: Option<String>,
    /// An SSO or TLS proxy's address whose `--trust-header` and `X-Forwarded-Proto` are
    /// believed (repeatable).
    #[arg(long = "trusted-proxy", value_name = "IP")]
    trusted_proxy: Vec<IpAddr>,
    /// The first admin's email, created with a one-time password when the register has no admin.
    #[arg(
        long,
        value_name = "EMAIL",
        default_value = "admin@localhost.localdomain"
    )]
    admin: String,
}

pub fn serve_command(a: &ServeArgs) -> anyhow::Result<u8> {
    let kit = crate::kit_of(a.kit.clone(), a.kit_flag.clone());
    if !kit.is_dir() {
        anyhow::bail!(
            "no evidence kit folder `{}`; try `fieldcheck demo --out {}` for a sample one",
            kit.display(),
            kit.display()
        );
    }
    let clock = match std::env::var("FIELDCHECK_NOW") {
        Ok(_) => fieldcheck_serve::Clock::Fixed(crate::register::now()?),
        Err(_) => fieldcheck_serve::Clock::System,
    };
    if !a.listen.ip().is_loopback() && a.trust_header.is_none() {
        eprintln!(
            "warning: listening on {} beyond this machine; serve it behind a TLS proxy (pass `--trusted-proxy` so its X-Forwarded-Proto marks cookies Secure)",
            a.listen
        );
    }
    eprintln!("reading `{}` and running the audit…", kit.display());
    fieldcheck_serve::run(
        &fieldcheck_serve::Options {
            kit,
            config: a.config.clone(),
            database: a.database.clone(),
            listen: a.listen,
            trust_header: a.trust_header.clone(),
            trusted_proxies: a.trusted_proxy.clone(),
            first_admin: a.admin.clone(),
            clock,
        },
        |line| eprintln!("{line}"),
    )?;
    Ok(0)
}

#[derive(Parser)]
pub struct UsersArgs {
    #[command(subcommand)]
    command: UsersCommand,
    /// The kit whose register holds the users [default: the current folder].
    #[arg(long, global = true, value_name = "DIR")]
    kit: Option<PathBuf>,
    /// The register: an SQLite file, or a PostgreSQL URL [default: KIT/.fieldcheck/fieldcheck.db].
    #[arg(long, global = true, value_name = "FILE|URL")]
    database: Option<String>,
    /// Who makes the change [default: git's `user.email` in KIT, else `$USER`].
    #[arg(long, global = true)]
    actor: Option<String>,
}

#[derive(Subcommand)]
enum UsersCommand {
    /// Add a user; prints a one-time password unless `--password-stdin` or `--sso-only`.
    Add {
        email: String,
        /// admin, owner, viewer or auditor.
        #[arg(long, value_parser = parse_role)]
        role: Role,
        /// A display name.
        #[arg(long, default_value = "")]
        name: String,
        /// The account's last day, YYYY-MM-DD (required for an auditor: the end of the audit).
        #[arg(long, value_name = "DATE")]
        expires: Option<String>,
        /// Read the password from the first line of stdin.
        #[arg(long, conflicts_with = "sso_only")]
        password_stdin: bool,
        /// No password: the user signs in only through the SSO proxy.
        #[arg(long)]
        sso_only: bool,
    },
    /// List the users.
    List,
    /// Disable an account (its sessions end).
    Disable { email: String },
    /// Enable a disabled account.
    Enable { email: String },
    /// Change a user's role (and last day).
    SetRole {
        email: String,
        #[arg(value_parser = parse_role)]
        role: Role,
        /// The account's last day, YYYY-MM-DD (required for an auditor).
        #[arg(long, value_name = "DATE")]
        expires: Option<String>,
    },
    /// Set a new password (printed once when generated); the user's sessions end.
    Passwd {
        email: String,
        /// Read the password from the first line of stdin.
        #[arg(long)]
        password_stdin: bool,
    },
}

fn parse_role(s: &str) -> Result<Role, String> {
    Role::parse(s).ok_or_else(|| format!("unknown role `{s}`; the roles are {}", Role::names()))
}

fn stdin_password() -> anyhow::Result<String> {
    let mut line = String::new();
    std::io::stdin()
        .read_line(&mut line)
        .context("cannot read the password from stdin")?;
    Ok(line.trim_end_matches(['\n', '\r']).to_string())
}

pub fn users_command(u: UsersArgs) -> anyhow::Result<u8> {
    let kit = u.kit.clone().unwrap_or_else(|| PathBuf::from("."));
    let location = u.database.clone().unwrap_or_else(|| {
        fieldcheck_engine::record::default_path(&kit)
            .to_string_lossy()
            .into_owned()
    });
    let shown = fieldcheck_engine::record::shown(&location);
    let mut reg = Register::at(&location)
        .with_context(|| format!("cannot open the exception register `{shown}`"))?;
    let now = crate::register::now()?;
    let today =
        fieldcheck_register::rules::Today::at(now, &fieldcheck_engine::record::org_zone(&kit));
    let actor = || crate::register::actor(u.actor.as_deref(), &kit);
    match u.command {
        UsersCommand::Add {
            email,
            role,
            name,
            expires,
            password_stdin,
            sso_only,
        } => {
            let given = if password_stdin {
                Some(stdin_password()?)
            } else {
                None
            };
            let (user, generated) = fieldcheck_serve::users::add(
                &mut reg,
                &fieldcheck_serve::users::Add {
                    email: &email,
                    name: &name,
                    role,
                    expires: expires.as_deref(),
                    password: given.as_deref(),
                    sso_only,
                },
                &today.date,
                &today.at,
                &actor(),
            )?;
            let until = user
                .expires
                .as_deref()
                .map(|d| format!(" until {d}"))
                .unwrap_or_default();
            eprintln!("added {} as {}{until} in `{shown}`", user.email, user.role);
            if let Some(p) = generated {
                println!("{p}");
                eprintln!(
                    "(the one-time password above is shown only now; the user changes it at /account)"
                );
            }
        }
        UsersCommand::List => {
            let users = reg.users()?;
            if users.is_empty() {
                eprintln!(
                    "no users yet in `{shown}`: `fieldcheck serve` creates the first admin, or `fieldcheck users add EMAIL --role admin`"
                );
            }
            for x in users {
                let state = if x.disabled { "disabled" } else { "active" };
                let until = x.expires.map(|d| format!(" until {d}")).unwrap_or_default();
                let sign_in = if x.password.is_empty() {
                    ", SSO only"
                } else {
                    ""
                };
                println!(
                    "{}\t{}\t{state}{until}{sign_in}\t{}",
                    x.email, x.role, x.name
                );
            }
        }
        UsersCommand::Disable { email } => {
            reg.set_disabled(&email, true, &today.at, &actor())?;
            eprintln!("{email}: disabled (their sessions ended)");
        }
        UsersCommand::Enable { email } => {
            reg.set_disabled(&email, false, &today.at, &actor())?;
            eprintln!("{email}: enabled");
        }
        UsersCommand::SetRole {
            email,
            role,
            expires,
        } => {
            fieldcheck_serve::users::check_expiry(role, expires.as_deref(), &today.date)?;
            reg.set_role(&email, role, expires.as_deref(), &today.at, &actor())?;
            let until = expires.map(|d| format!(" until {d}")).unwrap_or_default();
            eprintln!("{email}: role {role}{until}");
        }
        UsersCommand::Passwd {
            email,
            password_stdin,
        } => {
            let given = if password_stdin {
                Some(stdin_password()?)
            } else {
                None
            };
            let generated = fieldcheck_serve::users::passwd(
                &mut reg,
                &email,
                given.as_deref(),
                &today.at,
                &actor(),
            )?;
            eprintln!("{email}: new password set (their sessions ended)");
            if let Some(p) = generated {
                println!("{p}");
            }
        }
    }
    Ok(0)
}
