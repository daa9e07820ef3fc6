//! Python's `json.dumps` dialect, which the AWS CLI writes its cache files in and hashes its cache keys from
//! (protocol.md §1.4, §2, §7.1). serde_json cannot produce it: it has no `ensure_ascii` and no `", "` separators.

/// One JSON value in Python's `json.dumps` dialect (`ensure_ascii=True`).
pub(crate) enum PyJson<'a> {
    Str(&'a str),
    Int(i64),
    List(Vec<&'a str>),
    Object(Vec<(&'a str, PyJson<'a>)>),
    Null,
}

/// Python's `json.dumps(obj)` for an object, in the given key order: `", "` and `": "` separators, non-ASCII
/// escaped as `\uXXXX`. This is what the AWS CLI writes, and what its registration cache key hashes (§1.4, §2).
pub(crate) fn py_json_dumps(fields: &[(&str, PyJson<'_>)]) -> String {
    py_json(fields, (", ", ": "))
}

/// `json.dumps(obj, separators=(',', ':'))`, as botocore hashes role-credential cache keys (§7.1).
pub(crate) fn py_json_compact(fields: &[(&str, PyJson<'_>)]) -> String {
    py_json(fields, (",", ":"))
}

fn py_json(fields: &[(&str, PyJson<'_>)], separators: (&str, &str)) -> String {
    fn string(out: &mut String, s: &str) {
        use std::fmt::Write as _;
        out.push('"');
        for c in s.chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                '\t' => out.push_str("\\t"),
                '\u{08}' => out.push_str("\\b"),
                '\u{0c}' => out.push_str("\\f"),
                c if c.is_ascii() && !c.is_ascii_control() => out.push(c),
                c => {
                    let mut units = [0u16; 2];
                    for unit in c.encode_utf16(&mut units) {
                        let _ = write!(out, "\\u{unit:04x}");
                    }
                }
            }
        }
        out.push('"');
    }
    fn object(out: &mut String, fields: &[(&str, PyJson<'_>)], (item, key_sep): (&str, &str)) {
        out.push('{');
        for (i, (key, value)) in fields.iter().enumerate() {
            if i > 0 {
                out.push_str(item);
            }
            string(out, key);
            out.push_str(key_sep);
            match value {
                PyJson::Str(s) => string(out, s),
                PyJson::Null => out.push_str("null"),
                PyJson::Int(n) => out.push_str(&n.to_string()),
                PyJson::Object(inner) => object(out, inner, (item, key_sep)),
                PyJson::List(items) => {
                    out.push('[');
                    for (j, entry) in items.iter().enumerate() {
                        if j > 0 {
                            out.push_str(item);
                        }
                        string(out, entry);
                    }
                    out.push(']');
                }
            }
        }
        out.push('}');
    }
    let mut out = String::new();
    object(&mut out, fields, separators);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_json_escapes() {
        assert_eq!(
            py_json_dumps(&[("k", PyJson::Str("é\u{1F600}\"\\\n\u{1}"))]),
            r#"{"k": "\u00e9\ud83d\ude00\"\\\n\u0001"}"#
        );
        assert_eq!(
            py_json_compact(&[("a", PyJson::List(vec!["x", "y"])), ("b", PyJson::Null)]),
            r#"{"a":["x","y"],"b":null}"#
        );
    }
}
