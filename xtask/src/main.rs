//! `cargo xtask` — build chores, in Rust, no shell glue.
//!
//! - `cargo xtask build`  builds the app to WASM, runs wasm-bindgen in-process, shrinks it with a
//!   wasm-opt known to work (npm `binaryen@132.0.0`), hashes the assets and writes `dist/`.
//! - `cargo xtask run`    builds, then serves the product on http://127.0.0.1:8080 with demo data.
//! - `cargo xtask phone-size` builds only the phone module (into `target/phone-size/`) and prints
//!   its size raw, gzipped and Brotli-compressed: the quick loop for size work. With
//!   `SAFEROUNDS_WASM_NAMES=1` (either command) wasm-opt keeps function names, for `twiggy`.
//! - `cargo xtask test`   every check and test that CI runs; ends with `N passed, N failed`.
#![forbid(unsafe_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Context, Result, bail};
use sha2::{Digest, Sha256};

const WASM_TARGET: &str = "wasm32-unknown-unknown";
const BINARYEN: &str = "binaryen@132.0.0";
const AXE: &str = "axe-core@4.14.1";
/// The crate of the phone and desk modules, and that of the camera module.
const APP: &str = "saferounds-app";
const CAMERA: &str = "saferounds-camera";

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let root = root();
    match args.first().map(String::as_str) {
        Some("build") => build_app(&root).map(|_| ()),
        Some("run") => run(&root, &args[1..]),
        Some("test") => test(&root),
        Some("dist-size") => dist_size(&root.join("dist")),
        Some("phone-size") => phone_size(&root),
        Some("chaos") => chaos(&root, &args[1..]),
        Some("bench") => bench(&root, &args[1..]),
        Some("schemathesis") => schemathesis(&root, &args[1..]),
        _ => {
            eprintln!("usage: cargo xtask <build|run|test|dist-size>");
            eprintln!("  build      build the app into dist/");
            eprintln!(
                "  run        build, then serve on http://127.0.0.1:8080 with demo data (extra args go to the server)"
            );
            eprintln!(
                "  test       fmt, clippy, unit, API (SQLite + PostgreSQL when reachable) and browser tests"
            );
            eprintln!("  dist-size  print the app shell's size, raw and gzipped");
            eprintln!(
                "  schemathesis [--max-time S]  fuzz the API from its OpenAPI document (no 5xx allowed)"
            );
            eprintln!(
                "  chaos [--seeds N] [--steps N]  the fault-injected sync run with more seeds"
            );
            std::process::exit(2);
        }
    }
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the workspace")
        .to_path_buf()
}

fn cargo() -> Command {
    Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
}

fn run_status(cmd: &mut Command) -> Result<bool> {
    eprintln!("$ {}", describe(cmd));
    Ok(cmd
        .status()
        .with_context(|| format!("running {}", describe(cmd)))?
        .success())
}

fn describe(cmd: &Command) -> String {
    std::iter::once(cmd.get_program())
        .chain(cmd.get_args())
        .map(|s| s.to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

fn ensure_wasm_target() -> Result<()> {
    let out = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .output();
    match out {
        Ok(o)
            if String::from_utf8_lossy(&o.stdout)
                .lines()
                .any(|l| l.trim() == WASM_TARGET) =>
        {
            Ok(())
        }
        Ok(_) => {
            if !run_status(Command::new("rustup").args(["target", "add", WASM_TARGET]))? {
                bail!("could not add the {WASM_TARGET} target");
            }
            Ok(())
        }
        Err(_) => Ok(()), // no rustup: trust the toolchain to have it
    }
}

/// The wasm-opt from npm's binaryen 132 (Debian's binaryen 108 corrupts wasm-bindgen output).
fn wasm_opt(root: &Path) -> Option<PathBuf> {
    let tools = root.join(".tools");
    let bin = tools.join("node_modules/.bin/wasm-opt");
    if bin.exists() {
        return Some(bin);
    }
    let ok = Command::new("npm")
        .args(["install", "--no-audit", "--no-fund", "--silent", "--prefix"])
        .arg(&tools)
        .arg(BINARYEN)
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    if ok && bin.exists() {
        Some(bin)
    } else {
        eprintln!("warning: npm {BINARYEN} unavailable; the WASM is not shrunk by wasm-opt");
        None
    }
}

/// axe-core from npm, for the accessibility check in the browser tests.
fn ensure_axe(root: &Path) -> Option<PathBuf> {
    let tools = root.join(".tools");
    let js = tools.join("node_modules/axe-core/axe.min.js");
    if js.exists() {
        return Some(js);
    }
    let ok = Command::new("npm")
        .args(["install", "--no-audit", "--no-fund", "--silent", "--prefix"])
        .arg(&tools)
        .arg(AXE)
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    if ok && js.exists() {
        Some(js)
    } else {
        eprintln!("warning: npm {AXE} unavailable; the accessibility test will fail");
        None
    }
}

fn short_hash(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))[..16].to_owned()
}

fn copy_dir(from: &Path, to: &Path) -> Result<()> {
    std::fs::create_dir_all(to)?;
    for e in std::fs::read_dir(from)? {
        let e = e?;
        let target = to.join(e.file_name());
        if e.file_type()?.is_dir() {
            copy_dir(&e.path(), &target)?;
        } else {
            std::fs::copy(e.path(), &target)?;
        }
    }
    Ok(())
}

/// One optimised, content-hashed WASM module with its JS glue: `(js file, wasm file)` in `pkg/`.
struct Module {
    js: String,
    wasm: String,
}

/// Builds a crate (`package`) for the browser with the given features, runs wasm-bindgen and
/// wasm-opt, and writes `pkg/<name>-<hash>.js` and `pkg/<name>_bg-<hash>.wasm` into `dist`.
fn build_module(
    root: &Path,
    dist: &Path,
    name: &str,
    package: &str,
    features: &[&str],
) -> Result<Module> {
    let mut cmd = cargo();
    cmd.current_dir(root).args([
        "build",
        "-p",
        package,
        "--lib",
        "--target",
        WASM_TARGET,
        "--profile",
        "wasm-release",
        "--no-default-features",
    ]);
    if !features.is_empty() {
        cmd.args(["--features", &features.join(",")]);
    }
    if !run_status(&mut cmd)? {
        bail!("building the app ({name}) for {WASM_TARGET} failed");
    }
    let wasm = root
        .join("target")
        .join(WASM_TARGET)
        .join("wasm-release")
        .join(format!("{}.wasm", package.replace('-', "_")));
    let staging = root.join("target").join("xtask-bindgen");
    let _ = std::fs::remove_dir_all(&staging);
    std::fs::create_dir_all(&staging)?;
    wasm_bindgen_cli_support::Bindgen::new()
        .input_path(&wasm)
        .out_name(name)
        .web(true)?
        .typescript(false)
        .omit_default_module_path(false)
        .generate(&staging)
        .context("wasm-bindgen")?;
    let bg = staging.join(format!("{name}_bg.wasm"));
    if let Some(opt) = wasm_opt(root) {
        let out = staging.join(format!("{name}_opt.wasm"));
        let ok = run_status(
            Command::new(opt)
                .arg(&bg)
                .args([
                    "-Oz",
                    "--converge",
                    "--enable-bulk-memory",
                    "--enable-nontrapping-float-to-int",
                    "--enable-sign-ext",
                    "--enable-reference-types",
                    "--enable-multivalue",
                    "--enable-mutable-globals",
                ])
                // Keeps function names for `twiggy` (a larger module; for measuring only).
                .args(std::env::var_os("SAFEROUNDS_WASM_NAMES").map(|_| "-g"))
                .arg("-o")
                .arg(&out),
        )?;
        if !ok {
            bail!("wasm-opt failed");
        }
        std::fs::rename(&out, &bg)?;
    }
    let wasm_bytes = std::fs::read(&bg)?;
    let wasm_name = format!("{name}_bg-{}.wasm", short_hash(&wasm_bytes));
    let js = std::fs::read_to_string(staging.join(format!("{name}.js")))?
        .replace(&format!("{name}_bg.wasm"), &wasm_name);
    let js_name = format!("{name}-{}.js", short_hash(js.as_bytes()));
    std::fs::create_dir_all(dist.join("pkg"))?;
    std::fs::write(dist.join("pkg").join(&wasm_name), &wasm_bytes)?;
    std::fs::write(dist.join("pkg").join(&js_name), &js)?;
    Ok(Module {
        js: format!("/pkg/{js_name}"),
        wasm: format!("/pkg/{wasm_name}"),
    })
}

/// The files a first visit downloads and the service worker precaches (besides the phone module).
const SHELL_FILES: [&str; 6] = [
    "/index.html",
    "/boot.js",
    "/app.css",
    "/manifest.webmanifest",
    "/icons/icon-192.png",
    "/icons/icon-512.png",
];

/// Builds `dist/`: the static PWA files and two content-hashed modules — the phone module
/// (`app`: what inspectors, owners and verifiers use; precached) and the full module (`desk`:
/// the same plus the supervisor's desk pages; fetched the first time a desk page is opened,
/// then served from the service worker's cache).
fn build_app(root: &Path) -> Result<PathBuf> {
    ensure_wasm_target()?;
    let dist = root.join("dist");
    let _ = std::fs::remove_dir_all(&dist);
    copy_dir(&root.join("public"), &dist)?;
    let phone = build_module(root, &dist, "app", APP, &[])?;
    let desk = build_module(root, &dist, "desk", APP, &["desk"])?;
    let camera = build_module(root, &dist, "camera", CAMERA, &[])?;
    let boot = format!(
        "// Generated by cargo xtask build: starts the app and watches for a new version.\n\
         const PHONE = {{ js: \"{pj}\", wasm: \"{pw}\" }};\n\
         const DESK = {{ js: \"{dj}\", wasm: \"{dw}\" }};\n\
         const CAMERA = {{ js: \"{cj}\", wasm: \"{cw}\" }};\n\
         if (\"serviceWorker\" in navigator) {{\n\
         \x20 const notify = (w) => {{ window.__srWaiting = w; window.dispatchEvent(new Event(\"sr-update\")); }};\n\
         \x20 navigator.serviceWorker.register(\"/sw.js\").then((reg) => {{\n\
         \x20   if (reg.waiting && navigator.serviceWorker.controller) notify(reg.waiting);\n\
         \x20   reg.addEventListener(\"updatefound\", () => {{\n\
         \x20     const w = reg.installing;\n\
         \x20     if (w) w.addEventListener(\"statechange\", () => {{ if (w.state === \"installed\" && navigator.serviceWorker.controller) notify(w); }});\n\
         \x20   }});\n\
         \x20 }}).catch((e) => console.warn(\"service worker\", e));\n\
         \x20 const reload = () => {{ if (!window.__srReloaded) {{ window.__srReloaded = true; location.reload(); }} }};\n\
         \x20 navigator.serviceWorker.addEventListener(\"controllerchange\", () => {{ if (window.__srReloading) reload(); }});\n\
         \x20 // The page reloads when the new version controls it, or when the waiting one is active or\n\
         \x20 // was replaced by a newer one (which the reloaded page then announces); and after 10 s in\n\
         \x20 // any case, so the button never does nothing (a browser that put the switch off shows the\n\
         \x20 // running version again, with the banner).\n\
         \x20 window.__srApplyUpdate = () => {{\n\
         \x20   window.__srReloading = true;\n\
         \x20   const w = window.__srWaiting;\n\
         \x20   if (!w) return reload();\n\
         \x20   w.addEventListener(\"statechange\", () => {{ if (w.state === \"activated\" || w.state === \"redundant\") reload(); }});\n\
         \x20   w.postMessage(\"SKIP_WAITING\");\n\
         \x20   setTimeout(reload, 10000);\n\
         \x20 }};\n\
         }}\n\
         // The desk module when a desk page was asked for (the app sets the flag), else the phone\n\
         // module; if the desk module cannot be fetched (offline, never loaded), the phone module.\n\
         const start = (m) => import(m.js).then((glue) => glue.default({{ module_or_path: m.wasm }}));\n\
         const key = \"saferounds.module\";\n\
         const wantDesk = localStorage.getItem(key) === \"desk\" || sessionStorage.getItem(key) === \"desk\";\n\
         window.__srModule = wantDesk ? \"desk\" : \"phone\";\n\
         (wantDesk ? start(DESK).catch((e) => {{ console.warn(\"desk module\", e); window.__srModule = \"phone\"; window.__srDeskFailed = true; return start(PHONE); }}) : start(PHONE))\n\
         \x20 .then(() => document.getElementById(\"loading\")?.remove());\n\
         // The camera module (QR scanning, marking up photos), started the first time the app asks.\n\
         let camera;\n\
         window.__srCamera = () => (camera ??= import(CAMERA.js).then((glue) => glue.default({{ module_or_path: CAMERA.wasm }}).then(() => glue)).catch((e) => {{ camera = undefined; throw e; }}));\n",
        pj = phone.js,
        pw = phone.wasm,
        dj = desk.js,
        dw = desk.wasm,
        cj = camera.js,
        cw = camera.wasm,
    );
    std::fs::write(dist.join("boot.js"), without_line_comments(&boot))?;

    let precache: Vec<String> = SHELL_FILES
        .into_iter()
        .map(String::from)
        .chain([phone.js.clone(), phone.wasm.clone()])
        .collect();
    // Fetched by the service worker once the shell is cached: scanning works offline from the
    // first day, and the first screen does not wait for it.
    let later = [camera.js.clone(), camera.wasm.clone()];
    let mut all = Sha256::new();
    for p in precache.iter().chain(&later).chain([&desk.js, &desk.wasm]) {
        all.update(p.as_bytes());
        all.update(std::fs::read(dist.join(p.trim_start_matches('/')))?);
    }
    let version = hex::encode(all.finalize())[..16].to_owned();
    let sw = std::fs::read_to_string(root.join("public/sw.js"))?
        .replace("\"__VERSION__\"", &format!("\"{version}\""))
        .replace("__PRECACHE__", &serde_json::to_string(&precache)?)
        .replace("__LATER__", &serde_json::to_string(&later)?);
    std::fs::write(dist.join("sw.js"), without_line_comments(&sw))?;
    precompress(&dist)?;
    dist_size(&dist)?;
    Ok(dist)
}

/// A script without its whole-line `//` comments: they explain the source, and every first
/// load would download them (~15% of the two hand-written scripts, compressed).
fn without_line_comments(js: &str) -> String {
    js.lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .map(|l| format!("{l}\n"))
        .collect()
}

/// Files the server sends compressed: text and WASM (PNG icons are compressed already).
fn compressible(path: &Path) -> bool {
    matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("html" | "js" | "css" | "wasm" | "webmanifest" | "json" | "svg")
    )
}

/// Every file under `dir`, depth first.
fn files_under(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut out = vec![];
    for e in std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let path = e?.path();
        if path.is_dir() {
            out.extend(files_under(&path)?);
        } else {
            out.push(path);
        }
    }
    Ok(out)
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

/// gzip by Zopfli: the smallest gzip stream, readable by every browser.
fn zopfli_gzip(bytes: &[u8]) -> Result<Vec<u8>> {
    let mut out = Vec::with_capacity(bytes.len() / 2);
    zopfli::compress(
        zopfli::Options::default(),
        zopfli::Format::Gzip,
        bytes,
        &mut out,
    )?;
    Ok(out)
}

/// Brotli at its best quality (what browsers ask for over HTTPS).
fn brotli(bytes: &[u8]) -> Result<Vec<u8>> {
    let params = brotli::enc::BrotliEncoderParams {
        quality: 11,
        lgwin: 22,
        ..Default::default()
    };
    let mut out = Vec::with_capacity(bytes.len() / 2);
    brotli::BrotliCompress(&mut &bytes[..], &mut out, &params)?;
    Ok(out)
}

/// Writes `NAME.gz` and `NAME.br` beside each compressible file of `dist/`, once, at build
/// time: the server sends them as they are (no compression work per request) and they are
/// smaller than what on-the-fly compression could afford (Zopfli saves ~5% over gzip -9).
/// The files are shared out over the cores: Zopfli takes a few seconds per megabyte.
fn precompress(dist: &Path) -> Result<()> {
    let mut todo: Vec<PathBuf> = files_under(dist)?
        .into_iter()
        .filter(|p| compressible(p))
        .collect();
    // Largest first, so the two big modules do not end up on one core.
    todo.sort_by_key(|p| std::cmp::Reverse(std::fs::metadata(p).map(|m| m.len()).unwrap_or(0)));
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get());
    let started = std::time::Instant::now();
    let count = todo.len();
    let queue = std::sync::Mutex::new(todo.into_iter());
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                s.spawn(|| -> Result<()> {
                    loop {
                        let next = queue
                            .lock()
                            .map_err(|_| anyhow::anyhow!("poisoned"))?
                            .next();
                        let Some(path) = next else { return Ok(()) };
                        let bytes = std::fs::read(&path)?;
                        std::fs::write(with_suffix(&path, ".gz"), zopfli_gzip(&bytes)?)?;
                        std::fs::write(with_suffix(&path, ".br"), brotli(&bytes)?)?;
                    }
                })
            })
            .collect();
        handles.into_iter().try_for_each(|h| {
            h.join()
                .map_err(|_| anyhow::anyhow!("compression panicked"))?
        })
    })?;
    eprintln!(
        "  compressed {count} files (gzip by Zopfli, Brotli) in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// The bytes the server sends for a file: its precompressed form, else the file itself.
fn sent_len(path: &Path, suffix: &str) -> Result<usize> {
    let compressed = with_suffix(path, suffix);
    let p = if compressed.exists() {
        compressed
    } else {
        path.to_owned()
    };
    Ok(std::fs::metadata(&p)
        .with_context(|| format!("reading {}", p.display()))?
        .len() as usize)
}

/// Builds the phone module alone and prints what it weighs (the first-load budget's largest part).
fn phone_size(root: &Path) -> Result<()> {
    ensure_wasm_target()?;
    let out = root.join("target").join("phone-size");
    let _ = std::fs::remove_dir_all(&out);
    let module = build_module(root, &out, "app", APP, &[])?;
    for file in [&module.wasm, &module.js] {
        let path = out.join(file.trim_start_matches('/'));
        let bytes = std::fs::read(&path)?;
        let (gz, br) = (zopfli_gzip(&bytes)?.len(), brotli(&bytes)?.len());
        eprintln!(
            "  {file:<40} {:>9} B  {gz:>8} B gzip  {br:>8} B brotli",
            bytes.len()
        );
    }
    Ok(())
}

/// The first load's budget: the whole shell as browsers receive it. A service worker needs
/// HTTPS, and over HTTPS every browser that installs the app asks for Brotli.
const SHELL_BUDGET_BROTLI: usize = 300_000;

/// The files of `dist` by when a browser fetches them.
struct DistFiles {
    /// The shell: what a first visit downloads before the first screen, and precaches.
    shell: Vec<PathBuf>,
    /// The camera module: fetched by the service worker once the shell is cached.
    camera: Vec<PathBuf>,
    /// The desk module: fetched when a desk page is first opened.
    desk: Vec<PathBuf>,
}

fn dist_files(dist: &Path) -> Result<DistFiles> {
    let mut files = DistFiles {
        shell: vec![dist.join("sw.js")],
        camera: vec![],
        desk: vec![],
    };
    for p in SHELL_FILES {
        files.shell.push(dist.join(p.trim_start_matches('/')));
    }
    for e in std::fs::read_dir(dist.join("pkg"))? {
        let path = e?.path();
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        if name.ends_with(".gz") || name.ends_with(".br") {
            continue;
        }
        if name.starts_with("desk") {
            files.desk.push(path);
        } else if name.starts_with("camera") {
            files.camera.push(path);
        } else {
            files.shell.push(path);
        }
    }
    Ok(files)
}

/// The shell's bytes as sent to a browser that accepts Brotli.
fn shell_brotli(dist: &Path) -> Result<usize> {
    dist_files(dist)?
        .shell
        .iter()
        .map(|f| sent_len(f, ".br"))
        .sum()
}

/// Prints the app shell a first visit downloads (the static files, the service worker's script
/// and the phone module), and apart from it the camera and desk modules — raw, and as sent to a
/// browser that accepts gzip, or Brotli.
fn dist_size(dist: &Path) -> Result<()> {
    let files = dist_files(dist)?;
    let total = |label: &str, files: &[PathBuf]| -> Result<()> {
        let (mut raw, mut gz, mut br) = (0, 0, 0);
        for f in files {
            let b = std::fs::metadata(f)
                .with_context(|| format!("reading {}", f.display()))?
                .len() as usize;
            let (g, r) = (sent_len(f, ".gz")?, sent_len(f, ".br")?);
            eprintln!(
                "  {:<40} {:>9} B  {:>8} B gzip  {:>8} B brotli",
                f.strip_prefix(dist).unwrap_or(f).display(),
                b,
                g,
                r
            );
            raw += b;
            gz += g;
            br += r;
        }
        eprintln!("  {label}: {raw} B raw, {gz} B gzipped, {br} B brotli");
        Ok(())
    };
    total("app shell total (first load, precached)", &files.shell)?;
    total(
        "camera module (fetched by the service worker after the shell)",
        &files.camera,
    )?;
    total(
        "desk module (loaded when a desk page is first opened)",
        &files.desk,
    )?;
    Ok(())
}

/// Runs schemathesis (PyPI, installed into `.tools/st`) with every check against the served
/// OpenAPI document of a server with demo data on a fresh SQLite file, as a station inspector
/// and as the administrator; fails on any failure of any check. `--max-time SECONDS` bounds
/// each role's run (default 150).
fn schemathesis(root: &Path, args: &[String]) -> Result<()> {
    let max_time = args
        .iter()
        .position(|a| a == "--max-time")
        .and_then(|i| args.get(i + 1))
        .cloned()
        .unwrap_or_else(|| "150".into());
    let venv = root.join(".tools/st");
    let st = venv.join("bin/st");
    if !st.exists() {
        eprintln!("installing schemathesis into {}", venv.display());
        if !run_status(Command::new("python3").arg("-m").arg("venv").arg(&venv))?
            || !run_status(Command::new(venv.join("bin/pip")).args([
                "install",
                "-q",
                "schemathesis==4.32.5",
            ]))?
        {
            bail!("could not install schemathesis from PyPI");
        }
    }
    if !run_status(
        cargo()
            .current_dir(root)
            .args(["build", "-p", "saferounds-server"]),
    )? {
        bail!("server build failed");
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let base = format!("http://127.0.0.1:{port}");
    let dir = std::env::temp_dir().join(format!("saferounds-st-{port}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)?;
    let mut server = Command::new(root.join("target/debug/saferounds"))
        .arg("--demo")
        .args(["--bind", &format!("127.0.0.1:{port}")])
        .arg("--database-url")
        .arg(format!(
            "sqlite://{}?mode=rwc",
            dir.join("db.sqlite").display()
        ))
        .arg("--blobs")
        .arg(dir.join("blobs"))
        .arg("--dist")
        .arg(dir.join("dist"))
        .stdout(Stdio::null())
        .spawn()?;
    // As a station inspector and as the administrator: what each may reach differs, and so do
    // the answers the document must describe. Every check; the expected answers to schema-valid
    // requests are in tests/schemathesis.toml.
    let login = |user: &str| -> Result<String> {
        for _ in 0..100 {
            let out = Command::new("curl")
                .args(["-s", "-X", "POST", "-H", "content-type: application/json"])
                .args([
                    "-d",
                    &format!(r#"{{"username":"{user}","password":"demo1234"}}"#),
                ])
                .arg(format!("{base}/api/v1/auth/login"))
                .output()?;
            if let Ok(v) = serde_json::from_slice::<serde_json::Value>(&out.stdout)
                && let Some(t) = v["token"].as_str()
            {
                return Ok(t.to_owned());
            }
            std::thread::sleep(std::time::Duration::from_millis(200));
        }
        bail!("the server did not come up")
    };
    let result = (|| -> Result<bool> {
        let mut all_passed = true;
        // Both logins first: the first run's guesses at the login endpoint throttle this
        // address, as they should.
        let tokens = [
            ("inspector", login("inspector")?),
            ("admin", login("admin")?),
        ];
        for (user, token) in tokens {
            eprintln!("schemathesis as {user}, {max_time} s");
            all_passed &= run_status(
                Command::new(&st)
                    .arg("--config-file")
                    .arg(root.join("tests/schemathesis.toml"))
                    .arg("run")
                    .arg(format!("{base}/api/v1/openapi.json"))
                    .args(["-H", &format!("Authorization: Bearer {token}")])
                    // Logging out would end the session the run uses.
                    .args(["--exclude-path", "/api/v1/auth/logout"])
                    .args(["--checks", "all"])
                    // One worker: with two, CPython 3.11's AST constructor (used by hypothesis
                    // to describe filters) fails with "recursion depth mismatch".
                    .args(["--max-time", &max_time, "-w", "1"]),
            )?;
        }
        Ok(all_passed)
    })();
    let _ = server.kill();
    let _ = server.wait();
    let _ = std::fs::remove_dir_all(&dir);
    if !result? {
        bail!("schemathesis found failures (its report above says which)");
    }
    Ok(())
}

/// The fault-injected sync story with many seeds, on SQLite and (when reachable) PostgreSQL.
fn chaos(root: &Path, args: &[String]) -> Result<()> {
    let flag = |name: &str, default: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
            .unwrap_or_else(|| default.to_owned())
    };
    let mut cmd = cargo();
    cmd.current_dir(root)
        .args([
            "test",
            "-p",
            "saferounds-server",
            "--test",
            "api",
            "sync_under_faults",
            "--",
            "--nocapture",
        ])
        .env("SAFEROUNDS_CHAOS_SEEDS", flag("--seeds", "100"))
        .env("SAFEROUNDS_CHAOS_STEPS", flag("--steps", "60"));
    if let Some(url) = postgres_url() {
        cmd.env("TEST_DATABASE_URL", url);
    }
    if !run_status(&mut cmd)? {
        bail!("a chaos schedule failed");
    }
    Ok(())
}

/// Server benchmarks in release mode, then the app shell's size.
fn bench(root: &Path, args: &[String]) -> Result<()> {
    let mut cmd = cargo();
    cmd.current_dir(root)
        .args([
            "run",
            "-q",
            "--release",
            "-p",
            "saferounds-server",
            "--example",
            "bench",
            "--",
        ])
        .args(args);
    if let Some(url) = postgres_url() {
        cmd.args(["--pg", &url]);
    }
    if !run_status(&mut cmd)? {
        bail!("the benchmark failed");
    }
    let dist = build_app(root)?;
    // The phone app in headless Chromium: first render from cache with 4× CPU throttling,
    // saving a visit, listing 5,000 hazards offline.
    ensure_chromium()?;
    if !run_status(
        cargo()
            .current_dir(root)
            .args([
                "run",
                "-q",
                "-p",
                "saferounds-e2e",
                "--example",
                "browser_bench",
            ])
            .env("SAFEROUNDS_DIST", &dist),
    )? {
        bail!("the browser benchmark failed");
    }
    Ok(())
}

fn run(root: &Path, extra: &[String]) -> Result<()> {
    let dist = build_app(root)?;
    let mut cmd = cargo();
    cmd.current_dir(root)
        .args([
            "run",
            "-q",
            "--release",
            "-p",
            "saferounds-server",
            "--",
            "--demo",
            "--demo-history",
            "--dist",
        ])
        .arg(&dist)
        .args(extra);
    if !run_status(&mut cmd)? {
        bail!("the server stopped with an error");
    }
    Ok(())
}

#[derive(Default)]
struct Tally {
    passed: u64,
    failed: u64,
    failures: Vec<String>,
}

impl Tally {
    fn step(&mut self, name: &str, ok: bool) {
        if ok {
            self.passed += 1;
        } else {
            self.failed += 1;
            self.failures.push(name.to_owned());
        }
    }
    /// Runs `cargo test …`, streaming its output, and adds up its `test result:` lines.
    fn cargo_test(&mut self, name: &str, cmd: &mut Command) -> Result<()> {
        eprintln!("$ {}", describe(cmd));
        let mut child = cmd.stdout(Stdio::piped()).spawn()?;
        let stdout = child.stdout.take().context("test output")?;
        let mut seen = false;
        let failed_before = self.failed;
        let reader = std::io::BufReader::new(stdout);
        for line in std::io::BufRead::lines(reader) {
            let line = line?;
            println!("{line}");
            if let Some(rest) = line.strip_prefix("test result: ") {
                seen = true;
                let num = |word: &str| {
                    rest.split(';')
                        .find_map(|p| {
                            p.trim()
                                .strip_suffix(word)
                                .and_then(|n| n.split_whitespace().last())
                                .and_then(|n| n.parse::<u64>().ok())
                        })
                        .unwrap_or(0)
                };
                self.passed += num(" passed");
                self.failed += num(" failed");
            }
        }
        let ok = child.wait()?.success();
        if !seen || (!ok && self.failed == failed_before) {
            // It did not compile, or crashed without a failing test to show for it.
            self.failed += 1;
        }
        if !ok || !seen {
            self.failures.push(name.to_owned());
        }
        Ok(())
    }
}

/// Set (CI sets it) when the API stories must run on PostgreSQL too: unreachable is then a
/// failure, not a quiet fallback to SQLite only.
const REQUIRE_POSTGRES: &str = "SAFEROUNDS_REQUIRE_POSTGRES";

fn postgres_url() -> Option<String> {
    let url = std::env::var("TEST_DATABASE_URL")
        .or_else(|_| std::env::var("DATABASE_URL"))
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
    let hostport = url.split('@').nth(1)?.split('/').next()?.to_owned();
    let addr = std::net::ToSocketAddrs::to_socket_addrs(&hostport)
        .ok()?
        .next()?;
    std::net::TcpStream::connect_timeout(&addr, std::time::Duration::from_secs(2))
        .ok()
        .map(|_| url)
}

fn ensure_chromium() -> Result<()> {
    if Path::new("/usr/bin/chromium").exists() && Path::new("/usr/bin/chromedriver").exists() {
        return Ok(());
    }
    eprintln!("installing Debian's chromium and chromium-driver for the browser tests");
    let _ = run_status(Command::new("apt-get").arg("update").arg("-qq"));
    if !run_status(
        Command::new("apt-get")
            .args(["install", "-y", "-qq", "chromium", "chromium-driver"])
            .env("DEBIAN_FRONTEND", "noninteractive"),
    )? {
        bail!(
            "could not install chromium; install it (apt-get install chromium chromium-driver) and retry"
        );
    }
    Ok(())
}

/// moto's S3 server (PyPI) for the object-storage test.
fn ensure_moto() -> Result<()> {
    if Command::new("moto_server")
        .arg("--help")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
    {
        return Ok(());
    }
    eprintln!("installing moto's S3 server (PyPI) for the object-storage test");
    if !run_status(Command::new("python3").args(["-m", "pip", "install", "-q", "moto[server]"]))? {
        bail!("could not install moto; run `python3 -m pip install 'moto[server]'` and retry");
    }
    Ok(())
}

fn test(root: &Path) -> Result<()> {
    let mut t = Tally::default();
    t.step(
        "cargo fmt --check",
        run_status(cargo().current_dir(root).args(["fmt", "--all", "--check"]))?,
    );
    t.step(
        "clippy (native)",
        run_status(cargo().current_dir(root).args([
            "clippy",
            "--workspace",
            "--exclude",
            "saferounds-app",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ]))?,
    );
    ensure_wasm_target()?;
    t.step(
        "clippy (app and camera module, wasm32)",
        run_status(cargo().current_dir(root).args([
            "clippy",
            "-p",
            APP,
            "-p",
            CAMERA,
            "--target",
            WASM_TARGET,
            "--",
            "-D",
            "warnings",
        ]))?,
    );
    t.step(
        "clippy (app's phone module, wasm32)",
        run_status(cargo().current_dir(root).args([
            "clippy",
            "-p",
            "saferounds-app",
            "--no-default-features",
            "--target",
            WASM_TARGET,
            "--",
            "-D",
            "warnings",
        ]))?,
    );
    t.step(
        "shared builds for wasm32",
        run_status(cargo().current_dir(root).args([
            "build",
            "-p",
            "saferounds-shared",
            "--target",
            WASM_TARGET,
        ]))?,
    );

    let mut unit = cargo();
    unit.current_dir(root)
        .args(["test", "--workspace", "--exclude", "saferounds-e2e"]);
    match postgres_url() {
        Some(url) => {
            eprintln!("PostgreSQL reachable: the API stories run on SQLite and PostgreSQL");
            unit.env("TEST_DATABASE_URL", url);
        }
        None if std::env::var_os(REQUIRE_POSTGRES).is_some() => bail!(
            "PostgreSQL is expected ({REQUIRE_POSTGRES} is set) but not reachable at \
             TEST_DATABASE_URL, DATABASE_URL or 127.0.0.1:5432: start it, or unset the variable \
             to run the API stories on SQLite only"
        ),
        None => eprintln!("PostgreSQL not reachable: the API stories run on SQLite only"),
    }
    ensure_moto()?;
    t.cargo_test("unit and API tests", &mut unit)?;

    match build_app(root) {
        Ok(dist) => {
            // A size, not a timing: the same build always weighs the same.
            let br = shell_brotli(&dist)?;
            eprintln!("app shell: {br} B Brotli (budget {SHELL_BUDGET_BROTLI} B)");
            t.step(
                "the app shell within its budget (300 KB Brotli)",
                br <= SHELL_BUDGET_BROTLI,
            );
            ensure_chromium()?;
            ensure_axe(root);
            let mut e2e = cargo();
            e2e.current_dir(root)
                .args(["test", "-p", "saferounds-e2e", "--", "--test-threads=1"])
                .env("SAFEROUNDS_DIST", &dist);
            t.cargo_test("browser tests", &mut e2e)?;
        }
        Err(e) => {
            eprintln!("error: {e:#}");
            t.step("build the app", false);
        }
    }
    if !t.failures.is_empty() {
        eprintln!("failed: {}", t.failures.join(", "));
    }
    println!("{} passed, {} failed", t.passed, t.failed);
    if t.failed > 0 {
        std::process::exit(1);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn scripts_ship_without_their_comment_lines() {
        let js = "// about\nconst A = 1; // kept: code first\n  // indented\nconst url = \"http://x\";\n";
        assert_eq!(
            super::without_line_comments(js),
            "const A = 1; // kept: code first\nconst url = \"http://x\";\n"
        );
    }
}
