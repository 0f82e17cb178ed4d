//! The `status` view as text: an executor table, a performer table, then
//! one line per thing that is not healthy.

use std::io::{self, Write};

use comfy_table::Color;

use super::table::{Column, Styled, TableStyle, labels_text, phase_cell, reason_cell, write_rows};
use crate::view::{ExecutorOverview, PerformerOverview, StatusView};

fn text(value: &str) -> Styled {
    value.into()
}

fn replicas(e: &ExecutorOverview) -> Styled {
    if !e.reconciled {
        return "-".into();
    }
    Styled {
        text: format!("{}/{}", e.ready_replicas, e.desired_replicas),
        color: Some(if e.ready_replicas >= e.desired_replicas {
            Color::Green
        } else {
            Color::Yellow
        }),
    }
}

const EXECUTORS: &[Column<ExecutorOverview>] = &[
    Column::namespace(|e| text(&e.namespace)),
    Column::new("executor", |e| text(&e.name)),
    Column::new("phase", |e| phase_cell(&e.phase)),
    Column::new("ready", replicas),
    Column::new("last config update", |e| text(&e.last_config_update_age)),
    Column::new("age", |e| text(&e.age)),
];

const PERFORMERS: &[Column<PerformerOverview>] = &[
    Column::namespace(|p| text(&p.namespace)),
    Column::new("performer", |p| text(&p.name)),
    Column::new("executor", |p| text(&p.executor)),
    Column::new("phase", |p| phase_cell(&p.phase)),
    Column::new("ready", |p| Styled {
        text: p.ready.to_string(),
        color: Some(if p.ready { Color::Green } else { Color::Yellow }),
    }),
    Column::new("reason", |p| reason_cell(&p.reason)),
    Column::new("image", |p| text(&p.image)),
    Column::new("version", |p| text(&p.version)),
    Column::new("endpoint", |p| text(&p.endpoint)),
    Column::new("age", |p| text(&p.age)),
];

/// The `status` view; `show_labels` adds a LABELS column to both tables.
pub fn status(
    w: &mut impl Write,
    view: &StatusView,
    style: &TableStyle,
    show_labels: bool,
) -> io::Result<()> {
    let mut wrote = false;
    if !view.executors.is_empty() {
        let labels: Vec<String> = view
            .executors
            .iter()
            .map(|e| labels_text(&e.labels))
            .collect();
        let labels = show_labels.then_some(labels.as_slice());
        write_rows(w, EXECUTORS, &view.executors, labels, style)?;
        wrote = true;
    }
    if !view.performers.is_empty() {
        if wrote {
            writeln!(w)?;
        }
        let labels: Vec<String> = view
            .performers
            .iter()
            .map(|p| labels_text(&p.labels))
            .collect();
        let labels = show_labels.then_some(labels.as_slice());
        write_rows(w, PERFORMERS, &view.performers, labels, style)?;
        wrote = true;
    }
    let show_namespace = style.all_namespaces;
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
