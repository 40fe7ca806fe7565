//! Runnable examples for the Lightspeed crates; see the `examples/` folder of this crate.
