//! eCom orders as fulfillment requests (features `ecom` and `xseries`).
