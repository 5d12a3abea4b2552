//! Which stage a run is in, for a progress display: the pipeline records its
//! stage (`Stages::enter`, cheap atomics) and the command line's spinner
//! reads [`Stages::line`] to draw it.

use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering};
use std::time::Duration;

/// The pipeline's stages, in order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Stage {
    /// Walking the root for manifests.
    Discover,
    /// Reading and parsing them.
    Load,
    /// Building the fleet model.
    Model,
    /// Resolving the kustomizations no cluster reached.
    Resolve,
    /// Running the rules.
    Rules,
}

impl Stage {
    const ALL: [Stage; 5] = [
        Stage::Discover,
        Stage::Load,
        Stage::Model,
        Stage::Resolve,
        Stage::Rules,
    ];

    fn describe(self, files: usize) -> String {
        match self {
            Stage::Discover => "finding manifests".to_string(),
            Stage::Load => format!("reading {files} files"),
            Stage::Model => "following Flux Kustomizations per cluster".to_string(),
            Stage::Resolve => "building the remaining kustomizations".to_string(),
            Stage::Rules => "running the rules".to_string(),
        }
    }
}

/// Where a run is: written by the pipeline, read by a `Spinner`.
#[derive(Debug, Default)]
pub struct Stages {
    stage: AtomicU8,
    files: AtomicUsize,
}

impl Stages {
    /// Records that the run is now in `stage`.
    pub fn enter(&self, stage: Stage) {
        self.stage.store(stage as u8, Ordering::Relaxed);
    }

    /// Records how many files the run reads.
    pub(crate) fn set_files(&self, files: usize) {
        self.files.store(files, Ordering::Relaxed);
    }

    /// The line describing the current stage, e.g. `reading 120 files (1.2 s)`.
    pub fn line(&self, elapsed: Duration) -> String {
        let stage = Stage::ALL
            .get(usize::from(self.stage.load(Ordering::Relaxed)))
            .copied()
            .unwrap_or(Stage::Rules);
        format!(
            "fleet-lint: {}… ({:.1} s)",
            stage.describe(self.files.load(Ordering::Relaxed)),
            elapsed.as_secs_f64()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_line_names_the_stage_and_the_file_count() {
        let stages = Stages::default();
        stages.set_files(120);
        stages.enter(Stage::Load);
        assert_eq!(
            stages.line(Duration::from_millis(1250)),
            "fleet-lint: reading 120 files… (1.2 s)"
        );
        stages.enter(Stage::Rules);
        assert!(stages.line(Duration::ZERO).contains("running the rules"));
    }
}
