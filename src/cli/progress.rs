//! The one progress bar: on standard error, only when it is a terminal and the run is not
//! `--quiet`, so that logs and pipes never see control characters.

use std::io::IsTerminal as _;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// An indicatif bar behind the library's [`crate::progress::Progress`].
pub struct Bar {
    bar: ProgressBar,
    template: String,
}

impl Bar {
    /// A bar labelled `what` counting `unit` (e.g. `fetch`, `symbols`), hidden when `wanted`
    /// is false or standard error is not a terminal.
    pub fn new(what: &str, unit: &str, wanted: bool) -> Bar {
        let bar = if wanted && std::io::stderr().is_terminal() {
            ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr())
        } else {
            ProgressBar::hidden()
        };
        Bar {
            bar,
            template: format!("{what} [{{bar:30}}] {{pos}}/{{len}} {unit}  {{wide_msg}}"),
        }
    }
}

impl crate::progress::Progress for Bar {
    fn start(&self, len: u64) {
        if len <= 1 {
            self.bar.set_draw_target(ProgressDrawTarget::hidden());
        }
        self.bar.set_length(len);
        if let Ok(style) = ProgressStyle::with_template(&self.template) {
            self.bar.set_style(style.progress_chars("=> "));
        }
    }

    fn tick(&self, message: &str) {
        if !message.is_empty() {
            self.bar.set_message(message.to_string());
        }
        self.bar.inc(1);
    }

    fn finish(&self) {
        self.bar.finish_and_clear();
    }
}
