//! `-o jsonpath=` and `-o custom-columns=` for any verb: a template on the
//! data `-o json` would print, columns on each of its items.

use std::io::{self, Write};

use serde_json::Value;

use super::custom_columns::Columns;
use super::jsonpath::Template;
use super::table::{Styled, TableStyle, write_table};

/// The template's text, with no newline added (as kubectl).
pub fn write_jsonpath(w: &mut impl Write, template: &Template, data: &Value) -> io::Result<()> {
    w.write_all(template.render(data).as_bytes())
}

/// One row per item, headers as written (none with `--no-headers`).
pub fn write_custom_columns(
    w: &mut impl Write,
    columns: &Columns,
    items: &[Value],
    style: &TableStyle,
) -> io::Result<()> {
    let rows = items
        .iter()
        .map(|item| columns.cells(item).into_iter().map(Styled::from).collect())
        .collect();
    write_table(w, &columns.headers(), rows, style)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn custom_columns_line_up_and_drop_headers_on_request() {
        let columns = Columns::parse("NAME:.metadata.name,Image:.spec.image").unwrap();
        let items = [
            json!({"metadata": {"name": "a"}, "spec": {"image": "avs:v1"}}),
            json!({"metadata": {"name": "longer"}}),
        ];
        let mut out = Vec::new();
        write_custom_columns(&mut out, &columns, &items, &TableStyle::default()).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "NAME     Image\na        avs:v1\nlonger   <none>\n"
        );
        let mut out = Vec::new();
        let style = TableStyle {
            no_headers: true,
            ..TableStyle::default()
        };
        write_custom_columns(&mut out, &columns, &items, &style).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "a        avs:v1\nlonger   <none>\n"
        );
    }
}
