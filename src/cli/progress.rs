//! How `vitrine import` and `export` show progress: bars on a terminal (one for the whole run,
//! one per file in flight), one plain line per file otherwise (a log, a pipe, CI).

use std::io::IsTerminal;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

#[derive(Clone)]
pub struct Progress {
    bars: Option<(MultiProgress, ProgressBar)>,
}

impl Progress {
    /// `what`: "import" or "export"; `bytes`: the files' size; `work`: the bytes the bar
    /// counts (a file hashed before it is sent is read twice).
    pub fn new(what: &str, files: usize, bytes: u64, work: u64) -> Progress {
        if !std::io::stdout().is_terminal() {
            println!("{what}: {files} file(s), {bytes} bytes");
            return Progress { bars: None };
        }
        let multi = MultiProgress::with_draw_target(ProgressDrawTarget::stdout());
        let total = multi.add(ProgressBar::new(work));
        total.set_style(
            ProgressStyle::with_template("{prefix} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} {eta} left  {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
        );
        total.set_prefix(what.to_string());
        total.set_message(format!("0/{files} files"));
        Progress { bars: Some((multi, total)) }
    }

    /// A bar for one file in flight (nothing when not on a terminal).
    pub fn file(&self, name: &str, size: u64) -> Option<ProgressBar> {
        let (multi, _) = self.bars.as_ref()?;
        let bar = multi.add(ProgressBar::new(size));
        bar.set_style(
            ProgressStyle::with_template("  {wide_msg} [{bar:20}] {bytes}/{total_bytes}")
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
        );
        bar.set_message(name.to_string());
        Some(bar)
    }

    pub fn advance(&self, bytes: u64) {
        if let Some((_, total)) = &self.bars {
            total.inc(bytes);
        }
    }

    pub fn files_done(&self, done: usize, of: usize) {
        if let Some((_, total)) = &self.bars {
            total.set_message(format!("{done}/{of} files"));
        }
    }

    /// A line that stays: above the bars on a terminal, on its own otherwise.
    pub fn line(&self, text: &str) {
        match &self.bars {
            Some((multi, _)) => {
                let _ = multi.println(text);
            }
            None => println!("{text}"),
        }
    }

    pub fn finish(&self) {
        if let Some((multi, total)) = &self.bars {
            total.finish_and_clear();
            let _ = multi.clear();
        }
    }
}
