//! The columns of `get executors` and `get performers`: one list per kind,
//! laid out by `table::write_rows` (which also serves `-o wide`, `-A`,
//! `--show-labels` and `--no-headers`).

use super::table::{Column, Styled, phase_cell, reason_cell};
use crate::view::{ExecutorRow, PerformerRow};

fn text(value: &str) -> Styled {
    value.into()
}

pub const EXECUTORS: &[Column<ExecutorRow>] = &[
    Column::namespace(|r| text(&r.namespace)),
    Column::new("name", |r| text(&r.name)),
    Column::new("image", |r| text(&r.image)),
    Column::new("replicas", |r| text(&r.replicas)),
    Column::new("ready", |r| text(&r.ready)),
    Column::new("phase", |r| phase_cell(&r.phase)),
    Column::new("age", |r| text(&r.age)),
    Column::wide("aggregator", |r| text(&r.aggregator)),
    Column::wide("chains", |r| text(&r.chains)),
    Column::wide("performer-namespace", |r| text(&r.performer_namespace)),
];

pub const PERFORMERS: &[Column<PerformerRow>] = &[
    Column::namespace(|r| text(&r.namespace)),
    Column::new("name", |r| text(&r.name)),
    Column::new("avs", |r| text(&r.avs)),
    Column::new("image", |r| text(&r.image)),
    Column::new("version", |r| text(&r.version)),
    Column::new("phase", |r| phase_cell(&r.phase)),
    Column::new("ready", |r| text(&r.ready)),
    Column::new("reason", |r| reason_cell(&r.reason)),
    Column::new("endpoint", |r| text(&r.endpoint)),
    Column::new("age", |r| text(&r.age)),
    Column::wide("executor", |r| text(&r.executor)),
    Column::wide("pod", |r| text(&r.pod)),
    Column::wide("hardware", |r| text(&r.hardware)),
];
