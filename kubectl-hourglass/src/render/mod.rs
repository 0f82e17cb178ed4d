//! Renderers: view models in, text out to a writer. No I/O besides the writer.

pub mod audit;
pub mod columns;
pub mod custom_columns;
pub mod describe;
pub mod doctor;
pub mod jsonpath;
pub mod listing;
pub mod sort;
pub mod status;
pub mod structured;
pub mod table;
