//! One module per verb: `Args` (clap) and `run(args, &Context)`.

pub mod audit;
pub mod completion;
pub mod create;
pub mod describe;
pub mod doctor;
pub mod get;
pub mod install;
pub mod logs;
pub mod performer_history;
pub mod performer_restart;
pub mod performer_undo;
pub mod performer_upgrade;
pub mod status;
pub mod uninstall;
pub mod validate;
pub mod version;
