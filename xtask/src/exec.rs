//! Running a child process while the user watches it.

use std::io::{self, IsTerminal as _, Read as _, Write as _};
use std::process::{Command, ExitStatus};

use crate::progress::Progress;

/// Runs `cmd` with its stdout and stderr merged into one pipe, forwarded to our stdout as it
/// arrives (partial lines too: libtest's `test NAME ... ` shows while the test runs); each
/// complete line also goes to `on_line`, without its newline.
///
/// One pipe for both streams keeps them in the order the child wrote them (two pipes would
/// let cargo's `Running ...` overtake the previous binary's last lines). The price: cargo
/// sees no terminal, so it prints `Compiling ...` lines instead of its progress bar, and in
/// colour only if we ask (`CARGO_TERM_COLOR`, set when our own stdout is a terminal).
pub fn run_teed(
    mut cmd: Command,
    progress: &Progress,
    mut on_line: impl FnMut(&str),
) -> io::Result<ExitStatus> {
    let (mut pipe, writer) = io::pipe()?;
    if io::stdout().is_terminal() && std::env::var_os("CARGO_TERM_COLOR").is_none() {
        cmd.env("CARGO_TERM_COLOR", "always");
    }
    cmd.stdout(writer.try_clone()?).stderr(writer);
    let mut child = cmd.spawn()?;
    // Our copies of the write end must go, or the read below never sees end-of-file.
    drop(cmd);
    let mut buf = [0u8; 8192];
    let mut line = Vec::new();
    loop {
        let n = match pipe.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        let chunk = &buf[..n];
        {
            let mut out = io::stdout().lock();
            out.write_all(chunk)?;
            out.flush()?;
            progress.saw_output(chunk);
        }
        for &byte in chunk {
            if byte == b'\n' {
                on_line(String::from_utf8_lossy(&line).trim_end_matches('\r'));
                line.clear();
            } else {
                line.push(byte);
            }
        }
    }
    if !line.is_empty() {
        on_line(&String::from_utf8_lossy(&line));
    }
    child.wait()
}

/// "exit status 101", or the signal that killed the process.
pub fn describe(status: ExitStatus) -> String {
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt as _;
        if let Some(signal) = status.signal() {
            let name = match signal {
                6 => " (SIGABRT: an abort, such as a double panic)",
                9 => " (SIGKILL)",
                11 => " (SIGSEGV)",
                _ => "",
            };
            return format!("killed by signal {signal}{name}");
        }
    }
    match status.code() {
        Some(code) => format!("exit status {code}"),
        None => status.to_string(),
    }
}
