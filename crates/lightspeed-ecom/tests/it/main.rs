//! Integration tests for lightspeed-ecom: fixture conformance, and the client against wiremock
//! on loopback with a virtual clock.

mod conformance;
