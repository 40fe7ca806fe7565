//! The `Endpoint` trait: one plain value per API call, built and parsed without I/O.
//!
//! An endpoint crate defines a struct per call (required parameters in `new`, setters for the
//! optional ones) and implements [`Endpoint`] for it; [`Client::send`](crate::Client::send)
//! does the I/O. Both halves can then be unit-tested on their own: `request()` against the
//! expected path and query, `parse()` against a recorded body.

use crate::error::Result;
use crate::request::Request;
use crate::transport::Response;

/// One API call: how to build its request and how to read its response.
pub trait Endpoint: Send + Sync {
    /// What a successful call returns.
    type Output: Send;

    /// Builds the request (no I/O).
    fn request(&self) -> Result<Request>;

    /// Reads a successful (2xx) response (no I/O). Use [`Response::json`] for JSON bodies.
    fn parse(&self, response: Response) -> Result<Self::Output>;
}
