//! `kuai`: the command-line client of a Kuai node.

mod audit;
mod bench;
mod cli;
mod commands;

use clap::Parser;

#[tokio::main]
async fn main() {
    let cli = cli::Cli::parse();
    match commands::run(cli).await {
        Ok(code) => std::process::exit(code),
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::exit(2);
        }
    }
}
