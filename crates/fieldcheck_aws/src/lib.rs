//! The AWS collector (behind the CLI's `aws` feature): every call made through the official AWS
//! SDK for Rust, written in the shape `aws ... --output json` prints, where the AWS adapters read.

#![deny(missing_docs)]

use fieldcheck_pull::{Collector, CollectorSpec, PullError, Session};

/// The AWS collector.
pub struct Aws;

/// The AWS collector, to register.
pub static AWS: Aws = Aws;

impl Collector for Aws {
    fn spec(&self) -> &'static CollectorSpec {
        &fieldcheck_pull::aws_spec::AWS
    }

    fn pull(&self, session: &mut Session<'_>) -> Result<(), PullError> {
        Err(PullError::Call {
            collector: "aws".into(),
            call: session.spec().calls[0].name.into(),
            message: "not implemented yet".into(),
            help: String::new(),
        })
    }
}
