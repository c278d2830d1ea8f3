//! The live preview's glue: the media server asks the recording slot for
//! pictures through its own small trait, so neither crate knows the other.

use std::sync::Arc;

use debrief_device::{PreviewState, RecordingSlot};
use debrief_mediaserver::{LivePreview, PreviewFrame, PreviewState as ServedState};

#[derive(Debug)]
pub struct SlotPreview(Arc<RecordingSlot>);

impl SlotPreview {
    /// The slot as the media server's preview source.
    pub fn source(slot: Arc<RecordingSlot>) -> Arc<dyn LivePreview> {
        Arc::new(Self(slot))
    }
}

impl LivePreview for SlotPreview {
    fn state(&self) -> ServedState {
        match self.0.preview_state() {
            PreviewState::Off => ServedState::Off,
            PreviewState::Waiting => ServedState::Waiting,
            PreviewState::Frame(seq) => ServedState::Frame(seq),
        }
    }

    fn jpeg(&self) -> Option<PreviewFrame> {
        let image = self.0.preview_jpeg()?;
        Some(PreviewFrame {
            seq: image.seq,
            jpeg: image.image.jpeg.clone().into(),
        })
    }
}
