//! The wizard's questions, drawn on stderr: a one-line text answer with a default and a check that asks again on a
//! bad answer, and a fuzzy choice among items (dialoguer's `FuzzySelect`). Esc or Ctrl-C at any question cancels
//! (`Error::Cancelled`, exit 130).
//!
//! The text prompt is ours, not dialoguer's `Input`: `Input` ignores Esc, and it forgets a rejected answer, where a
//! start URL with a typo is better kept on the line to fix. It draws with the same theme as the picker.

use dialoguer::console::{Key, Term};
use dialoguer::theme::{ColorfulTheme, Theme as _};

use crate::error::Error;

/// The rows a choice shows at most; the list scrolls.
const VISIBLE_ROWS: usize = 15;

pub(crate) struct Asker {
    term: Term,
    theme: ColorfulTheme,
    _sigint: crate::ui::interrupt::SigintGuard,
}

impl Asker {
    pub(crate) fn new() -> anyhow::Result<Self> {
        Ok(Self {
            term: Term::stderr(),
            theme: ColorfulTheme::default(),
            _sigint: crate::ui::interrupt::SigintGuard::install()?,
        })
    }

    /// A line of text: Enter on an empty line takes `default`. `check` turns the answer into the value, or says
    /// what is wrong with it; then the question is asked again with the answer still on the line.
    pub(crate) fn text(
        &self,
        prompt: &str,
        default: Option<&str>,
        check: impl Fn(&str) -> Result<String, String>,
    ) -> anyhow::Result<String> {
        let mut input = String::new();
        let mut error: Option<String> = None;
        let mut rows_above = 0;
        loop {
            self.clear(rows_above)?;
            rows_above = self.draw(prompt, default, &input, error.as_deref())?;
            let key = match self.term.read_key() {
                Ok(key) => key,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => Key::CtrlC,
                Err(e) => return Err(anyhow::anyhow!("could not read the answer from the terminal: {e}")),
            };
            match key {
                Key::Escape | Key::CtrlC => {
                    self.clear(rows_above)?;
                    return Err(Error::Cancelled.into());
                }
                Key::Enter => {
                    let answer = match input.trim() {
                        "" => default.unwrap_or_default(),
                        typed => typed,
                    };
                    if answer.is_empty() {
                        error = Some("an answer is needed (Esc cancels)".to_owned());
                        continue;
                    }
                    match check(answer) {
                        Ok(value) => {
                            self.clear(rows_above)?;
                            let mut line = String::new();
                            self.theme.format_input_prompt_selection(&mut line, prompt, &value)?;
                            self.term.write_line(&line)?;
                            return Ok(value);
                        }
                        Err(why) => error = Some(why),
                    }
                }
                Key::Backspace => {
                    input.pop();
                }
                // Ctrl-U, as in a shell: clear the line.
                Key::Char('\u{15}') => input.clear(),
                Key::Char(c) if !c.is_control() => input.push(c),
                _ => {}
            }
        }
    }

    /// Draw the error (if any) above the prompt line; the rows the drawing takes above the cursor's row.
    fn draw(&self, prompt: &str, default: Option<&str>, input: &str, error: Option<&str>) -> anyhow::Result<usize> {
        let width = usize::from(self.term.size().1).max(1);
        let rows = |text: &str| dialoguer::console::measure_text_width(text).max(1).div_ceil(width);
        let mut above = 0;
        if let Some(error) = error {
            let mut line = String::new();
            self.theme.format_error(&mut line, error)?;
            self.term.write_line(&line)?;
            above += rows(&line);
        }
        let mut line = String::new();
        self.theme.format_input_prompt(&mut line, prompt, default)?;
        line.push_str(input);
        self.term.write_str(&line)?;
        self.term.flush()?;
        Ok(above + rows(&line) - 1)
    }

    fn clear(&self, rows_above: usize) -> std::io::Result<()> {
        self.term.clear_line()?;
        for _ in 0..rows_above {
            self.term.move_cursor_up(1)?;
            self.term.clear_line()?;
        }
        Ok(())
    }

    /// One of `items`, filtered as you type; the index chosen. `default` is listed first and selected, since the
    /// picker shows the top of the list however far down its selection is. The answer is reported as
    /// `prompt · label(index)`.
    pub(crate) fn choose<S: std::fmt::Display>(
        &self,
        prompt: &str,
        items: &[S],
        default: usize,
        label: impl Fn(usize) -> String,
    ) -> anyhow::Result<usize> {
        let default = default.min(items.len().saturating_sub(1));
        let order: Vec<usize> = std::iter::once(default)
            .chain((0..items.len()).filter(|&i| i != default))
            .collect();
        let shown: Vec<String> = order.iter().map(|&i| items[i].to_string()).collect();
        let chosen = dialoguer::FuzzySelect::with_theme(&self.theme)
            .with_prompt(format!("{prompt} (type to filter, Enter to choose, Esc to cancel)"))
            .report(false)
            .items(&shown)
            .default(0)
            .max_length(VISIBLE_ROWS)
            .interact_on_opt(&self.term);
        let _ = self.term.show_cursor();
        let index = match chosen {
            Ok(Some(i)) => order[i],
            Ok(None) => return Err(Error::Cancelled.into()),
            Err(dialoguer::Error::IO(e)) if e.kind() == std::io::ErrorKind::Interrupted => {
                return Err(Error::Cancelled.into());
            }
            Err(e) => return Err(anyhow::anyhow!("the picker failed: {e}")),
        };
        let mut line = String::new();
        self.theme
            .format_input_prompt_selection(&mut line, prompt, &label(index))?;
        self.term.write_line(&line)?;
        Ok(index)
    }
}
