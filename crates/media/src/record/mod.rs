//! Recording (work in progress).

pub mod codec;
pub mod mp4;
mod timeline;
