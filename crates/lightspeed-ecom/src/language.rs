//! Where requests go: the cluster (or any base URL) and the language segment of every path.

use std::fmt;
use std::str::FromStr;

use lightspeed_core::BaseUrl;

use crate::error::{Error, Result};

/// A shop language code as used in URLs (`/nl/products.json`): two ASCII letters.
///
/// Every eCom request is made in a language: translatable fields (titles, descriptions) are
/// read and written in it; prices, stock and ids are shared by all languages.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Language(String);

impl Language {
    /// Validates a language code (`nl`, `en`, `de`, `fr`, `us`...); it is lower-cased.
    pub fn new(code: &str) -> Result<Self> {
        let code = code.trim().to_ascii_lowercase();
        if code.len() == 2 && code.bytes().all(|b| b.is_ascii_lowercase()) {
            Ok(Self(code))
        } else {
            Err(Error::config(format!(
                "`{code}` is not an eCom language code: use the shop language's two-letter code, as in https://api.webshopapp.com/nl/ (nl, en, de, fr, us...)"
            )))
        }
    }

    /// The code.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Language {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for Language {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Self::new(s)
    }
}

impl TryFrom<&str> for Language {
    type Error = Error;
    fn try_from(s: &str) -> Result<Self> {
        Self::new(s)
    }
}

/// An eCom cluster: the shop's data lives on one of them (an app learns it from the install's
/// `cluster_id`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Cluster {
    /// Europe: `https://api.webshopapp.com/`.
    Eu1,
    /// North America: `https://api.shoplightspeed.com/`.
    Us1,
}

impl Cluster {
    /// The cluster's API base URL.
    pub fn base_url(self) -> &'static str {
        match self {
            Cluster::Eu1 => "https://api.webshopapp.com/",
            Cluster::Us1 => "https://api.shoplightspeed.com/",
        }
    }

    /// The cluster's id (`eu1`, `us1`).
    pub fn id(self) -> &'static str {
        match self {
            Cluster::Eu1 => "eu1",
            Cluster::Us1 => "us1",
        }
    }

    pub(crate) fn parse_base_url(self) -> BaseUrl {
        BaseUrl::parse(self.base_url()).expect("cluster URLs are valid")
    }
}

impl FromStr for Cluster {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "eu1" | "eu" | "live" => Ok(Cluster::Eu1),
            "us1" | "us" => Ok(Cluster::Us1),
            other => Err(Error::config(format!(
                "unknown eCom cluster `{other}`: use `eu1` (api.webshopapp.com) or `us1` (api.shoplightspeed.com), or give a base URL"
            ))),
        }
    }
}

impl fmt::Display for Cluster {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn language_codes_are_two_letters() {
        assert_eq!(Language::new("NL").unwrap().as_str(), "nl");
        let err = Language::new("nl_NL").unwrap_err().to_string();
        assert!(err.contains("two-letter"), "{err}");
        assert!(Language::new("").is_err());
    }

    #[test]
    fn clusters_parse_by_id() {
        assert_eq!("eu1".parse::<Cluster>().unwrap(), Cluster::Eu1);
        assert_eq!(
            "US1".parse::<Cluster>().unwrap().base_url(),
            "https://api.shoplightspeed.com/"
        );
        assert!(
            "ap1"
                .parse::<Cluster>()
                .unwrap_err()
                .to_string()
                .contains("eu1")
        );
    }
}
