//! The toolchain's own chatter, kept from the user: whole lines of a compile's output that
//! start with one of the language's `quiet` prefixes are dropped, also from the live stream
//! (a line is held back only while it could still become such a line).

use sandbox::Stream;

pub struct QuietLines<'a> {
    prefixes: &'a [String],
    /// The unfinished line of stdout and of stderr.
    pending: [Vec<u8>; 2],
}

fn index(stream: Stream) -> usize {
    match stream {
        Stream::Stdout => 0,
        Stream::Stderr => 1,
    }
}

impl<'a> QuietLines<'a> {
    pub fn new(prefixes: &'a [String]) -> Self {
        QuietLines {
            prefixes,
            pending: [Vec::new(), Vec::new()],
        }
    }

    fn is_quiet(&self, line: &[u8]) -> bool {
        self.prefixes.iter().any(|p| line.starts_with(p.as_bytes()))
    }

    /// Whether an unfinished line may still turn out quiet.
    fn may_be_quiet(&self, partial: &[u8]) -> bool {
        self.prefixes
            .iter()
            .any(|p| p.as_bytes().starts_with(partial) || partial.starts_with(p.as_bytes()))
    }

    /// Passes `data` on without the quiet lines.
    pub fn feed(&mut self, stream: Stream, data: &[u8], emit: &mut dyn FnMut(&[u8])) {
        if self.prefixes.is_empty() {
            return emit(data);
        }
        let i = index(stream);
        let mut buffer = std::mem::take(&mut self.pending[i]);
        buffer.extend_from_slice(data);
        let mut out = Vec::with_capacity(buffer.len());
        let mut start = 0;
        while let Some(newline) = buffer[start..].iter().position(|&b| b == b'\n') {
            let line = &buffer[start..start + newline + 1];
            if !self.is_quiet(line) {
                out.extend_from_slice(line);
            }
            start += newline + 1;
        }
        let rest = &buffer[start..];
        if self.may_be_quiet(rest) {
            self.pending[i] = rest.to_vec();
        } else {
            out.extend_from_slice(rest);
        }
        if !out.is_empty() {
            emit(&out);
        }
    }

    /// What is still held back at the end (an unfinished last line).
    pub fn flush(&mut self, emit: &mut dyn FnMut(Stream, &[u8])) {
        for stream in [Stream::Stdout, Stream::Stderr] {
            let rest = std::mem::take(&mut self.pending[index(stream)]);
            if !rest.is_empty() && !self.is_quiet(&rest) {
                emit(stream, &rest);
            }
        }
    }
}

/// `text` without its quiet lines.
pub fn without_quiet_lines(text: &str, prefixes: &[String]) -> String {
    if prefixes.is_empty() {
        return text.to_string();
    }
    text.split_inclusive('\n')
        .filter(|line| !prefixes.iter().any(|p| line.starts_with(p.as_str())))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quiet_lines_are_dropped_even_when_split_across_chunks() {
        let prefixes = vec!["JVM warning: ".to_string()];
        let mut quiet = QuietLines::new(&prefixes);
        let mut seen = Vec::new();
        for chunk in [
            "JVM war",
            "ning: old flag\nmain.kt:1: er",
            "ror\nJVM",
            " is fine\n",
        ] {
            quiet.feed(Stream::Stderr, chunk.as_bytes(), &mut |d| {
                seen.extend_from_slice(d)
            });
        }
        quiet.feed(Stream::Stderr, b"JVM warning: again", &mut |d| {
            seen.extend_from_slice(d)
        });
        quiet.flush(&mut |_, d| seen.extend_from_slice(d));
        assert_eq!(
            String::from_utf8(seen).expect("utf8"),
            "main.kt:1: error\nJVM is fine\n"
        );
        assert_eq!(
            without_quiet_lines("JVM warning: x\nreal\n", &prefixes),
            "real\n"
        );
    }
}
