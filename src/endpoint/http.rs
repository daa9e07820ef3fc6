//! One HTTP/1.1 exchange on a credential-endpoint connection: a strict reader for the request head (a GET with no
//! body) and the writer of the one response, after which the connection is closed (`Connection: close`).
//!
//! Strict means anything the endpoint does not need is refused rather than guessed at: a head over 8 KiB (431), a
//! request line that is not exactly `METHOD SP TARGET SP HTTP/1.x` (400, or 505 for another version), a header
//! line without a colon, with a space before it, folded onto the next line, or with a control character in it
//! (400), two `Host` or two `Authorization` headers (400), and any request body (`Content-Length` other than 0, or
//! `Transfer-Encoding`: 400).

use memchr::memmem;
use tokio::io::{AsyncRead, AsyncReadExt as _};

/// The longest request head read; the SDKs send about 200 bytes.
pub(super) const MAX_HEAD: usize = 8 * 1024;

/// What the endpoint needs of a request.
#[derive(PartialEq, Eq)]
pub(super) struct Request {
    pub(super) method: String,
    pub(super) target: String,
    pub(super) host: Option<String>,
    /// The raw value: compared to the token in constant time, never shown (not even by `Debug`).
    pub(super) authorization: Option<Vec<u8>>,
}

impl std::fmt::Debug for Request {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Request")
            .field("method", &self.method)
            .field("target", &self.target)
            .field("host", &self.host)
            .field("authorization", &self.authorization.as_ref().map(|_| "***"))
            .finish()
    }
}

/// Why a request head was refused: the status to answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Refused {
    /// 400, with what was wrong (said in the body; no request data is echoed).
    Malformed(&'static str),
    /// 431: the head is longer than [`MAX_HEAD`].
    TooLarge,
    /// 505: not HTTP/1.0 or HTTP/1.1.
    Version,
}

impl Refused {
    pub(super) fn status(self) -> u16 {
        match self {
            Refused::Malformed(_) => 400,
            Refused::TooLarge => 431,
            Refused::Version => 505,
        }
    }

    pub(super) fn message(self) -> &'static str {
        match self {
            Refused::Malformed(why) => why,
            Refused::TooLarge => "request head too large",
            Refused::Version => "only HTTP/1.1 is spoken here",
        }
    }
}

/// Read one request head. `Ok(None)` when the peer closed the connection before sending a whole head.
pub(super) async fn read_request<R: AsyncRead + Unpin>(
    reader: &mut R,
) -> std::io::Result<Option<Result<Request, Refused>>> {
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0u8; 1024];
    loop {
        let n = reader.read(&mut chunk).await?;
        if n == 0 {
            return Ok(None);
        }
        // Search only where the new bytes could complete the terminator.
        let from = buf.len().saturating_sub(3);
        buf.extend_from_slice(&chunk[..n]);
        if let Some(end) = memmem::find(&buf[from..], b"\r\n\r\n") {
            let head_len = from + end;
            if head_len > MAX_HEAD {
                return Ok(Some(Err(Refused::TooLarge)));
            }
            return Ok(Some(parse(&buf[..head_len])));
        }
        if buf.len() > MAX_HEAD + 3 {
            return Ok(Some(Err(Refused::TooLarge)));
        }
    }
}

/// Parse a request head, up to the CRLF CRLF that ends it (not included).
pub(super) fn parse(head: &[u8]) -> Result<Request, Refused> {
    // The head arrives without its final CRLF, so every line but the last ends with CR here.
    let count = head.split(|&b| b == b'\n').count();
    let mut lines = head.split(|&b| b == b'\n').enumerate().map(|(i, l)| {
        if i + 1 == count {
            Ok(l)
        } else {
            l.strip_suffix(b"\r")
                .ok_or(Refused::Malformed("lines must end with CRLF"))
        }
    });
    let line = lines.next().ok_or(Refused::Malformed("empty request"))??;
    let line = std::str::from_utf8(line).map_err(|_| Refused::Malformed("request line is not text"))?;
    let mut parts = line.split(' ');
    let (Some(method), Some(target), Some(version), None) = (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(Refused::Malformed("request line must be METHOD TARGET VERSION"));
    };
    if method.is_empty() || !method.bytes().all(is_tchar) {
        return Err(Refused::Malformed("bad method"));
    }
    if !target.starts_with('/') || !target.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(Refused::Malformed("bad request target"));
    }
    if !matches!(version, "HTTP/1.1" | "HTTP/1.0") {
        return Err(if version.starts_with("HTTP/") {
            Refused::Version
        } else {
            Refused::Malformed("bad HTTP version")
        });
    }
    let mut request = Request {
        method: method.to_owned(),
        target: target.to_owned(),
        host: None,
        authorization: None,
    };
    for line in lines {
        let line = line?;
        let colon = memchr::memchr(b':', line).ok_or(Refused::Malformed("header line without a colon"))?;
        let (name, value) = (&line[..colon], &line[colon + 1..]);
        if name.is_empty() || !name.iter().copied().all(is_tchar) {
            // Also catches obsolete line folding (a line starting with a space) and a space before the colon.
            return Err(Refused::Malformed("bad header name"));
        }
        if value.iter().any(|&b| (b < 0x20 && b != b'\t') || b == 0x7f) {
            return Err(Refused::Malformed("control character in a header"));
        }
        let value = value.trim_ascii();
        if name.eq_ignore_ascii_case(b"host") {
            let host = std::str::from_utf8(value).map_err(|_| Refused::Malformed("bad Host"))?;
            if request.host.replace(host.to_owned()).is_some() {
                return Err(Refused::Malformed("more than one Host"));
            }
        } else if name.eq_ignore_ascii_case(b"authorization") {
            if request.authorization.replace(value.to_vec()).is_some() {
                return Err(Refused::Malformed("more than one Authorization"));
            }
        } else if name.eq_ignore_ascii_case(b"transfer-encoding")
            || (name.eq_ignore_ascii_case(b"content-length") && value != b"0")
        {
            return Err(Refused::Malformed("a request body is not accepted"));
        }
    }
    Ok(request)
}

/// RFC 9110 `tchar`: what a method or a header name is made of.
fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// A whole response: status line, JSON body, and the headers that keep it out of caches and end the connection.
pub(super) fn response(status: u16, body: &str, allow_get: bool) -> Vec<u8> {
    let reason = match status {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        431 => "Request Header Fields Too Large",
        503 => "Service Unavailable",
        505 => "HTTP Version Not Supported",
        _ => "Internal Server Error",
    };
    let allow = if allow_get { "Allow: GET\r\n" } else { "" };
    format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\
         Cache-Control: no-store\r\n{allow}Connection: close\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(head: &str) -> Request {
        parse(head.as_bytes()).unwrap_or_else(|e| panic!("{head:?}: {e:?}"))
    }

    fn refused(head: &str) -> Refused {
        parse(head.as_bytes()).expect_err(head)
    }

    #[test]
    fn what_the_sdks_send() {
        // botocore (urllib3) and the Rust SDK (hyper), as captured from each.
        let r = ok(
            "GET / HTTP/1.1\r\nHost: 127.0.0.1:4000\r\nAccept-Encoding: identity\r\nAccept: application/json\r\n\
                    Authorization: tok\r\nUser-Agent: Botocore/1.44.8",
        );
        assert_eq!(r.method, "GET");
        assert_eq!(r.target, "/");
        assert_eq!(r.host.as_deref(), Some("127.0.0.1:4000"));
        assert_eq!(r.authorization.as_deref(), Some(&b"tok"[..]));
        let r = ok("GET / HTTP/1.1\r\naccept: application/json\r\nauthorization:  tok \r\nhost: 127.0.0.1:4000");
        assert_eq!(
            r.authorization.as_deref(),
            Some(&b"tok"[..]),
            "optional whitespace trimmed"
        );
        let r = ok("GET /x HTTP/1.0\r\nContent-Length: 0");
        assert_eq!((r.host, r.authorization), (None, None));
    }

    #[test]
    fn anything_else_is_refused() {
        for (head, want) in [
            ("", Refused::Malformed("request line must be METHOD TARGET VERSION")),
            (
                "GET / HTTP/1.1\nHost: a",
                Refused::Malformed("lines must end with CRLF"),
            ),
            (
                "GET  / HTTP/1.1",
                Refused::Malformed("request line must be METHOD TARGET VERSION"),
            ),
            (
                "GET / HTTP/1.1 x",
                Refused::Malformed("request line must be METHOD TARGET VERSION"),
            ),
            ("GET http://evil/ HTTP/1.1", Refused::Malformed("bad request target")),
            ("G(T / HTTP/1.1", Refused::Malformed("bad method")),
            ("GET / HTTP/2.0", Refused::Version),
            ("GET / SPDY/3", Refused::Malformed("bad HTTP version")),
            (
                "GET / HTTP/1.1\r\nHost a",
                Refused::Malformed("header line without a colon"),
            ),
            ("GET / HTTP/1.1\r\nHost : a", Refused::Malformed("bad header name")),
            (
                "GET / HTTP/1.1\r\nX: a\r\n b",
                Refused::Malformed("header line without a colon"),
            ),
            ("GET / HTTP/1.1\r\nX: a\r\n b:c", Refused::Malformed("bad header name")),
            (
                "GET / HTTP/1.1\r\nHost: a\r\nHost: b",
                Refused::Malformed("more than one Host"),
            ),
            (
                "GET / HTTP/1.1\r\nAuthorization: a\r\nauthorization: b",
                Refused::Malformed("more than one Authorization"),
            ),
            (
                "GET / HTTP/1.1\r\nX: a\x00b",
                Refused::Malformed("control character in a header"),
            ),
            (
                "GET / HTTP/1.1\r\nContent-Length: 5",
                Refused::Malformed("a request body is not accepted"),
            ),
            (
                "GET / HTTP/1.1\r\nTransfer-Encoding: chunked",
                Refused::Malformed("a request body is not accepted"),
            ),
        ] {
            assert_eq!(refused(head), want, "{head:?}");
        }
    }

    #[test]
    fn reads_a_head_in_pieces_and_caps_its_size() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            let (mut client, mut server) = tokio::io::duplex(64);
            let writer = tokio::spawn(async move {
                use tokio::io::AsyncWriteExt as _;
                for piece in ["GET / HT", "TP/1.1\r\nHost: h\r", "\n\r", "\nignored body"] {
                    client.write_all(piece.as_bytes()).await.unwrap();
                }
                client
            });
            let got = read_request(&mut server).await.unwrap().unwrap().unwrap();
            assert_eq!(got.host.as_deref(), Some("h"));
            drop(writer.await.unwrap());

            let (mut client, mut server) = tokio::io::duplex(MAX_HEAD * 2);
            tokio::spawn(async move {
                use tokio::io::AsyncWriteExt as _;
                let long = format!("GET / HTTP/1.1\r\nX: {}\r\n\r\n", "a".repeat(MAX_HEAD));
                let _ = client.write_all(long.as_bytes()).await;
                client
            });
            assert_eq!(
                read_request(&mut server).await.unwrap().unwrap(),
                Err(Refused::TooLarge)
            );

            let (client, mut server) = tokio::io::duplex(64);
            drop(client);
            assert_eq!(
                read_request(&mut server).await.unwrap(),
                None,
                "closed before a request"
            );
        });
    }

    proptest::proptest! {
        #[test]
        fn never_panics(head in proptest::collection::vec(proptest::num::u8::ANY, 0..512)) {
            let _ = parse(&head);
        }
    }
}
