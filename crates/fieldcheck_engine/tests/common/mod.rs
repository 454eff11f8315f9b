//! What the engine's integration tests share: the demo company's kit (seed 7, 300 people),
//! written into a folder and loaded.

use std::path::Path;

use fieldcheck_engine::{LoadRequest, Loaded};

/// Writes the demo kit into `dir`.
pub fn write_demo(dir: &Path) {
    fieldcheck_demo::write_kit(
        dir,
        &fieldcheck_demo::DemoOptions {
            seed: 7,
            people: 300,
        },
    )
    .expect("demo kit");
}

/// Loads the kit at `dir` with its own config.
pub fn load(dir: &Path) -> Loaded {
    let Ok(loaded) = fieldcheck_engine::load(LoadRequest::new(dir, None)) else {
        panic!("the kit at {} loads", dir.display());
    };
    loaded
}
