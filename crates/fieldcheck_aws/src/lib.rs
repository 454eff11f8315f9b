//! The AWS collector (behind the CLI's `aws` feature): every call made through the official AWS
//! SDK for Rust, written in the shape `aws <service> <call> --output json` prints, where the AWS
//! adapters read (`exports/aws/<service>/<call>[-<resource>].json`).
//!
//! The SDK gives parsed values, not the bytes it received, so each response is printed back as
//! the AWS CLI prints that call: the API model's member names and order, absent members left out,
//! listings merged over all their pages (the CLI paginates the same way), timestamps and blobs in
//! the CLI's forms, and a modelled error the adapters read (a bucket without default encryption)
//! as the text the CLI writes on stderr. Each file's retrieval record carries the API action and
//! its parameters. The SDK runs on a current-thread tokio runtime inside `pull`.

#![deny(missing_docs)]

mod backup;
mod cloudtrail;
mod elbv2;
mod iam;
pub mod json;
mod kms;
mod rds;
mod s3;
mod ssm;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU16, AtomicU32, Ordering};

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::{
    BeforeDeserializationInterceptorContextRef, BeforeTransmitInterceptorContextRef,
};
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use fieldcheck_kit::ConfigValue;
use fieldcheck_pull::{
    CallOutcome, CallSpec, Collector, CollectorSpec, Planned, PullError, Saved, Session,
};
use jiff::Timestamp;

use crate::json::{J, Obj};

/// The AWS collector.
pub struct Aws;

/// The AWS collector, to register.
pub static AWS: Aws = Aws;

/// The services, in the order they are pulled; each is the folder under `exports/aws/` and the
/// key of the `systems` option.
pub const SERVICES: &[&str] = &[
    "iam",
    "kms",
    "s3",
    "rds",
    "elbv2",
    "cloudtrail",
    "backup",
    "ssm",
];

impl Collector for Aws {
    fn spec(&self) -> &'static CollectorSpec {
        &fieldcheck_pull::aws_spec::AWS
    }

    /// The calls of the services the entry pulls, with the range each event listing asks for.
    fn plan(&self, session: &Session<'_>) -> Vec<Planned> {
        let services = Options::read(session)
            .map(|o| o.services)
            .unwrap_or_else(|_| SERVICES.to_vec());
        let (from, to) = (session.window_start(), session.events_until());
        let mut plan = fieldcheck_pull::spec_plan(self.spec());
        plan.retain(|p| {
            services
                .iter()
                .any(|s| p.call.starts_with(&format!("{s}-")))
        });
        for p in &mut plan {
            let days = match p.call {
                "cloudtrail-lookup-events" => Some(cloudtrail::HISTORY_DAYS),
                "backup-list-backup-jobs" => Some(backup::JOB_DAYS),
                "ssm-describe-sessions" => Some(ssm::HISTORY_DAYS),
                "backup-list-restore-jobs" => None,
                _ => continue,
            };
            let start = match days {
                Some(d) => retention(session.now(), from, d, "", "").0,
                None => from,
            };
            p.params.insert("from".into(), start.to_string());
            p.params.insert("to".into(), to.to_string());
        }
        plan
    }

    fn pull(&self, session: &mut Session<'_>) -> Result<(), PullError> {
        let options = Options::read(session)?;
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| {
                fail_at(
                    "runtime",
                    format!("cannot start the async runtime: {e}"),
                    "",
                )
            })?;
        rt.block_on(run(session, options))
    }
}

/// The `[[collectors]]` entry's options the collector itself uses (`system_id` and `systems`
/// name the systems of the `[[sources]]` entries the files feed).
struct Options {
    region: Option<String>,
    profile: Option<String>,
    services: Vec<&'static str>,
}

impl Options {
    fn read(session: &Session<'_>) -> Result<Self, PullError> {
        let text = |key: &str| -> Result<Option<String>, PullError> {
            match session.option(key) {
                None => Ok(None),
                Some(ConfigValue::Str(s)) if !s.trim().is_empty() => Ok(Some(s.trim().into())),
                Some(_) => Err(fail_at(
                    "config",
                    format!("`{key}` must be a non-empty string"),
                    "",
                )),
            }
        };
        let services = match session.option("services") {
            None => SERVICES.to_vec(),
            Some(ConfigValue::Array(xs)) => {
                let mut out = Vec::new();
                for x in xs {
                    let name = match x {
                        ConfigValue::Str(s) => s.trim(),
                        _ => "",
                    };
                    match SERVICES.iter().find(|s| **s == name) {
                        Some(s) if !out.contains(s) => out.push(*s),
                        Some(_) => {}
                        None => {
                            return Err(fail_at(
                                "config",
                                format!(
                                    "`services` names `{name}`, which is not an AWS service fieldcheck pulls"
                                ),
                                &format!("use some of: {}", SERVICES.join(", ")),
                            ));
                        }
                    }
                }
                // Pulled in the fixed order, whatever the order written.
                SERVICES
                    .iter()
                    .copied()
                    .filter(|s| out.contains(s))
                    .collect()
            }
            Some(_) => {
                return Err(fail_at(
                    "config",
                    "`services` must be a list of service names".into(),
                    &format!("use some of: {}", SERVICES.join(", ")),
                ));
            }
        };
        Ok(Options {
            region: text("region")?,
            profile: text("profile")?,
            services,
        })
    }
}

fn fail_at(call: &str, message: String, help: &str) -> PullError {
    PullError::Call {
        collector: "aws".into(),
        call: call.into(),
        message,
        help: help.into(),
    }
}

/// Counts the attempts of the call in progress (the SDK retries throttling and 5xx answers in
/// its standard retry mode) and keeps the HTTP status of the last answer.
#[derive(Clone, Debug, Default)]
struct Attempts {
    count: Arc<AtomicU32>,
    status: Arc<AtomicU16>,
}

impl Intercept for Attempts {
    fn name(&self) -> &'static str {
        "fieldcheck-attempts"
    }

    fn read_before_attempt(
        &self,
        _context: &BeforeTransmitInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        self.count.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }

    fn read_before_deserialization(
        &self,
        context: &BeforeDeserializationInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        self.status
            .store(context.response().status().as_u16(), Ordering::Relaxed);
        Ok(())
    }
}

/// The pull in progress: the session, the SDK's shared configuration and what each call covered.
pub(crate) struct Ctx<'s, 'a> {
    session: &'s mut Session<'a>,
    pub(crate) shared: SdkConfig,
    attempts: Attempts,
    tally: BTreeMap<&'static str, (u32, u64)>,
    ranges: BTreeMap<&'static str, (Timestamp, Timestamp, Option<String>)>,
    /// Attempts and the last status summed over the pages of the file being built.
    pending: (u32, u16),
}

/// A file being built from one or more API pages.
pub(crate) struct Call {
    pub(crate) spec: &'static CallSpec,
    pub(crate) action: &'static str,
    pub(crate) params: BTreeMap<String, String>,
    pub(crate) pages: u32,
}

impl Call {
    /// A request for `spec` (whose `request` may list several actions: `action` is the one sent).
    pub(crate) fn new(spec: &'static CallSpec, action: &'static str) -> Self {
        Call {
            spec,
            action,
            params: BTreeMap::new(),
            pages: 0,
        }
    }
    /// A request parameter, as sent.
    pub(crate) fn param(mut self, key: &str, value: impl Into<String>) -> Self {
        self.params.insert(key.into(), value.into());
        self
    }
}

impl<'s, 'a> Ctx<'s, 'a> {
    /// The call named `name` in the spec.
    pub(crate) fn call(&self, name: &str) -> &'static CallSpec {
        self.session
            .spec()
            .calls
            .iter()
            .find(|c| c.name == name)
            .unwrap_or_else(|| unreachable!("the AWS spec lists `{name}`"))
    }

    /// Before each API page: counts it.
    pub(crate) fn page(&mut self, call: &mut Call) {
        call.pages += 1;
        self.attempts.count.store(0, Ordering::Relaxed);
        self.attempts.status.store(0, Ordering::Relaxed);
    }

    /// After each API page: adds its attempts.
    pub(crate) fn answered(&mut self) {
        self.pending.0 += self.attempts.count.load(Ordering::Relaxed).max(1);
        self.pending.1 = self.attempts.status.load(Ordering::Relaxed);
    }

    /// The reading of the clock the pull was started with.
    pub(crate) fn now(&self) -> Timestamp {
        self.session.now()
    }

    /// The window's start and where event listings end.
    pub(crate) fn range(&self) -> (Timestamp, Timestamp) {
        (self.session.window_start(), self.session.events_until())
    }

    /// The range to ask an event listing (`spec`) for: the window, from no earlier than the
    /// `days` its API keeps (see [`retention`]); the range and its shortfall are recorded. `None`
    /// when the window ended before the API's reach: nothing can be asked and no file is written
    /// (an empty listing would read as "none happened"); the call still gets its outcome, and
    /// the shortfall says why.
    pub(crate) fn event_range(
        &mut self,
        spec: &'static CallSpec,
        days: i64,
        what: &str,
        fallback: &str,
    ) -> Option<(Timestamp, Timestamp)> {
        let (from, to) = self.range();
        let (start, shortfall) = retention(self.now(), from, days, what, fallback);
        self.covered(spec, from, to, shortfall);
        if start >= to {
            self.none(spec);
            None
        } else {
            Some((start, to))
        }
    }

    /// Records the range an event listing was asked for, and its shortfall.
    pub(crate) fn covered(
        &mut self,
        call: &'static CallSpec,
        from: Timestamp,
        to: Timestamp,
        shortfall: Option<String>,
    ) {
        self.ranges.insert(call.name, (from, to, shortfall));
    }

    /// Writes `body` as `file` (relative to `exports/aws/`) for `call`, whose pages are all in.
    pub(crate) fn save(&mut self, call: Call, file: String, body: &J) -> Result<(), PullError> {
        self.save_bytes(call, file, &json::print(body), None)
    }

    /// Writes `bytes` (a response, or the CLI's error text) as `file`.
    pub(crate) fn save_bytes(
        &mut self,
        mut call: Call,
        file: String,
        bytes: &[u8],
        status: Option<u16>,
    ) -> Result<(), PullError> {
        if call.pages > 1 {
            call.params.insert("pages".into(), call.pages.to_string());
        }
        let (attempts, last) = std::mem::take(&mut self.pending);
        let status = status.unwrap_or(if last == 0 { 200 } else { last });
        self.session.save(Saved {
            call: call.spec.name,
            request: call.action.into(),
            params: call.params,
            at: self.session.clock(),
            status,
            page: 1,
            attempts: attempts.max(1),
            file,
            body: bytes,
        })?;
        let t = self.tally.entry(call.spec.name).or_default();
        t.0 += call.pages;
        t.1 += bytes.len() as u64;
        Ok(())
    }

    /// Sends one API page of `call`: counts the page, and its attempts once answered; an SDK
    /// error becomes the pull's error (see [`Ctx::error`]).
    pub(crate) async fn send<O, E, R>(
        &mut self,
        call: &mut Call,
        request: impl Future<Output = Result<O, SdkError<E, R>>>,
    ) -> Result<O, PullError>
    where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
        R: std::fmt::Debug,
    {
        self.page(call);
        match request.await {
            Ok(out) => {
                self.answered();
                Ok(out)
            }
            Err(e) => Err(self.error(call, e)),
        }
    }

    /// Pages a listing to its end, as the AWS CLI does: `request(token)` asks for the page
    /// from `token` (`None` for the first), and `read(page, items)` adds the page's items as
    /// the CLI prints them and gives the next token (`None` after the last page).
    pub(crate) async fn pages<O, E, R, F>(
        &mut self,
        call: &mut Call,
        mut request: impl FnMut(Option<String>) -> F,
        mut read: impl FnMut(&O, &mut Vec<J>) -> Option<String>,
    ) -> Result<Vec<J>, PullError>
    where
        F: Future<Output = Result<O, SdkError<E, R>>>,
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
        R: std::fmt::Debug,
    {
        let mut items = Vec::new();
        let mut token = None;
        loop {
            let out = self.send(call, request(token.take())).await?;
            token = read(&out, &mut items);
            if token.is_none() {
                return Ok(items);
            }
        }
    }

    /// Pages a listing (see [`Ctx::pages`]) and writes it as `file`, in the CLI's shape for a
    /// listing: one object whose `member` holds the items of all the pages.
    pub(crate) async fn listing<O, E, R, F>(
        &mut self,
        mut call: Call,
        member: &str,
        file: String,
        request: impl FnMut(Option<String>) -> F,
        read: impl FnMut(&O, &mut Vec<J>) -> Option<String>,
    ) -> Result<(), PullError>
    where
        F: Future<Output = Result<O, SdkError<E, R>>>,
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
        R: std::fmt::Debug,
    {
        let items = self.pages(&mut call, request, read).await?;
        let body = Obj::new().put(member, J::Arr(items)).done();
        self.save(call, file, &body)
    }

    /// A call that made no file (nothing to ask about) still gets its outcome.
    pub(crate) fn none(&mut self, spec: &'static CallSpec) {
        self.tally.entry(spec.name).or_default();
    }

    /// An SDK error as the pull's error: the call, the service's code and message, and what to
    /// do (the IAM action to grant, credentials to set).
    pub(crate) fn error<E, R>(&mut self, call: &Call, err: SdkError<E, R>) -> PullError
    where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
        R: std::fmt::Debug,
    {
        self.pending = (0, 0);
        sdk_error(call.spec, call.action, err)
    }

    fn outcomes(&mut self) {
        let observed = self.session.now().to_string();
        for c in self.session.spec().calls {
            let Some(&(pages, bytes)) = self.tally.get(c.name) else {
                continue;
            };
            let mut o = CallOutcome {
                call: c.name.into(),
                pages,
                bytes,
                ..CallOutcome::default()
            };
            if c.events {
                if let Some((from, to, shortfall)) = self.ranges.get(c.name) {
                    o.from = Some(from.to_string());
                    o.to = Some(to.to_string());
                    o.shortfall = shortfall.clone();
                }
            } else {
                o.observed_at = Some(observed.clone());
            }
            self.session.outcome(o);
        }
    }
}

/// The service's error code of an SDK error, if the service answered with one.
pub(crate) fn code<E, R>(err: &SdkError<E, R>) -> Option<&str>
where
    E: ProvideErrorMetadata,
{
    err.as_service_error().and_then(|e| e.code())
}

fn sdk_error<E, R>(call: &CallSpec, action: &str, err: SdkError<E, R>) -> PullError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug,
{
    let (message, help) = match err.as_service_error() {
        Some(e) => {
            let code = e.code().unwrap_or("unknown error");
            let msg = e.message().unwrap_or("");
            let help = match code {
                c if c.contains("AccessDenied")
                    || c.contains("Unauthorized")
                    || c.contains("NotAuthorized")
                    || c == "AuthorizationError" =>
                {
                    format!(
                        "grant `{}` to the identity the pull runs as (`fieldcheck sources` lists every action the aws collector needs)",
                        call.scope
                    )
                }
                "ExpiredToken" | "ExpiredTokenException" | "RequestExpired" => {
                    "the AWS session has expired: renew it (`aws sso login`, or new temporary credentials) and pull again".into()
                }
                "InvalidClientTokenId" | "UnrecognizedClientException" | "SignatureDoesNotMatch" | "InvalidAccessKeyId" => {
                    "the AWS credentials were refused: check AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, or `profile`".into()
                }
                _ => String::new(),
            };
            (format!("{action}: {code}: {msg}"), help)
        }
        None => {
            let text = aws_smithy_types::error::display::DisplayErrorContext(&err).to_string();
            let help = if text.contains("credentials") || text.contains("Credentials") {
                "the AWS SDK found no usable credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_PROFILE (or `profile` in the [[collectors]] entry), SSO, web identity or an instance role (the SDK's standard credential chain)".into()
            } else {
                "check the network, `region` and AWS_ENDPOINT_URL".into()
            };
            (format!("{action}: {text}"), help)
        }
    };
    PullError::Call {
        collector: "aws".into(),
        call: call.name.into(),
        message,
        help,
    }
}

/// The text the AWS CLI prints on stderr for a modelled error
/// (`An error occurred (Code) when calling the Operation operation: Message`).
pub(crate) fn cli_error_text(code: &str, operation: &str, message: &str) -> Vec<u8> {
    format!("\nAn error occurred ({code}) when calling the {operation} operation: {message}\n")
        .into_bytes()
}

/// A resource name or id as part of a file name: characters outside `[A-Za-z0-9._@+=,-]`
/// (none in IAM user names, bucket names, key ids or load balancer names) become `_`.
pub(crate) fn file_part(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "._@+=,-".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect()
}

async fn run(session: &mut Session<'_>, options: Options) -> Result<(), PullError> {
    let http = aws_smithy_http_client::Builder::new()
        .tls_provider(aws_smithy_http_client::tls::Provider::Rustls(
            aws_smithy_http_client::tls::rustls_provider::CryptoMode::Ring,
        ))
        .build_https();
    let mut loader = aws_config::defaults(BehaviorVersion::latest()).http_client(http);
    if let Some(r) = &options.region {
        loader = loader.region(Region::new(r.clone()));
    }
    if let Some(p) = &options.profile {
        loader = loader.profile_name(p);
    }
    let shared = loader.load().await;
    if shared.region().is_none() {
        return Err(fail_at(
            "config",
            "no AWS region".into(),
            "write `region = \"us-east-1\"` (your region) in the [[collectors]] entry, or set AWS_REGION",
        ));
    }
    let mut ctx = Ctx {
        session,
        shared,
        attempts: Attempts::default(),
        tally: BTreeMap::new(),
        ranges: BTreeMap::new(),
        pending: (0, 0),
    };
    for service in &options.services {
        match *service {
            "iam" => iam::pull(&mut ctx).await?,
            "kms" => kms::pull(&mut ctx).await?,
            "s3" => s3::pull(&mut ctx).await?,
            "rds" => rds::pull(&mut ctx).await?,
            "elbv2" => elbv2::pull(&mut ctx).await?,
            "cloudtrail" => cloudtrail::pull(&mut ctx).await?,
            "backup" => backup::pull(&mut ctx).await?,
            "ssm" => ssm::pull(&mut ctx).await?,
            _ => {}
        }
    }
    ctx.outcomes();
    Ok(())
}

impl Ctx<'_, '_> {
    /// The interceptor every client carries.
    pub(crate) fn interceptor(&self) -> Attempts {
        self.attempts.clone()
    }
}

/// A service client's configuration from the shared one, with the attempt counter.
macro_rules! client {
    ($ctx:expr, $krate:ident) => {{
        $krate::Client::from_conf(
            $krate::config::Builder::from(&$ctx.shared)
                .interceptor($ctx.interceptor())
                .build(),
        )
    }};
}
pub(crate) use client;

/// The earliest instant an event API with `days` of retention can still return, and the
/// shortfall to record when the window starts before it.
pub(crate) fn retention(
    now: Timestamp,
    from: Timestamp,
    days: i64,
    what: &str,
    fallback: &str,
) -> (Timestamp, Option<String>) {
    let earliest = now
        .checked_sub(jiff::SignedDuration::from_hours(24 * days))
        .unwrap_or(from);
    if from < earliest {
        (
            earliest,
            Some(format!(
                "{what} keeps {days} days: events from {from} to {earliest} are not covered; {fallback}"
            )),
        )
    } else {
        (from, None)
    }
}

/// The next page's marker of a listing that says whether it is truncated (IAM's `IsTruncated`
/// with `Marker`, KMS's `Truncated` with `NextMarker`): none once it is not.
pub(crate) fn next_marker(truncated: bool, marker: Option<&str>) -> Option<String> {
    marker.filter(|_| truncated).map(str::to_string)
}

/// An SDK timestamp from a jiff one.
pub(crate) fn sdk_time(t: Timestamp) -> aws_smithy_types::DateTime {
    aws_smithy_types::DateTime::from_secs_and_nanos(
        t.as_second(),
        t.subsec_nanosecond().max(0) as u32,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Timestamp {
        s.parse().expect("timestamp")
    }

    #[test]
    fn a_window_older_than_the_retention_is_asked_from_the_earliest_day_and_the_rest_is_a_shortfall()
     {
        let now = t("2026-12-05T12:00:00Z");
        let (from, shortfall) = retention(
            now,
            t("2026-07-01T00:00:00Z"),
            90,
            "CloudTrail event history (LookupEvents)",
            "read the trail's log files",
        );
        assert_eq!(from, t("2026-09-06T12:00:00Z"));
        assert_eq!(
            shortfall.as_deref(),
            Some(
                "CloudTrail event history (LookupEvents) keeps 90 days: events from 2026-07-01T00:00:00Z to 2026-09-06T12:00:00Z are not covered; read the trail's log files"
            )
        );
        // A window that starts within the retention is asked for whole.
        let (from, shortfall) = retention(now, t("2026-09-06T12:00:00Z"), 90, "x", "y");
        assert_eq!((from, shortfall), (t("2026-09-06T12:00:00Z"), None));
    }

    #[test]
    fn resource_names_stay_readable_in_file_names() {
        assert_eq!(
            file_part("svc-ci+deploy@acme.example"),
            "svc-ci+deploy@acme.example"
        );
        assert_eq!(file_part("my.bucket-1"), "my.bucket-1");
        assert_eq!(file_part("a/b c"), "a_b_c");
    }

    #[test]
    fn the_cli_error_text_is_what_the_cli_prints_on_stderr() {
        assert_eq!(
            String::from_utf8(cli_error_text(
                "ServerSideEncryptionConfigurationNotFoundError",
                "GetBucketEncryption",
                "The server side encryption configuration was not found"
            ))
            .expect("utf8"),
            "\nAn error occurred (ServerSideEncryptionConfigurationNotFoundError) when calling the GetBucketEncryption operation: The server side encryption configuration was not found\n"
        );
    }
}
