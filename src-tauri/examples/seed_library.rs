//! Fill a library with synthetic clips (realistic titles, tags, authors;
//! no media files, like clips known from a team server) for the launch
//! benchmark and for looking at a big library by hand:
//!
//! `cargo run -p debrief-app --example seed_library -- DATA_DIR 10000`

use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (Some(dir), Some(n)) = (args.next(), args.next()) else {
        return Err("usage: seed_library DATA_DIR COUNT [SEED]".into());
    };
    let n: usize = n.parse()?;
    let seed: u64 = args.next().map(|s| s.parse()).transpose()?.unwrap_or(42);
    let mut library = debrief_library::Library::open(&PathBuf::from(&dir))?;
    library.add_synthetic_clips(n, seed)?;
    println!("{} clips in {dir}", library.count()?);
    Ok(())
}
