//! `application/x-www-form-urlencoded` bodies with repeated keys (what Python's `requests`
//! sends for a dict holding lists).

/// Key/value pairs in order, percent-decoded, `+` as space.
pub fn parse(body: &[u8]) -> Vec<(String, String)> {
    body.split(|b| *b == b'&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let mut parts = pair.splitn(2, |b| *b == b'=');
            let key = decode(parts.next().unwrap_or_default());
            let value = decode(parts.next().unwrap_or_default());
            (key, value)
        })
        .collect()
}

fn hex(digit: u8) -> Option<u8> {
    (digit as char).to_digit(16).map(|d| d as u8)
}

fn decode(raw: &[u8]) -> String {
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        let escaped = (raw[i] == b'%' && i + 2 < raw.len())
            .then(|| Some(hex(raw[i + 1])? * 16 + hex(raw[i + 2])?))
            .flatten();
        match (raw[i], escaped) {
            (_, Some(byte)) => {
                out.push(byte);
                i += 2;
            }
            (b'+', None) => out.push(b' '),
            (byte, None) => out.push(byte),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_keys_and_escapes_are_decoded() {
        let pairs = parse(b"language=py&files=print%28%22h%C3%A9%22%29%0A&args=a+b&args=c&stdin=");
        let expect: Vec<(String, String)> = [
            ("language", "py"),
            ("files", "print(\"hé\")\n"),
            ("args", "a b"),
            ("args", "c"),
            ("stdin", ""),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        assert_eq!(pairs, expect);
        assert_eq!(
            parse(b"x=100%"),
            [("x".to_string(), "100%".to_string())],
            "a stray percent stays"
        );
    }
}
