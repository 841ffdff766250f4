//! The `voce-collector` binary: parses the command line and hands over to [`voce_collector::cli`].

use clap::Parser;

fn main() -> anyhow::Result<()> {
    let cli = voce_collector::cli::Cli::parse();
    voce_collector::cli::run(cli)
}
