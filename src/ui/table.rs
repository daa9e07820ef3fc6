//! Plain text tables for human output: columns padded to their widest cell, two spaces apart.

/// A plain text table: columns padded to their widest cell, two spaces apart, no trailing spaces; control
/// characters in cells escaped ([`super::escape`]).
pub(crate) fn table<const N: usize, S: AsRef<str>>(header: [&str; N], rows: &[[S; N]]) -> String {
    let rows: Vec<[String; N]> = rows
        .iter()
        .map(|r| r.each_ref().map(|c| super::escape(c.as_ref()).into_owned()))
        .collect();
    let mut widths = header.map(|h| h.chars().count());
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let lines = std::iter::once(header.map(str::to_owned)).chain(rows);
    for row in lines {
        let mut line = String::new();
        for (i, (cell, w)) in row.iter().zip(widths).enumerate() {
            line.push_str(cell);
            if i + 1 < N {
                line.extend(std::iter::repeat_n(' ', w - cell.chars().count() + 2));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_align_on_characters_not_bytes() {
        let rows = [["é-prod", "1"], ["b", "22"]];
        assert_eq!(table(["NAME", "N"], &rows), "NAME    N\né-prod  1\nb       22\n");
    }
}
