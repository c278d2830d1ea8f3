//! Tauri's build step, with the capabilities kept in the top-level
//! `capabilities/` folder and one generated permission per app command.

include!("src/command_names.rs");

fn main() {
    // tauri-build watches its default folder only; ours is elsewhere.
    println!("cargo:rerun-if-changed=../capabilities");
    println!("cargo:rerun-if-changed=src/command_names.rs");
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .capabilities_path_pattern("../capabilities/**/*.json")
            .app_manifest(tauri_build::AppManifest::new().commands(COMMAND_NAMES)),
    )
    .expect("tauri-build failed");
}
