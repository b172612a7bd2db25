//! Embeds the built web UI (`web/dist`, made by `npm run build` in `web/`) into the binary: a
//! table of every file with its content type and, for text, a gzip copy made once here rather
//! than on every request. Without a built UI the table is empty and `/` says how to build it.

use std::io::Write;
use std::path::{Path, PathBuf};

fn main() {
    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets it"));
    let dist = std::env::var_os("CODECOLLAB_WEB_DIST")
        .map(PathBuf::from)
        .unwrap_or_else(|| manifest.join("../../web/dist"));
    println!("cargo:rerun-if-env-changed=CODECOLLAB_WEB_DIST");
    // A directory is scanned whole by cargo: any file added, removed or changed rebuilds.
    println!("cargo:rerun-if-changed={}", dist.display());
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets it"));
    let mut files = Vec::new();
    if dist.join("index.html").is_file() {
        collect(&dist, &dist, &mut files);
    }
    files.sort();
    let mut table = String::from("pub static ASSETS: &[Asset] = &[\n");
    for (n, (route, path)) in files.iter().enumerate() {
        let content_type = content_type(path);
        let gzip = if compressible(content_type) {
            let bytes = std::fs::read(path).expect("read a web asset");
            let zipped = out.join(format!("asset-{n}.gz"));
            let mut encoder = flate2::write::GzEncoder::new(
                std::fs::File::create(&zipped).expect("write a gzip asset"),
                flate2::Compression::best(),
            );
            encoder.write_all(&bytes).expect("gzip a web asset");
            encoder.finish().expect("gzip a web asset");
            format!("Some(include_bytes!({:?}))", zipped.display().to_string())
        } else {
            "None".to_string()
        };
        table.push_str(&format!(
            "    Asset {{ path: {route:?}, content_type: {content_type:?}, body: include_bytes!({:?}), gzip: {gzip} }},\n",
            path.display().to_string()
        ));
    }
    table.push_str("];\n");
    std::fs::write(out.join("web_assets.rs"), table).expect("write the asset table");
}

/// Every file under `dir` as (URL path, file path).
fn collect(root: &Path, dir: &Path, files: &mut Vec<(String, PathBuf)>) {
    for entry in std::fs::read_dir(dir).expect("read web/dist") {
        let path = entry.expect("read web/dist").path();
        if path.is_dir() {
            collect(root, &path, files);
        } else {
            let relative = path.strip_prefix(root).expect("under the root");
            let route = format!("/{}", relative.to_string_lossy().replace('\\', "/"));
            files.push((route, path));
        }
    }
}

fn content_type(path: &Path) -> &'static str {
    match path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or_default()
    {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" | "map" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "webmanifest" => "application/manifest+json",
        "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

fn compressible(content_type: &str) -> bool {
    content_type.starts_with("text/")
        || content_type.starts_with("application/json")
        || content_type == "image/svg+xml"
        || content_type == "application/manifest+json"
}
