//! X-Series webhooks: an `X-Signature` header value, an optional type, and a form body (see
//! `split_call`: headers `x-signature` and `type`) through the signature check and the parser.
//! Never a panic; each of the four signature readings of the raw body and of `payload`
//! verifies, and a verified parse reads the same event as an unverified one.
#![no_main]

use libfuzzer_sys::fuzz_target;
use lightspeed_fuzz::split_call;
use lightspeed_xseries::model::WebhookType;
use lightspeed_xseries::webhook::{WebhookEvent, WebhookVerifier, sign_base64, sign_hex};

const SECRET: &str = "client-secret";

fuzz_target!(|data: &[u8]| {
    let (lines, body) = split_call(data);
    let text = |name: &str| {
        lines
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name.as_bytes()))
            .map(|(_, v)| String::from_utf8_lossy(v).into_owned())
    };
    let header = text("x-signature");
    let kind = text("type").map(|t| WebhookType::from(t.as_str()));
    let verifier = WebhookVerifier::new(SECRET);
    if let Some(header) = &header {
        let _ = verifier.verify(header, body);
    }
    let _ = verifier.parse(header.as_deref(), body, kind.clone());
    let unverified = WebhookEvent::parse_unverified(body, kind.clone());
    if let Ok(event) = &unverified {
        let _ = event.payload.to_json();
    }

    let payload = url::form_urlencoded::parse(body)
        .find(|(k, _)| k == "payload")
        .map(|(_, v)| v.into_owned());
    let mut digests = vec![sign_hex(body, SECRET), sign_base64(body, SECRET)];
    if let Some(payload) = &payload {
        digests.push(sign_hex(payload.as_bytes(), SECRET));
        digests.push(sign_base64(payload.as_bytes(), SECRET));
    }
    for digest in digests {
        let header = format!("signature={digest},algorithm=HMAC-SHA256");
        assert!(
            verifier.verify(&header, body).is_ok(),
            "a correct signature is refused: {header}"
        );
        let verified = verifier.parse(Some(&header), body, kind.clone());
        match (&verified, &unverified) {
            (Ok(a), Ok(b)) => assert_eq!(a, b),
            (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string()),
            _ => panic!("verified {verified:?} but unverified {unverified:?}"),
        }
    }
});
