//! The one-time loopback redirect (cli.md `console`): the browser is started on `http://127.0.0.1:<port>/<random>`,
//! which answers once with a redirect to the login URL and then stops listening, so the sign-in token is never on a
//! process's argv (where `ps` and every local user can read it).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use anyhow::anyhow;
use tokio::io::AsyncWriteExt as _;

use crate::secret::Secret;

/// How long one connection may take to send its request line and headers.
const READ_TIMEOUT: Duration = Duration::from_secs(10);

/// A bound, not yet serving, loopback listener with its one-time path.
pub(crate) struct Redirect {
    listener: std::net::TcpListener,
    path: String,
}

impl Redirect {
    /// Listen on an ephemeral port of 127.0.0.1, under a random 256-bit path.
    pub(crate) fn bind() -> anyhow::Result<Self> {
        let listener = std::net::TcpListener::bind(("127.0.0.1", 0))
            .map_err(|e| anyhow!("could not listen on 127.0.0.1 for the browser ({e})"))?;
        listener.set_nonblocking(true)?;
        let path = format!("/{}", crate::secret::random_token()?.expose());
        Ok(Self { listener, path })
    }

    /// The URL to give the browser. It reveals nothing but a one-time path.
    pub(crate) fn url(&self) -> anyhow::Result<String> {
        Ok(format!(
            "http://127.0.0.1:{}{}",
            self.listener.local_addr()?.port(),
            self.path
        ))
    }

    /// Answer the first `GET` of the path with a redirect to `location`, then stop listening; other requests get
    /// 404 meanwhile. An error if nothing asked for the path within `wait`.
    pub(crate) fn serve(self, location: &Secret, wait: Duration) -> anyhow::Result<()> {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
        runtime.block_on(async {
            let listener = tokio::net::TcpListener::from_std(self.listener)?;
            let served = Arc::new(AtomicBool::new(false));
            let (done, mut finished) = tokio::sync::mpsc::channel::<()>(1);
            let deadline = tokio::time::Instant::now() + wait;
            loop {
                tokio::select! {
                    _ = finished.recv() => return Ok(()),
                    () = tokio::time::sleep_until(deadline) => {
                        return Err(anyhow!("the browser did not open the console link within {} s", wait.as_secs()));
                    }
                    accepted = listener.accept() => {
                        let Ok((stream, _)) = accepted else { continue };
                        let path = self.path.clone();
                        let location = location.clone();
                        let served = served.clone();
                        let done = done.clone();
                        tokio::spawn(async move {
                            if answer(stream, &path, &location, &served).await {
                                let _ = done.send(()).await;
                            }
                        });
                    }
                }
            }
        })
    }
}

/// Answer one connection; true when it was the one-time redirect.
async fn answer(mut stream: tokio::net::TcpStream, path: &str, location: &Secret, served: &AtomicBool) -> bool {
    let Some((method, target)) = crate::loopback::request_line(&mut stream, READ_TIMEOUT).await else {
        return false;
    };
    let ours = method == "GET" && target == path && !served.swap(true, Ordering::SeqCst);
    let response = if ours {
        format!(
            "HTTP/1.1 302 Found\r\nLocation: {}\r\nCache-Control: no-store\r\nReferrer-Policy: no-referrer\r\n\
             Content-Length: 0\r\nConnection: close\r\n\r\n",
            location.expose()
        )
    } else {
        let body = "Not found. A console link opens once; run `awsso console` again.\n";
        format!(
            "HTTP/1.1 404 Not Found\r\nContent-Type: text/plain; charset=utf-8\r\nCache-Control: no-store\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
    };
    let _ = stream.write_all(response.as_bytes()).await;
    let _ = stream.shutdown().await;
    ours
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read as _, Write as _};

    fn get(url: &str) -> std::io::Result<String> {
        let rest = url.strip_prefix("http://").unwrap();
        let (addr, path) = rest.split_at(rest.find('/').unwrap());
        let mut stream = std::net::TcpStream::connect(addr)?;
        write!(stream, "GET {path} HTTP/1.1\r\nHost: {addr}\r\n\r\n")?;
        let mut text = String::new();
        stream.read_to_string(&mut text)?;
        Ok(text)
    }

    #[test]
    fn answers_once_then_stops_listening() {
        let redirect = Redirect::bind().unwrap();
        let url = redirect.url().unwrap();
        let port = url
            .trim_start_matches("http://127.0.0.1:")
            .split('/')
            .next()
            .unwrap()
            .to_owned();
        let addr = format!("127.0.0.1:{port}");
        let fetcher = std::thread::spawn(move || {
            let wrong = get(&format!("http://127.0.0.1:{port}/guess")).unwrap();
            let right = get(&url).unwrap();
            (wrong, right)
        });
        redirect
            .serve(
                &Secret::new("https://signin.example/federation?SigninToken=x"),
                Duration::from_mins(1),
            )
            .unwrap();
        let (wrong, right) = fetcher.join().unwrap();
        assert!(wrong.starts_with("HTTP/1.1 404"), "{wrong}");
        assert!(right.starts_with("HTTP/1.1 302"), "{right}");
        assert!(
            right.contains("\r\nLocation: https://signin.example/federation?SigninToken=x\r\n"),
            "{right}"
        );
        let again = std::net::TcpStream::connect(&addr);
        assert!(again.is_err(), "the listener is closed once the redirect is served");
    }

    #[test]
    fn nobody_coming_is_an_error() {
        let redirect = Redirect::bind().unwrap();
        let err = redirect
            .serve(&Secret::new("https://x"), Duration::from_millis(1))
            .unwrap_err();
        assert!(err.to_string().contains("did not open"), "{err}");
    }
}
