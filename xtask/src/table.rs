//! Plain tables, for the terminal and as markdown, and the number formats they use.

use std::fmt::Write as _;
use std::time::Duration;

pub struct Table {
    headers: Vec<&'static str>,
    /// Which columns are numbers (right-aligned).
    numeric: Vec<bool>,
    rows: Vec<Vec<String>>,
}

impl Table {
    /// Columns are text unless their header is listed in `numeric`.
    pub fn new(headers: &[&'static str], numeric: &[&'static str]) -> Self {
        Table {
            headers: headers.to_vec(),
            numeric: headers.iter().map(|h| numeric.contains(h)).collect(),
            rows: Vec::new(),
        }
    }

    pub fn row(&mut self, cells: Vec<String>) {
        assert_eq!(cells.len(), self.headers.len(), "one cell per column");
        self.rows.push(cells);
    }

    fn widths(&self) -> Vec<usize> {
        let mut widths: Vec<usize> = self.headers.iter().map(|h| h.chars().count()).collect();
        for row in &self.rows {
            for (w, cell) in widths.iter_mut().zip(row) {
                *w = (*w).max(cell.chars().count());
            }
        }
        widths
    }

    fn line(&self, cells: &[String], widths: &[usize], sep: &str) -> String {
        let mut out = String::new();
        for (i, (cell, &width)) in cells.iter().zip(widths).enumerate() {
            if i > 0 {
                out.push_str(sep);
            }
            let pad = width - cell.chars().count();
            if self.numeric[i] {
                let _ = write!(out, "{}{cell}", " ".repeat(pad));
            } else {
                let _ = write!(out, "{cell}{}", " ".repeat(pad));
            }
        }
        out.trim_end().to_owned()
    }

    /// Aligned columns, a rule under the header.
    pub fn text(&self) -> String {
        let widths = self.widths();
        let headers: Vec<String> = self.headers.iter().map(|h| h.to_string()).collect();
        let rule: Vec<String> = widths.iter().map(|&w| "-".repeat(w)).collect();
        let mut out = String::new();
        for cells in [&headers, &rule].into_iter().chain(&self.rows) {
            out.push_str(&self.line(cells, &widths, "  "));
            out.push('\n');
        }
        out
    }

    /// A GitHub-flavoured markdown table.
    pub fn markdown(&self) -> String {
        let escape = |s: &str| s.replace('|', "\\|");
        let mut out = format!("| {} |\n|", self.headers.join(" | "));
        for &numeric in &self.numeric {
            out.push_str(if numeric { "---:|" } else { "---|" });
        }
        out.push('\n');
        for row in &self.rows {
            let cells: Vec<String> = row.iter().map(|c| escape(c)).collect();
            let _ = writeln!(out, "| {} |", cells.join(" | "));
        }
        out
    }
}

/// `0.42 s`, `12.3 s`, `4 min 05 s`.
pub fn seconds(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s < 10.0 {
        format!("{s:.2} s")
    } else if s < 60.0 {
        format!("{s:.1} s")
    } else {
        let whole = d.as_secs();
        format!("{} min {:02} s", whole / 60, whole % 60)
    }
}

/// `858574` as `858,574`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut groups: Vec<&str> = Vec::new();
    let mut end = digits.len();
    while end > 3 {
        groups.push(&digits[end - 3..end]);
        end -= 3;
    }
    groups.push(&digits[..end]);
    groups.reverse();
    groups.join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers() {
        assert_eq!(thousands(858_574), "858,574");
        assert_eq!(thousands(12), "12");
        assert_eq!(thousands(1_000), "1,000");
        assert_eq!(seconds(Duration::from_millis(420)), "0.42 s");
        assert_eq!(seconds(Duration::from_millis(12_340)), "12.3 s");
        assert_eq!(seconds(Duration::from_secs(245)), "4 min 05 s");
    }

    #[test]
    fn text_and_markdown() {
        let mut t = Table::new(&["check", "executions"], &["executions"]);
        t.row(vec!["a|b".into(), "7".into()]);
        t.row(vec!["long_name".into(), "1,000".into()]);
        assert_eq!(
            t.text(),
            "check      executions\n---------  ----------\na|b                 7\nlong_name       1,000\n"
        );
        assert_eq!(
            t.markdown(),
            "| check | executions |\n|---|---:|\n| a\\|b | 7 |\n| long_name | 1,000 |\n"
        );
    }
}
