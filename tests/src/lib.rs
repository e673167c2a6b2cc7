//! End-to-end harness: the real server (in-process, on a random port, fresh SQLite database,
//! demo data) serving the optimised app from `dist/`, and real headless Chromium driven through
//! chromedriver. Everything is stopped explicitly at the end of a test.
#![forbid(unsafe_code)]

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use saferounds_server::{Running, Settings, launch_local, relaunch};

/// The built app: `SAFEROUNDS_DIST`, or `dist/` at the workspace root.
pub fn dist() -> PathBuf {
    std::env::var_os("SAFEROUNDS_DIST")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../dist"))
}

/// A real test photo: the app's icon, a PNG the browser can decode and downscale.
pub fn test_image() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../public/icons/icon-512.png")
        .canonicalize()
        .expect("icon exists")
}

/// A second photo, different from [`test_image`] (another size of the icon).
pub fn second_test_image() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../public/icons/icon-192.png")
        .canonicalize()
        .expect("icon exists")
}

pub struct Server {
    pub running: Option<Running>,
    pub addr: SocketAddr,
    pub dir: tempfile::TempDir,
    /// The app files it serves.
    pub dist: PathBuf,
}

impl Server {
    pub async fn start() -> Result<Server> {
        Self::start_serving(dist()).await
    }

    /// A server for the app files in `dist` (a copy that a test may change, say).
    pub async fn start_serving(dist: PathBuf) -> Result<Server> {
        let dir = tempfile::tempdir()?;
        let running = launch_local(Self::settings(&dir, &dist)).await?;
        Ok(Server {
            addr: running.addr,
            running: Some(running),
            dir,
            dist,
        })
    }

    fn settings(dir: &tempfile::TempDir, dist: &Path) -> Settings {
        assert!(
            dist.join("index.html").exists(),
            "no built app at {}: run `cargo xtask build`",
            dist.display()
        );
        Settings::demo_in(dir.path(), dist.to_path_buf())
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// Really stops the server: the port closes, nothing answers.
    pub async fn stop(&mut self) -> Result<()> {
        if let Some(r) = self.running.take() {
            r.stop().await?;
        }
        Ok(())
    }

    /// Starts it again on the same address and database.
    pub async fn restart(&mut self) -> Result<()> {
        self.running = Some(relaunch(Self::settings(&self.dir, &self.dist), self.addr).await?);
        Ok(())
    }

    /// The API through the one client kit (`saferounds-client`).
    pub fn api(&self) -> saferounds_client::Client {
        saferounds_client::Client::new(self.url(""))
    }

    /// A demo user logged in through the API on a device of their own.
    pub async fn login(&self, user: &str) -> Result<saferounds_client::Device> {
        self.api().login(user).await
    }

    /// Logs in through the API and returns the bearer token.
    pub async fn token(&self, user: &str) -> Result<String> {
        Ok(self.login(user).await?.token)
    }

    pub async fn get_json(&self, token: &str, path: &str) -> Result<serde_json::Value> {
        let r = reqwest::Client::new()
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await?;
        anyhow::ensure!(r.status().is_success(), "GET {path}: {}", r.status());
        Ok(r.json().await?)
    }
}

fn free_port() -> Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

pub struct Browser {
    pub client: Client,
    driver: Child,
    _profile: tempfile::TempDir,
}

impl Browser {
    /// Headless Chromium with a fresh profile, as a phone: a 412 × 900 CSS-pixel mobile
    /// screen (a headless window itself is never narrower than 500 px).
    pub async fn start() -> Result<Browser> {
        Self::phone_with(&[]).await
    }

    /// A phone (412 px wide) started with further Chromium switches.
    pub async fn phone_with(extra_args: &[&str]) -> Result<Browser> {
        let b = Self::start_with(extra_args).await?;
        b.cdp(
            "Emulation.setDeviceMetricsOverride",
            serde_json::json!({"width": 412, "height": 900, "deviceScaleFactor": 2, "mobile": true}),
        )
        .await?;
        Ok(b)
    }

    pub async fn start_with(extra_args: &[&str]) -> Result<Browser> {
        let port = free_port()?;
        let driver = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .context("starting chromedriver (apt-get install chromium-driver)")?;
        let profile = tempfile::tempdir()?;
        let mut args: Vec<String> = [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
            "--window-size=1024,900",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        args.push(format!("--user-data-dir={}", profile.path().display()));
        args.extend(extra_args.iter().map(|s| s.to_string()));
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".into(),
            serde_json::json!({ "binary": "/usr/bin/chromium", "args": args }),
        );
        let deadline = Instant::now() + Duration::from_secs(20);
        let client = loop {
            match ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
                .capabilities(caps.clone())
                .connect(&format!("http://127.0.0.1:{port}"))
                .await
            {
                Ok(c) => break c,
                Err(e) if Instant::now() < deadline => {
                    let _ = e;
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
                Err(e) => bail!("chromedriver did not start: {e}"),
            }
        };
        Ok(Browser {
            client,
            driver,
            _profile: profile,
        })
    }

    pub async fn close(mut self) {
        let _ = self.client.clone().close().await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }

    /// Waits for an element (the app renders asynchronously).
    pub async fn find(&self, css: &str) -> Result<Element> {
        self.client
            .wait()
            .at_most(Duration::from_secs(20))
            .for_element(Locator::Css(css))
            .await
            .with_context(|| format!("waiting for {css}"))
    }

    /// Clicks the first element matching `css`; an element re-rendered between being found and
    /// being clicked (the tabs after a sync, say) is found again.
    pub async fn click(&self, css: &str) -> Result<()> {
        let mut tries = 0;
        loop {
            match self.find(css).await?.click().await {
                Err(e) if e.is_stale_element_reference() && tries < 5 => tries += 1,
                r => return Ok(r?),
            }
        }
    }

    /// The text of the first element matching `css`; an element re-rendered between being found
    /// and being read is found again.
    pub async fn text(&self, css: &str) -> Result<String> {
        let mut tries = 0;
        loop {
            match self.find(css).await?.text().await {
                Err(e) if e.is_stale_element_reference() && tries < 5 => tries += 1,
                r => return Ok(r?),
            }
        }
    }

    /// Polls a JavaScript expression until it is truthy.
    pub async fn until(&self, js: &str, secs: u64) -> Result<serde_json::Value> {
        let deadline = Instant::now() + Duration::from_secs(secs);
        loop {
            let v = self
                .client
                .execute(&format!("return ({js});"), vec![])
                .await?;
            if !(v.is_null()
                || v == serde_json::json!(false)
                || v == serde_json::json!(0)
                || v == serde_json::json!(""))
            {
                return Ok(v);
            }
            if Instant::now() > deadline {
                bail!("timed out waiting for {js}");
            }
            tokio::time::sleep(Duration::from_millis(150)).await;
        }
    }

    /// After pressing "save" on a visit: waits for the rooms list to return, failing with the
    /// page's message if the visit was refused.
    pub async fn until_visit_saved(&self) -> Result<()> {
        self.until(
            "document.querySelector('#room-list') || document.querySelector('#visit-error')",
            20,
        )
        .await?;
        if let Ok(e) = self.client.find(Locator::Css("#visit-error")).await {
            bail!("saving the visit failed: {}", e.text().await?);
        }
        Ok(())
    }

    /// Waits until the status bar says everything is uploaded ("已全部上传").
    pub async fn until_synced(&self, secs: u64) -> Result<serde_json::Value> {
        self.until(
            "document.querySelector('#pending') && document.querySelector('#pending').textContent.includes('已全部上传')",
            secs,
        )
        .await
    }

    pub async fn login(&self, base: &str, user: &str) -> Result<()> {
        self.login_as(base, user, "demo1234").await
    }

    pub async fn login_as(&self, base: &str, user: &str, password: &str) -> Result<()> {
        self.client.goto(base).await?;
        self.find("#username").await?.send_keys(user).await?;
        self.find("#password").await?.send_keys(password).await?;
        self.click("#login").await?;
        Ok(())
    }

    /// Runs axe-core in the page and returns its serious and critical violations as
    /// `rule: selector…` lines. The axe script is `SAFEROUNDS_AXE` or the one `cargo xtask test`
    /// installs under `.tools/`.
    pub async fn axe_violations(&self) -> Result<Vec<String>> {
        let path = std::env::var("SAFEROUNDS_AXE")
            .map(PathBuf::from)
            .unwrap_or_else(|_| {
                Path::new(env!("CARGO_MANIFEST_DIR"))
                    .join("../.tools/node_modules/axe-core/axe.min.js")
            });
        let source = std::fs::read_to_string(&path).with_context(|| {
            format!(
                "reading axe-core from {} (npm install axe-core)",
                path.display()
            )
        })?;
        // Evaluated through WebDriver, so the page's CSP does not apply to it.
        self.client
            .execute(&format!("{source}\n;return true;"), vec![])
            .await?;
        let v = self
            .client
            .execute_async(
                "const done = arguments[arguments.length - 1];
                 axe.run(document, { resultTypes: ['violations'] }).then(r => done(
                   r.violations
                     .filter(v => v.impact === 'serious' || v.impact === 'critical')
                     .map(v => v.id + ': ' + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | '))
                 ), e => done(['axe failed: ' + e]));",
                vec![],
            )
            .await?;
        Ok(serde_json::from_value(v)?)
    }

    /// A Chrome DevTools Protocol command through chromedriver (`goog/cdp/execute`).
    pub async fn cdp(&self, cmd: &str, params: serde_json::Value) -> Result<serde_json::Value> {
        Ok(self
            .client
            .issue_cmd(Cdp {
                cmd: cmd.to_owned(),
                params,
            })
            .await?)
    }

    /// Text of the whole page body.
    pub async fn body(&self) -> Result<String> {
        Ok(self.client.find(Locator::Css("body")).await?.text().await?)
    }
}

#[derive(Debug)]
struct Cdp {
    cmd: String,
    params: serde_json::Value,
}

impl fantoccini::wd::WebDriverCompatibleCommand for Cdp {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/goog/cdp/execute",
            session_id.unwrap_or_default()
        ))
    }
    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        (
            http::Method::POST,
            Some(serde_json::json!({"cmd": self.cmd, "params": self.params}).to_string()),
        )
    }
}

/// Pictures of the printed room labels, as a phone's camera sees them.
pub mod labels {
    use saferounds_shared::endpoints as ep;
    use std::path::Path;

    use anyhow::{Context, Result};
    use image::{GrayImage, Luma, Rgb, RgbImage, RgbaImage, imageops};

    use super::{Browser, Server};

    /// The label of the room `code` as printed from the sheet the server makes
    /// (`/api/v1/rooms/labels`): the browser opens the sheet and takes a picture of that label.
    pub async fn printed(browser: &Browser, server: &Server, code: &str) -> Result<RgbaImage> {
        let html = reqwest::Client::new()
            .get(server.url(ep::ROOM_LABELS.path()))
            .bearer_auth(server.token("supervisor").await?)
            .send()
            .await?
            .error_for_status()?
            .text()
            .await?;
        let file = server.dir.path().join("labels.html");
        std::fs::write(&file, html)?;
        browser
            .client
            .goto(&format!("file://{}", file.display()))
            .await?;
        let label = browser
            .find(&format!(".label[data-qr='SR1:{code}']"))
            .await
            .with_context(|| format!("the sheet has a label for {code}"))?;
        let png = label.screenshot().await?;
        Ok(image::load_from_memory(&png)?.to_rgba8())
    }

    /// A QR code that no label of ours carries, drawn as a label would be.
    pub fn foreign(text: &str) -> Result<RgbaImage> {
        let code = qrcode::QrCode::new(text.as_bytes())?;
        let n = code.width() as u32;
        let colors = code.to_colors();
        let scale = 6;
        Ok(RgbaImage::from_fn(
            (n + 8) * scale,
            (n + 8) * scale,
            |x, y| {
                let (mx, my) = ((x / scale).wrapping_sub(4), (y / scale).wrapping_sub(4));
                let dark =
                    mx < n && my < n && colors[(my * n + mx) as usize] == qrcode::Color::Dark;
                image::Rgba(if dark {
                    [0, 0, 0, 255]
                } else {
                    [255, 255, 255, 255]
                })
            },
        ))
    }

    /// A grey wall with the label on it, a little off centre (what a photo or a video frame of
    /// a label on a door shows).
    fn on_a_wall(label: &RgbaImage, w: u32, h: u32, zoom: f32) -> RgbImage {
        let (lw, lh) = (
            (label.width() as f32 * zoom) as u32,
            (label.height() as f32 * zoom) as u32,
        );
        let label = imageops::resize(label, lw, lh, imageops::FilterType::Triangle);
        let mut wall = RgbImage::from_fn(w, h, |x, y| {
            let shade = 120 + ((x + 2 * y) % 40) as u8;
            Rgb([shade, shade - 8, shade - 16])
        });
        let (left, top) = (
            i64::from(w.saturating_sub(lw) / 3),
            i64::from(h.saturating_sub(lh) / 2),
        );
        let label = image::DynamicImage::ImageRgba8(label).to_rgb8();
        imageops::overlay(&mut wall, &label, left, top);
        wall
    }

    /// A phone's photo of `label` (1280 × 960, JPEG) written to `path`.
    pub fn photo(label: &RgbaImage, path: &Path) -> Result<()> {
        let picture = on_a_wall(label, 1280, 960, 1.5);
        let mut out = std::fs::File::create(path)?;
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 85).encode_image(&picture)?;
        Ok(())
    }

    /// A camera's view of `label` as a video for Chromium's fake camera
    /// (`--use-file-for-fake-video-capture`): a few frames of 640 × 480 in Y4M, written to `path`.
    pub fn video(label: &RgbaImage, path: &Path) -> Result<()> {
        let (w, h) = (640, 480);
        let frame: GrayImage =
            image::DynamicImage::ImageRgb8(on_a_wall(label, w, h, 0.8)).to_luma8();
        let mut out = format!("YUV4MPEG2 W{w} H{h} F10:1 Ip A1:1 C420jpeg\n").into_bytes();
        for _ in 0..3 {
            out.extend_from_slice(b"FRAME\n");
            out.extend(frame.pixels().map(|Luma([y])| *y));
            // No colour: both chroma planes at their middle.
            out.extend(std::iter::repeat_n(128u8, (w * h / 2) as usize));
        }
        std::fs::write(path, out)?;
        Ok(())
    }
}

/// Helpers that act through the API as another user would (to set up a story).
pub mod api {
    use anyhow::{Context, Result};
    use saferounds_shared::endpoints as ep;
    use saferounds_shared::hazard::{Event, Grade, HazardReport, Registration, Status};
    use saferounds_shared::ids::{Fen, HazardId, Reason};
    use saferounds_shared::sync::OpBody;

    use super::Server;

    /// A hazard the inspector reported (through the API), not yet registered.
    pub async fn reported_hazard(server: &Server, description: &str) -> Result<HazardId> {
        let ids = reported_hazards(server, &[description]).await?;
        Ok(ids[0])
    }

    /// Hazards the inspector reported (through the API, one push each), not yet registered.
    pub async fn reported_hazards(server: &Server, descriptions: &[&str]) -> Result<Vec<HazardId>> {
        let insp = server.login("inspector").await?;
        let boot = insp.fetch(ep::BOOTSTRAP.call()).await?;
        let room = boot.rooms.first().context("a room")?;
        let (_, photo) = insp
            .upload(&[0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3, 0xFF, 0xD9])
            .await?;
        let today = boot.today;
        let mut ids = Vec::new();
        for description in descriptions {
            let id = HazardId::from_uuid(uuid::Uuid::now_v7());
            let report = HazardReport {
                id,
                site_id: room.site_id,
                room_id: Some(room.id),
                department_id: Some(room.department_id),
                round_id: None,
                visit_id: None,
                category: saferounds_shared::checklist::Category::Electrical,
                item_code: Some("EL-02".into()),
                description: (*description).into(),
                grade: Grade::General,
                basis: "GB 2099.7-2024".into(),
                found_on: today,
                deadline: None,
                photos_before: vec![photo.clone()],
                fixed_on_spot: None,
            };
            insp.push_one(id.0, 0, OpBody::ReportHazard(report)).await?;
            ids.push(id);
        }
        Ok(ids)
    }

    /// A hazard reported by the inspector and registered by the supervisor (owner: `owner`).
    pub async fn registered_hazard(server: &Server, description: &str) -> Result<HazardId> {
        let id = reported_hazard(server, description).await?;
        let owner = server.login("owner").await?;
        let sup = server.login("supervisor").await?;
        let today = sup.fetch(ep::BOOTSTRAP.call()).await?.today;
        let reg = Registration {
            grade: Grade::General,
            measures: Reason::parse("更换带过载保护的插线板")?,
            department_id: owner
                .user
                .department_id
                .context("the owner has a department")?,
            owner_id: owner.user.id,
            deadline: today + chrono::Duration::days(7),
            interim_precautions: None,
            funds: Fen::parse(5_000)?,
            plan_approved_by: None,
        };
        let r = sup
            .push_one(
                id.0,
                1,
                OpBody::Transition {
                    from: Status::Reported,
                    event: Event::Register(reg),
                },
            )
            .await?;
        anyhow::ensure!(
            matches!(
                r.results[0].outcome,
                saferounds_shared::sync::Outcome::Applied
            ),
            "register: {:?}",
            r.results
        );
        Ok(id)
    }

    pub async fn status_of(server: &Server, id: HazardId) -> Result<String> {
        let sup = server.login("supervisor").await?;
        let d = sup.fetch(ep::HAZARD.at(&id)).await?;
        Ok(d.hazard.status.as_str().to_owned())
    }
}
