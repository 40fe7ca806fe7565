//! Integration tests for lightspeed-xseries: fixture conformance, and the client against
//! wiremock on loopback with a virtual clock (waits are recorded, never slept).

mod conformance;
