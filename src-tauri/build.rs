//! Tauri's build step, with the capabilities kept in the top-level
//! `capabilities/` folder and one generated permission per app command.

include!("src/command_names.rs");

fn main() {
    // tauri-build watches its default folder only; ours is elsewhere.
    println!("cargo:rerun-if-changed=../capabilities");
    println!("cargo:rerun-if-changed=src/command_names.rs");
    println!("cargo:rerun-if-changed=../ui/dist");
    // The web UI is embedded at compile time; say how to make it rather
    // than letting the context macro fail with a bare path.
    if !std::path::Path::new("../ui/dist/index.html").exists() {
        panic!(
            "ui/dist is missing: build the web UI first with `scripts/app-test.sh --ui-only` \
             (or `cd ui && npm ci && npm run build`)"
        );
    }
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .capabilities_path_pattern("../capabilities/**/*.json")
            .app_manifest(tauri_build::AppManifest::new().commands(COMMAND_NAMES)),
    )
    .expect("tauri-build failed");
}
