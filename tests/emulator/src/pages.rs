//! The small HTML pages a person uses to approve a login: the device-flow verification page (`/device`, where
//! `verificationUri(Complete)` points) and the PKCE consent page (`/authorize`, protocol.md §4).

use std::collections::HashMap;

use axum::Form;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};

use crate::server::{Shared, now_ms};
use crate::state::{AuthorizeOutcome, DeviceStatus};

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn page(status: StatusCode, title: &str, body: &str) -> Response {
    let html = format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title} - awsso emulator</title></head>\n\
         <body style=\"font-family: sans-serif; max-width: 40em; margin: 3em auto\">\n<h1>{title}</h1>\n{body}\n</body></html>\n",
        title = escape(title),
    );
    (status, Html(html)).into_response()
}

/// A 302 to `location` (protocol.md §4: "302 to `redirect_uri?code=<code>&state=<state>`").
fn found(location: &str) -> Response {
    (StatusCode::FOUND, [(header::LOCATION, location.to_owned())]).into_response()
}

const BUTTONS: &str = "<button type=\"submit\" name=\"action\" value=\"allow\">Allow</button>\n\
                       <button type=\"submit\" name=\"action\" value=\"deny\">Deny</button>";

/// `GET /device[?user_code=ABCD-EFGH]`: the verification page of the device flow.
pub(crate) async fn device(State(app): State<Shared>, Query(query): Query<HashMap<String, String>>) -> Response {
    let Some(user_code) = query.get("user_code").filter(|c| !c.is_empty()) else {
        let body = format!(
            "<form method=\"post\" action=\"/device\">\n<label>Code <input name=\"user_code\" autofocus></label>\n{BUTTONS}\n</form>"
        );
        return page(StatusCode::OK, "Authorize request", &body);
    };
    let info = app.lock().device_info(user_code, now_ms());
    match info {
        None => page(
            StatusCode::NOT_FOUND,
            "Unknown code",
            "<p>This code is unknown or has expired.</p>",
        ),
        Some((client, DeviceStatus::Pending)) => {
            let body = format!(
                "<p>Application <b>{client}</b> requests access with code <code>{code}</code>.</p>\n\
                 <form method=\"post\" action=\"/device\">\n<input type=\"hidden\" name=\"user_code\" value=\"{code}\">\n{BUTTONS}\n</form>",
                client = escape(&client),
                code = escape(user_code),
            );
            page(StatusCode::OK, "Authorize request", &body)
        }
        Some((_, status)) => page(
            StatusCode::OK,
            "Already decided",
            &format!(
                "<p>This request is already {}.</p>",
                escape(&format!("{status:?}").to_lowercase())
            ),
        ),
    }
}

/// `POST /device` (form `user_code`, `action=allow|deny`): the buttons of the verification page.
pub(crate) async fn device_decision(State(app): State<Shared>, Form(form): Form<HashMap<String, String>>) -> Response {
    let user_code = form.get("user_code").map_or("", String::as_str);
    let allow = form.get("action").is_some_and(|a| a == "allow");
    if user_code.trim().is_empty() || app.lock().decide_device(Some(user_code), allow, now_ms()).is_empty() {
        return page(
            StatusCode::NOT_FOUND,
            "Unknown code",
            "<p>This code is unknown, expired or already decided.</p>",
        );
    }
    if allow {
        page(
            StatusCode::OK,
            "Request approved",
            "<p>You can close this window and return to the terminal.</p>",
        )
    } else {
        page(
            StatusCode::OK,
            "Request denied",
            "<p>The request was denied. You can close this window.</p>",
        )
    }
}

/// `GET /authorize?response_type=code&client_id=..&redirect_uri=..&state=..&code_challenge_method=S256&scopes=..
/// &code_challenge=..` (protocol.md §4). Redirects at once in auto-approve mode; otherwise shows Allow/Deny.
pub(crate) async fn authorize(State(app): State<Shared>, Query(query): Query<HashMap<String, String>>) -> Response {
    let outcome = app.lock().authorize(&query, now_ms());
    match outcome {
        AuthorizeOutcome::Invalid(error) => error.into_response(),
        AuthorizeOutcome::Redirect(location) => found(&location),
        AuthorizeOutcome::Consent {
            request_id,
            client_name,
            scopes,
        } => {
            let body = format!(
                "<p>Application <b>{client}</b> requests access with scopes <code>{scopes}</code>.</p>\n\
                 <form method=\"post\" action=\"/authorize\">\n<input type=\"hidden\" name=\"request_id\" value=\"{id}\">\n{BUTTONS}\n</form>",
                client = escape(&client_name),
                scopes = escape(&scopes.join(" ")),
                id = escape(&request_id),
            );
            page(StatusCode::OK, "Allow access?", &body)
        }
    }
}

/// `POST /authorize` (form `request_id`, `action=allow|deny`): the consent buttons; 302 back to the client.
pub(crate) async fn authorize_decision(
    State(app): State<Shared>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let request_id = form.get("request_id").map_or("", String::as_str);
    let allow = form.get("action").is_some_and(|a| a == "allow");
    let location = app.lock().decide_consent(request_id, allow, now_ms());
    match location {
        Some(location) => found(&location),
        None => page(
            StatusCode::NOT_FOUND,
            "Unknown request",
            "<p>This request is unknown or already decided.</p>",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn escapes_html() {
        assert_eq!(
            escape(r#"<a href="x">'&'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
    }
}
