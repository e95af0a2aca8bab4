//! One module per subcommand group. Each exposes its clap arguments and a
//! `run` function returning the process exit code.

pub mod assess;
pub mod bench;
pub mod feeds;
pub mod iodef;
pub mod peers;
pub mod serve;
pub mod spam;
pub mod store;
