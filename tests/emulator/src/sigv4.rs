//! Verification of AWS Signature Version 4 `Authorization` headers (the `AWS4-HMAC-SHA256` scheme), so the emulated STS
//! accepts a request only when it was signed with the secret of a key the emulator issued (protocol.md §12.4).
//!
//! The canonical request follows the AWS SigV4 specification: method, URI path, sorted canonical query, the signed
//! headers (lower-cased names, trimmed values with inner runs of spaces collapsed, repeated headers joined with `,`),
//! the signed-header list and the hex SHA-256 of the body.

use std::fmt::Write as _;

use hmac::{Hmac, KeyInit as _, Mac as _};
use sha2::{Digest as _, Sha256};

/// The only algorithm AWS accepts in the `Authorization` header.
pub(crate) const ALGORITHM: &str = "AWS4-HMAC-SHA256";

/// The parts of an `Authorization: AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Authorization {
    pub(crate) access_key_id: String,
    /// `YYYYMMDD` from the credential scope.
    pub(crate) date: String,
    pub(crate) region: String,
    pub(crate) service: String,
    /// Lower-cased header names, in the order given (SigV4 requires them sorted; a client that doesn't sort gets a
    /// signature mismatch, as on AWS).
    pub(crate) signed_headers: Vec<String>,
    pub(crate) signature: String,
}

/// Why an `Authorization` header could not be parsed (AWS answers `IncompleteSignature`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Malformed(pub(crate) String);

impl Authorization {
    /// Parses the header value. The credential scope must be `<key>/<date>/<region>/<service>/aws4_request`.
    pub(crate) fn parse(value: &str) -> Result<Self, Malformed> {
        let rest = value
            .trim()
            .strip_prefix(ALGORITHM)
            .filter(|rest| rest.starts_with(' '))
            .ok_or_else(|| Malformed(format!("Unsupported signature algorithm; only {ALGORITHM} is accepted")))?;
        let (mut credential, mut signed_headers, mut signature) = (None, None, None);
        for part in rest.split(',') {
            let Some((key, value)) = part.trim().split_once('=') else {
                return Err(Malformed(format!(
                    "Authorization header requires each component to be of the form key=value: {}",
                    part.trim()
                )));
            };
            match key {
                "Credential" => credential = Some(value),
                "SignedHeaders" => signed_headers = Some(value),
                "Signature" => signature = Some(value),
                _ => {}
            }
        }
        let missing = |name: &str| Malformed(format!("Authorization header requires '{name}' parameter"));
        let credential = credential.ok_or_else(|| missing("Credential"))?;
        let signed_headers = signed_headers.ok_or_else(|| missing("SignedHeaders"))?;
        let signature = signature.ok_or_else(|| missing("Signature"))?;
        let scope: Vec<&str> = credential.split('/').collect();
        let [access_key_id, date, region, service, "aws4_request"] = scope[..] else {
            return Err(Malformed(format!(
                "Credential should be scoped to a valid region and service, and end with aws4_request: {credential}"
            )));
        };
        if access_key_id.is_empty() || date.len() != 8 || !date.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Malformed(format!("Invalid credential scope: {credential}")));
        }
        Ok(Self {
            access_key_id: access_key_id.to_owned(),
            date: date.to_owned(),
            region: region.to_owned(),
            service: service.to_owned(),
            signed_headers: signed_headers.split(';').map(str::to_ascii_lowercase).collect(),
            signature: signature.to_ascii_lowercase(),
        })
    }

    /// `<date>/<region>/<service>/aws4_request`.
    pub(crate) fn scope(&self) -> String {
        format!("{}/{}/{}/aws4_request", self.date, self.region, self.service)
    }
}

/// One HTTP request as the signer saw it.
pub(crate) struct SignedRequest<'a> {
    pub(crate) method: &'a str,
    pub(crate) path: &'a str,
    pub(crate) query: Option<&'a str>,
    /// Every header of the request (name, value); names in any case.
    pub(crate) headers: &'a [(String, String)],
    pub(crate) body: &'a [u8],
}

fn hex(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        let _ = write!(out, "{byte:02x}");
    }
    out
}

fn sha256_hex(data: &[u8]) -> String {
    hex(&Sha256::digest(data))
}

fn hmac(key: &[u8], data: &[u8]) -> Vec<u8> {
    // HMAC accepts keys of any length, so this never fails.
    let mut mac = Hmac::<Sha256>::new_from_slice(key).unwrap_or_else(|_| unreachable!("HMAC takes any key length"));
    mac.update(data);
    mac.finalize().into_bytes().to_vec()
}

/// RFC 3986 percent-encoding of everything but unreserved characters (SigV4's `UriEncode`).
fn uri_encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            let _ = write!(out, "%{byte:02X}");
        }
    }
    out
}

/// The canonical query string: every `name=value` decoded, re-encoded with [`uri_encode`] and sorted.
fn canonical_query(query: Option<&str>) -> String {
    let Some(query) = query.filter(|q| !q.is_empty()) else {
        return String::new();
    };
    let mut pairs: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes())
        .map(|(k, v)| (uri_encode(&k), uri_encode(&v)))
        .collect();
    pairs.sort();
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

/// A header value as SigV4 canonicalises it: trimmed, runs of spaces collapsed to one.
fn canonical_value(value: &str) -> String {
    value.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The canonical request (SigV4 step 1).
pub(crate) fn canonical_request(request: &SignedRequest<'_>, signed_headers: &[String]) -> String {
    let mut headers = String::new();
    for name in signed_headers {
        let values: Vec<String> = request
            .headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| canonical_value(v))
            .collect();
        let _ = writeln!(headers, "{name}:{}", values.join(","));
    }
    let path = if request.path.is_empty() { "/" } else { request.path };
    format!(
        "{}\n{path}\n{}\n{headers}\n{}\n{}",
        request.method,
        canonical_query(request.query),
        signed_headers.join(";"),
        sha256_hex(request.body)
    )
}

/// The string to sign (SigV4 step 2); `amz_date` is the `X-Amz-Date` value (`YYYYMMDDTHHMMSSZ`).
pub(crate) fn string_to_sign(amz_date: &str, scope: &str, canonical_request: &str) -> String {
    format!(
        "{ALGORITHM}\n{amz_date}\n{scope}\n{}",
        sha256_hex(canonical_request.as_bytes())
    )
}

/// The hex signature (SigV4 steps 3 and 4) of `string_to_sign` under `secret` and the credential scope's parts.
pub(crate) fn signature(secret: &str, date: &str, region: &str, service: &str, string_to_sign: &str) -> String {
    let k_date = hmac(format!("AWS4{secret}").as_bytes(), date.as_bytes());
    let k_region = hmac(&k_date, region.as_bytes());
    let k_service = hmac(&k_region, service.as_bytes());
    let k_signing = hmac(&k_service, b"aws4_request");
    hex(&hmac(&k_signing, string_to_sign.as_bytes()))
}

/// Whether `authorization` is the signature of `request` made at `amz_date` with `secret`.
pub(crate) fn verify(request: &SignedRequest<'_>, authorization: &Authorization, amz_date: &str, secret: &str) -> bool {
    let canonical = canonical_request(request, &authorization.signed_headers);
    let to_sign = string_to_sign(amz_date, &authorization.scope(), &canonical);
    let expected = signature(
        secret,
        &authorization.date,
        &authorization.region,
        &authorization.service,
        &to_sign,
    );
    // Constant-time comparison is pointless in a test emulator, but cheap.
    expected.len() == authorization.signature.len()
        && expected
            .bytes()
            .zip(authorization.signature.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The AWS SigV4 test suite's example credentials (`aws-sig-v4-test-suite`, also in the AWS General Reference).
    const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

    fn headers(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    #[test]
    fn the_aws_test_suite_get_vanilla_vector() {
        // aws-sig-v4-test-suite/get-vanilla: GET / with Host and X-Amz-Date, service "service".
        let headers = headers(&[("Host", "example.amazonaws.com"), ("X-Amz-Date", "20150830T123600Z")]);
        let request = SignedRequest {
            method: "GET",
            path: "/",
            query: None,
            headers: &headers,
            body: b"",
        };
        let header = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, \
                      SignedHeaders=host;x-amz-date, \
                      Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31";
        let authorization = Authorization::parse(header).unwrap();
        assert_eq!(authorization.access_key_id, "AKIDEXAMPLE");
        assert_eq!(authorization.scope(), "20150830/us-east-1/service/aws4_request");
        assert_eq!(
            canonical_request(&request, &authorization.signed_headers),
            "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n\
             e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert!(verify(&request, &authorization, "20150830T123600Z", SECRET));
        // Any change breaks it: another secret, another date, another body, a header left out.
        assert!(!verify(&request, &authorization, "20150830T123600Z", "wrong"));
        assert!(!verify(&request, &authorization, "20150830T123601Z", SECRET));
        let tampered = SignedRequest { body: b"x", ..request };
        assert!(!verify(&tampered, &authorization, "20150830T123600Z", SECRET));
    }

    #[test]
    fn canonical_query_sorts_and_reencodes() {
        assert_eq!(canonical_query(Some("b=2&a=%7e x&a=1")), "a=1&a=~%20x&b=2");
        assert_eq!(canonical_query(None), "");
    }

    #[test]
    fn canonical_values_are_trimmed_collapsed_and_joined() {
        let headers = headers(&[("X-A", "  one   two "), ("x-a", "three"), ("Host", "h")]);
        let request = SignedRequest {
            method: "POST",
            path: "",
            query: None,
            headers: &headers,
            body: b"",
        };
        let canonical = canonical_request(&request, &["host".to_owned(), "x-a".to_owned()]);
        assert!(
            canonical.starts_with("POST\n/\n\nhost:h\nx-a:one two,three\n\nhost;x-a\n"),
            "{canonical}"
        );
    }

    #[test]
    fn malformed_headers_are_refused() {
        for header in [
            "AWS4-HMAC-SHA512 Credential=A/20260101/us-east-1/sts/aws4_request, SignedHeaders=host, Signature=ab",
            "AWS4-HMAC-SHA256 SignedHeaders=host, Signature=ab",
            "AWS4-HMAC-SHA256 Credential=A/20260101/us-east-1/sts, SignedHeaders=host, Signature=ab",
            "AWS4-HMAC-SHA256 Credential=A/2026-1-1/us-east-1/sts/aws4_request, SignedHeaders=host, Signature=ab",
            "AWS4-HMAC-SHA256 Credential=A/20260101/us-east-1/sts/aws4_request, SignedHeaders=host",
            "AWS4-HMAC-SHA256 Credential",
            "Bearer xyz",
        ] {
            assert!(Authorization::parse(header).is_err(), "{header}");
        }
    }
}
