//! Criterion benchmarks for the Lightspeed crates; see `benches/` and `docs/performance.md`.
