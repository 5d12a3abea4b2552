//! Progress on a terminal: the stage a run is in (which the pipeline records
//! in [`Stages`]), shown on stderr once the run has taken longer than a
//! second, and erased before the report.

use std::io::Write;
use std::sync::Arc;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use fleet_lint_engine::progress::Stages;

/// Draws `Stages` on a writer (stderr) after a delay, until dropped; the line
/// is erased on drop, so the report that follows starts on a clean line.
pub struct Spinner {
    stop: mpsc::Sender<()>,
    thread: Option<JoinHandle<()>>,
}

impl Spinner {
    /// Redraw interval once visible.
    const TICK: Duration = Duration::from_millis(100);

    pub fn start(
        stages: Arc<Stages>,
        delay: Duration,
        mut out: impl Write + Send + 'static,
    ) -> Spinner {
        let (stop, stopped) = mpsc::channel::<()>();
        let thread = std::thread::spawn(move || {
            let started = Instant::now();
            if !matches!(stopped.recv_timeout(delay), Err(RecvTimeoutError::Timeout)) {
                return;
            }
            loop {
                // `\r` and "erase line": redraw in place.
                let _ = write!(out, "\r\x1b[2K{}", stages.line(started.elapsed()));
                let _ = out.flush();
                if !matches!(
                    stopped.recv_timeout(Self::TICK),
                    Err(RecvTimeoutError::Timeout)
                ) {
                    break;
                }
            }
            let _ = write!(out, "\r\x1b[2K");
            let _ = out.flush();
        });
        Spinner {
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for Spinner {
    fn drop(&mut self) {
        let _ = self.stop.send(());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use fleet_lint_engine::progress::Stage;
    use std::sync::Mutex;

    /// A writer the test can read after the spinner wrote to it.
    #[derive(Clone, Default)]
    struct Shared(Arc<Mutex<Vec<u8>>>);

    impl Write for Shared {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0
                .lock()
                .map_err(|_| std::io::ErrorKind::Other)?
                .extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl Shared {
        fn text(&self) -> String {
            String::from_utf8_lossy(&self.0.lock().map(|b| b.clone()).unwrap_or_default())
                .into_owned()
        }
    }

    #[test]
    fn a_run_shorter_than_the_delay_draws_nothing() {
        let out = Shared::default();
        let spinner = Spinner::start(
            Arc::new(Stages::default()),
            Duration::from_secs(3600),
            out.clone(),
        );
        drop(spinner);
        assert_eq!(out.text(), "");
    }

    #[test]
    fn a_long_run_draws_its_stage_then_erases_the_line() {
        let out = Shared::default();
        let stages = Arc::new(Stages::default());
        stages.enter(Stage::Model);
        let spinner = Spinner::start(Arc::clone(&stages), Duration::ZERO, out.clone());
        let deadline = Instant::now() + Duration::from_secs(30);
        while !out.text().contains("following Flux") {
            assert!(Instant::now() < deadline, "the spinner never drew");
            std::thread::sleep(Duration::from_millis(5));
        }
        drop(spinner);
        let text = out.text();
        assert!(
            text.starts_with("\r\x1b[2Kfleet-lint: following Flux"),
            "{text:?}"
        );
        assert!(text.ends_with("\r\x1b[2K"), "{text:?}");
    }
}
