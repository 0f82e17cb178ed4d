//! kubectl's borderless tables: uppercase headers, columns three spaces apart,
//! no trailing blanks.

use std::io::{self, Write};

use comfy_table::{
    Cell, CellAlignment, Color, ColumnConstraint, ContentArrangement, Table, presets,
};

use crate::view::{ExecutorRow, PerformerRow, StatusView};

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

/// Writes one table; `rows` must have as many cells as `headers`.
pub fn write_table(
    w: &mut impl Write,
    headers: &[&str],
    rows: Vec<Vec<Styled>>,
    color: bool,
) -> io::Result<()> {
    let mut table = Table::new();
    table
        .load_preset(presets::NOTHING)
        .set_content_arrangement(ContentArrangement::Disabled);
    if color {
        table.enforce_styling();
    } else {
        table.force_no_tty();
    }
    table.set_header(headers.iter().map(|h| Cell::new(h.to_uppercase())));
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

fn phase_color(phase: &str) -> Option<Color> {
    match phase {
        "Running" => Some(Color::Green),
        "Failed" => Some(Color::Red),
        "" => None,
        _ => Some(Color::Yellow),
    }
}

fn reason_cell(reason: &str) -> Styled {
    Styled {
        text: reason.to_string(),
        color: (!reason.is_empty()).then_some(Color::Yellow),
    }
}

fn phase_cell(phase: &str) -> Styled {
    Styled {
        text: phase.to_string(),
        color: phase_color(phase),
    }
}

pub fn executors(
    w: &mut impl Write,
    rows: &[ExecutorRow],
    wide: bool,
    show_namespace: bool,
    color: bool,
) -> io::Result<()> {
    let mut headers = Vec::new();
    if show_namespace {
        headers.push("namespace");
    }
    headers.extend(["name", "image", "replicas", "ready", "phase", "age"]);
    if wide {
        headers.extend(["aggregator", "chains", "performer-namespace"]);
    }
    let body = rows
        .iter()
        .map(|row| {
            let mut cells: Vec<Styled> = Vec::new();
            if show_namespace {
                cells.push(row.namespace.as_str().into());
            }
            cells.push(row.name.as_str().into());
            cells.push(row.image.as_str().into());
            cells.push(row.replicas.as_str().into());
            cells.push(row.ready.as_str().into());
            cells.push(phase_cell(&row.phase));
            cells.push(row.age.as_str().into());
            if wide {
                cells.push(row.aggregator.as_str().into());
                cells.push(row.chains.as_str().into());
                cells.push(row.performer_namespace.as_str().into());
            }
            cells
        })
        .collect();
    write_table(w, &headers, body, color)
}

pub fn performers(
    w: &mut impl Write,
    rows: &[PerformerRow],
    wide: bool,
    show_namespace: bool,
    color: bool,
) -> io::Result<()> {
    let mut headers = Vec::new();
    if show_namespace {
        headers.push("namespace");
    }
    headers.extend([
        "name", "avs", "image", "version", "phase", "ready", "reason", "endpoint", "age",
    ]);
    if wide {
        headers.extend(["executor", "pod", "hardware"]);
    }
    let body = rows
        .iter()
        .map(|row| {
            let mut cells: Vec<Styled> = Vec::new();
            if show_namespace {
                cells.push(row.namespace.as_str().into());
            }
            cells.push(row.name.as_str().into());
            cells.push(row.avs.as_str().into());
            cells.push(row.image.as_str().into());
            cells.push(row.version.as_str().into());
            cells.push(phase_cell(&row.phase));
            cells.push(row.ready.as_str().into());
            cells.push(reason_cell(&row.reason));
            cells.push(row.endpoint.as_str().into());
            cells.push(row.age.as_str().into());
            if wide {
                cells.push(row.executor.as_str().into());
                cells.push(row.pod.as_str().into());
                cells.push(row.hardware.as_str().into());
            }
            cells
        })
        .collect();
    write_table(w, &headers, body, color)
}

/// The `status` view: an executor table, a performer table, then one line
/// per thing that is not healthy.
pub fn status(
    w: &mut impl Write,
    view: &StatusView,
    show_namespace: bool,
    color: bool,
) -> io::Result<()> {
    let mut wrote = false;
    if !view.executors.is_empty() {
        let mut headers = Vec::new();
        if show_namespace {
            headers.push("namespace");
        }
        headers.extend(["executor", "phase", "ready", "last config update", "age"]);
        let body = view
            .executors
            .iter()
            .map(|e| {
                let mut cells: Vec<Styled> = Vec::new();
                if show_namespace {
                    cells.push(e.namespace.as_str().into());
                }
                cells.push(e.name.as_str().into());
                cells.push(phase_cell(&e.phase));
                cells.push(if e.reconciled {
                    Styled {
                        text: format!("{}/{}", e.ready_replicas, e.desired_replicas),
                        color: Some(if e.ready_replicas >= e.desired_replicas {
                            Color::Green
                        } else {
                            Color::Yellow
                        }),
                    }
                } else {
                    "-".into()
                });
                cells.push(e.last_config_update_age.as_str().into());
                cells.push(e.age.as_str().into());
                cells
            })
            .collect();
        write_table(w, &headers, body, color)?;
        wrote = true;
    }
    if !view.performers.is_empty() {
        if wrote {
            writeln!(w)?;
        }
        let mut headers = Vec::new();
        if show_namespace {
            headers.push("namespace");
        }
        headers.extend([
            "performer",
            "executor",
            "phase",
            "ready",
            "reason",
            "image",
            "version",
            "endpoint",
            "age",
        ]);
        let body = view
            .performers
            .iter()
            .map(|p| {
                let mut cells: Vec<Styled> = Vec::new();
                if show_namespace {
                    cells.push(p.namespace.as_str().into());
                }
                cells.push(p.name.as_str().into());
                cells.push(p.executor.as_str().into());
                cells.push(phase_cell(&p.phase));
                cells.push(Styled {
                    text: p.ready.to_string(),
                    color: Some(if p.ready { Color::Green } else { Color::Yellow }),
                });
                cells.push(reason_cell(&p.reason));
                cells.push(p.image.as_str().into());
                cells.push(p.version.as_str().into());
                cells.push(p.endpoint.as_str().into());
                cells.push(p.age.as_str().into());
                cells
            })
            .collect();
        write_table(w, &headers, body, color)?;
        wrote = true;
    }
    let mut problems = Vec::new();
    for e in &view.executors {
        for problem in &e.problems {
            problems.push(format!(
                "executor/{}: {problem}",
                qualified(&e.namespace, &e.name, show_namespace)
            ));
        }
    }
    for p in &view.performers {
        for problem in &p.problems {
            problems.push(format!(
                "performer/{}: {problem}",
                qualified(&p.namespace, &p.name, show_namespace)
            ));
        }
    }
    if !problems.is_empty() {
        if wrote {
            writeln!(w)?;
        }
        writeln!(w, "Not healthy:")?;
        for problem in problems {
            writeln!(w, "  {problem}")?;
        }
    }
    if view.executors.iter().any(|e| !e.reconciled) {
        writeln!(w)?;
        writeln!(
            w,
            "Executors without status are shown, not judged: the Hourglass operator has no executor controller."
        )?;
    }
    Ok(())
}

fn qualified(namespace: &str, name: &str, show_namespace: bool) -> String {
    if show_namespace {
        format!("{namespace}/{name}")
    } else {
        name.to_string()
    }
}
