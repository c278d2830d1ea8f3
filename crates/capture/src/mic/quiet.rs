//! alsa-lib prints its own diagnostics ("ALSA lib pcm.c:2666: Unknown PCM
//! default", eight lines of them) straight to stderr when there is no sound
//! card. Our errors already say what is wrong and what to do, and the CLI
//! promises errors as one line on stderr, so while ALSA is asked about
//! devices stderr points at /dev/null and is restored afterwards. Set
//! `DEBRIEF_ALSA_VERBOSE=1` to see ALSA's lines when debugging a sound setup.
//!
//! The redirection is process-wide for its short duration; a lock keeps two
//! of them from interleaving.

use std::cell::Cell;
use std::sync::Mutex;

static REDIRECT: Mutex<()> = Mutex::new(());

thread_local! {
    /// Set while this thread has stderr redirected: nested calls just run.
    static ACTIVE: Cell<bool> = const { Cell::new(false) };
}

/// Run `f` with alsa-lib's stderr noise suppressed (Linux; elsewhere just `f`).
pub(crate) fn quiet_alsa<T>(f: impl FnOnce() -> T) -> T {
    #[cfg(target_os = "linux")]
    {
        use std::os::fd::AsFd;
        if std::env::var_os("DEBRIEF_ALSA_VERBOSE").is_some() || ACTIVE.with(Cell::get) {
            return f();
        }
        let _guard = REDIRECT
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let saved = rustix::io::dup(std::io::stderr().as_fd()).ok();
        let null = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/null")
            .ok();
        let redirected = match (&saved, &null) {
            (Some(_), Some(null)) => rustix::stdio::dup2_stderr(null).is_ok(),
            _ => false,
        };
        ACTIVE.with(|a| a.set(true));
        let out = f();
        ACTIVE.with(|a| a.set(false));
        if redirected && let Some(saved) = saved {
            let _ = rustix::stdio::dup2_stderr(&saved);
        }
        out
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = (&REDIRECT, &ACTIVE);
        f()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_calls_do_not_deadlock_and_return_values() {
        let v = quiet_alsa(|| quiet_alsa(|| 41) + 1);
        assert_eq!(v, 42);
        // stderr works again afterwards.
        use std::io::Write;
        assert!(writeln!(std::io::stderr(), "stderr restored").is_ok());
    }
}
