//! `system-ownership` (toy): every in-scope system of a critical tier names an owner who is in
//! people. The worked example of ARCHITECTURE.md, "Adding a control".

use crate::control_params::system_ownership::Params;
use crate::reasons::system_ownership::OwnedSystems;
use crate::{Cx, Dev, Tally, TestResult};

pub(crate) fn run(cx: &Cx<'_, Params>) -> Vec<TestResult> {
    let mut tally = Tally::default();
    for s in &cx.kit.systems {
        if !cx.in_scope(&s.system_id) || s.tier.is_none_or(|t| t > cx.p.max_tier) {
            continue;
        }
        let mut dev = Dev::new(&*s.system_id)
            .system(&*s.system_id)
            .lead(format!("system {}", s.system_id));
        dev.ev(s.loc);
        dev.person("owner", s.owner_id.as_deref());
        match s.owner_id.as_deref() {
            None => dev.fail(OwnedSystems::NoOwner, "names no owner"),
            Some(o) if !cx.people.contains_key(o) => dev.fail(
                OwnedSystems::OwnerUnknown,
                format!("owner `{o}` is not in people"),
            ),
            Some(_) => {}
        }
        tally.add(dev);
    }
    vec![tally.finish("owned-systems", Vec::new())]
}
