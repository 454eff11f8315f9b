//! `fieldcheck pull`: runs the config's `[[collectors]]` into the kit's `exports/` folder.

use fieldcheck_pull::{Collector, CollectorSpec};

/// The collectors this build can run. The AWS collector is compiled in only with the `aws`
/// feature; its spec is listed either way.
#[allow(dead_code)]
pub(crate) fn implementations() -> Vec<&'static dyn Collector> {
    #[allow(unused_mut)]
    let mut v: Vec<&'static dyn Collector> = Vec::new();
    #[cfg(feature = "aws")]
    v.push(&fieldcheck_aws::AWS);
    v
}

/// Every collector's spec, built or not.
#[allow(dead_code)]
pub(crate) fn specs() -> Vec<&'static CollectorSpec> {
    vec![&fieldcheck_pull::aws_spec::AWS]
}
