//! eCom webhooks: headers and a body (see `split_call`) through the signature check and the
//! parser. Never a panic; a correct signature always verifies, and a verified parse reads the
//! same event as an unverified one.
#![no_main]

use http::{HeaderMap, HeaderName, HeaderValue};
use libfuzzer_sys::fuzz_target;
use lightspeed_ecom::webhook::{WebhookEvent, WebhookRecord, WebhookVerifier, signature};
use lightspeed_fuzz::split_call;

const SECRET: &str = "app-secret";

fuzz_target!(|data: &[u8]| {
    let (lines, body) = split_call(data);
    let mut headers = HeaderMap::new();
    for (name, value) in lines {
        if let (Ok(name), Ok(value)) =
            (HeaderName::from_bytes(name), HeaderValue::from_bytes(value))
        {
            headers.append(name, value);
        }
    }
    let verifier = WebhookVerifier::new("key-secret").also_accept(SECRET);
    let _ = WebhookRecord::from_body(body);
    let _ = verifier.parse(&headers, body).map(|e| e.record_id);
    if let Some(given) = headers.get("x-signature").and_then(|v| v.to_str().ok()) {
        let _ = verifier.verify(body, given);
    }
    let unverified = WebhookEvent::parse_unverified(&headers, body);

    let signed = signature(body, SECRET);
    assert!(
        verifier.verify(body, &signed).is_ok(),
        "a correct signature is refused"
    );
    assert!(
        verifier.verify(body, &signed.to_ascii_uppercase()).is_ok(),
        "a correct upper-case signature is refused"
    );
    headers.insert("x-signature", HeaderValue::from_str(&signed).unwrap());
    let verified = verifier.parse(&headers, body);
    match (&verified, &unverified) {
        (Ok(a), Ok(b)) => assert_eq!(a, b),
        (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string()),
        _ => panic!("verified {verified:?} but unverified {unverified:?}"),
    }
});
