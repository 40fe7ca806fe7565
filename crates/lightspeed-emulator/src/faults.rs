//! Deterministic fault draws: one generator per request, seeded with the emulator's seed and
//! the request's sequence number.

use std::time::Duration;

use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::{RngCore, SeedableRng};

use crate::config::Faults;

/// What happens to one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fault {
    /// Answer with this 5xx status, change nothing.
    Status(u16),
    /// Answer 429 although the budget is not spent.
    TooMany,
    /// Close the connection without an answer.
    Drop,
    /// Apply the request, then cut the body in the middle.
    Truncate,
}

/// The draw for one request: an optional fault and an optional delay.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Draw {
    pub fault: Option<Fault>,
    pub delay: Option<Duration>,
}

fn unit(rng: &mut ChaCha8Rng) -> f64 {
    // 53 random bits as a fraction in [0, 1).
    (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64
}

/// Draws the faults of request number `n`.
pub(crate) fn draw(faults: &Faults, seed: u64, n: u64) -> Draw {
    if faults.is_none() {
        return Draw::default();
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ n.wrapping_mul(0x9E37_79B9_7F4A_7C15));
    let pick = unit(&mut rng);
    let table = [
        (faults.error_500, Fault::Status(500)),
        (faults.error_502, Fault::Status(502)),
        (faults.error_503, Fault::Status(503)),
        (faults.extra_429, Fault::TooMany),
        (faults.drop_connection, Fault::Drop),
        (faults.truncate_body, Fault::Truncate),
    ];
    let mut edge = 0.0;
    let mut fault = None;
    for (p, f) in table {
        edge += p.max(0.0);
        if pick < edge {
            fault = Some(f);
            break;
        }
    }
    let delay = (unit(&mut rng) < faults.latency).then_some(faults.latency_duration);
    Draw { fault, delay }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_draws_the_same_faults_and_rates_are_respected() {
        let f = Faults::rate(0.3);
        let a: Vec<_> = (0..2000).map(|n| draw(&f, 7, n)).collect();
        let b: Vec<_> = (0..2000).map(|n| draw(&f, 7, n)).collect();
        assert_eq!(a, b);
        let c: Vec<_> = (0..2000).map(|n| draw(&f, 8, n)).collect();
        assert_ne!(a, c);
        let faulty = a.iter().filter(|d| d.fault.is_some()).count();
        assert!((500..700).contains(&faulty), "{faulty} of 2000");
        let kinds: std::collections::BTreeSet<_> = a
            .iter()
            .filter_map(|d| d.fault)
            .map(|f| format!("{f:?}"))
            .collect();
        assert_eq!(kinds.len(), 6, "{kinds:?}");
    }

    #[test]
    fn no_faults_draws_nothing() {
        assert!((0..100).all(|n| draw(&Faults::default(), 1, n) == Draw::default()));
    }
}
