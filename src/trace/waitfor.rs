//! Who waits for whom: the wait-for graph a deadlock report names.

use core::fmt;

/// One blocked thread in a deadlock report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WaitFor {
    /// The blocked thread.
    pub thread: String,
    /// The locks it holds.
    pub holds: Vec<String>,
    /// The lock it waits for.
    pub waits_for: String,
    /// Who holds that lock (`None` if nobody does: the wake-up was lost, not the lock).
    pub held_by: Option<String>,
}

impl fmt::Display for WaitFor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.thread)?;
        if !self.holds.is_empty() {
            write!(f, " holds {}", self.holds.join(", "))?;
            write!(f, " and")?;
        }
        write!(f, " waits for {}", self.waits_for)?;
        match &self.held_by {
            Some(holder) if *holder == self.thread => write!(f, " (held by itself)"),
            Some(holder) => write!(f, " (held by {holder})"),
            None => write!(f, " (held by nobody)"),
        }
    }
}

/// Orders the blocked threads so a cycle reads in order: each line's holder is the next
/// line's thread where possible.
#[cfg_attr(not(any(loom, shuttle)), allow(dead_code))]
pub(crate) fn order_cycle(mut edges: Vec<WaitFor>) -> Vec<WaitFor> {
    let mut ordered = Vec::with_capacity(edges.len());
    while !edges.is_empty() {
        let mut next = 0;
        loop {
            let current = edges.remove(next);
            let holder = current.held_by.clone();
            ordered.push(current);
            match holder.and_then(|h| edges.iter().position(|e| e.thread == h)) {
                Some(i) => next = i,
                None => break,
            }
            if edges.is_empty() {
                break;
            }
        }
    }
    ordered
}
