//! The `lightspeed` binary, driven as a user drives it: a config file in a scratch folder,
//! the built binary, and an emulator (embedded with `--emulator`, or started by the test on
//! loopback). No test waits on real minutes: emulated rate windows are compressed and the
//! daemon's schedule clock is started just before an occurrence (`--clock-start`).

mod catalog;
mod config;
mod connection;
mod daemon;
mod docs;
mod inventory;
mod secrets;
mod support;
