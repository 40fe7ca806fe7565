//! Integration tests of the emulator: one binary, a module per area. Every request goes over
//! loopback to an emulator started in the test.

mod admin;
mod auth;
mod cli;
mod ecom;
mod faults;
mod fidelity;
mod limits;
mod search;
mod support;
mod webhooks;
mod xseries;
