//! A typed client for Lightspeed Retail X-Series.
pub mod model;
