//! Renderers: view models in, text out to a writer. No I/O besides the writer.

pub mod describe;
pub mod doctor;
pub mod structured;
pub mod table;
