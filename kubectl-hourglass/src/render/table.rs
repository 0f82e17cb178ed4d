//! kubectl's borderless tables: uppercase headers, columns three spaces apart,
//! no trailing blanks.

use std::io::{self, Write};

use comfy_table::{
    Cell, CellAlignment, Color, ColumnConstraint, ContentArrangement, Table, presets,
};

/// A cell with an optional colour (used only when colour is on).
pub struct Styled {
    pub text: String,
    pub color: Option<Color>,
}

impl From<String> for Styled {
    fn from(text: String) -> Self {
        Styled { text, color: None }
    }
}

impl From<&str> for Styled {
    fn from(text: &str) -> Self {
        Styled::from(text.to_string())
    }
}

/// How a table is laid out, from the listing flags.
#[derive(Clone, Copy, Debug, Default)]
pub struct TableStyle {
    /// `-o wide`: also the columns marked [`Shown::Wide`].
    pub wide: bool,
    /// `-A`: also the NAMESPACE column.
    pub all_namespaces: bool,
    /// `--no-headers`.
    pub no_headers: bool,
    pub color: bool,
}

/// When a column is part of the table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shown {
    Always,
    /// Only with `-o wide`.
    Wide,
    /// Only when listing every namespace.
    AllNamespaces,
}

/// One column of a table of `R` rows: its header and how a row fills it.
pub struct Column<R> {
    pub header: &'static str,
    pub shown: Shown,
    pub cell: fn(&R) -> Styled,
}

impl<R> Column<R> {
    pub const fn new(header: &'static str, cell: fn(&R) -> Styled) -> Self {
        Column {
            header,
            shown: Shown::Always,
            cell,
        }
    }

    pub const fn wide(header: &'static str, cell: fn(&R) -> Styled) -> Self {
        Column {
            header,
            shown: Shown::Wide,
            cell,
        }
    }

    pub const fn namespace(cell: fn(&R) -> Styled) -> Self {
        Column {
            header: "namespace",
            shown: Shown::AllNamespaces,
            cell,
        }
    }

    fn shown(&self, style: &TableStyle) -> bool {
        match self.shown {
            Shown::Always => true,
            Shown::Wide => style.wide,
            Shown::AllNamespaces => style.all_namespaces,
        }
    }
}

/// Writes `rows` under the columns `style` shows, and a last LABELS
/// column when `labels` (one text per row, see [`labels_text`]) is given.
pub fn write_rows<R>(
    w: &mut impl Write,
    columns: &[Column<R>],
    rows: &[R],
    labels: Option<&[String]>,
    style: &TableStyle,
) -> io::Result<()> {
    let shown: Vec<&Column<R>> = columns.iter().filter(|c| c.shown(style)).collect();
    let mut headers: Vec<String> = shown.iter().map(|c| c.header.to_uppercase()).collect();
    if labels.is_some() {
        headers.push("LABELS".to_string());
    }
    let body = rows
        .iter()
        .enumerate()
        .map(|(index, row)| {
            let mut cells: Vec<Styled> = shown.iter().map(|c| (c.cell)(row)).collect();
            if let Some(labels) = labels {
                cells.push(labels.get(index).cloned().unwrap_or_default().into());
            }
            cells
        })
        .collect();
    write_table(w, &headers, body, style)
}

/// kubectl's LABELS cell: `key=value` sorted by key, comma-separated,
/// `<none>` without labels.
pub fn labels_text<'a>(labels: impl IntoIterator<Item = (&'a String, &'a String)>) -> String {
    let mut pairs: Vec<String> = labels
        .into_iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    if pairs.is_empty() {
        return "<none>".to_string();
    }
    pairs.sort();
    pairs.join(",")
}

/// The LABELS cell of an object's JSON.
pub fn labels_of(object: &serde_json::Value) -> String {
    let labels = object
        .pointer("/metadata/labels")
        .and_then(serde_json::Value::as_object)
        .map(|map| {
            map.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    labels_text(labels.iter().map(|(k, v)| (k, v)))
}

/// A table whose columns are always the same (a plan, a summary, a
/// history): headers given in lower case, written in kubectl's upper case.
pub fn write_fixed(
    w: &mut impl Write,
    headers: &[&str],
    rows: Vec<Vec<Styled>>,
    color: bool,
) -> io::Result<()> {
    let headers: Vec<String> = headers.iter().map(|h| h.to_uppercase()).collect();
    let style = TableStyle {
        color,
        ..TableStyle::default()
    };
    write_table(w, &headers, rows, &style)
}

/// Writes one table; `rows` must have as many cells as `headers`, which
/// are written as given (custom columns keep their case).
pub fn write_table(
    w: &mut impl Write,
    headers: &[String],
    rows: Vec<Vec<Styled>>,
    style: &TableStyle,
) -> io::Result<()> {
    let color = style.color;
    let mut table = Table::new();
    table
        .load_preset(presets::NOTHING)
        .set_content_arrangement(ContentArrangement::Disabled);
    if color {
        table.enforce_styling();
    } else {
        table.force_no_tty();
    }
    if !style.no_headers {
        table.set_header(headers.iter().map(Cell::new));
    }
    for row in rows {
        table.add_row(row.into_iter().map(|cell| {
            let plain = Cell::new(cell.text).set_alignment(CellAlignment::Left);
            match (color, cell.color) {
                (true, Some(c)) => plain.fg(c),
                _ => plain,
            }
        }));
    }
    let last = headers.len().saturating_sub(1);
    for (index, column) in table.column_iter_mut().enumerate() {
        column.set_padding((0, if index == last { 0 } else { 3 }));
        column.set_constraint(ColumnConstraint::ContentWidth);
    }
    for line in table.lines() {
        writeln!(w, "{}", line.trim_end())?;
    }
    Ok(())
}

pub fn phase_color(phase: &str) -> Option<Color> {
    match phase {
        "Running" => Some(Color::Green),
        "Failed" => Some(Color::Red),
        "" => None,
        _ => Some(Color::Yellow),
    }
}

pub fn reason_cell(reason: &str) -> Styled {
    Styled {
        text: reason.to_string(),
        color: (!reason.is_empty()).then_some(Color::Yellow),
    }
}

pub fn phase_cell(phase: &str) -> Styled {
    Styled {
        text: phase.to_string(),
        color: phase_color(phase),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Row(&'static str, &'static str);

    const COLUMNS: &[Column<Row>] = &[
        Column::namespace(|r| r.0.into()),
        Column::new("name", |r| r.1.into()),
        Column::wide("length", |r| r.1.len().to_string().into()),
    ];

    fn text(rows: &[Row], labels: Option<&[String]>, style: TableStyle) -> String {
        let mut out = Vec::new();
        write_rows(&mut out, COLUMNS, rows, labels, &style).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn columns_follow_the_flags() {
        let rows = [Row("a", "first"), Row("bb", "second")];
        assert_eq!(
            text(&rows, None, TableStyle::default()),
            "NAME\nfirst\nsecond\n"
        );
        let all = TableStyle {
            wide: true,
            all_namespaces: true,
            no_headers: true,
            color: false,
        };
        assert_eq!(text(&rows, None, all), "a    first    5\nbb   second   6\n");
        let labels = [labels_text([]), "x=1".to_string()];
        assert_eq!(
            text(&rows, Some(&labels), TableStyle::default()),
            "NAME     LABELS\nfirst    <none>\nsecond   x=1\n"
        );
    }

    #[test]
    fn labels_sorted_like_kubectl() {
        let object = serde_json::json!({"metadata": {"labels": {"tier": "a", "app": "b"}}});
        assert_eq!(labels_of(&object), "app=b,tier=a");
        assert_eq!(labels_of(&serde_json::json!({})), "<none>");
    }
}
