//! Sync benchmarks against a real `debrief-server` child process:
//! (a) 100 MB upload vs curl's one-PATCH baseline, (b) bytes re-sent after
//! a cut at a random offset, (c) 2 devices x 1,000 offline tag edits
//! converging. `cargo bench -p debrief-sync --bench sync [-- --quick]`;
//! `--quick` is the CI smoke mode (smaller sizes, fewer repeats).

#[path = "sync/converge.rs"]
mod converge;
#[path = "../../cli/tests/helpers/proxy.rs"]
mod proxy;
#[path = "sync/resend.rs"]
mod resend;
#[path = "sync/server.rs"]
mod server;
#[path = "sync/upload.rs"]
mod upload;

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        upload::run(quick).await;
        resend::run(quick).await;
        converge::run(quick).await;
    });
}
