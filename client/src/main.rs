//! `kuai`: the command-line client of a Kuai node.

/// `println!` that ends the program quietly when stdout is closed (e.g. piped into `head`)
/// instead of panicking.
macro_rules! out {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        if writeln!(std::io::stdout(), $($t)*).is_err() {
            std::process::exit(0);
        }
    }};
}

mod audit;
mod bench;
mod bench_contract;
mod bench_cost;
mod cli;
mod commands;
mod contract_cmd;

use clap::Parser;

/// Checks the CPU before anything else runs (see `kuai_types::cpu`), then runs the
/// command on a multi-threaded tokio runtime.
fn main() {
    let runtime = kuai_types::cpu::check_build_features()
        .map_err(|e| e.to_string())
        .and_then(|()| {
            tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()
                .map_err(|e| format!("starting the async runtime: {e}"))
        });
    match runtime {
        Ok(runtime) => runtime.block_on(run()),
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(2);
        }
    }
}

async fn run() {
    let cli = cli::Cli::parse();
    match commands::run(cli).await {
        Ok(code) => std::process::exit(code),
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::exit(2);
        }
    }
}
