//! The request line of what a browser sends to one of awsso's loopback listeners (the PKCE redirect, the console's
//! one-time link): read up to the blank line that ends the head, at most 8 KiB, within a deadline for the whole
//! request, so an idle or trickling connection is dropped and never holds up the others.

use std::time::Duration;

use tokio::io::AsyncReadExt as _;

/// The most of a request head read.
const MAX_HEAD: usize = 8 * 1024;

/// The method and target of the request on `stream`; `None` when the connection closes, fails or runs past
/// `deadline` before its head is complete. A head longer than [`MAX_HEAD`] is judged by its first 8 KiB.
pub(crate) async fn request_line(stream: &mut tokio::net::TcpStream, deadline: Duration) -> Option<(String, String)> {
    let mut buf = vec![0u8; MAX_HEAD];
    let mut len = 0;
    let read = async {
        while len < buf.len() && memchr::memmem::find(&buf[..len], b"\r\n\r\n").is_none() {
            match stream.read(&mut buf[len..]).await {
                Ok(0) | Err(_) => return false,
                Ok(n) => len += n,
            }
        }
        true
    };
    if !tokio::time::timeout(deadline, read).await.unwrap_or(false) {
        return None;
    }
    let head = String::from_utf8_lossy(&buf[..len]);
    let mut words = head.lines().next()?.split_whitespace();
    Some((words.next()?.to_owned(), words.next()?.to_owned()))
}
