//! Appending to a recording file, durably.
//!
//! The file is created with its `ftyp`, region descriptor and the reserved
//! region written out as real zeros (not a hole), so that finalising later
//! overwrites bytes that already have blocks and needs no free space: a
//! recording stopped by a full disk can still be finalised. Each append
//! (the initial `moov`, then one fragment at a time) is written and then
//! fsync'd (`sync_data`), so what a crash leaves is every fragment whose
//! append returned, plus perhaps a torn tail that recovery drops. A failed
//! append is cut off again at once (the file is truncated to where it was).

use std::fs::{File, OpenOptions};
use std::io::{self, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use super::{DESCRIPTOR_LEN, free_header, ftyp, region_descriptor};

/// An open recording file, positioned at its end.
#[derive(Debug)]
pub(crate) struct RecordingFile {
    file: File,
    path: PathBuf,
    len: u64,
}

impl RecordingFile {
    /// Creates the file with a reserved region of `region_len` bytes (which
    /// must hold at least a `free` header) and syncs it.
    pub(crate) fn create(path: &Path, region_len: u64) -> io::Result<Self> {
        if !(8..=u64::from(u32::MAX)).contains(&region_len) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("a reserved region of {region_len} bytes is not possible"),
            ));
        }
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(path)?;
        let ftyp = ftyp();
        let region_start = ftyp.len() as u64 + DESCRIPTOR_LEN;
        let region_end = region_start + region_len;
        file.write_all(&ftyp)?;
        file.write_all(&region_descriptor(region_end))?;
        file.write_all(&free_header(region_len))?;
        let zeros = vec![0u8; 64 * 1024];
        let mut left = region_len - 8;
        while left > 0 {
            let n = left.min(zeros.len() as u64) as usize;
            file.write_all(&zeros[..n])?;
            left -= n as u64;
        }
        file.sync_all()?;
        Ok(Self {
            file,
            path: path.to_path_buf(),
            len: region_end,
        })
    }

    /// The same open file, after its folder was renamed.
    pub(crate) fn moved_to(self, path: PathBuf) -> Self {
        Self { path, ..self }
    }

    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// Bytes in the file.
    pub(crate) fn len(&self) -> u64 {
        self.len
    }

    /// Appends `parts` in order and syncs them. On failure the file is cut
    /// back to its previous length (best effort), so no torn piece stays.
    pub(crate) fn append(&mut self, parts: &[&[u8]]) -> io::Result<()> {
        let result = parts
            .iter()
            .try_for_each(|part| self.file.write_all(part))
            .and_then(|()| self.file.sync_data());
        match result {
            Ok(()) => {
                self.len += parts.iter().map(|p| p.len() as u64).sum::<u64>();
                Ok(())
            }
            Err(err) => {
                // Shrinking needs no space, so this works on a full disk.
                let _ = self.file.set_len(self.len);
                let _ = self.file.seek(SeekFrom::Start(self.len));
                let _ = self.file.sync_all();
                Err(err)
            }
        }
    }
}

/// True for the errors of a full disk (or an exhausted quota).
pub(crate) fn is_disk_full(err: &io::Error) -> bool {
    matches!(
        err.kind(),
        io::ErrorKind::StorageFull | io::ErrorKind::QuotaExceeded
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::mp4::parse_region_descriptor;

    #[test]
    fn created_file_holds_ftyp_descriptor_and_a_real_reserved_region() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.mp4");
        let mut file = RecordingFile::create(&path, 100_000).unwrap();
        let start = 36 + DESCRIPTOR_LEN;
        assert_eq!(file.len(), start + 100_000);
        file.append(&[b"abc", b"de"]).unwrap();
        assert_eq!(file.len(), start + 100_005);
        let bytes = std::fs::read(&path).unwrap();
        assert_eq!(bytes.len() as u64, file.len());
        assert_eq!(&bytes[4..8], b"ftyp");
        assert_eq!(parse_region_descriptor(&bytes[36..]), Some(start + 100_000));
        assert_eq!(&bytes[start as usize + 4..start as usize + 8], b"free");
        assert!(
            RecordingFile::create(&path, 100).is_err(),
            "never overwrites"
        );
        assert!(RecordingFile::create(&dir.path().join("x"), 4).is_err());
    }
}
